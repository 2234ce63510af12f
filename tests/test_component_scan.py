"""The suite's AppTests share one scan of the installed packages for Streamlit components
(tests/component_scan.py), and it finds what Streamlit's own scan finds."""

from __future__ import annotations

from streamlit.components.v2 import manifest_scanner
from streamlit.testing.v1 import AppTest

from tests import component_scan


def test_the_shared_scan_is_streamlits_own():
    assert manifest_scanner.scan_component_manifests is component_scan.scan_component_manifests
    assert component_scan.scan_component_manifests() == component_scan._scan()


def test_new_apptests_reuse_the_scan():
    component_scan.scan_component_manifests()  # scanned by now in this process
    before = component_scan._scanned_once.cache_info()
    for _ in range(2):
        app = AppTest.from_string("import streamlit as st\nst.write('scan')").run()
        assert not app.exception
        assert app.markdown[0].value == "scan"
    after = component_scan._scanned_once.cache_info()
    assert after.misses == before.misses
    assert after.hits == before.hits + 2
