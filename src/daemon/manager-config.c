/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * manager-config.c - a new configuration while the daemon runs: the file
 * re-read on SIGHUP or D-Bus Reload(), and the runtime changes D-Bus makes
 * (each a modified copy of the Config swapped in whole, never written to the
 * file). Interfaces whose role or VIF settings changed are re-created; the
 * core applies the rest (reload.c) without touching groups still allowed.
 */
#include "manager.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "messages.h"

int manager_reload(Manager *m, char **ret_error) {
        _cleanup_(config_freep) Config *old = NULL;
        _cleanup_(freep) char *error = NULL;
        Config *new = NULL;
        int r;

        (void) sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64 "\nSTATUS=Reloading configuration",
                          manager_now(m));
        r = config_load(m->config_path, &new, &error);
        if (r < 0) {
                LogContext ctx = { .message_id = MSG_CONFIG_REJECTED };
                log_ctx(LOG_ERR, &ctx, "Configuration not reloaded, keeping the old one: %s",
                        error ? error : strerror(-r));
                free(m->reload_error);
                m->reload_error = error ? strdup(error) : NULL;
                free(m->status); /* force a STATUS= with the reason */
                m->status = NULL;
                manager_update_status(m);
                (void) sd_notify(false, "READY=1");
                if (ret_error)
                        *ret_error = TAKE_PTR(error);
                return r;
        }
        m->reload_error = mfree(m->reload_error);
        if (new->warnings)
                log_warning("%s", new->warnings);

        /* 1. Interfaces that lost their role (or changed it, or their VIF
         *    settings) go first, while the old Config they point to lives. */
        for (int v = 0; v < PROXY_MAX_VIFS; v++) {
                ManagedIface *mi = &m->vifs[v];
                const IfaceConfig *ic;
                if (!mi->active)
                        continue;
                ic = config_find_iface(new, mi->name);
                if (config_iface_role(new, mi->name) != mi->role || (ic ? ic->threshold : 1) != mi->threshold ||
                    (ic ? ic->ratelimit : 0) != mi->ratelimit)
                        manager_remove_vif(m, v, NULL);
        }

        /* 2. The core takes the new settings and filters. */
        old = m->config;
        m->config = new;
        proxy_set_config(m->proxy, new, manager_now(m));
        manager_apply_effects(m);

        /* 3. New interfaces (and the re-created ones) come in. */
        r = manager_add_ifaces(m);
        manager_apply_effects(m);
        if (r < 0)
                log_warning_errno(r, "Some interfaces could not be added after reload: %m");

        LogContext ctx = { .message_id = MSG_CONFIG_RELOADED };
        log_ctx(LOG_INFO, &ctx, "Configuration reloaded from %s", m->config_path);
        manager_notify(m, settings_changed);
        manager_notify(m, interfaces_changed);
        free(m->status);
        m->status = NULL;
        manager_update_status(m);
        (void) sd_notify(false, "READY=1");
        return 0;
}

/* Swaps a modified copy in, as reload does (the core re-arms its schedule). */
static void manager_swap_config(Manager *m, Config *new) {
        _cleanup_(config_freep) Config *old = m->config;

        m->config = new;
        if (m->proxy) {
                proxy_set_config(m->proxy, new, manager_now(m));
                manager_apply_effects(m);
        }
        manager_notify(m, settings_changed);
}

int manager_set_refresh_mode(Manager *m, RefreshMode mode) {
        RefreshMode old = m->config->refresh;
        Config *c;

        if ((unsigned) mode >= _REFRESH_MODE_MAX)
                return -EINVAL;
        if (mode == old)
                return 0;
        c = config_dup(m->config);
        if (!c)
                return -ENOMEM;
        c->refresh = mode;
        manager_swap_config(m, c);
        log_info("Refresh (Movistar+ workaround) set to %s at runtime (until the next reload)",
                 refresh_mode_to_string(mode));
        /* Switched on by hand: the admin expects it to act now, not after InitialDelaySec. */
        if (old == REFRESH_NO && mode == REFRESH_YES)
                (void) manager_refresh_now(m);
        return 1;
}

int manager_set_refresh_interval(Manager *m, usec_t usec) {
        Config *c;

        if (usec < USEC_PER_SEC || usec > 259 * USEC_PER_SEC)
                return -ERANGE;
        if (usec == m->config->refresh_interval)
                return 0;
        c = config_dup(m->config);
        if (!c)
                return -ENOMEM;
        c->refresh_interval = usec;
        manager_swap_config(m, c);
        log_info("Refresh interval set to %" PRIu64 " ms at runtime (until the next reload)", usec / USEC_PER_MSEC);
        return 1;
}

int manager_set_initial_delay(Manager *m, usec_t usec) {
        Config *c;

        if (usec > 259 * USEC_PER_SEC)
                return -ERANGE;
        if (usec == m->config->refresh_initial_delay)
                return 0;
        c = config_dup(m->config);
        if (!c)
                return -ENOMEM;
        c->refresh_initial_delay = usec;
        manager_swap_config(m, c);
        log_info("Refresh initial delay set to %" PRIu64 " ms at runtime (until the next reload)",
                 usec / USEC_PER_MSEC);
        return 1;
}

int manager_set_report_version(Manager *m, unsigned version) {
        Config *c;

        if (version < 1 || version > 3)
                return -EINVAL;
        if (version == m->config->report_version)
                return 0;
        c = config_dup(m->config);
        if (!c)
                return -ENOMEM;
        c->report_version = version;
        manager_swap_config(m, c);
        log_info("Upstream report version set to IGMPv%u at runtime (until the next reload)", version);
        return 1;
}

int manager_refresh_now(Manager *m) {
        if (!m->proxy || manager_upstream_vif(m) < 0)
                return -ENOTCONN;
        proxy_refresh_now(m->proxy, manager_now(m));
        manager_apply_effects(m);
        return 0;
}

