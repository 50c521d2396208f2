# shellcheck shell=bash
# The one place that finds the Godot binary; sourced by scripts/build.sh and
# scripts/godot_tests.sh.
#
# find_godot: looks at $GODOT (a path or a command name), then godot4, then
# godot on PATH. Returns 0 with godot_bin (the binary) and godot_version
# (what it reports) set when that is a Godot 4; otherwise returns 1 with
# godot_missing saying why.
find_godot() {
  godot_bin="" godot_version="" godot_missing=""
  if [ -n "${GODOT:-}" ]; then
    godot_bin="$(command -v "$GODOT" || printf '%s' "$GODOT")"
  else
    godot_bin="$(command -v godot4 || command -v godot || true)"
  fi
  if [ -z "$godot_bin" ] || [ ! -x "$godot_bin" ]; then
    godot_missing="no Godot 4 binary found (\$GODOT is unset or not executable, and neither godot4 nor godot is on PATH)"
    return 1
  fi
  godot_version="$("$godot_bin" --headless --version 2>/dev/null | tail -n 1)"
  case "$godot_version" in
    4.*) return 0 ;;
  esac
  godot_missing="$godot_bin is not Godot 4 (it reports '$godot_version')"
  return 1
}
