/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-util.c - Check suite for src/util.c: IPv4 address and prefix parsing
 * and formatting, time spans, booleans, unsigned integers and the PRNG.
 *
 * Not covered: the inline helpers in util.h beyond what the parsers use
 * (they are exercised by the other suites).
 */
#include <check.h>

#include "run-suite.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

/* ---- in4 -------------------------------------------------------------- */

START_TEST(test_in4_from_string_ok) {
        in4_t a = 0;

        ck_assert_int_eq(in4_from_string("239.1.2.3", &a), 0);
        ck_assert_uint_eq(a, IN4(239, 1, 2, 3));
        ck_assert_int_eq(in4_from_string("0.0.0.0", &a), 0);
        ck_assert_uint_eq(a, 0);
        ck_assert_int_eq(in4_from_string("255.255.255.255", &a), 0);
        ck_assert_uint_eq(a, 0xffffffffU);
        ck_assert_int_eq(in4_from_string("10.0.0.1", &a), 0);
        ck_assert_uint_eq(a, 0x0a000001U);
        ck_assert_int_eq(in4_from_string("192.168.100.200", &a), 0);
        ck_assert_uint_eq(a, IN4(192, 168, 100, 200));
}
END_TEST

START_TEST(test_in4_from_string_bad) {
        static const char *const bad[] = {
                "", "1", "1.2", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.256", "1.2.3.1000",
                "1..3.4", ".1.2.3", "1.2.3.", "1.2.3.4 ", " 1.2.3.4", "-1.2.3.4", "+1.2.3.4",
                "1.2.3.4/8", "a.b.c.d", "0x1.2.3.4", "1.2.3.4x", "1,2,3,4", "1.2.3.0004", "999.1.1.1",
        };
        in4_t a = 0x5a5a5a5a;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int r = in4_from_string(bad[i], &a);

                if (r != -EINVAL)
                        ck_abort_msg("in4_from_string(\"%s\") = %d, expected -EINVAL", bad[i], r);
        }
        ck_assert_int_eq(in4_from_string(NULL, &a), -EINVAL);
        /* Failure leaves *ret alone. */
        ck_assert_uint_eq(a, 0x5a5a5a5a);
}
END_TEST

START_TEST(test_in4_to_string) {
        char buf[IN4_STRLEN];
        in4_t back;

        ck_assert_str_eq(in4_to_string(IN4(239, 1, 2, 3), buf), "239.1.2.3");
        ck_assert_str_eq(buf, "239.1.2.3");
        ck_assert_ptr_eq(in4_to_string(0, buf), buf);
        ck_assert_str_eq(buf, "0.0.0.0");
        ck_assert_str_eq(in4_to_string(0xffffffffU, buf), "255.255.255.255");
        ck_assert_str_eq(in4_to_string(IN4(10, 0, 0, 1), buf), "10.0.0.1");
        ck_assert_str_eq(in4_to_string(IN4(1, 20, 100, 0), buf), "1.20.100.0");

        /* Round trip over a spread of addresses. */
        for (uint64_t x = 0; x <= 0xffffffffULL; x += 0x01010101ULL * 7 + 13) {
                ck_assert_int_eq(in4_from_string(in4_to_string((in4_t) x, buf), &back), 0);
                ck_assert_uint_eq(back, (in4_t) x);
        }
}
END_TEST

/* ---- prefixes --------------------------------------------------------- */

START_TEST(test_prefix_ok) {
        Prefix p = {};

        ck_assert_int_eq(prefix_from_string("239.0.0.0/8", &p), 0);
        ck_assert_uint_eq(p.addr, IN4(239, 0, 0, 0));
        ck_assert_uint_eq(p.len, 8);
        ck_assert(prefix_contains(&p, IN4(239, 255, 1, 2)));
        ck_assert(!prefix_contains(&p, IN4(238, 255, 1, 2)));

        ck_assert_int_eq(prefix_from_string("224.0.0.0/4", &p), 0);
        ck_assert_uint_eq(p.addr, IN4(224, 0, 0, 0));
        ck_assert_uint_eq(p.len, 4);
        ck_assert(prefix_contains(&p, IN4(239, 1, 1, 1)));
        ck_assert(!prefix_contains(&p, IN4(240, 0, 0, 0)));

        ck_assert_int_eq(prefix_from_string("0.0.0.0/0", &p), 0);
        ck_assert_uint_eq(p.addr, 0);
        ck_assert_uint_eq(p.len, 0);
        ck_assert(prefix_contains(&p, IN4(1, 2, 3, 4)));
        ck_assert(prefix_contains(&p, 0xffffffffU));

        ck_assert_int_eq(prefix_from_string("239.1.2.3/32", &p), 0);
        ck_assert_uint_eq(p.addr, IN4(239, 1, 2, 3));
        ck_assert_uint_eq(p.len, 32);
        ck_assert(prefix_contains(&p, IN4(239, 1, 2, 3)));
        ck_assert(!prefix_contains(&p, IN4(239, 1, 2, 4)));

        /* No length means /32. */
        ck_assert_int_eq(prefix_from_string("10.1.2.3", &p), 0);
        ck_assert_uint_eq(p.addr, IN4(10, 1, 2, 3));
        ck_assert_uint_eq(p.len, 32);

        ck_assert_int_eq(prefix_from_string("239.255.255.252/30", &p), 0);
        ck_assert_uint_eq(p.len, 30);
        ck_assert_int_eq(prefix_from_string("128.0.0.0/1", &p), 0);
        ck_assert_uint_eq(p.addr, 0x80000000U);
        ck_assert_uint_eq(p.len, 1);
}
END_TEST

START_TEST(test_prefix_bad) {
        static const char *const bad[] = {
                "239.1.2.3/8",      /* host bits set */
                "1.2.3.4/0",        /* host bits set, /0 */
                "239.0.0.1/31",
                "128.0.0.0/0",
                "0.0.0.1/1",
                "1.2.3.4/33",
                "1.2.3.4/",
                "1.2.3.4/-1",
                "1.2.3.4/ 8",
                "1.2.3.4/8x",
                "1.2.3.4/8/8",
                "/8",
                "",
                "1.2.3/24",
                "300.0.0.0/8",
                "not-an-address/8",
                "0000000000000000000000000001.2.3.4/32", /* longer than any address */
        };
        Prefix p = { .addr = 0x5a5a5a5a, .len = 7 };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int r = prefix_from_string(bad[i], &p);

                if (r != -EINVAL)
                        ck_abort_msg("prefix_from_string(\"%s\") = %d, expected -EINVAL", bad[i], r);
        }
        ck_assert_int_eq(prefix_from_string(NULL, &p), -EINVAL);
        ck_assert_uint_eq(p.addr, 0x5a5a5a5a);
        ck_assert_uint_eq(p.len, 7);
}
END_TEST

START_TEST(test_prefix_mask) {
        ck_assert_uint_eq(prefix_mask(0), 0);
        ck_assert_uint_eq(prefix_mask(1), 0x80000000U);
        ck_assert_uint_eq(prefix_mask(8), 0xff000000U);
        ck_assert_uint_eq(prefix_mask(24), 0xffffff00U);
        ck_assert_uint_eq(prefix_mask(31), 0xfffffffeU);
        ck_assert_uint_eq(prefix_mask(32), 0xffffffffU);
}
END_TEST

/* ---- time spans ------------------------------------------------------- */

START_TEST(test_timespan_ok) {
        static const struct {
                const char *s;
                usec_t v;
        } ok[] = {
                { "10", 10 * USEC_PER_SEC },
                { "0", 0 },
                { "10s", 10 * USEC_PER_SEC },
                { "10 s", 10 * USEC_PER_SEC },
                { "10sec", 10 * USEC_PER_SEC },
                { "1second", USEC_PER_SEC },
                { "3seconds", 3 * USEC_PER_SEC },
                { "500ms", 500 * USEC_PER_MSEC },
                { "500msec", 500 * USEC_PER_MSEC },
                { "2min", 120 * USEC_PER_SEC },
                { "2m", 120 * USEC_PER_SEC },
                { "1minute", 60 * USEC_PER_SEC },
                { "2minutes", 120 * USEC_PER_SEC },
                { "1min 30s", 90 * USEC_PER_SEC },
                { "1min30s", 90 * USEC_PER_SEC },
                { "  1min \t 30s  ", 90 * USEC_PER_SEC },
                { "1h", 3600 * USEC_PER_SEC },
                { "1hr", 3600 * USEC_PER_SEC },
                { "2hours", 7200 * USEC_PER_SEC },
                { "1h 1m 1s 1ms 1us", 3661 * USEC_PER_SEC + 1001 },
                { "250us", 250 },
                { "250usec", 250 },
                { "125", 125 * USEC_PER_SEC },
                { "1s 500ms", 1500 * USEC_PER_MSEC },
                { "0ms", 0 },
                /* Fractions, as systemd.time(7) allows: "25.5s" is 25,500 ms. */
                { "25.5s", 25500 * USEC_PER_MSEC },
                { "0.5", 500 * USEC_PER_MSEC },
                { "1.25 min", 75 * USEC_PER_SEC },
                { "0.1ms", 100 },
                { "1.0000009s", USEC_PER_SEC },   /* below 1 us: dropped */
                { "2.5us", 2 },
                { "0.001us", 0 },
                { "1.5h 0.5s", 5400 * USEC_PER_SEC + 500 * USEC_PER_MSEC },
        };

        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                usec_t v = 12345;
                int r = parse_timespan(ok[i].s, &v);

                if (r != 0 || v != ok[i].v)
                        ck_abort_msg("parse_timespan(\"%s\") = %d, %llu; expected %llu", ok[i].s, r,
                                     (unsigned long long) v, (unsigned long long) ok[i].v);
        }
}
END_TEST

START_TEST(test_timespan_bad) {
        static const char *const bad[] = {
                "", "   ", "garbage", "s", "ms", "10x", "10 parsecs", "10sx", "-1s", "+1s",
                "1min garbage", "1d", "10,5", "1s ms", "0x10", ".5s", "1.s", "1.", "1.5.5s", "1 .5s",
                "1.-5s", "1.5e3s",
        };
        usec_t v = 4242;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int r = parse_timespan(bad[i], &v);

                if (r != -EINVAL)
                        ck_abort_msg("parse_timespan(\"%s\") = %d, expected -EINVAL", bad[i], r);
        }
        ck_assert_int_eq(parse_timespan(NULL, &v), -EINVAL);
        ck_assert_uint_eq(v, 4242);
}
END_TEST

START_TEST(test_timespan_overflow) {
        usec_t v = 4242;

        /* 2^64 usec is about 584942 years. */
        ck_assert_int_eq(parse_timespan("99999999999999999999999", &v), -ERANGE);
        ck_assert_int_eq(parse_timespan("100000000000", &v), -ERANGE);
        ck_assert_int_eq(parse_timespan("6000000000h", &v), -ERANGE);
        ck_assert_int_eq(parse_timespan("5124095577h", &v), -ERANGE);
        /* Each term fits, the sum does not. */
        ck_assert_int_eq(parse_timespan("3000000000h 3000000000h", &v), -ERANGE);
        /* ... also when only the fraction does not fit. */
        ck_assert_int_eq(parse_timespan("5124095576h 0.9999h", &v), -ERANGE);
        ck_assert_uint_eq(v, 4242);
        /* Large but representable: floor(2^64 / 3.6e9) hours. */
        ck_assert_int_eq(parse_timespan("5124095576h", &v), 0);
        ck_assert_uint_eq(v, 5124095576ULL * 3600 * USEC_PER_SEC);
        ck_assert_int_eq(parse_timespan("3000000000h", &v), 0);
        ck_assert_uint_eq(v, 3000000000ULL * 3600 * USEC_PER_SEC);
        ck_assert_int_eq(parse_timespan("1000000000us", &v), 0);
        ck_assert_uint_eq(v, 1000 * USEC_PER_SEC);
}
END_TEST

/* ---- booleans and integers -------------------------------------------- */

START_TEST(test_boolean) {
        static const char *const yes[] = { "1", "yes", "YES", "Yes", "y", "true", "TRUE", "t", "on", "ON" };
        static const char *const no[] = { "0", "no", "NO", "n", "false", "False", "f", "off", "OFF" };
        static const char *const bad[] = { "", "2", "yess", "ye", "nope", " yes", "yes ", "of", "-1", "enable" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (parse_boolean(yes[i]) != 1)
                        ck_abort_msg("parse_boolean(\"%s\") != 1", yes[i]);
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (parse_boolean(no[i]) != 0)
                        ck_abort_msg("parse_boolean(\"%s\") != 0", no[i]);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (parse_boolean(bad[i]) != -EINVAL)
                        ck_abort_msg("parse_boolean(\"%s\") != -EINVAL", bad[i]);
        ck_assert_int_eq(parse_boolean(NULL), -EINVAL);
}
END_TEST

START_TEST(test_uint) {
        unsigned long v = 77;
        char buf[32];

        ck_assert_int_eq(parse_uint("0", 10, &v), 0);
        ck_assert_uint_eq(v, 0);
        ck_assert_int_eq(parse_uint("42", 100, &v), 0);
        ck_assert_uint_eq(v, 42);
        ck_assert_int_eq(parse_uint("100", 100, &v), 0);
        ck_assert_uint_eq(v, 100);
        ck_assert_int_eq(parse_uint("007", 10, &v), 0);
        ck_assert_uint_eq(v, 7);

        v = 77;
        ck_assert_int_eq(parse_uint("101", 100, &v), -ERANGE);
        ck_assert_int_eq(parse_uint("1", 0, &v), -ERANGE);
        ck_assert_int_eq(parse_uint("99999999999999999999999", ULONG_MAX, &v), -ERANGE);
        ck_assert_uint_eq(v, 77);

        ck_assert_int_eq(parse_uint("", 100, &v), -EINVAL);
        ck_assert_int_eq(parse_uint("-1", 100, &v), -EINVAL);
        ck_assert_int_eq(parse_uint("+1", 100, &v), -EINVAL);
        ck_assert_int_eq(parse_uint(" 1", 100, &v), -EINVAL);
        ck_assert_int_eq(parse_uint("1 ", 100, &v), -EINVAL);
        ck_assert_int_eq(parse_uint("12a", 100, &v), -EINVAL);
        ck_assert_int_eq(parse_uint("0x10", 100, &v), -EINVAL);
        ck_assert_int_eq(parse_uint("1.0", 100, &v), -EINVAL);
        ck_assert_int_eq(parse_uint(NULL, 100, &v), -EINVAL);
        ck_assert_uint_eq(v, 77);

        /* The full range: ULONG_MAX parses, one more does not. */
        snprintf(buf, sizeof buf, "%lu", ULONG_MAX);
        ck_assert_int_eq(parse_uint(buf, ULONG_MAX, &v), 0);
        ck_assert_uint_eq(v, ULONG_MAX);
        snprintf(buf, sizeof buf, "%lu", ULONG_MAX - 1);
        ck_assert_int_eq(parse_uint(buf, ULONG_MAX, &v), 0);
        ck_assert_uint_eq(v, ULONG_MAX - 1);
        snprintf(buf, sizeof buf, "%lu", ULONG_MAX / 10 * 10 + 0);
        ck_assert_int_eq(parse_uint(buf, ULONG_MAX, &v), 0);
        ck_assert_uint_eq(v, ULONG_MAX / 10 * 10);
        snprintf(buf, sizeof buf, "%lu0", ULONG_MAX / 10 + 1);
        ck_assert_int_eq(parse_uint(buf, ULONG_MAX, &v), -ERANGE);
        /* ULONG_MAX + 1 spelled out: last digit bumped. */
        snprintf(buf, sizeof buf, "%lu", ULONG_MAX);
        buf[strlen(buf) - 1]++;
        ck_assert_int_eq(parse_uint(buf, ULONG_MAX, &v), -ERANGE);
}
END_TEST

/* ---- PRNG ------------------------------------------------------------- */

START_TEST(test_rng_known_values) {
        Rng r;

        /* xorshift64* (shifts 12, 25, 27; multiplier 0x2545f4914f6cdd1d),
         * values computed independently. */
        rng_seed(&r, 1);
        ck_assert_uint_eq(rng_next(&r), 0x47e4ce4b896cdd1dULL);
        ck_assert_uint_eq(rng_next(&r), 0xabcfa6a8e079651dULL);
        ck_assert_uint_eq(rng_next(&r), 0xb9d10d8feb731f57ULL);
        rng_seed(&r, 42);
        ck_assert_uint_eq(rng_next(&r), 0x56ce4ab7719ba3a0ULL);
        ck_assert_uint_eq(rng_next(&r), 0xc841eb53ebbb2ddaULL);
}
END_TEST

START_TEST(test_rng_determinism) {
        Rng a, b, c;
        bool differs = false;

        rng_seed(&a, 0xdeadbeef);
        rng_seed(&b, 0xdeadbeef);
        rng_seed(&c, 0xdeadbef0);
        for (int i = 0; i < 1000; i++) {
                uint64_t x = rng_next(&a);

                ck_assert_uint_eq(x, rng_next(&b));
                if (x != rng_next(&c))
                        differs = true;
        }
        ck_assert(differs);

        /* Re-seeding restarts the sequence. */
        rng_seed(&a, 7);
        uint64_t first = rng_next(&a);
        rng_next(&a);
        rng_seed(&a, 7);
        ck_assert_uint_eq(rng_next(&a), first);
}
END_TEST

START_TEST(test_rng_zero_seed) {
        Rng r;
        uint64_t prev;

        /* Seed 0 must not leave the xorshift state at 0 (it would stay 0). */
        rng_seed(&r, 0);
        ck_assert_uint_ne(r.s, 0);
        prev = rng_next(&r);
        ck_assert_uint_ne(prev, 0);
        for (int i = 0; i < 100; i++) {
                uint64_t x = rng_next(&r);

                ck_assert_uint_ne(x, prev);
                ck_assert_uint_ne(r.s, 0);
                prev = x;
        }
}
END_TEST

START_TEST(test_rng_below) {
        unsigned hits[10] = {};
        Rng r;

        rng_seed(&r, 12345);
        ck_assert_uint_eq(rng_below(&r, 0), 0);
        for (int i = 0; i < 1000; i++)
                ck_assert_uint_eq(rng_below(&r, 1), 0);
        for (int i = 0; i < 10000; i++) {
                uint64_t x = rng_below(&r, 10);

                ck_assert_uint_lt(x, 10);
                hits[x]++;
        }
        /* Every value shows up, roughly uniformly (expected 1000 each). */
        for (int i = 0; i < 10; i++) {
                ck_assert_uint_gt(hits[i], 800);
                ck_assert_uint_lt(hits[i], 1200);
        }
        for (int i = 0; i < 10000; i++) {
                ck_assert_uint_lt(rng_below(&r, 3), 3);
                ck_assert_uint_lt(rng_below(&r, UINT64_MAX), UINT64_MAX);
        }
        /* Same seed, same draws. */
        {
                Rng a, b;

                rng_seed(&a, 99);
                rng_seed(&b, 99);
                for (int i = 0; i < 100; i++)
                        ck_assert_uint_eq(rng_below(&a, 1000), rng_below(&b, 1000));
        }
}
END_TEST

/* Interface names are bytes; D-Bus strings and JSON must be UTF-8. */
START_TEST(test_utf8_escape) {
        char buf[UTF8_ESCAPED_IFNAME];
        const char *plain = "vlan2", *accent = "eth\xc3\xa9"; /* "eth" + U+00E9 */

        ck_assert_ptr_eq(utf8_escape(plain, buf, sizeof buf), plain); /* valid: as is, no copy */
        ck_assert_ptr_eq(utf8_escape(accent, buf, sizeof buf), accent);
        ck_assert_str_eq(utf8_escape("w\xffx", buf, sizeof buf), "w\\xffx");
        ck_assert_str_eq(utf8_escape("\xc3", buf, sizeof buf), "\\xc3");              /* truncated sequence */
        ck_assert_str_eq(utf8_escape("\xc0\xaf", buf, sizeof buf), "\\xc0\\xaf");     /* overlong "/" */
        ck_assert_str_eq(utf8_escape("\xed\xa0\x80", buf, sizeof buf), "\\xed\\xa0\\x80"); /* surrogate */
        ck_assert_str_eq(utf8_escape("a\xc3\xa9\xfe", buf, sizeof buf), "a\xc3\xa9\\xfe"); /* valid kept */
        /* The longest name (15 bytes, none valid) fits. */
        ck_assert_str_eq(utf8_escape("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", buf,
                                     sizeof buf),
                         "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff");
        ck_assert_uint_eq(utf8_sequence_len((const unsigned char *) "\xf4\x8f\xbf\xbf"), 4); /* U+10FFFF */
        ck_assert_uint_eq(utf8_sequence_len((const unsigned char *) "\xf4\x90\x80\x80"), 0); /* above */
}
END_TEST

static Suite *util_suite(void) {
        Suite *s = suite_create("util");
        TCase *tc;

        tc = tcase_create("in4");
        tcase_add_test(tc, test_in4_from_string_ok);
        tcase_add_test(tc, test_in4_from_string_bad);
        tcase_add_test(tc, test_in4_to_string);
        tcase_add_test(tc, test_prefix_ok);
        tcase_add_test(tc, test_prefix_bad);
        tcase_add_test(tc, test_prefix_mask);
        suite_add_tcase(s, tc);

        tc = tcase_create("parse");
        tcase_add_test(tc, test_timespan_ok);
        tcase_add_test(tc, test_timespan_bad);
        tcase_add_test(tc, test_timespan_overflow);
        tcase_add_test(tc, test_boolean);
        tcase_add_test(tc, test_uint);
        suite_add_tcase(s, tc);

        tc = tcase_create("rng");
        tcase_add_test(tc, test_rng_known_values);
        tcase_add_test(tc, test_rng_determinism);
        tcase_add_test(tc, test_rng_zero_seed);
        tcase_add_test(tc, test_rng_below);
        tcase_add_test(tc, test_utf8_escape);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        return run_suite(util_suite());
}
