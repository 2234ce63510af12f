"""Models: one version's detail and its actions — activate, roll back, pin, clean up, backtest."""

from __future__ import annotations

from functools import partial
from typing import Any

import streamlit as st

from dashboard import charts, confirm, reads
from dashboard.backtest_panel import show_backtests
from dashboard.compare_tables import key_figures_frame
from dashboard.desk import (
    VIEWER_NOTE,
    actor,
    can_act,
    get_desk,
    show_flash,
    shown_errors,
)
from dashboard.explain_panel import show_explanations
from dashboard.frame import NO_VERSIONS, chosen_market
from dashboard.literal import literal
from dashboard.price_panel import show_price_chart
from dashboard.provenance import demo_warning
from dashboard.tables import activations_frame, version_facts
from dashboard.version_notes import show_notes
from dashboard.version_tables import VERSION_ORDER, feature_use, params_frame, version_choices
from engine.cli.render import fmt_dsr, fmt_metric
from engine.metrics.catalog import CONVENTION, METRICS
from engine.research.report import report_file_name

st.title("Models")
desk = get_desk()
k = reads.key()
show_flash()


def onnx_offer(column: Any, ref: str) -> None:
    """The version as one ONNX file for MetaTrader 5 (docs/ONNX.md): built on request, then
    offered; a version with no faithful graph shows what blocks it."""
    if column.button("Prepare ONNX file (MetaTrader 5)", key="onnx_prepare"):
        with shown_errors():
            st.session_state["onnx_file"] = (ref, desk.onnx_file(ref))
    prepared = st.session_state.get("onnx_file")
    if prepared and prepared[0] == ref:
        column.download_button(
            "Download ONNX file",
            data=prepared[1].data,
            file_name=prepared[1].name,
            mime="application/octet-stream",
            on_click="ignore",
            key="onnx_download",
            help=f"Raw bars in, signal out; sha256 {prepared[1].sha256}",
        )


def show_side_by_side(current: str | None, target: str, target_role: str) -> None:
    """The active version's and the target's stored key figures next to each other, each
    from the source it is ranked on (named in the first row)."""
    by_ref = {v.ref: v for v in reads.leaderboard(k)}
    columns = {
        f"active now: {current or 'none'}": by_ref.get(current) if current else None,
        f"{target_role}: {target}": by_ref.get(target),
    }
    st.dataframe(
        key_figures_frame(columns, desk.config().account.currency),
        hide_index=True,
        key="dialog_figures",
    )
    st.caption(
        "Stored figures: each version's live figures once it has selection.min_live_trades "
        f"live trades, else its out-of-sample backtest (after costs). {CONVENTION}."
    )


@st.dialog("Activate this version", width="large", on_dismiss=confirm.cancel)
def activate_dialog(ref: str, current: str | None) -> None:
    st.markdown(
        f"Make **{literal(ref)}** the active model (now: **{literal(current or 'none')}**). "
        "The trading side gets "
        "its signals from the active model from its next request."
    )
    show_side_by_side(current, ref, "to activate")

    def run(why: str) -> str:
        record = desk.activate(ref, actor=actor(), reason=why)
        return f"{record.to_ref} is active (was {record.from_ref or 'none'})."

    confirm.confirm_buttons("activate", "Activate", run)


@st.dialog("Roll back", width="large", on_dismiss=confirm.cancel)
def rollback_dialog(current: str, target: str, lineage: str | None) -> None:
    st.markdown(
        f"Re-activate **{literal(target)}**, the version active before **{literal(current)}**."
    )
    show_side_by_side(current, target, "back to")

    def run(why: str) -> str:
        record = desk.rollback(lineage, actor=actor(), reason=why)
        return f"Rolled back: {record.to_ref} is active again (was {record.from_ref})."

    confirm.confirm_buttons("rollback", "Roll back", run)


@st.dialog("Clean up old model files", on_dismiss=confirm.cancel)
def cleanup_dialog(default_keep: int) -> None:
    keep = st.number_input(
        "Keep the newest N versions' files", 1, 10_000, default_keep, key="cleanup_keep"
    )
    st.caption(
        "Never removed: the active version, the one a rollback would restore, pinned versions, "
        "versions a named alias points at. "
        "Rows and metrics stay (they count as trials); only model files go."
    )

    def run(_: str) -> str:
        report = desk.cleanup(int(keep), actor=actor())
        freed = report.freed_bytes / 1024
        return f"Cleanup removed {len(report.removed)} file(s), freed {freed:,.0f} KiB."

    confirm.confirm_buttons("cleanup", "Clean up", run, reason_required=False)


@st.dialog("Pin or unpin a version", on_dismiss=confirm.cancel)
def pin_dialog(ref: str, pin: bool) -> None:
    if pin:
        st.markdown(f"Pin **{literal(ref)}**: cleanup will keep its model file whatever its age.")
    else:
        st.markdown(
            f"Unpin **{literal(ref)}**: cleanup may then remove its model file once it is "
            "older than the newest `max_models_to_keep` versions (never the active version or "
            "the one a rollback would restore)."
        )

    def run(_: str) -> str:
        desk.set_pinned(ref, pin, actor=actor())
        return f"{ref} {'pinned: cleanup keeps its file' if pin else 'unpinned'}."

    confirm.confirm_buttons("pin", "Pin" if pin else "Unpin", run, ask_reason=False)


def show_decisions(decisions: list[Any]) -> None:
    """The promotion decisions about this version: verdict, what was compared, reasons."""
    st.subheader("Promotion decisions")
    if not decisions:
        st.caption("No promotion decision about this version yet.")
        return
    for d in decisions:
        st.markdown(
            f"**{d.decision}** · {d.created_at:%Y-%m-%d %H:%M} UTC"
            + (f" · learning session #{d.session_id}" if d.session_id else "")
        )
        st.caption(literal(f"Compared: {d.basis}"))
        for reason in d.reasons:
            st.markdown(f"- {literal(reason)}")


with shown_errors():
    board = reads.leaderboard(k)
    if not board:
        st.info(NO_VERSIONS)
        st.stop()
    refs = version_choices(board)
    serving = {v.ref for v in board if v.is_active}
    market = chosen_market(k)  # several lineages: the chosen market's active version first
    active = reads.active_version(k, market)
    wanted = st.query_params.get("version")
    default = (
        refs.index(wanted)
        if wanted in refs
        else (refs.index(active.ref) if active and active.ref in refs else 0)
    )
    ref = st.selectbox(
        f"Version ({VERSION_ORDER})",
        refs,
        index=default,
        format_func=lambda r: f"{r} · active" if r in serving else r,
        key="models_version",
    )
    v = reads.version(k, ref)
    demo_warning(v)
    lineage = None if market is None else v.lineage  # actions act on the version's lineage
    if lineage is not None:
        active = reads.lineage_active(k, lineage)
    target = reads.rollback_target(k, lineage)

    if not can_act():
        st.info(VIEWER_NOTE)
    else:
        buttons = st.columns(4)
        if buttons[0].button(
            "Activate…", key="activate", disabled=v.is_active or v.status == "cleaned"
        ):
            confirm.ask("activate", ref=ref)
        if buttons[1].button(
            "Roll back…", key="rollback", disabled=target is None or active is None
        ):
            confirm.ask("rollback")
        if buttons[2].button("Unpin…" if v.pinned else "Pin…", key="pin"):
            confirm.ask("pin", ref=ref, pin=not v.pinned)
        if buttons[3].button("Clean up…", key="cleanup"):
            confirm.ask("cleanup")
    st.caption(
        f"Roll back restores **{literal(target.ref)}**."
        if target
        else "Nothing to roll back to yet."
    )
    if confirm.pending("activate"):
        activate_dialog(str(confirm.pending("activate")["ref"]), active.ref if active else None)  # type: ignore[index]
    if confirm.pending("rollback") and active and target:
        rollback_dialog(active.ref, target.ref, lineage)
    wanted_pin = confirm.pending("pin")
    if wanted_pin:
        pin_dialog(str(wanted_pin["ref"]), bool(wanted_pin["pin"]))
    if confirm.pending("cleanup"):
        cleanup_dialog(desk.config().max_models_to_keep)

    left, right = st.columns([3, 2])
    facts = version_facts(v)
    left.dataframe(facts, hide_index=True, height=35 * (len(facts) + 1) + 3, key="facts")
    right.markdown("**Parameters**")
    params = params_frame(v.params)
    if params.empty:
        right.caption("None recorded: the algorithm's defaults.")
    else:
        right.dataframe(params, hide_index=True, key="params")
    features = feature_use(v)
    right.markdown(f"**{features.heading}**")
    right.caption(literal(", ".join(features.used) or "—"))
    if features.left_out:
        with right.expander(f"Candidates not selected ({len(features.left_out)})"):
            st.caption(literal(", ".join(features.left_out)))
    right.download_button(
        "Download research report",
        data=partial(desk.research_report, ref),  # built only when clicked
        file_name=report_file_name(ref),
        mime="text/html",
        on_click="ignore",
        key="research_report",
        help="One HTML file (opens offline): walk-forward equity and drawdowns after costs, "
        "metrics with bootstrap intervals and the deflated Sharpe, sessions and hours, "
        "importances, the learning session's candidates and the probability of backtest "
        "overfitting. Takes a few seconds to build.",
    )
    onnx_offer(right, ref)

    show_notes(desk, v, reads.alias_history(k, v.lineage))

    currency = desk.config().account.currency
    st.caption(
        f"Backtest (out of sample, after costs): Sharpe "
        f"{fmt_metric('sharpe', v.metrics.get('sharpe'))}, PSR "
        f"{fmt_metric('psr', v.metrics.get('psr'))}, DSR {fmt_dsr(v.metrics)}, expectancy "
        f"{fmt_metric('expectancy', v.metrics.get('expectancy'), currency)} over "
        f"{fmt_metric('trades', v.metrics.get('trades'))} trades. {CONVENTION}."
        if v.metrics
        else "No backtest figures recorded for this version."
    )
    show_decisions(reads.promotion_decisions(k, ref))
    show_price_chart(
        k, v, currency=desk.config().account.currency, prefix="models",
        default_source="live" if len(reads.live_results(k, ref)) else "backtest",
    )  # fmt: skip

    history = reads.metrics_history(k, ref)
    if history:
        names = [m for m in METRICS if any(h["name"] == m for h in history)]
        metric = st.selectbox(
            "Metric history",
            names,
            index=names.index("sharpe") if "sharpe" in names else 0,
            format_func=lambda m: METRICS[m].label,
            key="history_metric",
        )
        needed = desk.config().selection.min_live_trades
        st.plotly_chart(
            charts.metrics_history_figure(
                history, metric, min_live_trades=needed, currency=currency
            ),
            key="metrics_history",
        )
        few = [
            h["trades"]
            for h in history
            if h["source"] == "live" and h["name"] == metric and h["trades"] < needed
        ]
        if few:
            st.caption(
                f"Hollow live points rest on too few trades (latest: "
                f"{charts.live_shortfall(int(few[-1]), needed) or 'no trades'}; "
                "selection.min_live_trades): not yet evidence."
            )

    st.subheader("Activation history")
    events = reads.activation_history(k)
    if events:
        st.plotly_chart(charts.activation_timeline(events), key="activation_timeline")
        st.dataframe(activations_frame(events), hide_index=True, key="activations")
    else:
        st.caption("No activation yet.")

    show_backtests(desk, v)
    show_explanations(desk, v)
