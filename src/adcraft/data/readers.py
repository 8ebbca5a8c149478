"""Read rows of AdvertiseGen JSONL, adcraft JSONL and CSV into examples, one problem per bad row.

Formats:

- `adgen`: AdvertiseGen JSON Lines, `{"content": "类型#上衣*颜色#白色", "summary": "..."}`. The brief is
  `Brief.from_adgen(content)` on the `generic` platform, the target `{"text": [summary]}`. The corpus's
  literal placeholders `<UNK>` (a character the corpus builders could not encode) and `BRAND` (a
  brand name they removed) are kept as they are: the reference copy contains them, so a model
  trained on it may write them too, and the metrics compare against them as ADGEN's published
  scores do.
- `jsonl`: adcraft's own JSON Lines, the `Brief` fields plus the creative's fields, either under
  `"fields": {"headline": [...], ...}` or as top-level keys named like the platform's fields
  (`"text": "..."`). A row without `platform` takes the `platform` argument.
- `csv`: a header row, then one example per row. `columns` maps adcraft names (Brief fields and
  creative field names) to CSV column names; without it, columns named like adcraft names are used
  as they are, and a file with `content` and `summary` columns is read as AdvertiseGen. Cells of
  list-valued names (`must_include`, `examples`, a field that takes several values such as Google
  headlines) hold their values separated by `|`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from adcraft.core import PLATFORMS, Brief, InputError, get_platform
from adcraft.data.examples import Example, Problem

FORMATS = ("adgen", "jsonl", "csv")
BRIEF_KEYS = tuple(Brief.model_fields)
FIELD_KEYS = tuple(sorted({spec.name for p in PLATFORMS.values() for spec in p.fields}))
LIST_BRIEF_KEYS = ("must_include", "must_avoid", "examples")
LIST_SEPARATOR = "|"

Row = Example | Problem


def detect_format(path: Path, fmt: str | None) -> str:
    """`fmt` if given (checked), else from the file name: `.csv` is CSV, anything else JSON Lines."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise InputError(f"unknown data format {fmt!r}; choose one of: {', '.join(FORMATS)}")
        return fmt
    return "csv" if path.suffix.lower() in (".csv", ".tsv") else "jsonl"


def open_data_file(path: Path) -> str:
    """The file's text, or an InputError for a missing, unreadable or empty file."""
    if not path.exists():
        raise InputError(f"data file {path} not found; check the path")
    if not path.is_file():
        raise InputError(f"data file {path} is not a file; give a .jsonl or .csv file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"data file {path} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    if not text.strip():
        raise InputError(f"data file {path} is empty; give a file with one example per line")
    return text


def _brief_problem(source: str, exc: Exception) -> Problem:
    if isinstance(exc, ValidationError):
        parts = []
        for item in exc.errors():
            where = ".".join(str(p) for p in item.get("loc", ())) or "brief"
            parts.append(f"{where}: {str(item.get('msg', 'invalid')).removeprefix('Value error, ')}")
        return Problem(source, "invalid brief: " + "; ".join(parts))
    return Problem(source, f"invalid brief: {exc}")


def _clean_values(value: object) -> list[str] | None:
    """A field's values as a list of non-empty stripped strings; None when the value has the wrong type."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return [v.strip() for v in value if v.strip()]


def build_example(source: str, brief_data: dict, target_data: dict, platform: str) -> Row:
    """Validate one row's brief and creative fields; the problem if anything is wrong."""
    brief_data = {"platform": platform, **brief_data}
    try:
        brief = Brief.model_validate(brief_data)
    except (ValidationError, InputError) as exc:
        return _brief_problem(source, exc)
    spec = get_platform(brief.platform)
    names = [f.name for f in spec.fields]
    target: dict[str, list[str]] = {}
    for name, value in target_data.items():
        if name not in names:
            fields = ", ".join(names)
            return Problem(source, f"platform {spec.id!r} has no field {name!r}; its fields: {fields}")
        values = _clean_values(value)
        if values is None:
            return Problem(source, f"field {name!r} must be a string or a list of strings")
        if values:
            target[name] = values
    if not target:
        return Problem(source, f"row has no ad text; give a non-empty {' / '.join(names)}")
    return Example(brief=brief, target=target, source=source)


def adgen_example(source: str, row: dict) -> Row:
    content, summary = row.get("content"), row.get("summary")
    if not isinstance(content, str) or not content.strip():
        return Problem(source, "AdvertiseGen row has no 'content' (the product's key#value attributes)")
    if not isinstance(summary, str) or not summary.strip():
        return Problem(source, "row has no ad text: 'summary' is missing or empty")
    try:
        brief = Brief.from_adgen(content, platform="generic")
    except (ValidationError, InputError) as exc:
        return _brief_problem(source, exc)
    return Example(brief=brief, target={"text": [summary.strip()]}, source=source)


def adcraft_example(source: str, row: dict, platform: str) -> Row:
    brief_data, target_data = {}, {}
    for key, value in row.items():
        if key == "fields":
            if not isinstance(value, dict):
                return Problem(source, "'fields' must be an object of field name -> list of texts")
            target_data.update(value)
        elif key in BRIEF_KEYS:
            brief_data[key] = value
        elif key in FIELD_KEYS:
            target_data[key] = value
        else:
            return Problem(
                source, f"unknown key {key!r}; use brief fields ({', '.join(BRIEF_KEYS)}) and 'fields'"
            )
    return build_example(source, brief_data, target_data, platform)


def read_jsonl(path: Path, text: str, fmt: str, platform: str) -> Iterator[Row]:
    # split on "\n" only: str.splitlines() would also cut at U+2028 inside a JSON string
    for line_no, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        source = f"{path.name}:{line_no}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Problem(source, f"not valid JSON ({exc.msg} at column {exc.colno}); one JSON object a line")
            continue
        if not isinstance(row, dict):
            yield Problem(source, f"expected a JSON object, got {type(row).__name__}")
        elif fmt == "adgen":
            yield adgen_example(source, row)
        else:
            yield adcraft_example(source, row, platform)


def _csv_mapping(path: Path, header: list[str], columns: dict[str, str] | None) -> dict[str, str]:
    """adcraft name -> CSV column; checks that every mapped column exists."""
    if columns is None:
        if "content" in header and "summary" in header:
            return {"content": "content", "summary": "summary"}
        mapping = {name: name for name in header if name in BRIEF_KEYS or name in FIELD_KEYS}
    else:
        mapping = dict(columns)
        for name, column in mapping.items():
            if name not in BRIEF_KEYS and name not in FIELD_KEYS and name not in ("content", "summary"):
                raise InputError(
                    f"--columns: {name!r} is not a brief field or creative field; use one of "
                    f"{', '.join(BRIEF_KEYS + FIELD_KEYS)}"
                )
            if column not in header:
                raise InputError(
                    f"{path}: no column {column!r} (mapped to {name!r}); its columns are: {', '.join(header)}"
                )
    if "content" in mapping:
        return mapping
    if "product" not in mapping or not any(name in FIELD_KEYS for name in mapping):
        raise InputError(
            f"{path}: map a column to 'product' and one to the ad text, "
            "e.g. --columns product=name,text=copy "
            f"(its columns are: {', '.join(header)})"
        )
    return mapping


def _split_cell(name: str, cell: str, platform: str) -> str | list[str]:
    if name in LIST_BRIEF_KEYS:
        return [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]
    spec = PLATFORMS.get(platform)
    takes_several = spec is not None and any(f.name == name and f.max_count > 1 for f in spec.fields)
    if name in FIELD_KEYS and takes_several:
        return [part.strip() for part in cell.split(LIST_SEPARATOR)]
    return cell


def read_csv(path: Path, text: str, columns: dict[str, str] | None, platform: str) -> Iterator[Row]:
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip() for h in next(reader)]
    mapping = _csv_mapping(path, header, columns)
    index = {name: header.index(column) for name, column in mapping.items()}
    line_no = reader.line_num
    for cells in reader:
        start, line_no = line_no + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue
        source = f"{path.name}:{start}"
        if len(cells) < len(header):
            cells = cells + [""] * (len(header) - len(cells))
        row = {name: cells[i].strip() for name, i in index.items()}
        if "content" in mapping:
            yield adgen_example(source, row)
            continue
        row_platform = row.get("platform") or platform
        brief_data: dict = {}
        target_data: dict = {}
        for name, cell in row.items():
            if not cell:
                continue
            value = _split_cell(name, cell, row_platform)
            (target_data if name in FIELD_KEYS else brief_data)[name] = value
        yield build_example(source, brief_data, target_data, platform)


def _sniff_jsonl(text: str) -> str:
    """`adgen` when the first JSON object row has `content` and `summary`, else `jsonl`."""
    for line in text.split("\n"):
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict):
            return "adgen" if "content" in row and "summary" in row else "jsonl"
    return "jsonl"


def read_rows(path: Path, *, fmt: str | None, columns: dict[str, str] | None,
              platform: str) -> tuple[str, Iterator[Row]]:
    """The file's format and its non-blank rows as Examples or Problems.

    File-level errors (missing, empty, CSV without a mapped column) raise InputError at once.
    """
    get_platform(platform)
    fmt = detect_format(path, fmt)
    text = open_data_file(path)
    if fmt == "csv":
        rows = read_csv(path, text, columns, platform)
        return "csv", _primed(rows)
    if columns:
        raise InputError("--columns applies to CSV files only; JSON Lines rows name their fields")
    if fmt == "jsonl":
        fmt = _sniff_jsonl(text)
    return fmt, read_jsonl(path, text, fmt, platform)


def _primed(rows: Iterator[Row]) -> Iterator[Row]:
    """Run a generator up to its first row now, so header errors raise before any row is consumed."""
    first = next(rows, None)

    def chain() -> Iterator[Row]:
        if first is not None:
            yield first
            yield from rows

    return chain()
