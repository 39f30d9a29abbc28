/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * manager-status.c - the one-line STATUS= that `systemctl status` shows:
 * groups joined, listeners per downstream link, the refresh setting, the
 * interfaces waited for and a rejected reload. Rebuilt only when what it is
 * made of changes. Reads the manager and the core; changes nothing.
 */
#include "manager.h"

#include <inttypes.h>
#include <stdio.h>

#include <systemd/sd-daemon.h>

/* What STATUS= is made of, folded into one number: the text is rebuilt only
 * when this changes, not after every report (it cost half of the daemon's
 * instructions per report when rebuilt each time). */
static uint64_t status_fingerprint(Manager *m) {
        uint64_t h = 1469598103934665603ULL;
#define MIX(x) (h = (h ^ (uint64_t) (x)) * 1099511628211ULL)
        MIX(proxy_n_joined(m->proxy));
        MIX((uintptr_t) m->config);
        MIX((uintptr_t) m->reload_error);
        for (int v = 0; v < PROXY_MAX_VIFS; v++)
                if (m->vifs[v].active) {
                        MIX(v);
                        MIX(m->vifs[v].ifindex);
                        MIX(proxy_n_listeners(m->proxy, v));
                }
        for (size_t k = 0; k < m->n_waits; k++)
                MIX((uintptr_t) m->waits[k].reason);
#undef MIX
        return h;
}

void manager_update_status(Manager *m) {
        char buf[512], *p = buf;
        size_t left = sizeof buf;
        uint64_t fp;
        int n;

        if (!m->proxy || m->stopping)
                return;
        fp = status_fingerprint(m);
        if (m->status && fp == m->status_fingerprint)
                return;
        m->status_fingerprint = fp;
        n = snprintf(p, left, "%zu group%s", proxy_n_joined(m->proxy), proxy_n_joined(m->proxy) == 1 ? "" : "s");
        p += n;
        left -= (size_t) n;
        for (int v = 0; v < PROXY_MAX_VIFS && left > 64; v++)
                if (m->vifs[v].active && m->vifs[v].role == ROLE_DOWNSTREAM) {
                        n = snprintf(p, left, ", %zu on %s", proxy_n_listeners(m->proxy, v), m->vifs[v].name);
                        p += n;
                        left -= (size_t) n;
                }
        if (left > 64) {
                if (m->config->refresh == REFRESH_NO)
                        n = snprintf(p, left, ", refresh off");
                else
                        n = snprintf(p, left, ", refresh%s every %" PRIu64 "s",
                                     m->config->refresh == REFRESH_AUTO ? " (auto)" : "",
                                     m->config->refresh_interval / USEC_PER_SEC);
                p += n;
                left -= (size_t) n;
        }
        for (size_t k = 0; k < m->n_waits && left > 48; k++)
                if (m->waits[k].reason && (m->waits[k].vif_failed || config_find_iface(m->config, m->waits[k].name))) {
                        n = snprintf(p, left, "; waiting for %s (%s)", m->waits[k].name, m->waits[k].reason);
                        if (n < 0 || (size_t) n >= left)
                                n = (int) left - 1; /* truncated: the buffer is full */
                        p += n;
                        left -= (size_t) n;
                }
        if (m->reload_error && left > 32)
                snprintf(p, left, "; reload failed, old configuration kept: %s", m->reload_error);
        if (m->status && strcmp(m->status, buf) == 0)
                return;
        free(m->status);
        m->status = strdup(buf);
        (void) sd_notifyf(false, "STATUS=%s", buf);
}

