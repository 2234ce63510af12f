"""`aurum research-report VERSION [--out FILE]`: the version's research report as one HTML file."""

from __future__ import annotations

import argparse

from engine.services import Desk


def run(args: argparse.Namespace) -> None:
    from engine.research.report import report_file_name, write_report

    with Desk.open(args.home) as desk:
        ref = desk.version(args.version).ref
        html = desk.research_report(ref)
    target = write_report(args.out or report_file_name(ref), html)
    print(f"wrote the research report of {ref} to {target} ({len(html) / 1e6:.1f} MB)")
