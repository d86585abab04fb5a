#!/usr/bin/env bash
# Scale table: a generated .nessus of N findings to a validated, reconciled POA&M with conmon
# (benches/scale.rs, one core), beside the Python baseline (benches/python_baseline.py:
# ElementTree + pandas) on the same file. Prints a Markdown table: n, file size, conmon seconds
# (median of 3), findings/s, peak memory, the bare quick-xml event loop over the same file (the
# tokenising floor, timed in the same process), Python seconds and peak memory, the ratio, and
# the cost per finding divided by log2(n) (flat or falling: no worse than n log n).
#
#   bash benches/scale.sh                       # 10k, 100k, 1M findings (1M is about 1.6 GB)
#   CONMON_SCALE_SIZES="10000 100000" bash benches/scale.sh
#   CONMON_SCALE_PYTHON_MAX=100000 bash benches/scale.sh   # skip Python above this size
#   CONMON_SCALE_PROFILE=ci bash benches/scale.sh           # another Cargo profile (default: measure)
#
# Generated files go to CONMON_SCALE_DIR (default target/scale) and are reused; never commit them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
sizes="${CONMON_SCALE_SIZES:-10000 100000 1000000}"
dir="${CONMON_SCALE_DIR:-$root/target/scale}"
py_max="${CONMON_SCALE_PYTHON_MAX:-1000000}"
mkdir -p "$dir"
python="$root/target/py-venv/bin/python"
[ -x "$python" ] || python=python3
"$python" -c "import pandas" 2>/dev/null || "$python" -m pip install --quiet pandas

# Built as users' release builds are (whole-program optimisation: the `measure` profile inherits
# `release`), into target/measure, apart from the bench smoke run's binaries in target/release.
# Its dependencies are built once more for this profile: a clean build takes 135 s on two cores.
# CONMON_SCALE_PROFILE names another Cargo profile, built with the whole workspace's features as
# `cargo test --workspace` builds them, so that its dependencies are reused: the test command's
# smoke run, which measures nothing, uses `ci` and compiles in about 40 s what took the `measure`
# build 3 to 4 minutes on the CI machine.
profile="${CONMON_SCALE_PROFILE:-measure}"
if [ "$profile" = measure ]; then
  cargo build --profile measure -q -p conmon-benches --bin scale
else
  cargo build --profile "$profile" -q --workspace --bin scale
fi
case "$profile" in
  dev | test) out=debug ;;
  release | bench) out=release ;;
  *) out="$profile" ;;
esac
scale="$root/target/$out/scale"
results="$dir/results.jsonl"
: > "$results"
# The generator's version is in the file name, so that a changed generator never meets a file
# the old one left behind. Bump it with any change to what `scale gen` writes.
generator=2
for n in $sizes; do
  f="$dir/scan-$n-g$generator.nessus"
  [ -s "$f" ] || "$scale" gen "$f" "$n"
  # One core, as the targets are stated.
  runs=()
  for _ in 1 2 3; do runs+=("$(taskset -c 0 "$scale" run "$f")"); done
  py='null'
  if [ "$n" -le "$py_max" ]; then
    out=$( { /usr/bin/time -f 'PEAK %M' taskset -c 0 "$python" benches/python_baseline.py "$f"; } 2>&1 )
    py=$(printf '%s\n' "$out" | "$python" -c '
import json, sys
lines = sys.stdin.read().splitlines()
row = json.loads(next(l for l in lines if l.startswith("{")))
row["peak_rss_mb"] = int(next(l for l in lines if l.startswith("PEAK")).split()[1]) / 1024
print(json.dumps(row))')
  fi
  printf '{"n": %s, "conmon": [%s], "python": %s}\n' "$n" "$(IFS=,; echo "${runs[*]}")" "$py" >> "$results"
done

"$python" - "$results" <<'EOF'
import json, math, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| n | file MB | conmon s (median of 3) | findings/s | conmon peak MB | quick-xml floor s | Python s | Python peak MB | ratio | conmon us per finding / log2 n |")
print("|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    runs = sorted(r["conmon"], key=lambda x: x["total_s"])
    c = runs[len(runs) // 2]
    p = r["python"]
    per = c["total_s"] / c["findings"] * 1e6 / math.log2(r["n"])
    ps = f'{p["total_s"]:.2f}' if p else "-"
    pm = f'{p["peak_rss_mb"]:.0f}' if p else "-"
    floor = f'{c["xml_floor_s"]:.2f}' if c.get("xml_floor_s") is not None else "-"
    ratio = f'{p["total_s"] / c["total_s"]:.1f}x' if p else "-"
    print(f'| {r["n"]:,} | {c["file_mb"]:.0f} | {c["total_s"]:.2f} (ingest {c["ingest_s"]:.2f}, reconcile {c["reconcile_s"]:.2f}, validate {c["validate_s"]:.2f}) '
          f'| {c["findings_per_s"]:,.0f} | {c["peak_rss_mb"]:.0f} | {floor} | {ps} | {pm} | {ratio} | {per:.3f} |')
EOF
