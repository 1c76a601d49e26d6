"""The translation review sheet: source and translation side by side, for a proof-reader
who reads on paper.

One row per segment, its id in the margin. A stale (fuzzy) translation is shaded
and shows the source it was made from; an untranslated one is marked, with the
translation memory's suggestion where there is one; a glossary miss is noted
under its row. Inline codes are shown as what they do (emphasis, a link, a
footnote call), not as placeholders.
"""

from __future__ import annotations

import datetime as dt
import difflib
import html

import jinja2

from folio.config.layout import TemplateSet
from folio.config.publication import PublicationConfig
from folio.defaults import BUNDLED
from folio.errors import shown_path
from folio.i18n import glossary, inline
from folio.i18n.units import DocumentUnits, Unit
from folio.render.typography import keep_korean_words

TEMPLATE = "review.html.j2"


def review_html(config: PublicationConfig, document: DocumentUnits,
                terms: list[glossary.Term], today: dt.date | None = None) -> str:
    source = config.language(document.source_language)
    target = config.language(document.language)
    rows: list[dict] = []
    for unit in document.units:
        misses = glossary.unit_misses(terms, document, unit)
        rows.append({
            "id": unit.segment.id, "shown_id": unit.segment.id.replace(".", ".\u200b"),
            "kind": unit.segment.kind, "state": unit.state,
            "source": _html(unit.source_text, unit),
            "target": _html(unit.target_text, unit) if unit.target_text else "",
            "previous": _changes(inline.plain(unit.previous), inline.plain(unit.source_text))
            if unit.previous else "",
            "suggestion": unit.suggestion,
            "suggestion_html": _html(unit.suggestion.target, unit) if unit.suggestion else "",
            "misses": misses,
        })
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in
                                        TemplateSet.for_root(config.root, BUNDLED).dirs]),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined)
    page = env.get_template(TEMPLATE).render(
        title=config.title.get(target.code) or next(iter(config.title.values())),
        document=document, source=source, target=target, rows=rows,
        counts=document.counts, misses=sum(len(r["misses"]) for r in rows),
        source_file=shown_path(document.source.path, config.root),
        target_file=shown_path(document.target_path, config.root),
        fonts=config.fonts, date=(today or dt.date.today()).isoformat())
    return keep_korean_words(page)


def _html(text: str, unit: Unit) -> str:
    """Placeholder text as reading HTML: codes become what they stand for."""
    known = {c.id: c for c in unit.codes}
    out: list[str] = []
    closing: list[str] = []
    position = 0
    for match in inline.PLACEHOLDER.finditer(text):
        out.append(html.escape(text[position:match.start()]))
        position = match.end()
        code = known.get(match[1] or match[2] or match[3])
        if code is None:
            out.append(f'<span class="code">{html.escape(match[0])}</span>')
        elif match[1]:
            tag = {"em": "em", "strong": "strong", "s": "s"}.get(code.signature, "u")
            lang = code.signature.partition("lang=")[2].rstrip("}").split()[0] \
                if "lang=" in code.signature else ""
            out.append(f'<{tag} title="{html.escape(code.label)}"'
                       + (f' lang="{html.escape(lang)}"' if lang else "") + ">")
            closing.append(f"</{tag}>")
        elif match[2]:
            out.append(closing.pop() if closing else "")
        else:
            out.append(f'<span class="code">{html.escape(_short(code))}</span>')
    out.append(html.escape(text[position:]))
    out += reversed(closing)
    return "".join(out)


def _changes(old: str, new: str) -> str:
    """The source the translation was made from, what has since gone struck through
    and what came in its place underlined."""
    a, b = old.split(), new.split()
    out: list[str] = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(html.escape(" ".join(a[a1:a2])))
            continue
        if a2 > a1:
            out.append(f"<del>{html.escape(' '.join(a[a1:a2]))}</del>")
        if b2 > b1:
            out.append(f"<ins>{html.escape(' '.join(b[b1:b2]))}</ins>")
    return " ".join(out)


def _short(code: inline.Code) -> str:
    kind = code.signature.split(":", 1)[0]
    if kind == "footnote":
        return code.open                    # [^bilbao]
    if kind == "break":
        return "↵"
    return f"[{code.label}]"
