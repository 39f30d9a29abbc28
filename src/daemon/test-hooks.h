/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-hooks.h - faults the tests inject into a running daemon. Two twins
 * implement it and meson picks one (option test-hooks, off by default):
 * test-hooks.c arms them (with $IGMPPROXY_TEST_HOOKS=1 at run time as well),
 * test-hooks-none.c, in every shipped build, only makes SIGUSR1 and SIGUSR2
 * harmless. The shipped binary contains no hook.
 */
#pragma once

typedef struct Manager Manager;

/* Called once from manager_start(), after the loop's other sources exist. */
int test_hooks_setup(Manager *m);
/* Whether this build has the hooks (igmpproxy --version says so). */
extern const int test_hooks_built;
