#!/usr/bin/env python3
"""Reads the logs of one headless run of tests/godot/run_suites.gd and says
which tests passed and which failed.

    godot_log.py STDERR_LOG STDOUT_LOG GODOT_EXIT_STATUS

prints `SKIP ...` per suite or test skipped on this system and `FAIL ...` per
failure, then `N passed, N failed` (`, N skipped` when suites were skipped),
and exits 1 when anything failed. The runner writes structured lines to
stderr: `@@RUN suite::test`, `@@PASS ...`, `@@FAIL ...`, `@@SKIP suite[::test]: why`
(a suite needing a newer Godot, a test the platform cannot run), `@@EXPECT_ERRORS_BEGIN` /
`@@EXPECT_ERRORS_END` around calls that must log an error, and `@@DONE` at
the end. Besides the tests' own failures, these count as failures:
- a Godot error line (`ERROR:`, `SCRIPT ERROR:`, `USER ERROR:`, ...) outside
  an expected-errors block, with its `at:` location when Godot gives one;
- an expected-errors block that logged no error;
- a GDScript runtime error caught by the local debugger (`Debugger Break` on
  stdout); the test it happened in no longer counts as passed;
- no `@@DONE` line (the runner crashed or hung), or an abnormal exit status
  after it (a crash at shutdown).
"""

import re
import sys
from dataclasses import dataclass, field

ERROR_LINE = re.compile(r"^(SCRIPT ERROR|ERROR|USER ERROR|USER SCRIPT ERROR):")
FRAME_LINE = re.compile(r"\*Frame 0 - res://tests/(\S+):(\d+) in function '([^']+)'")


@dataclass
class Outcome:
    """What one run amounted to."""

    passed: int = 0
    failed: int = 0
    failures: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    done: bool = False

    def fail(self, message):
        self.failed += 1
        self.failures.append(message)

    def summary(self):
        """The closing line of the suite."""
        line = f"{self.passed} passed, {self.failed} failed"
        if self.skipped:
            line += f", {len(self.skipped)} skipped"
        return line


def parse(stderr_text, stdout_text, status):
    """The outcome of a run, from its stderr and stdout text and exit status."""
    out = Outcome()
    passed_tests = set()
    expecting = False
    seen_in_block = 0
    test = "(startup)"
    lines = stderr_text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("@@RUN "):
            test = line[6:]
        elif line.startswith("@@PASS "):
            out.passed += 1
            passed_tests.add(line[7:])
        elif line.startswith("@@FAIL "):
            out.fail(line[7:])
        elif line.startswith("@@SKIP "):
            out.skipped.append(line[7:])
        elif line.startswith("@@EXPECT_ERRORS_BEGIN"):
            expecting, seen_in_block = True, 0
        elif line.startswith("@@EXPECT_ERRORS_END"):
            if seen_in_block == 0:
                out.fail(f"{test}: a block expected to log an error logged none")
            expecting = False
        elif line.startswith("@@DONE "):
            out.done = True
        elif ERROR_LINE.match(line.strip()):
            if expecting:
                seen_in_block += 1
            else:
                where = ""
                for nxt in lines[i + 1 : i + 3]:
                    if nxt.strip().startswith("at:"):
                        where = " " + nxt.strip()
                        break
                out.fail(f"{test}: unexpected Godot error: {line.strip()}{where}")
    # Under the local debugger (-d) a GDScript runtime error prints
    # "Debugger Break, Reason: ..." and "*Frame 0 - res://tests/FILE:LINE in
    # function 'NAME'" on stdout. No test expects one.
    out_lines = stdout_text.splitlines()
    for i, line in enumerate(out_lines):
        if line.startswith("Debugger Break, Reason:") or line.startswith("SCRIPT ERROR:"):
            where, test_id = "", None
            for nxt in out_lines[i + 1 : i + 3]:
                m = FRAME_LINE.search(nxt)
                if m:
                    where = f"{m.group(1)}:{m.group(2)}: {m.group(3)}: "
                    test_id = f"{m.group(1)}::{m.group(3)}"
                    break
            if test_id in passed_tests:
                passed_tests.discard(test_id)
                out.passed -= 1
            out.fail(f"{where}script error: {line.split(':', 1)[1].strip()}")
    if out.done and status not in (0, 1):
        out.fail(
            f"Godot exited abnormally after the suites (status {status}: crash or abort "
            "at shutdown); run with GODOT_TESTS_VERBOSE=1"
        )
    if not out.done:
        out.fail(
            f"the suite runner did not finish (Godot exit status {status}); "
            "run with GODOT_TESTS_VERBOSE=1"
        )
    return out


def main(argv):
    if len(argv) != 4:
        print(__doc__.split("\n\n")[1].strip(), file=sys.stderr)
        return 2
    with open(argv[1], errors="replace") as f:
        stderr_text = f.read()
    with open(argv[2], errors="replace") as f:
        stdout_text = f.read()
    out = parse(stderr_text, stdout_text, int(argv[3]))
    for skipped in out.skipped:
        print("SKIP " + skipped)
    for failure in out.failures:
        print("FAIL " + failure)
    print(out.summary())
    return 1 if out.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
