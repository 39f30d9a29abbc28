#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# meson-install-hook.sh SYSUSERS_ENTRY CATALOG_DIR CONFIG EXAMPLE - what "meson install" does
# after copying the files (meson.add_install_script in systemd/meson.build), so that
# "systemctl enable --now igmpproxy" works right after it:
#   * systemd-sysusers SYSUSERS_ENTRY creates the unit's user igmpproxy;
#   * journalctl --update-catalog compiles the catalog, for "journalctl -x";
#   * the commented example EXAMPLE becomes CONFIG (/etc/igmpproxy.conf), mode 0644 so that
#     the unit's user can read it, unless a CONFIG exists already (never overwritten).
# Only for an install into the live system: meson skips it when DESTDIR is set (a staging
# tree, a package build: the package's own scripts do this on the target), and it checks
# again itself. Without root (a prefix in a home directory) it does nothing. Meson shows its
# output only when it fails.
set -eu
entry=$1 catalogdir=$2 config=$3 example=$4

if [ -n "${DESTDIR:-}" ] ||
        [ "${MESON_INSTALL_DESTDIR_PREFIX:-}" != "${MESON_INSTALL_PREFIX:-}" ]; then
        echo "igmpproxy: DESTDIR is set, not running systemd-sysusers or journalctl --update-catalog," \
                "not installing $config"
        exit 0
fi
if [ "$(id -u)" != 0 ]; then
        echo "igmpproxy: not root, skipped: systemd-sysusers $entry; journalctl --update-catalog;" \
                "installing $example as $config"
        exit 0
fi
if command -v systemd-sysusers >/dev/null 2>&1; then
        echo "igmpproxy: systemd-sysusers $entry"
        systemd-sysusers "$entry"
else
        echo "igmpproxy: no systemd-sysusers here: create the system user igmpproxy (see $entry)" >&2
fi
if command -v journalctl >/dev/null 2>&1; then
        echo "igmpproxy: journalctl --update-catalog ($catalogdir)"
        journalctl --update-catalog
fi
if [ -e "$config" ]; then
        echo "igmpproxy: $config exists, left as it is (the example is $example)"
else
        install -D -m 0644 "$example" "$config"
        echo "igmpproxy: installed the example as $config: set the interface names in it" \
                "(igmpproxy --test-config $config)"
fi
