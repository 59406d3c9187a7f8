"""README's scaling table: what the README grid and a 100x larger study cost in wall time on
2, 20 and 100 workers, on paper.

Each cell is ``ecnas campaign plan FILE --jobs N --out <empty folder>`` (every run still to
run): the measured per-strategy costs of ``ecnas_cli/campaign/costs.csv`` packed longest
first onto N workers. A worker runs one run at a time, so a node running k runs at once
counts as k workers. Prints a Markdown table.

Usage: ``python scripts/campaign_scaling.py [--workers 2 20 100]``
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from ecnas_cli.campaign.estimate import plan_campaign
from ecnas_cli.campaign.spec import load_campaign

REPO = Path(__file__).resolve().parents[1]
CAMPAIGNS = ("campaigns/readme-grid.toml", "campaigns/scaling-100x.toml")


def duration(seconds: float) -> str:
    """Seconds as minutes below 2 hours, else hours (one decimal)."""
    return f"{seconds / 60:.1f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 20, 100])
    args = parser.parse_args()
    print("| campaign | runs | " + " | ".join(f"{n} workers" for n in args.workers) + " |")
    print("|---|---:|" + "---:|" * len(args.workers))
    with tempfile.TemporaryDirectory() as empty:
        for name in CAMPAIGNS:
            campaign = load_campaign(REPO / name, Path(empty) / "out")
            plans = [plan_campaign(campaign, jobs=n) for n in args.workers]
            cells = " | ".join(duration(p["estimated_seconds"]) for p in plans)
            print(f"| `{name}` | {plans[0]['runs']:,} | {cells} |")


if __name__ == "__main__":
    main()
