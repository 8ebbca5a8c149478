"""Reading briefs from files: one brief as JSON or YAML, many as JSONL (errors name the line)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from pydantic import ValidationError

from adcraft.core import Brief, InputError


def _validation_text(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ())) or "brief"
        parts.append(f"{where}: {str(item.get('msg', 'invalid')).removeprefix('Value error, ')}")
    return "; ".join(parts)


def brief_from_dict(data: object, where: str, overrides: dict | None = None) -> Brief:
    """A Brief from parsed data; an InputError naming `where` if it is not a valid brief.

    `attributes` may be an AdvertiseGen string ("类型#上衣*材质#牛仔布"); a bare AdvertiseGen row
    ({"content": ...}) becomes a generic Chinese brief.
    """
    if not isinstance(data, dict):
        raise InputError(f"{where}: a brief must be a JSON/YAML object, not {type(data).__name__}")
    data = dict(data)
    data.pop("summary", None)  # an AdvertiseGen row carries its reference copy; not part of a brief
    try:
        if "content" in data and "product" not in data:
            content = data.pop("content")
            if not isinstance(content, str):
                raise InputError(f"{where}: 'content' must be an AdvertiseGen string, e.g. 类型#上衣")
            return Brief.from_adgen(content, **{**data, **(overrides or {})})
        return Brief.model_validate({**data, **(overrides or {})})
    except ValidationError as exc:
        raise InputError(f"{where}: invalid brief: {_validation_text(exc)}") from None
    except InputError as exc:
        message = str(exc)
        raise InputError(message if message.startswith(where) else f"{where}: {message}") from None


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise InputError(f"briefs file {path} not found; pass an existing file")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 (byte offset {exc.start}); convert it first") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None


def read_brief_file(path: Path, overrides: dict | None = None) -> Brief:
    """One brief from a .json, .yaml or .yml file."""
    text = _read_text(path)
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        line = getattr(exc, "lineno", None) or getattr(getattr(exc, "problem_mark", None), "line", -1) + 1
        raise InputError(f"{path}:{line}: not valid {path.suffix.lstrip('.').upper() or 'YAML'}: "
                         f"{getattr(exc, 'msg', None) or getattr(exc, 'problem', exc)}") from None
    return brief_from_dict(data, str(path), overrides)


def read_briefs_jsonl(path: Path, overrides: dict | None = None) -> list[Brief]:
    """Every brief of a JSONL file (one object per line, blank lines skipped); errors name the line."""
    briefs = []
    for lineno, line in enumerate(_read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not valid JSON ({exc.msg}); one brief object per line") from None
        briefs.append(brief_from_dict(data, where, overrides))
    if not briefs:
        raise InputError(f"{path} holds no briefs; write one JSON object per line")
    return briefs
