"""The monthly ConMon pipeline with conmon, the way it should be done.

    python examples/python/monthly_pipeline.py SCAN_DIR OUT_DIR --as-of 2026-03-13 \
        [--previous LAST_MONTH/poam.json] [--inventory iiw.xlsx] [--deviations dr.json] \
        [--kev known_exploited_vulnerabilities.json] [--policy policy.toml]

1. Collect this month's scan files (any mix of Nessus, Tenable CSV, Inspector, Trivy, ...).
2. Reconcile them against last month's POA&M: same weakness on the same asset keeps its POA&M
   ID and original detection date; closures only on a credentialed rescan; deviations and KEV
   dates applied.
3. Write the deliverables (FedRAMP workbook, JSON for next month, CSV, OSCAL, change log,
   validation report, meeting report).
4. Print what is late and what the validation found.

With no arguments it runs on the bundled sample package (examples/data/monthly), March against
a February it computes first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import pathlib
import sys
import tempfile

import conmon

SAMPLE = pathlib.Path(__file__).resolve().parents[1] / "data" / "monthly"


def run(scan_dir: pathlib.Path, out: pathlib.Path, as_of: dt.date, previous: pathlib.Path | None, **inputs: object) -> int:
    result = conmon.run_monthly(
        scans=conmon.read_scans(scan_dir),
        previous=conmon.Poam.read(previous) if previous else None,
        history=previous.parent / "history.json" if previous and (previous.parent / "history.json").exists() else None,
        as_of=as_of,
        **inputs,  # type: ignore[arg-type]
    )
    for path in result.write(out):
        print(f"wrote {path}")
    open_, closed, config = result.poam.counts
    print(f"\nPOA&M {as_of}: {open_} open, {closed} closed, {config} configuration findings")
    for item in result.late_items():
        print(f"  LATE {item['poam_id']}: due {item['due_date']}, {item['days_late']} day(s) late ({item['rule']})")
    report = result.validation
    for d in report["diagnostics"]:
        if d["severity"] == "error":
            print(f"  ERROR {d['code']}: {d['message']}")
    for t in report["triggers"]:
        if t["tripped"] or t["near"]:
            print(f"  TRIGGER {t['name']} ({t['level'].upper()}): {'tripped' if t['tripped'] else 'near'}: {t['message']}")
    return 0 if report["valid"] else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scans", nargs="?", type=pathlib.Path)
    parser.add_argument("out", nargs="?", type=pathlib.Path)
    parser.add_argument("--as-of", type=dt.date.fromisoformat)
    parser.add_argument("--previous", type=pathlib.Path)
    parser.add_argument("--inventory", type=pathlib.Path)
    parser.add_argument("--deviations", type=pathlib.Path)
    parser.add_argument("--kev", type=pathlib.Path)
    parser.add_argument("--policy", default="fedramp_rev5")
    args = parser.parse_args()
    if args.scans is None:
        out = pathlib.Path(tempfile.mkdtemp(prefix="conmon-example-"))
        common = dict(
            inventory=SAMPLE / "inventory.json",
            deviations=SAMPLE / "deviations.json",
            kev=SAMPLE / "kev.json",
            policy=SAMPLE / "policy.toml",
        )
        run(SAMPLE / "2026-02", out / "2026-02", dt.date(2026, 2, 13), None, **common)
        return run(SAMPLE / "2026-03", out / "2026-03", dt.date(2026, 3, 13), out / "2026-02" / "poam.json", **common)
    if args.out is None or args.as_of is None:
        parser.error("SCAN_DIR needs OUT_DIR and --as-of")
    return run(
        args.scans,
        args.out,
        args.as_of,
        args.previous,
        inventory=args.inventory,
        deviations=args.deviations,
        kev=args.kev,
        policy=args.policy,
    )


if __name__ == "__main__":
    sys.exit(main())
