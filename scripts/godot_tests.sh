#!/usr/bin/env bash
# Runs the headless GDScript suites of tests/godot against the built addon.
#
# Finds Godot with scripts/find_godot.sh ($GODOT, then godot4 or godot on
# PATH); without one it says so loudly and exits 0 (the Rust tests still
# ran). Otherwise: builds and places the library (scripts/build.sh), lists the extension in
# godot_project/.godot/extension_list.cfg, imports the project (so class_name
# scripts and the extension load without spurious errors), runs every suite,
# and reads the logs with scripts/godot_log.py, which prints each failure
# with script and line and ends with `N passed, N failed` (any "SCRIPT ERROR"
# or "ERROR:" line Godot prints outside a block a test marked as expecting
# errors counts as a failure). Suites run in the order of SUITES in
# tests/godot/run_suites.gd; GODOT_SUITE=name runs only the suites whose file
# name contains `name`.
#
# A Windows Godot (GODOT=/path/godot.windows....exe) runs under Wine: the
# library is cross-built as backup_gdext.dll (scripts/windows/toolchain.sh,
# release profile, as shipped) and Wine gets its prefix from
# scripts/windows/wine.sh, both installing what they need. An export
# template cannot import a project: GODOT_IMPORT names the Godot editor (of
# the same version, any platform) that imports it first (default: godot4 on
# PATH when it reports the same version).
set -uo pipefail
cd "$(dirname "$0")/.."

case "${GODOT:-}" in
  *.exe | *.EXE)
    # shellcheck source=scripts/windows/toolchain.sh
    source scripts/windows/toolchain.sh
    # shellcheck source=scripts/windows/wine.sh
    source scripts/windows/wine.sh
    (windows_toolchain && wine_ready) || { echo "Wine is not ready"; echo "0 passed, 1 failed"; exit 1; }
    ;;
esac

# shellcheck source=scripts/find_godot.sh
. scripts/find_godot.sh
if ! find_godot; then
  echo "################################################################"
  echo "GODOT SUITE SKIPPED: $godot_missing"
  echo "################################################################"
  exit 0
fi
echo "Godot $godot_version ($godot_bin)"

# A Godot 4.2 binary gets the 4.2 build (API level 4.2, no editor help);
# GODOT_BUILD_FLAGS, when set, chooses instead (e.g. --godot-4-2, or empty).
if [ -n "${GODOT_BUILD_FLAGS+set}" ]; then
  build_flags="$GODOT_BUILD_FLAGS"
else
  case "$godot_version" in
    4.2.*) build_flags=--godot-4-2 ;;
    *) build_flags="" ;;
  esac
fi
[ -n "$build_flags" ] && echo "build flags: $build_flags"
# shellcheck disable=SC2086
scripts/build.sh --no-run $build_flags || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
project=godot_project
import_cmd=("${godot_cmd[@]}")
if godot_is_windows; then
  echo "Windows Godot under Wine: cross-building backup_gdext.dll"
  features=()
  [ "$build_flags" = --godot-4-2 ] && features=(--no-default-features --features godot-4-2)
  (windows_toolchain && windows_cargo build --release -Zbuild-std=std,panic_abort -p backup_gdext "${features[@]}") ||
    { echo "Windows build failed"; echo "0 passed, 1 failed"; exit 1; }
  cp "$WINDOWS_TARGET_DIR/$WINDOWS_TARGET/release/backup_gdext.dll" addons/backup_system/bin/backup_gdext.dll.tmp &&
    mv -f addons/backup_system/bin/backup_gdext.dll.tmp addons/backup_system/bin/backup_gdext.dll
  # Wine sees the Linux file system as drive Z:.
  project="Z:$PWD/godot_project"
  # The importer: GODOT_IMPORT, else godot4 on PATH when it is the same
  # version, else the Windows Godot itself (which must then be an editor).
  importer="${GODOT_IMPORT:-}"
  if [ -z "$importer" ] && command -v godot4 >/dev/null; then
    candidate="$(command -v godot4)"
    [ "$("$candidate" --headless --version 2>/dev/null | tail -n 1)" = "$godot_version" ] && importer="$candidate"
  fi
  if [ -n "$importer" ]; then
    import_version="$("$importer" --headless --version 2>/dev/null | tail -n 1)"
    if [ "${import_version%%.stable*}" != "${godot_version%%.stable*}" ]; then
      echo "GODOT_IMPORT ($importer) is Godot $import_version, not $godot_version"
      echo "0 passed, 1 failed"
      exit 1
    fi
    echo "importing with $importer"
    import_cmd=("$importer")
  fi
fi

ln -sfn ../tests/godot godot_project/tests
# The import cache of one Godot version is not for another: start afresh
# when the binary changed since the last run.
stamp=godot_project/.godot/backup_system_tested_with
if [ -d godot_project/.godot ] && [ "$(cat "$stamp" 2>/dev/null)" != "$godot_version" ]; then
  rm -rf godot_project/.godot
fi
mkdir -p godot_project/.godot
printf '%s\n' "$godot_version" >"$stamp"
echo "res://addons/backup_system/backup_system.gdextension" > godot_project/.godot/extension_list.cfg

log_dir="$(mktemp -d)"
trap 'rm -rf "$log_dir"; if godot_is_windows; then wine_stop; fi' EXIT

# Import: registers class_name scripts and imports the icons. `--import`
# exists from Godot 4.3 on; 4.2 takes the editor route.
import_project="$project"
[ "${import_cmd[0]}" = "${godot_cmd[0]}" ] || import_project=godot_project
if ! timeout 300 "${import_cmd[@]}" --headless --path "$import_project" --import >"$log_dir/import.log" 2>&1; then
  timeout 300 "${import_cmd[@]}" --headless --path "$import_project" --editor --quit >"$log_dir/import.log" 2>&1 || true
fi

# -d (local debugger) makes get_stack() work, so failures carry their line;
# a script error then stops at a debugger prompt, which "c" continues. Not
# on Windows: its Godot reads stdin in chunks, so the prompt gets "c\nc\n..."
# as one invalid command and loops; there failures name their test instead.
debug_flag=(-d)
if godot_is_windows; then debug_flag=(); fi
yes c 2>/dev/null | timeout "${GODOT_TESTS_TIMEOUT:-600}" "${godot_cmd[@]}" "${debug_flag[@]}" --headless --path "$project" \
  --script res://tests/run_suites.gd >"$log_dir/stdout.log" 2>"$log_dir/stderr.log"
status=${PIPESTATUS[1]}

if [ -n "${GODOT_TESTS_VERBOSE:-}" ]; then
  cat "$log_dir/stdout.log" "$log_dir/stderr.log"
fi

python3 scripts/godot_log.py "$log_dir/stderr.log" "$log_dir/stdout.log" "$status"
