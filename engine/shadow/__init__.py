"""Shadow trading: challengers paper-trade the same stored live bars as the champion.

`cycle` runs one step (paper trades, then promotion of held challengers), `paper` turns a
version and bars into trades with the backtest's costs and exits, `store` keeps them in the
`shadow_trades` table (never in the trade ledger), `evidence` compares a challenger with its
champion, `targets` picks the versions (`shadow.*` config), `promotion` holds and settles.
"""
