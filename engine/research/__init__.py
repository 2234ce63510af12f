"""Research: the walk-forward research report of one model version (self-contained HTML)."""
