/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-hooks.c - faults for the watchdog tests, built only with
 * -Dtest-hooks=true (the test build) and armed only with
 * $IGMPPROXY_TEST_HOOKS=1 in the daemon's environment:
 *   SIGUSR1  the core's timer stops being served while the loop goes on
 *            (the watchdog must notice: proxy_overdue());
 *   SIGUSR2  the loop hangs (bounded to 120 s).
 * Without the variable, both signals are ignored as in the shipped build.
 */
#include "test-hooks.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "manager.h"

const int test_hooks_built = 1;

static int on_hook(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        if (si->ssi_signo == SIGUSR1) {
                log_warning("Test hook: no longer serving protocol timers");
                sd_event_source_set_enabled(m->timer_source, SD_EVENT_OFF);
                m->timer_source = sd_event_source_disable_unref(m->timer_source);
                return 0;
        }
        log_warning("Test hook: stalling the event loop");
        for (int k = 0; k < 1200; k++)
                usleep(100 * 1000);
        return 0;
}

int test_hooks_setup(Manager *m) {
        const char *on = getenv("IGMPPROXY_TEST_HOOKS");
        sigset_t ss;
        int r;

        if (!on || strcmp(on, "1") != 0) {
                signal(SIGUSR1, SIG_IGN);
                signal(SIGUSR2, SIG_IGN);
                return 0;
        }
        sigemptyset(&ss);
        sigaddset(&ss, SIGUSR1);
        sigaddset(&ss, SIGUSR2);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        if ((r = sd_event_add_signal(m->event, NULL, SIGUSR1, on_hook, m)) < 0 ||
            (r = sd_event_add_signal(m->event, NULL, SIGUSR2, on_hook, m)) < 0)
                return r;
        log_warning("IGMPPROXY_TEST_HOOKS=1: test-only stall hooks on SIGUSR1/SIGUSR2 are armed");
        return 0;
}
