"""Nothing silent, nothing outside the root: each way bad input used to slip through.

One section per root cause of the hostile review; each test failed before the fix.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO, pdftotext, problems_of, published

from folio.cli import main
from folio.errors import BuildError
from folio.pipeline.run import BuildOptions, build

ARTICLE = "content/journal/2024-no2/first.en.md"
ISSUE = "content/journal/2024-no2/issue.yaml"
NOTICE = "content/notices/open-day.en.md"


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def cli(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "build.py"), "--root", str(root), *args],
                          capture_output=True, text=True, cwd=root,
                          env={**os.environ, **(env or {})})


# -- 1. nothing outside the root ----------------------------------------------------------

def test_a_symlinked_content_file_leading_outside_is_refused(tiny: Path, tmp_path: Path):
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: Secret\n---\nThe secret.\n", encoding="utf-8")
    (tiny / NOTICE).unlink()
    (tiny / NOTICE).symlink_to(secret)
    messages = problems_of(tiny, languages=("en",))
    assert any(m.startswith(f"{NOTICE}: content file 'open-day.en.md' is outside the "
                            "publication folder") for m in messages), messages
    assert not (tiny / "output/en/notice-open-day.pdf").exists()


def test_a_symlinked_template_or_catalog_leading_outside_is_refused(tiny: Path,
                                                                   tmp_path: Path):
    (tmp_path / "passwd").write_text("root:x:0:0\n", encoding="utf-8")
    (tiny / "templates").mkdir()
    (tiny / "templates/notice_masthead.html.j2").symlink_to(tmp_path / "passwd")
    messages = problems_of(tiny, languages=("en",), only=("notice-open-day",))
    assert any("notice_masthead.html.j2" in m and "is outside the publication folder" in m
               for m in messages), messages
    catalog = tiny / "locales/ko/LC_MESSAGES/messages.po"
    catalog.parent.mkdir(parents=True)
    catalog.symlink_to(tmp_path / "passwd")
    messages = problems_of(tiny, languages=("ko",))
    assert any("messages.po" in m and "is outside the publication folder" in m
               for m in messages), messages


def test_an_article_name_cannot_climb_out(tiny: Path, tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.en.md").write_text("---\ntitle: Outside\n---\nNo.\n", encoding="utf-8")
    issue = tiny / ISSUE
    issue.write_text(issue.read_text(encoding="utf-8").replace(
        "articles: [first, second]", "articles: [first, second, ../../../../outside/x]"),
        encoding="utf-8")
    messages = problems_of(tiny, languages=("en",))
    assert any(m.startswith(f"{ISSUE}:14: '../../../../outside/x' is not an article name")
               for m in messages), messages


def test_the_logo_must_be_an_image_of_the_publication(tiny: Path):
    config = tiny / "publication.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "logo: /etc/passwd\n",
                      encoding="utf-8")
    [message] = problems_of(tiny)
    assert message.startswith("publication.yaml:8: logo 'passwd' is outside the publication")


def test_an_output_intent_must_be_an_icc_profile(tiny: Path):
    config = tiny / "publication.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "profiles:\n  print: {variant: "
                      "pdf/x-4, output_intent: /etc/passwd}\n", encoding="utf-8")
    [message] = problems_of(tiny, profile="print")
    assert message.startswith("publication.yaml:9: profiles.print.output_intent: "
                              "/etc/passwd is not an ICC colour profile")


# -- 2. content never silently lost --------------------------------------------------------

def test_long_words_urls_korean_runs_and_wide_tables_stay_on_the_page(tiny: Path):
    word = "Supercalifragilistic" * 30
    url = "https://example.org/" + "a-very-long-path/" * 40
    korean = "가나다라마바사아자차카타파하" * 20
    table = "| " + " | ".join(f"column{i}" for i in range(15)) + " |\n|" + "---|" * 15 + \
        "\n| " + " | ".join(f"cell{i}" for i in range(15)) + " |\n"
    write(tiny, ARTICLE, f"---\ntitle: First Article\n---\n{word}\n\n{url}\n\n{table}")
    ko = tiny / "content/journal/2024-no2/first.ko.md"
    ko.write_text(f"---\ntitle: 첫 논문\n---\n{korean}\n", encoding="utf-8")
    build(BuildOptions(root=tiny, jobs=1, only=("journal-2024-no2",)))
    # Broken over lines (hyphenated, and pdftotext joins lines at hyphens), every
    # letter is there.
    text = "".join(pdftotext(tiny / "output/en/journal-2024-no2.pdf").split())
    text = text.replace("\u2010", "").replace("-", "")
    assert word in text and url.replace("-", "") in text
    assert "mn14" in text and "cell14" in text                  # the last columns are there
    assert korean in "".join(pdftotext(tiny / "output/ko/journal-2024-no2.pdf").split())


def test_what_still_runs_off_the_page_is_an_error_at_its_line(tiny: Path):
    """A rule of a publication's own stylesheet that keeps long words whole: the
    word runs off the page, and the build says where it was written."""
    (tiny / "templates").mkdir()
    css = (REPO / "templates/base.css").read_text(encoding="utf-8")
    (tiny / "templates/base.css").write_text(css + "\n.long { overflow-wrap: normal; }\n",
                                             encoding="utf-8")
    write(tiny, NOTICE, "---\ntitle: Open Day\n---\nFine.\n\n" + "1234567890" * 40 + "\n")
    [message] = problems_of(tiny, languages=("en",), only=("notice-open-day",))
    assert message.startswith(f"{NOTICE}:6: en/notice-open-day.pdf, page 1: the text runs ")
    assert "past the right edge of the text area" in message


def test_a_long_word_in_the_front_matter_is_found_too(tiny: Path):
    """Text from YAML has no line in the HTML: the file is named."""
    (tiny / "templates").mkdir()
    css = (REPO / "templates/base.css").read_text(encoding="utf-8")
    (tiny / "templates/base.css").write_text(css + "\n.long { overflow-wrap: normal; }\n",
                                             encoding="utf-8")
    write(tiny, NOTICE, "---\ntitle: Open Day\nsubtitle: " + "9876543210" * 30 +
          "\n---\nFine.\n")
    [message] = problems_of(tiny, languages=("en",), only=("notice-open-day",))
    assert message.startswith(f"{NOTICE}: en/notice-open-day.pdf, page 1: the text runs ")


def test_nesting_deeper_than_the_parser_keeps_is_an_error(tiny: Path):
    write(tiny, NOTICE, "---\ntitle: Open Day\n---\n" + "> " * 25 + "deep\n")
    [message] = problems_of(tiny, languages=("en",), only=("notice-open-day",))
    assert message.startswith(f"{NOTICE}:4: lists or quotes nested more than 19 levels deep")


def test_a_damaged_image_is_an_error(tiny: Path):
    import io

    from PIL import Image
    buffer = io.BytesIO()
    Image.effect_noise((400, 300), 60).convert("RGB").save(buffer, format="JPEG")
    data = buffer.getvalue()
    (tiny / "content/assets/photo.jpg").write_bytes(data[:len(data) // 2])       # truncated
    (tiny / "content/assets/text.png").write_text("not an image", encoding="utf-8")
    write(tiny, NOTICE, "---\ntitle: Open Day\n---\n![A photo](photo.jpg)\n\n"
                        "![A drawing](text.png)\n")
    messages = problems_of(tiny, languages=("en",), only=("notice-open-day",))
    assert any(m.startswith(f"{NOTICE}:4: image 'photo.jpg' is damaged") for m in messages), \
        messages
    assert any(m.startswith(f"{NOTICE}:6: image 'text.png' is not an image")
               for m in messages), messages


# -- 3. the glyph check reads the text as it will be printed ---------------------------------

def test_entities_and_escapes_are_checked_as_the_characters_they_make(tiny: Path):
    write(tiny, NOTICE, "---\ntitle: \"Open \\U0001F601 Day\"\n---\nSmile &#x1F600; here.\n")
    messages = problems_of(tiny, languages=("en",), only=("notice-open-day",))
    assert any(m.startswith(f"{NOTICE}:2:") and "U+1F601" in m for m in messages), messages
    assert any(m.startswith(f"{NOTICE}:4:") and "U+1F600" in m for m in messages), messages


def test_control_characters_are_errors_with_their_code_point(tiny: Path):
    write(tiny, NOTICE, "---\ntitle: \"Open\\x07Day\"\n---\nText \x85 here.\n\nAnd &#x85;.\n")
    messages = problems_of(tiny, languages=("en",), only=("notice-open-day",))
    assert any(m.startswith(f"{NOTICE}:2:") and "U+0007" in m for m in messages), messages
    assert any(m.startswith(f"{NOTICE}:4: invisible control character U+0085")
               for m in messages), messages
    assert any(m.startswith(f"{NOTICE}:6: a character that cannot be printed (U+FFFD")
               for m in messages), messages


def test_a_character_from_a_template_is_checked_too(tiny: Path):
    (tiny / "templates").mkdir()
    masthead = (REPO / "templates/notice_masthead.html.j2").read_text(encoding="utf-8")
    (tiny / "templates/notice_masthead.html.j2").write_text(
        masthead.replace("</div>", "<p>\U00013000</p></div>"), encoding="utf-8")
    messages = problems_of(tiny, languages=("en",), only=("notice-open-day",))
    assert any(m.startswith("templates/notice_masthead.html.j2:") and "U+13000" in m
               for m in messages), messages


# -- 4. warnings are errors, without --debug, and located ------------------------------------

def test_weasyprint_warnings_fail_the_build_without_debug(tiny: Path):
    (tiny / "templates").mkdir()
    css = (REPO / "templates/notice.css").read_text(encoding="utf-8")
    (tiny / "templates/notice.css").write_text(css + "\n.info { colour: red; }\n",
                                               encoding="utf-8")
    result = cli(tiny, "--lang", "en", "--only", "notice-open-day", "--jobs", "1")
    assert result.returncode == 1
    assert "templates/notice.css:" in result.stderr and "colour: red" in result.stderr
    assert "WARNING" not in result.stderr and "ERROR weasyprint" not in result.stderr
    assert "Traceback" not in result.stderr


def test_an_image_weasyprint_cannot_load_is_reported_at_its_markdown_line(tiny: Path):
    (tiny / "content/assets/broken.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>',
        encoding="utf-8")
    write(tiny, NOTICE, "---\ntitle: Open Day\n---\nIntro.\n\n![A drawing](broken.svg)\n")
    [message] = problems_of(tiny, languages=("en",), only=("notice-open-day",))
    assert message.startswith(f"{NOTICE}:6: image cannot be printed: it refers to "
                              "/etc/passwd is outside the publication folder")


# -- 5. the editor's mistakes are not internal errors ------------------------------------------

# C901 (complexity) allowed: one set-up per case, beside the case's name.
@pytest.mark.parametrize("case", ["po-latin1", "css-latin1", "template-runtime", "lone-percent",
                                  "plural-forms", "epoch-range", "epoch-text", "out-file",
                                  "preflight-text", "preflight-truncated", "read-only"])
def test_mistakes_get_one_located_line_not_an_internal_error(tiny: Path, case: str):  # noqa: C901
    args: list[str] = ["--lang", "ko", "--jobs", "1"]
    env: dict[str, str] = {}
    expected = ""
    po = tiny / "locales/ko/LC_MESSAGES/messages.po"
    bundled_po = (REPO / "locales/ko/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    if case == "po-latin1":
        po.parent.mkdir(parents=True)
        po.write_bytes(bundled_po.replace("초록", "Résumé").encode("utf-8")
                       .replace("é".encode(), b"\xe9"))
        expected = "messages.po:"
    elif case == "css-latin1":
        (tiny / "templates").mkdir()
        (tiny / "templates/notice.css").write_bytes(b"/* caf\xe9 */\n")
        expected = "templates/notice.css:1: not UTF-8 text"
    elif case == "template-runtime":
        (tiny / "templates").mkdir()
        half = (REPO / "templates/notice_half.html.j2").read_text(encoding="utf-8")
        (tiny / "templates/notice_half.html.j2").write_text(
            half.replace("{{ notice.title }}", "{{ notice.title + 1 }}"), encoding="utf-8")
        expected = "templates/notice_half.html.j2:6: template error: TypeError"
    elif case == "lone-percent":
        po.parent.mkdir(parents=True)
        po.write_text(bundled_po.replace('msgstr "초록"', 'msgstr "초록 100%"'),
                      encoding="utf-8")
        expected = "a % that starts no placeholder"
    elif case == "plural-forms":
        po.parent.mkdir(parents=True)
        po.write_text(bundled_po.replace("nplurals=1; plural=0;", "nplurals=x; plural=;"),
                      encoding="utf-8")
        expected = "the Plural-Forms header is malformed"
    elif case == "epoch-range":
        env["SOURCE_DATE_EPOCH"] = "99999999999999999999"
        expected = "SOURCE_DATE_EPOCH=99999999999999999999 is not a date"
    elif case == "epoch-text":
        env["SOURCE_DATE_EPOCH"] = "yesterday"
        expected = "SOURCE_DATE_EPOCH='yesterday' is not a number of seconds"
    elif case == "out-file":
        (tiny / "out.pdf").write_bytes(b"x")
        args += ["--out", str(tiny / "out.pdf")]
        expected = "--out names a file, not a folder"
    elif case in ("preflight-text", "preflight-truncated"):
        pdf = tiny / "output/en/notice-open-day.pdf"
        pdf.parent.mkdir(parents=True)
        if case == "preflight-text":
            pdf.write_text("not a pdf", encoding="utf-8")
        else:
            build(BuildOptions(root=tiny, jobs=1, languages=("en",), only=("notice-open-day",)))
            pdf.write_bytes(pdf.read_bytes()[:5000])
        args = ["preflight", str(pdf)]
        expected = "is not a readable PDF"
    elif case == "read-only":
        if os.geteuid() == 0:
            # root writes anywhere: a file where the output folder should be instead.
            (tiny / "output").write_bytes(b"x")
            expected = "--out names a file"
        else:
            (tiny / "output").mkdir()
            (tiny / "output").chmod(0o500)
            expected = "cannot write"
    if args and args[0] == "preflight":
        result = subprocess.run([sys.executable, str(REPO / "build.py"), *args],
                                capture_output=True, text=True, cwd=tiny)
    else:
        result = cli(tiny, *args, env=env)
    assert result.returncode == 1, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert expected in result.stderr, result.stderr


# -- 6. catalogs as strict as gettext ------------------------------------------------------------

@pytest.mark.parametrize("change, expected", [
    (('msgstr "초록"', 'msgstr "초록'), "msgfmt: end-of-line within string"),
    (('msgid "Abstract"\nmsgstr "초록"',
      'msgid "Abstract"\nmsgstr "초록"\n\nmsgid "Abstract"\nmsgstr "요약"'),
     "msgfmt: duplicate message definition"),
    (('msgstr "제%(volume)s권 제%(number)s호"', 'msgstr "제%(volume)s권"'),
     "drops %(number)s"),
    (("nplurals=1; plural=0;", "nplurals=2; plural=(n != 1);"),
     "Plural-Forms says nplurals=2, but Korean has 1 plural form"),
])
def test_catalogs_are_read_as_strictly_as_msgfmt(tiny: Path, change, expected):
    po = tiny / "locales/ko/LC_MESSAGES/messages.po"
    po.parent.mkdir(parents=True)
    text = (REPO / "locales/ko/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    assert change[0] in text
    po.write_text(text.replace(change[0], change[1]), encoding="utf-8")
    messages = problems_of(tiny, languages=("ko",))
    assert any(m.startswith("locales/ko/LC_MESSAGES/messages.po:") and expected in m
               for m in messages), messages


def test_a_final_build_never_prints_an_untranslated_template_string(tiny: Path):
    # The publication's own template prints a string no catalog translates (its
    # catalog's other strings come from the bundled one, see test_publication_strings).
    masthead = (REPO / "templates/notice_masthead.html.j2").read_text(encoding="utf-8")
    write(tiny, "templates/notice_masthead.html.j2", masthead.replace(
        '{{ _("Notice") }}', '{{ _("Notice") }} · {{ _("Free entry") }}'))
    po = tiny / "locales/ko/LC_MESSAGES/messages.po"
    po.parent.mkdir(parents=True)
    text = (REPO / "locales/ko/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    po.write_text(text[:text.index("#:")] + 'msgid "Contents"\nmsgstr "목차"\n',
                  encoding="utf-8")
    [message] = problems_of(tiny, languages=("ko",))
    assert message.startswith("locales/ko/LC_MESSAGES/messages.po: 1 template string not "
                              "translated into Korean: 'Free entry'")
    assert not (tiny / "output").exists()
    build(BuildOptions(root=tiny, jobs=1, languages=("ko",), draft=True))
    notice = tiny / "output/ko/notice-open-day.draft.pdf"
    assert "Translation pending" in pdftotext(notice) and "FREE ENTRY" in pdftotext(notice)


# -- 7. Markdown leftovers ----------------------------------------------------------------------

def test_footnotes_defined_twice_or_never_called(tiny: Path):
    write(tiny, NOTICE, "---\ntitle: Open Day\n---\nText.[^a]\n\n[^a]: One.\n[^a]: Two.\n"
                        "[^b]: Never called.\n")
    messages = problems_of(tiny, languages=("en",), only=("notice-open-day",))
    assert f"{NOTICE}:7: footnote [^a] is defined twice (first on line 6) — give each " \
           "note its own label" in messages
    assert any(m.startswith(f"{NOTICE}:8: footnote [^b] is never called") for m in messages)


def test_file_urls_in_markdown_are_refused_not_printed(tiny: Path):
    write(tiny, NOTICE, "---\ntitle: Open Day\n---\n![x](file:///etc/passwd) and "
                        "[y](javascript:alert(1))\n")
    messages = problems_of(tiny, languages=("en",), only=("notice-open-day",))
    assert any(m.startswith(f"{NOTICE}:4: image 'file:///etc/passwd' is not a file of the "
                            "publication") for m in messages), messages
    assert any("link 'javascript:alert(1)'" in m for m in messages), messages


def test_a_byte_order_mark_is_not_a_missing_front_matter(tiny: Path):
    (tiny / NOTICE).write_bytes("\ufeff".encode() + (tiny / NOTICE).read_bytes())
    build(BuildOptions(root=tiny, jobs=1, languages=("en",), only=("notice-open-day",)))
    assert "Open Day" in pdftotext(tiny / "output/en/notice-open-day.pdf")


def test_two_issues_with_the_same_number(tiny: Path):
    other = tiny / "content/journal/2024-again"
    other.mkdir()
    for path in (tiny / "content/journal/2024-no2").iterdir():
        (other / path.name).write_bytes(path.read_bytes())
    messages = problems_of(tiny, languages=("en",))
    assert any("the same volume and number (3, 2) as" in m for m in messages), messages


# -- 8. files keep the user's permissions -------------------------------------------------------

def test_written_files_follow_the_umask_and_keep_their_mode(tiny: Path, capsys):
    previous = os.umask(0o022)
    try:
        build(BuildOptions(root=tiny, jobs=1, languages=("en",), keep_html=True))
        for path in [*published(tiny / "output"), *published((tiny / "output"), "*.html"),
                     tiny / "output/.folio-manifest.json"]:
            assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
        translated = tiny / "content/notices/open-day.ko.md"
        translated.chmod(0o664)
        assert main(["i18n", "mark", str(translated)]) == 0
        assert stat.S_IMODE(translated.stat().st_mode) == 0o664
    finally:
        os.umask(previous)


# -- 11. one bad document does not block the others ---------------------------------------------

def test_every_document_without_a_problem_is_written(tiny: Path):
    (tiny / "content/journal/2024-no2/second.ko.md").write_text(
        "---\ntitle: 둘째\n---\n본문.[^x]\n", encoding="utf-8")        # a Korean problem
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(root=tiny, jobs=2))
    assert caught.value.failed == 1 and caught.value.total == 4
    written = sorted(p.relative_to(tiny / "output").as_posix()
                     for p in published(tiny / "output"))
    assert written == ["en/journal-2024-no2.pdf", "en/notice-open-day.pdf",
                       "ko/notice-open-day.pdf"]


def test_a_final_build_removes_the_draft_and_drafts_rewrite_nothing_unchanged(tiny: Path):
    translation = tiny / "content/journal/2024-no2/second.ko.md"
    kept = translation.read_text(encoding="utf-8")
    translation.unlink()
    build(BuildOptions(root=tiny, jobs=1, draft=True))
    draft = tiny / "output/ko/journal-2024-no2.draft.pdf"
    assert draft.exists()
    notice = tiny / "output/en/notice-open-day.pdf"
    stamp = notice.stat().st_mtime_ns
    assert build(BuildOptions(root=tiny, jobs=1, draft=True)) == []     # nothing changed
    assert notice.stat().st_mtime_ns == stamp
    translation.write_text(kept, encoding="utf-8")
    build(BuildOptions(root=tiny, jobs=1))
    assert (tiny / "output/ko/journal-2024-no2.pdf").exists() and not draft.exists()
