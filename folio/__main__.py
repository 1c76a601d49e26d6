"""``python -m folio``: the same as the ``folio`` command."""

import sys

from folio.cli import main

sys.exit(main())
