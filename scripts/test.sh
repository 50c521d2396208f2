#!/usr/bin/env bash
# The project's test command: every Rust test, then the headless Godot suite
# when a Godot 4 binary is available ($GODOT, then godot4 or godot on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== Rust tests"
cargo test --workspace --all-targets
cargo test --workspace --doc

if [ -x scripts/godot_tests.sh ]; then
  echo "== Godot tests"
  scripts/godot_tests.sh
fi
