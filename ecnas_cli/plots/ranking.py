"""The critical-difference diagram of a :class:`~ecnas_cli.analysis.ranking.Ranking`.

The data is the Ranking itself (mean ranks, Nemenyi p-values, the critical difference);
:func:`render_cd` draws it with scikit-posthocs' ``critical_difference_diagram``: strategies on
a mean-rank axis, the ones Nemenyi's test cannot tell apart joined by a bar.
"""

from __future__ import annotations

from matplotlib.axes import Axes

from ecnas_cli.analysis.ranking import Ranking

__all__ = ["render_cd"]


def render_cd(ax: Axes, ranking: Ranking) -> Axes:
    """Mean ranks (1 = best, on the left) with Nemenyi's cliques and the CD drawn above."""
    import scikit_posthocs  # a heavy import, needed only here

    scikit_posthocs.critical_difference_diagram(
        ranking.mean_ranks, ranking.nemenyi, ax=ax, alpha=ranking.alpha, cd=ranking.cd,
        label_props={"fontsize": 6.5}, label_fmt_left="{label} ({rank:.1f})",
        label_fmt_right="({rank:.1f}) {label}")
    ax.set_title(f"mean rank over {ranking.blocks} blocks; Friedman p = {ranking.p:.2g}, "
                 f"Nemenyi CD = {ranking.cd:.2f} (alpha {ranking.alpha:g})", fontsize=7)
    return ax
