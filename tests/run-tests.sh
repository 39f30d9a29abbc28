#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The README's "run the tests" command: installs what is missing, builds and
# runs every test (Check unit suites, then the network-namespace integration
# scenarios, which need root). Ends with one line "N passed, N failed".
#
# Two runs, both counted in that line:
#  1. the normal build (build/, or $BUILDDIR): `meson test` over every suite
#     (unit, integration with valgrind, systemd, dbus, fuzz, bench-smoke);
#     tests/run-tests.sh ARGS passes ARGS to this run only (e.g. --suite unit);
#  2. a sanitizer build (build-asan/, or $ASAN_BUILDDIR; gcc with
#     -Db_sanitize=address,undefined -Db_lundef=false): the 'unit' and
#     'integration' suites (not valgrind, not the 3.5-minute soak, not the
#     lab's self-test, which runs no daemon) with ASAN_OPTIONS=detect_leaks=1:
#     abort_on_error=0:exitcode=23 and UBSAN_OPTIONS=print_stacktrace=1:
#     halt_on_error=1, so a daemon that leaks or trips UBSan exits non-zero and
#     fails the lab's "daemon exited 0" check.
# IGMPPROXY_SKIP_ASAN=1 skips run 2 (quick local runs; CI runs both).
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tests/deps.sh
. "$top/tests/deps.sh"

builddir=${BUILDDIR:-$top/build}
asandir=${ASAN_BUILDDIR:-$top/build-asan}
deps_install || exit 1
build_tree "$builddir" || { echo "0 passed, 1 failed"; exit 1; }

logs=()
extra_failed=0

rm -f "$builddir/meson-logs/testlog.json"
meson test -C "$builddir" --print-errorlogs "$@"
rc=$?
logs+=("$builddir/meson-logs/testlog.json")
[ -f "$builddir/meson-logs/testlog.json" ] || extra_failed=$((extra_failed + 1))

# build_asan: configures (or reconfigures) and builds the sanitizer tree.
build_asan() {
        local opts=("-Db_sanitize=address,undefined" -Db_lundef=false -Dtest-hooks=true)
        if [ -f "$asandir/build.ninja" ]; then
                meson configure "$asandir" "${opts[@]}" >/dev/null || return 1
        else
                meson setup "$asandir" "$top" "${opts[@]}" >/dev/null || return 1
        fi
        ninja -C "$asandir" >/dev/null || ninja -C "$asandir"
}

if [ "${IGMPPROXY_SKIP_ASAN:-0}" = 1 ]; then
        echo "IGMPPROXY_SKIP_ASAN=1: the sanitizer run is skipped"
else
        echo "==== sanitizer build ($asandir): unit and integration suites under ASan+UBSan ===="
        if build_asan; then
                rm -f "$asandir/meson-logs/testlog.json"
                ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23 \
                UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
                        meson test -C "$asandir" --print-errorlogs --timeout-multiplier 2 \
                        --suite unit --suite integration --no-suite valgrind \
                        --no-suite soak --no-suite lab
                arc=$?
                [ "$rc" -eq 0 ] && rc=$arc
                logs+=("$asandir/meson-logs/testlog.json")
                [ -f "$asandir/meson-logs/testlog.json" ] || extra_failed=$((extra_failed + 1))
        else
                echo "the sanitizer build failed"
                extra_failed=$((extra_failed + 1))
                [ "$rc" -eq 0 ] && rc=1
        fi
fi

read -r passed failed < <(python3 - "${logs[@]}" <<'PY'
import json, os, sys
ok = bad = 0
for path in sys.argv[1:]:
    if not os.path.exists(path):
        continue
    for line in open(path):
        line = line.strip()
        if not line:
            continue
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            ok += 1
        elif r != "SKIP":
            bad += 1
print(ok, bad)
PY
)
passed=${passed:-0}
failed=$((${failed:-0} + extra_failed))
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "$passed passed, $failed failed"
exit "$rc"
