"""Hyper-parameter search: which trials a session evaluates, within the budget, reproducibly."""

from __future__ import annotations

import pytest

from engine.config.schema import ALGORITHMS, Phase3Config
from engine.learner.search import DEFAULT_SPACES, space_problems, trial_params

SPACE = {"C": {"low": 0.01, "high": 1.0, "log": True}, "penalty": ["l2"]}


def test_off_gives_one_trial_with_the_configured_parameters():
    assert trial_params("logistic_regression", SPACE, method="off", budget=8, seed=1) == [{}]
    assert trial_params("logistic_regression", {}, method="grid", budget=8, seed=1) == [{}]


def test_grid_expands_ranges_log_spaced_and_walks_the_product():
    trials = trial_params(
        "random_forest",
        {"max_depth": [4, 8], "min_samples_leaf": {"low": 10, "high": 1000, "log": True,
                                                   "integer": True}},
        method="grid", budget=100, seed=0,
    )  # fmt: skip
    assert trials == [
        {"max_depth": d, "min_samples_leaf": m} for d in (4, 8) for m in (10, 100, 1000)
    ]


def test_grid_larger_than_the_budget_is_thinned_evenly_to_it():
    space = {"a": [1, 2, 3, 4], "b": [1, 2, 3, 4, 5]}  # 20 points
    trials = trial_params("random_forest", space, method="grid", budget=5, seed=0)
    assert len(trials) == 5
    assert trials[0] == {"a": 1, "b": 1} and trials[-1] == {"a": 4, "b": 5}


def test_random_draws_the_budget_reproducibly_inside_the_ranges():
    space = {"C": {"low": 0.01, "high": 1.0, "log": True}, "max_iter": [100, 300]}
    first = trial_params("logistic_regression", space, method="random", budget=6, seed=7)
    again = trial_params("logistic_regression", space, method="random", budget=6, seed=7)
    other = trial_params("logistic_regression", space, method="random", budget=6, seed=8)
    assert first == again and first != other
    assert len(first) == 6 and len({repr(t) for t in first}) == 6
    assert all(0.01 <= t["C"] <= 1.0 and t["max_iter"] in (100, 300) for t in first)
    assert all(type(t["max_iter"]) is int and type(t["C"]) is float for t in first)


def test_random_on_a_small_choice_space_stops_at_its_distinct_points():
    trials = trial_params("xgboost", {"max_depth": [3, 4]}, method="random", budget=10, seed=0)
    assert sorted(t["max_depth"] for t in trials) == [3, 4]


def test_every_default_space_is_valid_and_builds_estimators():
    from engine.learner.candidates import available, hyperparameters, make_estimator

    assert space_problems(DEFAULT_SPACES, ALGORITHMS) == []
    for algorithm, space in DEFAULT_SPACES.items():
        if not available(algorithm):
            continue
        for point in trial_params(algorithm, space, method="random", budget=3, seed=0):
            make_estimator(algorithm, {**hyperparameters(algorithm, None, 0), **point})


@pytest.mark.parametrize(
    ("space", "message"),
    [
        ({"svm": {"C": [1]}}, "unknown algorithm 'svm'"),
        ({"random_forest": {"max_depth": []}}, "random_forest.max_depth is an empty list"),
        ({"random_forest": {"max_depth": {"low": 9, "high": 3}}}, "low (9) must be below high"),
        ({"logistic_regression": {"C": {"low": 0, "high": 1, "log": True}}}, "needs low > 0"),
        ({"logistic_regression": {"C": {"low": 1, "high": 2, "step": 1}}}, "unknown field(s) step"),
        ({"logistic_regression": {"C": 3}}, "search_space.logistic_regression.C"),
    ],
)
def test_a_bad_search_space_is_refused_naming_the_key(space: dict, message: str):
    with pytest.raises(ValueError, match=r"learning\.search_space") as err:
        Phase3Config.model_validate({"learning": {"search_space": space}})
    assert message in str(err.value)
