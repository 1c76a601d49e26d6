"""The JSON Schemas an editor's YAML language server uses (schemas/*.json, written by
``folio schema``) are derived from the same declarations as the build's checks: they
accept every file of the sample, and reject what the build rejects (issue 32)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from folio.cli import main
from folio.config import schema as s
from folio.config.publication import load_config
from folio.config.yamlio import parse_yaml
from folio.content.frontmatter import parse_document
from folio.content.shapes import SHAPES, json_schemas
from folio.errors import BuildError, ProblemCollector

REPO = Path(__file__).resolve().parents[2]
LANGUAGES = ("ko", "en")
SHAPE = {shape.name: shape for shape in SHAPES}


def as_json(value: Any) -> Any:
    """What a YAML language server (YAML 1.2, no dates) sees of parsed YAML."""
    if isinstance(value, dict):
        return {str(key): as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def validator(name: str) -> jsonschema.Draft7Validator:
    schema = json.loads((REPO / "schemas" / f"{name}.schema.json").read_text("utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def schema_errors(name: str, data: Any) -> list[str]:
    return [error.message for error in validator(name).iter_errors(as_json(data))]


def sample_files() -> list[tuple[str, Path]]:
    files = [("publication", REPO / "publication.yaml")]
    files += [("issue", p) for p in sorted(REPO.glob("content/journal/*/issue.yaml"))]
    files += [("article", p) for p in sorted(REPO.glob("content/journal/*/*.md"))]
    files += [("notice", p) for p in sorted(REPO.glob("content/notices/*.md"))]
    return files


def parsed(name: str, path: Path) -> Any:
    text = path.read_text("utf-8")
    if path.suffix == ".md":
        return parse_document(text, path).front_matter
    return parse_yaml(text, path)


# -- the committed schemas are the declarations' --------------------------------

def test_the_committed_schemas_are_those_the_declarations_give():
    config = load_config(REPO)
    wanted = json_schemas(config.codes)
    assert sorted(wanted) == sorted(p.name for p in (REPO / "schemas").glob("*.json"))
    for name, text in wanted.items():
        assert (REPO / "schemas" / name).read_text("utf-8") == text, \
            f"schemas/{name} is out of date: run ./build.py schema"


def test_a_schema_names_each_field_with_its_doc_and_its_choices():
    article = json.loads((REPO / "schemas" / "article.schema.json").read_text("utf-8"))
    kind = article["properties"]["type"]
    assert kind["enum"][:5] == ["message", "article", "dialogue", "news", "feature"]
    assert kind["default"] == "article"
    assert article["required"] == ["title"]
    assert "folio i18n mark" in article["properties"]["source_hash"]["description"]
    issue = json.loads((REPO / "schemas" / "issue.schema.json").read_text("utf-8"))
    localized = issue["definitions"]["localized_text"]["anyOf"][1]
    assert sorted(localized["properties"]) == ["en", "ko"]      # the sample's languages


def test_folio_schema_writes_the_files_and_check_notices_a_stale_one(tmp_path, capsys):
    root = tmp_path / "pub"
    root.mkdir()
    shutil.copy(REPO / "publication.yaml", root)
    (root / "content" / "assets").mkdir(parents=True)
    shutil.copy(REPO / "content" / "assets" / "logo.svg", root / "content" / "assets")
    assert main(["schema", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert '"./schemas/issue.schema.json": "content/journal/*/issue.yaml"' in out
    for name, text in json_schemas(LANGUAGES).items():
        assert (root / "schemas" / name).read_text("utf-8") == text
    assert main(["schema", "--root", str(root), "--check"]) == 0
    capsys.readouterr()
    (root / "schemas" / "notice.schema.json").write_text("{}", "utf-8")
    assert main(["schema", "--root", str(root), "--check"]) != 0
    err = capsys.readouterr().err
    assert "notice.schema.json out of date" in err and "folio schema" in err


# -- the schemas accept the sample ------------------------------------------------

def test_every_file_of_the_sample_fits_its_schema():
    files = sample_files()
    assert {name for name, _ in files} == set(SHAPE)
    assert len(files) >= 14
    for name, path in files:
        assert schema_errors(name, parsed(name, path)) == [], path


# -- and reject what the build rejects ----------------------------------------------

DELETE = object()


def patched(data: Any, keys: tuple, value: Any) -> Any:
    data = copy.deepcopy(as_json(data))
    target = data
    for key in keys[:-1]:
        target = target[key]
    if value is DELETE:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    return data


def build_problems(name: str, data: Any, tmp_path: Path) -> list[str]:
    """What the build says of ``data`` as the file of ``name``: for publication.yaml,
    the whole loader, in a publication folder; for the others, their shape's checks."""
    if name == "publication":
        root = tmp_path / "pub"
        (root / "content" / "assets").mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "content" / "assets" / "logo.svg", root / "content" / "assets")
        (root / "publication.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                               "utf-8")
        try:
            load_config(root)
        except BuildError as error:
            return [p.message for p in error.problems]
        return []
    problems = ProblemCollector()
    s.read(data, SHAPE[name].declared_by, Path(f"{name}.yaml"), 1, problems,
           languages=LANGUAGES)
    return [p.message for p in problems.problems]


def sample(name: str) -> Any:
    return parsed(name, next(path for shape, path in sample_files() if shape == name))


# (file, keys to the value, the bad value or DELETE, what the build says)
REJECTED_BY_BOTH = [
    ("publication", ("title",), DELETE, "missing required field 'title'"),
    ("publication", ("title",), {"ko": "제목", "en": "Title", "fr": "Titre"},
     "unknown language 'fr'"),
    ("publication", ("short_title",), "a\u202eb", "bidirectional control"),
    ("publication", ("languages",), ["ko", "k0"], "not a language code"),
    ("publication", ("page_size",), "A2", "'A2' is not one of"),
    ("publication", ("allow_html",), "yes", "expected true or false"),
    ("publication", ("colour",), "red", "unknown field 'colour'"),
    ("publication", ("fonts", "fr"), {"serif": ["Noto Serif"], "sans": ["Noto Sans"]},
     "'fr' is not one of the languages"),
    ("publication", ("fonts", "en"), DELETE, "no fonts for 'en'"),
    ("publication", ("fonts", "ko", "serif"), {"a": "b"}, "expected a list"),
    ("publication", ("fonts", "ko", "mono"), ["Noto Sans Mono"], "unknown field 'fonts.ko.mono'"),
    ("publication", ("profiles", "print", "bleed"), "30mm", "out of range"),
    ("publication", ("profiles", "print", "bleed"), "three", "is not a length"),
    ("publication", ("profiles", "print", "paper_thickness"), "2mm", "not a paper thickness"),
    ("publication", ("profiles", "print", "variant"), "pdf/x-5", "is not one of"),
    ("publication", ("profiles", "print", "colour"), "cmyk",
     "unknown field 'profiles.print.colour'"),
    ("publication", ("profiles", "print", "crop_marks"), "on", "expected true or false"),
    ("publication", ("cover",), {"kicker": {"de": "x"}}, "unknown language 'de'"),
    ("issue", ("volume",), "one", "expected a whole number"),
    ("issue", ("volume",), True, "expected a whole number"),
    ("issue", ("number",), DELETE, "missing required field 'number'"),
    ("issue", ("date",), "2022-13-01", "expected a date"),
    ("issue", ("date",), "15 December 2022", "expected a date"),
    ("issue", ("issn",), "12345678", "is not an ISSN"),
    ("issue", ("title",), None, "missing required field 'title'"),
    ("issue", ("sections",), "opening", "expected a mapping of fields"),
    ("issue", ("sections", 0, "opens"), "left", "'left' is not one of"),
    ("issue", ("sections", 0, "articles"), DELETE,
     "missing required field 'sections[0].articles'"),
    ("issue", ("editors", 0, "name", "ko"), {"family": "정"}, "expected text"),
    ("issue", ("editors", 0, "email"), "x@example.org", "unknown field 'editors[0].email'"),
    ("article", ("type",), "essay", "'essay' is not one of"),
    ("article", ("title",), DELETE, "missing required field 'title'"),
    ("article", ("title",), "a\x07b", "invisible control character U+0007"),
    ("article", ("subtitle",), True, "expected text"),
    ("article", ("authors",), {"name": "Kim"}, "expected a list"),
    ("article", ("authors", 0), {"name": "Kim", "orcid": "0000-0002-1825-009"},
     "is not an ORCID iD"),
    ("article", ("authors", 0), {"affiliation": "X"}, "missing required field"),
    ("article", ("keywords",), [["nested"]], "expected text"),
    ("article", ("doi",), "10.1/x", "is not a DOI"),
    ("article", ("date",), "yesterday", "expected a date"),
    ("article", ("signature",), ["a", "b"], "expected a mapping of fields"),
    ("article", ("speakers",), [{"id": "kim", "name": "Kim", "nick": "K"}],
     "unknown field 'speakers[0].nick'"),
    ("notice", ("bilingual",), "overlay", "'overlay' is not one of"),
    ("notice", ("contact",), {"phone": "1"}, "expected a list"),
    ("notice", ("place",), ["a"], "expected text"),
    ("notice", ("date",), 20221215, "expected a date"),
    ("notice", ("time",), "10:30", "unknown field 'time'"),
]


@pytest.mark.parametrize("name,keys,value,message", REJECTED_BY_BOTH,
                         ids=[f"{r[0]}-{'.'.join(map(str, r[1]))}-{i}"
                              for i, r in enumerate(REJECTED_BY_BOTH)])
def test_what_the_build_rejects_the_schema_rejects(name, keys, value, message, tmp_path):
    data = patched(sample(name), keys, value)
    said = build_problems(name, data, tmp_path)
    assert any(message in m for m in said), said
    assert schema_errors(name, data), f"the schema accepts {keys}={value!r}"


# What JSON Schema cannot say: the build alone checks these (README says so).
BUILD_ONLY = [
    ("publication", ("languages",), ["ko", "qq"], "not a language code Babel knows"),
    ("publication", ("source_language",), "ja", "is not one of the languages"),
    ("publication", ("title",), {"ko": "제목"}, "'title' has no en text"),
    ("publication", ("logo",), "content/assets/missing.svg", "logo: no file"),
    ("issue", ("issn",), "1234-5678", "wrong check digit"),
    ("article", ("authors", 0), {"name": "Kim", "orcid": "0000-0002-1825-0098"},
     "wrong check digit"),
]


@pytest.mark.parametrize("name,keys,value,message", BUILD_ONLY)
def test_what_only_the_build_checks(name, keys, value, message, tmp_path):
    data = patched(sample(name), keys, value)
    assert any(message in m for m in build_problems(name, data, tmp_path))
    assert schema_errors(name, data) == []


def test_the_sample_passes_the_build_checks_used_above(tmp_path):
    for name in SHAPE:
        assert build_problems(name, as_json(sample(name)), tmp_path) == [], name


# -- any scalar: what the build's check refuses, the schema refuses ------------------

_SCALAR = st.one_of(
    st.text(alphabet="0123456789.:-+eExXabcfinNT \u0007\u202e\u00a0", min_size=1,
            max_size=12),
    st.sampled_from(["true", "false", "null", "~", "2022-12-15", "2022-02-30", "1.0",
                     ".inf", "article", "news", "'12'", "[a, b]", "{a: b}", "A4",
                     "10.1000/xyz", "\"\\x07\""]))
# A field of each kind of check, in a front matter or issue.yaml.
_FIELDS = [("article", "subtitle"), ("article", "type"), ("article", "date"),
           ("article", "doi"), ("article", "keywords"), ("article", "authors"),
           ("notice", "bilingual"), ("issue", "volume"), ("issue", "title")]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_FIELDS), _SCALAR)
@example(("issue", "volume"), "1.0")
@example(("article", "subtitle"), "\"a\\u202eb\"")
def test_a_scalar_the_build_refuses_the_schema_refuses(field, written):
    name, key = field
    try:
        value = parse_yaml(f"{key}: {written}\n", Path("x.yaml"))[key]
    except (BuildError, TypeError):
        return                                  # not YAML: the editor shows that itself
    data = patched(sample(name), (key,), value)
    problems = ProblemCollector()
    s.read(data, SHAPE[name].declared_by, Path("x.yaml"), 1, problems, languages=LANGUAGES)
    if problems.problems and not schema_errors(name, data):
        # The known differences, both from YAML read as YAML 1.2 by the editor: JSON
        # has no 1.0 apart from 1, and JSON Schema calls it an integer (the build wants
        # a whole number written as one); and a date written unquoted is text to the
        # editor, a date to the build (which says to put it in quotes).
        whole = isinstance(value, float) and value.is_integer() and key == "volume"
        date = isinstance(value, dt.date) and key in ("subtitle", "keywords", "authors",
                                                      "doi", "title", "type", "bilingual")
        assert whole or date, (written, [p.message for p in problems.problems])


def test_a_date_in_a_text_field_is_refused_with_the_quotes_to_write():
    problems = ProblemCollector()
    data = parse_yaml("title: T\nsubtitle: 2022-12-15\n", Path("a.en.md"), line_offset=1)
    s.read(data, SHAPE["article"].declared_by, Path("a.en.md"), 2, problems)
    [problem] = problems.problems
    assert (problem.line, problem.message) == (3, "field 'subtitle': expected text, "
                                                  "found the date 2022-12-15")
    assert problem.hint == "put it in quotes to print it as written: '2022-12-15'"


def test_the_readme_names_every_declared_field():
    """A field added to a declaration is in the schema at once; the README's
    hand-written examples must name it too."""
    from folio.config.publication import Cover, FontStack, Profile
    from folio.content.loading import EditorFields, SectionFields
    from folio.content.model import Person
    readme = (REPO / "README.md").read_text("utf-8")
    shapes = [shape.declared_by for shape in SHAPES]
    shapes += [FontStack, Profile, Cover, EditorFields, SectionFields, Person]
    missing = [f"{shape.__name__}.{key}" for shape in shapes for key in s.fields_of(shape)
               if f"`{key}" not in readme and f"{key}:" not in readme]
    assert missing == []
