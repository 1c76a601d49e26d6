"""Safe YAML reading that remembers the line of every key, for located errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from folio.errors import BuildError
from folio.files import nfc

# YAML aliases let a few lines stand for billions of values ("billion laughs");
# the parsed document may expand to no more than this many values in all.
MAX_YAML_VALUES = 100_000


class YamlMap(dict):
    """A mapping read from YAML; ``lines[key]`` is the 1-based line of each key."""

    line: int = 0
    lines: dict

    def line_of(self, key: Any) -> int:
        return self.lines.get(key, self.line)


class YamlList(list):
    """A sequence read from YAML; ``lines[i]`` is the 1-based line of item i."""

    line: int = 0
    lines: list

    def line_of(self, index: int) -> int:
        return self.lines[index] if index < len(self.lines) else self.line


# libyaml's parser when PyYAML has it (several times faster), the same safe constructor.
try:
    from yaml import CSafeLoader as _SafeBase
except ImportError:                                     # PyYAML built without libyaml
    from yaml import SafeLoader as _SafeBase  # type: ignore[assignment]


class _LocatingLoader(_SafeBase):
    """SafeLoader (no arbitrary objects) that attaches line numbers."""

    line_offset = 0

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
        if not isinstance(node, yaml.MappingNode):
            return super().construct_mapping(node, deep)
        self.flatten_mapping(node)
        result = YamlMap()
        result.line = node.start_mark.line + 1 + self.line_offset
        result.lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value",
                    key_node.start_mark) from None
            if key in result:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key '{key}' appears twice", key_node.start_mark)
            result[key] = self.construct_object(value_node, deep=True)
            result.lines[key] = key_node.start_mark.line + 1 + self.line_offset
        return result

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> YamlList:
        result = YamlList(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1 + self.line_offset
        result.lines = [child.start_mark.line + 1 + self.line_offset for child in node.value]
        return result

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as error:
            raise yaml.constructor.ConstructorError(
                None, None, f"'{node.value}' is not a real date ({error})",
                node.start_mark) from None


class _AsWritten:
    """A number that prints as it was written: a field that holds text prints
    ``06236`` or ``2.50``, not 6236 or 2.5; arithmetic sees the number."""

    text: str

    def __new__(cls, value: Any, text: str) -> Any:
        number = super().__new__(cls, value)  # type: ignore[call-arg]
        number.text = text
        return number

    def __str__(self) -> str:
        return self.text

    def __reduce__(self) -> tuple[type, tuple[Any, str]]:
        number = type(self).__bases__[-1]        # int or float
        return (type(self), (number(self), self.text))


class YamlInt(_AsWritten, int):
    """A whole number as written."""


class YamlFloat(_AsWritten, float):
    """A number with a point as written."""


# YAML 1.2's core schema for what a plain value is, instead of PyYAML's YAML 1.1:
# no base-60 numbers (10:30 was 630), no octal by a leading zero (06236 was 3230),
# no 1_000, no yes/no/on/off booleans. Numbers keep the text they were written as.
_CORE = {
    "tag:yaml.org,2002:bool": (re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                               "tTfF"),
    "tag:yaml.org,2002:int": (re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
                              "-+0123456789"),
    "tag:yaml.org,2002:float": (re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"), "-+.0123456789"),
}
_LocatingLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag not in _CORE]
    for first, resolvers in _SafeBase.yaml_implicit_resolvers.items()}
for _tag, (_pattern, _first) in _CORE.items():        # int before float: 12 is an int
    _LocatingLoader.add_implicit_resolver(_tag, _pattern, list(_first))


def _construct_int(loader: _LocatingLoader, node: yaml.ScalarNode) -> YamlInt:
    text = loader.construct_scalar(node)
    body = text.lstrip("+-")
    sign = -1 if text.startswith("-") else 1
    try:
        if body.startswith("0o"):
            return YamlInt(sign * int(body[2:], 8), text)
        if body.startswith("0x"):
            return YamlInt(sign * int(body[2:], 16), text)
        return YamlInt(int(text), text)
    except ValueError:
        raise yaml.constructor.ConstructorError(
            None, None, f"'{text}' is not a whole number", node.start_mark) from None


def _construct_float(loader: _LocatingLoader, node: yaml.ScalarNode) -> YamlFloat:
    text = loader.construct_scalar(node)
    lowered = text.lower()
    try:
        value = float(lowered.replace(".inf", "inf").replace(".nan", "nan"))
    except ValueError:
        raise yaml.constructor.ConstructorError(
            None, None, f"'{text}' is not a number", node.start_mark) from None
    return YamlFloat(value, text)


_LocatingLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_LocatingLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_LocatingLoader.add_constructor("tag:yaml.org,2002:map", _LocatingLoader.construct_mapping)
_LocatingLoader.add_constructor("tag:yaml.org,2002:seq", _LocatingLoader.construct_sequence)
_LocatingLoader.add_constructor("tag:yaml.org,2002:timestamp",
                                _LocatingLoader.construct_yaml_timestamp)


def parse_yaml(text: str, path: Path, line_offset: int = 0) -> Any:
    """Parse YAML text from ``path``; ``line_offset`` is the file line before the text."""
    text = nfc(text)
    _refuse_hidden_line_breaks(text, path, line_offset)
    try:
        loader = _LocatingLoader(text)
    except yaml.reader.ReaderError as error:
        raise BuildError.at(f"invisible control character U+{error.character:04X}, which YAML "
                            "does not allow", path,
                            text[:error.position].count("\n") + 1 + line_offset,
                            hint="delete it (retype the line if you cannot see it)") from None
    loader.line_offset = line_offset
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        size = _expanded_size(node, {})
        if size > MAX_YAML_VALUES:
            raise BuildError.at(
                f"the YAML expands to more than {MAX_YAML_VALUES:,} values through its "
                "aliases (*name)", path, node.start_mark.line + 1 + line_offset,
                hint="write the values out instead of repeating anchors (&name) inside "
                     "one another")
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line: int | None = mark.line + 1 + line_offset if mark else None
        column: int | None = mark.column + 1 if mark else None
        problem = error.problem or error.context or "invalid YAML"
        hint = ("write dates as YYYY-MM-DD" if "not a real date" in problem
                else "check the indentation, colons and quotes on this line")
        raise BuildError.at(f"invalid YAML: {problem}", path, line, column, hint) from None
    except yaml.YAMLError as error:
        raise BuildError.at(f"invalid YAML: {error}", path, line_offset + 1) from None
    except RecursionError:
        raise BuildError.at("the YAML is nested too deeply", path, line_offset + 1,
                            hint="fields nest a few levels at most; check the brackets") from None
    finally:
        loader.dispose()


# YAML 1.1 ends a line at these too, so every line number after one is wrong.
_HIDDEN_LINE_BREAKS = {"\u2028": "line separator U+2028", "\u2029": "paragraph separator U+2029",
                       "\x85": "control character U+0085 (next line)"}


def _refuse_hidden_line_breaks(text: str, path: Path, line_offset: int) -> None:
    found = [(text.find(char), name) for char, name in _HIDDEN_LINE_BREAKS.items()
             if char in text]
    if found:
        position, name = min(found)
        raise BuildError.at(f"invisible {name} in the text: no font draws it, and YAML "
                            "would end the line there", path,
                            text.count("\n", 0, position) + 1 + line_offset,
                            hint="replace it with a space (retype the line if you cannot "
                                 "see it)")


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many values the node stands for once every alias is expanded (memoised)."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    sizes[key] = MAX_YAML_VALUES + 1           # a node that contains itself is too big
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, sizes) + _expanded_size(v, sizes)
                       for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(child, sizes) for child in node.value)
    else:
        size = 1
    sizes[key] = min(size, MAX_YAML_VALUES + 1)
    return sizes[key]
