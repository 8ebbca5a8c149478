"""`adcraft simulate` and the simulation behind it."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from adcraft.cli.main import app
from adcraft.optimize.simulate import run_simulation


def test_simulation_is_seeded_and_thompson_beats_the_ab_test():
    first = run_simulation("ts", creatives=6, segments=2, rounds=6000, seed=3).summary()
    again = run_simulation("ts", creatives=6, segments=2, rounds=6000, seed=3).summary()
    other = run_simulation("ts", creatives=6, segments=2, rounds=6000, seed=4).summary()
    assert first == again and first != other
    assert first["regret_ratio"] < 0.6
    assert first["policy_result"]["share_on_best"] > 1 / 6 + 0.2
    assert first["policy_result"]["clicks"] > first["ab_result"]["clicks"]


def test_cli_writes_plot_and_summary(tmp_path):
    out = tmp_path / "sim"
    result = CliRunner().invoke(app, ["simulate", "--policy", "linucb", "--creatives", "4", "--segments", "2",
                                      "--rounds", "2000", "--seed", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "regret.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["policy"] == "linucb" and summary["rounds"] == 2000 and summary["creatives"] == 4
    assert summary["regret_ratio"] == pytest.approx(summary["policy_result"]["cumulative_regret"]
                                                   / summary["ab_result"]["cumulative_regret"])
    assert sorted(p.name for p in out.iterdir()) == ["regret.png", "summary.json"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--policy", "softmax"], "unknown policy"),
        (["--creatives", "1"], "--creatives"),
        (["--rounds", "0"], "--rounds"),
        (["--segments", "1000"], "--segments"),
        (["--seed", "-1"], "--seed"),
    ],
)
def test_cli_rejects_bad_input_with_exit_2_and_no_files(tmp_path, args, message):
    out = tmp_path / "sim"
    result = CliRunner().invoke(app, ["simulate", *args, "--out", str(out)])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_cli_rejects_a_file_as_out(tmp_path):
    target = tmp_path / "taken"
    target.write_text("x")
    result = CliRunner().invoke(app, ["simulate", "--rounds", "100", "--out", str(target)])
    assert result.exit_code == 2 and "is a file" in result.output
    assert target.read_text() == "x"
