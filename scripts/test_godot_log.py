#!/usr/bin/env python3
"""Tests of scripts/godot_log.py on sample logs of the suite runner.

Run: python3 -m unittest discover -s scripts -p 'test_*.py' (scripts/test.sh does).
"""

import io
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import godot_log  # noqa: E402

PASSING = """\
Godot Engine v4.4.1.stable.official
@@RUN test_a.gd::test_one
@@PASS test_a.gd::test_one
@@RUN test_a.gd::test_two
@@PASS test_a.gd::test_two
@@DONE 2 0
"""


class ParseTest(unittest.TestCase):
    def test_all_passing_run(self):
        out = godot_log.parse(PASSING, "", 0)
        self.assertEqual(out.summary(), "2 passed, 0 failed")
        self.assertEqual(out.failures, [])
        self.assertTrue(out.done)

    def test_failed_assertion_is_reported_with_its_message(self):
        stderr = (
            "@@RUN test_a.gd::test_one\n"
            "@@FAIL test_a.gd:12: test_one: expected 1 (int), got 2 (int)\n"
            "@@RUN test_a.gd::test_two\n"
            "@@PASS test_a.gd::test_two\n"
            "@@DONE 1 1\n"
        )
        out = godot_log.parse(stderr, "", 1)
        self.assertEqual(out.summary(), "1 passed, 1 failed")
        self.assertEqual(out.failures, ["test_a.gd:12: test_one: expected 1 (int), got 2 (int)"])

    def test_unexpected_error_line_fails_with_test_and_location(self):
        stderr = (
            "@@RUN test_a.gd::test_one\n"
            "ERROR: SaveGameManager: slot 99 is out of range (valid slots are 0..=9)\n"
            "   at: push_error (core/variant/variant_utility.cpp:1098)\n"
            "@@PASS test_a.gd::test_one\n"
            "@@DONE 1 0\n"
        )
        out = godot_log.parse(stderr, "", 0)
        self.assertEqual(out.summary(), "1 passed, 1 failed")
        self.assertEqual(len(out.failures), 1)
        self.assertIn("test_a.gd::test_one: unexpected Godot error: ERROR: SaveGameManager: slot 99", out.failures[0])
        self.assertIn("at: push_error (core/variant/variant_utility.cpp:1098)", out.failures[0])

    def test_every_error_prefix_counts(self):
        for prefix in ("SCRIPT ERROR", "USER ERROR", "USER SCRIPT ERROR"):
            with self.subTest(prefix=prefix):
                stderr = f"@@RUN t.gd::test_x\n{prefix}: boom\n@@PASS t.gd::test_x\n@@DONE 1 0\n"
                out = godot_log.parse(stderr, "", 0)
                self.assertEqual(out.failed, 1)
                self.assertIn(f"{prefix}: boom", out.failures[0])

    def test_warnings_are_not_errors(self):
        stderr = "@@RUN t.gd::test_x\nWARNING: something odd\n@@PASS t.gd::test_x\n@@DONE 1 0\n"
        self.assertEqual(godot_log.parse(stderr, "", 0).summary(), "1 passed, 0 failed")

    def test_errors_inside_an_expected_block_are_ignored(self):
        stderr = (
            "@@RUN t.gd::test_bad_slot\n"
            "@@EXPECT_ERRORS_BEGIN test_bad_slot\n"
            "ERROR: SaveGameManager: slot -1 is out of range\n"
            "   at: push_error (core/variant/variant_utility.cpp:1098)\n"
            "ERROR: SaveGameManager: slot 10 is out of range\n"
            "@@EXPECT_ERRORS_END test_bad_slot\n"
            "@@PASS t.gd::test_bad_slot\n"
            "@@DONE 1 0\n"
        )
        self.assertEqual(godot_log.parse(stderr, "", 0).summary(), "1 passed, 0 failed")

    def test_expected_block_without_any_error_fails(self):
        stderr = (
            "@@RUN t.gd::test_bad_slot\n"
            "@@EXPECT_ERRORS_BEGIN test_bad_slot\n"
            "@@EXPECT_ERRORS_END test_bad_slot\n"
            "@@PASS t.gd::test_bad_slot\n"
            "@@DONE 1 0\n"
        )
        out = godot_log.parse(stderr, "", 0)
        self.assertEqual(out.summary(), "1 passed, 1 failed")
        self.assertEqual(out.failures, ["t.gd::test_bad_slot: a block expected to log an error logged none"])

    def test_error_after_the_expected_block_counts_again(self):
        stderr = (
            "@@RUN t.gd::test_x\n"
            "@@EXPECT_ERRORS_BEGIN test_x\n"
            "ERROR: expected\n"
            "@@EXPECT_ERRORS_END test_x\n"
            "ERROR: not expected\n"
            "@@PASS t.gd::test_x\n"
            "@@DONE 1 0\n"
        )
        out = godot_log.parse(stderr, "", 0)
        self.assertEqual(out.failed, 1)
        self.assertIn("ERROR: not expected", out.failures[0])

    def test_crash_without_closing_line_fails(self):
        stderr = "@@RUN t.gd::test_one\n@@PASS t.gd::test_one\n@@RUN t.gd::test_two\n"
        out = godot_log.parse(stderr, "", 139)
        self.assertFalse(out.done)
        self.assertEqual(out.summary(), "1 passed, 1 failed")
        self.assertIn("did not finish (Godot exit status 139)", out.failures[0])

    def test_empty_log_fails(self):
        out = godot_log.parse("", "", 124)
        self.assertEqual(out.summary(), "0 passed, 1 failed")

    def test_abort_at_shutdown_after_the_closing_line_fails(self):
        out = godot_log.parse(PASSING, "", 134)
        self.assertEqual(out.summary(), "2 passed, 1 failed")
        self.assertIn("exited abnormally after the suites (status 134", out.failures[0])

    def test_debugger_break_unpasses_its_test(self):
        stdout = (
            "Debugger Break, Reason: 'Invalid access to property or key 'x' on a base object of type 'Dictionary'.'\n"
            "*Frame 0 - res://tests/test_a.gd:33 in function 'test_two'\n"
            "Enter \"help\" for assistance.\n"
        )
        out = godot_log.parse(PASSING, stdout, 0)
        self.assertEqual(out.summary(), "1 passed, 1 failed")
        self.assertTrue(out.failures[0].startswith("test_a.gd:33: test_two: script error: 'Invalid access"))


class MainTest(unittest.TestCase):
    def run_main(self, stderr_text, stdout_text, status):
        with tempfile.TemporaryDirectory() as tmp:
            err = os.path.join(tmp, "stderr.log")
            out = os.path.join(tmp, "stdout.log")
            with open(err, "w") as f:
                f.write(stderr_text)
            with open(out, "w") as f:
                f.write(stdout_text)
            printed = io.StringIO()
            with redirect_stdout(printed):
                code = godot_log.main(["godot_log.py", err, out, str(status)])
        return code, printed.getvalue().splitlines()

    def test_passing_run_exits_zero_with_closing_line(self):
        code, lines = self.run_main(PASSING, "", 0)
        self.assertEqual(code, 0)
        self.assertEqual(lines, ["2 passed, 0 failed"])

    def test_failing_run_prints_each_failure_then_closing_line(self):
        code, lines = self.run_main("@@RUN t.gd::test_x\nERROR: boom\n", "", 1)
        self.assertEqual(code, 1)
        self.assertEqual(lines[-1], "0 passed, 2 failed")
        self.assertTrue(all(line.startswith("FAIL ") for line in lines[:-1]))
        self.assertEqual(len(lines), 3)

    def test_skipped_suite_is_named_and_counted_but_does_not_fail(self):
        stderr = (
            "@@SKIP test_new.gd: needs Godot 4.4 (typed Dictionaries); this is 4.3-stable\n"
            + PASSING
        )
        code, lines = self.run_main(stderr, "", 0)
        self.assertEqual(code, 0)
        self.assertEqual(
            lines,
            [
                "SKIP test_new.gd: needs Godot 4.4 (typed Dictionaries); this is 4.3-stable",
                "2 passed, 0 failed, 1 skipped",
            ],
        )

    def test_wrong_arguments_exit_two(self):
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            self.assertEqual(godot_log.main(["godot_log.py"]), 2)


if __name__ == "__main__":
    unittest.main()
