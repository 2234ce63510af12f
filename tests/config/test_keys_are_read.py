"""Every configuration key means something: each one the schema defines is read somewhere in
engine/ or dashboard/ outside the schema and its documentation (a key nobody reads is a
promise the desk does not keep, as `account.currency` and `learning.embargo_bars` once were)."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable
from pathlib import Path

import pytest

from engine.config import ConfigStore
from engine.config.schema import describe_keys
from engine.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILES = {
    "engine/config/schema.py",
    "engine/config/alerts.py",
    "engine/config/shadow.py",
    "engine/config/regimes.py",
    "engine/config/docs.py",
}  # engine/features/spec.py stays: besides the feature fields it holds code that reads them


def names_read(sources: Iterable[str]) -> tuple[set[str], set[str]]:
    """(attribute names read, string constants) of Python sources."""
    attributes: set[str] = set()
    strings: set[str] = set()
    for text in sources:
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                attributes.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                strings.add(node.value)
    return attributes, strings


def unread_keys(keys: Iterable[str], sources: Iterable[str]) -> list[str]:
    """Dotted keys whose last part is never read: not as an attribute, nor (for a name of
    several words, as getattr tables like ranking.WEIGHTS hold them) as a string, nor as the
    dotted key itself. A one-word name ("currency") must be read as an attribute."""
    attributes, strings = names_read(sources)
    out = []
    for key in keys:
        leaf = key.rsplit(".", 1)[-1]
        by_name = leaf in attributes or ("_" in leaf and leaf in strings)
        if not (by_name or key in strings):
            out.append(key)
    return out


def code_sources() -> list[str]:
    files = [*ROOT.joinpath("engine").rglob("*.py"), *ROOT.joinpath("dashboard").rglob("*.py")]
    return [
        f.read_text(encoding="utf-8")
        for f in files
        if f.relative_to(ROOT).as_posix() not in SCHEMA_FILES
    ]


def test_every_config_key_is_read_by_the_engine_or_the_dashboard() -> None:
    keys = [doc.key for doc in describe_keys()]
    assert unread_keys(keys, code_sources()) == []


def test_the_check_finds_a_key_nobody_reads() -> None:
    reader = "def f(cfg):\n    return cfg.account.initial_balance, METRIC['currency']\n"
    keys = ["account.initial_balance", "account.currency", "selection.weight_sharpe"]
    assert unread_keys(keys, [reader]) == ["account.currency", "selection.weight_sharpe"]
    assert unread_keys(keys[2:], ["WEIGHTS = {'sharpe': 'weight_sharpe'}"]) == []


def test_a_file_from_before_the_embargo_was_removed_still_loads(tmp_path: Path) -> None:
    """learning.embargo_bars had no effect on the forward walk and was removed: an older file
    that has it loads without it, and setting it says why it is gone."""
    store = ConfigStore(tmp_path / "phase3_config.json", None)
    store.path.write_text(json.dumps({"learning": {"embargo_bars": 12, "n_folds": 4}}))
    cfg = store.load()
    assert cfg.learning.n_folds == 4 and not hasattr(cfg.learning, "embargo_bars")
    with pytest.raises(ConfigError, match=r"learning\.embargo_bars was removed: .*purge_bars"):
        store.set("learning.embargo_bars", "5", actor="t")
    with pytest.raises(ConfigError, match="unknown key"):
        store.path.write_text(json.dumps({"learning": {"embargo_bar": 12}}))
        store.load()
