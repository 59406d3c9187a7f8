"""The interactive HTML report of runs and comparisons, and the paper index page."""
