#!/usr/bin/env bash
# The Windows leg: cross-builds backup_core, backup_sim and savekeep for
# x86_64-pc-windows-gnu and runs their Rust tests (unit, integration, the
# savekeep binary's own) under Wine. Called by .ci/run; not part of
# scripts/test.sh, so a game developer never needs Wine.
#
# Installs what it needs itself (Debian: rustc-web, cargo-web, rust-web-src,
# mingw-w64, wine64), builds into target/windows (the Linux build in target/
# is left alone) and keeps its Wine prefix in target/wine-prefix
# (scripts/windows/wine.sh). Doc tests run on Linux only (their code is platform-neutral).
# Ends with `windows: N passed, N failed`, N counting the tests run under
# Wine; exits non-zero when any failed or a test binary did not finish.
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/windows/toolchain.sh
source scripts/windows/toolchain.sh

windows_toolchain || { echo "windows: 0 passed, 1 failed (toolchain install failed)"; exit 1; }
# shellcheck source=scripts/windows/wine.sh
source scripts/windows/wine.sh
wine_ready || { echo "windows: 0 passed, 1 failed (Wine is not ready)"; exit 1; }

export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$PWD/scripts/windows/wine_runner.sh"
packages=(-p backup_core -p backup_sim -p savekeep)
log="$(mktemp)"
trap 'rm -f "$log"; wine_stop' EXIT

start=$(date +%s)
if ! windows_cargo test -Zbuild-std=std,test "${packages[@]}" --tests --no-run; then
  echo "windows: 0 passed, 1 failed (the Windows build failed)"
  exit 1
fi
built=$(date +%s)
echo "windows: cross-build took $((built - start)) s"

windows_cargo test -Zbuild-std=std,test "${packages[@]}" --tests --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
echo "windows: tests under Wine took $(($(date +%s) - built)) s"

read -r passed failed < <(awk '
  /^test result:/ {
    for (i = 1; i <= NF; i++) {
      if ($(i+1) ~ /^passed/) p += $i
      if ($(i+1) ~ /^failed/) f += $i
    }
  }
  END { print p + 0, f + 0 }' "$log")
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "windows: a test binary did not finish (cargo exit status $status)"
  failed=1
fi
echo "windows: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
