"""`load_examples`: read a data file, validate every row, scrub PII, drop exact duplicates."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from adcraft.core import Brief, InputError
from adcraft.data.examples import Example, ExampleList, Problem
from adcraft.data.readers import read_rows

MAX_PROBLEMS_SHOWN = 5


def parse_columns(spec: str | dict[str, str] | None) -> dict[str, str] | None:
    """`"product=name,text=copy"` -> `{"product": "name", "text": "copy"}` (a dict passes through)."""
    if spec is None or isinstance(spec, dict):
        return spec
    mapping: dict[str, str] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        name, sep, column = part.partition("=")
        if not sep or not name.strip() or not column.strip():
            raise InputError(f"--columns: {part.strip()!r} is not NAME=COLUMN, e.g. product=title,text=copy")
        mapping[name.strip()] = column.strip()
    if not mapping:
        raise InputError("--columns is empty; give NAME=COLUMN pairs, e.g. product=title,text=copy")
    return mapping


def _scrub_strings(value: object, scrub: Callable[[str], str]) -> object:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list | tuple):
        return type(value)(_scrub_strings(v, scrub) for v in value)
    if isinstance(value, dict):
        return {k: _scrub_strings(v, scrub) for k, v in value.items()}
    return value


def scrub_example(example: Example, scrub: Callable[[str], str] | None = None) -> tuple[Example, bool]:
    """The example with PII in every brief and target text replaced by placeholders; and whether any was.

    Runs before anything is tokenised or written, so phone numbers, e-mail addresses, ID-card and
    bank-card numbers in a customer's ads never reach a model's weights.
    """
    if scrub is None:
        from adcraft.compliance.pii import scrub_pii

        scrub = scrub_pii
    brief_data = example.brief.model_dump()
    clean_brief = _scrub_strings(brief_data, scrub)
    clean_target = _scrub_strings(example.target, scrub)
    if clean_brief == brief_data and clean_target == example.target:
        return example, False
    brief = Brief.model_validate(clean_brief)
    return Example(brief=brief, target=clean_target, source=example.source), True  # type: ignore[arg-type]


def load_examples(path: str | Path, *, fmt: str | None = None, columns: dict | str | None = None,
                  skip_bad: bool = False, platform: str = "generic") -> ExampleList:
    """Every example of a data file: validated, PII scrubbed, exact duplicates dropped, in file order.

    `fmt` is `adgen`, `jsonl` or `csv` (default: from the file name; JSON Lines rows with `content`
    and `summary` are read as AdvertiseGen). `columns` maps adcraft names to CSV columns. A bad row
    raises InputError naming file and line; with `skip_bad=True` it is skipped and listed in the
    result's `.problems`. A missing or empty file, a CSV without a mapped column, or a file with no
    usable row always raises.
    """
    path = Path(path)
    mapping = parse_columns(columns)
    examples: list[Example] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    rows_read = duplicates = scrubbed = 0
    resolved_fmt, rows = read_rows(path, fmt=fmt, columns=mapping, platform=platform)
    for row in rows:
        rows_read += 1
        if isinstance(row, Problem):
            if not skip_bad:
                where = path.parent / row.source
                raise InputError(f"{where}: {row.message} (or pass --skip-bad to skip bad rows)")
            problems.append(row)
            continue
        example, changed = scrub_example(row)
        scrubbed += changed
        key = example.canonical()
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        examples.append(example)
    if not examples and not problems:
        raise InputError(f"data file {path} has no example rows, only a header; add one example a row")
    if not examples:
        shown = "; ".join(str(p) for p in problems[:MAX_PROBLEMS_SHOWN])
        raise InputError(f"data file {path} has no usable row ({len(problems)} bad: {shown})")
    return ExampleList(
        examples,
        path=str(path),
        fmt=resolved_fmt,
        rows_read=rows_read,
        problems=problems,
        duplicates_dropped=duplicates,
        pii_scrubbed=scrubbed,
    )
