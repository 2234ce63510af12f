"""`literal`: user text in a markdown-rendering element shows exactly as written. Checked with a
CommonMark renderer (markdown-it-py, with GFM tables and strikethrough): no image, link,
emphasis, code, heading, list, table or HTML survives, and the visible text is the original
(invisible word joiners aside); Streamlit's own markup (`:shortcode:`, `:material/icon:`,
`:red[...]`, `$math$`) is escaped, and no bare link is left for GFM's autolinker."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from dashboard.literal import WORD_JOINER, literal

PAYLOAD = "![x](http://127.0.0.1:9/x.png)"
RENDERER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
TAGS = re.compile(r"<(?!/?p>|br />)[^>]+>")  # any tag but paragraphs and line breaks
STREAMLIT_MARKUP = re.compile(r"(?<!\\)(?::[\w+/-]+:|:\w[\w-]*\[|\$)")
BARE_LINK = re.compile(r"https?://|www\.|[-.\w+]+@[-\w]+", re.IGNORECASE)  # GFM's autolinks


def rendered(text: str) -> str:
    return RENDERER.render(text)


def text_nodes(markup: str) -> str:
    """What the renderer leaves as text (GFM's autolinker then reads this)."""
    return html.unescape(re.sub(r"</?p>|<br />", " ", markup))


def visible(markup: str) -> str:
    return text_nodes(markup).replace(WORD_JOINER, "")


def test_the_issue_payload_is_text_not_an_image():
    assert "<img" in rendered(PAYLOAD)  # what the dashboard showed before
    shown = rendered(literal(PAYLOAD))
    assert "<img" not in shown and "<a " not in shown
    assert visible(shown).strip() == PAYLOAD
    assert literal(PAYLOAD) == "\\!\\[x\\](http\u2060://127.0.0.1:9/x.png)"
    assert not BARE_LINK.search(text_nodes(shown))


def test_ordinary_prose_is_left_as_it_is():
    for text in [
        "Imported 300 XAUTEST M5 bars: 300 new, 0 updated.",
        "XAUUSD-M5-scalper:v3 is active (was XAUUSD-M5-scalper:v2).",
        "Session #4 finished: learning.purge_bars must be at least 12; extra_trees won",
    ]:
        assert literal(text) == text


def test_every_markdown_construct_stays_text():
    for text in [
        "**bold** _it_ `code` ~~gone~~ *it*",
        "[link](http://host/) <http://host/x> <img src=x> &amp;",
        "# heading",
        "- item",
        "+ item",
        "1. item",
        "7) item",
        "> quote",
        "a | b\n--- | ---\n1 | 2",
        "[ref]\n\n[ref]: http://host/x.png",
        "title\n===",
        "```\ncode\n```",
        "    indented code",
        "line\n\tindented by a tab",
        "***",
        "see http://host/x or www.host.com or mail me@host.com",
    ]:
        shown = rendered(literal(text))
        assert not TAGS.search(shown), (text, shown)
        assert visible(shown).split() == text.split(), (text, shown)
        assert not BARE_LINK.search(text_nodes(shown)), (text, shown)


def test_streamlit_markup_is_escaped():
    for text in [":red[coloured]", ":material/home:", ":smile:", "$x^2$", "a :blue-badge[b]"]:
        assert not STREAMLIT_MARKUP.search(literal(text)), text


markdownish = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("!#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \n\t0123456789")),
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
    ),
    max_size=60,
)


@settings(max_examples=500, deadline=None)
@given(markdownish)
def test_any_text_shows_as_written(text: str):
    out = literal(text)
    shown = rendered(out)
    assert not TAGS.search(shown), (text, shown)
    assert visible(shown).split() == text.replace(WORD_JOINER, "").split(), (text, out, shown)
    assert not STREAMLIT_MARKUP.search(out), (text, out)
    assert not BARE_LINK.search(text_nodes(shown)), (text, out)


def test_non_strings_are_shown_as_their_text():
    assert literal(12.5) == "12.5" and literal(None) == "None"
