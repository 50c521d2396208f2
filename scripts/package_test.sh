#!/usr/bin/env bash
# Tests the release package the way a game developer meets it: unpacks
# dist/backup_system-<version>.zip (built by scripts/package.sh unless
# $PACKAGE_ZIP names one) into a fresh Godot project (not the sample),
# imports it, runs tests/package/smoke.gd (the classes load, a save
# round-trips), then reads that save with the packaged savekeep (and with
# savekeep.exe under Wine when scripts/windows_tests.sh made its prefix).
# With GODOT_WINDOWS naming a Windows Godot of the same version (an export
# template is enough: the Linux Godot imports), the smoke script runs again
# there under Wine, loading the packaged backup_gdext.dll.
# Needs Godot 4 ($GODOT, else godot4 or godot on PATH); without one it says
# so and exits 0. Ends with `package: N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

# shellcheck source=scripts/find_godot.sh
. scripts/find_godot.sh
if ! find_godot || godot_is_windows; then
  echo "################################################################"
  echo "PACKAGE TEST SKIPPED: ${godot_missing:-$godot_bin is a Windows Godot; see GODOT_WINDOWS}"
  echo "################################################################"
  exit 0
fi

zip="${PACKAGE_ZIP:-}"
if [ -z "$zip" ]; then
  scripts/package.sh || { echo "package: 0 passed, 1 failed (scripts/package.sh failed)"; exit 1; }
  version="$(sed -n 's/^version *= *"\(.*\)"/\1/p' rust/backup_gdext/Cargo.toml | head -n 1)"
  zip="dist/backup_system-$version.zip"
fi
zip="$(realpath "$zip")"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
check() { # check DESCRIPTION COMMAND...
  local what="$1"
  shift
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $what"
  fi
}

# Unpacked with the modes the zip records (python's zipfile drops them;
# unzip and file managers keep them), so a lost executable bit shows.
python3 - "$zip" "$work/unpacked" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for info in z.infolist():
        path = z.extract(info, sys.argv[2])
        mode = (info.external_attr >> 16) & 0o777
        if mode:
            os.chmod(path, mode)
PY
project="$work/Package Smoke Game"
mkdir -p "$project/.godot" "$work/xdg" "$work/home"
# Copied as a game copies the addon: only addons/backup_system.
cp -R "$work/unpacked/addons" "$project/addons"
cp tests/package/smoke.gd "$project/smoke.gd"
cat > "$project/project.godot" <<'GODOT'
config_version=5

[application]
config/name="Package Smoke"
GODOT
echo "res://addons/backup_system/backup_system.gdextension" > "$project/.godot/extension_list.cfg"

export XDG_DATA_HOME="$work/xdg" HOME="$work/home"
if ! timeout 300 "$godot_bin" --headless --path "$project" --import >"$work/import.log" 2>&1; then
  # Godot 4.2 has no --import: the editor route imports too.
  timeout 300 "$godot_bin" --headless --path "$project" --editor --quit >"$work/import.log" 2>&1 || true
fi
timeout 120 "$godot_bin" --headless --path "$project" --script res://smoke.gd >"$work/smoke.log" 2>&1
status=$?
grep -E "SMOKE|package smoke|ERROR" "$work/smoke.log" || true
check "the smoke script exits 0 (status $status)" [ "$status" -eq 0 ]
check "the smoke script reports no failure" grep -qE "^package smoke: [1-9][0-9]* passed, 0 failed$" "$work/smoke.log"
check "Godot logs no error" bash -c '! grep -qE "^(SCRIPT )?ERROR" "$1"' _ "$work/smoke.log"

saves="$XDG_DATA_HOME/godot/app_userdata/Package Smoke/package_smoke"
check "the packaged savekeep reads the save" bash -c \
  '"$1" --root "$2" --json list | grep -q "\"pilot_callsign\": *\"Maverick\""' _ \
  "$work/unpacked/savekeep/savekeep" "$saves"
wine=/usr/lib/wine/wine64
if [ -x "$wine" ] && [ -f "$root/target/wine-prefix/system.reg" ]; then
  check "the packaged savekeep.exe reads the save under Wine" bash -c \
    'WINEPREFIX="$3" WINEDEBUG=-all "$1" "$2" --root "$4" --json verify | grep -q "\"healthy\": *true"' _ \
    "$wine" "$work/unpacked/savekeep/savekeep.exe" "$root/target/wine-prefix" "$saves"
  WINEPREFIX="$root/target/wine-prefix" /usr/lib/wine/wineserver -k 2>/dev/null || true
else
  echo "savekeep.exe not run: no Wine prefix (scripts/windows_tests.sh makes it)"
fi
if [ -n "${GODOT_WINDOWS:-}" ]; then
  # shellcheck source=scripts/windows/toolchain.sh
  source scripts/windows/toolchain.sh
  # shellcheck source=scripts/windows/wine.sh
  source scripts/windows/wine.sh
  check "Wine is ready (scripts/windows/wine.sh)" wine_ready
  windows_version="$("$WINE" "$GODOT_WINDOWS" --headless --version 2>/dev/null | tr -d '\r' | tail -n 1)"
  check "GODOT_WINDOWS is Godot $godot_version too (it reports '$windows_version')" \
    [ "${windows_version%%.stable*}" = "${godot_version%%.stable*}" ]
  # Its user:// is under %APPDATA% in the Wine prefix, apart from the Linux run's.
  timeout 600 "$WINE" "$GODOT_WINDOWS" --headless --path "Z:$project" --script res://smoke.gd \
    >"$work/smoke-windows.log" 2>&1
  status=$?
  wine_stop
  tr -d '\r' <"$work/smoke-windows.log" | grep -E "SMOKE|package smoke|ERROR" || true
  check "the smoke script exits 0 in the Windows Godot (status $status)" [ "$status" -eq 0 ]
  check "the smoke script reports no failure in the Windows Godot" \
    grep -qE "^package smoke: [1-9][0-9]* passed, 0 failed.?$" "$work/smoke-windows.log"
  check "the Windows Godot logs no error" bash -c '! grep -qE "^(SCRIPT )?ERROR" "$1"' _ "$work/smoke-windows.log"
  windows_saves="$(find "$WINEPREFIX/drive_c/users" -maxdepth 7 -type d -path "*/app_userdata/Package Smoke/package_smoke" | head -n 1)"
  check "the packaged savekeep.exe reads the Windows Godot's save" bash -c \
    '"$1" "$2" --root "Z:$3" --json list | grep -q "\"pilot_callsign\": *\"Maverick\""' _ \
    "$WINE" "$work/unpacked/savekeep/savekeep.exe" "$windows_saves"
  wine_stop
else
  echo "NOTICE: GODOT_WINDOWS not set: the package was not loaded in a Windows Godot"
fi
echo "package: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
