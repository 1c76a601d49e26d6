"""The files of ``i18n export`` as the tools read them: XLIFF 1.2 against the OASIS
schema, translate-toolkit's po2xliff/xliff2po, msgfmt and msginit, Weblate's file
mask, max-length flags and TMX; and what a bad file does at import."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from helpers import REPO
from i18n_helpers import commit as _commit
from i18n_helpers import export, snapshot, translate
from i18n_helpers import git as _git

from folio.cli import main

CRAFTS = "content/journal/2024-crafts/crafts"
DATA = Path(__file__).parent / "data"


def by_segment(po: Path) -> dict[str, polib.POEntry]:
    return {e.msgctxt.split("#", 1)[1]: e for e in polib.pofile(str(po))}


def toolkit(command: str, source: Path, target: Path) -> Path:
    """Run one of translate-toolkit's converters, as a translator would."""
    done = subprocess.run([str(Path(sys.executable).parent / command),
                           "-i", str(source), "-o", str(target)],
                          capture_output=True, text=True)
    assert done.returncode == 0 and target.is_file(), done.stderr
    return target


# -- A: the translation at export, for a three-way import ----------------------------------

def _current(root: Path) -> dict[str, str]:
    """Every unit's translation as the content files hold it now."""
    from folio.config.publication import load_config
    from folio.i18n.units import all_documents
    documents = all_documents(load_config(root), "ko", memory=False)
    return {u.id: u.target_text for d in documents for u in d.units}


def test_each_unit_carries_the_hash_of_its_translation_at_export(rich: Path):
    from folio.i18n import exchange
    from folio.i18n.units import text_hash
    source = rich / f"{CRAFTS}.en.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nA paragraph added.\n",
                      encoding="utf-8")
    _commit(rich, "a new paragraph")
    current = _current(rich)
    untranslated = [i for i, text in current.items() if not text]
    assert untranslated                            # the new paragraph
    for fmt in ("po", "xliff"):
        out = export(rich, fmt=fmt)
        files = sorted(out.rglob("*.po" if fmt == "po" else "*.xlf"))
        read = {e.id: e for f in files for e in exchange.read(f).entries}
        assert read.keys() == current.keys()
        for ident, text in current.items():
            assert read[ident].base == text_hash(text), (fmt, ident)
        assert read[untranslated[0]].base == text_hash("")
    crafts = by_segment(export(rich) / "journal/2024-crafts/crafts.po")
    assert f"folio-base: {text_hash(current['journal/2024-crafts/crafts#p1'])}" in \
        crafts["p1"].comment.splitlines()
    # A file that does not say: None, not a hash of anything.
    catalog = polib.pofile(str(export(rich) / "journal/2024-crafts/crafts.po"))
    for entry in catalog:
        entry.comment = "\n".join(line for line in entry.comment.splitlines()
                                  if not line.startswith("folio-base"))
    catalog.save()
    assert all(e.base is None for e in exchange.read(Path(catalog.fpath)).entries)


def test_the_hash_and_the_ids_survive_po2xliff_and_xliff2po(rich: Path, tmp_path: Path):
    from folio.i18n import exchange
    po = export(rich) / "journal/2024-crafts/crafts.po"
    translate(po, {"heading1": "회원 도시들"})
    xlf = toolkit("po2xliff", po, tmp_path / "crafts.xlf")
    back = toolkit("xliff2po", xlf, tmp_path / "crafts.po")
    assert 'msgctxt "journal' not in back.read_text(encoding="utf-8")  # the toolkit drops them
    original = exchange.read(po)
    for converted in (exchange.read(xlf), exchange.read(back)):
        assert converted.language == "ko"
        assert [(e.id, e.text, e.fuzzy, e.source, e.base) for e in converted.entries] == \
            [(e.id, e.text, e.fuzzy, e.source, e.base) for e in original.entries]
        assert all(e.base for e in converted.entries)
    # From the XLIFF export: xliff2po keeps the ids, the language and the hashes
    # (its developer notes), though it drops inline codes.
    xliff_export = export(rich, fmt="xliff") / "journal/2024-crafts/crafts.xlf"
    converted = exchange.read(toolkit("xliff2po", xliff_export, tmp_path / "from-xliff.po"))
    exported = exchange.read(xliff_export)
    assert converted.language == "ko"
    assert [(e.id, e.base) for e in converted.entries] == \
        [(e.id, e.base) for e in exported.entries]
    plain = {e.id: e.text for e in exported.entries if "<" not in e.text}
    assert len(plain) > 10
    assert {e.id: e.text for e in converted.entries if e.id in plain} == plain


# -- C: XLIFF 1.2 against the OASIS schema; the toolkit's round trip imports ----------------------

def _schema():
    from lxml import etree

    class Local(etree.Resolver):
        """The schema imports the W3C's xml.xsd: from tests/i18n/data, never the network."""

        def resolve(self, url, pubid, context):
            if url.rsplit("/", 1)[-1] == "xml.xsd":
                return self.resolve_filename(str(DATA / "xml.xsd"), context)
            return None

    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(Local())
    return etree.XMLSchema(etree.parse(str(DATA / "xliff-core-1.2-strict.xsd"), parser))


def test_exported_xliff_is_valid_xliff_1_2(rich: Path):
    from lxml import etree
    # Every kind of unit: translated, fuzzy with the old source, untranslated with a
    # memory suggestion (alt-trans), and a notice's max-length.
    source = rich / f"{CRAFTS}.en.md"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "Jinju silk has been made", "Jinju silk has long been made").replace(
        "## Member cities", "A new paragraph before.\n\n## Member cities"), encoding="utf-8")
    (rich / "content/journal/2024-crafts/fair.en.md").write_text(
        "---\ntitle: Crafts in the City\n---\nThe craft fair opens on the river bank.\n",
        encoding="utf-8")
    _commit(rich, "source edited")
    files = sorted(export(rich, fmt="xliff").rglob("*.xlf"))
    assert len(files) >= 5
    schema = _schema()
    seen = set()
    for path in files:
        document = etree.parse(str(path))
        root = document.getroot()
        assert root.get("version") == "1.2"
        assert root.tag == "{urn:oasis:names:tc:xliff:document:1.2}xliff"
        assert schema.validate(document), (path, [str(e) for e in schema.error_log][:5])
        assert b"document:1.1" not in path.read_bytes()
        seen |= {etree.QName(e).localname for e in root.iter() if isinstance(e.tag, str)}
        seen |= {f"@{a}" for e in root.iter() if isinstance(e.tag, str) for a in e.attrib}
    assert {"alt-trans", "note", "context-group", "g", "x", "@maxwidth", "@state"} <= seen
    # The schema does find errors: the same files as translate-toolkit writes them fail.
    text = files[0].read_bytes().replace(b' purpose="location"',
                                         b' name="" purpose="location"')
    assert not schema.validate(etree.fromstring(text))


def test_a_po2xliff_and_xliff2po_round_trip_imports_as_the_po_does(rich: Path, tmp_path: Path,
                                                                  capsys):
    po = export(rich) / "journal/2024-crafts/crafts.po"
    # Codes as typed characters, words in capitals (the toolkit's "placeables").
    translate(po, {"p1": "공예는 진주의 일상이다.<x1/> 영어로는 <g2>CRAFTS</g2>라고 한다.",
                   "heading1": "회원 도시들 (UNESCO)"})
    xlf = toolkit("po2xliff", po, tmp_path / "crafts.xlf")
    back = toolkit("xliff2po", xlf, tmp_path / "crafts.po")
    before = snapshot(rich)
    results = []
    for path in (po, xlf, back):
        assert main(["i18n", "import", "--root", str(rich), str(path)]) == 0, \
            capsys.readouterr().err
        assert "2 segments changed" in capsys.readouterr().out
        results.append(snapshot(rich))
        _git(rich, "checkout", "-q", "--", "content")
        assert snapshot(rich) == before
    assert results[0] == results[1] == results[2] != before
    written = results[0][f"{CRAFTS}.ko.md"].decode("utf-8")
    assert "## 회원 도시들 (UNESCO)" in written and "[CRAFTS]{lang=en-US}" in written


def test_an_xliff_of_several_documents_imports_each(rich: Path, capsys):
    """A CAT tool may put several documents in one file, one <file> each."""
    from lxml import etree
    out = export(rich, fmt="xliff")
    crafts = etree.parse(str(out / "journal/2024-crafts/crafts.xlf"))
    dialogue = etree.parse(str(out / "journal/2024-crafts/conversation.xlf")).getroot()
    crafts.getroot().append(dialogue[0])
    namespace = "{urn:oasis:names:tc:xliff:document:1.2}"
    for ident, text in (("crafts#heading1", "회원 도시들"), ("conversation#turn1", "무엇이?")):
        unit = next(u for u in crafts.iter(f"{namespace}trans-unit")
                    if u.get("id").endswith(ident))
        unit.find(f"{namespace}target").text = text
    both = out / "both.xlf"
    crafts.write(str(both), xml_declaration=True, encoding="utf-8")
    assert main(["i18n", "import", "--root", str(rich), str(both)]) == 0
    assert "## 회원 도시들" in (rich / f"{CRAFTS}.ko.md").read_text(encoding="utf-8")
    assert "무엇이?" in (rich / "content/journal/2024-crafts/conversation.ko.md").read_text(
        encoding="utf-8")
    # Its second <file> relabelled as another language: refused, nothing written.
    _git(rich, "checkout", "-q", "--", "content")
    both.write_text(both.read_text(encoding="utf-8").replace(
        'original="content/journal/2024-crafts/conversation.en.md" source-language="en" '
        'datatype="plaintext" target-language="ko"',
        'original="content/journal/2024-crafts/conversation.en.md" source-language="en" '
        'datatype="plaintext" target-language="en"'), encoding="utf-8")
    err = _refused(rich, capsys, both)
    assert "segment journal/2024-crafts/conversation#" in err and \
        "was exported for 'ko', but the file's language is 'en'" in err


def test_the_samples_round_trip_through_the_translations_folder_changes_no_byte(
        sample: Path, capsys):
    before = snapshot(sample)
    assert main(["i18n", "export", "--root", str(sample)]) == 0
    files = sorted((sample / "translations/ko").rglob("*.po"))
    assert len(files) == 9
    assert main(["i18n", "import", "--root", str(sample), *map(str, files)]) == 0
    assert snapshot(sample) == before
    assert not (sample / "output").exists()


# -- D: a translations folder to commit, and Weblate's settings --------------------------------

def _readme_settings() -> dict[str, str]:
    """The Weblate component settings the README gives, for its example document."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("### For translators: Poedit, Weblate and CAT tools", 1)[1]
    settings = {}
    for name in ("File mask", "Template for new translations", "File format"):
        match = re.search(rf"^\| {name} \| `([^`]*)` \|", section, re.MULTILINE)
        assert match, name
        settings[name] = match[1]
    return settings


def test_the_readmes_weblate_mask_has_one_star_and_matches_one_file_per_language(
        sample: Path, capsys):
    settings = _readme_settings()
    mask, template = settings["File mask"], settings["Template for new translations"]
    assert mask.count("*") == 1 and "**" not in mask and mask.startswith("translations/*/")
    assert settings["File format"] == "gettext PO file"
    assert "| Monolingual base language file | empty" in (REPO / "README.md").read_text(
        encoding="utf-8")
    # The README's example is one of the sample's documents, exported where it says.
    assert main(["i18n", "export", "--root", str(sample)]) == 0
    assert len(list(sample.glob(mask))) == 1 and (sample / template).is_file()
    # The same shape for every document: one file per language, and its template.
    from folio.config.publication import load_config
    from folio.i18n.units import all_documents
    config = load_config(sample)
    languages = [c for c in config.codes if c != config.source_language]
    names = {d.name for c in languages for d in all_documents(config, c, memory=False)}
    assert len(names) == 9
    for name in names:
        document_mask = mask.replace(
            mask.removeprefix("translations/*/").removesuffix(".po"), name)
        assert document_mask == f"translations/*/{name}.po"
        matched = sorted(sample.glob(document_mask))
        assert [p.relative_to(sample / "translations").parts[0] for p in matched] == languages
        pot = sample / template.replace(
            template.removeprefix("translations/templates/").removesuffix(".pot"), name)
        entries = polib.pofile(str(pot))
        assert entries and all(not e.msgstr for e in entries)
        assert entries.metadata["X-Folio-Document"] == name
    # Nothing a translator commits is ignored by git.
    ignored = subprocess.run(["git", "-C", str(REPO), "check-ignore", "-q",
                              "translations/ko/notices/creative-city.po"])
    assert ignored.returncode == 1


def test_exported_catalogs_pass_msgfmt_and_a_template_makes_a_new_language(
        sample: Path, tmp_path: Path, capsys):
    assert shutil.which("msgfmt") and shutil.which("msginit")
    assert main(["i18n", "export", "--root", str(sample)]) == 0
    catalogs = sorted((sample / "translations/ko").rglob("*.po"))
    templates = sorted((sample / "translations/templates").rglob("*.pot"))
    assert len(catalogs) == len(templates) == 9
    for catalog in catalogs:
        done = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(catalog)],
                              capture_output=True, text=True)
        assert done.returncode == 0 and not done.stderr, (catalog, done.stderr)
    # What Weblate does to add a language: msginit from the template.
    template = sample / "translations/templates/notices/creative-city.pot"
    new = tmp_path / "ja.po"
    done = subprocess.run(["msginit", "--no-translator", "-l", "ja", "-i", str(template),
                           "-o", str(new)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    done = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(new)],
                          capture_output=True, text=True)
    assert done.returncode == 0 and not done.stderr, done.stderr
    entries = polib.pofile(str(new))
    assert all(not e.msgstr for e in entries) and len(entries) > 5
    # A template has no translation, so no hash of one: msgmerge with it cannot give
    # a language's file the hash of nothing.
    text = template.read_text(encoding="utf-8")
    assert "folio-base" not in text and "folio-id: notices/creative-city#p1\n" in text


# -- E: max-length on one-page notices; the translation memory as TMX --------------------------

def test_notice_segments_carry_max_length_from_their_page(sample: Path, capsys):
    from folio.config.publication import load_config
    from folio.i18n import inline
    from folio.i18n.space import notice_limits
    from folio.i18n.units import all_documents
    assert main(["i18n", "export", "--root", str(sample)]) == 0
    notice = polib.pofile(str(sample / "translations/ko/notices/creative-city.po"))
    limits = {}
    for entry in notice:
        flag = next(f for f in entry.flags if f.startswith("max-length:"))
        limits[entry.msgctxt] = int(flag.split(":")[1])
        # The translation the sheet has now fits on its one page: within its limit.
        assert len(entry.msgstr) <= limits[entry.msgctxt], entry.msgctxt
    article = polib.pofile(str(sample / "translations/ko/journal/2022-vol1-no1/"
                                        "what-is-a-creative-city.po"))
    assert not any(f.startswith("max-length") for e in article for f in e.flags)
    # A long paragraph gets more room than a heading; a Korean line holds half the
    # characters an English one does; a smaller page gives less.
    config = load_config(sample)
    ko = next(d for d in all_documents(config, "ko", memory=False)
              if d.name == "notices/creative-city")
    p1, heading = limits["notices/creative-city#p1"], limits["notices/creative-city#heading1"]
    assert p1 > 4 * heading
    assert p1 >= len(inline.plain(ko.by_id()["notices/creative-city#p1"].source_text)) // 2
    # The short notice's paragraph may grow into the room the page has left; on A5
    # there is less of it.
    short = next(d for d in all_documents(config, "ko", memory=False)
                 if d.name == "notices/jinju-designation")
    room = notice_limits(short, "A4")["notices/jinju-designation#p1"]
    assert room > 2 * len(inline.plain(short.by_id()["notices/jinju-designation#p1"]
                                       .source_text)) // 2
    assert notice_limits(short, "A5")["notices/jinju-designation#p1"] < room
    # That notice is printed stacked, with its source: on a sheet of its own it has
    # more room; side by side, half the width.
    source = sample / "content/notices/jinju-designation.en.md"
    text = source.read_text(encoding="utf-8")
    assert "bilingual: stacked\n" in text

    def limit(front: str) -> int:
        source.write_text(text.replace("bilingual: stacked\n", front), encoding="utf-8")
        document = next(d for d in all_documents(config, "ko", memory=False)
                        if d.name == "notices/jinju-designation")
        return notice_limits(document, "A4")["notices/jinju-designation#p1"]

    assert limit("bilingual: stacked\n") == room
    assert limit("") > room
    assert limit("bilingual: side-by-side\n") < limit("")
    assert limit("bilingual: duplex\n") == limit("")
    en = dict(notice_limits(ko, "A4"))
    ko.language = "en"
    assert notice_limits(ko, "A4")["notices/creative-city#p1"] > en["notices/creative-city#p1"]
    # XLIFF says the same, in its own attributes.
    xlf = (export(sample, "--only", "notices/creative-city", fmt="xliff") /
           "notices/creative-city.xlf").read_text(encoding="utf-8")
    assert f'maxwidth="{p1}" size-unit="char"' in xlf


def test_the_translation_memory_is_written_as_tmx(sample: Path, capsys):
    from translate.storage import tmx
    assert main(["i18n", "export", "--root", str(sample)]) == 0
    memory = tmx.tmxfile.parsefile(str(sample / "translations/ko/memory.tmx"))
    pairs = {(u.source, u.target) for u in memory.units}
    current = {}
    from folio.config.publication import load_config
    from folio.i18n.units import TRANSLATED, all_documents
    for document in all_documents(load_config(sample), "ko", memory=False):
        for unit in document.units:
            if unit.state == TRANSLATED:
                current[(unit.source_text, unit.target_text)] = unit.id
    assert pairs == set(current) and len(pairs) > 100
    assert ("What is a creative city?", "창의도시란 무엇인가") in pairs
    assert 'srclang="en"' in (sample / "translations/ko/memory.tmx").read_text(encoding="utf-8")


# -- B: bad input at import ------------------------------------------------------------------

def _refused(root: Path, capsys, *paths: Path) -> str:
    before = snapshot(root)
    assert main(["i18n", "import", "--root", str(root), *map(str, paths)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert snapshot(root) == before
    return " ".join(err.split())


@pytest.mark.parametrize("character", ["\a", "\x1b", "\x7f", "\x85"])
def test_a_control_character_in_a_translation_is_refused(rich: Path, capsys, character):
    out = export(rich)
    po = out / "journal/2024-crafts/crafts.po"
    translate(po, {"heading1": f"회원{character} 도시"})
    text = po.read_text(encoding="utf-8")
    line = text[:text.index(character)].count("\n") + 1        # the line it is on
    err = _refused(rich, capsys, out / "journal/2024-crafts/conversation.po", po)
    assert f"crafts.po:{line}: segment journal/2024-crafts/crafts#heading1: the translation " \
           f"holds a control character (U+{ord(character):04X}" in err


@pytest.mark.parametrize("escape, code", [("\\a", "0007"), ("\\033", "001B"),
                                          ("\\x07", "0007")])
def test_a_control_character_escaped_as_gettext_writes_it_is_refused(rich: Path, capsys,
                                                                    escape, code):
    out = export(rich)
    po = out / "journal/2024-crafts/crafts.po"
    text = po.read_text(encoding="utf-8")
    # msgcat and Poedit write a BEL as \a; polib would read it as two characters.
    text = text.replace('msgstr "회원 도시"', f'msgstr "회원{escape} 도시"')
    po.write_text(text, encoding="utf-8")
    line = text[:text.index(escape)].count("\n") + 1
    err = _refused(rich, capsys, po)
    assert f"crafts.po:{line}: segment journal/2024-crafts/crafts#heading1: the translation " \
           f"holds a control character (U+{code})" in err
    # An escaped backslash before the letter is a backslash and a letter: imported.
    po.write_text(text.replace(f"회원{escape} 도시", "회원\\\\a 도시"), encoding="utf-8")
    assert main(["i18n", "import", "--root", str(rich), str(po)]) == 0, capsys.readouterr().err


def test_a_control_character_in_an_xliff_target_is_refused(rich: Path, capsys):
    from translate.storage import xliff
    path = export(rich, fmt="xliff") / "journal/2024-crafts/crafts.xlf"
    store = xliff.xlifffile.parsestring(path.read_bytes())
    unit = next(u for u in store.getunits() if u.xmlelement.get("id").endswith("#heading1"))
    unit.target = "회원\x85 도시"
    path.write_bytes(bytes(store))
    err = _refused(rich, capsys, path)
    assert f"crafts.xlf:{unit.xmlelement.sourceline}: segment journal/2024-crafts/" \
           "crafts#heading1: the translation holds a control character (U+0085" in err
    # XML 1.0 cannot even say BEL: a file with &#7; is refused as unreadable, at its line.
    text = path.read_text(encoding="utf-8").replace("회원\x85 도시", "회원&#7; 도시")
    path.write_text(text, encoding="utf-8")
    line = text[:text.index("&#7;")].count("\n") + 1
    err = _refused(rich, capsys, path)
    assert f"crafts.xlf:{line}: the XLIFF file cannot be read" in err


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE xliff [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE xliff [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>',
    '<!DOCTYPE xliff SYSTEM "http://example.org/xliff.dtd">',
])
def test_an_xliff_with_a_doctype_is_refused_not_read(rich: Path, capsys, doctype):
    path = export(rich, fmt="xliff") / "journal/2024-crafts/crafts.xlf"
    text = path.read_text(encoding="utf-8")
    text = text.replace("?>\n", f"?>\n{doctype}\n", 1)
    if "ENTITY x" in doctype:
        text = text.replace(">회원 도시</target>", ">&x;</target>")
    if "ENTITY b" in doctype:
        text = text.replace(">회원 도시</target>", ">&b;</target>")
    path.write_text(text, encoding="utf-8")
    err = _refused(rich, capsys, path)
    assert "crafts.xlf:2: the XLIFF file has a DOCTYPE" in err and "refused" in err


def test_a_file_of_another_document_or_language_is_refused(rich: Path, capsys):
    out = export(rich)
    po = out / "journal/2024-crafts/crafts.po"
    catalog = polib.pofile(str(po))
    catalog.metadata["X-Folio-Document"] = "journal/2024-crafts/conversation"
    catalog.save()
    first = next(e for e in polib.pofile(str(po)) if e.msgctxt)
    err = _refused(rich, capsys, po)
    assert f"crafts.po:{first.linenum}: segment {first.msgctxt} is of journal/2024-crafts/" \
           "crafts, but its header says X-Folio-Document 'journal/2024-crafts/conversation'" \
        in err
    catalog = polib.pofile(str(export(rich) / "journal/2024-crafts/crafts.po"))
    catalog.metadata["Language"] = "en"
    catalog.save()
    err = _refused(rich, capsys, po)
    assert f"crafts.po:{first.linenum}: segment {first.msgctxt} was exported for 'ko', but " \
           "the file's language is 'en'" in err
    # An XLIFF whose <file original> is another document's source.
    xlf = export(rich, fmt="xliff") / "journal/2024-crafts/crafts.xlf"
    xlf.write_text(xlf.read_text(encoding="utf-8").replace(
        f'original="{CRAFTS}.en.md"', 'original="content/notices/craft-fair.en.md"'),
        encoding="utf-8")
    err = _refused(rich, capsys, xlf)
    assert "segment journal/2024-crafts/crafts#title is of journal/2024-crafts/crafts, but " \
           "its <file original=\"content/notices/craft-fair.en.md\"> names " \
           "'notices/craft-fair'" in err
