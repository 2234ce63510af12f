"""Export and import: a version leaves one desk as its model file and model card and arrives on
another as a new, inactive version with the same file and figures; anything tampered with is
refused with the reason and nothing is registered."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine.errors import ArtifactError, AurumError
from engine.registry.artifacts import serialize
from engine.registry.card import CARD_JSON, CARD_MD, MODEL_FILE, ModelCard, card_json
from engine.registry.card_markdown import render_markdown
from engine.registry.model_import import ExportRefused, library_problems
from engine.registry.registry import NewVersion
from engine.services import Desk, init_home
from tests.conftest import fresh_postgres_database, on_postgres, spec

REF = "XAUUSD-M5-scalper:v1"
P0, P1 = datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 27, tzinfo=UTC)


@pytest.fixture
def source(desk: Desk, small_model: Any) -> Desk:
    """A desk with one version: backtest and live metrics, tags, a description, an alias."""
    desk.registry.register(
        small_model,
        dataclasses.replace(
            spec(sharpe=1.25, win_rate=0.55, profit_factor=float("inf"), trades=120.0),
            train_start=datetime(2026, 1, 5, tzinfo=UTC),
            train_end=datetime(2026, 2, 27, tzinfo=UTC),
            data_hash="ab" * 32,
            metrics_period=(P0, P1),
            details={"n_trials": 7, "min_confidence": 0.55},
        ),
    )
    desk.registry.record_metrics(REF, {"sharpe": 0.8, "trades": 40.0}, source="live", trades=40)
    desk.tag(REF, "reviewed=olga", actor="olga")
    desk.describe(REF, "Trend model | London *only*", actor="olga")
    desk.set_alias(REF, "staging", actor="olga")
    return desk


@pytest.fixture
def target(desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    """Another desk (its own database on PostgreSQL too)."""
    with ExitStack() as stack:
        if on_postgres():
            url = stack.enter_context(fresh_postgres_database())
            monkeypatch.setenv("AURUM_DATABASE_URL", url)
        init_home(str(tmp_path / "other"))
        other = Desk.open(str(tmp_path / "other"))
        stack.callback(other.close)
        yield other


def test_a_round_trip_keeps_the_file_and_the_figures(
    source: Desk, target: Desk, tmp_path: Path, xy: Any
):
    out = tmp_path / "export"
    result = source.export_version(REF, str(out), actor="olga")
    original = source.version(REF)
    assert sorted(p.name for p in out.iterdir()) == sorted([MODEL_FILE, CARD_JSON, CARD_MD])
    data = (out / MODEL_FILE).read_bytes()
    assert hashlib.sha256(data).hexdigest() == original.artifact_sha256
    assert data == (source.paths.artifacts_dir / str(original.artifact_path)).read_bytes()
    card = ModelCard.model_validate_json((out / CARD_JSON).read_bytes())
    assert card == result.card and card.digest == card.content_digest()
    backtest, live = card.metrics
    assert (backtest.source, backtest.trades, backtest.trials) == ("backtest", 100, 7)
    assert backtest.values == {"sharpe": 1.25, "win_rate": 0.55, "profit_factor": float("inf"),
                               "trades": 120.0}  # fmt: skip
    assert (backtest.period_start, backtest.period_end) == (P0, P1)
    assert (live.source, live.trades, live.values["sharpe"], live.trials) == ("live", 40, 0.8, 1)
    assert json.loads((out / CARD_JSON).read_text())["metrics"][0]["values"]["profit_factor"] == (
        "inf"
    )
    assert (card.tags, card.aliases) == ({"reviewed": "olga"}, ["staging"])
    assert card.provenance.data_hash == "ab" * 32
    assert card.provenance.train_end == datetime(2026, 2, 27, tzinfo=UTC)
    assert card.features == ["f0", "f1", "f2", "f3"] and card.library_versions["scikit-learn"]
    markdown = (out / CARD_MD).read_text()
    assert "| Sharpe | 1.2500 |" in markdown and "| Profit factor | inf |" in markdown
    assert "| Win rate | 55.00 % |" in markdown and "| Trades | 120 |" in markdown
    assert "Trend model | London *only*" in markdown  # fenced as text, not a table or emphasis

    imported = target.import_model(str(out), actor="vic")
    v = imported.version
    assert (v.ref, v.status, v.artifact_sha256) == (REF, "candidate", original.artifact_sha256)
    assert target.registry.active_version() is None  # never activated on its own
    assert v.metrics == original.metrics and v.metrics_trades == original.metrics_trades
    assert (v.train_start, v.train_end, v.data_hash) == (
        original.train_start, original.train_end, original.data_hash,
    )  # fmt: skip
    assert (v.tags, v.description, v.aliases) == (original.tags, original.description, [])
    assert v.details["imported"]["ref"] == REF and v.details["min_confidence"] == 0.55
    assert v.details["imported"]["metrics"][1]["source"] == "live"
    assert v.notes.startswith(f"imported from {REF}")
    audit = target.audit_log(1)[0]
    assert (audit.actor, audit.action, audit.target) == ("vic", "model.import", REF)
    model, _ = target.registry.load_model(v.id)
    theirs, _ = source.registry.load_model(REF)
    assert np.array_equal(model.predict_proba(xy[0]), theirs.predict_proba(xy[0]))

    again = target.export_version(v.id, str(tmp_path / "again"), actor="vic").card
    assert again.metrics[0].values == card.metrics[0].values  # the figures travel unchanged
    assert again.files == card.files and again.imported_from["ref"] == REF  # type: ignore[index]


def exported(source: Desk, folder: Path) -> Path:
    source.export_version(REF, str(folder), actor="t")
    return folder


def reseal(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Edit the card as a careful forger would: change it, then recompute digest and Markdown."""
    body = json.loads((folder / CARD_JSON).read_text())
    change(body)
    card = ModelCard.model_validate(body).sealed()
    (folder / CARD_JSON).write_text(card_json(card))
    (folder / CARD_MD).write_text(render_markdown(card))


def refused(target: Desk, folder: Path, reason: str) -> None:
    with pytest.raises(ArtifactError, match=reason):  # ExportRefused is one
        target.import_model(str(folder), actor="t")
    assert target.counts()["versions"] == 0
    assert not list(target.paths.artifacts_dir.rglob("*.skops"))


def test_a_changed_model_file_is_refused(source: Desk, target: Desk, tmp_path: Path):
    folder = exported(source, tmp_path / "x")
    data = bytearray((folder / MODEL_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / MODEL_FILE).write_bytes(bytes(data))
    refused(target, folder, r"model.skops does not match the card .*changed, truncated or swapped")


def test_an_edited_card_is_refused(source: Desk, target: Desk, tmp_path: Path):
    folder = exported(source, tmp_path / "x")
    body = json.loads((folder / CARD_JSON).read_text())
    body["metrics"][0]["values"]["sharpe"] = 9.99
    (folder / CARD_JSON).write_text(json.dumps(body))
    refused(target, folder, "was changed after export: its digest")


def test_an_edited_markdown_card_is_refused(source: Desk, target: Desk, tmp_path: Path):
    folder = exported(source, tmp_path / "x")
    text = (folder / CARD_MD).read_text().replace("| Sharpe | 1.2500 |", "| Sharpe | 3.0000 |")
    (folder / CARD_MD).write_text(text)
    refused(target, folder, "model-card.md does not match model-card.json")


def test_a_file_with_a_type_outside_the_allow_list_is_refused_unread(
    source: Desk, target: Desk, tmp_path: Path
):
    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    folder = exported(source, tmp_path / "x")
    evil = sio.dumps(FunctionTransformer(func=eval))  # would run any text it is given
    (folder / MODEL_FILE).write_bytes(evil)

    def point_at_it(body: dict[str, Any]) -> None:
        body["files"][0].update(size=len(evil), sha256=hashlib.sha256(evil).hexdigest())

    reseal(folder, point_at_it)
    refused(target, folder, "outside Aurum's allow-list: builtins.eval")


def test_incompatible_library_versions_are_refused(source: Desk, target: Desk, tmp_path: Path):
    folder = exported(source, tmp_path / "x")
    reseal(folder, lambda body: body["library_versions"].update({"scikit-learn": "0.24.2"}))
    refused(target, folder, r"scikit-learn 0\.24\.2 \(exporting desk\) vs")


def test_a_card_that_contradicts_itself_is_refused(source: Desk, target: Desk, tmp_path: Path):
    folder = exported(source, tmp_path / "x")
    reseal(folder, lambda body: body.update(features=["f0", "f1", "f2"]))  # the model wants 4
    refused(target, folder, "the model expects 4 features, the card lists 3")


def test_a_lineage_of_another_market_here_is_refused(
    source: Desk, target: Desk, tmp_path: Path, small_model: Any
):
    folder = exported(source, tmp_path / "x")
    m1 = NewVersion(lineage="XAUUSD-M5-scalper", symbol="XAUUSD", timeframe="M1",
                    algorithm="logistic_regression", features=["f0", "f1", "f2", "f3"])  # fmt: skip
    target.registry.register(small_model, m1)
    with pytest.raises(ExportRefused, match="here trades XAUUSD M1, the card says XAUUSD M5"):
        target.import_model(str(folder), actor="t")
    assert target.counts()["versions"] == 1


def test_the_same_model_is_imported_once(source: Desk, target: Desk, tmp_path: Path):
    folder = exported(source, tmp_path / "x")
    target.import_model(str(folder), actor="t")
    with pytest.raises(ExportRefused, match=f"already registered here as {REF}"):
        target.import_model(str(folder), actor="t")
    assert target.counts()["versions"] == 1


def test_export_needs_an_empty_folder_and_a_model_file(
    source: Desk, tmp_path: Path, small_model: Any
):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    with pytest.raises(AurumError, match="is not empty"):
        source.export_version(REF, str(busy), actor="t")
    assert [p.name for p in busy.iterdir()] == ["keep.txt"]
    source.registry.register(small_model, spec(sharpe=2.0))
    source.registry.register(small_model, spec(sharpe=3.0))
    source.remove_alias("staging", actor="t")
    source.cleanup(1, actor="t")  # v1 and v2 lose their files (v1 is not aliased any more)
    with pytest.raises(AurumError, match="no model file any more"):
        source.export_version(REF, str(tmp_path / "gone"), actor="t")
    assert not (tmp_path / "gone").exists()


def test_a_folder_without_a_card_is_not_an_export(target: Desk, tmp_path: Path, small_model: Any):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / MODEL_FILE).write_bytes(serialize(small_model))
    refused(target, tmp_path / "x", "model-card.json is missing")
    (tmp_path / "x" / CARD_JSON).write_text('{"card_format": 2}')
    refused(target, tmp_path / "x", "is not a valid model card: card_format")


def test_library_versions_compare_the_parts_that_matter():
    ours = {"python": "3.11.7", "scikit-learn": "1.9.1", "numpy": "2.4.6"}
    needed = {"scikit-learn", "numpy"}
    same_minor = {"python": "3.11.2", "scikit-learn": "1.9.0", "numpy": "2.0.1"}
    assert library_problems(same_minor, needed, ours) == []
    assert library_problems({"scikit-learn": "1.8.2"}, needed, ours) == [
        "scikit-learn 1.8.2 (exporting desk) vs 1.9.1 here: the first 2 part(s) of the version "
        "must match"
    ]
    assert library_problems({"numpy": "1.26.4", "python": "4.0.0"}, needed, ours) == [
        "numpy 1.26.4 (exporting desk) vs 2.4.6 here: the first 1 part(s) of the version must "
        "match",
        "python 4.0.0 (exporting desk) vs 3.11.7 here: the first 1 part(s) of the version must "
        "match",
    ]
    assert library_problems({"lightgbm": "4.5.0"}, needed | {"lightgbm"}, ours) == [
        "lightgbm 4.5.0 is needed and not installed here"
    ]
    assert library_problems({"lightgbm": "4.5.0"}, needed, ours) == []  # not used by the file


def test_money_on_the_card_carries_the_desks_currency(
    desk: Desk, target: Desk, small_model: Any, tmp_path: Path
):
    desk.set_config("account.currency", "EUR", actor="olga")
    desk.registry.register(small_model, spec(expectancy=-3.456, avg_loss=-12.5, trades=80.0))
    out = tmp_path / "export"
    card = desk.export_version(REF, str(out), actor="olga").card
    assert card.currency == "EUR" and desk.model_card(REF).currency == "EUR"
    markdown = (out / CARD_MD).read_text()
    assert "| Expectancy | -€3.46 |" in markdown and "| Trades | 80 |" in markdown
    assert target.import_model(str(out), actor="vic").version.metrics["expectancy"] == -3.456


def test_a_card_written_before_the_currency_was_recorded_still_verifies(
    source: Desk, target: Desk, tmp_path: Path
):
    """Cards exported before `currency` existed: digest over the body without the key, money as
    plain numbers in the Markdown. They import unchanged."""
    out = exported(source, tmp_path / "old")
    body = json.loads((out / CARD_JSON).read_text())
    del body["currency"]
    body["digest"] = ""
    text = json.dumps(
        {k: v for k, v in body.items() if k != "digest"},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    body["digest"] = hashlib.sha256(text.encode()).hexdigest()
    old = ModelCard.model_validate(body)
    assert old.currency is None and old.content_digest() == body["digest"]
    (out / CARD_JSON).write_text(json.dumps(body))
    (out / CARD_MD).write_text(render_markdown(old))
    assert target.import_model(str(out), actor="vic").version.ref == REF
