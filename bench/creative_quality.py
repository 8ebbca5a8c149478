"""Creative quality on a brief suite: yield, on-product, faithfulness, copying, truncation, time.

    python bench/creative_quality.py --model default --model house [--seeds 0 1] [--limit 20]
        [--endpoint URL --model NAME] [--sample 50 --sample-out docs/creative-sample.md]

For every model and seed, each brief of `bench/briefs/creative_quality.jsonl` (75 briefs, 12
categories, six platforms, zh and en) asks for 8 variants. Reported per model:

- yield: usable creatives returned / requested (a creative counts when it passes every gate again,
  re-checked here with `adcraft.evaluate.creative_rates`);
- the rates of the returned creatives (on-product, contradiction, unsupported, copied, truncated);
- the same rates over every candidate the model wrote before the gates ("raw"): what the gates remove;
- seconds per brief (mean, p50, p90, max) and the share of briefs within 10 s.

The baseline (`--baseline`, the untuned `default` when it runs) is printed beside every other model
with the ratio of yield and time. One JSON line per run, then one summary line. `--sample N` writes N
random returned creatives (seeded) of the first model to a Markdown file for a human read.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

from adcraft.core import Brief
from adcraft.evaluate.creative_rates import creative_flags, rates
from adcraft.generate import GenerationConfig, generate_creatives
from adcraft.generate.briefs import brief_from_dict
from adcraft.models import load_generator

SUITE = Path(__file__).parent / "briefs" / "creative_quality.jsonl"
TIME_GOAL_S = 10.0


def load_suite(path: Path, limit: int | None, per_group: int | None = None) -> list[tuple[str, str, Brief]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if per_group:  # the first K briefs of every (category, language): a smaller suite, same spread
        taken: dict[tuple[str, str], int] = {}
        kept = []
        for row in rows:
            group = (row["category"], row["brief"].get("language", "zh"))
            if taken.get(group, 0) < per_group:
                taken[group] = taken.get(group, 0) + 1
                kept.append(row)
        rows = kept
    suite = [(row["id"], row["category"], brief_from_dict(row["brief"], f"{path}:{row['id']}"))
             for row in rows]
    return suite[:limit] if limit else suite


def model_spec(name: str) -> str | None:
    """house: the packaged adapter (the default of `adcraft generate`); default: untuned Gemma 3 270M."""
    from adcraft.models.house import generation_model

    return None if name == "default" else generation_model(name)


def run_model(name: str, endpoint: str | None, suite, n: int, seed: int) -> tuple[dict, list[dict]]:
    spec = model_spec(name)
    generator = load_generator(spec, endpoint=endpoint)
    config = GenerationConfig.for_model(None if endpoint else spec)
    returned, raw, times, per_brief, creatives = [], [], [], [], []
    for brief_id, category, base in suite:
        brief = base.model_copy(update={"n_variants": n, "seed": seed})
        start = time.perf_counter()
        result = generate_creatives(brief, generator, config)
        seconds = time.perf_counter() - start
        times.append(seconds)
        flags = [creative_flags(c, brief) for c in result.creatives]
        usable = sum(f["usable"] for f in flags)
        returned += flags
        raw += [creative_flags(c, brief) for c, reason in result.dropped if "near-duplicate" not in reason]
        raw += flags
        per_brief.append({"id": brief_id, "category": category, "language": brief.language,
                          "platform": brief.platform, "usable": usable, "seconds": round(seconds, 2),
                          "dropped": result.drop_summary(2) if usable < n else ""})
        creatives += [{"id": brief_id, "category": category, "brief": _brief_line(brief),
                       "creative": c.fields} for c in result.creatives]
        print(f"  {name} seed {seed} {brief_id}: {usable}/{n} in {seconds:.1f}s", file=sys.stderr)
    requested = n * len(suite)
    by = {}
    for key in ("category", "language", "platform"):
        groups: dict[str, list[dict]] = {}
        for row in per_brief:
            groups.setdefault(row[key], []).append(row)
        by[key] = {k: round(100.0 * sum(r["usable"] for r in v) / (n * len(v)), 1) for k, v in groups.items()}
    summary = {
        "model": name, "seed": seed, "briefs": len(suite), "requested": requested,
        "yield": round(100.0 * sum(f["usable"] for f in returned) / requested, 2),
        "returned": rates(returned), "raw": rates(raw), "raw_candidates": len(raw),
        "seconds_per_brief": {"mean": round(statistics.mean(times), 2),
                              "p50": round(statistics.median(times), 2),
                              "p90": round(sorted(times)[int(0.9 * (len(times) - 1))], 2),
                              "max": round(max(times), 2)},
        "within_10s": round(100.0 * sum(t <= TIME_GOAL_S for t in times) / len(times), 1),
        "briefs_without_copy": [r["id"] for r in per_brief if r["usable"] == 0],
        "yield_by": by,
    }
    return summary, creatives


def _brief_line(brief: Brief) -> str:
    attributes = "; ".join(f"{k}: {v}" for k, v in brief.attributes)
    return f"{brief.product} [{brief.platform}, {brief.language}] {attributes}"


def write_sample(creatives: list[dict], size: int, path: Path, seed: int) -> None:
    picked = random.Random(seed).sample(creatives, min(size, len(creatives)))
    lines = ["| # | brief | creative | ship? |", "|---|---|---|---|"]
    for i, row in enumerate(picked, 1):
        text = " / ".join(f"{k}: {v}" for k, values in row["creative"].items() for v in values)
        lines.append(f"| {i} | {row['brief']} | {text.replace('|', '¦')} | |")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append",
                        help="default, house, a run folder, or an endpoint's model")
    parser.add_argument("--endpoint", help="OpenAI-compatible URL for the last --model")
    parser.add_argument("--baseline", default="default", help="the model the others are compared with")
    parser.add_argument("--briefs", type=Path, default=SUITE)
    parser.add_argument("-n", type=int, default=8)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--limit", type=int)
    parser.add_argument("--per-group", type=int, help="only the first K briefs of each category and language")
    parser.add_argument("--language", choices=("zh", "en"), help="only the briefs in this language")
    parser.add_argument("--sample", type=int, default=0)
    parser.add_argument("--sample-out", type=Path, default=Path("docs/creative-sample.md"))
    args = parser.parse_args()
    names = args.model or ["default", "house"]
    suite = load_suite(args.briefs, args.limit, args.per_group)
    if args.language:
        suite = [row for row in suite if row[2].language == args.language]
    results: dict[str, list[dict]] = {}
    first_creatives: list[dict] = []
    for index, name in enumerate(names):
        endpoint = args.endpoint if index == len(names) - 1 else None
        for seed in args.seeds:
            summary, creatives = run_model(name, endpoint, suite, args.n, seed)
            if index == 0 and seed == args.seeds[0]:
                first_creatives = creatives
            results.setdefault(name, []).append(summary)
            print(json.dumps(summary, ensure_ascii=False), flush=True)
    baseline = args.baseline if args.baseline in results else names[0]
    line = {"bench": "creative_quality", "baseline": baseline, "n": args.n, "seeds": args.seeds}
    for name, runs in results.items():
        yields = [r["yield"] for r in runs]
        line[name] = {"yield_mean": round(statistics.mean(yields), 2),
                      "yield_min": min(yields), "yield_max": max(yields),
                      "seconds_per_brief": round(statistics.mean(r["seconds_per_brief"]["mean"]
                                                                 for r in runs), 2)}
    for name in results:
        if name != baseline:
            base = line[baseline]
            line[f"{name}_vs_{baseline}"] = {
                "yield_ratio": round(line[name]["yield_mean"] / max(base["yield_mean"], 1e-9), 2),
                "time_ratio": round(line[name]["seconds_per_brief"]
                                    / max(base["seconds_per_brief"], 1e-9), 2)}
    print(json.dumps(line, ensure_ascii=False), flush=True)
    if args.sample:  # the sample is of the first model's creatives: the one being judged
        write_sample(first_creatives, args.sample, args.sample_out, seed=args.seeds[0])


if __name__ == "__main__":
    main()
