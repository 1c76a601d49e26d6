"""Import after the source changed, by two translators, and at the same moment: the
translation takes the source's structure, every translated segment lands where its
source is now, and nothing of the source's language, nor any translator's text, is
lost or written where it does not belong."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from i18n_helpers import translate

from folio.cli import main
from folio.config.publication import load_config
from folio.content import translations as tr
from folio.i18n.inline import plain as inline_plain
from folio.i18n.segments import cut_markdown_file

ARTICLE = "content/journal/2022-vol1-no1/what-is-a-creative-city"
NAME = "journal/2022-vol1-no1/what-is-a-creative-city"


@pytest.fixture
def pub(sample_copy: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(sample_copy, tmp_path / "pub"))


def export(root: Path, fmt: str = "po") -> Path:
    out = root / "exported"
    assert main(["i18n", "export", "--root", str(root), "--lang", "ko", "--format", fmt,
                 "--only", NAME, "--out", str(out)]) == 0
    return out / f"{NAME}.{'po' if fmt == 'po' else 'xlf'}"


def edit_source(root: Path, change) -> None:
    path = root / f"{ARTICLE}.en.md"
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


def korean(root: Path) -> str:
    return (root / f"{ARTICLE}.ko.md").read_text(encoding="utf-8")


def segments(root: Path, lang: str) -> dict[str, str]:
    path = root / f"{ARTICLE}.{lang}.md"
    return {s.id: s.text for s in cut_markdown_file(path.read_text(encoding="utf-8"),
                                                    path).segments}


def english_left(root: Path) -> list:
    path = root / f"{ARTICLE}.ko.md"
    return tr.source_language_blocks(path.read_text(encoding="utf-8"), path, "en", "ko")


def import_(root: Path, *files: Path) -> int:
    return main(["i18n", "import", "--root", str(root), *map(str, files)])


# -- the source changed before the export ----------------------------------------------

def test_a_paragraph_added_at_the_end_is_translated_and_nothing_english_is_written(
        pub: Path, capsys):
    """The issue's case: English lines glued between Korean paragraphs, a build that
    passed. Now: every block Korean, the new one where the source has it."""
    edit_source(pub, lambda text: text + "\nA new closing paragraph about Jinju crafts.\n")
    po = export(pub)
    before = korean(pub)
    translate(po, {"p4": "진주 공예에 관한 새 마지막 문단."}, confirm=False)
    assert import_(pub, po) == 0
    after = korean(pub)
    assert english_left(pub) == []
    assert segments(pub, "ko")["p4"] == "진주 공예에 관한 새 마지막 문단."
    assert list(segments(pub, "ko")) == list(segments(pub, "en"))
    # Everything else kept byte for byte: the translation's own wrapping and folding.
    assert after == before.rstrip("\n") + "\n\n진주 공예에 관한 새 마지막 문단.\n"
    # Its other segments are not checked against the new source: still out of date.
    assert main(["status", "--root", str(pub), "--check"]) == 1
    assert "stale" in capsys.readouterr().out


# -- the source changed between export and import --------------------------------------

@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_a_paragraph_inserted_after_the_export_moves_nothing(pub: Path, capsys, where):
    po = export(pub)
    translate(po, {"p2": "두 번째 문단의 새 번역<x1/>.", "p3": "세 번째 문단의 새 번역."})
    old = segments(pub, "en")
    new = "An inserted paragraph nobody has translated yet."
    anchor = {"start": old["p1"][:30], "middle": "However, creative ideas",
              "end": None}[where]
    if anchor is None:
        edit_source(pub, lambda text: text + f"\n{new}\n")
    else:
        edit_source(pub, lambda text: text.replace(anchor, f"{new}\n\n{anchor}", 1))
    assert import_(pub, po) == 0
    ko, en = segments(pub, "ko"), segments(pub, "en")
    assert list(ko) == list(en)
    inserted = next(i for i, t in en.items() if t == new)
    assert ko[inserted] == f"(untranslated: {inserted})"
    # Each translation is beside the English it translates.
    moved = {t: i for i, t in en.items()}
    assert ko[moved[old["p2"]]] == "두 번째 문단의 새 번역<x1/>."
    assert ko[moved[old["p3"]]] == "세 번째 문단의 새 번역."
    assert english_left(pub) == []
    capsys.readouterr()
    # The mark stops a strict build and status --check, at its line.
    assert main(["status", "--root", str(pub), "--check"]) == 1
    line = korean(pub).splitlines().index(f"(untranslated: {inserted})") + 1
    assert f"what-is-a-creative-city.ko.md:{line}: segment {inserted} is not translated" in \
        capsys.readouterr().out
    assert main(["build", "--root", str(pub), "--lang", "ko", "--jobs", "1",
                 "--only", "journal-2022-vol1-no1"]) == 1
    assert f"segment {inserted} is not translated yet" in capsys.readouterr().err


def test_an_edited_source_keeps_the_translators_new_text_and_shows_it_again(pub: Path,
                                                                              capsys):
    """Exported, the source edited, then imported: the translator's text is written
    (left to check), and the next export offers it, fuzzy."""
    po = export(pub)
    translate(po, {"p3": "번역가가 고친 셋째 문단."})
    edit_source(pub, lambda text: text.replace("However, creative ideas",
                                               "However, new creative ideas"))
    assert import_(pub, po) == 0
    out = capsys.readouterr().out
    assert "translated a source that has changed since the export" in out
    assert segments(pub, "ko")["p3"] == "번역가가 고친 셋째 문단."
    again = {e.msgctxt.split("#")[1]: e for e in polib.pofile(str(export(pub)))}
    assert again["p3"].msgstr == "번역가가 고친 셋째 문단." and again["p3"].fuzzy
    # With the source it translated (no git here: taken from the earlier catalog).
    assert again["p3"].previous_msgid.startswith("However, creative ideas are not found")
    assert main(["status", "--root", str(pub), "--check"]) == 1


def test_an_export_never_replaces_a_catalog_with_work_not_imported(pub: Path, capsys):
    po = export(pub)
    translate(po, {"p3": "아직 가져오지 않은 번역."})
    capsys.readouterr()
    assert main(["i18n", "export", "--root", str(pub), "--lang", "ko", "--only", NAME,
                 "--out", str(pub / "exported")]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"segment {NAME}#p3 holds a translation not imported yet" in err
    assert "아직 가져오지 않은 번역." in po.read_text(encoding="utf-8")
    assert import_(pub, po) == 0
    export(pub)                                     # once imported, exported again


def test_a_removed_and_a_moved_paragraph(pub: Path):
    po = export(pub)
    old = segments(pub, "en")
    translate(po, {"p1": "첫 문단의 새 번역.", "p2": "둘째 문단의 새 번역<x1/>."})
    # p1 removed; p3 moved before p2.
    def change(text: str) -> str:
        front, _, body = text.partition("\n---\n")
        blocks = body.split("\n\n")
        index = {k: next(i for i, b in enumerate(blocks) if " ".join(b.split())[:30] ==
                         old[k][:30]) for k in ("p1", "p2", "p3")}
        moved = blocks[:]
        moved[index["p2"]], moved[index["p3"]] = blocks[index["p3"]], blocks[index["p2"]]
        del moved[index["p1"]]
        return front + "\n---\n" + "\n\n".join(moved)
    edit_source(pub, change)
    assert import_(pub, po) == 0
    ko, en = segments(pub, "ko"), segments(pub, "en")
    assert list(ko) == list(en)
    where = {t: i for i, t in en.items()}
    assert ko[where[old["p2"]]] == "둘째 문단의 새 번역<x1/>."
    assert "첫 문단의 새 번역." not in ko.values()
    assert english_left(pub) == []


# -- two translators -----------------------------------------------------------------

def test_two_translators_of_one_export_keep_each_others_work(pub: Path, capsys):
    po = export(pub)
    second = po.with_name("second.po")
    shutil.copy(po, second)
    translate(po, {"p1": "번역가 A가 고친 첫 문단."})
    translate(second, {"p2": "번역가 B가 고친 둘째 문단<x1/>."})
    assert import_(pub, po) == 0
    assert import_(pub, second) == 0
    ko = segments(pub, "ko")
    assert ko["p1"] == "번역가 A가 고친 첫 문단."
    assert ko["p2"] == "번역가 B가 고친 둘째 문단<x1/>."
    assert "1 segment changed" in capsys.readouterr().out


def test_the_same_segment_changed_by_two_translators_is_a_conflict_not_an_overwrite(
        pub: Path, capsys):
    po = export(pub)
    second = po.with_name("second.po")
    shutil.copy(po, second)
    translate(po, {"p1": "번역가 A의 첫 문단."})
    translate(second, {"p1": "번역가 B의 첫 문단.", "p3": "번역가 B의 셋째 문단."})
    assert import_(pub, po) == 0
    capsys.readouterr()
    assert import_(pub, second) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "second.po:" in err and f"segment {NAME}#p1 was changed in" in err
    assert "export again" in err
    ko = segments(pub, "ko")
    assert ko["p1"] == "번역가 A의 첫 문단."           # A's text stands
    assert ko["p3"] == "번역가 B의 셋째 문단."         # B's other change is in


def test_two_imports_at_the_same_moment_are_taken_one_after_the_other(pub: Path):
    po = export(pub)
    files = []
    for number, segment in enumerate(("p1", "p3")):
        copy = po.with_name(f"t{number}.po")
        shutil.copy(po, copy)
        translate(copy, {segment: f"동시에 가져온 번역 {segment}."})
        files.append(copy)
    code = ("import sys; from folio.cli import main; "
            "sys.exit(main(['i18n', 'import', '--root', sys.argv[1], sys.argv[2]]))")
    running = [subprocess.Popen([sys.executable, "-c", code, str(pub), str(f)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for f in files]
    results = [p.communicate(timeout=120) for p in running]
    assert [p.returncode for p in running] == [0, 0], results
    ko = segments(pub, "ko")
    assert ko["p1"] == "동시에 가져온 번역 p1." and ko["p3"] == "동시에 가져온 번역 p3."


# -- what an import writes -----------------------------------------------------------

def test_an_import_changes_only_the_lines_of_the_changed_segments(pub: Path):
    po = export(pub)
    before = korean(pub).splitlines()
    translate(po, {"abstract": "새 초록. " * 12, "p3": "고친 셋째 문단. " * 8})
    assert import_(pub, po) == 0
    after = korean(pub).splitlines()
    front = yaml.safe_load(korean(pub).split("---\n")[1])
    assert front["abstract"] == ("새 초록. " * 12).strip()
    assert after[after.index("abstract: >-") + 1].startswith("  새 초록.")   # still folded
    removed = [line for line in before if line not in after]
    added = [line for line in after if line not in before]
    abstract = [line for line in before[8:12] if line.startswith("  ")]
    p3 = [line for line in before if line.startswith(("그러나", "해법이", "발견된다", "추구하는"))]
    assert set(removed) <= set(abstract + p3)
    assert all(len(line) <= max(map(len, p3)) for line in added if not line.startswith(" "))


def test_source_language_text_in_a_catalog_is_refused(pub: Path, capsys):
    po = export(pub)
    english = segments(pub, "en")["p3"]
    translate(po, {"p3": english})
    before = korean(pub)
    assert import_(pub, po) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"segment {NAME}#p3: the translation is in en" in err and ".po:" in err
    assert korean(pub) == before


def test_an_english_passage_in_a_korean_translation_fails_status_and_a_strict_build(
        pub: Path, capsys):
    path = pub / f"{ARTICLE}.ko.md"
    text = path.read_text(encoding="utf-8")
    glued = text.replace("그러나 창의적인", "However, creative ideas are not found in "
                         "generalized solutions\n그러나 창의적인")
    path.write_text(glued, encoding="utf-8")
    line = glued.splitlines().index("However, creative ideas are not found in "
                                    "generalized solutions") + 1
    assert main(["status", "--root", str(pub), "--check"]) == 1
    assert f"what-is-a-creative-city.ko.md:{line}: this passage is in English" in \
        capsys.readouterr().out
    assert main(["build", "--root", str(pub), "--lang", "ko", "--jobs", "1",
                 "--only", "journal-2022-vol1-no1"]) == 1
    assert f"what-is-a-creative-city.ko.md:{line}: this passage is in English" in \
        " ".join(capsys.readouterr().err.split())
    # A quotation, or a span marked as English, is the author's to keep.
    path.write_text(text.replace("그러나 창의적인", "[However, creative ideas are not found "
                                 "in generalized solutions]{lang=en-US}\n그러나 창의적인"),
                    encoding="utf-8")
    assert english_left(pub) == []


def test_the_sample_round_trip_without_changes_is_byte_identical(pub: Path):
    before = {p: p.read_bytes() for p in (pub / "content").rglob("*.md")}
    po = export(pub)
    assert import_(pub, po) == 0
    assert {p: p.read_bytes() for p in (pub / "content").rglob("*.md")} == before


# -- any structural edit of the source -------------------------------------------------

BLOCKS = ["A brand-new paragraph about the river and its crafts.",
          "## A new heading",
          "- a new list item about silk\n- and another about lacquer",
          "A second new paragraph with *emphasis* in it."]


@st.composite
def source_edits(draw):
    """A list of edits of the article's body blocks: insert, delete, move, split,
    merge, reword."""
    return draw(st.lists(st.tuples(
        st.sampled_from(["insert", "delete", "move", "split", "merge", "reword"]),
        st.integers(0, 30), st.integers(0, 30), st.sampled_from(BLOCKS)),
        min_size=1, max_size=4))


def _apply_edits(text: str, edits) -> str:
    front, _, body = text.partition("\n---\n")
    blocks = [b for b in body.split("\n\n") if b.strip()]
    for op, i, j, new in edits:
        i %= len(blocks) + 1
        j %= max(len(blocks), 1)
        if op == "insert":
            blocks.insert(i, new)
        elif op == "delete" and len(blocks) > 1:
            del blocks[i % len(blocks)]
        elif op == "move" and blocks:
            blocks.insert(j, blocks.pop(i % len(blocks)))
        elif op == "split" and blocks:
            block = blocks[i % len(blocks)]
            words = block.split(" ")
            if not block.startswith(("#", "-", "|", "[^", "!")) and len(words) > 6:
                half = len(words) // 2
                blocks[i % len(blocks):i % len(blocks) + 1] = [" ".join(words[:half]),
                                                               " ".join(words[half:])]
        elif op == "merge" and len(blocks) > 1:
            k = i % (len(blocks) - 1)
            if not any(b.startswith(("#", "-", "|", "[^", "!")) for b in blocks[k:k + 2]):
                blocks[k:k + 2] = [blocks[k] + " " + blocks[k + 1]]
        elif op == "reword" and blocks:
            k = i % len(blocks)
            blocks[k] = blocks[k].replace(" the ", " this ", 1)
    return front + "\n---\n" + "\n\n".join(blocks) + "\n"


@settings(max_examples=15, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=source_edits())
def test_any_structural_edit_between_export_and_import(sample_copy: Path, tmp_path_factory,
                                                       edits):
    root = Path(shutil.copytree(sample_copy, tmp_path_factory.mktemp("edit") / "pub"))
    po = export(root)
    catalog = polib.pofile(str(po))
    mine = {}
    for number, entry in enumerate(catalog):
        codes = "".join(re.findall(r"<x\d+/>", entry.msgid))
        segment = entry.msgctxt.split("#")[1]
        if segment.startswith(("cell", "keywords")):
            continue
        mine[segment] = f"번역가의 새 번역 {number}번{codes}"
    translate(po, mine)
    before_source = segments(root, "en")
    edit_source(root, lambda text: _apply_edits(text, edits))
    config = load_config(root)
    assert config                                               # the publication still reads
    code = import_(root, po)
    assert code == 0
    ko, en = segments(root, "ko"), segments(root, "en")
    # The source's structure, nothing of the source's language, every translation of
    # a passage the source still has where that passage is now.
    assert list(ko) == list(en)
    assert english_left(root) == []
    assert not any(en[i] == ko[i] and re.search(r"[A-Za-z]{4}", en[i]) for i in en
                   if not i.startswith(("cell", "keywords", "authors")))
    unchanged = {text: ident for ident, text in before_source.items()}
    for ident, text in en.items():
        old = unchanged.get(text)
        if old in mine and list(en.values()).count(text) == 1:
            assert ko[ident] == mine[old], (ident, old)
        if text not in unchanged:
            assert ko[ident] == f"(untranslated: {ident})" or "번역" in ko[ident] or \
                re.search(r"[가-힣]", ko[ident]), (ident, ko[ident])


def test_through_xliff_a_paragraph_inserted_after_the_export_moves_nothing(pub: Path):
    xlf = export(pub, "xliff")
    text = xlf.read_text(encoding="utf-8")
    xlf.write_text(re.sub(r'(<trans-unit[^>]*id="[^"]*#p3"[^>]*>.*?<target[^>]*>)(.*?)(</target>)',
                          r"\g<1>엑스리프로 고친 셋째 문단.\g<3>", text, count=1, flags=re.S),
                   encoding="utf-8")
    old = segments(pub, "en")
    edit_source(pub, lambda t: t.replace("However, creative ideas",
                                         "A paragraph inserted after the export.\n\n"
                                         "However, creative ideas", 1))
    assert import_(pub, xlf) == 0
    ko, en = segments(pub, "ko"), segments(pub, "en")
    assert list(ko) == list(en) and english_left(pub) == []
    where = {t: i for i, t in en.items()}
    assert ko[where[old["p3"]]] == "엑스리프로 고친 셋째 문단."
    assert ko[where["A paragraph inserted after the export."]].startswith("(untranslated:")


# -- tables, footnotes, figures, front matter: any edit of a richer article ----------

CRAFTS = "content/journal/2024-crafts/crafts"
CRAFTS_EDITS = {
    "row in": lambda t: t.replace("| Icheon |", "| Tongyeong | Crafts and Folk Art | 2025 |\n"
                                  "| Icheon |"),
    "row out": lambda t: t.replace("| Gimhae | Crafts and Folk Art | 2021 |\n", ""),
    "footnote": lambda t: t.replace("The city's name for", "Lacquer too.[^lacquer] The "
                                    "city's name for") + "\n[^lacquer]: Tongyeong lacquer "
                                                         "ware is known worldwide.\n",
    "figure": lambda t: t.replace("![A colour gradient", "![A third drawing of the old "
                                  "bridge.](figures/map.svg)\n\n![A colour gradient"),
    "figures swapped": lambda t: t.replace(
        "![A drawn map of the river and its bridges.](figures/map.svg)",
        "@@").replace("![A colour gradient standing in for a photograph.](figures/photo.png)",
                      "![A drawn map of the river and its bridges.](figures/map.svg)").replace(
        "@@", "![A colour gradient standing in for a photograph.](figures/photo.png)"),
    "title": lambda t: t.replace("title: Crafts in the City", "title: Crafts of the City"),
    "author": lambda t: t.replace("{name: Lee Jun}]", "{name: Lee Jun}, {name: Park Seoyeon}]"),
    "keyword": lambda t: t.replace("keywords: [crafts, city]", "keywords: [lacquer, crafts, city]"),
    "paragraph": lambda t: t.replace("### Two figures", "A new paragraph before the figures, "
                                     "about bridges.\n\n### Two figures"),
    "heading out": lambda t: t.replace("### Two figures\n\n", ""),
}


@pytest.fixture(scope="module")
def rich_copy(tmp_path_factory) -> Path:
    from helpers import make_rich
    root = make_rich(tmp_path_factory.mktemp("rich"))
    translated = [str(p) for p in (root / "content").rglob("*.ko.md")]
    assert main(["i18n", "mark", "--root", str(root), *translated]) == 0
    return root


def _rich_segments(root: Path, lang: str) -> dict[str, str]:
    path = root / f"{CRAFTS}.{lang}.md"
    return {s.id: s.text for s in cut_markdown_file(path.read_text(encoding="utf-8"),
                                                    path).segments}


@settings(max_examples=15, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.sampled_from(sorted(CRAFTS_EDITS)), min_size=1, max_size=4,
                      unique=True))
def test_any_edit_of_tables_footnotes_figures_and_front_matter(rich_copy: Path,
                                                               tmp_path_factory, names):
    root = Path(shutil.copytree(rich_copy, tmp_path_factory.mktemp("rich-edit") / "pub"))
    out = root / "exported"
    assert main(["i18n", "export", "--root", str(root), "--lang", "ko", "--only",
                 "journal/2024-crafts/crafts", "--out", str(out)]) == 0
    po = out / "journal/2024-crafts/crafts.po"
    mine = {}
    for number, entry in enumerate(polib.pofile(str(po))):
        codes = "".join(re.findall(r"<x\d+/>", entry.msgid))
        mine[entry.msgctxt.split("#")[1]] = f"새 번역 {number}번{codes}"
    translate(po, mine)
    before = _rich_segments(root, "en")
    path = root / f"{CRAFTS}.en.md"
    source = path.read_text(encoding="utf-8")
    for name in names:
        source = CRAFTS_EDITS[name](source)
    path.write_text(source, encoding="utf-8")
    assert import_(root, po) == 0
    ko, en = _rich_segments(root, "ko"), _rich_segments(root, "en")
    assert list(ko) == list(en)
    target = root / f"{CRAFTS}.ko.md"
    assert tr.source_language_blocks(target.read_text(encoding="utf-8"), target, "en",
                                     "ko") == []
    where = {t: i for i, t in before.items()}
    for ident, text in en.items():
        if text in where and list(before.values()).count(text) == 1 and \
                list(en.values()).count(text) == 1:
            assert ko[ident] == mine[where[text]], (ident, names)
        elif text not in where:
            assert ko[ident] == f"(untranslated: {ident})" or "번역" in ko[ident], \
                (ident, ko[ident], names)
    # Footnote calls and definitions, figures and their files: as the source has them.
    written = target.read_text(encoding="utf-8")
    assert sorted(re.findall(r"\[\^(\w+)\]", written)) == \
        sorted(re.findall(r"\[\^(\w+)\]", source))
    assert re.findall(r"\]\((figures/[\w.]+)\)", written) == \
        re.findall(r"\]\((figures/[\w.]+)\)", source)


def test_every_kind_of_edit_at_once_builds(rich_copy: Path, tmp_path: Path, capsys):
    """All the edits above between export and import, every segment translated: the
    Korean issue builds in draft, every page Korean but what is marked."""
    root = Path(shutil.copytree(rich_copy, tmp_path / "pub"))
    out = root / "exported"
    assert main(["i18n", "export", "--root", str(root), "--lang", "ko", "--only",
                 "journal/2024-crafts/crafts", "--out", str(out)]) == 0
    po = out / "journal/2024-crafts/crafts.po"
    translate(po, {e.msgctxt.split("#")[1]: e.msgstr for e in polib.pofile(str(po))})
    path = root / f"{CRAFTS}.en.md"
    text = path.read_text(encoding="utf-8")
    for edit in CRAFTS_EDITS.values():
        text = edit(text)
    path.write_text(text, encoding="utf-8")
    assert import_(root, po) == 0
    assert main(["build", "--root", str(root), "--lang", "ko", "--draft", "--jobs", "1",
                 "--only", "journal-2024-crafts"]) == 0
    capsys.readouterr()
    assert main(["build", "--root", str(root), "--lang", "ko", "--jobs", "1",
                 "--only", "journal-2024-crafts"]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "is not translated yet" in err and "Traceback" not in err


def test_a_windows_file_keeps_its_byte_order_mark_and_line_ends(pub: Path):
    path = pub / f"{ARTICLE}.ko.md"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    before = path.read_bytes().split(b"\r\n")
    po = export(pub)
    translate(po, {"p3": "고친 셋째 문단."})
    assert import_(pub, po) == 0
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf---\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")
    after = data.split(b"\r\n")
    assert [line for line in before if line not in after] != [] and \
        all(line.startswith(("그러나".encode(), "해법이".encode(), "발견된다".encode(),
                             "추구하는".encode()))
            for line in before if line not in after)


# -- what a hostile review found ---------------------------------------------------------

OBJECTIVES = "content/journal/2022-vol1-no1/network-objectives"


def _export_only(root: Path, name: str) -> Path:
    assert main(["i18n", "export", "--root", str(root), "--lang", "ko", "--only", name,
                 "--out", str(root / "exported")]) == 0
    return root / "exported" / f"{name}.po"


def _korean_segments(path: Path) -> dict[str, str]:
    return {s.id: s.text for s in cut_markdown_file(path.read_text(encoding="utf-8"),
                                                    path).segments}


def test_list_items_become_paragraphs_and_keep_their_translations(pub: Path):
    """The same words in blocks of another kind: the translations follow them."""
    po = _export_only(pub, "journal/2022-vol1-no1/network-objectives")
    korean = pub / f"{OBJECTIVES}.ko.md"
    before = [t for i, t in _korean_segments(korean).items() if i.startswith("item")]
    source = pub / f"{OBJECTIVES}.en.md"
    source.write_text(re.sub(r"(?m)^- ", "\n", source.read_text(encoding="utf-8")),
                      encoding="utf-8")
    assert import_(pub, po) == 0
    after = _korean_segments(korean)
    assert "(untranslated" not in korean.read_text(encoding="utf-8")
    assert all(text in after.values() for text in before) and len(before) == 6


def test_a_copied_source_is_refused_even_when_short(pub: Path, capsys):
    """"Copy source to target" on a heading, a cell or a title: refused by segment,
    with what to do after the message."""
    po = export(pub)
    en = segments(pub, "en")
    translate(po, {"title": en["title"], "heading1": en["heading1"]})
    before = korean(pub)
    assert import_(pub, po) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"segment {NAME}#title: the translation is in en" in err
    assert f"segment {NAME}#heading1: the translation is in en" in err
    assert "not ko — translate it, or leave it empty" in err
    assert korean(pub) == before


def test_a_figure_that_shows_another_file_is_not_marked_with_the_old_one(pub: Path):
    name = "journal/2022-vol1-no1/why-cities-become-creative"
    po = _export_only(pub, name)
    translate(po, {"title": "도시는 왜 창의도시가 되어야 하나"})
    source = pub / f"content/{name}.en.md"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "](figures/bilbao.svg)", "](../../assets/logo.svg)"), encoding="utf-8")
    assert import_(pub, po) == 0
    written = (pub / f"content/{name}.ko.md").read_text(encoding="utf-8")
    assert "](../../assets/logo.svg)" in written and "figures/bilbao.svg" not in written


def test_a_footnote_the_source_took_out_does_not_block_an_import(pub: Path):
    name = "journal/2022-vol1-no1/unesco-creative-cities-network"
    po = _export_only(pub, name)
    translate(po, {"title": "유네스코 창의도시 네트워크 (개정)"})
    source = pub / f"content/{name}.en.md"
    text = source.read_text(encoding="utf-8")
    assert "[^count]" in text
    source.write_text(re.sub(r"(?m)^\[\^count\]:.*\n", "", text.replace("[^count]", "")),
                      encoding="utf-8")
    assert import_(pub, po) == 0
    written = (pub / f"content/{name}.ko.md").read_text(encoding="utf-8")
    assert "유네스코 창의도시 네트워크 (개정)" in written and "[^count]" not in written
    assert main(["i18n", "export", "--root", str(pub), "--lang", "ko", "--only", name,
                 "--out", str(pub / "exported")]) == 0


def test_an_untouched_suggestion_does_not_stop_the_next_export(pub: Path):
    name = "journal/2022-vol1-no1/why-cities-become-creative"
    source = pub / f"content/{name}.en.md"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "When their major", "The UNESCO Creative Cities Network aims to:\n\nWhen their major"),
        encoding="utf-8")
    po = _export_only(pub, name)
    assert import_(pub, po) == 0
    _export_only(pub, name)


def test_a_direction_override_in_a_catalog_is_refused(pub: Path, capsys):
    po = export(pub)
    translate(po, {"title": "창의도시란 \u202e무엇인가"})
    before = korean(pub)
    assert import_(pub, po) == 1
    assert "control character (U+202E)" in capsys.readouterr().err
    assert korean(pub) == before


def test_two_paragraphs_the_source_joined_keep_both_translations(pub: Path):
    name = "journal/2022-vol1-no1/why-cities-become-creative"
    po = _export_only(pub, name)
    korean_file = pub / f"content/{name}.ko.md"
    before = _korean_segments(korean_file)
    source = pub / f"content/{name}.en.md"
    source.write_text(source.read_text(encoding="utf-8").replace("such cases.\n\nWhen",
                                                                 "such cases. When"),
                      encoding="utf-8")
    assert import_(pub, po) == 0
    after = _korean_segments(korean_file)
    assert list(after) == list(_korean_segments(source))
    joined = " ".join(inline_plain(after["p1"]).split())
    assert " ".join(inline_plain(before["p1"]).split()) in joined
    assert " ".join(inline_plain(before["p2"]).split()) in joined
    assert "[^bilbao]" in korean_file.read_text(encoding="utf-8")


def test_a_rebuilt_translation_keeps_its_figure_caption_as_written(pub: Path):
    """A paragraph added to the source: the translation is made again on its
    structure, every block it had (a two-line figure caption too) byte for byte."""
    name = "journal/2022-vol1-no1/why-cities-become-creative"
    source = pub / f"content/{name}.en.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nA closing paragraph.\n",
                      encoding="utf-8")
    korean_file = pub / f"content/{name}.ko.md"
    before = korean_file.read_text(encoding="utf-8")
    po = _export_only(pub, name)
    new = next(i for i, t in _korean_segments(source).items() if t == "A closing paragraph.")
    translate(po, {new: "맺는 문단."}, confirm=False)
    assert import_(pub, po) == 0
    assert korean_file.read_text(encoding="utf-8") == before + "\n맺는 문단.\n"
