/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-common.h - shared by the libFuzzer targets in tests/fuzz/ (see run-fuzz.sh).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define fuzz_assert(x)                                                          \
        do {                                                                    \
                if (!(x)) {                                                     \
                        fprintf(stderr, "%s:%d: invariant failed: %s\n",        \
                                __FILE__, __LINE__, #x);                        \
                        abort();                                                \
                }                                                               \
        } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
