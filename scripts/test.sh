#!/usr/bin/env bash
# The project's test command: every Rust test, then the headless Godot suite
# when a Godot 4 binary is available ($GODOT, then godot4 or godot on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== Rust tests"
# Unit, integration and doc tests. Benchmarks are not tests: they are
# compiled by clippy in CI and run with `cargo bench`.
cargo test --workspace

echo "== Script tests"
# The Godot log parser (scripts/godot_log.py) on sample logs; standard library only.
python3 -m unittest discover -s scripts -p 'test_*.py'

if [ -x scripts/godot_tests.sh ]; then
  echo "== Godot tests"
  scripts/godot_tests.sh
fi
