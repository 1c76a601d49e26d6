"""Offprints: one PDF per article, cut from the finished issue.

An offprint is the article's pages exactly as the issue printed them: the same
page numbers (as page labels too, so a reader's page box says "5"), the same
"Cite this article" line at the foot of its first page, its links within itself
and to the web, its part of the outline, and its own metadata (title, authors,
DOI and pages, in the Info dictionary and the XMP). Links to pages it does not
have are removed, so nothing points into the void.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from folio.production.xmp import write_metadata


@dataclass(frozen=True)
class Offprint:
    anchor: str                      # the article's id in the issue: article-<slug>
    end: str                         # the id of the element that closes it
    output: Path
    title: str
    authors: tuple[str, ...]
    xmp: tuple[tuple[str, str], ...]     # with the pages filled in by ``cut``


class NotInIssue(ValueError):
    """The issue PDF does not say where the article is."""


def pages_of(issue: bytes, offprint: Offprint) -> tuple[int, int]:
    """The article's first and last page (1-based) in the issue PDF."""
    with pikepdf.open(io.BytesIO(issue)) as pdf:
        return _range(pdf, offprint)


def _range(pdf: pikepdf.Pdf, offprint: Offprint) -> tuple[int, int]:
    names = _dests(pdf)
    try:
        first = _page_index(pdf, names[offprint.anchor])
        last = _page_index(pdf, names[offprint.end])
    except (KeyError, ValueError) as error:
        raise NotInIssue(f"{offprint.anchor} is not in the issue") from error
    return first + 1, max(first, last) + 1


def cut(issue: bytes, offprint: Offprint, pdfa: bool) -> tuple[bytes, tuple[int, int]]:
    """The offprint of one article of ``issue`` (a finished issue PDF), and its pages."""
    pdf = pikepdf.open(io.BytesIO(issue))
    version = pdf.pdf_version
    first, last = _range(pdf, offprint)
    keep = {pdf.pages[i].obj.objgen for i in range(first - 1, last)}
    names = _dests(pdf)
    inside = {name for name, dest in names.items() if _page_objgen(pdf, dest) in keep}
    _prune_links(pdf, keep, inside)
    _prune_outline(pdf, keep)
    for index in reversed(range(len(pdf.pages))):
        if pdf.pages[index].obj.objgen not in keep:
            del pdf.pages[index]
    _keep_names(pdf, inside)
    _untag(pdf)
    pdf.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array([
        0, pikepdf.Dictionary(S=pikepdf.Name.D, St=first)]))
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=True) as meta:
        meta["dc:title"] = offprint.title
        if offprint.authors:
            meta["dc:creator"] = list(offprint.authors)
    pages = (("prism:startingPage", str(first)), ("prism:endingPage", str(last)),
             ("prism:pageRange", f"{first}-{last}" if last > first else str(first)))
    write_metadata(pdf, offprint.xmp + pages, pdfa)
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, min_version=version)
    return out.getvalue(), (first, last)


def _dests(pdf: pikepdf.Pdf) -> dict[str, object]:
    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return {}
    return {str(key): value for key, value in pikepdf.NameTree(names.Dests).items()}


def _page_objgen(pdf: pikepdf.Pdf, dest) -> tuple[int, int] | None:
    if isinstance(dest, pikepdf.Dictionary) and "/D" in dest:
        dest = dest.D
    if isinstance(dest, (str, pikepdf.String)):
        dest = _dests(pdf).get(str(dest))
    if isinstance(dest, pikepdf.Array) and len(dest) and isinstance(dest[0], pikepdf.Dictionary):
        return dest[0].objgen
    return None


def _page_index(pdf: pikepdf.Pdf, dest) -> int:
    objgen = _page_objgen(pdf, dest)
    for index, page in enumerate(pdf.pages):
        if page.obj.objgen == objgen:
            return index
    raise ValueError("destination on no page")


def _prune_links(pdf: pikepdf.Pdf, keep: set, inside: set[str]) -> None:
    """Links to the web stay; links to a place in the offprint stay; others go."""
    for page in pdf.pages:
        if page.obj.objgen not in keep or "/Annots" not in page.obj:
            continue
        kept = pikepdf.Array()
        for annotation in page.obj.Annots:
            if annotation.get("/Subtype") != pikepdf.Name.Link:
                kept.append(annotation)
                continue
            action = annotation.get("/A")
            if action is not None and action.get("/S") == pikepdf.Name.URI:
                kept.append(annotation)
                continue
            dest = annotation.get("/Dest") if action is None else action.get("/D")
            if isinstance(dest, (str, pikepdf.String)) and str(dest) in inside:
                kept.append(annotation)
            elif _page_objgen(pdf, dest) in keep:
                kept.append(annotation)
        page.obj.Annots = kept


def _prune_outline(pdf: pikepdf.Pdf, keep: set) -> None:
    """The outline entries of the offprint's pages, their nesting kept."""
    with pdf.open_outline() as outline:
        outline.root[:] = _kept_items(pdf, list(outline.root), keep)


def _kept_items(pdf: pikepdf.Pdf, items, keep: set) -> list:
    kept = []
    for item in items:
        children = _kept_items(pdf, list(item.children), keep)
        if _page_objgen(pdf, item.destination) in keep:
            item.children[:] = children
            kept.append(item)
        else:
            kept += children
    return kept


def _untag(pdf: pikepdf.Pdf) -> None:
    """An offprint of a tagged issue (the screen's) is not tagged: the issue's
    structure tree holds every page, and would bring them all back."""
    for key in ("/StructTreeRoot", "/MarkInfo"):
        if key in pdf.Root:
            del pdf.Root[key]
    for page in pdf.pages:
        if "/StructParents" in page.obj:
            del page.obj["/StructParents"]
        for annotation in page.obj.get("/Annots", ()):
            if "/StructParent" in annotation:
                del annotation["/StructParent"]


def _keep_names(pdf: pikepdf.Pdf, inside: set[str]) -> None:
    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return
    entries = [(name, value) for name, value in pikepdf.NameTree(names.Dests).items()
               if str(name) in inside]
    tree = pikepdf.NameTree.new(pdf)
    for name, value in entries:
        tree[name] = value
    names.Dests = tree.obj


def offprint_metadata(journal: str, volume: int, number: int, date: str, issn: str,
                      doi: str) -> tuple[tuple[str, str], ...]:
    found = [("prism:publicationName", journal), ("prism:volume", str(volume)),
             ("prism:number", str(number)), ("prism:coverDate", date)]
    if issn:
        found.append(("prism:issn", issn))
    if doi:
        found += [("prism:doi", doi), ("dc:identifier", f"doi:{doi}")]
    return tuple(found)

