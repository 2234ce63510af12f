"""The model card on its own: digest, non-finite numbers, and Markdown that people's text cannot
break out of."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.registry.card import CardFile, MetricSnapshot, ModelCard, Provenance, card_json
from engine.registry.card_markdown import render_markdown


def card(**changes: object) -> ModelCard:
    base = ModelCard(
        ref="XAUUSD-M5-scalper:v3", lineage="XAUUSD-M5-scalper", symbol="XAUUSD",
        timeframe="M5", purpose="scalper", version=3, algorithm="logistic_regression",
        status="active", created_at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
        features=["ret_1"], params={"C": 0.1},
        provenance=Provenance(train_start=None, train_end=None, data_hash="ab" * 32),
        library_versions={"scikit-learn": "1.9.1"},
        metrics=[MetricSnapshot(source="backtest", trades=3,
                                values={"profit_factor": float("inf"), "sharpe": None})],
        files=[CardFile(name="model.skops", format="skops", size=10, sha256="0" * 64)],
    )  # fmt: skip
    return base.model_copy(update=changes)


def test_the_digest_covers_everything_but_itself():
    sealed = card().sealed()
    assert sealed.digest == sealed.content_digest() and len(sealed.digest) == 64
    assert card(description="x").sealed().digest != sealed.digest
    assert sealed.model_copy(update={"digest": "f" * 64}).content_digest() == sealed.digest


def test_infinite_figures_survive_the_json_file():
    text = card_json(card().sealed())
    assert '"profit_factor": "inf"' in text and '"sharpe": null' in text
    back = ModelCard.model_validate_json(text)
    assert back.metrics[0].values == {"profit_factor": float("inf"), "sharpe": None}
    assert back == card().sealed()


def test_peoples_text_stays_text_in_the_markdown():
    hostile = "```\n# Not a heading\n[click](javascript:alert(1))\n````"
    md = render_markdown(card(description=hostile, tags={"note": "a | b [x](y) <b>"}))
    fence = "`" * 5  # longer than any run of backticks in the text
    assert f"{fence}text\n{hostile}\n{fence}" in md
    assert "| note | a \\| b \\[x\\](y) \\<b\\> |" in md
    assert "\n# Not a heading" not in md.replace(f"{fence}text\n{hostile}", "")
