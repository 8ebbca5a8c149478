"""adcraft.train: fine-tuning (LoRA, full, prefix / prompt tuning, AdaLoRA through peft).

```python
from adcraft.train import build_config, train, export_merged
run_dir, result = train(build_config(data="train.jsonl", method="lora", out="runs/ad"))
export_merged(run_dir, "merged-model")     # LoRA / AdaLoRA / full; not prefix / prompt tuning
```
"""

from adcraft.train.config import METHODS, RECIPE_DECODING, TrainConfig, build_config
from adcraft.train.export import export_merged
from adcraft.train.sft.trainer import TrainingDiverged, TrainResult
from adcraft.train.sft.workflow import run_sft as train

__all__ = [
    "METHODS",
    "RECIPE_DECODING",
    "TrainConfig",
    "TrainResult",
    "TrainingDiverged",
    "build_config",
    "export_merged",
    "train",
]
