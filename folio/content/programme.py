"""A programme of events, for handouts: a YAML list or a CSV table, read into events
with the line each was written on, every mistake reported at once.

YAML: texts as in issue.yaml, ``{ko: …, en: …}`` (plain text counts for every
language); CSV: one column per field and language (``title_ko``, ``title_en``…),
``date``, ``time``, ``contact``, ``fit``, ``pages`` once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from folio.config.publication import PublicationConfig
from folio.config.yamlio import YamlList, YamlMap, parse_yaml
from folio.errors import BuildError, ProblemCollector

TEXTS = ("title", "place", "description")        # one per language
PLAIN = ("date", "time", "contact", "fit", "pages")
FITS = ("shrink",)


@dataclass(frozen=True)
class Event:
    number: int                       # 1, 2… in the programme's order
    path: Path
    line: int
    title: dict[str, str]
    place: dict[str, str]
    description: dict[str, str]
    date: dt.date | None = None
    time: str = ""
    contact: tuple[str, ...] = ()
    fit: str = ""                     # "shrink": smaller type rather than an error
    pages: int = 1                    # 2: the handout may take both sides of the sheet

    def name(self, code: str) -> str:
        title = self.title.get(code) or next(iter(self.title.values()), "")
        return f"event {self.number} “{title}”"


def read_programme(path: Path, config: PublicationConfig) -> list[Event]:
    """The events of ``path`` (.yaml, .yml or .csv)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BuildError.at("no such programme file", path,
                            hint="name a .yaml or .csv file of events") from None
    except UnicodeDecodeError:
        raise BuildError.at("the programme is not UTF-8 text", path,
                            hint="save it as UTF-8 (in a spreadsheet: CSV UTF-8)") from None
    problems = ProblemCollector()
    if path.suffix.lower() == ".csv":
        rows = _csv_rows(text, path, config.codes, problems)
    elif path.suffix.lower() in (".yaml", ".yml"):
        rows = _yaml_rows(text, path, problems)
    else:
        raise BuildError.at(f"a programme is a .yaml or .csv file, not {path.suffix or 'this'}",
                            path, hint="save the list of events as YAML or as CSV")
    events = [event for number, (line, row) in enumerate(rows, 1)
              if (event := _event(number, line, row, path, config, problems)) is not None]
    if not events and not problems.problems:
        problems.add("the programme lists no event", path, 1,
                     hint="add one event per list item (YAML) or per row (CSV)")
    problems.raise_if_any()
    return events


def _yaml_rows(text: str, path: Path, problems: ProblemCollector) -> list[tuple[int, dict]]:
    data = parse_yaml(text, path)
    if isinstance(data, YamlMap) and isinstance(data.get("events"), YamlList):
        data = data["events"]
    if not isinstance(data, YamlList):
        raise BuildError.at("the programme should be a list of events, each starting "
                            "with '- title: …'", path, 1,
                            hint="see README, 'Handouts by the hundred'")
    rows: list[tuple[int, dict]] = []
    for index, item in enumerate(data):
        line = data.line_of(index)
        if not isinstance(item, YamlMap):
            problems.add(f"event {index + 1} is not a set of fields", path, line,
                         hint="write it as '- title: {ko: …, en: …}' with its fields "
                              "indented below")
            continue
        for key in item:
            if key not in TEXTS + PLAIN:
                problems.add(f"event {index + 1}: unknown field '{key}'", path,
                             item.line_of(key),
                             hint="the fields are " + ", ".join(TEXTS + PLAIN))
        rows.append((line, item))
    return rows


def _csv_rows(text: str, path: Path, codes: tuple[str, ...],
              problems: ProblemCollector) -> list[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() for c in reader.fieldnames or ()]
    known = {f"{field}_{code}" for field in TEXTS for code in codes} | set(PLAIN)
    for column in columns:
        if column not in known:
            problems.add(f"unknown column '{column}'", path, 1,
                         hint="the columns are " + ", ".join(
                             [f"{f}_{c}" for f in TEXTS for c in codes] + list(PLAIN)))
    rows: list[tuple[int, dict]] = []
    start = 2
    try:
        for row in reader:
            values: dict = {}
            for column, value in row.items():
                if column is None or value is None:
                    continue
                field, _, code = column.strip().partition("_")
                if field in TEXTS and code:
                    if value.strip():
                        values.setdefault(field, {})[code] = value.strip()
                elif value.strip():
                    values[column.strip()] = value.strip()
            if any(v for v in row.values() if isinstance(v, str) and v.strip()):
                rows.append((start, values))
            start = reader.line_num + 1
    except csv.Error as error:
        raise BuildError.at(f"the CSV cannot be read: {error}", path, reader.line_num,
                            hint="check the quotes on that row") from None
    return rows


def _event(number: int, line: int, row: dict, path: Path, config: PublicationConfig,
           problems: ProblemCollector) -> Event | None:
    def line_of(key: str) -> int:
        return row.line_of(key) if isinstance(row, YamlMap) else line

    label = f"event {number}"
    texts = _texts(row, label, path, config, problems, line_of)
    date = _date(row.get("date"), label, path, line_of("date"), problems)
    contact = row.get("contact")
    contact = () if contact is None else \
        tuple(str(c) for c in contact) if isinstance(contact, list) else \
        tuple(part.strip() for part in str(contact).split(";") if part.strip())
    fit = str(row.get("fit") or "").strip()
    if fit and fit not in FITS:
        problems.add(f"{label}: fit '{fit}' is not one of: shrink", path, line_of("fit"),
                     hint="write 'fit: shrink' to print smaller type when the text is long")
        fit = ""
    pages = str(row.get("pages") or "1").strip()
    if pages not in ("1", "2"):
        problems.add(f"{label}: pages '{pages}' should be 1 or 2", path, line_of("pages"),
                     hint="'pages: 2' prints the handout on both sides of the sheet")
        pages = "1"
    if any(not texts[f] for f in ("title", "description")):
        return None
    time = row.get("time")
    if isinstance(time, int) and not isinstance(time, bool):
        time = f"{time // 60}:{time % 60:02d}"     # YAML 1.1 reads 14:00 as 840 minutes
    return Event(number, path, line, texts["title"], texts["place"], texts["description"],
                 date, str(time or "").strip(), contact, fit, int(pages))


def _texts(row: dict, label: str, path: Path, config: PublicationConfig,
           problems: ProblemCollector, line_of: Callable[[str], int]
           ) -> dict[str, dict[str, str]]:
    """Each text of the event by language: a mapping, or one value for every
    language; a title and a description in each language of the publication."""
    texts: dict[str, dict[str, str]] = {}
    for field in TEXTS:
        value = row.get(field)
        if value is None or value == "":
            texts[field] = {}
        elif isinstance(value, dict):
            texts[field] = {str(k): " ".join(str(v).split()) if field != "description"
                            else str(v).strip() for k, v in value.items()
                            if v is not None}
            for code in texts[field]:
                if code not in config.codes:
                    problems.add(f"{label}: {field} in '{code}', which is not a language "
                                 "of the publication", path, line_of(field),
                                 hint="its languages: " + ", ".join(config.codes))
        else:
            texts[field] = dict.fromkeys(config.codes, str(value).strip())
    for field in ("title", "description"):
        for language in config.languages:
            if not texts[field].get(language.code):
                problems.add(f"{label}: no {language.name} {field}", path, line_of(field),
                             hint=f"add '{language.code}: …' under {field}" if
                             isinstance(row, YamlMap) else
                             f"fill in the column {field}_{language.code}")
    return texts


def _date(date: object, label: str, path: Path, line: int,
          problems: ProblemCollector) -> dt.date | None:
    if isinstance(date, str):
        try:
            return dt.date.fromisoformat(date.strip())
        except ValueError:
            pass
    elif date is None or isinstance(date, dt.date):
        return date
    problems.add(f"{label}: '{date}' is not a date", path, line,
                 hint="write it as YYYY-MM-DD, e.g. 2026-05-17")
    return None
