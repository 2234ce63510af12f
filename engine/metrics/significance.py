"""Is one strategy's edge over another real? A one-sided Welch t-test on per-trade net profits.

Welch's test does not assume equal variances or equal trade counts. It treats the two trade
lists as independent; two models trading the same bars tend to be positively correlated, which
makes the test conservative (the true p-value is smaller), never too eager to promote.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import t as student_t

from engine.metrics.trading import Numbers, as_float_array


@dataclass(frozen=True)
class EdgeTest:
    """Challenger against champion: mean net profit per trade, the difference (the edge), and
    the one-sided p-value of "the challenger's mean is higher" (nan when not tested)."""

    challenger_trades: int
    champion_trades: int
    challenger_mean: float
    champion_mean: float
    edge: float
    t_stat: float
    dof: float
    p_value: float
    min_trades: int

    @property
    def enough(self) -> bool:
        """Both sides have at least `min_trades` trades."""
        return min(self.challenger_trades, self.champion_trades) >= self.min_trades

    def significant(self, max_p_value: float) -> bool:
        """Enough trades, a positive edge and a p-value at most `max_p_value`."""
        return self.enough and self.edge > 0 and self.p_value <= max_p_value

    def verdict(self, max_p_value: float) -> str:
        """What the trader reads: not enough trades, or the p-value against the threshold."""
        if not self.enough:
            return (
                f"not enough trades ({self.challenger_trades} vs {self.champion_trades}; "
                f"{self.min_trades} each needed)"
            )
        if self.significant(max_p_value):
            return f"significant edge (p = {self.p_value:.3f} ≤ {max_p_value:g})"
        return f"no significant edge (p = {self.p_value:.3f} > {max_p_value:g})"


def welch_edge_test(challenger: Numbers, champion: Numbers, *, min_trades: int = 2) -> EdgeTest:
    """One-sided Welch t-test that the challenger's mean per-trade profit exceeds the
    champion's. Below `min_trades` on either side (at least 2), only means are given and the
    p-value is nan. With no spread on either side the p-value is 0 for a positive edge, 1 for a
    negative one and nan for none."""
    if min_trades < 2:
        raise ValueError(f"min_trades must be at least 2 (a variance needs two), got {min_trades}")
    a, b = as_float_array(challenger), as_float_array(champion)
    mean_a = float(a.mean()) if a.size else math.nan
    mean_b = float(b.mean()) if b.size else math.nan
    edge = mean_a - mean_b
    t_stat = dof = p_value = math.nan
    if min(a.size, b.size) >= min_trades:
        va, vb = float(a.var(ddof=1)) / a.size, float(b.var(ddof=1)) / b.size
        t_stat, dof, p_value = _welch(va, vb, a.size, b.size, edge)
    return EdgeTest(
        challenger_trades=int(a.size),
        champion_trades=int(b.size),
        challenger_mean=mean_a,
        champion_mean=mean_b,
        edge=edge,
        t_stat=t_stat,
        dof=dof,
        p_value=p_value,
        min_trades=min_trades,
    )


def _welch(va: float, vb: float, n_a: int, n_b: int, edge: float) -> tuple[float, float, float]:
    """(t, Welch-Satterthwaite degrees of freedom, one-sided p) from the squared standard
    errors of the two means."""
    se2 = va + vb
    if se2 == 0.0:
        p = 0.0 if edge > 0 else 1.0 if edge < 0 else math.nan
        return math.copysign(math.inf, edge) if edge else math.nan, math.nan, p
    dof = se2 * se2 / (va * va / (n_a - 1) + vb * vb / (n_b - 1))
    t_stat = edge / math.sqrt(se2)
    return t_stat, dof, float(student_t.sf(t_stat, dof))
