"""Reading content/ and publication.yaml: the model, and located errors for mistakes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from folio.config.publication import load_config
from folio.config.reading import publication_reader
from folio.content.loading import load_publication
from folio.errors import BuildError
from folio.pipeline.run import BuildOptions, load


def problems_of(root: Path, **options) -> list[str]:
    """What loading finds: the configuration's problems stop it, the content's are
    kept with their documents."""
    try:
        _, publication = load(BuildOptions(root=root, **options))
    except BuildError as caught:
        return [p.format(root) for p in caught.problems]
    assert publication.problems, "nothing was found wrong"
    return sorted({p.format(root) for _, p in publication.problems})


def test_model_of_the_tiny_publication(tiny: Path):
    config = load_config(tiny)
    publication = load_publication(config, ("ko", "en"), publication_reader(tiny))
    ko = next(i for i in publication.issues if i.language.code == "ko")
    assert (ko.volume, ko.number, ko.date) == (3, 2, dt.date(2024, 5, 17))
    assert ko.title == "공예와 도시" and ko.issn == "0000-0000"
    assert [a.slug for a in ko.articles] == ["first", "second"]
    assert ko.articles[0].authors[0].affiliation == "진주대학교"
    assert ko.editors[0].role == "편집장"
    assert {(n.slug, n.language.code) for n in publication.notices} == {
        ("open-day", "en"), ("open-day", "ko")}


def test_malformed_yaml_names_file_and_line(tiny: Path):
    issue = tiny / "content/journal/2024-no2/issue.yaml"
    issue.write_text(issue.read_text().replace("number: 2", "number: [2"), encoding="utf-8")
    [message] = problems_of(tiny)
    assert message.startswith("content/journal/2024-no2/issue.yaml:")
    assert "invalid YAML" in message


def test_malformed_front_matter_line_counts_from_file_start(tiny: Path):
    article = tiny / "content/journal/2024-no2/first.en.md"
    article.write_text("---\ntitle: First\nauthors: [unclosed\n---\nBody\n", encoding="utf-8")
    [message] = problems_of(tiny)
    assert message.startswith("content/journal/2024-no2/first.en.md:")
    line = int(message.split(":")[1])
    assert line in (3, 4)


def test_unknown_field_suggests_the_right_one_and_all_problems_are_listed(tiny: Path):
    article = tiny / "content/journal/2024-no2/first.en.md"
    article.write_text("---\ntitel: First\nauthors: 3\n---\nBody\n", encoding="utf-8")
    notice = tiny / "content/notices/open-day.ko.md"
    notice.write_text("---\ntitle: 공개\ndate: 2024-02-30\n---\n본문\n", encoding="utf-8")
    messages = problems_of(tiny)
    assert any("first.en.md:2: unknown field 'titel' — did you mean 'title'?" in m
               for m in messages), messages
    assert any("first.en.md" in m and "missing required field 'title'" in m for m in messages)
    assert any("first.en.md:3" in m and "authors" in m for m in messages)
    assert any("open-day.ko.md:3" in m and "2024-02-30" in m for m in messages)
    assert messages == sorted(messages, key=lambda m: m.split(":")[0])


def test_listed_article_without_file_and_file_without_listing(tiny: Path):
    folder = tiny / "content/journal/2024-no2"
    (folder / "second.ko.md").unlink()
    (folder / "stray.en.md").write_text("---\ntitle: Stray\n---\nx\n", encoding="utf-8")
    messages = problems_of(tiny)
    assert any("issue.yaml:14" in m and "'second' has no Korean translation second.ko.md" in m
               for m in messages), messages
    assert any("stray.en.md" in m and "no section of issue.yaml lists this article" in m
               for m in messages)


def test_unknown_language_code(tiny: Path):
    messages = problems_of(tiny, languages=("fr",))
    assert messages == ["publication.yaml: unknown language 'fr' — languages declared here: "
                        "ko, en"]
    config = tiny / "publication.yaml"
    config.write_text(config.read_text().replace("languages: [ko, en]",
                                                 "languages: [ko, en, xx]"))
    [message, *_] = problems_of(tiny)
    assert "publication.yaml:2" in message and "'xx' is not a language code" in message


def test_yaml_text_missing_the_language_being_built(tiny: Path):
    issue = tiny / "content/journal/2024-no2/issue.yaml"
    issue.write_text(issue.read_text().replace(
        "title: {ko: 공예와 도시, en: Crafts and the City}", "title: {en: Crafts and the City}"))
    messages = problems_of(tiny)
    assert messages == ["content/journal/2024-no2/issue.yaml:5: field 'title' has no 'ko' "
                        "text — add 'ko: …' to it, or build with --draft to print another "
                        "language's text marked 'translation pending'"]
    load(BuildOptions(root=tiny, languages=("en",)))     # English alone is complete


def test_wrong_issn_check_digit(tiny: Path):
    issue = tiny / "content/journal/2024-no2/issue.yaml"
    issue.write_text(issue.read_text().replace('"0000-0000"', '"1234-5678"'))
    [message] = problems_of(tiny)
    assert "issue.yaml:6" in message and "check digit" in message


def test_markdown_problems_are_located(tiny: Path):
    article = tiny / "content/journal/2024-no2/first.en.md"
    article.write_text("---\ntitle: First\n---\nIntro.\n\n![A map](missing.png)\n\n"
                       "A claim.[^source]\n", encoding="utf-8")
    messages = problems_of(tiny)
    assert any("first.en.md:6: image 'missing.png' not found" in m for m in messages), messages
    assert any("first.en.md:8: footnote [^source] has no definition" in m for m in messages)


@pytest.mark.parametrize("relative, text, expected", [
    ("content/journal/2024-no2/issue.yaml", "", "issue.yaml:1: issue.yaml should be fields"),
    ("content/journal/2024-no2/issue.yaml", "- a\n", "issue.yaml:1: issue.yaml should be fields"),
    ("publication.yaml", "- 1\n", "publication.yaml:1: publication.yaml should be a mapping"),
    ("content/journal/2024-no2/first.en.md", "no front matter\n",
     "first.en.md:1: the file does not start with front matter"),
    ("content/journal/2024-no2/first.en.md", "---\ntitle: x\nauthors: [[1]]\n---\nb\n",
     "first.en.md:3: field 'authors[0]': expected a mapping of fields, found a list"),
    ("content/notices/open-day.en.md", "---\ntitle: x\ndate: 2024-13-45\n---\nb\n",
     "open-day.en.md:3:7: invalid YAML: '2024-13-45' is not a real date (month must be in "
     "1..12) — write dates as YYYY-MM-DD"),
    ("content/notices/open-day.en.md", "---\ntitle: x\ntitle: y\n---\nb\n",
     "open-day.en.md:3:1: invalid YAML: the key 'title' appears twice"),
    ("content/notices/open-day.en.md", "---\ntitle: !!python/object:os.system x\n---\nb\n",
     "open-day.en.md:2:8: invalid YAML: could not determine a constructor"),
    ("content/notices/open-day.en.md", b"\xff\xfe\x00",
     "open-day.en.md:1: not UTF-8 text (byte 0) — save the file as UTF-8"),
    ("content/notices/Open Day.md", "---\ntitle: x\n---\nb\n",
     "Open Day.md: the file name should be <name>.<language>.md"),
    ("content/notices/open-day.fr.md", "---\ntitle: x\n---\nb\n",
     "open-day.fr.md: unknown language code 'fr' in the file name"),
])
def test_bad_input_gets_a_located_message(tiny: Path, relative, text, expected):
    path = tiny / relative
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    messages = problems_of(tiny)
    assert any(expected in m for m in messages), messages


def test_profiles_are_read_and_checked(tiny: Path):
    config_file = tiny / "publication.yaml"
    text = config_file.read_text(encoding="utf-8")
    config_file.write_text(text + "profiles:\n  print: {bleed: 3mm, crop_marks: true, "
                           "variant: pdf/x-4, output_intent: "
                           "/usr/share/color/icc/ghostscript/default_cmyk.icc}\n",
                           encoding="utf-8")
    profile = load_config(tiny).profile("print")
    assert (profile.bleed_mm, profile.crop_marks, profile.variant) == (3.0, True, "pdf/x-4")
    assert load_config(tiny).profile("screen").bleed_mm == 0
    config_file.write_text(text + "profiles:\n  print:\n    bleed: three\n"
                           "    variant: pdf/x-9\n", encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        load_config(tiny)
    messages = [(p.line, p.message) for p in caught.value.problems]
    assert any("'three' is not a length" in m for _, m in messages)
    assert any("pdf/x-9" in m for _, m in messages)
