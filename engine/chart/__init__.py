"""The price chart of a version: a window of stored bars read by index, the trades of each source
(live, backtest, shadow; more plug in with `engine.chart.trades.register_source`) with their
recomputed stop-loss and take-profit, the model's probabilities and the market regimes."""
