"""PNG previews rendered from the finished PDFs (pypdfium2), to look without opening them.

For each PDF: one thumbnail per page, and a contact sheet with every page in a
grid and its page number, so an editor sees an issue at a glance and a reviewer
sees what a change did.
"""

from __future__ import annotations

import io
from pathlib import Path

from folio.files import write_atomically

THUMBNAIL_DPI = 50
COLUMNS = 4
GAP = 16
LABEL = 22


def previews_for(pdf: Path, folder: Path,
                 labels: list[str] | None = None) -> tuple[list[Path], Path]:
    """Write ``folder/page-001.png``… and ``folder.png`` (the contact sheet), each
    page labelled with its number or with ``labels``."""
    import pypdfium2
    from PIL import Image, ImageDraw

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        images = [page.render(scale=THUMBNAIL_DPI / 72).to_pil().convert("RGB")
                  for page in document]
    finally:
        document.close()
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("page-*.png"):
        stale.unlink()
    pages = []
    for number, image in enumerate(images, 1):
        pages.append(folder / f"page-{number:03}.png")
        write_atomically(pages[-1], _png(image))

    width = max(i.width for i in images)
    height = max(i.height for i in images)
    columns = min(COLUMNS, len(images))
    rows = -(-len(images) // columns)
    sheet = Image.new("RGB", (GAP + columns * (width + GAP),
                              GAP + rows * (height + LABEL + GAP)), (232, 232, 236))
    draw = ImageDraw.Draw(sheet)
    for index, image in enumerate(images):
        x = GAP + (index % columns) * (width + GAP)
        y = GAP + (index // columns) * (height + LABEL + GAP)
        sheet.paste(image, (x, y))
        draw.rectangle((x - 1, y - 1, x + image.width, y + image.height), outline=(150, 150, 160))
        label = labels[index] if labels and index < len(labels) else str(index + 1)
        draw.text((x, y + image.height + 5), label, fill=(40, 40, 60))
    contact = folder.with_suffix(".png")
    write_atomically(contact, _png(sheet))
    return pages, contact


def _png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
