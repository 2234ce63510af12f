"""The Models page says how its version list is ordered, shows parameters as a table and counts
the features the version's model uses (of the candidates it was offered)."""

from __future__ import annotations

import json
from pathlib import Path

from engine.services import Desk
from tests.dashboard.conftest import open_page

V1, V2, V3 = (f"XAUUSD-M5-scalper:v{n}" for n in (1, 2, 3))


def test_versions_are_listed_newest_first_with_the_active_one_marked(home: Path, desk: Desk):
    active = desk.registry.active_version()
    assert active is not None and active.ref == V3
    assert [v.ref for v in desk.leaderboard()] != [V3, V2, V1]  # ranked otherwise
    at = open_page("models")
    versions = at.selectbox(key="models_version")
    assert versions.label == "Version (newest first)"
    assert list(versions.options) == [f"{V3} · active", V2, V1]
    assert versions.value == V3


def test_parameters_are_a_key_value_table_and_features_count_what_the_model_uses(
    home: Path, desk: Desk
):
    v = desk.version(V2)
    selected = v.details["selected_features"]
    assert (len(selected), len(v.features)) == (20, 37)  # learning.max_features of 37 offered
    at = open_page("models")
    at.selectbox(key="models_version").set_value(V2).run()
    assert not at.exception and not at.get("json")  # no collapsed {...}
    params = next(d.value for d in at.dataframe if list(d.value.columns) == ["parameter", "value"])
    assert params.to_dict("records") == [
        {"parameter": k, "value": json.dumps(x)} for k, x in v.params.items()
    ]
    marks = [m.value for m in at.markdown]
    assert "**Features (20 used, selected from 37 candidates)**" in marks
    captions = [c.value for c in at.caption]
    assert ", ".join(selected) in captions
    (left_out,) = [e for e in at.expander if e.label == "Candidates not selected (17)"]
    assert left_out.caption[0].value == ", ".join(n for n in v.features if n not in selected)
