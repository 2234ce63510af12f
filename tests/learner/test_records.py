"""Session records: progress text longer than its column is cut, on every database."""

from __future__ import annotations

from engine.learner import records
from engine.services import Desk


def test_a_long_stage_name_is_cut_to_its_column_not_refused(desk: Desk):
    session_id = desk.request_learning(actor="t")
    stage = "walk-forward: 4 trial(s) x 3 folds on Dask (tcp://scheduler.example.internal:8786)"
    records.update(desk.db, session_id, stage=stage, message=stage)
    info = desk.learning_session(session_id)
    assert info.stage == stage[:64] and info.message == stage
