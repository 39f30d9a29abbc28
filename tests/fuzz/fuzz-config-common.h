/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-config-common.h - the body of fuzz-config-ini.c and fuzz-config-legacy.c.
 *
 * The input is appended to a forced first line (FUZZ_CONFIG_PREFIX, which picks the reader:
 * "[Proxy]" for INI, "quickleave" for the legacy syntax) and handed to config_parse_string().
 * Invariants:
 *   - a refusal returns a negative errno and an error message "fuzz.conf:..." (only -ENOMEM
 *     may come without one), and no Config;
 *   - an accepted file prints (config_to_string) as INI that config_parse_string() accepts
 *     again and that prints the same again: the round trip. The first line of the dump names
 *     the syntax read ("(legacy syntax)"), so it is left out of the comparison;
 *   - config_dup() of the accepted Config prints the same as the original.
 * Any violation: abort(), which libFuzzer reports as a crash.
 */
#pragma once

#include <errno.h>
#include <string.h>

#include "config.h"
#include "fuzz-common.h"

#define FUZZ_CONFIG_NAME "fuzz.conf"

/* The dump without its first line ("# Effective configuration, read from ..."). */
static const char *dump_body(const char *s) {
        const char *nl = strchr(s, '\n');

        return nl ? nl + 1 : s;
}

static void report_mismatch(const char *what, const char *a, const char *b) {
        fprintf(stderr, "---- %s: first dump ----\n%s\n---- second dump ----\n%s\n----\n", what, a, b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char prefix[] = FUZZ_CONFIG_PREFIX "\n";
        Config *c = NULL, *c2 = NULL, *d = NULL;
        char *err = NULL, *text, *s1, *s2, *s3;
        size_t len;
        int r;

        len = sizeof prefix - 1 + size;
        /* Exactly len bytes, no terminating NUL: the parser must not read past len. */
        text = malloc(len ? len : 1);
        if (!text)
                return 0;
        memcpy(text, prefix, sizeof prefix - 1);
        if (size > 0)
                memcpy(text + sizeof prefix - 1, data, size);

        r = config_parse_string(text, len, FUZZ_CONFIG_NAME, &c, &err);
        free(text);
        if (r < 0) {
                fuzz_assert(c == NULL);
                fuzz_assert(err != NULL || r == -ENOMEM);
                if (err)
                        fuzz_assert(strncmp(err, FUZZ_CONFIG_NAME ":", strlen(FUZZ_CONFIG_NAME) + 1) == 0);
                free(err);
                return 0;
        }
        fuzz_assert(r == 0);
        fuzz_assert(c != NULL);
        fuzz_assert(err == NULL);
        fuzz_assert(c->legacy == FUZZ_CONFIG_LEGACY);

        s1 = config_to_string(c);
        fuzz_assert(s1 != NULL);

        /* Round trip: the dump is a configuration file itself (INI). */
        r = config_parse_string(s1, strlen(s1), FUZZ_CONFIG_NAME, &c2, &err);
        if (r < 0) {
                fprintf(stderr, "re-parsing the dump failed (%d): %s\n---- dump ----\n%s----\n",
                        r, err ? err : "(no message)", s1);
                abort();
        }
        fuzz_assert(!c2->legacy);
        s2 = config_to_string(c2);
        fuzz_assert(s2 != NULL);
        if (strcmp(dump_body(s1), dump_body(s2)) != 0) {
                report_mismatch("the dump of the re-parsed dump differs", s1, s2);
                abort();
        }

        /* A deep copy prints the same. */
        d = config_dup(c);
        if (d) {
                s3 = config_to_string(d);
                fuzz_assert(s3 != NULL);
                if (strcmp(s1, s3) != 0) {
                        report_mismatch("config_dup() prints differently", s1, s3);
                        abort();
                }
                free(s3);
        }

        free(s1);
        free(s2);
        config_free(d);
        config_free(c2);
        config_free(c);
        return 0;
}
