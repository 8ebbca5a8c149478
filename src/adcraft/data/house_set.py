"""The house set: brief -> creative pairs written for adcraft, every claim grounded in its brief.

`pairs.jsonl` (in `adcraft/data/house/`, 384 pairs over 12 categories, six platforms, zh and en)
teaches a base model the ad formats and to write only what a brief states. The house adapter is
trained on it plus the ADGEN sample (`python -m adcraft.data.house_set ADGEN.jsonl OUT.jsonl` writes
the combined training file; see `adcraft/data/house/README.md` for the command and figures).
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path

from adcraft.core import Brief


def house_pairs_path() -> Path:
    return Path(str(resources.files("adcraft.data").joinpath("house/pairs.jsonl")))


def adgen_as_adcraft(row: dict) -> dict:
    """An AdvertiseGen row as an adcraft JSONL row for the generic platform."""
    brief = Brief.from_adgen(row["content"], platform="generic")
    return {"product": brief.product, "attributes": row["content"], "platform": "generic", "language": "zh",
            "fields": {"text": [row["summary"].strip()]}}


def write_training_file(adgen: Path, out: Path) -> int:
    """The house pairs and the ADGEN rows in one adcraft JSONL file; the number of rows written."""
    rows = [line for line in house_pairs_path().read_text(encoding="utf-8").splitlines() if line.strip()]
    for line in adgen.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append(json.dumps(adgen_as_adcraft(json.loads(line)), ensure_ascii=False))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text("\n".join(rows) + "\n", encoding="utf-8")
    tmp.replace(out)
    return len(rows)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m adcraft.data.house_set ADGEN_TRAIN.jsonl OUT.jsonl")
    print(write_training_file(Path(sys.argv[1]), Path(sys.argv[2])), "rows written to", sys.argv[2])
