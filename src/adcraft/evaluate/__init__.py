"""adcraft.evaluate: text metrics (ADGEN convention), format and compliance rates, before/after reports.

```python
text_metrics(["这款外套很好看"], ["这款裙子很好看"], "zh")   # {"bleu-4": 30.74, "rouge-l": 80.0, ...}
evaluate_model("runs/adgen", "val.jsonl", compare=None, limit=40, out_dir="eval/")  # JSON + HTML
```
"""

from adcraft.evaluate.metrics import (
    ROW_METRICS,
    aggregate,
    bleu4,
    distinct_n,
    repeated_ngram_rate,
    rouge_f1,
    row_scores,
    text_metrics,
)
from adcraft.evaluate.runner import EVAL_DECODING, evaluate_model, within_limits, write_outputs

__all__ = [
    "EVAL_DECODING",
    "ROW_METRICS",
    "aggregate",
    "bleu4",
    "distinct_n",
    "evaluate_model",
    "repeated_ngram_rate",
    "rouge_f1",
    "row_scores",
    "text_metrics",
    "within_limits",
    "write_outputs",
]
