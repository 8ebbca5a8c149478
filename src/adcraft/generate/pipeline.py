"""From a brief to ranked, fitted, compliant creatives.

One round: ONE batched `complete` call for all candidates of the brief (n variants + oversample),
then per candidate: parse -> fit every field to its limit -> fill multi-count fields -> compliance
check (blocking finding -> rewrite with the checker's suggestions -> re-check) -> score. Survivors
are ranked and near-duplicates removed; if fewer than n remain, another round regenerates the
shortfall with a derived seed. Whatever still fails goes to `dropped` with its reason: a blocked
creative is never returned.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, fields

from adcraft.compliance import banned_terms
from adcraft.compliance.faithfulness import without_instructions
from adcraft.compliance.quality import clean_product
from adcraft.core import Brief, Creative, Platform, get_platform
from adcraft.data import PLACEHOLDER
from adcraft.generate.fitting import clause_fragments, fill_counts, fit_fields, fit_text
from adcraft.generate.gates import Gate
from adcraft.generate.prompts import PROMPT_VERSION, build_prompt, parse_output, prompt_examples
from adcraft.generate.ranking import (
    NEAR_DUPLICATE_JACCARD,
    char_ngrams,
    jaccard,
    rank_and_dedupe,
    score_creative,
)
from adcraft.models.base import Generator, decoding_defaults

_ROUND_SEED_STEP = 7919  # a derived seed per regeneration round keeps every round reproducible


@dataclass
class GenerationConfig:
    """Decoding and selection settings; `for_model` starts from a training run's decoding.json."""

    temperature: float = 0.8
    top_p: float = 0.95
    epsilon_cutoff: float = 0.0  # > 0: epsilon sampling, tokens under this probability are never drawn
    # Hugging Face applies the penalty to the prompt's tokens too; above ~1.1 a small model starts
    # avoiding ordinary words of a long prompt and writes gibberish. n-gram blocking stops loops.
    repetition_penalty: float = 1.05
    no_repeat_ngram_size: int = 4
    max_new_tokens: int | None = None  # None: estimated from the platform's limits
    oversample: int | None = None  # extra candidates per round; None: max(2, n // 2)
    max_rounds: int = 2  # the first round plus regenerations for what was dropped
    dedupe_threshold: float = NEAR_DUPLICATE_JACCARD
    do_sample: bool = True
    # > 0: this many logits added to the tokens of the brief's own words (product, attribute values,
    # brand, must-include): copy that says what the brief says instead of inventing.
    favour_brief_words: float = 0.0
    block_banned_terms: bool = True  # pass compliance.banned_terms + must_avoid as bad words

    @classmethod
    def for_model(cls, spec: str | None, **overrides: object) -> GenerationConfig:
        # A run's decoding.json is the recipe's evaluation decoding: one greedy creative of up to 160
        # tokens a row. N variants must be sampled, or every variant is the same greedy text and all
        # but one are dropped as near-duplicates; and the platform's limits size max_new_tokens (160
        # tokens for a 30-character title is 5x the decoding). So the run's temperature, top-p and
        # repetition control apply, its do_sample and max_new_tokens do not.
        known = {f.name for f in fields(cls)} - {"do_sample", "max_new_tokens"}
        values = {k: v for k, v in decoding_defaults(spec).items() if k in known}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


@dataclass
class GenerationResult:
    creatives: list[Creative]
    dropped: list[tuple[Creative, str]] = field(default_factory=list)
    prompt: str = ""

    def drop_summary(self, top: int = 3) -> str:
        """The commonest drop reasons with their counts, e.g. '5x unfaithful to the brief: ...'."""
        counts = Counter(reason for _, reason in self.dropped)
        return "; ".join(f"{count}x {reason}" for reason, count in counts.most_common(top))


# A long field (a 1,000-character note body) gets this many tokens at most: ad copy that long is rare,
# and one rambling variant would keep the whole batch decoding to the cap.
_MAX_FIELD_TOKENS = 120


def estimate_max_new_tokens(platform: Platform, language: str) -> int:
    """Enough tokens for every field at its minimum count: ~1 token per Chinese character,
    ~1 per 3.5 English characters (at most _MAX_FIELD_TOKENS a field), plus a label per line."""
    total = 0.0
    for spec in platform.fields:
        chars = spec.max_length / 2 if platform.unit == "width" and language == "zh" else spec.max_length
        per_token = 1.0 if language == "zh" else 3.5
        total += spec.min_count * (min(chars / per_token, _MAX_FIELD_TOKENS) + 4)
    return int(min(256, max(24, math.ceil(total))))


def _fallback_texts(brief: Brief) -> list[str]:
    sep = "" if brief.language == "zh" else " "
    values = [v for _, v in brief.attributes]
    texts = [brief.product, f"{brief.brand}{sep}{brief.product}" if brief.brand else "",
             sep.join([brief.product, *values[:2]]), sep.join(brief.must_include)]
    return [t for t in texts if t.strip()]


def brief_words(brief: Brief) -> list[str]:
    """The brief's own words: product, brand, attribute values, must-include terms."""
    values = [without_instructions(w).strip() for w in (brief.brand, *(v for _, v in brief.attributes),
                                                         *brief.must_include)]
    return [w for w in (clean_product(brief.product), *values) if w]


def _complete(generator: Generator, prompt: str, count: int, brief: Brief, config: GenerationConfig,
              seed: int | None, bad_words: list[str]) -> list[tuple[str, float | None]]:
    platform = get_platform(brief.platform)
    options = dict(
        n=count,
        max_new_tokens=config.max_new_tokens or estimate_max_new_tokens(platform, brief.language),
        temperature=config.temperature,
        top_p=config.top_p,
        repetition_penalty=config.repetition_penalty,
        no_repeat_ngram_size=config.no_repeat_ngram_size,
        do_sample=config.do_sample,
        seed=seed,
        bad_words=bad_words or None,
    )
    if config.epsilon_cutoff > 0:  # only then: a backend without epsilon sampling need not know the key
        options["epsilon_cutoff"] = config.epsilon_cutoff
    if config.favour_brief_words > 0 and getattr(generator, "favours_words", False):
        options.update(favour_words=brief_words(brief), favour_bias=config.favour_brief_words)
    if hasattr(generator, "complete_scored"):
        return generator.complete_scored([prompt], language=brief.language, **options)[0]
    return [(text, None) for text in generator.complete([prompt], **options)[0]]


def _candidate(text: str, logprob: float | None, brief: Brief, platform: Platform, model_id: str,
               seed: int | None, pool: list[str], gate: Gate) -> tuple[Creative, str | None]:
    parsed = parse_output(text, platform, brief.language)
    fitted, problems = fit_fields(parsed, platform)
    screened, reasons = gate.screen_fields(fitted)
    if not any(screened.values()):  # every value failed: topping up from other text would not be this copy
        creative = Creative(platform=platform.id, language=brief.language, fields=fitted, model_id=model_id,
                            prompt_version=PROMPT_VERSION, seed=seed)
        return creative, (reasons[0] if reasons else "no usable text in the model's output")
    own = [frag for values in screened.values() for v in values for frag in clause_fragments(v)]
    short = fill_counts(screened, platform, own + pool + _fallback_texts(brief))
    creative = Creative(platform=platform.id, language=brief.language, fields=screened, model_id=model_id,
                        prompt_version=PROMPT_VERSION, seed=seed)
    if short:
        return creative, "too few usable values: " + "; ".join(short + reasons[:2] + problems[:1])
    reason = gate.review(creative)
    score_creative(creative, brief, platform, logprob)
    return creative, reason


def _screened_pool(outputs: list[tuple[str, float | None]], platform: Platform, gate: Gate) -> list[str]:
    """Every value of this round's outputs that passes the value gates, to top up short fields."""
    pool: list[str] = []
    for text, _ in outputs:
        for name, values in parse_output(text, platform, gate.brief.language).items():
            for value in values:
                fitted = fit_text(value, platform, name)
                screened = gate.screen(fitted, name)[0] if fitted else None
                if screened and screened not in pool:
                    pool.append(screened)
    return pool


def _holds_a_placeholder(creative: Creative, brief: Brief) -> str | None:
    """Why the creative is not shippable, if it holds a data placeholder (`adcraft.data.PLACEHOLDER`)
    that the brief does not: such a creative is dropped and regenerated like a blocked one."""
    own = " ".join([brief.product, brief.brand, *(v for _, v in brief.attributes), *brief.must_include,
                    *brief.examples])
    for values in creative.fields.values():
        for value in values:
            for match in PLACEHOLDER.finditer(value):
                if match.group() not in own:  # a brief may really name a product "<X>"
                    return f"holds a training-data placeholder ({match.group()!r}), not ad copy"
    return None


def _copies_an_example(creative: Creative, examples: list[set[str]], threshold: float) -> str | None:
    grams = char_ngrams(creative.text(" "))
    similarity = max((jaccard(grams, example) for example in examples), default=0.0)
    if similarity >= threshold:
        return f"copies a few-shot example of the prompt (3-gram Jaccard {similarity:.2f})"
    return None


def generate_creatives(brief: Brief, generator: Generator, config: GenerationConfig | None = None,
                       seed_texts: list[str] | None = None) -> GenerationResult:
    """brief.n_variants ranked creatives that fit the platform and pass compliance (see module doc)."""
    config = config or GenerationConfig()
    platform = get_platform(brief.platform)
    prompt = build_prompt(brief, seed_texts)
    gate = Gate(brief, platform, list(brief.examples))
    examples = [char_ngrams(example) for example in prompt_examples(brief, seed_texts)]
    banned = banned_terms(brief.language) if config.block_banned_terms else []
    bad_words = [*banned, *brief.must_avoid]
    n = brief.n_variants
    oversample = config.oversample if config.oversample is not None else max(2, n // 2)
    valid: list[Creative] = []
    rejected: list[tuple[Creative, str]] = []
    kept: list[Creative] = []
    duplicates: list[tuple[Creative, str]] = []
    for round_index in range(max(1, config.max_rounds)):
        count = (n - len(kept)) + oversample
        seed = None if brief.seed is None else brief.seed + _ROUND_SEED_STEP * round_index
        outputs = _complete(generator, prompt, count, brief, config, seed, bad_words)
        pool = _screened_pool(outputs, platform, gate)
        for text, logprob in outputs:
            creative, reason = _candidate(text, logprob, brief, platform, generator.model_id, seed,
                                          pool, gate)
            if reason is None:
                reason = _holds_a_placeholder(creative, brief)
            if reason is None:
                reason = _copies_an_example(creative, examples, config.dedupe_threshold)
            if reason is None:
                valid.append(creative)
            else:
                rejected.append((creative, reason))
        kept, duplicates = rank_and_dedupe(valid, config.dedupe_threshold)
        if len(kept) >= n:
            break
    return GenerationResult(creatives=kept[:n], dropped=rejected + duplicates, prompt=prompt)
