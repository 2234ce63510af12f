"""Overview: the active model, live against backtest, the services, the last session, advice."""

from __future__ import annotations

import streamlit as st

from dashboard import reads
from dashboard.alert_panel import show_alerts
from dashboard.charts import live_shortfall
from dashboard.desk import get_desk, show_flash, shown_errors
from dashboard.frame import NEXT_STEPS, chosen_market, market_label, services_box
from dashboard.literal import literal
from dashboard.pause_panel import show_pause_switch
from dashboard.provenance import demo_warning, origin_label
from dashboard.tables import headline_frame
from dashboard.trust_panel import show_trust
from engine.alerts.delivery import masked_url, webhook_url
from engine.learner.records import ACTIVE
from engine.metrics.catalog import CONVENTION, money

st.title("Overview")
desk = get_desk()
k = reads.key()
show_flash()

with shown_errors():
    if not reads.has_versions(k):
        st.info(f"No models yet: {NEXT_STEPS}")
        st.page_link("views/data.py", label="Import market data →", icon=":material/database:")
        st.stop()

    market = chosen_market(k)
    active = reads.active_version(k, market)
    if active is not None:
        show_trust(k, active.ref)
    left, right = st.columns([3, 2])
    with left:
        shown = literal(market_label(market)) if market else ""
        st.subheader("Active model" + (f" — {shown}" if market else ""))
        if active is None:
            st.warning(
                "No active model"
                + (f" for {shown}" if market else "")
                + ": activate a version on the **Models** page."
            )
        else:
            since = next((r for r in reads.activation_history(k) if r.to_ref == active.ref), None)
            live = reads.live_metrics(k, active.ref)
            needed = desk.config().selection.min_live_trades
            currency = desk.config().account.currency
            short = live_shortfall(int(live.get("trades", 0)), needed)
            c1, c2, c3 = st.columns(3)
            c1.metric("Version", f"v{active.version}", help=literal(active.ref))
            c2.metric("Live trades", int(live.get("trades", 0)))
            c3.metric("Live net", money(live.get("net_profit", 0.0), currency))
            if short:
                st.warning(
                    f"Live figures: {short} (selection.min_live_trades) — not yet evidence; "
                    "read the backtest column until then."
                )
            st.markdown(
                f"**{literal(active.ref)}** · "
                + literal(f"{active.algorithm} · {active.symbol} {active.timeframe}")
                + f" · trained on {origin_label(active.data_origin)} bars"
            )
            demo_warning(active)
            if since is not None:
                why = f": {since.reason}" if since.reason else ""
                st.caption(
                    literal(
                        f"{active.ref} active since {since.created_at:%Y-%m-%d %H:%M} UTC "
                        f"({since.kind} by {since.actor}{why})"
                    )
                )
            st.dataframe(
                headline_frame(active.metrics, live, live_needed=needed, currency=currency),
                hide_index=True,
                key="headline",
            )
            st.caption(
                "Backtest = out-of-sample walk-forward trades after spread, slippage and "
                f"commission; live = the trading side's trades since activation. {CONVENTION}."
            )
    with right:
        st.subheader("Trading")
        show_pause_switch(desk, k)
        st.subheader("Background services")
        services_box(reads.service_status(k), "", caption=False, compact=False)
        st.subheader("Last learning session")
        sessions = reads.learning_sessions(k, 5)
        if not sessions:
            st.caption("None yet: press **Retrain now** on the Learning page.")
        else:
            last = sessions[0]
            st.markdown(
                f"**#{last.id}** · {literal(f'{last.trigger} by {last.requested_by}')} · "
                f"**{literal(last.status.replace('_', ' '))}**"
            )
            if last.status in ACTIVE:
                st.caption(literal(last.message or last.stage))
            else:
                st.markdown(literal(reads.session_story(k, last.id)))
            st.page_link(
                "views/learning.py", label="Session details →", icon=":material/psychology:"
            )

    st.subheader("Recommendations and alerts")
    report = reads.report(k)
    advice = report.get("recommendations") or []
    for line in advice:
        st.warning(literal(line))
    if not advice:
        st.success("Nothing to do: no recommendation from the status report.")
    st.caption(literal(report.get("conventions", "")))

    st.subheader("Recent alerts")
    alerts_cfg = desk.config().alerts
    show_alerts(reads.alerts(k), alerts_cfg, masked_url(webhook_url(alerts_cfg)))
