"""Creatives per second: adcraft's batched path vs a naive loop of one model.generate per variant.

Same model (the packaged Gemma 3 270M unless --model), same prompts, same sampling settings
(temperature, top-p, repetition penalty, n-gram blocking, stop at a blank line, max_new_tokens),
same run. Creatives/s counts decoded candidate creatives (briefs x variants) per second of the whole
path (prompt, decode, parse, fit; adcraft also runs compliance); *_usable_creatives says how many
came out parsed and fitted.

- adcraft: `generate_creatives` per brief: ONE generate call decodes all variants of the brief
  (num_return_sequences), with the output vocabulary restricted to the brief's language.
- adcraft_full_vocab: the same batched path with the full 262k-token output layer (--no-full-vocab
  skips it), to show how much of the gain is batching and how much is the smaller output layer.
- naive: for each variant, one `model.generate` on the full vocabulary.

Prints ONE JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import torch

from adcraft.core import Brief, get_platform
from adcraft.generate import GenerationConfig, build_prompt, fit_fields, generate_creatives, parse_output
from adcraft.models import load_generator

ADGEN_BRIEFS = [
    "类型#上衣*材质#牛仔布*颜色#白色*风格#简约",
    "类型#裙*版型#显瘦*材质#针织*风格#性感*裙型#a字",
    "类型#裤*风格#休闲*裤长#长裤",
    "类型#上衣*版型#宽松*颜色#红色*图案#条纹*衣样式#衬衫",
    "类型#裙*材质#雪纺*风格#清新*图案#碎花*裙长#连衣裙",
    "类型#上衣*材质#羊毛*风格#复古*衣样式#毛衣",
    "类型#鞋*风格#运动*材质#网纱*鞋款式#跑鞋",
    "类型#包*风格#通勤*材质#牛皮*包款式#双肩包",
]


def _adcraft(generator, briefs: list[Brief], config: GenerationConfig) -> tuple[float, int]:
    start = time.perf_counter()
    made = sum(len(generate_creatives(brief, generator, config).creatives) for brief in briefs)
    return time.perf_counter() - start, made


def _naive(generator, briefs: list[Brief], config: GenerationConfig) -> tuple[float, int]:
    model, tokenizer = generator.model, generator.tokenizer
    made = 0
    start = time.perf_counter()
    for brief in briefs:
        platform = get_platform(brief.platform)
        inputs = tokenizer([build_prompt(brief)], return_tensors="pt")
        for variant in range(brief.n_variants):
            torch.manual_seed(brief.seed + variant)
            with torch.inference_mode():
                out = model.generate(
                    **inputs, do_sample=True, temperature=config.temperature, top_p=config.top_p, top_k=0,
                    repetition_penalty=config.repetition_penalty,
                    no_repeat_ngram_size=config.no_repeat_ngram_size,
                    max_new_tokens=config.max_new_tokens, eos_token_id=generator._stop_ids,
                    pad_token_id=tokenizer.pad_token_id,
                )
            text = tokenizer.decode(out[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
            fields, _ = fit_fields(parse_output(text, platform, brief.language), platform)
            made += all(len(fields[spec.name]) >= spec.min_count for spec in platform.fields)
    return time.perf_counter() - start, made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--briefs", type=int, default=8)
    parser.add_argument("--variants", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--no-full-vocab", action="store_true", help="skip the full-vocabulary batched run")
    args = parser.parse_args()

    generator = load_generator(args.model)
    briefs = [Brief.from_adgen(content, platform="generic", n_variants=args.variants, seed=100 + i)
              for i, content in enumerate((ADGEN_BRIEFS * 8)[: args.briefs])]
    # Same work on both sides: no oversampling, no regeneration round, no dedup pruning.
    config = GenerationConfig(max_new_tokens=args.max_new_tokens, oversample=0, max_rounds=1,
                              dedupe_threshold=1.01)
    generate_creatives(briefs[0].model_copy(update={"n_variants": 1}), generator,
                       GenerationConfig(max_new_tokens=4, oversample=0, max_rounds=1))  # warm-up

    batched_s, batched_made = _adcraft(generator, briefs, config)
    decoded = args.briefs * args.variants  # candidate creatives each side decodes
    result = {
        "bench": "generate_speed",
        "model": generator.model_id,
        "threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "briefs": args.briefs,
        "variants": args.variants,
        "max_new_tokens": args.max_new_tokens,
        "adcraft_creatives_per_s": round(decoded / batched_s, 4),
        "adcraft_s": round(batched_s, 2),
        "adcraft_usable_creatives": batched_made,
    }
    if not args.no_full_vocab:
        generator.restrict_vocab = False
        full_s, full_made = _adcraft(generator, briefs, config)
        generator.restrict_vocab = True
        result.update(adcraft_full_vocab_creatives_per_s=round(decoded / full_s, 4),
                      adcraft_full_vocab_s=round(full_s, 2))
    naive_s, naive_made = _naive(generator, briefs, config)
    result.update(
        naive_creatives_per_s=round(decoded / naive_s, 4),
        naive_s=round(naive_s, 2),
        naive_usable_creatives=naive_made,
        ratio=round(naive_s / batched_s, 2),
    )
    if "adcraft_full_vocab_s" in result:
        result["ratio_full_vocab"] = round(naive_s / result["adcraft_full_vocab_s"], 2)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
