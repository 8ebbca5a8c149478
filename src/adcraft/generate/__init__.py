"""adcraft.generate: prompts, batched multi-variant decoding, length fitting, de-duplication, ranking."""

from adcraft.generate.fitting import clean_text, fit_fields, fit_text
from adcraft.generate.pipeline import (
    GenerationConfig,
    GenerationResult,
    estimate_max_new_tokens,
    generate_creatives,
)
from adcraft.generate.prompts import PROMPT_VERSION, build_prompt, format_target, parse_output
from adcraft.generate.ranking import char_ngrams, jaccard, rank_and_dedupe, score_creative

__all__ = [
    "PROMPT_VERSION",
    "GenerationConfig",
    "GenerationResult",
    "build_prompt",
    "char_ngrams",
    "clean_text",
    "estimate_max_new_tokens",
    "fit_fields",
    "fit_text",
    "format_target",
    "generate_creatives",
    "jaccard",
    "parse_output",
    "rank_and_dedupe",
    "score_creative",
]
