"""Precision and recall of adcraft.compliance on its labelled set, beside a naive substring matcher.

The labelled set (src/adcraft/compliance/data/labelled.jsonl) holds short zh/en ad texts written
for adcraft: clean copy, violations, evasions (最.佳, ＢＥＳＴ, N0.1, zero-width spaces) and innocent
look-alikes (第一次, best before, dry-cured ham), each with the categories it should trigger.

Scoring is per text and category: a category counts as found when any finding of it is reported.
"Blocking" scores only (text, category) pairs whose expected / reported severity is block.
Baseline: the same term lists, matched as plain case-insensitive substrings, with no folding, no
context exceptions, no regex patterns, no platform checks and no PII detector.

Splits: "dev" (305 texts) was written with the rules and tuned on. "heldout1" (71) was written after
that and first scored untuned at blocking precision 0.954 / recall 0.976 (baseline 0.667 / 0.571);
its three errors were then fixed, so it is dev now. "heldout2" (50) was written after that and first
scored untuned at precision 0.935 / recall 1.000 (baseline 0.640 / 0.552); its two false alarms
("Best of all", "cured under UV light") were then fixed too. "heldout3" (40) was written after
all later rule work and first scored untuned at precision 0.917 / recall 0.957 on 23 blocking
pairs (baseline 0.500 / 0.478); its errors (最受宝妈欢迎 missed; 最低59元起 and 今年最流行什么颜色？
flagged) were fixed afterwards. Those first scores (recorded here, not printed) are the out-of-sample
figures, not the current ones.

Prints one JSON line. `--errors` also lists the misses and false alarms on stderr.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from importlib import resources

from adcraft.compliance import check_text
from adcraft.compliance.checker import default_rules
from adcraft.compliance.rules import CATEGORIES

Labels = dict[str, str]  # category -> strongest severity


def load_labelled() -> list[dict]:
    path = resources.files("adcraft.compliance") / "data" / "labelled.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _strongest(pairs: list[tuple[str, str]]) -> Labels:
    out: Labels = {}
    for category, severity in pairs:
        if out.get(category) != "block":
            out[category] = severity
    return out


def adcraft_labels(row: dict) -> Labels:
    findings = check_text(
        row["text"],
        language=row["language"],
        platform=row.get("platform"),
        must_avoid=row.get("must_avoid", []),
        field=row.get("field"),
    )
    return _strongest([(f.category, f.severity) for f in findings])


def baseline_labels(row: dict) -> Labels:
    text = row["text"].lower()
    pairs = []
    for rule in default_rules().rules:
        if rule.locale not in ("any", row["language"]):
            continue
        if rule.platforms and row.get("platform") not in rule.platforms:
            continue
        if rule.fields and row.get("field") not in rule.fields:
            continue
        if any(term.lower() in text for term in rule.terms):
            pairs.append((rule.category, rule.severity))
    if any(word.lower() in text for word in row.get("must_avoid", [])):
        pairs.append(("must_avoid", "block"))
    return _strongest(pairs)


def _prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def score(rows: list[dict], predict, errors: list[str] | None = None) -> dict:
    per_cat: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    block = [0, 0, 0]
    text_block = [0, 0, 0]
    for row in rows:
        expected = _strongest([(e["category"], e["severity"]) for e in row["expected"]])
        got = predict(row)
        for category in set(expected) | set(got):
            counts = per_cat[category]
            if category in expected and category in got:
                counts[0] += 1
            elif category in got:
                counts[1] += 1
            else:
                counts[2] += 1
        exp_block = {c for c, s in expected.items() if s == "block"}
        got_block = {c for c, s in got.items() if s == "block"}
        block[0] += len(exp_block & got_block)
        block[1] += len(got_block - exp_block)
        block[2] += len(exp_block - got_block)
        e, g = bool(exp_block), bool(got_block)
        text_block[0] += e and g
        text_block[1] += g and not e
        text_block[2] += e and not g
        if errors is not None and expected != got:
            errors.append(f"{row['id']} [{row['kind']}] {row['text']!r}: expected {expected} got {got}")
    return {
        "blocking": _prf(*block),
        "texts_blocked": _prf(*text_block),
        "per_category": {c: _prf(*per_cat[c]) for c in CATEGORIES if c in per_cat},
    }


def main() -> None:
    rows = load_labelled()
    errors: list[str] = []
    t0 = time.perf_counter()
    ours = score(rows, adcraft_labels, errors)
    seconds = time.perf_counter() - t0
    base = score(rows, baseline_labels)
    if "--errors" in sys.argv:
        print("\n".join(errors) or "no disagreements", file=sys.stderr)
    b_ours, b_base = ours["blocking"], base["blocking"]
    result = {
        "bench": "compliance_quality",
        "texts": len(rows),
        "violating_texts": sum(bool(r["expected"]) for r in rows),
        "adcraft": ours,
        "baseline": {"name": "plain case-insensitive substring over the same term lists", **base},
        "ratio": {
            "blocking_recall": round(b_ours["recall"] / b_base["recall"], 3) if b_base["recall"] else None,
            "blocking_precision": round(b_ours["precision"] / b_base["precision"], 3)
            if b_base["precision"]
            else None,
        },
        "goal": {
            "blocking_recall>=0.95": b_ours["recall"] >= 0.95,
            "blocking_precision>=0.90": b_ours["precision"] >= 0.90,
        },
        "adcraft_ms_per_text": round(1000 * seconds / len(rows), 3),
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
