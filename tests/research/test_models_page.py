"""The Models page offers the selected version's research report as a download, built on click."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dashboard.conftest import open_page


def test_models_page_has_a_lazy_research_report_download(
    trained_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AURUM_HOME", str(trained_home))
    at = open_page("models")
    button = at.download_button(key="research_report")
    assert button.label == "Download research report"
    assert button.proto.HasField("deferred_file_id")  # a callable: nothing built until clicked
    assert not at.exception and not at.error
