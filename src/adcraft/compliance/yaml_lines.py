"""YAML that remembers where each mapping and key stood, so a rules file's errors name the line.

`load` is yaml.safe_load whose mappings are `Mapping`s (dicts with `line` and `key_lines`).
"""

from __future__ import annotations

from typing import Any

import yaml


class Mapping(dict):
    """A YAML mapping that remembers its line and the line of each key, for error messages."""

    line: int = 0
    key_lines: dict[str, int]


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Mapping:
    mapping = Mapping(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {
        k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)
    }
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def at(where: str, raw: Any, key: str | None = None) -> str:
    """`where` with the line of `raw` (or of its `key`) inserted after the file name."""
    line = getattr(raw, "key_lines", {}).get(key) if key is not None else None
    line = line or getattr(raw, "line", 0)
    if not line:
        return where
    head, sep, tail = where.partition(": ")
    head = head.split(", line ")[0]  # a nested key's line is the more precise one
    return f"{head}, line {line}{sep}{tail}" if sep else f"{where}, line {line}"


def file_at(name: str, data: Any, key: str) -> str:
    """'rules file NAME, line N' for a top-level `key` of the file's mapping."""
    line = getattr(data, "key_lines", {}).get(key)
    return f"rules file {name}, line {line}" if line else f"rules file {name}"


def load(text: str) -> Any:
    """Parse `text` like yaml.safe_load, keeping line numbers on every mapping."""
    return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
