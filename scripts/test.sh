#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: Rust (format, clippy, unit, integration,
# doc and CLI tests, bench smoke), Python (builds the wheel, pytest) and Node (npm install, napi build,
# stale-types check, node --test). Installs what it needs from crates.io, PyPI and npm.
#
#   bash scripts/test.sh            # everything
#   CONMON_SKIP_BINDINGS=1 bash scripts/test.sh   # Rust only (a quicker inner loop)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TERM_COLOR=never
# Each step prints the seconds since the start, so a slow step shows in the CI log.
t0=$(date +%s)
step() { printf '\n==> [%4ds] %s\n' "$(( $(date +%s) - t0 ))" "$*"; }

step "rustfmt"
cargo fmt --all --check

step "clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --profile ci -- -D warnings

step "test inputs from the registries: NIST's OSCAL POA&M schema (PyPI), LibreOffice and Chromium (Debian)"
bash scripts/fetch-oscal-schema.sh
# The workbook test opens conmon's xlsx in LibreOffice and the report test screenshots the HTML
# in Chromium when they are installed, and say they skipped otherwise. Install them when this
# machine allows (root or password-less sudo).
apt_install() {
  local as_root=""
  if [ "$(id -u)" != "0" ]; then as_root="sudo -n"; fi
  export DEBIAN_FRONTEND=noninteractive
  if ! $as_root apt-get install -y -q --no-install-recommends "$@" >/dev/null 2>&1; then
    $as_root apt-get update -q >/dev/null 2>&1 || true
    $as_root apt-get install -y -q --no-install-recommends "$@" >/dev/null 2>&1 \
      || echo "could not install $*: the tests that need it will skip"
  fi
}
command -v soffice >/dev/null 2>&1 || apt_install libreoffice-calc-nogui
command -v chromium >/dev/null 2>&1 || apt_install chromium

step "cargo test --workspace"
cargo test --workspace --profile ci

step "benches in smoke mode (each benchmark runs once; unoptimised ci build, so nothing here is a measurement)"
# The `ci` profile reuses every dependency `cargo test` just built; the `bench` profile would
# build the whole workspace again with optimisations (about 8 minutes on 2 cores) for benchmarks
# that run once each to show that they still build and run (the setup asserts some results).
cargo bench --workspace --profile ci -- --test

if [ "${CONMON_SKIP_BINDINGS:-}" = "1" ]; then
  echo "CONMON_SKIP_BINDINGS=1: Python and Node tests skipped"
  exit 0
fi

step "Python: build and install the wheel (ci profile), run pytest"
venv="$root/target/py-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
# The extension is built in the `ci` profile (as cargo test builds the engine): the tests check
# behaviour, not speed, and an optimised build costs two more minutes on 2 cores. A plain
# `pip install ./bindings-python` builds the release profile.
MATURIN_PEP517_ARGS="--profile ci" \
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$root/bindings-python[test]"
(cd "$root/bindings-python" && "$venv/bin/python" -m pytest -q)

step "scale comparison smoke run (2,000 findings: conmon beside the Python ElementTree + pandas baseline; unoptimised ci build, so its figures measure nothing)"
CONMON_SCALE_SIZES=2000 CONMON_SCALE_DIR="$root/target/scale-smoke" CONMON_SCALE_PROFILE=ci bash "$root/benches/scale.sh"

step "Node: npm install (locked), napi build (ci profile), stale-types check, node --test"
cd "$root/bindings-node"
# `npm install` honours package-lock.json. `npm ci` is stricter but refuses a lock file that lacks
# the other platforms' optional packages of @napi-rs/cli, and the npm registry reachable from
# these machines does not serve those, so a lock file that satisfies `npm ci` cannot be made here.
npm install --no-audit --no-fund
# The `ci` profile, as for Python above; `npm run build` builds the release addon.
npm run build:ci
if ! git -C "$root" diff --exit-code -- bindings-node/index.d.ts bindings-node/index.js; then
  echo "bindings-node/index.d.ts or index.js is stale: run 'npm run build' in bindings-node and commit them" >&2
  exit 1
fi
npm test

step "Kotlin (JVM) and Swift through uniffi: generate, package, kotlinc, java"
cd "$root"
bash scripts/test-kotlin.sh

step "all tests passed"
