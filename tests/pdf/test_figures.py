"""A figure that does not fit at the foot of a page goes after the text that fills
the page (pdf/figures.py), instead of leaving the rest of the page empty."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from folio.pdf import figures
from folio.pdf.writer import PdfJob, render_pdf

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300" viewBox="0 0 400 300">'
       '<rect width="400" height="300" fill="#88a"/></svg>')
FILLER = "<p>" + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 12 + "</p>\n"
AFTER = "<p>" + "The paragraph after the figure fills the hole. " * 10 + "</p>\n"


def figure(caption: str) -> str:
    return (f'<figure class="figure"><img src="fig.svg"><figcaption>{caption}'
            "</figcaption></figure>\n")


def page(body: str) -> str:
    return ('<html lang="en-US"><style>@page { size: A5; margin: 15mm } '
            "body { counter-reset: figure } figure { margin: 0; break-inside: avoid; "
            "counter-increment: figure } figure img { width: 100%; height: 90mm } "
            'figcaption::before { content: "Figure " counter(figure) ". " }</style><body>'
            + body + "</body></html>")


def lay_out(tmp_path: Path, html: str, hole: float, monkeypatch) -> Path:
    (tmp_path / "fig.svg").write_text(SVG, encoding="utf-8")
    monkeypatch.setattr(figures, "HOLE", hole)
    out = tmp_path / f"made-{hole}.pdf"
    out.write_bytes(render_pdf(PdfJob(name="made", html=html, root=tmp_path, output=out,
                                      source=tmp_path / "made.html")).data)
    return out


def lowest_text(pdf: Path, number: int) -> float:
    """How far down page ``number`` its text reaches, as a share of the page."""
    bbox = subprocess.run(["pdftotext", "-bbox", "-f", str(number), "-l", str(number), str(pdf),
                           "-"], capture_output=True, text=True, check=True).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', bbox)[1])
    return max(float(y) for y in re.findall(r'yMax="([\d.]+)"', bbox)) / height


def text(pdf: Path) -> str:
    return " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())


def test_a_figure_that_does_not_fit_goes_after_the_next_paragraph(tmp_path, monkeypatch):
    html = page(FILLER * 4 + figure("A tall figure.") + AFTER + FILLER * 2)
    kept = lay_out(tmp_path, html, 2.0, monkeypatch)         # never moved: WeasyPrint's way
    moved = lay_out(tmp_path, html, 0.25, monkeypatch)
    # Laid out as WeasyPrint does, page 2 stops half way: the figure went on.
    assert lowest_text(kept, 2) < 0.7
    assert text(kept).index("Figure 1. A tall figure.") < text(kept).index("The paragraph after")
    # Moved: the paragraph after it fills page 2, the figure follows it.
    assert lowest_text(moved, 2) > 0.85
    assert text(moved).index("The paragraph after") < text(moved).index("Figure 1. A tall")


def test_figures_keep_their_order_and_numbers(tmp_path, monkeypatch):
    html = page(FILLER * 4 + figure("The first.") + AFTER + figure("The second.") + FILLER)
    words = text(lay_out(tmp_path, html, 0.25, monkeypatch))
    assert words.index("Figure 1. The first.") < words.index("Figure 2. The second.")


def test_a_figure_that_ends_its_article_stays():
    html = figure("Stays.") + "</div>\n<p>Next article.</p>"
    assert figures.move_on(html, {0: figures.Hole(1, None)}) == html


def test_a_figure_moves_past_a_heading_with_the_paragraph_after_it():
    """A float never stands under a heading: past the heading, past its paragraph."""
    html = figure("Moves.") + "<h2>A heading</h2>\n<p>Text.</p>\n<p>More.</p>"
    moved = figures.move_on(html, {0: figures.Hole(1, None)})
    assert moved.index("<h2>") < moved.index("Text.") < moved.index("Moves.") \
        < moved.index("More.")


def test_floats_right_after_a_float_move_with_it():
    html = figure("First.") + figure("Second.") + "<p>Text.</p>\n<p>More.</p>"
    moved = figures.move_on(html, {0: figures.Hole(1, None)})
    assert moved.index("Text.") < moved.index("First.") < moved.index("Second.") \
        < moved.index("More.")


def table(caption: str, rows: int) -> str:
    body = "".join(f"<tr><td>City {n}</td><td>Field {n}</td></tr>" for n in range(rows))
    return (f'<table class="table short captioned"><caption>{caption}</caption>'
            f"<thead><tr><th>City</th><th>Field</th></tr></thead><tbody>{body}</tbody></table>\n")


GOAL = 0.12             # of a page left empty before a float, at most (issue 30)
TABLE_CSS = ("<style>table.short { break-inside: avoid } caption { break-after: avoid } "
             "td, th { padding: 4pt 0 } body { counter-reset: table }</style>")


def test_a_short_table_that_does_not_fit_goes_after_the_next_paragraph(tmp_path, monkeypatch):
    """A table kept whole is a float too: the text after it fills the page."""
    html = page(TABLE_CSS + FILLER * 4 + table("A short table.", 14) + AFTER + FILLER * 2)
    kept = lay_out(tmp_path, html, 2.0, monkeypatch)
    moved = lay_out(tmp_path, html, GOAL, monkeypatch)
    assert lowest_text(kept, 2) < 0.8         # the table went on whole
    assert text(kept).index("A short table.") < text(kept).index("The paragraph after")
    assert lowest_text(moved, 2) > 1 - GOAL
    assert text(moved).index("The paragraph after") < text(moved).index("A short table.")
    assert text(moved).count("City 13") == 1                   # still whole


def test_a_float_moves_on_until_the_hole_is_filled(tmp_path, monkeypatch):
    """One short paragraph does not fill the hole: the float moves past the next too."""
    short = "<p>" + "A short one. " * 6 + "</p>\n"
    html = page(TABLE_CSS + FILLER * 4 + table("A short table.", 14) + short + AFTER
                + FILLER * 2)
    moved = lay_out(tmp_path, html, GOAL, monkeypatch)
    words = text(moved)
    assert words.index("A short one.") < words.index("The paragraph after") \
        < words.index("A short table.")
    assert lowest_text(moved, 2) > 1 - GOAL


def test_a_long_table_is_no_float():
    html = '<table class="table captioned"><tr><td>x</td></tr></table>\n<p>Text.</p>'
    assert figures.move_on(html, {0: figures.Hole(1, None)}) == html


def test_a_short_table_moves_whatever_the_order_of_its_attributes():
    html = '<table data-line="3" class="table short"><tr><td>x</td></tr></table>\n<p>Text.</p>'
    assert figures.move_on(html, {0: figures.Hole(1, None)}) == (
        '\n<p>Text.</p>\n<table data-line="3" class="table short"><tr><td>x</td></tr></table>')


def test_short_tables_after_a_figure_with_no_text_after_go_first():
    """Nothing can come up to fill the figure's hole: the short tables right after
    it go first, each kind in its order (they are numbered apart)."""
    html = (figure("First.") + table("Table A.", 4) + figure("Second.") + table("Table B.", 4)
            + "</div>\n<p>Next article.</p>")
    moved = figures.move_on(html, {0: figures.Hole(1, None)})
    assert moved.index("Table A.") < moved.index("Table B.") < moved.index("First.") \
        < moved.index("Second.") < moved.index("Next article.")
    assert figures.move_on(moved, {2: figures.Hole(1, None)}) == moved   # no way back
    alone = figure("Stays.") + "</div>"
    assert figures.move_on(alone, {0: figures.Hole(1, None)}) == alone


def test_a_short_table_after_a_figure_fills_its_hole(tmp_path, monkeypatch):
    """A figure and a table end the article and the figure does not fit: the page
    stopped half way. The table goes first and fills the page (whole, or split at
    the hole, the rest on the next page before the figure)."""
    html = page(TABLE_CSS + FILLER * 4 + figure("A tall figure.") + table("A short table.", 14))
    kept = lay_out(tmp_path, html, 2.0, monkeypatch)
    moved = lay_out(tmp_path, html, GOAL, monkeypatch)
    assert lowest_text(kept, 2) < 0.8
    assert text(kept).index("A tall figure.") < text(kept).index("A short table.")
    assert lowest_text(moved, 2) > 1 - GOAL
    words = text(moved)
    assert words.index("A short table.") < words.index("City 13") < words.index("A tall figure.")
