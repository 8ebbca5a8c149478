"""One self-contained HTML report of an evaluation: metric table, plots as inline PNG, sample rows.

Everything is inline (CSS, images as base64 data URIs), so the file can be mailed or attached to a
ticket and opens anywhere. All text from data and models is HTML-escaped by Jinja's autoescape.
"""

from __future__ import annotations

import base64
import io
from functools import cache
from importlib import resources

import jinja2

METRIC_ROWS = (
    ("bleu-4", "BLEU-4", "characters (zh) / words (en), nltk smoothing method3, x100, per-row mean"),
    ("rouge-1", "ROUGE-1 F1", "jieba words (zh) / lower-cased words (en), x100, per-row mean"),
    ("rouge-2", "ROUGE-2 F1", "as ROUGE-1, bigrams"),
    ("rouge-l", "ROUGE-L F1", "as ROUGE-1, longest common subsequence"),
    ("distinct-1", "distinct-1", "distinct unigrams / all unigrams over all outputs, x100"),
    ("distinct-2", "distinct-2", "distinct bigrams / all bigrams over all outputs, x100"),
    ("rep-4", "repeated 4-grams", "% of an output's 4-grams repeating an earlier one (lower is better)"),
    ("mean_len", "mean length", "characters per output (reference: see below)"),
    ("within_limits", "within platform limits", "% of outputs whose fields fit the platform's limits"),
    ("flagged", "compliance findings", "% of outputs with any compliance finding (lower is better)"),
    ("blocked", "compliance blocking", "% of outputs with a blocking finding (lower is better)"),
    ("on_product", "on product", "% of outputs naming the product or its category"),
    ("contradiction", "contradictions", "% with an attribute the brief contradicts (lower is better)"),
    ("unsupported", "unsupported claims", "% with a claim not in the brief (lower is better)"),
    ("copied", "copied phrases", "% copying a run of a prompt example (lower is better)"),
    ("truncated", "truncated", "% with a value cut mid-phrase (lower is better)"),
    ("usable", "usable", "% passing every gate: law, platform, faithfulness, quality"),
)
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "AR PL UMing CN")


@cache
def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no display; also safe in threads of a web server
    from matplotlib import font_manager, pyplot

    installed = {font.name for font in font_manager.fontManager.ttflist}
    cjk = [name for name in CJK_FONTS if name in installed]
    # a CJK font where one exists, so Chinese labels are not drawn as empty boxes; DejaVu otherwise
    pyplot.rcParams["font.sans-serif"] = cjk + ["DejaVu Sans"]
    pyplot.rcParams["font.family"] = "sans-serif"
    return pyplot


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    _pyplot().close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _label(run: dict) -> str:
    return f"{run['label']}: {run['model']}"


def length_plot(result: dict) -> str:
    """Histogram of output lengths per model against the reference lengths."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.2))
    series = [("reference", [len(r["reference"]) for r in result["rows"]])]
    for i, run in enumerate(result["runs"]):
        series.append((_label(run), [len(r["outputs"][i]["output"]) for r in result["rows"]]))
    top = max((max(v) for _, v in series if v), default=1) or 1
    bins = list(range(0, top + max(top // 25, 1) + 1, max(top // 25, 1)))
    for name, values in series:
        ax.hist(values, bins=bins, histtype="step", linewidth=1.6, label=name)
    ax.set_xlabel("length (characters)")
    ax.set_ylabel("rows")
    ax.legend(fontsize=8)
    return _png(fig)


def score_plot(result: dict) -> str:
    """Per-row BLEU-4 and ROUGE-L distributions per model."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    bins = list(range(0, 105, 5))
    for ax, metric in zip(axes, ("bleu-4", "rouge-l"), strict=True):
        for i, run in enumerate(result["runs"]):
            values = [r["outputs"][i]["scores"][metric] for r in result["rows"]]
            ax.hist(values, bins=bins, histtype="step", linewidth=1.6, label=_label(run))
        ax.set_xlabel(f"{metric} per row")
        ax.set_ylabel("rows")
        ax.legend(fontsize=8)
    return _png(fig)


def sample_rows(rows: list[dict], size: int) -> list[dict]:
    """`size` rows spread evenly over the data (all of them when there are fewer)."""
    if len(rows) <= size:
        return rows
    step = len(rows) / size
    return [rows[int(i * step)] for i in range(size)]


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    source = resources.files("adcraft.evaluate").joinpath("report.html").read_text(encoding="utf-8")
    return env.from_string(source)


def render_html(result: dict, sample_size: int = 20) -> str:
    """The report as one HTML string."""
    metrics = [
        {"key": key, "name": name, "help": help_text,
         "values": [run["metrics"].get(key) for run in result["runs"]]}
        for key, name, help_text in METRIC_ROWS
    ]
    ref_len = sum(len(r["reference"]) for r in result["rows"]) / max(len(result["rows"]), 1)
    return _template().render(
        result=result,
        runs=result["runs"],
        metrics=metrics,
        ref_mean_len=ref_len,
        length_png=length_plot(result),
        score_png=score_plot(result),
        samples=sample_rows(result["rows"], sample_size),
    )
