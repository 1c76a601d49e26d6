"""Issues laid out by articles (pipeline/parts.py, production/assemble.py).

The promise is that the issue a reader gets is the one a whole layout gives: the
same pages as images, the same text, the contents' numbers where the articles
are, the same bookmarks and links. And that an edit lays out again only what it
touched.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pypdfium2
import pytest
from helpers import (
    RICH_ARTICLE_EN,
    RICH_ARTICLE_KO,
    copy_publication,
    made_once,
    make_rich,
    pdftotext,
)
from PIL import ImageChops

from folio.pipeline.manifest import MANIFEST_FILE
from folio.pipeline.parts import CACHE_DIR
from folio.pipeline.run import BuildOptions, build

DOC = "journal-2024-parts"
ISSUE_YAML = """\
volume: 5
number: 1
date: 2024-12-01
title: {ko: 부분, en: Parts}
sections:
  - title: {ko: 논문, en: Articles}
    articles: [crafts, long, short]
  - title: {ko: 소식, en: News}
    articles: [fair, prize, visit]
    opens: right                # so that a blank page comes before it
  - title: {ko: 대담, en: Dialogue}
    articles: [conversation]
"""
SENTENCE = {"ko": "진주는 공예와 민속예술 분야의 유네스코 창의도시로서 남강을 따라 "
                  "비단과 장인의 전통을 이어 왔고, 시민과 예술가가 함께 도시의 내일을 만든다. ",
            "en": "Jinju, a UNESCO Creative City of Crafts and Folk Art, has kept the "
                  "traditions of silk and of its makers along the Nam River, and its "
                  "citizens and artists make the city's future together. "}
TITLES = {"long": {"ko": "긴 논문", "en": "A Long Article"},
          "short": {"ko": "짧은 논문", "en": "A Short Article"},
          "fair": {"ko": "장터 소식", "en": "Fair News"},
          "prize": {"ko": "수상 소식", "en": "A Prize"},
          "visit": {"ko": "방문 소식", "en": "A Visit"}}


LONG = {"ko": 9, "en": 8}       # paragraphs: two pages; one more makes three


def _long_body(lang: str, paragraphs: int) -> str:
    """Pages of text with footnotes and headings."""
    parts = []
    for number in range(paragraphs):
        note = f"[^n{number}]" if number % 4 == 0 else ""
        parts.append(SENTENCE[lang] * 4 + note)
        if number % 5 == 4:
            parts.append(f"## {TITLES['long'][lang]} {number}")
    parts += [f"[^n{n}]: {SENTENCE[lang]}" for n in range(0, paragraphs, 4)]
    return "\n\n".join(parts) + "\n"


def _write(issue: Path, slug: str, lang: str, body: str, kind: str = "article") -> None:
    (issue / f"{slug}.{lang}.md").write_text(
        f"---\ntype: {kind}\ntitle: {TITLES[slug][lang]}\n---\n{body}", encoding="utf-8")


@pytest.fixture(scope="module")
def journal(tmp_path_factory) -> Path:
    """The rich publication with an issue of seven items: a long article with
    footnotes ending on a left-hand page, the rich one (table, figures, footnote),
    one of a page (a blank page after it), three news items that run on, and a
    dialogue. Read-only: tests that change it take a copy."""
    return made_once(tmp_path_factory, "parts-journal", _make_journal) / "pub"


def _make_journal(folder: Path) -> None:
    root = make_rich(folder)
    issue = root / "content/journal/2024-parts"
    (issue / "figures").mkdir(parents=True)
    crafts = root / "content/journal/2024-crafts"
    for name in ("figures/map.svg", "figures/photo.png", "conversation.ko.md",
                 "conversation.en.md"):
        (issue / name).write_bytes((crafts / name).read_bytes())
    (issue / "issue.yaml").write_text(ISSUE_YAML, encoding="utf-8")
    (issue / "crafts.en.md").write_text(RICH_ARTICLE_EN, encoding="utf-8")
    (issue / "crafts.ko.md").write_text(RICH_ARTICLE_KO, encoding="utf-8")
    for lang in ("ko", "en"):
        _write(issue, "long", lang, _long_body(lang, LONG[lang]))
        _write(issue, "short", lang, SENTENCE[lang] * 3 + "\n")
        for slug in ("fair", "prize", "visit"):
            _write(issue, slug, lang, (SENTENCE[lang] + "\n\n") * 3, kind="news")


def _build(root: Path, out: Path, lang: str, whole: bool, jobs: int = 2, **options) -> Path:
    build(BuildOptions(root=root, out=out, languages=(lang,), only=(DOC,), whole=whole,
                       jobs=jobs, **options))
    return out / lang / f"{DOC}.pdf"


# -- what a reader sees ----------------------------------------------------------------

def _images(pdf: Path) -> list:
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        return [document[i].render(scale=1.5).to_pil().convert("L")
                for i in range(len(document))]
    finally:
        document.close()


def _pages_text(pdf: Path) -> list[str]:
    return pdftotext(pdf, "-layout").split("\f")[:-1]


def _outline(pdf: Path) -> list[tuple[int, str, int]]:
    """(depth, title, page index) of every bookmark, in order."""
    with pikepdf.open(pdf) as opened:
        pages = {page.objgen: index for index, page in enumerate(opened.pages)}
        found: list[tuple[int, str, int]] = []

        def walk(items, depth):
            for item in items:
                target = item.destination       # WeasyPrint points at pages directly
                found.append((depth, str(item.title), pages[target[0].objgen]))
                walk(item.children, depth + 1)
        with opened.open_outline() as outline:
            walk(outline.root, 0)
    return found


def _links(pdf: Path) -> list[tuple[int, str]]:
    """(page index, where to) of every link: a page index or a URI."""
    with pikepdf.open(pdf) as opened:
        pages = {page.objgen: index for index, page in enumerate(opened.pages)}
        names: dict[str, pikepdf.Object] = {}
        if "/Names" in opened.Root and "/Dests" in opened.Root.Names:
            tree = pikepdf.NameTree(opened.Root.Names.Dests)
            names = {str(key): value for key, value in tree.items()}
        links = []
        for index, page in enumerate(opened.pages):
            for annotation in page.obj.get("/Annots", []):
                if annotation.get("/Subtype") != "/Link":
                    continue
                if "/Dest" in annotation:
                    target = annotation.Dest
                    if isinstance(target, pikepdf.String):
                        target = names[str(target)]
                    links.append((index, f"page {pages[target[0].objgen]}"))
                else:
                    links.append((index, str(annotation.A.get("/URI", annotation.A.S))))
    return links


def _contents(pdf: Path, lang: str) -> dict[str, int]:
    """Each article's number in the contents: the page the reader is sent to."""
    pages = _pages_text(pdf)
    heading = {"ko": "목차", "en": "Contents"}[lang]
    contents = next(text for text in pages if re.search(rf"^\s*{heading}\s*$", text, re.M))
    numbers = {}
    for slug, title in [*((s, t[lang]) for s, t in TITLES.items()),
                        ("crafts", {"ko": "도시의 공예", "en": "Crafts in the City"}[lang])]:
        match = re.search(rf"{re.escape(title)}[ .·…]*?(\d+)\s*$", contents, re.M)
        assert match, f"{title} not in the contents"
        numbers[slug] = int(match[1])
    return numbers


def _title_pages(pdf: Path, lang: str) -> dict[str, int]:
    """The page (counted from 1) where each article's title is set, after the front."""
    pages = _pages_text(pdf)
    after = next(i for i, text in enumerate(pages) if "목차" in text or "Contents" in text)
    found = {}
    for slug, title in [*((s, t[lang]) for s, t in TITLES.items()),
                        ("crafts", {"ko": "도시의 공예", "en": "Crafts in the City"}[lang])]:
        found[slug] = next(i + 1 for i in range(after + 1, len(pages))
                           if re.search(rf"^\s*{re.escape(title)}\s*$", pages[i], re.M))
    return found


def assert_same_issue(parts: Path, whole: Path, lang: str) -> None:
    """The issue made by parts is the issue made whole, as a reader sees it."""
    left, right = _images(parts), _images(whole)
    assert len(left) == len(right)
    for number, (a, b) in enumerate(zip(left, right, strict=True), start=1):
        assert a.size == b.size, f"page {number}: another size"
        strong = ImageChops.difference(a, b).point(lambda v: 255 if v > 64 else 0)
        assert strong.histogram()[255] <= 20, f"page {number} looks different"
    assert pdftotext(parts, "-layout") == pdftotext(whole, "-layout")
    assert _contents(parts, lang) == _contents(whole, lang) == _title_pages(parts, lang)
    assert _outline(parts) == _outline(whole)
    assert len(_outline(parts)) >= 8
    assert _links(parts) == _links(whole)
    assert sum(1 for _, where in _links(parts) if where.startswith("page")) >= 7


# -- the same issue ------------------------------------------------------------------

@pytest.mark.parametrize("lang, jobs", [("ko", 2), ("en", 1)])
def test_an_issue_by_parts_is_the_issue_laid_out_whole(journal: Path, tmp_path: Path,
                                                       request, lang: str, jobs: int):
    if lang == "en":                    # the module's English builds, made once
        parts_out = request.getfixturevalue("parts_en")
        whole_out = request.getfixturevalue("whole_en").parent.parent
    else:
        parts_out, whole_out = tmp_path / "parts", tmp_path / "whole"
        _build(journal, parts_out, lang, whole=False, jobs=jobs)
        _build(journal, whole_out, lang, whole=True)
    parts = parts_out / lang / f"{DOC}.pdf"
    whole = whole_out / lang / f"{DOC}.pdf"
    assert (parts_out / CACHE_DIR / lang / DOC).is_dir()
    assert list((parts_out / CACHE_DIR / lang / DOC).glob("run-*.pdf"))
    # Laid out whole: one piece (its articles' pages remembered for the next build).
    assert [p.name.split("-")[0] for p in (whole_out / CACHE_DIR / lang / DOC)
            .glob("*.pdf")] == ["whole"]
    contents = _contents(parts, lang)
    # What the fixture promises: the long article ends on a left-hand page (the
    # next one follows at once), the short one on a right-hand page (a blank page
    # follows), the news run on one after the other.
    assert contents["long"] % 2 == 1 and contents["short"] == contents["long"] + 2
    pages = _pages_text(parts)
    assert SENTENCE[lang][:12] in pages[contents["long"]]         # its second page
    assert pages[contents["short"]].strip() == ""                 # the blank after
    assert contents["fair"] == contents["short"] + 2
    assert contents["fair"] == contents["prize"] == contents["visit"]
    assert_same_issue(parts, whole, lang)
    # The fonts are cut once for the issue, so it is hardly bigger than whole.
    assert parts.stat().st_size <= 1.3 * whole.stat().st_size
    with pikepdf.open(parts) as opened, pikepdf.open(whole) as reference:
        assert opened.open_metadata().get("dc:title") == \
            reference.open_metadata().get("dc:title")
        assert str(opened.docinfo.get("/Title")) == str(reference.docinfo.get("/Title"))
        assert opened.Root.Lang == reference.Root.Lang
    fonts = subprocess.run(["pdffonts", str(parts)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)    # embedded
    assert len(fonts) == len(set(line.split()[0] for line in fonts))      # once each


def _cache(out: Path, lang: str) -> dict[str, int]:
    folder = out / CACHE_DIR / lang / DOC
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.pdf")}


def test_an_edit_lays_out_again_only_its_article(journal: Path, tmp_path: Path):
    root = copy_publication(journal, tmp_path)
    out = tmp_path / "out"
    _build(root, out, "ko", whole=False)
    before = _cache(out, "ko")
    long = root / "content/journal/2024-parts/long.ko.md"
    long.write_text(long.read_text(encoding="utf-8").replace(
        "비단과 장인의", "비단과 장인과 시민의", 1), encoding="utf-8")
    parts = _build(root, out, "ko", whole=False)
    after = _cache(out, "ko")
    new = {name for name in after if before.get(name) != after[name]}
    assert [name.split("-")[0] for name in new] == ["run"]     # one run, nothing else
    assert len(after) == len(before)                           # its old piece removed
    assert_same_issue(parts, _build(root, tmp_path / "whole", "ko", whole=True), "ko")


def test_an_article_that_grows_moves_what_follows(journal: Path, tmp_path: Path):
    root = copy_publication(journal, tmp_path)
    out = tmp_path / "out"
    first = _contents(_build(root, out, "ko", whole=False), "ko")
    before = _cache(out, "ko")
    # A page more for the long article: it now ends on a right-hand page, so a
    # blank page follows, and everything after it moves by two pages.
    _write(root / "content/journal/2024-parts", "long", "ko",
           _long_body("ko", LONG["ko"] + 1))
    parts = _build(root, out, "ko", whole=False)
    second = _contents(parts, "ko")
    assert second["short"] == first["short"] + 2 and second["visit"] == first["visit"] + 2
    after = _cache(out, "ko")
    new = sorted(name.split("-")[0] for name in after if before.get(name) != after[name])
    # The run that grew, the contents with their new numbers, the stamps after the
    # growth; the other runs are not laid out again.
    assert new.count("run") == 1 and "front" in new and "stamps" in new
    assert_same_issue(parts, _build(root, tmp_path / "whole", "ko", whole=True), "ko")


def test_html_keeps_each_parts_html(journal: Path, tmp_path: Path):
    _build(journal, tmp_path, "en", whole=False, keep_html=True)
    folder = tmp_path / "en" / f"{DOC}.parts"
    names = sorted(p.name for p in folder.iterdir())
    assert {"front.html", "run-long.html", "run-fair.html", "back.html"} <= set(names)
    assert "run-prize.html" not in names                     # news run on after fair
    assert "A Visit" in (folder / "run-fair.html").read_text(encoding="utf-8")
    assert (tmp_path / "en" / f"{DOC}.html").is_file()       # and the whole issue's


def test_profiles_that_need_one_structure_tree_are_laid_out_whole(journal: Path,
                                                                  tmp_path: Path):
    from helpers import with_profiles
    root = with_profiles(copy_publication(journal, tmp_path))
    build(BuildOptions(root=root, out=tmp_path / "out", languages=("en",), only=(DOC,),
                       profile="accessible", jobs=2))
    assert (tmp_path / "out/accessible/en" / f"{DOC}.pdf").is_file()
    pieces = [p.name.split("-")[0] for p in (tmp_path / "out").rglob(f"{CACHE_DIR}/**/*.pdf")]
    assert pieces == ["whole"]


# -- a cache that lies, and content that grew ------------------------------------------

@pytest.fixture(scope="module")
def whole_en(journal: Path, tmp_path_factory) -> Path:
    return made_once(tmp_path_factory, "parts-whole-en", lambda out: _build(
        journal, out, "en", whole=True)) / "en" / f"{DOC}.pdf"


@pytest.fixture(scope="module")
def parts_en(journal: Path, tmp_path_factory) -> Path:
    """The English issue built by parts in one process: the output folder. Read-only."""
    return made_once(tmp_path_factory, "parts-parts-en", lambda out: _build(
        journal, out, "en", whole=False, jobs=1))


def _run_of(out: Path, slug: str) -> Path:
    """The cached PDF of the run that holds article ``slug``."""
    import json
    for report in (out / CACHE_DIR / "en" / DOC).glob("run-*.json"):
        anchors = [a[0] for page in json.loads(report.read_text(encoding="utf-8"))
                   ["report"]["pages"] for a in page["anchors"]]
        if f"article-{slug}" in anchors:
            return report.with_suffix(".pdf")
    raise AssertionError(f"no run of {slug}")


def _truncate(out: Path) -> None:
    run = _run_of(out, "long")
    run.write_bytes(run.read_bytes()[:1000])


def _fewer_pages(out: Path) -> None:
    import json
    report = _run_of(out, "long").with_suffix(".json")
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["pages"] == 2
    data["pages"], data["report"]["pages"] = 1, data["report"]["pages"][:1]
    report.write_text(json.dumps(data), encoding="utf-8")


def _swapped(out: Path) -> None:
    """Another article's PDF (the same fonts) in place of the long one's."""
    _run_of(out, "long").write_bytes(_run_of(out, "short").read_bytes())


def _contents_lies(out: Path) -> None:
    (out / CACHE_DIR / "en" / DOC / "contents.json").write_text('{"long": "x", "z": 5}',
                                                                 encoding="utf-8")


@pytest.mark.parametrize("damage", [_truncate, _fewer_pages, _swapped, _contents_lies])
def test_a_damaged_cache_is_not_believed(journal: Path, parts_en: Path, whole_en: Path,
                                         tmp_path: Path, damage):
    out = tmp_path / "out"
    shutil.copytree(parts_en, out)
    damage(out)
    # Built again without --force (which believes no piece): only the manifest goes,
    # so the damaged pieces are looked up.
    (out / MANIFEST_FILE).unlink()
    assert_same_issue(_build(journal, out, "en", whole=False), whole_en, "en")


@pytest.mark.parametrize("damage", [_truncate, _fewer_pages, _swapped])
def test_a_piece_damaged_between_two_builds_of_one_process_is_not_believed(
        journal: Path, parts_en: Path, whole_en: Path, tmp_path: Path, damage):
    """A long-running process (the preview) keeps the pieces it looked up in memory:
    a piece changed on disk since is read again, and its seal checked."""
    out = tmp_path / "out"
    shutil.copytree(parts_en, out)
    (out / MANIFEST_FILE).unlink()
    _build(journal, out, "en", whole=False)         # every piece looked up, and kept
    damage(out)
    (out / MANIFEST_FILE).unlink()
    assert_same_issue(_build(journal, out, "en", whole=False), whole_en, "en")


def test_a_long_session_keeps_in_memory_only_the_pieces_in_use(journal: Path,
                                                               tmp_path: Path):
    """What a process keeps of the pieces it looked up goes with the pieces an edit
    replaced (a preview open for a day of edits does not grow)."""
    from folio.pipeline import parts
    root = copy_publication(journal, tmp_path)
    out = tmp_path / "out"
    folder = out / CACHE_DIR / "en" / DOC
    issue = root / "content/journal/2024-parts"
    _build(root, out, "en", whole=False)
    _write(issue, "long", "en", _long_body("en", LONG["en"]).replace("Jinju", "Chinju", 1))
    _build(root, out, "en", whole=False)         # the short article's piece looked up
    kept = {p.name for p in parts._UNSEALED if p.parent == folder}
    _write(issue, "short", "en", SENTENCE["en"] * 2 + "\n")
    _build(root, out, "en", whole=False)         # and replaced
    on_disk = {p.name for p in folder.glob("*.pdf")}
    now = {p.name for p in parts._UNSEALED if p.parent == folder}
    assert kept - on_disk                         # a piece it had kept was replaced
    assert now and now <= on_disk


def test_force_lays_out_every_piece_again(journal: Path, parts_en: Path, tmp_path: Path):
    out = tmp_path / "out"
    shutil.copytree(parts_en, out)
    before = _cache(out, "en")
    _build(journal, out, "en", whole=False)                 # nothing to do
    assert _cache(out, "en") == before
    _build(journal, out, "en", whole=False, force=True)
    after = _cache(out, "en")
    assert after and [n for n in after if after[n] == before.get(n)] == []


def test_an_article_added_after_a_build(journal: Path, tmp_path: Path):
    root = copy_publication(journal, tmp_path)
    out = tmp_path / "out"
    _build(root, out, "en", whole=False, keep_html=True)
    issue = root / "content/journal/2024-parts"
    TITLES["extra"] = {"en": "An Added Article"}
    try:
        _write(issue, "extra", "en", SENTENCE["en"] * 5 + "\n")
        (issue / "extra.ko.md").write_text("---\ntitle: 더한 논문\n---\n더한 글.\n",
                                           encoding="utf-8")
        yaml = issue / "issue.yaml"
        yaml.write_text(yaml.read_text(encoding="utf-8").replace(
            "[crafts, long, short]", "[crafts, extra, long]"), encoding="utf-8")
        del TITLES["short"]                     # and one taken out
        for lang in ("en", "ko"):
            (issue / f"short.{lang}.md").unlink()
        parts = _build(root, out, "en", whole=False, keep_html=True)
        assert_same_issue(parts, _build(root, tmp_path / "whole", "en", whole=True), "en")
        kept = {p.name for p in (out / "en" / f"{DOC}.parts").iterdir()}
        assert "run-extra.html" in kept and "run-short.html" not in kept
    finally:
        TITLES.pop("extra", None)
        TITLES["short"] = {"ko": "짧은 논문", "en": "A Short Article"}
