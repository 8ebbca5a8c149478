"""adcraft.data: read and validate datasets (AdvertiseGen JSONL, adcraft JSONL, CSV), scrub PII, split.

```python
examples = load_examples("train.jsonl")              # PII scrubbed, exact duplicates dropped
train, val = split_by_product(examples, val_fraction=0.1, seed=0)
check_overlap(train, val)                            # [] -> no product on both sides
fingerprint(examples)                                # sha256 of the normalised examples, in order
```

AdvertiseGen's placeholders `<UNK>` and `BRAND` are kept as they are (see `readers`); `PLACEHOLDER`
matches them and the PII placeholders.
"""

from adcraft.data.examples import PLACEHOLDER, Example, ExampleList, Problem, fingerprint
from adcraft.data.loading import load_examples, parse_columns, scrub_example
from adcraft.data.readers import FORMATS
from adcraft.data.split import check_overlap, describe_product, split_by_product
from adcraft.data.stats import length_stats, summarize

__all__ = [
    "FORMATS",
    "PLACEHOLDER",
    "Example",
    "ExampleList",
    "Problem",
    "check_overlap",
    "describe_product",
    "fingerprint",
    "length_stats",
    "load_examples",
    "parse_columns",
    "scrub_example",
    "split_by_product",
    "summarize",
]
