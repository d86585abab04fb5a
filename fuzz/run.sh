#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time, each with its corpus seeded from the project's
# own fixtures (tests/fixtures, examples/data). Not part of the test command: fuzzing is long.
#
#   bash fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     # default 60 s, every target
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). cargo-fuzz passes nightly-only flags to rustc;
# on a stable toolchain RUSTC_BOOTSTRAP=1 lets them through (set here).
# Crashes land in fuzz/artifacts/TARGET/; each one fixed is kept as a regression test in
# tests/fuzz_regressions.rs. A summary line per target (wall and CPU seconds, runs, corpus size)
# is appended to fuzz/last-run.txt. CPU seconds need /usr/bin/time (Debian package `time`);
# without it they read 0. Every target runs; the exit status is 1 when any failed to build or
# found a crash, hang or memory blow-up, and 2 when cargo-fuzz is missing.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
seconds="${1:-60}"
shift || true
all="nessus tenable_csv inspector2 asff trivy grype sarif xccdf ingest_detect poam_json poam_csv poam_xlsx inventory_xlsx deviation_form policy_toml policy_json kev_json deviations_json"
targets="${*:-$all}"
export RUSTC_BOOTSTRAP=1

seed() {
  local target=$1
  shift
  mkdir -p "corpus/$target"
  for f in "$@"; do
    [ -f "$f" ] && cp -n "$f" "corpus/$target/" || true
  done
}
fx="$root/tests/fixtures"
ex="$root/examples/data/monthly"
seed nessus "$fx"/nessus/*.nessus "$ex"/2026-0*/*.nessus "$fx"/hostile/*.nessus
seed tenable_csv "$fx"/ingest/*.csv "$fx"/hostile/*.csv
seed inspector2 "$fx"/ingest/inspector2.json
seed asff "$fx"/ingest/asff.json
seed trivy "$fx"/ingest/trivy-*.json
seed grype "$fx"/ingest/grype.json
seed sarif "$fx"/ingest/code.sarif
seed xccdf "$fx"/ingest/xccdf-1.2.xml
seed ingest_detect "$fx"/ingest/* "$fx"/nessus/*.nessus
seed poam_json "$fx"/clock/*.json "$fx"/hostile/*.json
seed poam_csv "$fx"/hostile/*.csv
seed poam_xlsx "$fx"/hostile/*.xlsx
seed inventory_xlsx "$fx"/hostile/*.xlsx
seed policy_toml "$ex"/policy.toml "$fx"/clock/*.toml
seed policy_json "$fx"/hostile/deep-nesting-policy.json
seed kev_json "$ex"/kev.json
seed deviations_json "$ex"/deviations.json
seed deviation_form "$fx"/deviations/*.xlsx "$fx"/hostile/*.xlsx
# Seeds written by the engine itself: a POA&M as CSV and as a workbook.
if [ ! -f corpus/poam_xlsx/sample.xlsx ]; then
  tmp=$(mktemp -d)
  (cd "$root" && cargo run -q -p conmon-cli -- demo --out "$tmp" >/dev/null)
  cp "$tmp/2026-03/poam.xlsx" corpus/poam_xlsx/sample.xlsx
  cp "$tmp/2026-03/poam.xlsx" corpus/inventory_xlsx/sample-poam.xlsx
  cp "$tmp/2026-03/poam.csv" corpus/poam_csv/sample.csv
  cp "$tmp/2026-03/poam.json" corpus/poam_json/sample.json
  rm -rf "$tmp"
fi

if ! cargo fuzz --version > /dev/null 2>&1; then
  echo "cargo-fuzz is not installed: cargo install cargo-fuzz" >&2
  exit 2
fi
failed=""
for t in $targets; do
  echo "==> $t: $seconds s"
  # Built first, so that the time below is fuzzing only.
  cargo fuzz build --release "$t" 2> "corpus/$t.build.log" || { echo "$t: build FAILED"; tail -30 "corpus/$t.build.log"; failed="$failed $t"; continue; }
  start=$(date +%s)
  # -rss_limit_mb: a memory blow-up is a finding; -timeout: so is a hang. The libFuzzer limit is
  # wall-clock time; the CPU seconds the fuzzer really had are recorded beside it (on a busy
  # machine they are fewer).
  rm -f "corpus/$t.cpu"
  timer=()
  [ -x /usr/bin/time ] && timer=(/usr/bin/time -f '%U %S' -o "corpus/$t.cpu")
  "${timer[@]}" cargo fuzz run --release "$t" "corpus/$t" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=1048576 -print_final_stats=1 \
    2> "corpus/$t.log" || { echo "$t: FAILED (see fuzz/corpus/$t.log and fuzz/artifacts/$t)"; tail -30 "corpus/$t.log"; failed="$failed $t"; }
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "corpus/$t.log" | grep -oE '[0-9]+$' || echo 0)
  cpu=$(awk 'END { printf "%.0f", $1 + $2 }' "corpus/$t.cpu" 2>/dev/null || echo 0)
  echo "$(date -u +%FT%TZ) $t seconds=$(( $(date +%s) - start )) cpu_seconds=$cpu runs=$runs corpus=$(ls "corpus/$t" | wc -l)" | tee -a last-run.txt
done
# Every target runs even when one fails; the status says whether any did.
if [ -n "$failed" ]; then
  echo "failed:$failed" >&2
  exit 1
fi
