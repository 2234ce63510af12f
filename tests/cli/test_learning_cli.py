"""import-bars → train → sessions/session/show → signal through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli.main import main
from engine.data.synthetic import generate_bars
from engine.services import init_home


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def bars_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    bars = generate_bars(n_bars=8000, seed=11, momentum=0.25)
    path = tmp_path_factory.mktemp("files") / "bars.csv"
    out = bars.assign(time=bars["time"].dt.strftime("%Y-%m-%d %H:%M:%S"))
    out.rename(columns={"spread_points": "spread"}).to_csv(path, index=False)
    return path


def test_import_train_show_signal(
    tmp_path: Path, bars_csv: Path, capsys: pytest.CaptureFixture[str]
):
    h = str(tmp_path / "h")
    init_home(h)
    for key, value in [
        ("learning.n_folds", "3"),
        ("learning.min_train_bars", "1500"),
        ("learning.algorithms", '["logistic_regression"]'),
    ]:
        assert run(capsys, "config", "set", key, value, "--home", h)[0] == 0
    code, out, err = run(
        capsys,
        "import-bars",
        str(bars_csv),
        "--symbol",
        "XAUUSD",
        "--timeframe",
        "M5",
        "--home",
        h,
        "--json",
    )
    report = json.loads(out)
    assert code == 0 and report["new"] == 8000 and report["source_format"] == "csv"
    assert "100.0%" in err  # the progress bar reached the end
    code, out, _ = run(
        capsys,
        "import-bars",
        str(bars_csv),
        "--symbol",
        "XAUUSD",
        "--timeframe",
        "M5",
        "--home",
        h,
        "--json",
    )
    assert json.loads(out)["unchanged"] == 8000
    code, out, err = run(capsys, "train", "--home", h)
    assert code == 0 and "succeeded" in out and "★ " in out
    assert "walk-forward: logistic_regression" in err
    # on these 8,000 bars the winner loses money after costs: registered, not served
    assert "decision: rejected — compared backtest: its out-of-sample" in out
    assert "per trade after costs > 0: fail" in out and "nothing is served" in out
    code, out, _ = run(capsys, "sessions", "--home", h, "--json")
    sessions = json.loads(out)
    assert sessions[0]["status"] == "succeeded" and sessions[0]["version_id"] == 1
    code, out, _ = run(capsys, "session", "1", "--home", h)
    assert "baseline exp." in out and "selected features" in out
    code, out, _ = run(capsys, "show", "1", "--home", h)
    assert "walk-forward folds" in out and "permutation importance" in out
    code, _, err = run(capsys, "signal", str(bars_csv), "--home", h, "--json")
    assert code == 1 and "no active model" in err
    run(capsys, "activate", "1", "--home", h, "--reason", "serve it by hand to try the signal")
    code, out, _ = run(capsys, "signal", str(bars_csv), "--home", h, "--json")
    signal = json.loads(out)
    assert code == 0 and signal["side"] in {"BUY", "SELL", "HOLD"}
    assert signal["version_ref"] == "XAUUSD-M5-scalper:v1"


def test_a_bad_file_is_refused_with_line_numbers_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    h = str(tmp_path / "h")
    init_home(h)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "time,open,high,low,close\n"
        "2025-01-06 00:00:00,2650,2651,2649,2650.5\n"
        "2025-01-06 00:05:00,2650,2649,2648,2650.5\n"
        "2025-01-06 00:10:00,2650,2651,2649,nan\n"
    )
    code, _, err = run(
        capsys, "import-bars", str(bad), "--symbol", "XAUUSD", "--timeframe", "M5", "--home", h
    )
    assert code == 1 and "line 3" in err and "line 4" in err and "nothing was imported" in err
    assert "No bars yet" in run(capsys, "bars", "--home", h)[1]


def test_train_without_bars_says_what_to_do(home: Path, capsys: pytest.CaptureFixture[str]):
    code, _, err = run(capsys, "train", "--home", str(home))
    assert code == 1 and "aurum import-bars" in err


def test_cancel_session_cancels_a_queued_session_and_refuses_a_finished_one(
    home: Path, capsys: pytest.CaptureFixture[str]
):
    h = str(home)
    assert run(capsys, "train", "--queue", "--home", h, "--actor", "ops")[0] == 0
    code, out, _ = run(
        capsys, "cancel-session", "1", "--home", h, "--actor", "ops", "--reason", "typo", "--json"
    )
    assert code == 0
    assert json.loads(out) == {"session_id": 1, "was": "queued", "status": "cancelled"}
    sessions = json.loads(run(capsys, "sessions", "--home", h, "--json")[1])
    assert [(s["id"], s["status"], s["message"]) for s in sessions] == [
        (1, "cancelled", "cancelled by ops: typo")
    ]
    code, _, err = run(capsys, "cancel-session", "1", "--home", h)
    assert code == 1 and "session #1 is cancelled" in err
