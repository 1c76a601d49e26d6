"""What WeasyPrint may read: ``data:`` URIs and files inside the publication, no more.

WeasyPrint catches a fetcher's exceptions and only logs them (the image silently
disappears), except those derived from ``FatalURLFetchingError``: so a refusal
here stops the build, and the message names the URL. Every file served is also
recorded with the hash of its bytes, for the incremental build (see reading.py).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from folio.files import digest, relative_name
from folio.pdf.fontprep import SCHEME, cache_dir


class OutsideRootError(FatalURLFetchingError):
    """A document asked for a file or URL outside the publication."""


class PublicationFetcher(URLFetcher):
    """Serves ``data:`` URIs and files inside the publication root, nothing else."""

    def __init__(self, root: Path, also: tuple[Path, ...] = ()):
        super().__init__(allowed_protocols={"file", "data", SCHEME})
        self.root = root.resolve()
        self.also = {p.resolve() for p in also}
        self.record: dict[str, str] = {}        # what was read: path -> hash
        self.refused: list[str] = []            # why, for what WeasyPrint swallows

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == SCHEME:
            # A prepared font (fontprep.py): named, not located, so that the HTML
            # holds no path of this machine.
            name = Path(urlsplit(url).path).name
            return super().fetch((cache_dir() / name).as_uri(), headers)
        if scheme != "file":
            self._refuse(f"'{url}' is not a file of the publication")
        path = Path(unquote(urlsplit(url).path)).resolve()
        if path not in self.also and relative_name(path, self.root) is None:
            self._refuse(f"'{path}' is outside the publication folder")
        response = super().fetch(url, headers)
        try:
            data = response.read()
        finally:
            response.close()
        self.record[relative_name(path, self.root) or path.as_posix()] = digest(data)
        return URLFetcherResponse(response.url, data, response.headers, response.status)

    def _refuse(self, reason: str):
        # Raised inside an SVG image, even this error is only logged by WeasyPrint:
        # the reason is kept for the message.
        self.refused.append(reason)
        raise OutsideRootError(reason)
