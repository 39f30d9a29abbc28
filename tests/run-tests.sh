#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The README's "run the tests" command: installs what is missing, builds and
# runs every test (Check unit suites, then the network-namespace integration
# scenarios, which need root). Ends with one line "N passed, N failed".
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tests/deps.sh
. "$top/tests/deps.sh"

builddir=${BUILDDIR:-$top/build}
deps_install || exit 1
build_tree "$builddir" || { echo "0 passed, 1 failed"; exit 1; }

meson test -C "$builddir" --print-errorlogs "$@"
rc=$?

log="$builddir/meson-logs/testlog.json"
if [ -f "$log" ]; then
        read -r passed failed < <(python3 - "$log" <<'PY'
import json, sys
ok = bad = 0
for line in open(sys.argv[1]):
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
else
        passed=0
        failed=1
fi
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "$passed passed, $failed failed"
exit "$rc"
