#!/usr/bin/env bash
# Builds the release package: dist/backup_system-<version>.zip holding
#
#   addons/backup_system/            exactly what a game copies into its
#     backup_system.gdextension      project: the extension file, icons,
#     bin/libbackup_gdext.so         README, LICENSE and the stripped release
#     bin/backup_gdext.dll           libraries for Linux x86_64 and Windows
#     icons/  README.md  LICENSE     x86_64
#   savekeep/savekeep                the player/support tool, Linux x86_64
#   savekeep/savekeep.exe            and Windows x86_64
#
# The Linux build uses the usual cargo (target/release); the Windows build
# is cross-compiled with Debian's Rust and MinGW (scripts/windows/
# toolchain.sh, installed when missing) into target/windows. macOS
# libraries are not built here (no macOS toolchain on Linux); the
# .gdextension names them, so a macOS build dropped into bin/ loads.
#   scripts/package.sh          build everything, write the zip
#   PACKAGE_SKIP_BUILD=1 ...    zip the libraries built last time
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

version="$(sed -n 's/^version *= *"\(.*\)"/\1/p' rust/backup_gdext/Cargo.toml | head -n 1)"
[ -n "$version" ] || { echo "no version in rust/backup_gdext/Cargo.toml" >&2; exit 1; }
linux_dir="${CARGO_TARGET_DIR:-$root/target}/release"

if [ -z "${PACKAGE_SKIP_BUILD:-}" ]; then
  echo "== Linux x86_64 release"
  cargo build --locked --release -p backup_gdext -p savekeep
  echo "== Windows x86_64 release (cross-built)"
  (
    # shellcheck source=scripts/windows/toolchain.sh
    source scripts/windows/toolchain.sh
    windows_toolchain
    windows_cargo build --release -Zbuild-std=std,panic_abort -p backup_gdext -p savekeep
  )
fi
windows_dir="$root/target/windows/x86_64-pc-windows-gnu/release"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
addon="$stage/addons/backup_system"
mkdir -p "$addon/bin" "$stage/savekeep"
# The addon's tracked files (no bin/.gitkeep, no editor-made .import files).
git ls-files addons/backup_system | grep -v '/bin/' | while read -r file; do
  mkdir -p "$stage/$(dirname "$file")"
  cp "$file" "$stage/$file"
done
strip -o "$addon/bin/libbackup_gdext.so" "$linux_dir/libbackup_gdext.so"
x86_64-w64-mingw32-strip -o "$addon/bin/backup_gdext.dll" "$windows_dir/backup_gdext.dll"
strip -o "$stage/savekeep/savekeep" "$linux_dir/savekeep"
x86_64-w64-mingw32-strip -o "$stage/savekeep/savekeep.exe" "$windows_dir/savekeep.exe"
for must in LICENSE README.md backup_system.gdextension; do
  [ -f "$addon/$must" ] || { echo "addons/backup_system/$must is missing" >&2; exit 1; }
done

mkdir -p dist
zip="dist/backup_system-$version.zip"
python3 - "$stage" "$zip" <<'PY'
import os, sys, zipfile
stage, out = sys.argv[1], sys.argv[2]
tmp = out + ".tmp"
with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
    for dirpath, dirnames, filenames in os.walk(stage):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            info = zipfile.ZipInfo(os.path.relpath(path, stage), (2024, 1, 1, 0, 0, 0))
            mode = 0o755 if os.access(path, os.X_OK) else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as f:
                z.writestr(info, f.read())
os.replace(tmp, out)
PY
echo "wrote $zip ($(du -k "$zip" | cut -f1) KiB)"
(cd "$stage" && find . -type f -printf '  %P  %s bytes\n' | sort)
