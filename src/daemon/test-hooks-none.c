/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-hooks-none.c - the shipped twin of test-hooks.c: no hook. SIGUSR1 and
 * SIGUSR2 are ignored, as they always were, rather than ending the daemon.
 */
#include "test-hooks.h"

#include <signal.h>

const int test_hooks_built = 0;

int test_hooks_setup(Manager *m) {
        (void) m;
        signal(SIGUSR1, SIG_IGN);
        signal(SIGUSR2, SIG_IGN);
        return 0;
}
