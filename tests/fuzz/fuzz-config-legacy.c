/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-config-legacy.c - libFuzzer target for the legacy igmpproxy.conf reader: the input
 * follows a forced first line "quickleave", so the legacy tokenizer and keyword parser run.
 * Invariants (round trip through config_to_string(), whose output is INI): see
 * fuzz-config-common.h. Build and run: tests/fuzz/run-fuzz.sh.
 */
#define FUZZ_CONFIG_PREFIX "quickleave"
#define FUZZ_CONFIG_LEGACY true
#include "fuzz-config-common.h"
