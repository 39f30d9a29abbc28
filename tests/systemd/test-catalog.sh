#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-catalog.sh - the journal catalog (meson suite 'systemd'):
#  * format: every MESSAGE_ID of src/daemon/messages.h has exactly one entry in
#    systemd/igmpproxy.catalog and the catalog has no other; each entry has a Subject:,
#    "Defined-By: igmpproxy", a Documentation: naming man:igmpproxy(8), and a text;
#  * journalctl compiles the catalog as meson installs it: the build tree is installed into a
#    scratch root (meson install --destdir), "journalctl --root=SCRATCH --update-catalog"
#    writes SCRATCH/var/lib/systemd/catalog/database (this machine's database is untouched),
#    and --list-catalog / --dump-catalog show every ID with its subject and text.
#
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

CATALOG=$SD_REPO/systemd/igmpproxy.catalog
MESSAGES=$SD_REPO/src/daemon/messages.h

sd_check "catalog format: one complete entry per MESSAGE_ID of src/daemon/messages.h, no others" \
        python3 - "$MESSAGES" "$CATALOG" <<'PY'
import re, sys
msgs = {}
for m in re.finditer(r'^#define\s+(MSG_\w+)\s+"([^"]*)"', open(sys.argv[1]).read(), re.M):
    msgs[m.group(2)] = m.group(1)
entries, order, cur = {}, [], None
for n, line in enumerate(open(sys.argv[2]), 1):
    line = line.rstrip("\n")
    m = re.match(r"^-- (\S+)(?: (\S+))?$", line)
    if m:
        cur = m.group(1)
        assert cur not in entries, "line %d: duplicate entry %s" % (n, cur)
        entries[cur] = {"line": n, "head": {}, "body": [], "in_head": True}
        order.append(cur)
        continue
    if cur is None:
        assert line == "" or line.startswith("#"), "line %d: text before the first entry" % n
        continue
    e = entries[cur]
    if e["in_head"]:
        if line == "":
            e["in_head"] = False
            continue
        k, sep, v = line.partition(": ")
        assert sep, "line %d: header line without 'Key: value': %r" % (n, line)
        e["head"][k] = v
    else:
        e["body"].append(line)
bad = []
for mid, name in msgs.items():
    if not re.fullmatch(r"[0-9a-f]{32}", mid):
        bad.append("%s: %s is not 32 lower-case hex digits" % (name, mid))
    if mid not in entries:
        bad.append("%s (%s) has no catalog entry" % (name, mid))
for mid in order:
    e = entries[mid]
    where = "entry %s (line %d)" % (mid, e["line"])
    if mid not in msgs:
        bad.append("%s: no such MESSAGE_ID in src/daemon/messages.h" % where)
    if not e["head"].get("Subject"):
        bad.append("%s: no Subject:" % where)
    if e["head"].get("Defined-By") != "igmpproxy":
        bad.append("%s: Defined-By: is not igmpproxy" % where)
    if "man:igmpproxy(8)" not in e["head"].get("Documentation", "").split():
        bad.append("%s: Documentation: lacks man:igmpproxy(8)" % where)
    if len([l for l in e["body"] if l.strip()]) < 2:
        bad.append("%s: no explanation" % where)
print("%d MESSAGE_IDs in src/daemon/messages.h, %d catalog entries" % (len(msgs), len(entries)))
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY

command -v journalctl >/dev/null || { sd_diag "no journalctl: compile check skipped"; sd_done; }
sd_dirs_from_build || { echo "cannot read the build tree's install plan" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/igmpproxy-catalog.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
R=$T/root
if ! sd_install_tree "$R"; then
        sd_notok "meson install --destdir"
        sd_done
fi
sd_check "catalog installed into a directory journalctl reads ($IGMPPROXY_CATALOGDIR)" \
        test -f "$R$IGMPPROXY_CATALOGDIR/igmpproxy.catalog"
sd_check "journalctl --root=SCRATCH --update-catalog" journalctl --root="$R" --update-catalog
sd_check "the database is written inside the scratch root" test -s "$R/var/lib/systemd/catalog/database"

list=$(journalctl --root="$R" --list-catalog 2>&1)
export LIST=$list
sd_check "--list-catalog shows every MESSAGE_ID as igmpproxy's, with its subject" \
        python3 - "$MESSAGES" "$CATALOG" <<'PY'
import os, re, sys
ids = re.findall(r'^#define\s+MSG_\w+\s+"([0-9a-f]{32})"', open(sys.argv[1]).read(), re.M)
subj = {}
cur = None
for line in open(sys.argv[2]):
    m = re.match(r"^-- ([0-9a-f]{32})", line)
    if m:
        cur = m.group(1)
    elif cur and line.startswith("Subject: "):
        subj[cur] = line[len("Subject: "):].strip()
        cur = None
listed = {}
for line in os.environ["LIST"].splitlines():
    mid, _, rest = line.partition(" ")
    listed[mid] = rest
missing = [i for i in ids if listed.get(i) != "igmpproxy: " + subj.get(i, "?")]
print("%d of %d IDs listed with their subject" % (len(ids) - len(missing), len(ids)))
for i in missing:
    print("missing or different: %s -> %r" % (i, listed.get(i)))
sys.exit(1 if missing else 0)
PY

# The text of one entry comes back whole (the Movistar+ refresh explanation).
refresh_id=$(sed -n 's/^#define MSG_REFRESH_CYCLE "\(.*\)"/\1/p' "$MESSAGES")
sd_check "--dump-catalog $refresh_id explains the Movistar+ refresh" \
        grep -q "forgets a membership 260 seconds" <(journalctl --root="$R" --dump-catalog "$refresh_id" 2>&1)

sd_done
