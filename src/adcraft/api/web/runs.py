"""Training runs as the dashboard lists them: read-only views of the folders under ADCRAFT_HOME/runs.

`adcraft train` writes one folder per run (a PEFT adapter plus a metrics JSON); `adcraft evaluate`
may add an HTML report with its plots. Nothing here writes or imports training code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from adcraft.core import InputError

# Files in a run folder that hold configuration, not results.
NOT_METRICS = {"adapter_config.json", "decoding.json", "tokenizer.json", "tokenizer_config.json",
               "special_tokens_map.json", "config.json", "generation_config.json", "added_tokens.json",
               "data_fingerprint.json", "trainer_state.json", "evaluation.json"}
SERVABLE = {".html": "text/html; charset=utf-8", ".png": "image/png", ".svg": "image/svg+xml",
            ".jpg": "image/jpeg", ".json": "application/json", ".csv": "text/csv; charset=utf-8"}
MAX_METRICS = 16


@dataclass
class RunSummary:
    name: str
    modified: datetime
    base_model: str = ""
    metrics_file: str = ""
    metrics: dict[str, float | int] = field(default_factory=dict)
    evaluation_file: str = ""
    evaluation: dict[str, float | int] = field(default_factory=dict)
    reports: list[str] = field(default_factory=list)
    problem: str = ""


def runs_dir(home: Path) -> Path:
    return home / "runs"


def list_runs(home: Path) -> list[RunSummary]:
    """Every run folder, newest first, with its headline metrics and report files."""
    root = runs_dir(home)
    if not root.is_dir():
        return []
    runs = [_summarise(p) for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return sorted(runs, key=lambda r: r.modified, reverse=True)


def _summarise(folder: Path) -> RunSummary:
    summary = RunSummary(folder.name, datetime.fromtimestamp(folder.stat().st_mtime, UTC))
    adapter = folder / "adapter_config.json"
    if adapter.is_file():
        summary.base_model = str(_read_json(adapter).get("base_model_name_or_path", ""))
    candidates = sorted(folder.glob("*metrics*.json")) + sorted(folder.glob("*.json"))
    for path in candidates:
        if path.name in NOT_METRICS:
            continue
        data = _read_json(path)
        flat = _flatten(data)
        if flat:
            summary.metrics_file, summary.metrics = path.name, dict(list(flat.items())[:MAX_METRICS])
            break
    else:
        summary.problem = "no metrics JSON yet (the run may still be training)"
    evaluation = next(iter(sorted(folder.rglob("evaluation.json"))), None)
    if evaluation is not None:
        summary.evaluation_file = str(evaluation.relative_to(folder))
        summary.evaluation = _evaluation_metrics(_read_json(evaluation))
    summary.reports = sorted(str(p.relative_to(folder)) for p in folder.rglob("*.html"))
    return summary


def _evaluation_metrics(data: dict) -> dict[str, float | int]:
    """`adcraft evaluate`'s evaluation.json: the metrics of each evaluated model (A, and B when compared)."""
    out: dict[str, float | int] = {}
    for run in data.get("runs", []) if isinstance(data.get("runs"), list) else []:
        if isinstance(run, dict) and isinstance(run.get("metrics"), dict):
            out.update(_flatten(run["metrics"], f"{run.get('label', '?')}: "))
    return dict(list(out.items())[:MAX_METRICS * 2])


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _flatten(data: dict, prefix: str = "", depth: int = 0) -> dict[str, float | int]:
    """The numbers of a metrics dict, nested keys joined with '.' (two levels deep)."""
    out: dict[str, float | int] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            out[name] = value
        elif isinstance(value, float):
            out[name] = round(value, 4)
        elif isinstance(value, dict) and depth < 2:
            out.update(_flatten(value, f"{name}.", depth + 1))
    return out


def run_file(home: Path, run: str, relative: str) -> tuple[Path, str]:
    """The path and media type of a file inside one run folder; InputError for anything outside it."""
    root = runs_dir(home).resolve()
    folder = (root / run).resolve()
    target = (folder / relative).resolve()
    if folder.parent != root or not target.is_relative_to(folder) or not target.is_file():
        raise InputError(f"no file {relative!r} in run {run!r}")
    media = SERVABLE.get(target.suffix.lower())
    if media is None:
        raise InputError(f"file type {target.suffix!r} is not served; only {', '.join(SERVABLE)}")
    return target, media
