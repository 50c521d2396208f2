#!/usr/bin/env bash
# Runs the headless Godot suite (scripts/godot_tests.sh) against every Godot
# binary in $GODOT_VERSIONS (separated by spaces or colons), one after the
# other, and prints one line per binary:
#
#   GODOT_VERSIONS="/opt/godot-4.3/godot:/usr/local/bin/godot4" scripts/godot_versions.sh
#   godot 4.3.stable.official.77dcf97d8 (/opt/godot-4.3/godot): 160 passed, 0 failed
#   godot 4.4.1.stable.custom_build (/usr/local/bin/godot4): 160 passed, 0 failed
#
# A 4.2 binary gets the 4.2 build by itself (scripts/godot_tests.sh);
# GODOT_BUILD_FLAGS, when set, is passed on for every binary.
# Exits non-zero when a binary is missing or any suite failed.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ -z "${GODOT_VERSIONS:-}" ]; then
  echo "set GODOT_VERSIONS to the Godot binaries to test, separated by spaces or colons" >&2
  exit 2
fi
summary=()
bad=0
for bin in ${GODOT_VERSIONS//:/ }; do
  if [ ! -x "$bin" ]; then
    summary+=("godot ? ($bin): not found or not executable")
    bad=1
    continue
  fi
  version="$("$bin" --headless --version 2>/dev/null | tail -n 1)"
  echo "== Godot $version ($bin)"
  log="$(mktemp)"
  GODOT="$bin" scripts/godot_tests.sh 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  line="$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)"
  if [ -z "$line" ]; then
    line="no result (exit status $status)"
    status=1
  fi
  rm -f "$log"
  summary+=("godot $version ($bin): $line")
  [ "$status" -eq 0 ] || bad=1
done
echo "== Godot versions"
printf '%s\n' "${summary[@]}"
exit "$bad"
