"""The CSL processor test suite, run through the engine folio ships and through
citeproc-py, for BENCHMARKS.md.

    .venv/bin/python benchmarks/csl_test_suite.py PATH [--engine pandoc|citeproc-py|both]
        [--only SUBSTRING] [--failures FILE]

citeproc-py is the engine folio used before: ``pip install -e '.[bench]'``.
PATH is a checkout of citation-style-language/test-suite (its processor-tests/humans
folder is read; nothing of it is copied here). Pandoc is run as folio runs it: the
CSL-JSON and the style as files, the citations as a Pandoc Markdown document, HTML
out. Both engines' output is brought to the suite's markup (<i>, <b>, <sup>, <sub>,
small caps) before it is compared, ignoring white space and the layout <div>s of
second-field-align. A test whose input Markdown cannot say (author-only citations,
position hints, abbreviation lists, RTF and other output modes) is counted as
"not expressible" for Pandoc, and as failed in the pass rate.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SECTION = re.compile(r">>=+ ([A-Z-]+) =+>>\n(.*?)\n<<=+ \1 =+<<", re.S)


class NotExpressible(Exception):
    pass


def read_test(path: Path) -> dict[str, str]:
    return {m[1]: m[2] for m in SECTION.finditer(path.read_text(encoding="utf-8"))}


def normalised(text: str) -> str:
    """Markup both engines and the suite agree on, white space folded."""
    text = re.sub(r"<(/?)em>", r"<\1i>", text)
    text = re.sub(r"<(/?)strong>", r"<\1b>", text)
    text = re.sub(r'<span class="smallcaps">(.*?)</span>',
                  r'<span style="font-variant:small-caps;">\1</span>', text)
    text = text.replace('font-variant: small-caps', 'font-variant:small-caps')
    text = re.sub(r'<span style="font-variant:small-caps;?">', '<sc>', text)
    text = re.sub(r"<span[^>]*>|</span>(?![^<]*</sc>)", "", text)
    text = re.sub(r"</?a\b[^>]*>", "", text)
    text = re.sub(r"</?(div|p)\b[^>]*>", " ", text)
    text = html.unescape(text)
    return " ".join(text.split())


def expected_parts(test: dict[str, str]) -> list[str]:
    result = test["RESULT"]
    if test["MODE"].strip() == "bibliography":
        entries = re.findall(r'<div class="csl-entry"[^>]*>(.*?)</div>\s*(?=<div class="csl-entry'
                             r'|</div>\s*$)', result, re.S)
        return [normalised(e) for e in entries] if entries else [normalised(result)]
    lines = [re.sub(r"^(>>|\.\.)\[\d+\] ", "", line) for line in result.split("\n")]
    return [normalised(line) for line in lines]


def citations_of(test: dict[str, str], items: list[dict]) -> list[list[dict]]:
    if "CITATION-ITEMS" in test:
        return json.loads(test["CITATION-ITEMS"])
    if "CITATIONS" in test:
        # Citations added one by one, each between the ones before and after it; the
        # result lists the document's citations as they stand after the last.
        steps = json.loads(test["CITATIONS"])
        items_of = {}
        for citation, _, _ in steps:
            items_of[citation["citationID"]] = citation["citationItems"]
        last, before, after = steps[-1]
        order = [c[0] for c in before] + [last["citationID"]] + [c[0] for c in after]
        return [items_of[ident] for ident in order if ident in items_of]
    return [[{"id": item["id"]} for item in items]]


# -- Pandoc ---------------------------------------------------------------------------------

LABELS = {"page": "p.", "chapter": "chap.", "section": "sec.", "paragraph": "para.",
          "verse": "v.", "volume": "vol.", "issue": "no.", "figure": "fig.", "line": "l.",
          "note": "n.", "book": "bk.", "column": "col.", "folio": "fol.", "opus": "op.",
          "part": "pt.", "sub-verbo": "s.v.", "number": "no."}


TAGS = {"<i>": "*", "</i>": "*", "<b>": "**", "</b>": "**", "<sup>": "^", "</sup>": "^",
        "<sub>": "~", "</sub>": "~", '<span style="font-variant:small-caps;">': "[",
        "<sc>": "[", "</sc>": "]{.smallcaps}"}
TAG = re.compile("|".join(re.escape(t) for t in TAGS) + r"|</span>")


def affix(text: str) -> str:
    """A CSL-JSON affix (rich text) as Pandoc Markdown; its quotes are left for
    Pandoc's smart punctuation, as a writer's would be."""
    out, position, closing = [], 0, []
    for match in TAG.finditer(text):
        out.append(re.sub(r"([!#$%&()*+,\-./:;<=>?@\[\\\]^_`{|}~])", r"\\\1",
                          text[position:match.start()]))
        tag = match[0]
        if tag.startswith("<span") or tag == "<sc>":
            closing.append("]{.smallcaps}")
        out.append(closing.pop() if tag == "</span>" and closing else TAGS.get(tag, ""))
        position = match.end()
    out.append(re.sub(r"([!#$%&()*+,\-./:;<=>?@\[\\\]^_`{|}~])", r"\\\1", text[position:]))
    return "".join(out)


def cited_item(item: dict) -> str:
    """One item of a citation in Pandoc's Markdown: prefix, @key, locator, suffix."""
    if item.get("author-only") or "position" in item:
        raise NotExpressible("author-only or position")
    text = (affix(item["prefix"]) + " " if item.get("prefix") else "") + \
        ("-" if item.get("suppress-author") else "") + "@{" + str(item["id"]) + "}"
    if item.get("locator"):
        label = LABELS.get(item.get("label", "page"))
        if label is None:
            raise NotExpressible("label")
        value = str(item["locator"])
        text += f", {label} " + (value if re.fullmatch(r"[\w.–-]+", value)
                                 else "{" + value + "}")
    if item.get("suffix"):
        text += " " + affix(item["suffix"])
    return text


def pandoc_run(test: dict[str, str]) -> list[str]:
    from folio.content.citations import pandoc_path
    mode = test["MODE"].strip()
    if mode not in ("citation", "bibliography") or "ABBREVIATIONS" in test \
            or "BIBSECTION" in test or "BIBENTRIES" in test:
        raise NotExpressible(mode)
    items = json.loads(test["INPUT"])
    citations = citations_of(test, items)
    paragraphs = []
    for citation in citations:
        parts = []
        for item in citation:
            parts.append(cited_item(item))
        paragraphs.append("[" + "; ".join(parts) + "]")
    note = 'class="note"' in test["CSL"]
    if note:      # each in a note of its own, as a writer's would be: none capitalised
        paragraphs = [f"x^[{p}]" for p in paragraphs]
    meta: dict = {} if "default-locale" in test["CSL"] else {"lang": "en-US"}
    if mode == "bibliography":
        if "CITATION-ITEMS" not in test and "CITATIONS" not in test:
            meta["nocite"] = " ".join("@{" + str(i["id"]) + "}" for i in items)
            paragraphs = []
    else:
        meta["suppress-bibliography"] = True
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "input.json").write_text(test["INPUT"], encoding="utf-8")
        Path(folder, "style.csl").write_text(test["CSL"], encoding="utf-8")
        document = "---\n" + json.dumps(meta) + "\n---\n\n" + "\n\n".join(paragraphs) + "\n"
        out = subprocess.run([pandoc_path(), "--citeproc", "--bibliography",
                              f"{folder}/input.json", "--csl", f"{folder}/style.csl",
                              "-f", "markdown", "-t", "html", "--wrap=none"],
                             input=document.encode(), capture_output=True, timeout=60)
    result = out.stdout.decode()
    if out.returncode != 0:
        return [out.stderr.decode()]
    if mode == "bibliography":
        entries = re.findall(r'<div id="ref-[^"]*" class="csl-entry"[^>]*>(.*?)</div>\s*'
                             r'(?=<div id="ref-|</div>\s*$)', result, re.S)
        return [normalised(e) for e in entries]
    if note:
        notes = re.findall(r'<li id="fn\d+">(.*?)</li>', result, re.S)
        cites = re.findall(r'<span class="citation"[^>]*>(.*?)</span>\s*</p>', result, re.S)
        if notes:
            return [normalised(re.sub(r'<a href="#fnref\d+"[^>]*>.*?</a>', "", n))
                    for n in notes]
        return [normalised(c) for c in cites]
    return [normalised(c) for c in
            re.findall(r'<span class="citation"[^>]*>(.*?)</span>(?=</p>)', result, re.S)]


# -- citeproc-py ------------------------------------------------------------------------------

def citeproc_py_run(test: dict[str, str]) -> list[str]:
    import io

    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        Locator,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON
    mode = test["MODE"].strip()
    if mode not in ("citation", "bibliography"):
        raise NotExpressible(mode)
    items = json.loads(test["INPUT"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        style = CitationStylesStyle(io.BytesIO(test["CSL"].encode()), validate=False)
        source = CiteProcJSON(items)
        bibliography = CitationStylesBibliography(style, source, formatter.html)
        registered = []
        for citation in citations_of(test, items):
            cites = []
            for item in citation:
                options = {}
                if item.get("locator"):
                    options["locator"] = Locator(item.get("label", "page"), item["locator"])
                for name in ("prefix", "suffix"):
                    if item.get(name):
                        options[name] = item[name]
                cites.append(CitationItem(str(item["id"]).lower(), **options))
            registered.append(Citation(cites))
            bibliography.register(registered[-1])
        if mode == "bibliography":
            bibliography.sort()
            return [normalised(str(e)) for e in bibliography.bibliography()]
        return [normalised(str(bibliography.cite(c, lambda item: None))) for c in registered]


def _timeout(signum, frame):
    raise TimeoutError


def run(engine, tests: list[Path]) -> tuple[int, int, list[str]]:
    passed = inexpressible = 0
    failures = []
    signal.signal(signal.SIGALRM, _timeout)
    for path in tests:
        test = read_test(path)
        signal.alarm(20)
        try:
            got = engine(test)
            ok = got == expected_parts(test)
        except NotExpressible:
            inexpressible += 1
            ok, got = False, ["(not expressible)"]
        except BaseException as error:      # the engine's own failures count as failed
            if isinstance(error, KeyboardInterrupt):
                raise
            ok, got = False, [f"{type(error).__name__}: {error}"[:200]]
        finally:
            signal.alarm(0)
        if ok:
            passed += 1
        else:
            failures.append(f"{path.name}\n  want {expected_parts(test)}\n  got  {got}")
    return passed, inexpressible, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("suite", type=Path, help="a checkout of the CSL test-suite")
    parser.add_argument("--engine", choices=("pandoc", "citeproc-py", "both"), default="both")
    parser.add_argument("--only", default="")
    parser.add_argument("--failures", type=Path)
    args = parser.parse_args()
    tests = sorted(p for p in (args.suite / "processor-tests/humans").glob("*.txt")
                   if args.only in p.name)
    engines = {"pandoc": pandoc_run, "citeproc-py": citeproc_py_run}
    names = list(engines) if args.engine == "both" else [args.engine]
    report = []
    for name in names:
        start = time.perf_counter()
        passed, inexpressible, failures = run(engines[name], tests)
        seconds = time.perf_counter() - start
        print(f"{name}: {passed}/{len(tests)} passed ({100 * passed / len(tests):.1f} %), "
              f"{inexpressible} not expressible through its input, {seconds:.0f} s")
        report += [f"== {name}"] + failures
    if args.failures:
        args.failures.write_text("\n".join(report) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
