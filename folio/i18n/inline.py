"""Inline Markdown as a translator sees it: text with protected placeholders.

Emphasis, links, ``{lang=…}`` spans, footnote calls and code are not words to
translate but codes to keep. They become the inline codes of XLIFF 1.2 (which
OmegaT, memoQ and Trados show as tags): a paired ``<g1>…</g1>`` around text that
is translated, a standalone ``<x2/>`` for what is not. The same notation is written
into PO files, where Weblate's ``placeholders`` flag and Poedit's tag highlighting
protect it. The Markdown each code stands for is kept from the source, so a
translator can move and reorder codes but never has to type Markdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from folio.content.citations import GROUP
from folio.content.crossrefs import REFERENCE

PLACEHOLDER = re.compile(r"<g(\d+)>|</g(\d+)>|<x(\d+)/>")
# Citations and references to tables and figures, as the build finds them.
_REFERENCES = re.compile(f"{GROUP.pattern}|{REFERENCE.pattern}")
# Weblate reads this flag from the PO file and then refuses a translation whose
# placeholders differ from the source's.
WEBLATE_FLAG = r'placeholders:r"</?g\d+>|<x\d+/>"'


@dataclass(frozen=True)
class Code:
    """One inline code: ``open``/``close`` are the Markdown around a paired code's
    text; a standalone code is all ``open``."""

    id: str
    paired: bool
    open: str
    close: str = ""
    signature: str = ""      # what it is: matches a translation's code to the source's
    label: str = ""          # for a reader: "emphasis", "link to …", "footnote 3"


class PlaceholderError(ValueError):
    """A translation whose codes do not match its source's."""


def _encode_text(content: str, parts: list[str], codes: list[Code]) -> None:
    """Citations and references to figures and tables are codes too: a translator
    moves "[@kim2019]" and "@tbl:cities", never retypes them."""
    position = 0
    for match in _REFERENCES.finditer(content):
        parts.append(content[position:match.start()])
        position = match.end()
        label = "citation" if match[0].startswith("[") else "reference to " + \
            match[0].split(":")[0].lstrip("@").replace("fig", "a figure").replace(
                "tbl", "a table")
        codes.append(Code(str(len(codes) + 1), False, match[0],
                          signature=f"ref:{match[0]}", label=f"{label} {match[0]}"))
        parts.append(f"<x{codes[-1].id}/>")
    parts.append(content[position:])


def encode(children, drop_prefix: str = "") -> tuple[str, list[Code]]:
    """Inline tokens of markdown-it as (text with placeholders, codes in order)."""
    parts: list[str] = []
    codes: list[Code] = []
    stack: list[Code] = []
    skip_to = -1
    for index, token in enumerate(children):
        if index <= skip_to:
            continue
        kind = token.type
        if kind == "text":
            content = token.content
            if drop_prefix and not parts:
                content = content.removeprefix(drop_prefix)
            _encode_text(content, parts, codes)
        elif kind == "softbreak":
            parts.append(" ")
        elif kind in ("em_open", "strong_open", "s_open"):
            name = {"em_open": "emphasis", "strong_open": "strong emphasis",
                    "s_open": "strikethrough"}[kind]
            code = Code(str(len(codes) + 1), True, token.markup, token.markup,
                        f"{kind[:-5]}", name)
            codes.append(code)
            stack.append(code)
            parts.append(f"<g{code.id}>")
        elif kind in ("em_close", "strong_close", "s_close", "link_close", "span_close"):
            if stack:
                parts.append(f"</g{stack.pop().id}>")
        elif kind == "link_open" and token.markup == "autolink":
            end = next(i for i in range(index, len(children))
                       if children[i].type == "link_close")
            skip_to = end
            href = str(token.attrs.get("href", ""))
            text = "".join(t.content for t in children[index + 1:end])
            codes.append(Code(str(len(codes) + 1), False, f"<{text}>",
                              signature=f"link:{href}", label=f"link {href}"))
            parts.append(f"<x{codes[-1].id}/>")
        elif kind == "link_open":
            href = str(token.attrs.get("href", ""))
            title = token.attrs.get("title")
            close = f"]({_url(href)}" + (f' "{_quote(str(title))}"' if title else "") + ")"
            close += _attr_suffix({k: v for k, v in token.attrs.items()
                                   if k not in ("href", "title")})
            code = Code(str(len(codes) + 1), True, "[", close, f"link:{href}", f"link to {href}")
            codes.append(code)
            stack.append(code)
            parts.append(f"<g{code.id}>")
        elif kind == "span_open":
            attrs = dict(token.attrs)
            code = Code(str(len(codes) + 1), True, "[", "]" + _attr_suffix(attrs),
                        "span:" + _attr_suffix(attrs), "span " + _attr_suffix(attrs))
            codes.append(code)
            stack.append(code)
            parts.append(f"<g{code.id}>")
        else:
            markdown, signature, label = _standalone(token)
            codes.append(Code(str(len(codes) + 1), False, markdown, signature=signature,
                              label=label))
            parts.append(f"<x{codes[-1].id}/>")
    return " ".join("".join(parts).split()), codes


def _standalone(token) -> tuple[str, str, str]:
    kind = token.type
    if kind == "footnote_ref":
        label = str(token.meta.get("label", token.meta.get("id", "")))
        return f"[^{label}]", f"footnote:{label}", f"footnote [^{label}]"
    if kind == "code_inline":
        fence = token.markup or "`"
        pad = " " if token.content.startswith("`") or token.content.endswith("`") else ""
        return (f"{fence}{pad}{token.content}{pad}{fence}" + _attr_suffix(dict(token.attrs)),
                f"code:{token.content}", "code")
    if kind == "hardbreak":
        return "\\\n", "break", "line break"
    if kind == "image":
        src = str(token.attrs.get("src", ""))
        title = token.attrs.get("title")
        return (f"![{token.content}]({_url(src)}" + (f' "{_quote(str(title))}"' if title else "")
                + ")" + _attr_suffix({k: v for k, v in token.attrs.items()
                                      if k not in ("src", "alt", "title")}),
                f"image:{src}", f"image {src}")
    if kind == "html_inline":
        return token.content, f"html:{token.content}", "HTML"
    return token.content or token.markup, f"{kind}:{token.content}", kind


def _url(url: str) -> str:
    return f"<{url}>" if " " in url or ")" in url else url


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _attr_suffix(attrs: dict) -> str:
    if not attrs:
        return ""
    items = []
    for key, value in attrs.items():
        if key == "class":
            items += [f".{name}" for name in str(value).split()]
        elif key == "id":
            items.append(f"#{value}")
        else:
            items.append(f'{key}="{value}"' if re.search(r"[\s\"'=]", str(value))
                         else f"{key}={value}")
    return "{" + " ".join(items) + "}"


def renumber(codes: list[Code], source: list[Code]) -> dict[str, str]:
    """Ids for a translation's codes: the id of the source code it stands for (the same
    link, footnote or kind of emphasis), so that ``<g1>`` means one thing in both."""
    free = list(source)
    mapping: dict[str, str] = {}
    extra = len(source)
    for code in codes:
        match = next((c for c in free if c.signature == code.signature), None) or \
            next((c for c in free if c.signature.split(":")[0] == code.signature.split(":")[0]
                  and c.paired == code.paired), None)
        if match is not None:
            free.remove(match)
            mapping[code.id] = match.id
        else:
            extra += 1
            mapping[code.id] = str(extra)
    return mapping


def apply_ids(text: str, mapping: dict[str, str]) -> str:
    def swap(match: re.Match) -> str:
        if match[1]:
            return f"<g{mapping.get(match[1], match[1])}>"
        if match[2]:
            return f"</g{mapping.get(match[2], match[2])}>"
        return f"<x{mapping.get(match[3], match[3])}/>"
    return PLACEHOLDER.sub(swap, text)


def required(codes) -> list[Code]:
    """The codes a translation must keep: footnote calls, images, code. A style or a
    link is the translation's to keep or drop, as is a line break."""
    return [c for c in codes if not c.paired and c.signature != "break"]


_LOOKS_LIKE_CODE = re.compile(r"</?\s*[gGxX](?:\s[^<>]*|[^<>\w][^<>]*|\w*)?/?>")


def parse(text: str, codes: list[Code], must: list[Code] | None = None) -> list[tuple[str, str]]:
    """``text`` as pieces ("text", words) / ("open"|"close"|"x", id), checked against
    ``codes``: each code used at most once, as paired or standalone as in the source,
    paired codes nested properly, and every code of ``must`` there."""
    known = {c.id: c for c in codes}
    pieces: list[tuple[str, str]] = []
    stack: list[str] = []
    used: set[str] = set()
    position = 0
    for stray in _LOOKS_LIKE_CODE.finditer(PLACEHOLDER.sub("", text)):
        raise PlaceholderError(f"{stray[0]} is not a placeholder (they are written <g1>…</g1> "
                               "and <x2/>)")
    for match in PLACEHOLDER.finditer(text):
        if match.start() > position:
            pieces.append(("text", text[position:match.start()]))
        position = match.end()
        pieces.append(_placeholder(match, known, used, stack))
    if position < len(text):
        pieces.append(("text", text[position:]))
    if stack:
        raise PlaceholderError(f"<g{stack[-1]}> is never closed (add </g{stack[-1]}>)")
    missing = [c for c in (codes if must is None else must) if c.id not in used]
    if missing:
        shown = ", ".join((f"<g{c.id}>…</g{c.id}>" if c.paired else f"<x{c.id}/>")
                          + f" ({c.label})" for c in missing)
        raise PlaceholderError(f"the translation drops {shown}")
    return pieces


def _placeholder(match: re.Match, known: dict[str, Code], used: set[str],
                 stack: list[str]) -> tuple[str, str]:
    """One placeholder of a translation, checked against the source's codes and those
    used and open before it: ("open" | "close" | "x", its id)."""
    ident = match[1] or match[2] or match[3]
    code = known.get(ident)
    if code is None:
        raise PlaceholderError(f"{match[0]} is not a placeholder of the source")
    if match[1] or match[3]:
        if ident in used:
            raise PlaceholderError(f"{match[0]} is used twice")
        used.add(ident)
    if match[1]:
        if not code.paired:
            raise PlaceholderError(f"<g{ident}> should be <x{ident}/>")
        stack.append(ident)
        return ("open", ident)
    if match[2]:
        if not stack or stack[-1] != ident:
            raise PlaceholderError(f"</g{ident}> closes nothing open here "
                                   "(codes must nest: <g1><g2>…</g2></g1>)")
        stack.pop()
        return ("close", ident)
    if code.paired:
        raise PlaceholderError(f"<x{ident}/> should be a pair <g{ident}>…</g{ident}>")
    return ("x", ident)


def to_markdown(text: str, codes: list[Code], in_table: bool = False,
                continuation: str = "") -> str:
    """Markdown for a translated text, with each code's Markdown from the source."""
    known = {c.id: c for c in codes}
    out: list[str] = []
    line_start = True
    for kind, value in parse(text, codes, []):
        if kind == "text":
            out.append(escape(value, in_table, at_start=line_start))
            line_start = False
            continue
        code = known[value]
        markdown = code.open if kind in ("open", "x") else code.close
        if in_table:
            markdown = re.sub(r"(?<!\\)\|", r"\\|", markdown)
        out.append(markdown + (continuation if kind == "x" and code.signature == "break"
                               else ""))
        line_start = kind == "x" and code.signature == "break"
    return "".join(out)


_SPECIAL = re.compile(r"([\\`*_\[\]<~])|&(?=#?\w+;)")
_BLOCK_START = re.compile(r"^(\s*)([#>+=-]|\d+(?=[.)]))")


def escape(text: str, in_table: bool = False, at_start: bool = True) -> str:
    """Plain text as Markdown that reads back as the same text."""
    escaped = _SPECIAL.sub(lambda m: "\\" + (m[1] or "&"), text)
    if in_table:
        escaped = escaped.replace("|", "\\|")
    if at_start:
        match = _BLOCK_START.match(escaped)
        if match:
            if match[2].isdigit():
                end = match.end()
                escaped = escaped[:end] + "\\" + escaped[end:]
            else:
                escaped = escaped[:match.start(2)] + "\\" + escaped[match.start(2):]
    return escaped


def plain(text: str) -> str:
    """The words alone, placeholders removed (for term and length checks)."""
    return " ".join(PLACEHOLDER.sub(" ", text).split())
