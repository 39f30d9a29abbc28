/* SPDX-License-Identifier: GPL-2.0-or-later */
/* run-suite.h - the one main() body every Check suite here shares. */
#pragma once

#include <check.h>
#include <stdlib.h>

/* Runs every test of s; exit status for main(): success only if none failed. */
static inline int run_suite(Suite *s) {
        SRunner *sr = srunner_create(s);
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
