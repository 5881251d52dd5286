"""Builds typed dataclasses from parsed YAML, naming the field that is wrong.

Both app.yaml and the knowledge pack are hand-edited, so both go through the same checks:
unknown keys, missing keys, wrong types and empty text are errors, never silently ignored.
"""
from __future__ import annotations

import dataclasses
import datetime
import types
import typing
from typing import Any

import yaml

from bot.errors import EmptyText, MissingField, UnknownField, WrongType, YamlSyntax


class LineDict(dict):
    """A mapping that remembers the line it and each of its keys started on."""

    line: int | None = None
    key_lines: dict[str, int]


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):   # `[a]: 1` or `{a: 1}: 1`: no field is named so
            raise YamlSyntax("a key must be a plain word, not a list or a mapping", line=key_node.start_mark.line + 1)
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise YamlSyntax(f"key '{key}' appears twice", line=key_node.start_mark.line + 1)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[str(key)] = key_node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _construct_timestamp(loader: _LineLoader, node: yaml.ScalarNode):
    """A date YAML reads as one but the calendar hasn't got (2024-13-45): say so, with the line."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as e:
        raise YamlSyntax(f"'{node.value}' is not a real date ({e})", line=node.start_mark.line + 1) from None


_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def load_yaml(path: str) -> Any:
    """Parse a YAML file, turning syntax errors into YamlSyntax with the line."""
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.load(f, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise YamlSyntax(f"not valid YAML: {e.problem or e}", file=path,
                         line=mark.line + 1 if mark else None) from None
    except YamlSyntax as e:
        raise e.located(file=path) from None
    except UnicodeDecodeError as e:
        raise YamlSyntax(f"not UTF-8 text ({e.reason})", file=path) from None
    except yaml.reader.ReaderError as e:   # a control character: YAML names its place, not its line
        with open(path, encoding="utf-8", errors="replace") as f:
            line = f.read()[: e.position].count("\n") + 1
        raise YamlSyntax(f"a character YAML doesn't allow (#x{e.character:04x}, {e.reason})", file=path,
                         line=line) from None
    except OSError as e:
        raise YamlSyntax(f"cannot read it ({e.strerror or e})", file=path) from None


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (tuple, list):
        return f"a list of {_type_name(typing.get_args(tp)[0])}"
    if dataclasses.is_dataclass(tp):
        return "a mapping"
    return {str: "text", bool: "true or false", int: "a whole number", float: "a number",
            datetime.date: "a date (YYYY-MM-DD)"}.get(tp, str(tp))


def build(cls: type, data: Any, path: str = "") -> Any:
    """Build dataclass `cls` from `data`; `path` is the dotted field name for messages."""
    hints = typing.get_type_hints(cls)
    if not isinstance(data, dict):
        empty = " (is the file empty?)" if data is None and not path else ""
        raise WrongType(f"expected a mapping, got {_describe(data)}{empty}", field=path,
                        line=getattr(data, "line", None))
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init and f.metadata.get("from_yaml", True)}
    line_of = getattr(data, "key_lines", {})
    for key in data:
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise UnknownField(f"unknown field (known fields: {known})",
                               field=_join(path, str(key)), line=line_of.get(str(key)))
    values = {}
    for name, f in fields.items():
        if name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise MissingField("required field is missing", field=_join(path, name),
                                   line=getattr(data, "line", None))
            continue
        values[name] = _convert(hints[name], data[name], _join(path, name), line_of.get(name))
    return cls(**values)


# A contact line (app.yaml's `contact`, a pack's): shown under every decline in a Slack context
# block, whose text Slack refuses over 3,000 characters (the whole reply then fails), and quoted
# in longer messages to the member. Who to ask fits in far less.
CONTACT_MAX = 500


def contact_problem(text: str) -> str | None:
    """What is wrong with a contact line, or None."""
    if len(text) > CONTACT_MAX:
        return f"the contact line is {len(text):,} characters: keep it to {CONTACT_MAX} (who to ask, how)"
    return None


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _convert(tp: Any, value: Any, path: str, line: int | None) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return None if value is None else _convert(args[0], value, path, line)
    if dataclasses.is_dataclass(tp):
        return build(tp, value, path)
    if origin in (tuple, list):
        if not isinstance(value, list):
            raise WrongType(f"expected {_type_name(tp)}, got {_describe(value)}", field=path, line=line)
        item = typing.get_args(tp)[0]
        return tuple(_convert(item, v, f"{path}[{i}]", getattr(v, "line", line)) for i, v in enumerate(value))
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp is str and isinstance(value, (int, float)) and not isinstance(value, bool):
        raise WrongType(f"expected text, got the number {value!r} (put it in quotes)", field=path, line=line)
    if tp is datetime.date and isinstance(value, datetime.datetime):   # a time of day is not a date
        raise WrongType(f"expected {_type_name(tp)}, got a date and time", field=path, line=line)
    if not isinstance(value, tp) or (tp is int and isinstance(value, bool)):
        raise WrongType(f"expected {_type_name(tp)}, got {_describe(value)}", field=path, line=line)
    if tp is str and not value.strip():
        raise EmptyText("text is empty", field=path, line=line)
    return value


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    names = {dict: "a mapping", LineDict: "a mapping", list: "a list", str: "text", int: "a whole number",
             float: "a number", datetime.date: "a date", datetime.datetime: "a date and time"}
    return names.get(type(value), type(value).__name__)
