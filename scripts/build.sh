#!/usr/bin/env bash
# Builds the GDExtension library and places it where the addon expects it.
#
#   scripts/build.sh               debug build for Godot 4.3+ (with editor
#                                  help for the classes), then open the
#                                  sample project (headless for a short run,
#                                  --quit-after 600 frames, when there is no
#                                  display; skipped when no Godot 4 is found)
#   scripts/build.sh --no-run      build and place the library only
#   scripts/build.sh --release     optimized build
#   scripts/build.sh --godot-4-2   build for Godot 4.2 (API level 4.2, no
#                                  editor help); the sample project then
#                                  gets a copy of the addon declaring
#                                  compatibility_minimum = 4.2 (a game on
#                                  4.2 sets that line in its own copy)
#   scripts/build.sh --editor-docs the default; accepted for older scripts
#
# The addon lives in addons/backup_system/; godot_project/addons/backup_system
# is a symbolic link to it (made here), so the sample project always sees the
# fresh library. Where symbolic links are unavailable it is copied instead.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=debug
cargo_args=(-p backup_gdext)
run=1
api=default
for arg in "$@"; do
  case "$arg" in
    --release) profile=release; cargo_args+=(--release) ;;
    --godot-4-2) api=4.2; cargo_args+=(--no-default-features --features godot-4-2) ;;
    --editor-docs) ;;
    --no-run) run=0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

cargo build "${cargo_args[@]}"

target_dir="${CARGO_TARGET_DIR:-target}"
case "$(uname -s)" in
  Linux*) lib=libbackup_gdext.so ;;
  Darwin*) lib=libbackup_gdext.dylib ;;
  MINGW*|MSYS*|CYGWIN*) lib=backup_gdext.dll ;;
  *) echo "unsupported platform $(uname -s)" >&2; exit 1 ;;
esac
mkdir -p addons/backup_system/bin
# Copy to a temporary name and rename, so a running editor never maps a
# half-written library.
cp "$target_dir/$profile/$lib" "addons/backup_system/bin/$lib.tmp"
mv -f "addons/backup_system/bin/$lib.tmp" "addons/backup_system/bin/$lib"
echo "placed addons/backup_system/bin/$lib ($profile)"

mkdir -p godot_project/addons
link=godot_project/addons/backup_system
marker=.godot-4-2-copy
if [ "$api" = 4.2 ]; then
  # Godot 4.2 refuses an extension declaring compatibility_minimum = 4.3, so
  # the sample gets a copy of the addon that declares 4.2 (marked, so that
  # the next default build puts the link back).
  rm -rf "$link" && cp -R addons/backup_system "$link"
  sed 's/^compatibility_minimum = .*/compatibility_minimum = 4.2/' \
    addons/backup_system/backup_system.gdextension >"$link/backup_system.gdextension"
  touch "$link/$marker"
else
  [ -e "$link/$marker" ] && rm -rf "$link"
  if [ ! -e "$link" ] && [ ! -L "$link" ]; then
    ln -s ../../addons/backup_system "$link" 2>/dev/null || cp -R addons/backup_system "$link"
  elif [ ! -L "$link" ]; then
    # A copy (no symlink support): refresh it.
    rm -rf "$link" && cp -R addons/backup_system "$link"
  fi
fi

if [ "$run" = 1 ]; then
  # shellcheck source=scripts/find_godot.sh
  . scripts/find_godot.sh
  if ! find_godot; then
    echo "sample not opened: $godot_missing"
    exit 0
  fi
  mkdir -p godot_project/.godot
  # Godot loads the extensions listed in .godot/extension_list.cfg. The
  # editor writes that file during the first import, which meanwhile prints
  # spurious "Native class not found" errors for every script naming an
  # extension class; writing it before the import avoids them.
  grep -qs backup_system.gdextension godot_project/.godot/extension_list.cfg ||
    echo "res://addons/backup_system/backup_system.gdextension" >> godot_project/.godot/extension_list.cfg
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ "$(uname -s)" = Linux ]; then
    echo "no display: running the sample headless for 600 frames"
    [ -d godot_project/.godot/imported ] || "$godot_bin" --headless --path godot_project --import >/dev/null 2>&1 || true
    "$godot_bin" --headless --path godot_project --quit-after 600
  else
    "$godot_bin" --path godot_project
  fi
fi
