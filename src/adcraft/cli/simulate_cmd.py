"""`adcraft simulate`: a seeded bandit-versus-A/B simulation that writes regret curves and a summary."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import typer

from adcraft.cli.errors import fail

POLICY_CHOICES = "ts, ucb, eps, lints, linucb"


def simulate(
    policy: str = typer.Option("ts", "--policy", help=f"Bandit policy: {POLICY_CHOICES}."),
    creatives: int = typer.Option(10, "--creatives", help="Number of creatives (2-500)."),
    segments: int = typer.Option(3, "--segments", help="Number of audience segments (1-64)."),
    rounds: int = typer.Option(20_000, "--rounds", help="Visitors to simulate (10-5,000,000)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the hidden CTRs, visitors and clicks."),
    out: Path = typer.Option(Path("simulation"), "--out", help="Folder for regret.png and summary.json."),
) -> None:
    """Run a policy and an equal-split A/B test on the same hidden CTRs; write regret.png + summary.json."""
    from rich.console import Console

    from adcraft.core.errors import InputError
    from adcraft.optimize.simulate import check_simulation_args, plot_regret, run_simulation

    try:
        check_simulation_args(policy, creatives, segments, rounds, seed)
        if out.exists() and not out.is_dir():
            raise InputError(f"--out {out} is a file: pass a folder (it is created if missing)")
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"--out {out} cannot be created: {exc.strerror}") from None
        console = Console(stderr=True)
        with console.status(f"simulating {rounds:,} visitors with {policy} and an A/B test"):
            result = run_simulation(policy, creatives=creatives, segments=segments, rounds=rounds, seed=seed)
        summary = result.summary()
        # Write both files under temporary names, then rename: never a half-written output.
        with tempfile.TemporaryDirectory(dir=out, prefix=".simulate-") as tmp:
            png, js = Path(tmp) / "regret.png", Path(tmp) / "summary.json"
            plot_regret(result, png)
            js.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
            os.replace(png, out / "regret.png")
            os.replace(js, out / "summary.json")
    except InputError as exc:
        fail(str(exc))
    p, ab = summary["policy_result"], summary["ab_result"]
    ratio = summary["regret_ratio"]
    console.print(
        f"{policy}: regret {p['cumulative_regret']:.1f}, clicks {p['clicks']:,} | "
        f"A/B: regret {ab['cumulative_regret']:.1f}, clicks {ab['clicks']:,} | "
        f"regret ratio {ratio:.2f}" if ratio is not None else "A/B regret is 0 (all creatives equal)"
    )
    print(json.dumps({"summary": str(out / "summary.json"), "plot": str(out / "regret.png"),
                      "regret_ratio": ratio, "extra_clicks": summary["extra_clicks"]}))


def register(app: typer.Typer) -> None:
    """Add `simulate` to the app."""
    app.command("simulate")(simulate)
