#!/usr/bin/env bash
# Overhead of the Python and Node APIs against the Rust API on the same 1,000,000-finding monthly job
# (read two months of Tenable CSV scans, reconcile the first, reconcile the second against it).
#
#   bash benches/binding-overhead.sh [RUNS]
#
# Builds and installs the release Python package (into target/py-venv) and the release Node
# addon first: scripts/test.sh builds both in the unoptimised `ci` profile, which would measure
# the wrong thing. Prints each run and the median ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
dir=${CONMON_JOB_DIR:-target/monthly-job}
cargo build -q --release -p conmon-benches --bin monthly-job
[ -f "$dir/month2.csv" ] || ./target/release/monthly-job gen "$dir"
py=target/py-venv/bin/python
[ -x "$py" ] || python3 -m venv target/py-venv
"$py" -m pip install --quiet --disable-pip-version-check ./bindings-python
(cd bindings-node && npm install --no-audit --no-fund >/dev/null && npm run build >/dev/null)
rust_t=(); py_t=(); node_t=()
for _ in $(seq "$runs"); do
  r=$(./target/release/monthly-job run "$dir"); echo "$r"; rust_t+=("$(echo "$r" | awk '{print $(NF-1)}')")
  p=$($py benches/python_job.py "$dir"); echo "$p"; py_t+=("$(echo "$p" | awk '{print $(NF-1)}')")
  n=$(node benches/node_job.mjs "$dir"); echo "$n"; node_t+=("$(echo "$n" | awk '{print $(NF-1)}')")
done
python3 - "${rust_t[*]}" "${py_t[*]}" "${node_t[*]}" <<'PY'
import statistics, sys
r, p, n = ([float(x) for x in a.split()] for a in sys.argv[1:4])
mr = statistics.median(r)
print(f"median rust {mr:.3f} s, python {statistics.median(p):.3f} s ({100 * (statistics.median(p) / mr - 1):+.1f}%), "
      f"node {statistics.median(n):.3f} s ({100 * (statistics.median(n) / mr - 1):+.1f}%)")
PY
