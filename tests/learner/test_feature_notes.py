"""A feature group that cannot apply to the session's timeframe is named, with the reason, in the
session record, in `aurum train`'s output and on the Learning page; a window longer than a
signal request may carry is refused before training."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli.main import main
from engine.data.store import upsert_bars
from engine.data.synthetic import generate_bars
from engine.features import FeatureSpec, inapplicable_groups
from engine.learner.dataset import LearningError
from engine.services import Desk, init_home
from tests.conftest import POSTGRES_ADMIN_URL
from tests.dashboard.conftest import open_page

H1_NOTE = "higher_tf: features.higher_timeframe H1 is not longer than the H1 bars"


@pytest.mark.parametrize(
    ("spec", "timeframe", "groups"),
    [
        (FeatureSpec(), "M5", []),
        (FeatureSpec(), "H1", ["higher_tf"]),
        (FeatureSpec(higher_timeframe="H4"), "H1", []),
        (FeatureSpec(higher_timeframe="none"), "M5", ["higher_tf"]),
        (FeatureSpec(groups=["returns"]), "H1", []),  # not chosen: nothing to say
        (FeatureSpec(), "D1", ["higher_tf", "time", "session"]),
    ],
)
def test_groups_that_cannot_apply(spec: FeatureSpec, timeframe: str, groups: list[str]) -> None:
    assert [n.group for n in inapplicable_groups(spec, timeframe)] == groups


def test_the_advice_names_a_longer_choice_when_there_is_one() -> None:
    (h1,) = inapplicable_groups(FeatureSpec(), "H1")
    assert "choose H4 to use it" in str(h1)
    (h4, *_) = inapplicable_groups(FeatureSpec(higher_timeframe="H4"), "D1")
    assert "no choice (M15, M30, H1, H4) is longer" in str(h4)


@pytest.fixture(scope="module")
def h1_desk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A desk with H1 bars that learns on H1 (the default H1 context cannot apply), trained once
    through `aurum train`."""
    if POSTGRES_ADMIN_URL:  # each PostgreSQL test has its own database; this desk is shared
        pytest.skip("the feature note is the learner's: tested on the SQLite run")
    root = tmp_path_factory.mktemp("h1") / "desk"
    init_home(str(root))
    with Desk.open(str(root)) as desk:
        for key, value in [
            ("learning.timeframe", "H1"),
            ("learning.n_folds", "3"),
            ("learning.min_train_bars", "1500"),
            ("learning.algorithms", '["logistic_regression"]'),
            ("selection.min_trades", "5"),
        ]:
            desk.set_config(key, value, actor="test")
        bars = generate_bars(start="2026-03-02", n_bars=2_600, timeframe="H1", seed=3)
        with desk.db.session(write=True) as s:
            upsert_bars(s, bars, symbol="XAUUSD", timeframe="H1")
    return root


def test_the_session_records_and_prints_the_note(
    h1_desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["train", "--home", str(h1_desk)])
    out = capsys.readouterr().out
    assert code == 0 and f"features: {H1_NOTE}" in out
    with Desk.open(str(h1_desk)) as desk:
        session = desk.learning_sessions()[0]
    assert any(note.startswith(H1_NOTE) for note in session.result["feature_notes"])
    assert session.result["min_history_bars"] == 126  # H1 bars without H1 context


def test_the_learning_page_shows_the_note(
    h1_desk: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with Desk.open(str(h1_desk)) as desk:
        if not desk.learning_sessions():
            main(["train", "--home", str(h1_desk)])
    monkeypatch.setenv("AURUM_HOME", str(h1_desk))
    at = open_page("learning")
    assert any(H1_NOTE in box.value for box in at.info), [box.value for box in at.info]


def test_a_window_longer_than_a_request_may_carry_is_refused(tmp_path: Path) -> None:
    init_home(str(tmp_path / "m1"))
    with Desk.open(str(tmp_path / "m1")) as desk:
        desk.set_config("learning.timeframe", "M1", actor="test")
        desk.set_config("features.higher_timeframe", "H4", actor="test")
        bars = generate_bars(start="2026-03-02", n_bars=3_000, timeframe="M1", seed=3)
        with desk.db.session(write=True) as s:
            upsert_bars(s, bars, symbol="XAUUSD", timeframe="M1")
        with pytest.raises(LearningError, match=r"15,360 M1 bars of history .* \(5,000\)"):
            desk.learn(actor="test")
