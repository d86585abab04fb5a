#!/usr/bin/env bash
# Overhead of the Python API against the Rust API on the same 1,000,000-finding monthly job
# (read two months of Tenable CSV scans, reconcile the first, reconcile the second against it).
#
#   bash benches/binding-overhead.sh [RUNS]
#
# Needs the release build of the bench binary and the Python package installed in
# target/py-venv (scripts/test.sh installs it). Prints each run and the median ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
dir=${CONMON_JOB_DIR:-target/monthly-job}
cargo build -q --release -p conmon-benches --bin monthly-job
[ -f "$dir/month2.csv" ] || ./target/release/monthly-job gen "$dir"
py=target/py-venv/bin/python
rust_t=(); py_t=()
for _ in $(seq "$runs"); do
  r=$(./target/release/monthly-job run "$dir"); echo "$r"; rust_t+=("$(echo "$r" | awk '{print $(NF-1)}')")
  p=$($py benches/python_job.py "$dir"); echo "$p"; py_t+=("$(echo "$p" | awk '{print $(NF-1)}')")
done
python3 - "${rust_t[*]}" "${py_t[*]}" <<'PY'
import statistics, sys
r = [float(x) for x in sys.argv[1].split()]
p = [float(x) for x in sys.argv[2].split()]
print(f"median rust {statistics.median(r):.3f} s, python {statistics.median(p):.3f} s, "
      f"overhead {100 * (statistics.median(p) / statistics.median(r) - 1):+.1f}%")
PY
