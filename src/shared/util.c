/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * util.c - address, prefix, time-span and number parsing; the core's PRNG.
 * Pure functions: no I/O, no clock, no global state.
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <limits.h>
#include <strings.h>

const char *in4_to_string(in4_t a, char buf[static IN4_STRLEN]) {
        snprintf(buf, IN4_STRLEN, "%u.%u.%u.%u", (a >> 24) & 0xff, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
        return buf;
}

int in4_from_string(const char *s, in4_t *ret) {
        in4_t a = 0;

        if (!s)
                return -EINVAL;
        for (int part = 0; part < 4; part++) {
                unsigned v = 0;
                int digits = 0;

                while (isdigit((unsigned char) *s)) {
                        v = v * 10 + (unsigned) (*s - '0');
                        if (++digits > 3 || v > 255)
                                return -EINVAL;
                        s++;
                }
                if (digits == 0)
                        return -EINVAL;
                a = (a << 8) | v;
                if (part < 3) {
                        if (*s != '.')
                                return -EINVAL;
                        s++;
                }
        }
        if (*s != '\0')
                return -EINVAL;
        *ret = a;
        return 0;
}

int prefix_from_string(const char *s, Prefix *ret) {
        char buf[32];
        const char *slash;
        unsigned long len = 32;
        in4_t a;
        int r;

        if (!s)
                return -EINVAL;
        slash = strchr(s, '/');
        if (slash) {
                size_t n = (size_t) (slash - s);
                if (n >= sizeof buf)
                        return -EINVAL;
                memcpy(buf, s, n);
                buf[n] = '\0';
                r = parse_uint(slash + 1, 32, &len);
                if (r < 0)
                        return -EINVAL;
        } else {
                if (strlen(s) >= sizeof buf)
                        return -EINVAL;
                strcpy(buf, s);
        }
        r = in4_from_string(buf, &a);
        if (r < 0)
                return r;
        if ((a & prefix_mask((uint8_t) len)) != a)
                return -EINVAL;
        *ret = (Prefix) { .addr = a, .len = (uint8_t) len };
        return 0;
}

int parse_uint(const char *s, unsigned long max, unsigned long *ret) {
        unsigned long v = 0;

        if (!s || !*s)
                return -EINVAL;
        for (; *s; s++) {
                unsigned long d;

                if (!isdigit((unsigned char) *s))
                        return -EINVAL;
                d = (unsigned long) (*s - '0');
                /* v * 10 + d <= ULONG_MAX, exactly (ULONG_MAX itself parses) */
                if (v > (ULONG_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        if (v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int parse_boolean(const char *s) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

int parse_timespan(const char *s, usec_t *ret) {
        static const struct {
                const char *suffix;
                usec_t mult;
        } units[] = {
                /* longest first so "ms" is not read as "m" + "s" */
                { "usec", 1 },
                { "msec", USEC_PER_MSEC },
                { "seconds", USEC_PER_SEC },
                { "second", USEC_PER_SEC },
                { "sec", USEC_PER_SEC },
                { "minutes", 60 * USEC_PER_SEC },
                { "minute", 60 * USEC_PER_SEC },
                { "min", 60 * USEC_PER_SEC },
                { "hours", 3600 * USEC_PER_SEC },
                { "hour", 3600 * USEC_PER_SEC },
                { "hr", 3600 * USEC_PER_SEC },
                { "us", 1 },
                { "ms", USEC_PER_MSEC },
                { "s", USEC_PER_SEC },
                { "m", 60 * USEC_PER_SEC },
                { "h", 3600 * USEC_PER_SEC },
        };
        usec_t total = 0;
        bool any = false;

        if (!s)
                return -EINVAL;
        for (;;) {
                unsigned long long v = 0;
                usec_t mult = USEC_PER_SEC;
                int digits = 0;

                while (*s == ' ' || *s == '\t')
                        s++;
                if (*s == '\0')
                        break;
                while (isdigit((unsigned char) *s)) {
                        if (v > 1000000000ULL)
                                return -ERANGE;
                        v = v * 10 + (unsigned long long) (*s - '0');
                        digits++;
                        s++;
                }
                if (digits == 0)
                        return -EINVAL;
                /* A decimal fraction ("25.5s", "0.25"), as systemd reads time spans: at
                 * least one digit on each side of the point; digits below 1 us are dropped. */
                const char *frac = NULL;
                if (*s == '.') {
                        frac = ++s;
                        if (!isdigit((unsigned char) *s))
                                return -EINVAL;
                        while (isdigit((unsigned char) *s))
                                s++;
                }
                while (*s == ' ' || *s == '\t')
                        s++;
                if (isalpha((unsigned char) *s)) {
                        size_t i;
                        for (i = 0; i < ELEMENTSOF(units); i++) {
                                size_t n = strlen(units[i].suffix);
                                if (strncmp(s, units[i].suffix, n) == 0 && !isalpha((unsigned char) s[n])) {
                                        mult = units[i].mult;
                                        s += n;
                                        break;
                                }
                        }
                        if (i == ELEMENTSOF(units))
                                return -EINVAL;
                }
                usec_t part = 0;
                for (usec_t m = mult; frac && isdigit((unsigned char) *frac) && m >= 10; frac++) {
                        m /= 10;
                        part += (usec_t) (*frac - '0') * m;
                }
                if (part > UINT64_MAX - total || v > (UINT64_MAX - total - part) / mult)
                        return -ERANGE;
                total += (usec_t) v * mult + part;
                any = true;
        }
        if (!any)
                return -EINVAL;
        *ret = total;
        return 0;
}

void rng_seed(Rng *r, uint64_t seed) {
        r->s = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

uint64_t rng_next(Rng *r) {
        uint64_t x = r->s;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        r->s = x;
        return x * 0x2545f4914f6cdd1dULL;
}

uint64_t rng_below(Rng *r, uint64_t n) {
        return n == 0 ? 0 : rng_next(r) % n;
}

size_t utf8_sequence_len(const unsigned char *s) {
        size_t len;
        uint32_t c;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf) {
                len = 2;
                c = s[0] & 0x1f;
        } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
                len = 3;
                c = s[0] & 0x0f;
        } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
                len = 4;
                c = s[0] & 0x07;
        } else
                return 0;
        for (size_t k = 1; k < len; k++) {
                if ((s[k] & 0xc0) != 0x80)
                        return 0; /* also stops at the terminating NUL */
                c = (c << 6) | (s[k] & 0x3f);
        }
        if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
                return 0;
        return len;
}

const char *utf8_escape(const char *s, char *buf, size_t n) {
        const unsigned char *p = (const unsigned char *) s;
        size_t o = 0, len;
        bool valid = true;

        for (const unsigned char *q = p; *q; q += len)
                if ((len = utf8_sequence_len(q)) == 0) {
                        valid = false;
                        break;
                }
        if (valid || n == 0)
                return s;
        while (*p && o + 1 < n) {
                len = utf8_sequence_len(p);
                if (len == 0) {
                        if (o + 5 > n)
                                break;
                        snprintf(buf + o, n - o, "\\x%02x", *p);
                        o += 4;
                        p++;
                } else {
                        if (o + len + 1 > n)
                                break;
                        memcpy(buf + o, p, len);
                        o += len;
                        p += len;
                }
        }
        buf[o] = '\0';
        return buf;
}
