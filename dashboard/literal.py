"""User text shown as written, never as markdown.

Streamlit renders markdown in `st.markdown`, captions, the coloured boxes, toasts, progress
texts, labels and help tooltips; a reason, an actor's name, a config value or a field of an
uploaded file that holds `![x](http://host/x.png)` would make every browser showing it fetch
that URL. `literal` backslash-escapes (CommonMark lets any ASCII punctuation be escaped, and it
then shows as itself) each character that can start markup, and leaves ordinary prose alone:

- anywhere: `\\` `` ` `` `*` `~` `[` `]` `<` `&` `|` `$`, and `_` unless inside a word
  (code, emphasis, strikethrough, links, images, autolinks, HTML, entities, tables, LaTeX);
  `:` where it would open Streamlit's `:emoji:` / `:material/icon:` shortcodes;
- at the start of a line: any punctuation (headings, quotes, lists, rules, fences) and the `.`
  or `)` after a number (ordered lists); spaces that start a line become no-break spaces, so
  an indented line is not a code block;
- bare links (`http://…`, `www.…`, `name@host.tld`), which GitHub-flavoured markdown turns into
  links after escapes are read: an invisible word joiner (U+2060) goes before their `://`,
  the `.` after `www` and the `@`, so no link pattern matches; the text looks the same.
"""

from __future__ import annotations

import re

_INLINE = re.compile(
    r"[\\`*~\[\]<&|$]"  # always markup, or the start of it
    r"|(?<![^\W_])_|_(?![^\W_])"  # emphasis by underscore (snake_case stays as it is)
    r"|:(?=[\w+/-]+:)"  # :shortcode: / :material/icon:
)
_BARE_LINK = re.compile(r"(?=://)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)
WORD_JOINER = "\u2060"
_LINE_START = re.compile(r"^(?:[!-/:-@\[-`{-~]|\d{1,9}[.)](?=\s|$))", re.MULTILINE)
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)


def literal(value: object) -> str:
    """`value` as text for a markdown-rendering element: it shows exactly as written."""
    text = _INLINE.sub(lambda m: "\\" + m.group(), str(value))
    text = _BARE_LINK.sub(WORD_JOINER, text)
    text = _LINE_START.sub(_escape_line_start, text)
    return _INDENT.sub(lambda m: "\u00a0" * len(m.group()), text)


def _escape_line_start(match: re.Match[str]) -> str:
    found = match.group()
    if found[-1] in ".)" and found[:-1].isdigit():  # "1." or "2)": an ordered list marker
        return found[:-1] + "\\" + found[-1]
    return found if found.startswith("\\") else "\\" + found
