#!/usr/bin/env bash
# Runs the headless GDScript suites of tests/godot against the built addon.
#
# Finds Godot through $GODOT, then godot4 or godot on PATH; without one it
# says so loudly and exits 0 (the Rust tests still ran). Otherwise: builds and
# places the library (scripts/build.sh), lists the extension in
# godot_project/.godot/extension_list.cfg, imports the project (so class_name
# scripts and the extension load without spurious errors), runs every suite,
# prints each failure with script and line, and ends with `N passed, N failed`.
# Any "SCRIPT ERROR" or "ERROR:" line Godot prints outside a block a test
# marked as expecting errors counts as a failure. GODOT_SUITE=name runs only
# the suites whose file name contains `name`.
set -uo pipefail
cd "$(dirname "$0")/.."

godot_bin="${GODOT:-}"
if [ -z "$godot_bin" ]; then
  godot_bin="$(command -v godot4 || command -v godot || true)"
fi
if [ -z "$godot_bin" ] || [ ! -x "$godot_bin" ]; then
  echo "################################################################"
  echo "GODOT SUITE SKIPPED: no Godot 4 binary found (\$GODOT is unset or not executable, and neither godot4 nor godot is on PATH)"
  echo "################################################################"
  exit 0
fi
version="$("$godot_bin" --headless --version 2>/dev/null | tail -n 1)"
case "$version" in
  4.*) ;;
  *)
    echo "################################################################"
    echo "GODOT SUITE SKIPPED: $godot_bin is not Godot 4 (it reports '$version')"
    echo "################################################################"
    exit 0 ;;
esac
echo "Godot $version ($godot_bin)"

# GODOT_BUILD_FLAGS=--godot-4-2 tests the Godot 4.2 build (API level 4.2).
# shellcheck disable=SC2086
scripts/build.sh --no-run ${GODOT_BUILD_FLAGS:-} || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

ln -sfn ../tests/godot godot_project/tests
mkdir -p godot_project/.godot
echo "res://addons/backup_system/backup_system.gdextension" > godot_project/.godot/extension_list.cfg

log_dir="$(mktemp -d)"
trap 'rm -rf "$log_dir"' EXIT

# Import: registers class_name scripts and imports the icons. `--import`
# exists from Godot 4.3 on; 4.2 takes the editor route.
if ! timeout 300 "$godot_bin" --headless --path godot_project --import >"$log_dir/import.log" 2>&1; then
  timeout 300 "$godot_bin" --headless --path godot_project --editor --quit >"$log_dir/import.log" 2>&1 || true
fi

# -d (local debugger) makes get_stack() work, so failures carry their line;
# a script error then stops at a debugger prompt, which "c" continues.
yes c 2>/dev/null | timeout 600 "$godot_bin" -d --headless --path godot_project \
  --script res://tests/run_suites.gd >"$log_dir/stdout.log" 2>"$log_dir/stderr.log"
status=${PIPESTATUS[1]}

if [ -n "${GODOT_TESTS_VERBOSE:-}" ]; then
  cat "$log_dir/stdout.log" "$log_dir/stderr.log"
fi

python3 - "$log_dir/stderr.log" "$log_dir/stdout.log" "$status" <<'PY'
import re, sys
stderr_path, stdout_path, status = sys.argv[1], sys.argv[2], int(sys.argv[3])
passed = failed = 0
passed_tests = set()
done = False
failures = []
expecting = None
seen_in_block = 0
test = "(startup)"
error_line = re.compile(r"^(SCRIPT ERROR|ERROR|USER ERROR|USER SCRIPT ERROR):")
lines = open(stderr_path, errors="replace").read().splitlines()
for i, line in enumerate(lines):
    if line.startswith("@@RUN "):
        test = line[6:]
    elif line.startswith("@@PASS "):
        passed += 1
        passed_tests.add(line[7:])
    elif line.startswith("@@FAIL "):
        failed += 1
        failures.append(line[7:])
    elif line.startswith("@@EXPECT_ERRORS_BEGIN"):
        expecting, seen_in_block = test, 0
    elif line.startswith("@@EXPECT_ERRORS_END"):
        if seen_in_block == 0:
            failed += 1
            failures.append(f"{test}: a block expected to log an error logged none")
        expecting = None
    elif line.startswith("@@DONE "):
        done = True
    elif error_line.match(line.strip()):
        if expecting is not None:
            seen_in_block += 1
        else:
            where = ""
            for nxt in lines[i + 1:i + 3]:
                if nxt.strip().startswith("at:"):
                    where = " " + nxt.strip()
                    break
            failed += 1
            failures.append(f"{test}: unexpected Godot error: {line.strip()}{where}")
# Under the local debugger (-d) a GDScript runtime error prints
# "Debugger Break, Reason: ..." and "*Frame 0 - res://file.gd:LINE in function
# 'NAME'" on stdout. No test expects one: each is a failure, and the test
# it happened in no longer counts as passed.
out_lines = open(stdout_path, errors="replace").read().splitlines()
frame_re = re.compile(r"\*Frame 0 - res://tests/(\S+):(\d+) in function '([^']+)'")
for i, line in enumerate(out_lines):
    if line.startswith("Debugger Break, Reason:") or line.startswith("SCRIPT ERROR:"):
        where, test_id = "", None
        for nxt in out_lines[i + 1:i + 3]:
            m = frame_re.search(nxt)
            if m:
                where = f"{m.group(1)}:{m.group(2)}: {m.group(3)}: "
                test_id = f"{m.group(1)}::{m.group(3)}"
                break
        failed += 1
        if test_id in passed_tests:
            passed_tests.discard(test_id)
            passed -= 1
        failures.append(f"{where}script error: {line.split(':', 1)[1].strip()}")
if done and status not in (0, 1):
    failed += 1
    failures.append(f"Godot exited abnormally after the suites (status {status}: crash or abort at shutdown); run with GODOT_TESTS_VERBOSE=1")
if not done:
    failed += 1
    failures.append(f"the suite runner did not finish (Godot exit status {status}); run with GODOT_TESTS_VERBOSE=1")
for f in failures:
    print("FAIL " + f)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
