"""Figures of ``ecnas reproduce``: a pure ``*_info`` data function and a ``render_*(ax, info)``
renderer per panel, as in :mod:`ecnas_cli.plots.front`."""
