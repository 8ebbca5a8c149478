"""Resuming an interrupted evaluation: finished batches of completions are kept until the report is out.

Decoding the default model on a 2-core CPU takes about a minute a row, so a Ctrl-C, a crash in
scoring or a killed job must not throw the finished rows away. Each finished batch is appended to
`<out>/.partial/<key>.jsonl`; the key covers the model, the decoding settings, the batch size and
the rows' fingerprint, so a rerun of the same command reuses exactly the batches it would decode
again (same prompts, same seed, same batch composition) and anything else starts afresh. The folder
is removed once evaluation.json and report.html are written.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

PARTIAL_DIR = ".partial"


def cache_key(model: str | None, decoding: dict, batch_size: int, rows_fingerprint: str) -> str:
    spec = str(Path(model).expanduser().resolve()) if model and Path(model).expanduser().exists() else model
    blob = json.dumps([spec, decoding, batch_size, rows_fingerprint], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:20]


class CompletionCache:
    """Completions of finished batches (row index -> text, and its consensus candidates), read from
    and appended to one file."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.done: dict[int, str] = {}
        self.candidates: dict[int, list[str]] = {}
        if path is not None and path.is_file():
            for line in path.read_text(encoding="utf-8").split("\n"):
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue  # an empty line, or the last one cut short by a kill
                self.done.update({int(i): text for i, text in record["rows"]})
                self.candidates.update({int(i): texts for i, texts in record.get("candidates", [])})

    def get(self, indices: list[int]) -> tuple[list[str], list[list[str]]] | None:
        """The batch's completions and candidates if all of them are finished, else None (the batch
        is decoded again)."""
        if all(i in self.done for i in indices):
            return [self.done[i] for i in indices], [self.candidates.get(i, []) for i in indices]
        return None

    def add(self, indices: list[int], texts: list[str], candidates: list[list[str]]) -> None:
        self.done.update(zip(indices, texts, strict=True))
        self.candidates.update(zip(indices, candidates, strict=True))
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            record = {"rows": list(zip(indices, texts, strict=True)),
                      "candidates": list(zip(indices, candidates, strict=True))}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def open_cache(out_dir: Path | None, key: str) -> CompletionCache:
    return CompletionCache(None if out_dir is None else out_dir / PARTIAL_DIR / f"{key}.jsonl")


def clear_partial(out_dir: Path) -> None:
    shutil.rmtree(out_dir / PARTIAL_DIR, ignore_errors=True)
