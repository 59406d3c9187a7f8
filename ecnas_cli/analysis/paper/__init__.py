"""Analyses behind ``ecnas reproduce``: the EC-NAS paper's findings recomputed from the tables.

One module per finding (operation swaps, correlations, measurement noise, linear scaling, the
space overview, hardware tables); :mod:`.paper_numbers` holds every number the paper states.
Pure functions of loaded :class:`~benchmarks.tables.benchmark.Benchmark` objects: no files, no
terminal output.
"""
