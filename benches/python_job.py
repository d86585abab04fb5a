"""The same monthly job as `monthly-job run DIR`, through the Python API (benches/binding-overhead.sh)."""

import sys
import time

import conmon

directory = sys.argv[1]
start = time.perf_counter()
jan = conmon.read_scans(f"{directory}/month1.csv")
first = conmon.reconcile(None, jan, as_of="2026-01-13")
del jan
feb = conmon.read_scans(f"{directory}/month2.csv")
second = conmon.reconcile(first.poam, feb, as_of="2026-02-13")
secs = time.perf_counter() - start
print(f"python: {len(feb)} findings, {second.poam.counts[0]} open, {len(second.changes)} changes, {secs:.3f} s")
