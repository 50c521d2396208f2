# Sourced by scripts/windows_tests.sh, scripts/godot_tests.sh (a Windows
# Godot) and scripts/package_test.sh: Wine 8 with its own prefix in
# target/wine-prefix, ready to run Rust-built Windows programs.
#
# Wine 8 lacks bcryptprimitives.dll, which Rust's standard library imports
# for random seeds: a stand-in exporting ProcessPrng over RtlGenRandom, built
# from scripts/windows/bcryptprimitives.c, goes into the prefix (it is never
# shipped). Needs scripts/windows/toolchain.sh sourced first.

WINE=/usr/lib/wine/wine64
export WINEPREFIX="${WINEPREFIX:-$PWD/target/wine-prefix}"
export WINEDEBUG="${WINEDEBUG:--all}"
# No Mono or Gecko installer prompts while the prefix is made.
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"

# Installs wine64 and mingw-w64 when missing, makes the prefix and puts the
# stand-in DLL into it. Prints why and returns 1 when something failed.
wine_ready() {
  windows_install wine64 mingw-w64 || { echo "wine install failed"; return 1; }
  if [ ! -f "$WINEPREFIX/system.reg" ]; then
    echo "creating the Wine prefix $WINEPREFIX"
    mkdir -p "$WINEPREFIX"
    "$WINE" wineboot --init >/dev/null 2>&1
    /usr/lib/wine/wineserver -w
  fi
  local dll="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
  local src=scripts/windows/bcryptprimitives
  if [ ! -f "$dll" ] || [ "$src.c" -nt "$dll" ] || [ "$src.def" -nt "$dll" ]; then
    x86_64-w64-mingw32-gcc -O2 -shared -s -o "$dll" "$src.c" "$src.def" -ladvapi32 ||
      { echo "the stand-in bcryptprimitives.dll did not build"; return 1; }
  fi
}

# Stops the prefix's Wine processes (for EXIT traps).
wine_stop() {
  /usr/lib/wine/wineserver -k 2>/dev/null || true
}
