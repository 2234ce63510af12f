"""Learning: retrain now (queued, live progress), the session history, one session's detail."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import charts, confirm, reads
from dashboard.desk import (
    VIEWER_NOTE,
    actor,
    after_action,
    can_act,
    get_desk,
    show_flash,
    shown_errors,
)
from dashboard.frame import NEXT_STEPS
from dashboard.tables import (
    candidates_frame,
    features_frame,
    folds_frame,
    number_formats,
    sessions_frame,
    side_by_side,
)
from engine.learner.records import FINAL, candidate_name

POLL_SECONDS = 2
st.title("Learning")
desk = get_desk()
k = reads.key()
show_flash()


@st.fragment(run_every=POLL_SECONDS)
def live_progress(session_id: int) -> None:
    """Poll the session record (never cached) until it is final, then refresh the whole page."""
    with shown_errors():
        s = desk.learning_session(session_id)
        if s.status in FINAL:
            st.session_state.pop("watch_session", None)
            after_action(
                f"Session #{s.id} finished: {s.status.replace('_', ' ')} — {s.error or s.message}"
            )
        label = s.message or s.stage
        if s.status == "queued":
            label = "waiting for the background worker"
            if not getattr(reads.service_status(k), "alive", False):
                label += " (no background service is running: start `aurum services`)"
        st.progress(
            min(1.0, s.percent / 100.0),
            text=f"Session #{s.id} {s.status}: {label} ({s.percent:.0f} %)",
        )


def decision(s: Any) -> None:
    """The outcome and the promotion decision with its reasons."""
    if s.status == "succeeded":
        st.success(f"{s.message}.")
    elif s.status == "no_improvement":
        st.warning(f"No new version: {s.message}.")
    elif s.status == "failed":
        st.error(f"Failed: {s.error}")
    else:
        st.info(f"{s.status}: {s.stage} {s.percent:.0f} %")
    promotion = s.result.get("promotion")
    if promotion:
        st.markdown(f"**Promotion decision: {promotion.get('decision', '—')}**")
        for reason in promotion.get("reasons") or []:
            st.markdown(f"- {reason}")
        evidence = promotion.get("evidence") or {}
        if evidence.get("challenger") and evidence.get("champion"):
            st.caption(
                f"Same out-of-sample bars for both: {evidence.get('from', '?')} → "
                f"{evidence.get('to', '?')} ({evidence.get('common_bars', '?')} bars)"
            )
            st.dataframe(
                side_by_side(
                    {
                        "challenger": evidence["challenger"],
                        f"champion {evidence.get('champion_ref', '')}": evidence["champion"],
                    }
                ),
                hide_index=True,
                key="evidence",
            )


@st.dialog("Retrain now", on_dismiss=confirm.cancel)
def retrain_dialog(what: str) -> None:
    st.markdown(
        f"Queue a learning session on {what}. The background service trains it; this page "
        "follows its progress. A winner is registered as a new version, and it becomes the "
        "active model only if it passes the promotion gates."
    )

    def run(_: str) -> str:
        session_id = desk.request_learning(actor=actor())
        st.session_state["watch_session"] = session_id
        return f"Session #{session_id} queued: the background worker will run it."

    confirm.confirm_buttons("retrain", "Retrain now", run, ask_reason=False)


with shown_errors():
    cfg = desk.config()
    what = (
        f"{cfg.learning.symbol} {cfg.learning.timeframe} with the current configuration "
        f"({', '.join(cfg.learning.algorithms)}, {cfg.learning.n_folds} walk-forward folds)"
    )
    left, right = st.columns([1, 3])
    if not can_act():
        left.caption(VIEWER_NOTE)
    elif left.button("Retrain now…", type="primary", key="retrain"):
        confirm.ask("retrain")
    right.caption(
        f"Queues a learning session on {what}. Training runs in the background service, "
        "never in this page."
    )
    if confirm.pending("retrain"):
        retrain_dialog(what)
    pending = [s.id for s in desk.learning_sessions(5) if s.status not in FINAL]
    watch = st.session_state.get("watch_session") or (pending[0] if pending else None)
    if watch:
        live_progress(int(watch))

    sessions = reads.learning_sessions(k, 200)
    if not sessions:
        stored = {(b.symbol, b.timeframe): b.bars for b in reads.bar_series(k)}
        bars = stored.get((cfg.learning.symbol, cfg.learning.timeframe), 0)
        st.info(
            f"No learning sessions yet: press **Retrain now** to learn from the {bars:,} stored "
            f"{cfg.learning.symbol} {cfg.learning.timeframe} bars."
            if bars
            else f"No learning sessions yet, and no {cfg.learning.symbol} "
            f"{cfg.learning.timeframe} bars to learn from: {NEXT_STEPS}"
        )
        st.stop()
    st.plotly_chart(charts.sessions_timeline(sessions), key="sessions_timeline")
    st.dataframe(sessions_frame(sessions), hide_index=True, key="sessions_table")

    st.subheader("Session detail")
    chosen = st.selectbox(
        "Session",
        [s.id for s in sessions],
        format_func=lambda i: f"#{i}",
        key="session_pick",
    )
    s = next(x for x in sessions if x.id == chosen)
    st.caption(
        f"#{s.id} · {s.trigger} by {s.requested_by} · data {s.symbol} {s.timeframe} "
        f"{s.window_start:%Y-%m-%d} → {s.window_end:%Y-%m-%d} UTC · seed {s.seed} · "
        f"{s.result.get('samples', '—')} samples, {s.result.get('n_trials', '—')} trials so far"
        if s.window_start and s.window_end
        else f"#{s.id} · {s.trigger} by {s.requested_by}"
    )
    decision(s)
    for note in s.result.get("feature_notes") or []:  # a feature group the models never had
        st.info(f"Features — {note}")
    candidates = s.result.get("candidates") or []
    if candidates:
        st.markdown("**Candidates** — out of sample, after spread, slippage and commission")
        table = candidates_frame(candidates)
        st.dataframe(table, hide_index=True, column_config=number_formats(table), key="candidates")
        for note in s.result.get("ensemble_notes") or []:  # e.g. why no ensemble was built
            st.caption(f"Ensembles: {note}")
        st.plotly_chart(charts.baseline_figure(candidates), key="baseline_chart")
        winner = next((i for i, c in enumerate(candidates) if c.get("winner")), 0)
        pick = st.selectbox(
            "Folds of",
            range(len(candidates)),
            index=winner,
            format_func=lambda i: f"#{i + 1} {candidate_name(candidates[i])}",
            key=f"folds_of:{s.id}",  # each session has its own candidates
        )
        folds = candidates[pick].get("folds") or []
        if folds:
            st.plotly_chart(charts.folds_figure(folds), key="folds_chart")
            table = folds_frame(folds)
            st.dataframe(
                table, hide_index=True, column_config=number_formats(table), key="folds_table"
            )
    importances = s.result.get("importances") or {}
    if importances:
        st.markdown("**Selected features and out-of-sample permutation importance**")
        st.plotly_chart(charts.importance_figure(importances), key="importance_chart")
        st.dataframe(
            features_frame(s.result.get("selected_features") or [], importances),
            hide_index=True,
            key="features_table",
        )
    if s.config_diff:
        with st.expander("Configuration changed since the previous session"):
            st.json(s.config_diff)
