"""Data: import MT5/CSV bars (preview in UTC, progress, refusals with line numbers), coverage per
series with gaps visible, and trade-history import."""

from __future__ import annotations

from collections import Counter

import streamlit as st

from dashboard import charts, confirm, reads
from dashboard.coverage import coverage_window
from dashboard.desk import (
    VIEWER_NOTE,
    actor,
    after_action,
    can_act,
    get_desk,
    show_flash,
    shown_errors,
)
from dashboard.literal import literal
from dashboard.tables import daily_counts
from dashboard.uploads import as_uploaded, save_upload, shown_name
from engine.data.importers import ParsedBars, read_bars
from engine.data.timeframes import TIMEFRAMES
from engine.data.zones import COMMON_CLOCKS, parse_clock
from engine.trade_import import read_trade_file

OTHER = "Other (type it)"
POLICIES = {
    "Refuse them (list their lines)": None,
    "Earlier (summer time)": "earlier",
    "Later (winter time)": "later",
}
st.title("Data")
desk = get_desk()
k = reads.key()
show_flash()


@st.cache_data(show_spinner="Reading and validating the file…", max_entries=8)
def preview(
    path: str, timeframe: str, fmt: str | None, tz: str, ambiguous: str | None
) -> ParsedBars:
    return read_bars(path, timeframe=timeframe, fmt=fmt, tz=tz, ambiguous=ambiguous)


def clock_choice(column: object) -> str | None:
    """The file's clock: a common one picked from the list, or another typed and checked (a
    refusal stops the section before any preview or import); None while nothing is typed."""
    picked = column.selectbox(  # type: ignore[attr-defined]
        "Time zone of the file's times",
        [*COMMON_CLOCKS, OTHER],
        key="bars_tz",
        help="MT5 exports server time; the bars are stored in UTC. NY+7 is New York time + 7 h "
        "(the common MT5 server clock); see docs/TIME_ZONES.md to tell which one a broker uses.",
    )
    text = picked
    if picked == OTHER:
        text = st.text_input(
            "Time zone (IANA name such as Europe/Athens, UTC+2, UTC-03:30 or NY+7)",
            key="bars_tz_other",
        )
        if not text.strip():
            st.info("Type the time zone of the file's times to preview and import it.")
            return None
    clock = parse_clock(text)  # refused with examples when it is not a clock
    st.caption(f"Times read as {clock.name}: {clock.describe()}.")
    return clock.name


def import_bars_section() -> None:
    cfg = desk.config()
    upload = st.file_uploader(
        "MT5 'Export bars' file or CSV", type=["csv", "txt", "tsv"], key="bars_file"
    )
    c1, c2, c3, c4 = st.columns(4)
    symbol = c1.text_input("Symbol", cfg.learning.symbol, key="bars_symbol")
    tfs = list(TIMEFRAMES)
    timeframe = c2.selectbox(
        "Timeframe", tfs, index=tfs.index(cfg.learning.timeframe), key="bars_tf"
    )
    fmt_label = c4.selectbox("Format", ["detect", "mt5", "csv"], key="bars_fmt")
    tz = clock_choice(c3)
    if tz is None:
        return
    policy = POLICIES[
        st.selectbox(
            "Local times that a DST fall-back repeats",
            list(POLICIES),
            key="bars_ambiguous",
            help="When clocks go back, one hour of local time occurs twice. Without a choice "
            "such rows are refused with their line numbers.",
        )
    ]
    if upload is None:
        st.caption("Upload a file to preview it. Nothing is written until you import.")
        return
    path = save_upload(upload.name, upload.getvalue())
    fmt = None if fmt_label == "detect" else fmt_label
    with as_uploaded(path, upload.name):
        parsed = preview(str(path), timeframe, fmt, tz, policy)
    frame = parsed.frame
    gaps = Counter(g.kind for g in parsed.gaps)
    st.success(
        f"{parsed.rows:,} valid {parsed.source_format} bars, "
        f"{frame['time'].iloc[0]:%Y-%m-%d %H:%M} → "
        f"{frame['time'].iloc[-1]:%Y-%m-%d %H:%M} UTC. Gaps: "
        + (", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in gaps.items()) or "none")
    )
    head = frame.head(10).assign(time=frame["time"].head(10).dt.strftime("%Y-%m-%d %H:%M"))
    st.dataframe(head.rename(columns={"time": "time (UTC)"}), hide_index=True, key="bars_preview")
    sure = confirm.sure_box(
        literal(f"Import these {parsed.rows:,} bars as {symbol} {timeframe}"), key="bars_confirm"
    )
    if not can_act():
        st.info(VIEWER_NOTE)
    elif st.button("Import bars", type="primary", disabled=not sure, key="bars_import"):
        bar = st.progress(0.0, text="starting")
        with as_uploaded(path, upload.name):
            report = desk.import_bars(
                str(path),
                symbol=symbol,
                timeframe=timeframe,
                fmt=parsed.source_format,
                tz=tz,
                ambiguous=policy,
                actor=actor(),
                progress=lambda stage, part: bar.progress(min(1.0, part), text=literal(stage)),
                file_name=shown_name(upload.name),
            )
        path.unlink(missing_ok=True)  # the upload's temporary copy
        confirm.disarm("bars_confirm")  # the next import is confirmed again
        after_action(
            f"Imported {report.rows:,} {report.symbol} {report.timeframe} bars: "
            f"{report.new:,} new, "
            f"{report.updated:,} updated, {report.unchanged:,} unchanged."
        )


def coverage_section() -> None:
    series = reads.bar_series(k)
    if not series:
        st.info(
            "No bars stored yet: import an MT5 export above, then press **Retrain now** on the "
            "**Learning** page — or load a demo desk with `aurum demo`."
        )
        return
    st.dataframe(
        [
            {
                "symbol": s.symbol,
                "timeframe": s.timeframe,
                "origin": "+".join(s.origins) or s.origin,
                "bars": s.bars,
                "first (UTC)": f"{s.first:%Y-%m-%d %H:%M}",
                "last (UTC)": f"{s.last:%Y-%m-%d %H:%M}",
            }
            for s in series
        ],
        hide_index=True,
        key="series_table",
    )
    st.caption(
        "origin: imported (a file), live (stored by the HTTP bridge from signal requests) or "
        "generated (the demo's bars, not market data). Real bars never join a generated "
        "series: `aurum demo --remove` takes the demo out before a real import."
    )
    names = [f"{s.symbol} {s.timeframe}" for s in series]
    pick = st.selectbox("Series", names, key="coverage_series")
    days = st.slider("Days shown", 7, 365, 60, key="coverage_days")
    s = series[names.index(pick)]
    window = coverage_window(s.last, days)  # calendar days, whatever the bars per day
    counts = daily_counts(reads.bar_times(k, s.symbol, s.timeframe, window.start, window.end))
    figure = charts.coverage_figure(
        counts["day"], counts["bars"], title=f"{pick}: bars per day (UTC)"
    )
    figure.update_xaxes(range=window.axis_range)  # the days chosen, bars or none
    st.plotly_chart(figure, key="coverage_chart")
    starts = (
        f" The series starts on {s.first:%Y-%m-%d}: nothing is stored before."
        if s.first > window.start
        else ""
    )
    st.caption(
        f"{days} days, {window.first_day:%Y-%m-%d} → {window.last_day:%Y-%m-%d} (UTC), ending "
        f"on the day of the series' last bar; red marks a day without bars.{starts}"
    )


def import_trades_section() -> None:
    upload = st.file_uploader("Trade history CSV", type=["csv"], key="trades_file")
    st.caption(
        "Columns: ticket, side, open_time, close_time, open_price, close_price, volume, "
        "profit, and "
        "optionally symbol, commission, swap, version_id, confidence, source (times in UTC)."
    )
    if upload is None:
        return
    kept = save_upload(upload.name, upload.getvalue())
    with as_uploaded(kept, upload.name):
        parsed = read_trade_file(kept)
    if parsed.problems:
        problems = "\n\n".join(literal(p) for p in parsed.problems[:20])
        st.error("Refused, nothing was logged:\n\n" + problems)
        return
    sure = confirm.sure_box(f"Log these {len(parsed.rows)} trades", key="trades_confirm")
    if not can_act():
        st.info(VIEWER_NOTE)
    elif st.button("Import trades", disabled=not sure, key="trades_import"):
        with st.spinner(f"Logging {len(parsed.rows)} trades in one transaction…"):
            logged = desk.log_trades(parsed.rows, actor=actor())
        confirm.disarm("trades_confirm")
        new = sum(t.outcome == "new" for t in logged)
        after_action(f"Trades: {new} new, {len(logged) - new} already logged.")


with shown_errors():
    st.subheader("Import bars")
    import_bars_section()
with shown_errors():
    st.subheader("Coverage")
    coverage_section()
with shown_errors():
    st.subheader("Import trade history")
    import_trades_section()
