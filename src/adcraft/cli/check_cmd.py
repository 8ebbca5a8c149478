"""`adcraft check`: check ad copy against advertising law, platform policies and PII rules.

Exit codes: 0 clean (warnings allowed), 1 something blocks, 2 bad input.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from adcraft.core.errors import InputError
from adcraft.core.types import Finding


@dataclass
class Record:
    where: str  # "text", or "file:line"
    text: str
    field: str | None = None
    language: str | None = None
    platform: str | None = None


def decode_file(path: Path) -> str:
    """The UTF-8 text of `path`; binary or non-UTF-8 content is an InputError naming the byte offset."""
    if str(path) == "-":
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        if not path.is_file():
            raise InputError(f"file {path} not found; pass an existing JSONL, CSV or text file")
        data = path.read_bytes()
        name = str(path)
    nul = data.find(b"\x00")
    if nul != -1:
        raise InputError(
            f"{name} looks binary (NUL byte at byte offset {nul}); pass a UTF-8 JSONL, CSV or text file"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name} is not UTF-8: invalid byte 0x{data[exc.start]:02x} at byte offset {exc.start}; "
            "convert it first (e.g. iconv -f GBK -t UTF-8)"
        ) from None


def _jsonl_records(text: str, name: str, column: str) -> list[Record]:
    records = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{name}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not valid JSON ({exc.msg}); one JSON object per line") from None
        if isinstance(obj, str):
            records.append(Record(where, obj))
        elif isinstance(obj, dict) and isinstance(obj.get("fields"), dict):
            # A creative: check each value of each field with the creative's platform and language.
            for field_name, values in obj["fields"].items():
                for value in values if isinstance(values, list) else [values]:
                    records.append(
                        Record(where, str(value), field_name, obj.get("language"), obj.get("platform"))
                    )
        elif isinstance(obj, dict) and isinstance(obj.get(column), str):
            records.append(Record(where, obj[column], None, obj.get("language"), obj.get("platform")))
        else:
            raise InputError(
                f"{where}: expected a string, an object with {column!r}, or a creative with 'fields'"
            )
    return records


def _csv_records(text: str, name: str, column: str) -> list[Record]:
    reader = csv.DictReader(io.StringIO(text))
    columns = reader.fieldnames or []
    if column not in columns:
        if len(columns) != 1:
            raise InputError(f"{name}: no column {column!r} (columns: {columns}); pick one with --column")
        column = columns[0]
    return [
        Record(f"{name}:{i}", row[column] or "")
        for i, row in enumerate(reader, 2)
        if (row[column] or "").strip()
    ]


def read_records(path: Path, column: str = "text") -> list[Record]:
    """Records of a JSONL, CSV or plain-text file (one ad per line/row)."""
    text = decode_file(path)
    name = "<stdin>" if str(path) == "-" else str(path)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        records = _jsonl_records(text, name, column)
    elif suffix in (".csv", ".tsv"):
        records = _csv_records(text, name, column)
    else:
        records = [Record(f"{name}:{i}", line) for i, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not records:
        raise InputError(f"{name} holds no text to check; put one ad per line (or row, or JSON object)")
    return records


def _finding_json(record: Record, finding: Finding) -> dict:
    data = finding.model_dump()
    data["span"] = list(finding.span)
    data["record"] = record.where
    return data


def _print_table(results: list[tuple[Record, list[Finding]]], console: Console) -> None:
    findings = [(r, f) for r, fs in results for f in fs]
    if not findings:
        console.print(f"[green]clean[/]: {len(results)} text(s) checked, no findings")
        return
    table = Table(show_lines=True)
    for col in ("where", "severity", "rule", "matched", "reason", "source", "suggestion"):
        table.add_column(col, overflow="fold")
    for record, f in findings:
        where = record.where + (f" [{record.field}]" if record.field else "")
        style = "bold red" if f.severity == "block" else "yellow"
        table.add_row(
            where, f"[{style}]{f.severity}[/]", f.rule_id, f.matched, f.reason, f.source, f.suggestion or ""
        )
    console.print(table)
    blocks = sum(f.severity == "block" for _, f in findings)
    console.print(f"{len(results)} text(s) checked: {blocks} blocking, {len(findings) - blocks} warning(s)")


def list_rules(rules_files: list[Path], fmt: str) -> int:
    """Print every rule in force (built-in plus --rules files): id, scope, severity, source."""
    from adcraft.compliance.checker import default_rules, with_extra_rules
    from adcraft.compliance.rules import load_rules_file

    rule_set = (
        with_extra_rules(*(load_rules_file(p) for p in rules_files)) if rules_files else default_rules()
    )
    rows = [
        {
            "id": r.id,
            "locale": r.locale,
            "category": r.category,
            "severity": r.severity,
            "platforms": list(r.platforms),
            "terms": len(r.terms),
            "patterns": len(r.patterns),
            "check": r.check,
            "source": r.source,
        }
        for r in rule_set.rules
    ]
    if fmt == "json":
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    table = Table()
    for col in ("id", "locale", "category", "severity", "matches", "source"):
        table.add_column(col, overflow="fold")
    for r in rows:
        matches = r["check"] or f"{r['terms']} terms, {r['patterns']} patterns"
        table.add_row(r["id"], r["locale"], r["category"], r["severity"], matches, r["source"])
    Console(highlight=False).print(table)
    return 0


def run_check(
    text: str | None,
    file: Path | None,
    language: str | None,
    platform: str | None,
    field: str | None,
    must_avoid: list[str],
    rules_files: list[Path],
    fmt: str,
    column: str,
    brief_file: Path | None = None,
    strict: bool = False,
) -> int:
    from adcraft.compliance.checker import check_text, with_extra_rules
    from adcraft.compliance.rules import load_rules_file
    from adcraft.core.platforms import get_platform

    if fmt not in ("table", "json"):
        raise InputError(f"--format must be 'table' or 'json', not {fmt!r}")
    if language is not None and language not in ("zh", "en"):
        raise InputError(f"--language must be 'zh' or 'en', not {language!r}")
    if platform is not None:
        get_platform(platform)
    if (text is None) == (file is None):
        raise InputError("give either a TEXT argument or --file FILE (not both)")
    if text is not None and not text.strip():
        raise InputError("the text to check is empty; pass the ad copy as TEXT or use --file")
    rules = with_extra_rules(*(load_rules_file(p) for p in rules_files)) if rules_files else None
    avoid = [w.strip() for item in must_avoid for w in item.split(",") if w.strip()]
    brief = _read_brief(brief_file) if brief_file is not None else None
    if brief is not None:
        avoid += brief.must_avoid
        language = language or brief.language
    records = [Record("text", text)] if text is not None else read_records(file, column)  # type: ignore[arg-type]
    results = []
    for record in records:
        findings = check_text(
            record.text,
            language=language or record.language,
            platform=platform or record.platform,
            must_avoid=avoid,
            field=field or record.field,
            rules=rules,
        )
        if brief is not None:
            findings = findings + _against_brief(record.text, brief, field or record.field, strict)
        results.append((record, findings))
    blocked = any(f.severity == "block" for _, fs in results for f in fs)
    if fmt == "json":
        out = {
            "checked": len(results),
            "blocked": sum(any(f.severity == "block" for f in fs) for _, fs in results),
            "findings": [_finding_json(r, f) for r, fs in results for f in fs],
        }
        print(json.dumps(out, ensure_ascii=False))
    else:
        _print_table(results, Console(highlight=False))
    return 1 if blocked else 0


def _read_brief(path: Path):
    from adcraft.generate.briefs import read_brief_file

    if path.suffix.lower() not in (".json", ".yaml", ".yml"):
        raise InputError(f"--brief {path}: give the brief as a .json, .yaml or .yml file")
    return read_brief_file(path)


def _against_brief(text: str, brief, field: str | None, strict: bool) -> list[Finding]:
    """Faithfulness findings (a contradiction blocks; an unsupported claim warns, or blocks with
    --strict, as it does in generation) and a warning when the copy does not name the product."""
    from adcraft.compliance.faithfulness import check_faithfulness
    from adcraft.compliance.quality import names_product, product_terms

    findings = check_faithfulness(text, brief, field=field, unsupported="block" if strict else "warn")
    if not names_product(text, brief, product_terms(brief)):
        findings.append(Finding(rule_id="quality.off_product", category="quality", severity="warn",
                                reason=f"does not name the product ({brief.product!r}) or its category",
                                source="adcraft creative quality gate", span=(0, len(text)), matched=text,
                                field=field))
    return findings


def register(app: typer.Typer) -> None:
    """Add `adcraft check` to the app."""

    @app.command("check")
    def check(
        text: str | None = typer.Argument(None, help="ad copy to check (or use --file)"),
        file: Path | None = typer.Option(
            None, "--file", "-f", help="JSONL, CSV or text file, one ad per line/row"
        ),
        language: str | None = typer.Option(
            None, "--language", "-l", help="zh or en (default: both rule sets)"
        ),
        platform: str | None = typer.Option(None, "--platform", "-p", help="apply this platform's policies"),
        field: str | None = typer.Option(None, "--field", help="the platform field, e.g. headline"),
        must_avoid: list[str] = typer.Option(
            [], "--must-avoid", help="word(s) the brief forbids; repeat or comma-separate"
        ),
        rules_files: list[Path] = typer.Option(
            [], "--rules", help="extra rules YAML (same format as the built-in)"
        ),
        fmt: str = typer.Option("table", "--format", help="table or json"),
        column: str = typer.Option("text", "--column", help="CSV column / JSONL key holding the text"),
        show_rules: bool = typer.Option(False, "--list-rules", help="list the rules in force and exit"),
        brief_file: Path | None = typer.Option(
            None, "--brief", help="the brief (.json/.yaml) the copy was written for: check its claims"
        ),
        strict: bool = typer.Option(
            False, "--strict", help="with --brief, claims the brief does not state block (default: warn)"
        ),
    ) -> None:
        """Check ad copy; exit 1 if anything blocks, 0 if clean, 2 on bad input."""
        from adcraft.cli.errors import guarded

        if show_rules:
            code = guarded(lambda: list_rules(rules_files, fmt))
        else:
            code = guarded(
                lambda: run_check(text, file, language, platform, field, must_avoid, rules_files, fmt, column,
                                  brief_file, strict)
            )
        raise typer.Exit(code)
