"""The Models page's pure builders: version order, parameters as a table, features used."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from dashboard.version_tables import feature_use, params_frame, version_choices

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def version(id: int, ref: str, minute: int) -> SimpleNamespace:
    return SimpleNamespace(id=id, ref=ref, created_at=T.replace(minute=minute))


def test_versions_are_listed_newest_first_whatever_order_the_leaderboard_gave():
    board = [version(1, "G:v1", 0), version(3, "G:v3", 20), version(2, "G:v2", 10)]
    assert version_choices(board) == ["G:v3", "G:v2", "G:v1"]
    same_time = [version(4, "S:v1", 30), version(5, "G:v4", 30), version(2, "G:v2", 10)]
    assert version_choices(same_time) == ["G:v4", "S:v1", "G:v2"]  # then the later id


def test_parameters_are_one_row_per_key_nested_ones_by_dotted_key():
    assert params_frame({"C": 0.1, "max_iter": 300}).to_dict("records") == [
        {"parameter": "C", "value": "0.1"},
        {"parameter": "max_iter", "value": "300"},
    ]
    ensemble = {
        "method": "stacking",
        "members": [
            {"algorithm": "extra_trees", "params": {"n_estimators": 20, "max_depth": None}},
            {"algorithm": "logistic_regression", "params": {}},
        ],
        "meta": {"algorithm": "logistic_regression", "C": 1.0},
        "meta_from_fold": 2,
        "balanced": True,
    }
    assert params_frame(ensemble).to_dict("records") == [
        {"parameter": "method", "value": "stacking"},
        {"parameter": "members[1].algorithm", "value": "extra_trees"},
        {"parameter": "members[1].params.n_estimators", "value": "20"},
        {"parameter": "members[1].params.max_depth", "value": "none (library default)"},
        {"parameter": "members[2].algorithm", "value": "logistic_regression"},
        {"parameter": "members[2].params", "value": "{}"},
        {"parameter": "meta.algorithm", "value": "logistic_regression"},
        {"parameter": "meta.C", "value": "1.0"},
        {"parameter": "meta_from_fold", "value": "2"},
        {"parameter": "balanced", "value": "true"},
    ]
    assert params_frame({}).empty


def test_features_count_what_the_model_uses_and_name_the_candidates():
    names = [f"f{i}" for i in range(37)]
    chosen = names[5:25]
    use = feature_use(SimpleNamespace(features=names, details={"selected_features": chosen}))
    assert (len(use.used), len(use.candidates), use.selected) == (20, 37, True)
    assert use.heading == "Features (20 used, selected from 37 candidates)"
    assert use.left_out == names[:5] + names[25:]
    plain = feature_use(SimpleNamespace(features=names[:4], details={}))
    assert plain.heading == "Features (4, every candidate: no selection recorded)"
    assert (plain.used, plain.left_out) == (names[:4], [])
