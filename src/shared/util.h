/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * util.h - small helpers shared by every layer: cleanup attributes, time
 * units, IPv4 addresses in host byte order, prefixes.
 *
 * Convention: inside the program an IPv4 address is a uint32_t in host byte
 * order (so comparisons like "lower address wins" are plain integer compares).
 * Conversion happens only where bytes meet the wire or the kernel.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _warn_unused_result_ __attribute__((warn_unused_result))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

typedef uint64_t usec_t;
#define USEC_INFINITY ((usec_t) UINT64_MAX)
#define USEC_PER_MSEC ((usec_t) 1000ULL)
#define USEC_PER_SEC ((usec_t) 1000000ULL)

static inline void freep(void *p) {
        free(*(void **) p);
}

static inline void *mfree(void *p) {
        free(p);
        return NULL;
}

/* Hands a pointer over: returns it and sets the variable to NULL. */
#define TAKE_PTR(p)                          \
        ({                                   \
                __typeof__(p) _p_ = (p);     \
                (p) = NULL;                  \
                _p_;                         \
        })

static inline void closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}

/* IPv4 helpers (host byte order). */
typedef uint32_t in4_t;

#define IN4(a, b, c, d) ((in4_t) (((uint32_t) (a) << 24) | ((uint32_t) (b) << 16) | ((uint32_t) (c) << 8) | (uint32_t) (d)))
#define IN4_ALL_SYSTEMS IN4(224, 0, 0, 1)    /* general queries go here */
#define IN4_ALL_ROUTERS IN4(224, 0, 0, 2)    /* IGMPv2 leaves go here */
#define IN4_IGMPV3_ROUTERS IN4(224, 0, 0, 22) /* IGMPv3 reports go here */

static inline bool in4_is_multicast(in4_t a) {
        return (a >> 28) == 0xe;
}

/* 224.0.0.0/24: link-local control groups, never proxied (RFC 5771). */
static inline bool in4_is_link_local_multicast(in4_t a) {
        return (a >> 8) == (IN4(224, 0, 0, 0) >> 8);
}

/* Formats into a caller-provided buffer of at least IN4_STRLEN bytes. */
#define IN4_STRLEN 16
const char *in4_to_string(in4_t a, char buf[static IN4_STRLEN]);

/* Length of the valid UTF-8 sequence at s (1..4), 0 if s does not start one
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF). */
size_t utf8_sequence_len(const unsigned char *s);
/* s itself when it is valid UTF-8; otherwise buf with each byte that is not
 * part of a valid sequence written as the four characters \xNN (D-Bus
 * strings must be UTF-8; Linux interface names need not be). An interface
 * name (< IFNAMSIZ bytes) fits in UTF8_ESCAPED_IFNAME bytes. */
#define UTF8_ESCAPED_IFNAME (4 * 16 + 1)
const char *utf8_escape(const char *s, char *buf, size_t n);
/* Parses dotted quad; returns 0 or -EINVAL. Strict: exactly 4 decimal parts 0..255. */
int in4_from_string(const char *s, in4_t *ret);

typedef struct Prefix {
        in4_t addr; /* already masked */
        uint8_t len; /* 0..32 */
} Prefix;

static inline in4_t prefix_mask(uint8_t len) {
        return len == 0 ? 0 : (in4_t) (0xffffffffU << (32 - len));
}

static inline bool prefix_contains(const Prefix *p, in4_t a) {
        return (a & prefix_mask(p->len)) == p->addr;
}

/* "a.b.c.d/len" or "a.b.c.d" (len 32). Host bits set are an error (-EINVAL)
 * so that typos like 239.1.2.3/8 are caught. */
int prefix_from_string(const char *s, Prefix *ret);

/* Time spans the systemd way: "10" (seconds), "10s", "500ms", "2min", "1h",
 * "1min 30s", "250us". Returns 0 or -EINVAL / -ERANGE. */
int parse_timespan(const char *s, usec_t *ret);

/* Booleans the systemd way: yes/no, true/false, on/off, 1/0. 1, 0, or -EINVAL. */
int parse_boolean(const char *s);

/* Unsigned decimal integer, whole string, no sign; -EINVAL / -ERANGE. */
int parse_uint(const char *s, unsigned long max, unsigned long *ret);

/* Seeded, deterministic PRNG for the core (xorshift64*). Never 0 state. */
typedef struct Rng {
        uint64_t s;
} Rng;
void rng_seed(Rng *r, uint64_t seed);
uint64_t rng_next(Rng *r);
/* Uniform in [0, n) ; n == 0 returns 0. */
uint64_t rng_below(Rng *r, uint64_t n);
