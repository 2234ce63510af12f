"""Can the active model be trusted today: the verdict (pure, from stored figures), the backtest's
expected band for live results, and the Overview's panel that gathers them."""
