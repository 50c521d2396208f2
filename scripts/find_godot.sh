# shellcheck shell=bash
# The one place that finds the Godot binary; sourced by scripts/build.sh and
# scripts/godot_tests.sh.
#
# find_godot: looks at $GODOT (a path or a command name), then godot4, then
# godot on PATH. Returns 0 with godot_bin (the binary), godot_cmd (an array:
# the command that runs it; Wine first for a Windows .exe) and godot_version
# (what it reports) set when that is a Godot 4; otherwise returns 1 with
# godot_missing saying why.
find_godot() {
  godot_bin="" godot_version="" godot_missing=""
  godot_cmd=()
  if [ -n "${GODOT:-}" ]; then
    godot_bin="$(command -v "$GODOT" || printf '%s' "$GODOT")"
  else
    godot_bin="$(command -v godot4 || command -v godot || true)"
  fi
  if [ -z "$godot_bin" ] || [ ! -x "$godot_bin" ]; then
    godot_missing="no Godot 4 binary found (\$GODOT is unset or not executable, and neither godot4 nor godot is on PATH)"
    return 1
  fi
  case "$godot_bin" in
    *.exe | *.EXE)
      local wine=/usr/lib/wine/wine64
      if [ ! -x "$wine" ]; then
        godot_missing="$godot_bin is a Windows binary and Wine ($wine) is not installed"
        return 1
      fi
      godot_cmd=("$wine" "$godot_bin")
      ;;
    *) godot_cmd=("$godot_bin") ;;
  esac
  godot_version="$("${godot_cmd[@]}" --headless --version 2>/dev/null | tr -d '\r' | tail -n 1)"
  case "$godot_version" in
    4.*) return 0 ;;
  esac
  godot_missing="$godot_bin is not Godot 4 (it reports '$godot_version')"
  return 1
}

# True when find_godot found a Windows binary (run under Wine).
godot_is_windows() {
  [ "${#godot_cmd[@]}" -gt 1 ]
}
