"""A field that holds text keeps the text as written (issue 28): YAML 1.1's implicit
types turned 10:30 into 630, 06236 into 3230, 2.50 into 2.5."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from folio.config import schema
from folio.config.yamlio import parse_yaml
from folio.errors import BuildError, ProblemCollector

# Plain scalars made of what numbers, times and versions are written with.
_PLAIN = st.text(alphabet="0123456789.:-+_eExXoOabcfinINF ", min_size=1, max_size=12)


def _as_text(written: str):
    data = parse_yaml(f"subtitle: {written}\nkeywords: [{written}]\n", Path("x.yaml"))
    problems = ProblemCollector()
    values = schema.validate(data, {"subtitle": schema.Field(schema.text),
                                    "keywords": schema.Field(schema.list_of(schema.text))},
                             Path("x.yaml"), 1, problems)
    return values, [p.message for p in problems.problems]


@settings(max_examples=400, deadline=None)
@given(_PLAIN)
@example("10:30")
@example("06236")
@example("2.50")
@example("1.10")
@example("0x1F")
@example("1_000")
@example("+12")
@example("1e3")
@example(".5")
@example("-0.0")
def test_a_text_field_keeps_any_plain_scalar_as_written(written: str):
    written = written.strip()
    if not written or written[0] in "-:" or written.endswith(":") or ": " in written \
            or " #" in written:
        return                          # YAML syntax, not a value
    try:
        values, problems = _as_text(written)
    except BuildError:
        return                          # refused with its line: nothing printed wrong
    if problems:                        # a boolean or a date is refused, never rewritten
        assert all("expected text" in p for p in problems), problems
        return
    assert values["subtitle"] == written
    assert list(values["keywords"]) == [written]


def test_numbers_are_still_numbers_where_a_number_is_wanted():
    data = parse_yaml("volume: 012\nsize: 2.50\n", Path("x.yaml"))
    assert schema.integer(data["volume"], None, None) == 12
    assert type(schema.integer(data["volume"], None, None)) is int
    assert data["size"] == 2.5


def test_yes_and_no_are_text_and_true_is_a_boolean():
    """YAML 1.2: only true and false are booleans (country: NO stays Norway)."""
    data = parse_yaml("a: yes\nb: NO\nc: off\nd: true\n", Path("x.yaml"))
    assert data == {"a": "yes", "b": "NO", "c": "off", "d": True}


@pytest.mark.parametrize("written", ["10:30", "06236", "2.50"])
def test_numbers_survive_a_trip_between_processes(written: str):
    import pickle
    value = parse_yaml(f"a: {written}\n", Path("x.yaml"))["a"]
    assert str(pickle.loads(pickle.dumps(value))) == written
