"""The configuration form, generated from the engine's schema (`Phase3Config.model_fields`).

Widgets take any value (no widget-side bounds) so the schema itself refuses a bad one and the
message is shown under the field that holds it. Pure helpers (`field_kind`, `candidate`,
`check`) are separate from the one function that draws widgets.
"""

from __future__ import annotations

import json
import types
from dataclasses import dataclass, field
from typing import Any, Literal, Union, get_args, get_origin

import streamlit as st
from pydantic import BaseModel, ValidationError

from dashboard.literal import literal
from engine.config.schema import KeyDoc, Phase3Config, describe_keys

PREFIX = "cfg:"
SECTIONS: tuple[tuple[str, str | None], ...] = (
    ("General", None),
    ("Learning", "learning"),
    ("Features", "features"),
    ("Costs", "costs"),
    ("Account", "account"),
    ("Risk", "risk"),
    ("Selection", "selection"),
    ("Shadow", "shadow"),
    ("Serving", "serving"),
    ("Scheduler", "scheduler"),
    ("Security", "security"),
    ("Alerts", "alerts"),
    ("Regimes", "regimes"),
)
Kind = Literal["bool", "int", "float", "choice", "choices", "text", "json"]


def section_model(section: str | None) -> type[BaseModel]:
    if section is None:
        return Phase3Config
    annotation = Phase3Config.model_fields[section].annotation
    assert isinstance(annotation, type) and issubclass(annotation, BaseModel)
    return annotation


def leaf_fields(section: str | None) -> list[tuple[str, Any]]:
    """(dotted key, FieldInfo) of the section's own keys (sub-sections excluded)."""
    out = []
    for name, info in section_model(section).model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            continue
        out.append((name if section is None else f"{section}.{name}", info))
    return out


def field_kind(annotation: Any) -> tuple[Kind, tuple[Any, ...]]:
    """The widget for a type: toggle, whole number, number, choice(s), text or JSON."""
    origin = get_origin(annotation)
    if annotation is bool:
        return "bool", ()
    if annotation is int:
        return "int", ()
    if annotation is float:
        return "float", ()
    if annotation is str:
        return "text", ()
    if origin is Literal:
        return "choice", get_args(annotation)
    if origin is list:
        (item,) = get_args(annotation) or (Any,)
        if get_origin(item) is Literal:
            return "choices", get_args(item)
    if origin in (Union, types.UnionType):
        return "json", ()
    return "json", ()


def _get(data: dict[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        node = node[part]
    return node


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


@dataclass
class Check:
    """The candidate config, the validated one (None when refused) and errors per key."""

    data: dict[str, Any]
    config: Phase3Config | None = None
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)


def candidate(
    current: dict[str, Any], edits: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The current config with the form's raw values applied; JSON fields that do not parse
    become errors on their key."""
    data = json.loads(json.dumps(current))
    errors: dict[str, str] = {}
    kinds = {k: field_kind(info.annotation)[0] for s in SECTIONS for k, info in leaf_fields(s[1])}
    for dotted, raw in edits.items():
        if kinds.get(dotted) == "json" and isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError as err:
                errors[dotted] = f"not valid JSON ({err.msg}, column {err.colno})"
                continue
        _set(data, dotted, raw)
    return data, errors


def check(data: dict[str, Any], parse_errors: dict[str, str] | None = None) -> Check:
    """Validate with the schema; each problem lands on the key it names (else `general`)."""
    result = Check(data, errors=dict(parse_errors or {}))
    keys = {k for s in SECTIONS for k, _ in leaf_fields(s[1])}
    try:
        result.config = Phase3Config.model_validate(data)
    except ValidationError as err:
        for item in err.errors():
            loc = [str(p) for p in item["loc"]]
            reason = item["msg"].removeprefix("Value error, ")
            key = next(
                (".".join(loc[:n]) for n in range(len(loc), 0, -1) if ".".join(loc[:n]) in keys),
                None,
            )
            if key is None:
                result.general.append(f"{'.'.join(loc) or 'configuration'}: {reason}")
            else:
                result.errors.setdefault(key, reason)
    if result.errors:
        result.config = None
    return result


def _help(doc: KeyDoc | None) -> str:
    if doc is None:
        return ""
    bounds = f" · bounds: {doc.bounds}" if doc.bounds else ""
    return f"default: {json.dumps(doc.default)}{bounds}"


def draw_field(dotted: str, info: Any, value: Any, doc: KeyDoc | None, error: str | None) -> None:
    """One widget (state under `cfg:<key>`), its default and bounds, and its error if any."""
    kind, options = field_kind(info.annotation)
    key, label = PREFIX + dotted, dotted.split(".")[-1]
    help_text = info.description or ""
    if key not in st.session_state:
        st.session_state[key] = value if kind != "json" else json.dumps(value)
    if kind == "bool":
        st.toggle(label, key=key, help=help_text)
    elif kind == "int":
        st.number_input(label, step=1, format="%d", key=key, help=help_text)
    elif kind == "float":
        st.number_input(
            label, step=0.01 if abs(value) < 10 else 1.0, format="%g", key=key, help=help_text
        )
    elif kind == "choice":
        st.selectbox(label, list(options), key=key, help=help_text)
    elif kind == "choices":
        st.multiselect(label, list(options), key=key, help=help_text)
    else:
        st.text_input(label + (" (JSON)" if kind == "json" else ""), key=key, help=help_text)
    st.caption(f"{info.description} — {literal(_help(doc))}")
    if error:
        st.error(literal(f"{dotted}: {error}"), icon="⛔")


def edits() -> dict[str, Any]:
    """The form's current raw values (only keys the form has drawn)."""
    return {
        str(k).removeprefix(PREFIX): v
        for k, v in st.session_state.items()
        if str(k).startswith(PREFIX)
    }


def reset() -> None:
    """Forget the form's values (after a save or revert it shows the file again)."""
    for k in [k for k in st.session_state if str(k).startswith(PREFIX)]:
        del st.session_state[k]
    st.session_state.pop("cfg_base", None)


def draw_form(current: dict[str, Any], result: Check) -> None:
    """A tab per section, two columns of fields."""
    docs = {d.key: d for d in describe_keys()}
    for tab, (_, section) in zip(st.tabs([s[0] for s in SECTIONS]), SECTIONS, strict=True):
        with tab:
            fields = leaf_fields(section)
            columns = st.columns(2)
            for i, (dotted, info) in enumerate(fields):
                with columns[i % 2]:
                    draw_field(
                        dotted,
                        info,
                        _get(current, dotted),
                        docs.get(dotted),
                        result.errors.get(dotted),
                    )
