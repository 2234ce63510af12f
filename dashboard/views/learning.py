"""Learning: retrain now (queued, live progress), the session history, one session's detail."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import charts, confirm, reads, session_panel
from dashboard.desk import VIEWER_NOTE, actor, can_act, get_desk, show_flash, shown_errors
from dashboard.frame import NEXT_STEPS
from dashboard.literal import literal
from dashboard.provenance import session_origin
from dashboard.tables import (
    baselines_frame,
    candidates_frame,
    features_frame,
    folds_frame,
    number_formats,
    sessions_frame,
    side_by_side,
)
from engine.db.schema import utcnow
from engine.learner.records import candidate_name
from engine.metrics.catalog import CONVENTION
from engine.selection import decision_basis

st.title("Learning")
desk = get_desk()
k = reads.key()
show_flash()


def trials_note(result: dict[str, Any]) -> str:
    """How many trials the session's DSR counts: its own and every earlier session's."""
    total, own = result.get("n_trials"), result.get("session_trials")
    if total is None:
        return "trials not recorded"
    return f"{total} trials on the lineage" + (f" ({own} in this session)" if own else "")


def decision(s: Any, currency: str) -> None:
    """The outcome and the promotion decision with its reasons and what it compared."""
    if s.status == "succeeded":
        st.success(literal(f"{s.message}."))
    elif s.status == "no_improvement":
        st.warning(literal(f"No new version: {s.message}."))
    elif s.status == "failed":
        st.error(literal(f"Failed: {s.error}"))
    elif s.status == "cancelled":
        st.warning(literal(f"Cancelled: {s.message}"))
    else:
        st.info(literal(session_panel.progress_text(s, utcnow())))
    promotion = s.result.get("promotion")
    if not promotion:
        return
    evidence = promotion.get("evidence") or {}
    st.markdown(f"**Promotion decision: {literal(promotion.get('decision', '—'))}**")
    st.caption(literal(f"Compared: {decision_basis(evidence)}"))
    for reason in promotion.get("reasons") or []:
        st.markdown(f"- {literal(reason)}")
    if evidence.get("challenger") and evidence.get("champion"):
        columns = {  # both on the same bars: these differ from each version's own OOS figures
            "challenger (backtest, common bars)": evidence["challenger"],
            f"champion {evidence.get('champion_ref', '')} (backtest, common bars)": evidence[
                "champion"
            ],
        }
    elif evidence.get("challenger"):
        columns = {"this version (backtest, out of sample)": evidence["challenger"]}
    else:
        return
    st.dataframe(side_by_side(columns, currency=currency), hide_index=True, key="evidence")


@st.dialog("Retrain now", on_dismiss=confirm.cancel)
def retrain_dialog(what: str) -> None:
    st.markdown(
        f"Queue a learning session on {literal(what)}. The background service trains it; this page "
        "follows its progress. A winner is registered as a new version, and it becomes the "
        "active model only if it passes the promotion gates."
    )

    def run(_: str) -> str:
        session_id = desk.request_learning(actor=actor())
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
        f"Queues a learning session on {literal(what)}. Training runs in the background service, "
        "never in this page."
    )
    if confirm.pending("retrain"):
        retrain_dialog(what)

    sessions = reads.learning_sessions(k, 200)
    if not sessions:
        stored = {(b.symbol, b.timeframe): b.bars for b in reads.bar_series(k)}
        bars = stored.get((cfg.learning.symbol, cfg.learning.timeframe), 0)
        market = literal(f"{cfg.learning.symbol} {cfg.learning.timeframe}")
        st.info(
            f"No learning sessions yet: press **Retrain now** to learn from the {bars:,} stored "
            f"{market} bars."
            if bars
            else f"No learning sessions yet, and no {market} bars to learn from: {NEXT_STEPS}"
        )
        st.stop()
    session_panel.follow(sessions)  # rows of the running ones; a start or an end is picked
    st.plotly_chart(charts.sessions_timeline(sessions), key="sessions_timeline")
    origins = {v.id: v.data_origin for v in reads.leaderboard(k)}
    st.dataframe(sessions_frame(sessions, origins), hide_index=True, key="sessions_table")

    st.subheader("Session detail")
    chosen = st.selectbox(
        "Session",
        [s.id for s in sessions],
        format_func=lambda i: f"#{i}",
        key="session_pick",
    )
    s = next(x for x in sessions if x.id == chosen)
    st.caption(
        literal(
            f"#{s.id} · {s.trigger} by {s.requested_by} · data {s.symbol} {s.timeframe} "
            f"{s.window_start:%Y-%m-%d} → {s.window_end:%Y-%m-%d} UTC · seed {s.seed} · "
            f"{s.result.get('samples', '—')} samples · {trials_note(s.result)}"
            if s.window_start and s.window_end
            else f"#{s.id} · {s.trigger} by {s.requested_by}"
        )
    )
    if session_origin(s, origins) == "generated":
        st.warning(
            f"**DEMO** — session #{s.id} learnt on generated bars, not market data: its "
            "candidates and winner show how Aurum works, not an edge."
        )
    currency = cfg.account.currency
    decision(s, currency)
    for note in s.result.get("feature_notes") or []:  # a feature group the models never had
        st.info(literal(f"Features — {note}"))
    candidates = s.result.get("candidates") or []
    if candidates:
        span = s.result.get("oos_window") or []
        st.markdown(
            "**Candidates** — backtest: out of sample"
            + (f" ({span[0][:16]} → {span[1][:16]} UTC)" if len(span) == 2 else "")
            + ", after spread, slippage and commission"
        )
        table = candidates_frame(candidates, currency)
        st.dataframe(
            table,
            hide_index=True,
            column_config=number_formats(table, currency),
            key="candidates",
        )
        st.caption(f"{CONVENTION}. DSR: deflated for every trial ever evaluated on the lineage.")
        for note in s.result.get("ensemble_notes") or []:  # e.g. why no ensemble was built
            st.caption(literal(f"Ensembles: {note}"))
        st.plotly_chart(charts.baseline_figure(candidates, currency), key="baseline_chart")
        winner = next((i for i, c in enumerate(candidates) if c.get("winner")), 0)
        pick = st.selectbox(
            "Folds of",
            range(len(candidates)),
            index=winner,
            format_func=lambda i: f"#{i + 1} {candidate_name(candidates[i])}",
            help="Its baselines and walk-forward folds are shown below.",
            key=f"folds_of:{s.id}",  # each session has its own candidates
        )
        baselines = baselines_frame(candidates[pick], currency)
        if not baselines.empty:
            st.markdown(
                "**Baselines** — the same entry bars and costs, directions that know nothing; "
                "★ the strongest, the one a model must beat"
            )
            st.dataframe(
                baselines,
                hide_index=True,
                column_config=number_formats(baselines, currency),
                key="baselines_table",
            )
        folds = candidates[pick].get("folds") or []
        if folds:
            st.plotly_chart(charts.folds_figure(folds, currency), key="folds_chart")
            table = folds_frame(folds, currency)
            st.dataframe(
                table,
                hide_index=True,
                column_config=number_formats(table, currency),
                key="folds_table",
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
