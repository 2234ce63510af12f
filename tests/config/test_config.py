"""Configuration: defaults, refusals naming the key, atomic saves, history and revert."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.config import SEED_KEYS, ConfigStore, Phase3Config, describe_keys
from engine.errors import ConfigError
from engine.services import Desk


def test_missing_file_is_written_with_defaults(tmp_path: Path):
    store = ConfigStore(tmp_path / "config" / "phase3_config.json", None)
    cfg = store.load()
    on_disk = json.loads(store.path.read_text())
    assert on_disk == cfg.model_dump(mode="json")
    assert all(key in on_disk for key in SEED_KEYS)


def test_every_key_has_a_description_type_and_default():
    docs = describe_keys()
    assert len(docs) > 40
    for doc in docs:
        assert doc.description, doc.key
        assert doc.type, doc.key


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("min_trades_for_update", "0", "greater than or equal to 1"),
        ("performance_threshold", "1.5", "less than or equal to 1"),
        ("max_models_to_keep", '"ten"', "valid integer"),
        ("learning.n_folds", "1", "greater than or equal to 2"),
        ("learning.timeframe", '"M7"', "Input should be"),
        ("costs.commission_per_lot", "-1", "greater than or equal to 0"),
    ],
)
def test_bad_values_are_refused_with_the_key_and_reason(
    desk: Desk, key: str, value: str, reason: str
):
    before = desk.config_store.path.read_bytes()
    with pytest.raises(ConfigError) as err:
        desk.set_config(key, value, actor="t")
    assert key in str(err.value) and reason in str(err.value)
    assert desk.config_store.path.read_bytes() == before
    assert desk.config_history() == []


@pytest.mark.parametrize(
    "symbol", ["../../etc", "<script>alert(1)</script>", "XAU/USD", "XAU USD", ".hidden", "a%2e"]
)
def test_a_symbol_in_config_follows_the_import_name_rule(desk: Desk, symbol: str):
    """learning.symbol is refused by the same rule as `aurum import-bars --symbol`."""
    from engine.errors import UnsafePathError
    from engine.home import safe_name

    with pytest.raises(UnsafePathError):
        safe_name(symbol, what="symbol")
    before = desk.config_store.path.read_bytes()
    with pytest.raises(ConfigError) as err:
        desk.set_config("learning.symbol", symbol, actor="t")
    assert "learning.symbol" in str(err.value) and "is not allowed" in str(err.value)
    assert desk.config_store.path.read_bytes() == before
    desk.set_config("learning.symbol", "XAUUSD.m", actor="t")  # a broker suffix is fine
    assert desk.config().learning.symbol == "XAUUSD.m"


def test_cross_field_rules_are_checked(desk: Desk):
    with pytest.raises(ConfigError, match=r"purge_bars must be at least learning.max_holding_bars"):
        desk.set_config("learning.purge_bars", "3", actor="t")
    with pytest.raises(ConfigError, match="dask_scheduler_address is required"):
        desk.set_config("learning.executor", '"dask"', actor="t")


def test_unknown_keys_are_refused(desk: Desk):
    with pytest.raises(ConfigError, match=r"unknown config key 'learning.nfolds'"):
        desk.set_config("learning.nfolds", "3", actor="t")
    desk.config_store.path.write_text(json.dumps({"max_models_to_kep": 3}))
    with pytest.raises(ConfigError, match="max_models_to_kep: unknown key"):
        desk.config()


def test_invalid_json_names_the_line(desk: Desk):
    desk.config_store.path.write_text('{\n  "max_models_to_keep": 5,\n  oops\n}\n')
    with pytest.raises(ConfigError, match="line 3 column 3"):
        desk.config()


def test_a_change_is_recorded_and_can_be_reverted(desk: Desk):
    change = desk.set_config("max_models_to_keep", "25", actor="alice")
    assert change is not None and change.diff == {"max_models_to_keep": (10, 25)}
    assert desk.config().max_models_to_keep == 25
    desk.set_config("learning.n_folds", "7", actor="bob")
    history = desk.config_history()
    assert [(c.actor, list(c.diff)) for c in history] == [
        ("bob", ["learning.n_folds"]),
        ("alice", ["max_models_to_keep"]),
    ]
    desk.revert_config(change.id, actor="carol")
    cfg = desk.config()
    assert cfg.max_models_to_keep == 10
    assert cfg.learning.n_folds == 5  # revert restores the whole config as it was before
    assert desk.config_history()[0].actor == "carol"
    assert desk.config_history()[0].reason == f"revert change #{change.id}"
    assert desk.set_config("max_models_to_keep", "10", actor="x") is None  # no change


def test_a_revert_records_the_note_given_with_it(desk: Desk):
    change = desk.set_config("max_models_to_keep", "25", actor="alice")
    assert change is not None
    reverted = desk.revert_config(change.id, actor="carol", note=" 25 filled the disk ")
    assert reverted is not None
    assert reverted.reason == f"revert change #{change.id}: 25 filled the disk"
    assert desk.config_history()[0].reason == reverted.reason
    latest = desk.set_config("max_models_to_keep", "30", actor="alice")
    assert latest is not None
    desk.paths.config_file.write_text("{oops", encoding="utf-8")
    last_good = desk.revert_config(None, actor="carol", note="a bad hand edit")
    assert last_good is not None
    assert last_good.reason == f"revert to the last good (change #{latest.id}): a bad hand edit"


def test_a_failed_save_leaves_the_old_file_and_no_record(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
):
    before = desk.config_store.path.read_bytes()

    def failing_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        desk.set_config("max_models_to_keep", "3", actor="t")
    monkeypatch.undo()
    assert desk.config_store.path.read_bytes() == before
    assert desk.config_history() == []
    leftovers = [p for p in desk.config_store.path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.dictionaries(
        st.sampled_from([*SEED_KEYS, "learning", "bogus"]),
        st.one_of(
            st.integers(-(10**6), 10**6),
            st.floats(allow_nan=True),
            st.text(max_size=5),
            st.booleans(),
            st.none(),
            st.dictionaries(st.text(max_size=5), st.integers()),
        ),
    )
)
def test_random_json_gives_a_config_or_a_config_error(tmp_path: Path, data: dict[str, object]):
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data))
    try:
        cfg = ConfigStore(path, None).load()
    except ConfigError as err:
        assert "invalid settings" in str(err) or "not valid JSON" in str(err)
    else:
        assert isinstance(cfg, Phase3Config)


def test_docs_list_every_key_with_current_defaults():
    from engine.config.docs import render_config_docs

    docs = Path(__file__).resolve().parents[2] / "docs" / "CONFIG.md"
    assert docs.read_text(encoding="utf-8") == render_config_docs(), (
        "docs/CONFIG.md is stale: run `python -m engine.config.docs > docs/CONFIG.md`"
    )
