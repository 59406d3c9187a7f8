"""Campaigns: a grid of searches from one TOML file (:mod:`.spec`), run locally or on Ray and
compared per study (:mod:`.driver`), with a time estimate from measured costs (:mod:`.estimate`).
"""
