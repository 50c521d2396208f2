#!/bin/sh
# cargo's runner for the Windows test binaries (scripts/windows_tests.sh):
# Wine. The variable naming this runner is dropped first: assert_cmd reads it
# to wrap the savekeep.exe it starts, and from inside Wine a Linux program
# cannot be started ("Invalid handle").
unset CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER
exec /usr/lib/wine/wine64 "$@"
