# Sourced by scripts/windows_tests.sh and scripts/package.sh: the Windows
# cross toolchain (Debian packages, installed when missing) and the cargo
# environment that builds for x86_64-pc-windows-gnu.
#
# Debian's rustc-web/cargo-web (Rust 1.96, /usr/bin/rustc and /usr/bin/cargo)
# ship no prebuilt Windows standard library, but rust-web-src has its
# sources: cargo's -Zbuild-std (unlocked by RUSTC_BOOTSTRAP=1) compiles it
# for the target, and mingw-w64 links. The builds go to target/windows so
# they never invalidate the Linux build in target/.

WINDOWS_TARGET=x86_64-pc-windows-gnu
WINDOWS_TARGET_DIR="${WINDOWS_TARGET_DIR:-$PWD/target/windows}"

# Installs the Debian packages named in "$@" that are missing (one
# apt-get update first, only when something is to be installed).
windows_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  echo "installing ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# The cross toolchain: compiler, standard library sources, linker.
windows_toolchain() {
  windows_install rustc-web cargo-web rust-web-src mingw-w64
  export RUSTC=/usr/bin/rustc
  export RUSTC_BOOTSTRAP=1
  export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
  export CARGO_TARGET_DIR="$WINDOWS_TARGET_DIR"
}

# /usr/bin/cargo for the Windows target; "$@" are cargo's arguments.
windows_cargo() {
  local sub="$1"
  shift
  /usr/bin/cargo "$sub" --locked --target "$WINDOWS_TARGET" "$@"
}
