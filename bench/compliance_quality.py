"""Precision and recall of adcraft.compliance per law family, on a tuned and an untouched split,
beside a naive substring matcher, plus how much published e-commerce copy (ADGEN) it blocks.

Data (src/adcraft/compliance/data/):
- labelled.jsonl (466 texts): the first labelled set; every split of it has been tuned on.
- coverage.jsonl (583 texts): one block per family of the advertising law and the platforms
  (absolute terms, state organs, superstition, obscenity, gambling, prize bait, medical, efficacy,
  endorsement, education, financial, trademark, PII, off-platform contact) with hard clean cases
  and clean product copy. It was written and committed before the rules it measures; its split
  "untouched" (231 texts, 40% by hash of the text) is never used to tune a rule.

Split "tuned" = labelled.jsonl + coverage "tuned"; split "untouched" = coverage "untouched".
Scoring counts blocking (text, family) pairs: a family is reported when any blocking finding of
that category is; warnings (urgency, cited data) are left out. Baseline: the same term lists
matched as plain case-insensitive substrings: no folding, no context exceptions, no regex or
`near` patterns, no platform checks, no PII detector.

ADGEN: every creative ("summary") in ../shared/data/adgen-sample/*.jsonl (or $ADCRAFT_ADGEN_DIR)
is published copy; the bench counts how many the rules block and compares them with
data/adgen_review.jsonl, a reading of each blocked one (true violation or false alarm, and why).
The rows are read where they lie and never copied into the project.

Prints one JSON line. `--errors` lists disagreements on stderr; `--split tuned` scores only the
tuned split (use it while working on rules, so the untouched one stays untouched).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from adcraft.compliance import check_text
from adcraft.compliance.checker import default_rules
from adcraft.compliance.rules import CATEGORIES

Predict = Callable[[dict], set[str]]
ADGEN_DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "adgen-sample"


def _rows(name: str) -> list[dict]:
    path = resources.files("adcraft.compliance") / "data" / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def splits() -> dict[str, list[dict]]:
    coverage = _rows("coverage.jsonl")
    return {
        "tuned": _rows("labelled.jsonl") + [r for r in coverage if r["split"] == "tuned"],
        "untouched": [r for r in coverage if r["split"] == "untouched"],
    }


def expected_blocks(row: dict) -> set[str]:
    return {e["category"] for e in row["expected"] if e["severity"] == "block"}


def adcraft_blocks(row: dict) -> set[str]:
    findings = check_text(
        row["text"],
        language=row["language"],
        platform=row.get("platform"),
        must_avoid=row.get("must_avoid", []),
        field=row.get("field"),
    )
    return {f.category for f in findings if f.severity == "block"}


def baseline_blocks(row: dict) -> set[str]:
    text = row["text"].lower()
    out = set()
    for rule in default_rules().rules:
        if rule.severity != "block" or rule.locale not in ("any", row["language"]):
            continue
        if rule.platforms and row.get("platform") not in rule.platforms:
            continue
        if rule.fields and row.get("field") not in rule.fields:
            continue
        if any(term.lower() in text for term in rule.terms):
            out.add(rule.category)
    if any(word.lower() in text for word in row.get("must_avoid", [])):
        out.add("must_avoid")
    return out


def _prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "tp": tp, "fp": fp, "fn": fn}


def score(rows: list[dict], predict: Predict, errors: list[str] | None = None) -> dict:
    """Blocking precision / recall over (text, family) pairs, overall, per family and per text."""
    per_family: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    pairs = [0, 0, 0]
    texts = [0, 0, 0]
    for row in rows:
        expected, got = expected_blocks(row), predict(row)
        for family in expected | got:
            slot = 0 if family in expected and family in got else (1 if family in got else 2)
            per_family[family][slot] += 1
            pairs[slot] += 1
        if expected or got:
            texts[0 if expected and got else (1 if got else 2)] += 1
        if errors is not None and expected != got:
            errors.append(
                f"{row['id']} [{row.get('family', row.get('kind'))}] {row['text']!r}: "
                f"expected {sorted(expected)} got {sorted(got)}"
            )
    return {
        "texts": len(rows),
        "blocking": _prf(*pairs),
        "texts_blocked": _prf(*texts),
        "per_family": {c: _prf(*per_family[c]) for c in CATEGORIES if c in per_family},
    }


def adgen_report(predict: Predict, baseline: Predict) -> dict | None:
    """How many ADGEN creatives each matcher blocks, and how many of adcraft's blocks the review
    (data/adgen_review.jsonl) calls false alarms. None when the sample is not on this machine."""
    folder = Path(os.environ.get("ADCRAFT_ADGEN_DIR", ADGEN_DEFAULT))
    files = sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
    if not files:
        return None
    review = {(r["file"], r["line"]): r for r in _rows("adgen_review.jsonl")}
    blocked, base_blocked, false_alarms, unreviewed, total = [], 0, [], [], 0
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            total += 1
            row = {"text": json.loads(line)["summary"], "language": "zh"}
            base_blocked += bool(baseline(row))
            if not (got := predict(row)):
                continue
            blocked.append((path.name, n))
            verdict = review.get((path.name, n))
            if verdict is None:
                unreviewed.append(f"{path.name}:{n} {sorted(got)}")
            elif verdict["verdict"] == "false_alarm":
                false_alarms.append(f"{path.name}:{n}")
    return {
        "creatives": total,
        "blocked": len(blocked),
        "baseline_blocked": base_blocked,
        "reviewed_true_violations": len(blocked) - len(false_alarms) - len(unreviewed),
        "reviewed_false_alarms": len(false_alarms),
        "false_alarms": false_alarms,
        "unreviewed": unreviewed,
    }


def main() -> None:
    chosen = sys.argv[sys.argv.index("--split") + 1] if "--split" in sys.argv else None
    errors: list[str] = []
    result: dict = {"bench": "compliance_quality", "splits": {}}
    t0 = time.perf_counter()
    n_texts = 0
    for name, rows in splits().items():
        if chosen and name != chosen:
            continue
        ours = score(rows, adcraft_blocks, errors if "--errors" in sys.argv else None)
        base = score(rows, baseline_blocks)
        n_texts += len(rows)
        o, b = ours["blocking"], base["blocking"]
        result["splits"][name] = {
            "adcraft": ours,
            "baseline": {"blocking": b, "per_family": base["per_family"]},
            "ratio": {
                "recall": round(o["recall"] / b["recall"], 3) if b["recall"] else None,
                "precision": round(o["precision"] / b["precision"], 3) if b["precision"] else None,
            },
        }
    seconds = time.perf_counter() - t0
    result["baseline_name"] = "plain case-insensitive substring over the same term lists"
    if (untouched := result["splits"].get("untouched")) is not None:
        o = untouched["adcraft"]["blocking"]
        result["goal"] = {
            "untouched_recall>=0.97": o["recall"] >= 0.97,
            "untouched_precision>=0.95": o["precision"] >= 0.95,
        }
    if "--no-adgen" not in sys.argv:
        result["adgen"] = adgen_report(adcraft_blocks, baseline_blocks)
    result["ms_per_text_both_matchers"] = round(1000 * seconds / max(n_texts, 1), 3)
    if errors:
        print("\n".join(errors), file=sys.stderr)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
