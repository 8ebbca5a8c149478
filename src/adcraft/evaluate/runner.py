"""`evaluate_model`: generate one creative per row with one or two models and score them.

Each row's prompt is `build_prompt(brief)`; the raw completion is parsed with `parse_output` for
the row's platform, and the parsed fields (for AdvertiseGen rows the `generic` platform's `text`)
are compared with the reference copy. Decoding is the model's own `decoding.json` (a training run's
chosen settings) over a fixed seed, then the caller's overrides.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from adcraft.core import Brief, Creative, InputError, get_platform
from adcraft.data import Example, fingerprint, load_examples
from adcraft.evaluate.metrics import aggregate
from adcraft.evaluate.resume import CompletionCache, cache_key, clear_partial, open_cache

# Settings every evaluation starts from, before the model's decoding.json and the caller's overrides:
# a fixed seed so two runs on the same rows are comparable, and room for the longest ADGEN copy.
EVAL_DECODING = {"seed": 0, "max_new_tokens": 192}
# Consensus samples per generate call. For one batch of 8 val briefs, 32 samples each took 220 s in
# one call, 148 s in two calls of 16 and 182 s in four of 8 (2-core CPU, same run): a call's rows all
# decode until its longest is done and its caches grow with every row, while each call has its own
# fixed cost.
SAMPLES_PER_CALL = 16
DECODING_OVERRIDES = ("max_new_tokens", "min_new_tokens", "temperature", "top_p", "epsilon_cutoff",
                      "repetition_penalty", "no_repeat_ngram_size", "do_sample", "num_beams", "seed",
                      "consensus_samples")


def creative_text(fields: dict[str, list[str]], platform_id: str) -> str:
    """A creative's values in platform field order, one per line: what is compared with the reference."""
    platform = get_platform(platform_id)
    order = [spec.name for spec in platform.fields if spec.name in fields]
    return "\n".join(value for name in order for value in fields.get(name, []))


def within_limits(fields: dict[str, list[str]], platform_id: str) -> bool:
    """True when every field the platform needs is there, in the allowed count and length."""
    platform = get_platform(platform_id)
    if set(fields) - {spec.name for spec in platform.fields}:
        return False
    for spec in platform.fields:
        values = [v for v in fields.get(spec.name, []) if v.strip()]
        if not spec.min_count <= len(values) <= spec.max_count:
            return False
        if any(platform.length(v) > spec.max_length for v in values):
            return False
    return True


def parse_completion(text: str, brief: Brief) -> dict[str, list[str]]:
    """The completion's fields; a completion the parser cannot read counts as the whole text stripped."""
    from adcraft.generate import parse_output

    platform = get_platform(brief.platform)
    try:
        fields = parse_output(text, platform)
    except (InputError, ValueError):
        fields = {}
    if not any(v.strip() for values in fields.values() for v in values):
        fields = {platform.fields[0].name: [text.strip()]} if text.strip() else {}
    return fields


def resolve_decoding(model: str | None, overrides: dict | None) -> dict:
    """EVAL_DECODING, then the model's decoding.json, then the caller's overrides (None values ignored)."""
    from adcraft.models import decoding_defaults

    settings = {**EVAL_DECODING, **decoding_defaults(model)}
    settings.pop("n", None)
    for key, value in (overrides or {}).items():
        if key not in DECODING_OVERRIDES:
            raise InputError(f"unknown decoding setting {key!r}; use one of: {', '.join(DECODING_OVERRIDES)}")
        if value is not None:
            settings[key] = value
    least_values = (("consensus_samples", 0), ("min_new_tokens", 0), ("num_beams", 1), ("max_new_tokens", 1))
    for key, least in least_values:
        if key in settings and int(settings[key]) < least:
            raise InputError(f"--{key.replace('_', '-')} must be at least {least}, not {settings[key]}")
    if not 0 <= float(settings.get("epsilon_cutoff") or 0) < 1:
        cutoff = settings["epsilon_cutoff"]
        raise InputError(f"--epsilon-cutoff must be a probability in [0, 1), not {cutoff}")
    return settings


def generate_outputs(generator, examples: Sequence[Example], decoding: dict, batch_size: int,
                     advance: Callable[[int], None], cache: CompletionCache | None = None,
                     ) -> tuple[list[str], list[list[str]]]:
    """One raw completion per example, in example order, and each row's consensus candidates (the
    compared creative texts, greedy first; empty without consensus). Prompts of similar length share a batch.

    Batches already in `cache` (an interrupted earlier run) are not decoded again.
    """
    from adcraft.generate import build_prompt

    cache = cache or CompletionCache(None)
    prompts = [build_prompt(e.brief) for e in examples]
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
    outputs: list[str] = [""] * len(prompts)
    candidates: list[list[str]] = [[] for _ in prompts]
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        found = cache.get(batch)
        if found is None:
            extra: dict[str, object] = {}
            languages = {examples[i].brief.language for i in batch}
            if len(languages) == 1 and hasattr(generator, "complete_scored"):
                # Decode over the output rows the language can use, as generation and training do.
                extra["language"] = languages.pop()
            found = _decode_batch(generator, [prompts[i] for i in batch], [examples[i] for i in batch],
                                  decoding, extra)
            cache.add(batch, *found)
        for i, text, row_candidates in zip(batch, *found, strict=True):
            outputs[i], candidates[i] = text, row_candidates
        advance(len(batch))
    return outputs, candidates


def _decode_batch(generator, prompts: list[str], examples: Sequence[Example], decoding: dict,
                  extra: dict) -> tuple[list[str], list[list[str]]]:
    """One completion per prompt, and per prompt the candidate texts it was chosen from.

    Without `consensus_samples` it is the decoding's own completion (no candidates). With
    `consensus_samples: N` it is the consensus (see `adcraft.evaluate.consensus`) of that completion and
    N samples at the decoding's temperature and top-p, drawn SAMPLES_PER_CALL at a time.
    """
    settings = {k: v for k, v in decoding.items() if k != "consensus_samples"}
    first = [row[0] if row else "" for row in generator.complete(prompts, n=1, **settings, **extra)]
    samples = int(decoding.get("consensus_samples") or 0)
    if samples < 1:
        return first, [[] for _ in prompts]
    from adcraft.evaluate.consensus import consensus_index

    sampled: list[list[str]] = [[] for _ in prompts]
    seed = settings.get("seed")
    for call, start in enumerate(range(0, samples, SAMPLES_PER_CALL)):
        # Each call draws with its own seed (seed, seed + 1, ...): the same seed would repeat the samples.
        call_seed = None if seed is None else int(seed) + call
        drawn = generator.complete(prompts, **{**settings, "n": min(SAMPLES_PER_CALL, samples - start),
                                               "do_sample": True, "num_beams": 1, "seed": call_seed}, **extra)
        for row, more in zip(sampled, drawn, strict=True):
            row.extend(more)
    chosen, candidates = [], []
    for raw_first, raw_samples, example in zip(first, sampled, examples, strict=True):
        raws = [raw_first, *raw_samples]
        texts = [creative_text(parse_completion(raw, example.brief), example.brief.platform) for raw in raws]
        chosen.append(raws[consensus_index(texts, example.brief.language)])
        candidates.append(texts)
    return chosen, candidates


def score_run(label: str, spec: str | None, model_id: str, examples: Sequence[Example],
              completions: list[str], decoding: dict, seconds: float,
              candidates: list[list[str]] | None = None) -> tuple[dict, list[dict]]:
    """The run summary (metrics, format and compliance rates) and per-row details (with `candidates`,
    each row's consensus candidates: what its output was chosen from)."""
    from adcraft.compliance import check_creative
    from adcraft.evaluate.creative_rates import creative_flags, rates

    rows, hypotheses, within, flagged, blocked, quality = [], [], 0, 0, 0, []
    for example, raw in zip(examples, completions, strict=True):
        fields = parse_completion(raw, example.brief)
        creative = Creative(platform=example.brief.platform, language=example.brief.language,
                            fields=fields or {}, model_id=model_id)
        findings = check_creative(creative, example.brief) if fields else []
        fits = within_limits(fields, example.brief.platform)
        within += fits
        flagged += bool(findings)
        blocked += any(f.severity == "block" for f in findings)
        hypothesis = creative_text(fields, example.brief.platform)
        hypotheses.append(hypothesis)
        quality.append(creative_flags(creative, example.brief) if fields else
                       {"on_product": False, "usable": False} | dict.fromkeys(
                           ("contradiction", "unsupported", "copied", "truncated", "prompt_text"), False))
        rows.append({"output": hypothesis, "raw": raw, "within_limits": fits,
                     "findings": [f.rule_id for f in findings]})
    references = [e.target_text() for e in examples]
    languages = [e.brief.language for e in examples]
    metrics, row_scores = aggregate(hypotheses, references, languages)
    n = max(len(examples), 1)
    metrics.update({"within_limits": 100.0 * within / n, "flagged": 100.0 * flagged / n,
                    "blocked": 100.0 * blocked / n})
    metrics.update(rates(quality))
    for i, (row, scores) in enumerate(zip(rows, row_scores, strict=True)):
        row["scores"] = scores
        if candidates and candidates[i]:
            row["candidates"] = candidates[i]
    run = {"label": label, "model": spec or "default", "model_id": model_id, "decoding": decoding,
           "seconds": round(seconds, 2), "rows_per_second": round(len(examples) / max(seconds, 1e-9), 3),
           "metrics": metrics}
    return run, rows


def reference_rates(examples: Sequence[Example]) -> dict[str, float]:
    """The creative-quality rates of the data's own reference copy: the calibration for a model's
    (ADGEN's human copy contradicts its own attributes now and then)."""
    from adcraft.evaluate.creative_rates import creative_flags, rates

    return rates(creative_flags(Creative(platform=e.brief.platform, language=e.brief.language,
                                         fields=e.target), e.brief) for e in examples)


def _write_atomic(path: Path, text: str) -> None:
    """Write via a temp file in the same folder and rename, so no half-written file is ever left."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it owner-only; a report is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def evaluate_model(model: str | None, data: str | Path, *, limit: int | None = None,
                   compare: str | None = None, batch_size: int = 8, decoding: dict | None = None,
                   out_dir: str | Path | None = None, fmt: str | None = None, columns: dict | None = None,
                   sample_size: int = 20, progress: bool = True, console: Console | None = None) -> dict:
    """Score `model` (and `compare`, on the same rows) on a data file; write JSON + HTML to `out_dir`.

    Returns the result dict that `evaluation.json` holds: `runs` (one per model: label, model,
    decoding, seconds, metrics) and `rows` (source, attributes, reference, per-model outputs and
    scores). Metrics follow `adcraft.evaluate.metrics`; `within_limits`, `flagged` and `blocked` are
    shares x 100 of rows within the platform's limits / with any compliance finding / with a blocking one.
    With `out_dir`, finished batches are kept in `out_dir/.partial/` until the report is written, so
    the same call after an interruption decodes only what is left (see `adcraft.evaluate.resume`).
    """
    if limit is not None and limit < 1:
        raise InputError(f"--limit must be at least 1, not {limit}")
    if batch_size < 1:
        raise InputError(f"batch size must be at least 1, not {batch_size}")
    examples = list(load_examples(data, fmt=fmt, columns=columns))[:limit]
    specs = [model] if compare is None else [model, compare]
    settings = [resolve_decoding(spec, decoding) for spec in specs]  # bad overrides fail before loading
    from adcraft.models import load_generator

    rows_fingerprint = fingerprint(examples)
    generators = [load_generator(spec) for spec in specs]  # a bad --compare fails before hours of decoding
    console = console or Console(stderr=True)
    runs, per_run_rows = [], []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, disable=not progress) as bar:
        for label, spec, decode, generator in zip("AB", specs, settings, generators, strict=False):
            task = bar.add_task(f"{label}: {spec or 'default'}", total=len(examples))
            started = time.perf_counter()
            key = cache_key(spec, decode, batch_size, rows_fingerprint)
            cache = open_cache(None if out_dir is None else Path(out_dir), key)
            completions, candidates = generate_outputs(generator, examples, decode, batch_size,
                                                       lambda k, task=task: bar.advance(task, k), cache)
            run, rows = score_run(label, spec, generator.model_id, examples, completions, decode,
                                  time.perf_counter() - started, candidates)
            runs.append(run)
            per_run_rows.append(rows)
    result = {
        "data": str(data),
        "fingerprint": rows_fingerprint,
        "rows_evaluated": len(examples),
        "limit": limit,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "convention": "BLEU-4 on characters (nltk, smoothing method3), ROUGE F1 on jieba words "
                      "(rouge-chinese); x100, averaged per row; English: word-level",
        "runs": runs,
        "references": reference_rates(examples),
        "rows": [
            {"source": e.source, "product": e.brief.product, "attributes": e.brief.adgen_content(),
             "reference": e.target_text(), "outputs": [r[i] for r in per_run_rows]}
            for i, e in enumerate(examples)
        ],
    }
    if out_dir is not None:
        write_outputs(result, Path(out_dir), sample_size=sample_size)
        clear_partial(Path(out_dir))
    return result


def write_outputs(result: dict, out_dir: Path, sample_size: int = 20) -> tuple[Path, Path]:
    """`evaluation.json` and the self-contained `report.html` in `out_dir` (each written atomically)."""
    from adcraft.evaluate.report import render_html

    json_path, html_path = out_dir / "evaluation.json", out_dir / "report.html"
    html = render_html(result, sample_size=sample_size)  # render first: nothing is written if it fails
    _write_atomic(json_path, json.dumps(result, ensure_ascii=False, indent=2))
    _write_atomic(html_path, html)
    return json_path, html_path
