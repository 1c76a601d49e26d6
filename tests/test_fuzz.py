"""Property: whatever an author writes, the build either works or says where it went wrong.

Generated front matter, Markdown bodies and issue.yaml files go through loading
and HTML rendering (and, for a few, the PDF stage). Every case must build or
raise BuildError whose problems all name a file; anything else is a bug.

The budget is small in CI; for a longer run:

    FOLIO_FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest tests/test_fuzz.py
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from folio.errors import BuildError
from folio.pipeline.run import BUNDLED, BuildOptions, build, render_html

EXAMPLES = int(os.environ.get("FOLIO_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=dt.timedelta(seconds=20),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Text an author might type: Korean, Latin, punctuation, Markdown and YAML syntax.
words = st.text(alphabet=st.sampled_from(
    list("abcxyz ABC 가나다창의도시 0123456789.,:;-*_#[]()!<>{}|&^~`'\"\\/\n\t") + ["\u00e9",
    "\u2014", "\u200b", "\U0001F600", "\x00", "\x1b"]), max_size=40)
scalars = st.one_of(words, st.integers(-10**6, 10**6), st.booleans(), st.none(),
                    st.dates(), st.floats(allow_nan=True))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(
        ["name", "affiliation", "ko", "en", "fr", "id", "role", "x"]), inner, max_size=3)),
    max_leaves=8)
FIELDS = ["title", "subtitle", "authors", "abstract", "keywords", "type", "date", "place",
          "signature", "speakers", "contact", "bilingual", "source_hash", "titel", "lang"]
front_matter = st.dictionaries(st.sampled_from(FIELDS), values, max_size=6)

blocks = st.sampled_from([
    "# Heading", "Text with a footnote.[^1]", "[^1]: The note.", "[^2]: Unused note.",
    "See [^missing].", "![A figure](figure.svg)", "![](missing.png)", "![](../../../x.png)",
    "![](http://127.0.0.1:9/x.png)", "[a link](https://example.org)", "[bad](../../../etc)",
    "| a | b |\n|---|---|\n| 1 | 2 |", "> quoted", "- one\n- two", "1. first", "`code`",
    "```\nblock\n```", "<b>raw</b>", "<script>x</script>", "<!-- comment -->",
    "kim: A turn.", "[text]{lang=ko}", "[text]{onclick=x}", "***",
    "창의도시는 지역 문제를 해결한다.",
    # What becomes characters only once parsed: entities and control characters.
    "&#x1F600; &amp; &nbsp;", "&#1; &#0; &#x85; &#xD800;", "&bogus; &#99999999;", "a\x07b",
    "c\x85d", "\ufffd", "[^1]: defined twice", "![x](file:///etc/passwd)",
    "[y](javascript:alert(1))", "> " * 25 + "deep", "W" * 600,
])
bodies = st.lists(st.one_of(blocks, words), max_size=8).map("\n\n".join)

ISSUE_KEYS = ["volume", "number", "date", "printed", "title", "issn", "publisher",
              "copyright", "editors", "sections", "unknown"]
issues = st.dictionaries(st.sampled_from(ISSUE_KEYS), values, max_size=8)

TEMPLATE = Path(tempfile.mkdtemp(prefix="folio-fuzz-")) / "pub"


def _template() -> Path:
    """A small valid publication, made once and copied for every example."""
    if not TEMPLATE.exists():
        shutil.copytree(BUNDLED / "tests/fuzz_publication", TEMPLATE)
    return TEMPLATE


def _copy() -> Path:
    target = Path(tempfile.mkdtemp(prefix="folio-fuzz-case-")) / "pub"
    shutil.copytree(_template(), target)
    return target


def _dump(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, default_flow_style=False)


def _front(data: dict, body: str) -> str:
    return "---\n" + (_dump(data) if data else "") + "---\n" + body + "\n"


def _render_all(root: Path) -> None:
    render_html(BuildOptions(root=root, jobs=1))


def _assert_located(action) -> None:
    try:
        action()
    except BuildError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.path is not None and str(problem.path), problem
            assert problem.message.strip(), problem


def _cleanup(root: Path) -> None:
    shutil.rmtree(root.parent, ignore_errors=True)


@pytest.mark.parametrize("target", ["content/journal/issue/first.en.md",
                                    "content/notices/sheet.ko.md"])
@FUZZ
@given(front=front_matter, body=bodies)
def test_any_article_or_notice_builds_or_says_where(target, front, body):
    root = _copy()
    try:
        (root / target).write_text(_front(front, body), encoding="utf-8")
        _assert_located(lambda: _render_all(root))
    finally:
        _cleanup(root)


@FUZZ
@given(data=issues, raw=st.one_of(st.none(), words))
def test_any_issue_yaml_builds_or_says_where(data, raw):
    root = _copy()
    try:
        text = raw if raw is not None else _dump(data)
        (root / "content/journal/issue/issue.yaml").write_text(text, encoding="utf-8")
        _assert_located(lambda: _render_all(root))
    finally:
        _cleanup(root)


@FUZZ
@given(extra=st.dictionaries(st.sampled_from(
    ["title", "short_title", "languages", "source_language", "page_size", "fonts", "logo",
     "profiles", "allow_html", "notice_page_size", "colour"]), values, max_size=4))
def test_any_publication_yaml_builds_or_says_where(extra):
    root = _copy()
    try:
        config = yaml.safe_load((root / "publication.yaml").read_text(encoding="utf-8"))
        config.update(extra)
        (root / "publication.yaml").write_text(_dump(config), encoding="utf-8")
        _assert_located(lambda: _render_all(root))
    finally:
        _cleanup(root)


# Templates and stylesheets a designer might get wrong: values WeasyPrint rejects,
# expressions that fail when rendered.
css_values = st.tuples(
    st.sampled_from(["color", "colour", "margin", "font-size", "display", "width",
                     "string-set", "content", "page", "bookmark-level", "text-wobble"]),
    st.sampled_from(["red", "3px", "-1", "none", "url(file:///etc/passwd)", "counter(x)",
                     "calc(1px / 0)", "\"unterminated", "12", "inherit", "&", "#zzz"]))
expressions = st.sampled_from(
    ["notice.title", "notice.title + 1", "notice.missing", "1 / 0", "notice.date|date",
     "_('Notice')", "notice.contact|join(', ')", "range(3)|list", "lang.tag", "'%' % 1",
     "notice.title|upper", "undefined_name"])


@settings(max_examples=max(5, EXAMPLES // 4), deadline=dt.timedelta(seconds=60),
          suppress_health_check=[HealthCheck.too_slow])
@given(rules=st.lists(css_values, max_size=4), expression=expressions)
def test_any_template_or_stylesheet_builds_or_says_where(rules, expression):
    root = _copy()
    try:
        (root / "templates").mkdir()
        css = (BUNDLED / "templates/notice.css").read_text(encoding="utf-8")
        css += "".join(f"\n.info {{ {name}: {value}; }}" for name, value in rules)
        (root / "templates/notice.css").write_text(css, encoding="utf-8")
        masthead = (BUNDLED / "templates/notice_masthead.html.j2").read_text(encoding="utf-8")
        (root / "templates/notice_masthead.html.j2").write_text(
            masthead.replace("</div>", f"<p>{{{{ {expression} }}}}</p></div>"),
            encoding="utf-8")
        _assert_located(lambda: build(BuildOptions(root=root, jobs=1, languages=("ko",),
                                                   only=("notice-sheet",))))
    finally:
        _cleanup(root)


@settings(max_examples=max(3, EXAMPLES // 20), deadline=dt.timedelta(seconds=60),
          suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies)
def test_some_notices_go_all_the_way_to_pdf(body):
    root = _copy()
    try:
        (root / "content/notices/sheet.ko.md").write_text(_front({"title": "시트"}, body),
                                                          encoding="utf-8")
        _assert_located(lambda: build(BuildOptions(root=root, jobs=1, languages=("ko",),
                                                   only=("notice-sheet",))))
        leftovers = [p for p in (root / "output").rglob("*") if p.name.endswith("tmp")] \
            if (root / "output").exists() else []
        assert leftovers == []
    finally:
        _cleanup(root)
