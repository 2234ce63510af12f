"""The Streamlit dashboard (rendering only; it calls engine.services)."""
