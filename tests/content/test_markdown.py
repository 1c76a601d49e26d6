"""Markdown bodies: footnotes in place, figures, dialogue turns, file references."""

from __future__ import annotations

import re
from pathlib import Path

from folio.content.markdown import MarkdownSource, render_markdown
from folio.errors import ProblemCollector


def render(tmp_path: Path, text: str, located: bool = False,
           **extra) -> tuple[str, list[str]]:
    """The HTML (without the source lines it carries, unless ``located``) and the
    problems found."""
    (tmp_path / "content/assets").mkdir(parents=True, exist_ok=True)
    (tmp_path / "content/issue").mkdir(parents=True, exist_ok=True)
    problems = ProblemCollector()
    html = render_markdown(MarkdownSource(
        text=text, path=tmp_path / "content/issue/a.en.md", line_offset=4, root=tmp_path,
        assets=tmp_path / "content/assets", **extra), problems)
    if not located:
        html = re.sub(r' data-(line|source)="[^"]*"', "", html)
    return html, [p.format(tmp_path) for p in problems.problems]


def test_blocks_footnotes_and_images_carry_their_source_line(tmp_path: Path):
    """The laid-out page is checked for text that runs off it; the HTML says where
    each piece was written."""
    (tmp_path / "content/assets").mkdir(parents=True)
    (tmp_path / "content/assets/logo.svg").write_text("<svg/>", encoding="utf-8")
    html, problems = render(tmp_path, "Intro.\n\n## Part\n\nNote.[^1] ![Logo](logo.svg)\n\n"
                                      "[^1]: Text.\n", located=True)
    assert problems == []
    assert '<p data-line="5">Intro.</p>' in html
    assert '<h2 data-line="7">Part</h2>' in html
    assert '<span class="footnote" data-pdf-role="Note" data-line="9" ' \
           'data-source="content/issue/a.en.md">Text.</span>' in html
    assert 'alt="Logo" data-line="9" data-source="content/issue/a.en.md">' in html


def test_footnote_is_rendered_where_it_is_called(tmp_path: Path):
    html, problems = render(tmp_path, "Bilbao changed.[^b]\n\n[^b]: A *well-known* case.\n")
    assert problems == []
    assert html == ('<p>Bilbao changed.<span class="footnote" data-pdf-role="Note">A '
                    "<em>well-known</em> case.</span></p>\n")


def test_footnote_source_lines_are_joined(tmp_path: Path):
    # WeasyPrint 70 would break the printed note at each newline.
    html, _ = render(tmp_path, "Text.[^n]\n\n[^n]: A note written\n    on two lines.\n")
    assert '<span class="footnote" data-pdf-role="Note">A note written on two lines.</span>' in html


def test_image_alone_is_a_figure_with_caption_relative_then_assets(tmp_path: Path):
    (tmp_path / "content/assets").mkdir(parents=True)
    (tmp_path / "content/assets/logo.svg").write_text("<svg/>")
    (tmp_path / "content/issue").mkdir(parents=True)
    (tmp_path / "content/issue/map.svg").write_text("<svg/>")
    html, problems = render(tmp_path, "![The *river* city](map.svg)\n\nText ![](logo.svg)\n")
    assert problems == []
    assert '<figure class="figure" data-pdf-role="Div">' in html
    assert '<img src="content/issue/map.svg" alt="The river city">' in html
    assert "<figcaption>The <em>river</em> city</figcaption>" in html
    # An image in the text without a description is decoration, an artifact.
    assert '<p>Text <img src="content/assets/logo.svg" alt="" aria-hidden="true"></p>' in html


def test_missing_image_and_escape_from_the_root_are_reported(tmp_path: Path):
    outside = tmp_path.parent / "outside.png"
    outside.write_bytes(b"x")
    _, problems = render(tmp_path, "Intro\n\n![A](nothere.png)\n\n![B](../../../outside.png)\n")
    assert problems[0].startswith("content/issue/a.en.md:7: image 'nothere.png' not found")
    assert problems[1].startswith(
        "content/issue/a.en.md:9: image '../../../outside.png' points outside the publication")


def test_a_figure_needs_a_description(tmp_path: Path):
    (tmp_path / "content/issue").mkdir(parents=True)
    (tmp_path / "content/issue/map.svg").write_text("<svg/>", encoding="utf-8")
    _, problems = render(tmp_path, "Intro\n\n![](map.svg)\n")
    assert problems == ["content/issue/a.en.md:7: a figure needs a description: it is its "
                        "caption, and what a screen reader says — write it between the "
                        "brackets: ![A map of the river](figures/map.svg)"]


def test_raw_html_is_refused_by_default_with_its_line(tmp_path: Path):
    html, problems = render(tmp_path, "Intro.\n\nHello <b>x</b>\n\n<script>alert(1)</script>\n"
                                      "\n<!-- an editor's note -->\n")
    assert "<script>" not in html and "<b>" not in html and "editor" not in html
    hint = ("write it in Markdown, or set 'allow_html: true' in publication.yaml (scripts, "
            "frames and the like are still removed)")
    assert problems == [
        f"content/issue/a.en.md:7: raw HTML is not allowed here: <b> — {hint}",
        f"content/issue/a.en.md:9: raw HTML is not allowed here: <script>alert(1)</script> "
        f"— {hint}"]


def test_allowed_html_is_sanitised(tmp_path: Path):
    text = ('Some <b onclick="steal()">bold</b> and <a href="javascript:alert(1)">a link</a>.'
            '\n\n<script>alert(1)</script>\n\n<iframe src="http://127.0.0.1/"></iframe>\n\n'
            '<object data="x.swf"></object><link rel="attachment" href="file:///etc/passwd">\n\n'
            '<img src="file:///etc/passwd" onerror="x()"> '
            '<span lang="ko" class="k">한국어</span>\n')
    html, problems = render(tmp_path, text, allow_html=True)
    assert problems == []
    for gone in ("script", "iframe", "object", "<link", "onclick", "onerror", "javascript:",
                 "file:", "alert"):
        assert gone not in html, gone
    assert "<b>bold</b>" in html and '<span lang="ko" class="k">한국어</span>' in html


def test_dialogue_turns_get_their_speaker(tmp_path: Path):
    html, problems = render(tmp_path, "kim: Crafts matter.\n\nlee: They do.\n\nplain text\n",
                            speakers={"kim": "Kim Minjun", "lee": "Lee Seoyeon"})
    assert problems == []
    assert ('<div class="turn"><p class="speaker">Kim Minjun</p><p class="utterance">'
            "Crafts matter.</p></div>") in html
    assert "<p>plain text</p>" in html


def test_a_narrators_paragraph_escapes_its_colon(tmp_path: Path):
    """'Note: …' in a dialogue reads as a turn of no speaker, said at its line with
    the way out; written 'Note\\: …' it is the narrator's paragraph."""
    speakers = {"kim": "Kim Minjun"}
    html, problems = render(tmp_path, "kim: Crafts matter.\n\nNote\\: recorded in Jinju.\n",
                            speakers=speakers)
    assert problems == [] and "<p>Note: recorded in Jinju.</p>" in html
    _, problems = render(tmp_path, "kim: Crafts matter.\n\nNote: recorded in Jinju.\n",
                         speakers=speakers)
    assert problems == ["content/issue/a.en.md:7: 'Note:' looks like a dialogue turn but "
                        "is not a speaker — speakers: kim; if it is not a turn, write "
                        "'Note\\:'"]


def test_language_span(tmp_path: Path):
    html, _ = render(tmp_path, "유네스코 [Creative Cities Network]{lang=en-US} 가입\n")
    assert '<span lang="en-US">Creative Cities Network</span>' in html


def test_headings_nest_under_the_title_without_gaps(tmp_path: Path):
    """PDF/UA: screen readers navigate by heading level; a gap is a hole."""
    problems = ProblemCollector()
    render_markdown(MarkdownSource("# Title again\n\n## Part\n\n#### Detail\n\n### Fine\n",
                                   tmp_path / "a.en.md", 3, tmp_path, tmp_path), problems)
    assert [(p.line, p.message, p.hint) for p in problems.problems] == [
        (4, "a level-1 heading (#) in the text: the title is the level-1 heading",
         "start the text's headings at ##"),
        (8, "heading level skips from ## to ####", "use ### here")]


# -- issue 28: nothing CommonMark would print is lost -----------------------------

def test_text_after_a_closing_tag_or_a_comment_is_never_dropped(tmp_path: Path):
    """CommonMark runs an HTML block that opens with a closing tag on to the next
    blank line, and a comment's block to the end of the comment's line: the text
    there is printed where HTML is allowed, and an error at its line otherwise."""
    for text, line, message, words in [
            ("Intro.\n\n</div>\nA sentence.\n", 7, "the text after </div> would not be "
             "printed", "A sentence."),
            ("Intro.\n\n</section>\n*An* emphasised sentence.\n", 7,
             "the text after </section>", "*An* emphasised sentence."),   # as CommonMark
            ("Intro.\n\n<!-- check --> Important sentence.\n", 7,
             "text after an HTML comment would not be printed: Important sentence.",
             "Important sentence."),
            ("Intro.\n\n<!-- one\ntwo --> Tail words.\n", 8,
             "text after an HTML comment would not be printed: Tail words.", "Tail words."),
            ("Intro.\n\n<!-- a --><!-- b --> After two.\n", 7, "After two.", "After two."),
            ("Intro.\n\n  </div>Tail text.\n", 7, "the text after </div>", "Tail text.")]:
        html, problems = render(tmp_path, text)
        assert len(problems) == 1 and problems[0].startswith(f"content/issue/a.en.md:{line}: ")
        assert message in problems[0], problems
        allowed, problems = render(tmp_path, text, allow_html=True)
        assert problems == []
        assert words in re.sub(r"<[^>]+>", "", allowed), (text, allowed)


def test_an_html_comment_never_closed_is_an_error_at_its_line(tmp_path: Path):
    for allow in (False, True):
        for text, line in [("Intro.\n\n<!-- never closed\n\nMore text.\n", 7),
                           ("Intro.\n\n<!-- closed --> <!-- not\n\nMore.\n", 7),
                           ("Intro.\n\n- item\n\n  <!-- open\n\n  Rest.\n", 9)]:
            _, problems = render(tmp_path, text, allow_html=allow)
            assert problems == [
                f"content/issue/a.en.md:{line}: an HTML comment is opened (<!--) and never "
                "closed: everything after it would be lost — close the comment with --> "
                "where it should end"], (text, problems)


def test_whole_comments_and_lone_closing_tags_print_nothing_and_pass(tmp_path: Path):
    html, problems = render(tmp_path, "<!-- a -->\n<!-- b -->\nT\n\n<!--x-->\n\n</div>\n\n"
                                      "<!-->\nText\n")
    assert problems == []
    assert html == "<p>T</p>\n<p>Text</p>\n"


def test_a_table_row_with_more_cells_than_its_header_is_an_error_at_its_row(tmp_path: Path):
    text = ("| a | b |\n|---|---|\n| 1 | 2 |\n| 4 \\| 5 | 6 |\n| x | y | lost |\n"
            "| p | q | r | s\n")
    _, problems = render(tmp_path, text)
    hint = ("add the column to the header row and its --- row, or remove the extra cell "
            "(a | inside a cell is written \\|)")
    assert problems == [
        f"content/issue/a.en.md:9: this table row has 3 cells and its header 2: the last 1 "
        f"would be lost — {hint}",
        f"content/issue/a.en.md:10: this table row has 4 cells and its header 2: the last 2 "
        f"would be lost — {hint}"]
    # Fewer cells than the header lose nothing: the row is filled with empty cells.
    html, problems = render(tmp_path, "> | a | b | c |\n> |---|---|---|\n> | 1 |\n")
    assert problems == [] and "<td>1</td>" in html


def test_block_content_in_a_footnote_is_an_error_at_its_line(tmp_path: Path):
    for body, line, what in [
            ("[^1]: Note.\n\n        code in the note\n", 9, "indented code block"),
            ("[^1]: Note.\n\n    ```\n    fenced\n    ```\n", 9, "code block"),
            ("[^1]: Note.\n\n    - one\n    - two\n", 9, "list"),
            ("[^1]: Note.\n\n    > quoted\n", 9, "quotation"),
            ("[^1]:\n    ## Heading\n", 8, "heading")]:
        _, problems = render(tmp_path, "Text.[^1]\n\n" + body)
        assert len(problems) == 1, (body, problems)
        assert problems[0].startswith(f"content/issue/a.en.md:{line}: a footnote holds only "
                                      f"text: the {what} in it would be lost"), problems
    # Paragraphs are kept, joined into the note.
    html, problems = render(tmp_path, "Text.[^1]\n\n[^1]: One.\n\n    Two.\n")
    assert problems == [] and ">One. Two.</span>" in html


def test_only_quotes_and_dashes_are_replaced(tmp_path: Path):
    html, problems = render(tmp_path, '(c) (C) (tm) (r) +-2 well,, wow!!!! what????? '
                                      'so... "quoted" \'single\' a -- b a---b 3--5\n')
    assert problems == []
    assert html == ("<p>(c) (C) (tm) (r) +-2 well,, wow!!!! what????? so... “quoted” "
                    "‘single’ a – b a—b 3–5</p>\n")


def test_an_unclosed_code_fence_is_an_error_at_its_line(tmp_path: Path):
    for text, line, fence in [("Intro.\n\n```python\ncode\n\n## Next\n\nText.\n", 7, "```"),
                              ("Intro.\n\n~~~~\ncode\n~~~\n", 7, "~~~~"),
                              ("Intro.\n\n````\ncode\n```\n\nMore.\n", 7, "````"),
                              ("> ```\n> code\n\nAfter.\n", 5, "```"),
                              ("Intro.\n\n```\n", 7, "```")]:
        _, problems = render(tmp_path, text)
        assert problems == [
            f"content/issue/a.en.md:{line}: this code block is never closed: everything after "
            f"line {line} would print as code — close it with {fence} on a line of its own"], \
            (text, problems)
    for closed in ("```\ncode\n```\n", "> ```\n> a\n> ```\n", "- ~~~~\n  b\n  ~~~~~\n",
                   "1. ```\n   x\n   ```\n"):
        assert render(tmp_path, closed)[1] == [], closed


def test_link_references_unused_or_defined_twice_are_errors(tmp_path: Path):
    text = ("See [the network][unesco] and ![A map][Map].\n\n"
            "[unesco]: https://en.unesco.org/creative-cities\n"
            "[map]: https://example.org/map.png\n[spare]: https://example.org/\n"
            "[UNESCO]: https://example.org/other\n")
    _, problems = render(tmp_path, text)
    assert "content/issue/a.en.md:9: the link reference [spare] is never used: it would not " \
           "be printed — link to it in the text with [text][spare], or delete it" in problems
    assert "content/issue/a.en.md:10: the link reference [unesco] is defined twice: this " \
           "one would be ignored — give each link reference its own label, or delete one" \
           in problems
    assert not any("[unesco] is never used" in p or "[map] is never" in p for p in problems)


def test_korean_particles_after_emphasis_do_what_the_author_means(tmp_path: Path):
    """CommonMark's flanking rules leave ``**'창의도시'**는`` as typed; a Korean author
    means bold, and quotes that pair."""
    for text, expected in [
            ("**'창의도시'**는 좋다.", "<strong>‘창의도시’</strong>는 좋다."),
            ('**"창의도시"**를 본다.', "<strong>“창의도시”</strong>를 본다."),
            ("*(진주)*의 공예", "<em>(진주)</em>의 공예"),
            ("도시는**'창의'**다", "도시는<strong>‘창의’</strong>다"),
            ("~~'옛 이름'~~은", "<s>‘옛 이름’</s>은"),
            ("'창의도시'는", "‘창의도시’는"),
            ("English **'bold'**s and don't 2*3*4", "English **‘bold’**s and don’t 2<em>3</em>4")]:
        html, problems = render(tmp_path, text + "\n")
        assert problems == [] and html == f"<p>{expected}</p>\n", (text, html)


def test_a_note_called_only_from_a_note_is_never_called(tmp_path: Path):
    """Notes print where the text calls them: one called only from a note (or
    from itself) would vanish."""
    for text, label, line in [("[^1]: Lost words[^1]\n", "1", 5),
                              ("T[^a] x.\n\n[^a]: A[^b].\n\n[^b]: B.\n", "b", 9)]:
        _, problems = render(tmp_path, text)
        assert problems == [f"content/issue/a.en.md:{line}: footnote [^{label}] is never "
                            "called: it would not be printed — call it in the text with "
                            f"[^{label}], or delete it"], problems


def test_a_script_style_or_pre_block_never_closed_is_an_error(tmp_path: Path):
    """CommonMark runs such a block across blank lines to its closing tag: without
    one, the rest of the text would be inside it (and a script's or style's
    content is removed)."""
    for allow in (False, True):
        for tag in ("script", "style", "pre", "textarea"):
            _, problems = render(tmp_path, f"Intro.\n\n<{tag}>\nx\n\nThe rest.\n",
                                 allow_html=allow)
            assert f"content/issue/a.en.md:7: <{tag}> is never closed (</{tag}>): everything " \
                   f"after it would be taken as its content — close it with </{tag}>" \
                   in problems, problems
    html, problems = render(tmp_path, "<pre>\nkept\n\n</pre>\n\nAfter.\n", allow_html=True)
    assert problems == [] and "kept" in html and "<p>After.</p>" in html

    for opener, closer in (("<?php", "?>"), ("<!DOCTYPE", ">"), ("<![CDATA[", "]]>")):
        for allow in (False, True):
            _, problems = render(tmp_path, f"Intro.\n\n{opener} x\n\nThe rest.\n",
                                 allow_html=allow)
            assert len(problems) == 1 and problems[0].startswith(
                f"content/issue/a.en.md:7: '{opener[:2] if opener != '<![CDATA[' else opener}'"
                f" is never closed ('{closer}'): everything after it would be lost"), problems


def test_emphasis_marks_left_unpaired_next_to_korean_are_errors(tmp_path: Path):
    """Where CommonMark still cannot pair them (``__`` keeps its rules: no emphasis
    inside a word), the marks would print as typed: said, at their line."""
    for text, line, run in [("첫 줄\n__'창의도시'__는\n", 6, "__"),
                            ("_'강조'_는 좋다\n", 5, "_"),
                            ("한*글\n", 5, "*"),
                            ("도시**는\n", 5, "**")]:
        _, problems = render(tmp_path, text)
        assert problems and all(p.startswith(
            f"content/issue/a.en.md:{line}: '{run}' next to Korean (or other CJK) text opens "
            "or closes no emphasis: it would print as typed") for p in problems), problems
    for fine in ("별\\*표 2*3\n", "**창의도시**는\n", "English **'bold'**s\n"):
        assert render(tmp_path, fine)[1] == [], fine


def test_allowed_html_whose_text_the_sanitiser_would_remove_is_an_error(tmp_path: Path):
    """A browser shows the text of <svg> and <math>; the sanitiser removes them
    whole. Scripts and styles are removed on purpose and show nothing anyway."""
    for text in ("A <svg><text>drawn words</text></svg> b.\n",
                 "<math><mi>x</mi></math>\n\nAfter.\n"):
        _, problems = render(tmp_path, text, allow_html=True)
        assert len(problems) == 1 and problems[0].startswith(
            "content/issue/a.en.md:5: raw HTML: the text '"), problems
        assert "would not be printed (the sanitiser removes the element that holds it)" \
            in problems[0]
    _, problems = render(tmp_path, "<style>p {}</style>\n\nT <script>x()</script>.\n",
                         allow_html=True)
    assert problems == []


def test_the_text_of_allowed_html_is_checked_as_markdown_text_is(tmp_path: Path):
    _, problems = render(tmp_path, "<div>\nfine\nevil \u202e here\n</div>\n", allow_html=True)
    assert len(problems) == 1 and problems[0].startswith(
        "content/issue/a.en.md:7: invisible bidirectional control U+202E"), problems
