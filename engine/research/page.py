"""The report's HTML frame: one page, plotly.js inline once (opens offline), plain tables."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

STYLE = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{color:#8a6d1c}h2{border-bottom:2px solid #d4af37;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ddd;padding:.3em .6em}
td{text-align:right}td.text{text-align:left}th{background:#faf6e8}
.headline{font-size:1.3em}nav a{margin-right:1em}
"""


def figure_html(fig: go.Figure) -> str:
    """A figure as a div; plotly.js itself is added once by `page`."""
    return str(
        pio.to_html(fig, full_html=False, include_plotlyjs=False, config={"displaylogo": False})
    )


def table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """An HTML table; a cell is text or {"text": ..., "data": {name: value}} (data-* attributes)."""
    out = ["<table><thead><tr>", *(f"<th>{escape(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>")
        for cell in row:
            if isinstance(cell, dict):
                attrs = "".join(
                    f' data-{escape(k)}="{escape(str(v))}"' for k, v in cell["data"].items()
                )
                out.append(f"<td{attrs}>{escape(cell['text'])}</td>")
            else:
                out.append(f'<td class="text">{escape(str(cell))}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def page(title: str, intro: str, sections: Sequence[tuple[str, str, str]]) -> str:
    """The whole document: title, contents, then each (id, heading, body html) section."""
    from plotly.offline import get_plotlyjs

    nav = "".join(f'<a href="#{sid}">{escape(head)}</a>' for sid, head, _ in sections)
    body = "".join(
        f'<section id="{sid}"><h2>{escape(head)}</h2>{html}</section>'
        for sid, head, html in sections
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
        f"<h1>{escape(title)}</h1>{intro}<nav>{nav}</nav>{body}</body></html>"
    )
