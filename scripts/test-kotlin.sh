#!/usr/bin/env bash
# Kotlin (JVM) and Swift bindings through uniffi: build the cdylib, generate the bindings, package
# the JVM library, compile the Kotlin tests against it and run them with `java`; check the Swift
# bindings are current and that their C header agrees with the library.
#
#   bash scripts/test-kotlin.sh        # part of scripts/test.sh
#
# Installs what it needs: kotlinc from the npm package `kotlin-compiler` (into target/kotlin-tools)
# and JNA from Debian's `libjna-java` (CONMON_JNA_JAR names another jna.jar). Java 17 must be on
# the PATH.
#
# Outputs (all under target/uniffi, never committed):
#   kotlin/conmon/conmon.kt         generated Kotlin source
#   jvm/conmon.jar                  the JVM library: the compiled bindings plus the native library
#                                   under linux-x86-64/ (where JNA looks on the classpath)
#   swift/                          generated Swift, C header and modulemap (compared with
#                                   bindings-uniffi/swift, which is committed)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/target/uniffi"
profile="${CONMON_PROFILE:-ci}"
kotlin_version="2.4.20"
step() { printf '\n==> %s\n' "$*"; }

step "uniffi: build the library and the binding generator (profile $profile)"
cargo build -p conmon-uniffi --features bindgen --profile "$profile"
lib="$root/target/$profile/libconmon_uniffi.so"
bindgen="$root/target/$profile/uniffi-bindgen"

step "uniffi: generate Kotlin and Swift"
rm -rf "$out/kotlin" "$out/swift" "$out/jvm" "$out/test-classes"
mkdir -p "$out/kotlin" "$out/swift" "$out/jvm"
"$bindgen" generate --no-format --library "$lib" --language kotlin --out-dir "$out/kotlin"
"$bindgen" generate --no-format --library "$lib" --language swift --out-dir "$out/swift"

step "Swift: committed bindings are current; the C header agrees with the library"
if ! diff -r "$root/bindings-uniffi/swift" "$out/swift"; then
  echo "bindings-uniffi/swift is stale: run 'bash scripts/test-kotlin.sh' and copy target/uniffi/swift there (see bindings-uniffi/README.md)" >&2
  exit 1
fi
# gcc does not know clang's nullability qualifiers; they carry no meaning for the check.
echo '#include "conmonFFI.h"' | gcc -fsyntax-only -Wall -Werror -D_Nonnull= -D_Nullable= -I "$out/swift" -x c -
# Every function the header declares is exported by the library.
declared=$(grep -oE '\buniffi_conmon_uniffi_[a-z0-9_]+|\bffi_conmon_uniffi_[a-z0-9_]+' "$out/swift/conmonFFI.h" | sort -u)
exported=$(nm -D --defined-only "$lib" | awk '{print $3}' | sort -u)
missing=$(comm -23 <(echo "$declared") <(echo "$exported"))
if [ -n "$missing" ]; then
  echo "the Swift header declares functions the library does not export:" >&2
  echo "$missing" >&2
  exit 1
fi
echo "header: $(echo "$declared" | wc -l) functions, all exported by $(basename "$lib")"

step "Kotlin: kotlinc $kotlin_version (npm kotlin-compiler) and JNA (Debian libjna-java)"
tools="$root/target/kotlin-tools"
kotlinc="$tools/node_modules/kotlin-compiler/bin/kotlinc"
if [ ! -x "$kotlinc" ]; then
  mkdir -p "$tools"
  npm install --no-audit --no-fund --no-save --prefix "$tools" "kotlin-compiler@$kotlin_version"
fi
stdlib="$tools/node_modules/kotlin-compiler/lib/kotlin-stdlib.jar"
jna="${CONMON_JNA_JAR:-/usr/share/java/jna.jar}"
if [ ! -f "$jna" ]; then
  as_root=""
  if [ "$(id -u)" != "0" ]; then as_root="sudo -n"; fi
  export DEBIAN_FRONTEND=noninteractive
  $as_root apt-get install -y -q --no-install-recommends libjna-java >/dev/null 2>&1 \
    || { $as_root apt-get update -q >/dev/null 2>&1 || true; $as_root apt-get install -y -q --no-install-recommends libjna-java >/dev/null; }
fi
java -version 2>&1 | head -1

step "Kotlin: package the JVM library (bindings + native library) and compile the tests"
classes="$out/jvm/classes"
mkdir -p "$classes/linux-x86-64"
"$kotlinc" -nowarn -jvm-target 17 -cp "$jna" -d "$classes" "$out/kotlin/conmon/conmon.kt"
cp "$lib" "$classes/linux-x86-64/"
(cd "$classes" && jar cf "$out/jvm/conmon.jar" .)
"$kotlinc" -nowarn -jvm-target 17 -cp "$out/jvm/conmon.jar:$jna" -d "$out/test-classes" \
  "$root/bindings-uniffi/tests/kotlin/"*.kt "$root/examples/kotlin/MonthlyJob.kt"

step "Kotlin: run the tests on the JVM (the native library is loaded from conmon.jar)"
cp="$out/jvm/conmon.jar:$out/test-classes:$jna:$stdlib"
java -cp "$cp" conmon.test.ConmonTestKt "$root"
java -cp "$cp" conmon.examples.MonthlyJobKt "$root/examples/data/monthly" "$out/example-out" >/dev/null
test -s "$out/example-out/2026-03/poam.xlsx"
echo "examples/kotlin/MonthlyJob.kt ran: $out/example-out"
