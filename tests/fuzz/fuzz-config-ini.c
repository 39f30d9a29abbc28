/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-config-ini.c - libFuzzer target for the INI configuration reader: the input follows a
 * forced first line "[Proxy]", so the INI reader (config-ini.c: libinih fed line by line) runs.
 * Invariants (round trip through config_to_string()): see fuzz-config-common.h.
 * Build and run: tests/fuzz/run-fuzz.sh.
 */
#define FUZZ_CONFIG_PREFIX "[Proxy]"
#define FUZZ_CONFIG_LEGACY false
#include "fuzz-config-common.h"
