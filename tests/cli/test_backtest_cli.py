"""`aurum backtest` replays a version (progress on stderr, the in-sample flag loud in text, JSON
and stderr) and `aurum backtests` lists the stored runs; bad requests exit 1 with the reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli.main import main
from engine.services import Desk
from tests.dashboard.desks import seeded_copy

V1 = "XAUUSD-M5-scalper:v1"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def demo_home(tmp_path: Path) -> str:
    return str(seeded_copy(tmp_path / "home"))


def test_backtest_after_training_then_over_it(demo_home: str, capsys: pytest.CaptureFixture[str]):
    code, out, err = run(capsys, "backtest", V1, "--home", demo_home, "--json")
    first = json.loads(out)
    assert code == 0 and first["status"] == "succeeded" and first["trades"] > 0
    assert (first["in_sample"], first["in_sample_bars"], first["warning"]) == (False, 0, "")
    assert "100.0%" in err and "predicting" in err and "WARNING" not in err
    assert first["metrics"]["trades"] == first["trades"]
    with Desk.open(demo_home) as desk:
        train_end = desk.version(V1).train_end
        stored = desk.backtest_run_trades(first["id"])
    assert len(stored) == first["trades"]
    assert sum(t.net_profit for t in stored) == pytest.approx(first["metrics"]["net_profit"])
    start = f"{train_end:%Y-%m-%d}"
    code, out, err = run(
        capsys, "backtest", V1, "--from", start, "--spread-points", "30", "--home", demo_home,
        "--json",
    )  # fmt: skip
    second = json.loads(out)
    assert code == 0 and second["in_sample"] and 0 < second["in_sample_percent"] < 100
    assert second["overrides"] == {"spread_points": 30.0}
    assert f"WARNING: IN-SAMPLE: {second['in_sample_bars']:,} of" in err
    assert second["warning"] in err

    code, out, _ = run(capsys, "backtest", V1, "--from", start, "--home", demo_home)
    assert code == 0 and out.count("!!! IN-SAMPLE") == 2  # first and last line
    assert "costs: spread each bar's own" in out and "manual backtest" in out

    code, out, _ = run(capsys, "backtests", "--home", demo_home, "--json")
    listed = json.loads(out)
    assert [r["id"] for r in listed] == [3, 2, 1]
    assert [r["in_sample"] for r in listed] == [True, True, False]
    code, out, _ = run(capsys, "backtests", "--home", demo_home)
    assert code == 0 and "IN-SAMPLE" in out and "out of sample" in out
    assert "spread_points 30" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["99"], "model version 99 does not exist"),
        ([V1, "--from", "2026-13-01"], "is not a date"),
        ([V1, "--timeframe", "H1"], "cannot replay H1 bars"),
        ([V1, "--from", "2026-03-06", "--to", "2026-03-02"], "before it starts"),
        ([V1, "--commission-per-lot", "-1"], "commission_per_lot"),
        ([V1, "--from", "2031-03-03"], "no XAUUSD M5 bars stored from 2031-03-03"),
    ],
)
def test_bad_backtests_exit_1_and_store_nothing(
    demo_home: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
):
    code, out, err = run(capsys, "backtest", *args, "--home", demo_home)
    assert code == 1 and out == "" and message in err
    code, out, _ = run(capsys, "backtests", "--home", demo_home, "--json")
    assert json.loads(out) == []


def test_a_queued_backtest_waits_for_the_services(
    demo_home: str, capsys: pytest.CaptureFixture[str]
):
    code, out, _ = run(capsys, "backtest", V1, "--queue", "--home", demo_home)
    assert code == 0 and "queued backtest run #1" in out and "no services are running" in out
    code, out, _ = run(capsys, "backtests", "--home", demo_home, "--json")
    assert [(r["id"], r["status"]) for r in json.loads(out)] == [(1, "queued")]
