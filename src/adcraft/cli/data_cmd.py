"""`adcraft data inspect FILE` and `adcraft evaluate`: look at a data file; score models on one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from adcraft.cli.errors import guarded

console = Console(highlight=False)
MAX_PROBLEMS_LISTED = 50
COUNT_ROWS = (
    ("rows read", "rows_read"),
    ("examples kept", "examples"),
    ("products", "products"),
    ("bad rows skipped", "bad_rows"),
    ("duplicates dropped", "duplicates_dropped"),
    ("rows with PII scrubbed", "pii_scrubbed"),
    ("over platform limit", "over_platform_limit"),
)

DataFormat = Annotated[
    str | None, typer.Option("--data-format", help="adgen, jsonl or csv (default: from the file name)")
]
Columns = Annotated[
    str | None,
    typer.Option("--columns", help="CSV columns as NAME=COLUMN pairs, e.g. product=title,text=copy"),
]


def _prompt_fn():
    """The generation prompt builder where `adcraft.generate` has it, so lengths are what a model sees."""
    try:
        from adcraft.generate import build_prompt
    except ImportError:
        return None
    return build_prompt


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def print_summary(summary: dict) -> None:
    counts = Table(title=f"{summary['file']} ({summary['format']})", show_header=False)
    counts.add_column("what")
    counts.add_column("count", justify="right")
    for label, key in COUNT_ROWS:
        counts.add_row(label, str(summary[key]))
    counts.add_row("platforms", ", ".join(f"{k} {v}" for k, v in summary["platforms"].items()))
    counts.add_row("languages", ", ".join(f"{k} {v}" for k, v in summary["languages"].items()))
    counts.add_row("fingerprint", summary["fingerprint"][:16])
    console.print(counts)

    lengths = Table(title=f"lengths in characters (prompt: {summary['prompt']})")
    lengths.add_column("")
    for name in ("p5", "p50", "p95", "max", "mean"):
        lengths.add_column(name, justify="right")
    for label, key in (("target (ad copy)", "target_chars"), ("prompt", "prompt_chars")):
        lengths.add_row(label, *(_fmt(summary[key][name]) for name in ("p5", "p50", "p95", "max", "mean")))
    console.print(lengths)

    problems = summary["problems"]
    if problems:
        table = Table(title=f"{len(problems)} bad rows (skipped)")
        table.add_column("where", style="yellow")
        table.add_column("problem")
        for problem in problems[:MAX_PROBLEMS_LISTED]:
            table.add_row(problem["source"], problem["message"])
        console.print(table)
        if len(problems) > MAX_PROBLEMS_LISTED:
            console.print(f"... and {len(problems) - MAX_PROBLEMS_LISTED} more (see --format json)")


def inspect_file(file: Path, data_format: str | None, columns: str | None, skip_bad: bool,
                 platform: str, output: str) -> None:
    from adcraft.core import InputError
    from adcraft.data import load_examples, summarize

    if output not in ("table", "json"):
        raise InputError(f"--format must be table or json, not {output!r}")
    examples = load_examples(file, fmt=data_format, columns=columns, skip_bad=skip_bad, platform=platform)
    build_prompt = _prompt_fn()
    summary = summarize(examples, prompt_fn=build_prompt)
    summary["prompt"] = "build_prompt(brief)" if build_prompt else "brief attributes"
    if output == "json":
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print_summary(summary)


def print_metrics(result: dict, out: Path) -> None:
    from adcraft.evaluate.report import METRIC_ROWS

    table = Table(title=f"{result['rows_evaluated']} rows of {result['data']}")
    table.add_column("metric")
    for run in result["runs"]:
        table.add_column(f"{run['label']}: {run['model']}", justify="right")
    for key, name, _ in METRIC_ROWS:
        table.add_row(name, *(f"{run['metrics'][key]:.2f}" for run in result["runs"]))
    console.print(table)
    console.print(f"wrote {out / 'evaluation.json'} and {out / 'report.html'}")


def register(app: typer.Typer) -> None:
    """Add `data inspect` and `evaluate` to the app."""
    data_app = typer.Typer(help="Look at training and evaluation data.", no_args_is_help=True)
    app.add_typer(data_app, name="data")

    @data_app.command("inspect")
    def inspect(
        file: Annotated[Path, typer.Argument(help="AdvertiseGen JSONL, adcraft JSONL or CSV file")],
        data_format: DataFormat = None,
        columns: Columns = None,
        skip_bad: Annotated[bool, typer.Option(help="list bad rows instead of stopping")] = False,
        platform: Annotated[str, typer.Option(help="platform of rows that name none")] = "generic",
        output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    ) -> None:
        """Counts, duplicates, PII scrubbed, length percentiles and bad rows of a data file."""
        guarded(lambda: inspect_file(file, data_format, columns, skip_bad, platform, output))

    @app.command("evaluate")
    def evaluate(
        data: Annotated[Path, typer.Option("--data", help="rows to score: AdvertiseGen JSONL, JSONL or CSV")],
        model: Annotated[str | None, typer.Option(help="model, path or training run dir")] = None,
        compare: Annotated[str | None, typer.Option(help="a second model scored on the same rows")] = None,
        limit: Annotated[int | None, typer.Option(help="score only the first N rows")] = None,
        out: Annotated[Path, typer.Option(help="folder for the JSON and HTML")] = Path("evaluation"),
        batch_size: Annotated[int, typer.Option(help="prompts decoded together")] = 8,
        max_new_tokens: Annotated[int | None, typer.Option(help="override the model's decoding")] = None,
        min_new_tokens: Annotated[int | None, typer.Option(help="tokens before a creative may end")] = None,
        temperature: Annotated[float | None, typer.Option()] = None,
        top_p: Annotated[float | None, typer.Option()] = None,
        epsilon_cutoff: Annotated[float | None, typer.Option(
            help="epsilon sampling: never draw a token under this probability (0 = off)")] = None,
        repetition_penalty: Annotated[float | None, typer.Option()] = None,
        no_repeat_ngram_size: Annotated[int | None, typer.Option()] = None,
        greedy: Annotated[bool | None, typer.Option("--greedy/--sample", help="override do_sample")] = None,
        num_beams: Annotated[int | None, typer.Option(help="beam search width (1 = none)")] = None,
        consensus_samples: Annotated[int | None, typer.Option(
            help="also sample N creatives per row and keep the consensus (MBR); 0 = off")] = None,
        seed: Annotated[int | None, typer.Option()] = None,
        sample_rows: Annotated[int, typer.Option(help="rows shown side by side in the report")] = 20,
        data_format: DataFormat = None,
        columns: Columns = None,
    ) -> None:
        """Generate for every row and score it (BLEU-4, ROUGE, diversity, limits, compliance); JSON + HTML."""

        def run() -> None:
            from adcraft.data import parse_columns
            from adcraft.evaluate import evaluate_model

            decoding = {
                "max_new_tokens": max_new_tokens, "min_new_tokens": min_new_tokens,
                "temperature": temperature, "top_p": top_p, "epsilon_cutoff": epsilon_cutoff,
                "repetition_penalty": repetition_penalty, "no_repeat_ngram_size": no_repeat_ngram_size,
                "do_sample": None if greedy is None else not greedy, "num_beams": num_beams, "seed": seed,
                "consensus_samples": consensus_samples,
            }
            result = evaluate_model(model, data, limit=limit, compare=compare, batch_size=batch_size,
                                    decoding=decoding, out_dir=out, fmt=data_format,
                                    columns=parse_columns(columns), sample_size=sample_rows)
            print_metrics(result, out)

        guarded(run)
