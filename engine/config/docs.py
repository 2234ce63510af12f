"""Render docs/CONFIG.md from the schema, so every key is documented (a test keeps it current).

Run `python -m engine.config.docs > docs/CONFIG.md` after changing the schema.
"""

from __future__ import annotations

import json

from engine.config.schema import SEED_KEYS, describe_keys


def render_config_docs() -> str:
    lines = [
        "# Configuration keys",
        "",
        "`config/phase3_config.json` (under `--home`/`AURUM_HOME` when given). Edit it with",
        "`aurum config set KEY VALUE` (dotted keys for sections, e.g. `learning.n_folds`)",
        "or by hand followed by `aurum config validate`. Every saved",
        "change is recorded (`aurum config history`) and can be undone",
        "(`aurum config revert ID`); a file that no longer reads or validates is",
        "replaced by the last good configuration with `aurum config revert`.",
        "A bad value is refused with the key's name and the reason; the file is never",
        "half-written.",
        "",
        "Keys marked *seed* keep the names of the original system.",
        "",
        "| key | type | default | bounds | meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    for doc in describe_keys():
        seed = " *seed*" if doc.key in SEED_KEYS else ""
        default = json.dumps(doc.default)
        type_name = doc.type.replace("|", "\\|")
        lines.append(
            f"| `{doc.key}`{seed} | {type_name} | `{default}` | {doc.bounds or '—'} | "
            f"{doc.description} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_config_docs(), end="")
