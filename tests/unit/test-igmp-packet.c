/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-igmp-packet.c - Check suite for the IGMP codec (src/igmp-packet.c).
 *
 * Covers: the RFC 1071 checksum against known vectors, the RFC 3376 4.1.1 /
 * 4.1.7 code format, parsing of every message type from hand-written bytes
 * (as a Linux host or router puts them on the wire) and from our own
 * builders, query version detection (RFC 3376 7.1), every rejection reason,
 * the v3 record walk (records of unknown types included, RFC 3376 4.2.12),
 * source lists of queries (with the S flag) and of report records, built and
 * parsed, and ip_parse() including the IP option walk. tests/unit/
 * test-igmp-wire.py has tshark dissect what the builders make.
 *
 * Not covered here: sockets and the glue that counts rejections (they live
 * elsewhere). Hand-written checksums below were computed independently of
 * inet_checksum(); mutated packets get theirs re-computed with fix_csum().
 */
#include <check.h>

#include "run-suite.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "igmp-packet.h"

/* ---- helpers ---------------------------------------------------------- */

/* Recomputes the IGMP checksum of buf[0..len) in place (len >= 4). */
static void fix_csum(uint8_t *buf, size_t len) {
        uint16_t c;

        buf[2] = buf[3] = 0;
        c = inet_checksum(buf, len);
        buf[2] = (uint8_t) (c >> 8);
        buf[3] = (uint8_t) c;
}

/* Copies len bytes into a heap buffer of exactly that size, so that a read
 * past the end is caught when the suite runs under AddressSanitizer. */
static uint8_t *dup_exact(const uint8_t *buf, size_t len) {
        uint8_t *p = malloc(len);  /* glibc and ASan: non-NULL even for 0 */

        ck_assert_ptr_nonnull(p);
        if (len > 0)
                memcpy(p, buf, len);
        return p;
}

/* Parses an exact-size copy; returns the reason (IGMP_PARSE_OK on success). */
static IgmpParseError parse_err(const uint8_t *buf, size_t len) {
        uint8_t *copy = dup_exact(buf, len);
        IgmpMessage m;
        IgmpParseError e = _IGMP_PARSE_ERROR_MAX;
        int r;

        r = igmp_parse(copy, len, &m, &e);
        free(copy);
        if (r == 0)
                ck_assert_int_eq(e, IGMP_PARSE_OK);
        else
                ck_assert_int_eq(r, -EBADMSG);
        return e;
}

/* ip_parse() on an exact-size copy; returns its result. */
static int ip_parse_exact(const uint8_t *buf, size_t len) {
        uint8_t *copy = dup_exact(buf, len);
        IpInfo ip;
        int r;

        r = ip_parse(copy, len, &ip);
        free(copy);
        return r;
}

static void put32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t) (v >> 24);
        p[1] = (uint8_t) (v >> 16);
        p[2] = (uint8_t) (v >> 8);
        p[3] = (uint8_t) v;
}

/* ---- hand-written packets --------------------------------------------- */

/* IGMPv2 report for 239.0.0.1, as "ip maddr add" / a Linux socket join sends. */
static const uint8_t pkt_v2_report[] = { 0x16, 0x00, 0xfa, 0xfd, 0xef, 0x00, 0x00, 0x01 };
/* IGMPv2 leave for 239.0.0.1 (sent to 224.0.0.2). */
static const uint8_t pkt_v2_leave[] = { 0x17, 0x00, 0xf9, 0xfd, 0xef, 0x00, 0x00, 0x01 };
/* IGMPv1 report for 239.255.255.250. */
static const uint8_t pkt_v1_report[] = { 0x12, 0x00, 0xfe, 0x04, 0xef, 0xff, 0xff, 0xfa };
/* IGMPv2 report for 224.0.0.251 (mDNS): link-local, still a valid message. */
static const uint8_t pkt_v2_report_ll[] = { 0x16, 0x00, 0x09, 0x04, 0xe0, 0x00, 0x00, 0xfb };
/* IGMPv1 general query. */
static const uint8_t pkt_v1_query[] = { 0x11, 0x00, 0xee, 0xff, 0x00, 0x00, 0x00, 0x00 };
/* IGMPv2 general query, max resp 10 s: the classic 11 64 ee 9b. */
static const uint8_t pkt_v2_query[] = { 0x11, 0x64, 0xee, 0x9b, 0x00, 0x00, 0x00, 0x00 };
/* IGMPv2 group-specific query for 239.1.1.1, max resp 1 s. */
static const uint8_t pkt_v2_gsq[] = { 0x11, 0x0a, 0xfe, 0xf2, 0xef, 0x01, 0x01, 0x01 };
/* IGMPv3 general query as Linux/mcproxy send it: 10 s, QRV 2, QQIC 125. */
static const uint8_t pkt_v3_query[] = { 0x11, 0x64, 0xec, 0x1e, 0x00, 0x00, 0x00, 0x00,
                                        0x02, 0x7d, 0x00, 0x00 };
/* IGMPv3 group-and-source-specific query for 232.1.1.1, sources 10.0.0.1 and
 * 10.0.0.2, code 0x89 (20 s, RFC 6636 4.2 example), S=1, QRV=3, QQIC 0x89. */
static const uint8_t pkt_v3_gssq[] = { 0x11, 0x89, 0xe5, 0xe5, 0xe8, 0x01, 0x01, 0x01,
                                       0x0b, 0x89, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x01,
                                       0x0a, 0x00, 0x00, 0x02 };
/* IGMPv3 report, Linux host joining 239.1.2.3: one TO_EX({}) record. */
static const uint8_t pkt_v3_join[] = { 0x22, 0x00, 0xe8, 0xf9, 0x00, 0x00, 0x00, 0x01,
                                       0x04, 0x00, 0x00, 0x00, 0xef, 0x01, 0x02, 0x03 };
/* IGMPv3 report, Linux host leaving 239.1.2.3: one TO_IN({}) record. */
static const uint8_t pkt_v3_leave[] = { 0x22, 0x00, 0xe9, 0xf9, 0x00, 0x00, 0x00, 0x01,
                                        0x03, 0x00, 0x00, 0x00, 0xef, 0x01, 0x02, 0x03 };
/* IGMPv3 report answering a query: IS_EX({}) for 239.0.0.1 and
 * IS_IN({192.168.0.1, 192.168.0.2}) for 232.1.1.1. */
static const uint8_t pkt_v3_two[] = { 0x22, 0x00, 0x81, 0xa2, 0x00, 0x00, 0x00, 0x02,
                                      0x02, 0x00, 0x00, 0x00, 0xef, 0x00, 0x00, 0x01,
                                      0x01, 0x00, 0x00, 0x02, 0xe8, 0x01, 0x01, 0x01,
                                      0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0x02 };

/* A whole datagram: IPv4 header with Router Alert (IHL 6, TTL 1, from
 * 10.0.0.2 to 239.0.0.1, total 32) followed by pkt_v2_report. */
static const uint8_t pkt_ip_v2_report[] = {
        0x46, 0xc0, 0x00, 0x20, 0x00, 0x00, 0x40, 0x00, 0x01, 0x02, 0xeb, 0x14,
        0x0a, 0x00, 0x00, 0x02, 0xef, 0x00, 0x00, 0x01, 0x94, 0x04, 0x00, 0x00,
        0x16, 0x00, 0xfa, 0xfd, 0xef, 0x00, 0x00, 0x01,
};

/* ---- checksum --------------------------------------------------------- */

START_TEST(test_checksum_vectors) {
        /* RFC 1071 section 3 example: sum ddf2, checksum ~ddf2. */
        static const uint8_t rfc1071[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
        static const uint8_t carry[] = { 0xff, 0xff, 0x00, 0x01 };
        static const uint8_t ones[] = { 0xff, 0xff };
        static const uint8_t odd[] = { 0x01 };
        static const uint8_t odd3[] = { 0x12, 0x34, 0x56 };
        uint8_t q[8] = { 0x11, 0x64, 0, 0, 0, 0, 0, 0 };

        ck_assert_uint_eq(inet_checksum(rfc1071, sizeof rfc1071), 0x220d);
        ck_assert_uint_eq(inet_checksum(carry, sizeof carry), 0xfffe);
        ck_assert_uint_eq(inet_checksum(ones, sizeof ones), 0x0000);
        ck_assert_uint_eq(inet_checksum(odd, sizeof odd), 0xfeff);
        ck_assert_uint_eq(inet_checksum(odd3, sizeof odd3), (uint16_t) ~(0x1234 + 0x5600));
        ck_assert_uint_eq(inet_checksum(NULL, 0), 0xffff);
        ck_assert_uint_eq(inet_checksum(q, sizeof q), 0xee9b);

        /* A message carrying its correct checksum sums to 0. */
        ck_assert_uint_eq(inet_checksum(pkt_v2_report, sizeof pkt_v2_report), 0);
        ck_assert_uint_eq(inet_checksum(pkt_v3_two, sizeof pkt_v3_two), 0);
        ck_assert_uint_eq(inet_checksum(pkt_v3_gssq, sizeof pkt_v3_gssq), 0);

        /* Large input: 0x10000 bytes of 0xff sum to 0xffff -> 0. */
        uint8_t *big = malloc(0x10000);
        ck_assert_ptr_nonnull(big);
        memset(big, 0xff, 0x10000);
        ck_assert_uint_eq(inet_checksum(big, 0x10000), 0);
        big[0] = 0xfe;
        ck_assert_uint_eq(inet_checksum(big, 0x10000), 0x0100);
        free(big);
}
END_TEST

/* ---- max resp code / QQIC --------------------------------------------- */

START_TEST(test_code_decode_vectors) {
        ck_assert_uint_eq(igmp_decode_code(0), 0);
        ck_assert_uint_eq(igmp_decode_code(1), 1);
        ck_assert_uint_eq(igmp_decode_code(100), 100);
        ck_assert_uint_eq(igmp_decode_code(127), 127);
        ck_assert_uint_eq(igmp_decode_code(0x80), 128);   /* 0x10 << 3 */
        ck_assert_uint_eq(igmp_decode_code(0x81), 136);   /* 0x11 << 3 */
        ck_assert_uint_eq(igmp_decode_code(0x89), 200);   /* RFC 6636 4.2: 20.0 s */
        ck_assert_uint_eq(igmp_decode_code(0x8f), 248);   /* 0x1f << 3 */
        ck_assert_uint_eq(igmp_decode_code(0x90), 256);   /* 0x10 << 4 */
        ck_assert_uint_eq(igmp_decode_code(0xa5), 21 << 5);
        ck_assert_uint_eq(igmp_decode_code(0xf0), 16384); /* 0x10 << 10 */
        ck_assert_uint_eq(igmp_decode_code(0xfe), 30720);
        ck_assert_uint_eq(igmp_decode_code(0xff), 31744); /* 0x1f << 10 */
}
END_TEST

START_TEST(test_code_encode_vectors) {
        ck_assert_uint_eq(igmp_encode_code(0), 0);
        ck_assert_uint_eq(igmp_encode_code(10), 10);
        ck_assert_uint_eq(igmp_encode_code(125), 125);
        ck_assert_uint_eq(igmp_encode_code(127), 127);
        ck_assert_uint_eq(igmp_encode_code(128), 0x80);
        ck_assert_uint_eq(igmp_encode_code(135), 0x80);   /* rounds down to 128 */
        ck_assert_uint_eq(igmp_encode_code(136), 0x81);
        ck_assert_uint_eq(igmp_encode_code(200), 0x89);
        ck_assert_uint_eq(igmp_encode_code(255), 0x8f);   /* -> 248 */
        ck_assert_uint_eq(igmp_encode_code(256), 0x90);
        ck_assert_uint_eq(igmp_encode_code(300), 0x92);   /* -> 288 */
        ck_assert_uint_eq(igmp_encode_code(16383), 0xef); /* -> 15872 */
        ck_assert_uint_eq(igmp_encode_code(16384), 0xf0);
        ck_assert_uint_eq(igmp_encode_code(31743), 0xfe); /* -> 30720 */
        ck_assert_uint_eq(igmp_encode_code(31744), 0xff);
        ck_assert_uint_eq(igmp_encode_code(31745), 0xff); /* clamped */
        ck_assert_uint_eq(igmp_encode_code(100000), 0xff);
        ck_assert_uint_eq(igmp_encode_code(~0U), 0xff);
}
END_TEST

START_TEST(test_code_roundtrip_exhaustive) {
        /* Every code decodes to a distinct, strictly increasing value and
         * encodes back to itself. */
        for (unsigned c = 0; c <= 0xff; c++) {
                ck_assert_uint_eq(igmp_encode_code(igmp_decode_code((uint8_t) c)), c);
                if (c > 0)
                        ck_assert_uint_gt(igmp_decode_code((uint8_t) c), igmp_decode_code((uint8_t) (c - 1)));
        }
        /* Encoding rounds down to the largest representable value <= v and is
         * monotonic. */
        for (unsigned v = 0; v <= 40000; v++) {
                uint8_t c = igmp_encode_code(v);

                ck_assert_uint_le(igmp_decode_code(c), v);
                if (c < 0xff)
                        ck_assert_uint_gt(igmp_decode_code((uint8_t) (c + 1)), v);
                else
                        ck_assert_uint_ge(v, 31744);
                if (v > 0)
                        ck_assert_uint_ge(c, igmp_encode_code(v - 1));
        }
}
END_TEST

/* ---- parsing hand-written packets ------------------------------------- */

START_TEST(test_parse_v2_report) {
        IgmpMessage m;
        IgmpParseError e = IGMP_PARSE_BAD_IP;

        ck_assert_int_eq(igmp_parse(pkt_v2_report, sizeof pkt_v2_report, &m, &e), 0);
        ck_assert_int_eq(e, IGMP_PARSE_OK);
        ck_assert_uint_eq(m.type, IGMP_TYPE_V2_REPORT);
        ck_assert_uint_eq(m.version, 2);
        ck_assert_uint_eq(m.group, IN4(239, 0, 0, 1));
        ck_assert_uint_eq(m.n_records, 0);
        ck_assert_ptr_null(m.records);

        /* ret_error is optional. */
        ck_assert_int_eq(igmp_parse(pkt_v2_report, sizeof pkt_v2_report, &m, NULL), 0);
}
END_TEST

START_TEST(test_parse_v2_leave) {
        IgmpMessage m;

        ck_assert_int_eq(igmp_parse(pkt_v2_leave, sizeof pkt_v2_leave, &m, NULL), 0);
        ck_assert_uint_eq(m.type, IGMP_TYPE_V2_LEAVE);
        ck_assert_uint_eq(m.version, 2);
        ck_assert_uint_eq(m.group, IN4(239, 0, 0, 1));
}
END_TEST

START_TEST(test_parse_v1_report) {
        IgmpMessage m;

        ck_assert_int_eq(igmp_parse(pkt_v1_report, sizeof pkt_v1_report, &m, NULL), 0);
        ck_assert_uint_eq(m.type, IGMP_TYPE_V1_REPORT);
        ck_assert_uint_eq(m.version, 1);
        ck_assert_uint_eq(m.group, IN4(239, 255, 255, 250));
}
END_TEST

START_TEST(test_parse_link_local_report) {
        IgmpMessage m;

        /* 224.0.0.x is filtered by the proxy, not by the codec. */
        ck_assert_int_eq(igmp_parse(pkt_v2_report_ll, sizeof pkt_v2_report_ll, &m, NULL), 0);
        ck_assert_uint_eq(m.group, IN4(224, 0, 0, 251));
        ck_assert(in4_is_link_local_multicast(m.group));
}
END_TEST

START_TEST(test_parse_v1_query) {
        IgmpMessage m;
        uint8_t q[8];

        ck_assert_int_eq(igmp_parse(pkt_v1_query, sizeof pkt_v1_query, &m, NULL), 0);
        ck_assert_uint_eq(m.type, IGMP_TYPE_QUERY);
        ck_assert_uint_eq(m.version, 1);
        ck_assert_uint_eq(m.group, 0);
        ck_assert_uint_eq(m.max_resp_usec, 10 * USEC_PER_SEC);
        ck_assert_uint_eq(m.qrv, 0);
        ck_assert_uint_eq(m.qqi_usec, 0);

        /* RFC 1112: the group field of a v1 query is ignored on receipt,
         * even when it holds garbage. */
        memcpy(q, pkt_v1_query, sizeof q);
        put32(q + 4, IN4(10, 1, 2, 3));
        fix_csum(q, sizeof q);
        ck_assert_int_eq(igmp_parse(q, sizeof q, &m, NULL), 0);
        ck_assert_uint_eq(m.version, 1);
        ck_assert_uint_eq(m.group, 0);
}
END_TEST

START_TEST(test_parse_v2_query) {
        IgmpMessage m;
        uint8_t q[8];

        ck_assert_int_eq(igmp_parse(pkt_v2_query, sizeof pkt_v2_query, &m, NULL), 0);
        ck_assert_uint_eq(m.version, 2);
        ck_assert_uint_eq(m.group, 0);
        ck_assert_uint_eq(m.max_resp_usec, 10 * USEC_PER_SEC);
        ck_assert_uint_eq(m.qrv, 0);
        ck_assert_uint_eq(m.qqi_usec, 0);
        ck_assert(!m.s_flag);

        ck_assert_int_eq(igmp_parse(pkt_v2_gsq, sizeof pkt_v2_gsq, &m, NULL), 0);
        ck_assert_uint_eq(m.version, 2);
        ck_assert_uint_eq(m.group, IN4(239, 1, 1, 1));
        ck_assert_uint_eq(m.max_resp_usec, 1 * USEC_PER_SEC);

        /* v2 codes are linear even at and above 128 (RFC 2236 2.2). */
        memcpy(q, pkt_v2_query, sizeof q);
        q[1] = 0xff;
        fix_csum(q, sizeof q);
        ck_assert_int_eq(igmp_parse(q, sizeof q, &m, NULL), 0);
        ck_assert_uint_eq(m.version, 2);
        ck_assert_uint_eq(m.max_resp_usec, 25500 * USEC_PER_MSEC);
        q[1] = 0x01;
        fix_csum(q, sizeof q);
        ck_assert_int_eq(igmp_parse(q, sizeof q, &m, NULL), 0);
        ck_assert_uint_eq(m.version, 2);
        ck_assert_uint_eq(m.max_resp_usec, 100 * USEC_PER_MSEC);
}
END_TEST

START_TEST(test_parse_v3_query) {
        IgmpMessage m;
        uint8_t q[16];

        ck_assert_int_eq(igmp_parse(pkt_v3_query, sizeof pkt_v3_query, &m, NULL), 0);
        ck_assert_uint_eq(m.type, IGMP_TYPE_QUERY);
        ck_assert_uint_eq(m.version, 3);
        ck_assert_uint_eq(m.group, 0);
        ck_assert_uint_eq(m.max_resp_usec, 10 * USEC_PER_SEC);
        ck_assert_uint_eq(m.qrv, 2);
        ck_assert(!m.s_flag);
        ck_assert_uint_eq(m.qqi_usec, 125 * USEC_PER_SEC);
        ck_assert_uint_eq(m.n_sources, 0);

        ck_assert_int_eq(igmp_parse(pkt_v3_gssq, sizeof pkt_v3_gssq, &m, NULL), 0);
        ck_assert_uint_eq(m.version, 3);
        ck_assert_uint_eq(m.group, IN4(232, 1, 1, 1));
        ck_assert_uint_eq(m.max_resp_usec, 20 * USEC_PER_SEC);
        ck_assert(m.s_flag);
        ck_assert_uint_eq(m.qrv, 3);
        ck_assert_uint_eq(m.qqi_usec, 200 * USEC_PER_SEC);
        ck_assert_uint_eq(m.n_sources, 2);

        /* A v3 query with max resp code 0 is still v3 (length decides). */
        memcpy(q, pkt_v3_query, 12);
        q[1] = 0;
        q[9] = 0;
        fix_csum(q, 12);
        ck_assert_int_eq(igmp_parse(q, 12, &m, NULL), 0);
        ck_assert_uint_eq(m.version, 3);
        ck_assert_uint_eq(m.max_resp_usec, 0);
        ck_assert_uint_eq(m.qqi_usec, 0);

        /* Exponential max resp code: 0xff -> 3174.4 s; reserved bits ignored. */
        q[1] = 0xff;
        q[8] = 0xf7;  /* resv 1111, S 0, QRV 7 */
        q[9] = 0xff;
        fix_csum(q, 12);
        ck_assert_int_eq(igmp_parse(q, 12, &m, NULL), 0);
        ck_assert_uint_eq(m.max_resp_usec, 31744 * (USEC_PER_SEC / 10));
        ck_assert_uint_eq(m.qrv, 7);
        ck_assert(!m.s_flag);
        ck_assert_uint_eq(m.qqi_usec, 31744 * USEC_PER_SEC);

        /* Additional data after the sources is checksummed and ignored
         * (RFC 3376 4.1.10). */
        memcpy(q, pkt_v3_query, 12);
        q[12] = 0xde;
        q[13] = 0xad;
        q[14] = 0xbe;
        q[15] = 0xef;
        fix_csum(q, 16);
        ck_assert_int_eq(igmp_parse(q, 16, &m, NULL), 0);
        ck_assert_uint_eq(m.version, 3);
        ck_assert_uint_eq(m.n_sources, 0);
        q[15] ^= 1;
        ck_assert_int_eq(parse_err(q, 16), IGMP_PARSE_BAD_CHECKSUM);
}
END_TEST

START_TEST(test_parse_v3_report_join_leave) {
        IgmpMessage m;
        IgmpRecord rec;
        size_t cur = 0;

        ck_assert_int_eq(igmp_parse(pkt_v3_join, sizeof pkt_v3_join, &m, NULL), 0);
        ck_assert_uint_eq(m.type, IGMP_TYPE_V3_REPORT);
        ck_assert_uint_eq(m.version, 3);
        ck_assert_uint_eq(m.group, 0);
        ck_assert_uint_eq(m.n_records, 1);
        ck_assert_ptr_eq(m.records, pkt_v3_join + 8);
        ck_assert_uint_eq(m.records_len, 8);
        ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 1);
        ck_assert_uint_eq(rec.type, IGMP_CHANGE_TO_EXCLUDE);
        ck_assert_uint_eq(rec.group, IN4(239, 1, 2, 3));
        ck_assert_uint_eq(rec.n_sources, 0);
        ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 0);

        cur = 0;
        ck_assert_int_eq(igmp_parse(pkt_v3_leave, sizeof pkt_v3_leave, &m, NULL), 0);
        ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 1);
        ck_assert_uint_eq(rec.type, IGMP_CHANGE_TO_INCLUDE);
        ck_assert_uint_eq(rec.group, IN4(239, 1, 2, 3));
        ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 0);
}
END_TEST

START_TEST(test_parse_v3_report_two_records) {
        IgmpMessage m;
        IgmpRecord rec;
        size_t cur = 0;

        ck_assert_int_eq(igmp_parse(pkt_v3_two, sizeof pkt_v3_two, &m, NULL), 0);
        ck_assert_uint_eq(m.n_records, 2);
        ck_assert_uint_eq(m.records_len, sizeof pkt_v3_two - 8);

        ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 1);
        ck_assert_uint_eq(rec.type, IGMP_MODE_IS_EXCLUDE);
        ck_assert_uint_eq(rec.group, IN4(239, 0, 0, 1));
        ck_assert_uint_eq(rec.n_sources, 0);
        ck_assert_uint_eq(igmp_record_source(&rec, 0), 0);

        ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 1);
        ck_assert_uint_eq(rec.type, IGMP_MODE_IS_INCLUDE);
        ck_assert_uint_eq(rec.group, IN4(232, 1, 1, 1));
        ck_assert_uint_eq(rec.n_sources, 2);
        ck_assert_uint_eq(igmp_record_source(&rec, 0), IN4(192, 168, 0, 1));
        ck_assert_uint_eq(igmp_record_source(&rec, 1), IN4(192, 168, 0, 2));
        ck_assert_uint_eq(igmp_record_source(&rec, 2), 0);  /* out of range */

        ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 0);
        ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 0);
        ck_assert_uint_eq(cur, m.records_len);
}
END_TEST

/* ---- builders --------------------------------------------------------- */

START_TEST(test_build_bytes_match_wire) {
        uint8_t b[64];

        memset(b, 0xaa, sizeof b);
        ck_assert_int_eq(igmp_build_report(b, sizeof b, 2, IN4(239, 0, 0, 1)), 8);
        ck_assert_mem_eq(b, pkt_v2_report, 8);
        ck_assert_uint_eq(b[8], 0xaa);  /* nothing written past the message */

        ck_assert_int_eq(igmp_build_report(b, sizeof b, 1, IN4(239, 255, 255, 250)), 8);
        ck_assert_mem_eq(b, pkt_v1_report, 8);

        ck_assert_int_eq(igmp_build_leave(b, sizeof b, 2, IN4(239, 0, 0, 1)), 8);
        ck_assert_mem_eq(b, pkt_v2_leave, 8);

        ck_assert_int_eq(igmp_build_report(b, sizeof b, 3, IN4(239, 1, 2, 3)), 16);
        ck_assert_mem_eq(b, pkt_v3_join, 16);

        ck_assert_int_eq(igmp_build_leave(b, sizeof b, 3, IN4(239, 1, 2, 3)), 16);
        ck_assert_mem_eq(b, pkt_v3_leave, 16);

        ck_assert_int_eq(igmp_build_query(b, sizeof b, 1, 0, 0, 0, 0), 8);
        ck_assert_mem_eq(b, pkt_v1_query, 8);

        ck_assert_int_eq(igmp_build_query(b, sizeof b, 2, 0, 10 * USEC_PER_SEC, 0, 0), 8);
        ck_assert_mem_eq(b, pkt_v2_query, 8);

        ck_assert_int_eq(igmp_build_query(b, sizeof b, 2, IN4(239, 1, 1, 1), 1 * USEC_PER_SEC, 0, 0), 8);
        ck_assert_mem_eq(b, pkt_v2_gsq, 8);

        memset(b, 0xaa, sizeof b);
        ck_assert_int_eq(igmp_build_query(b, sizeof b, 3, 0, 10 * USEC_PER_SEC, 2, 125 * USEC_PER_SEC), 12);
        ck_assert_mem_eq(b, pkt_v3_query, 12);
        ck_assert_uint_eq(b[12], 0xaa);
}
END_TEST

START_TEST(test_build_roundtrip) {
        static const in4_t groups[] = { IN4(224, 0, 0, 251), IN4(232, 1, 2, 3), IN4(239, 255, 255, 255), IN4(224, 0, 1, 0) };
        uint8_t b[64];
        IgmpMessage m;
        IgmpRecord rec;
        size_t cur;
        int n;

        for (size_t i = 0; i < ELEMENTSOF(groups); i++) {
                for (int v = 1; v <= 3; v++) {
                        n = igmp_build_report(b, sizeof b, v, groups[i]);
                        ck_assert_int_gt(n, 0);
                        ck_assert_int_eq(igmp_parse(b, (size_t) n, &m, NULL), 0);
                        ck_assert_uint_eq(m.version, v);
                        if (v == 3) {
                                ck_assert_uint_eq(m.type, IGMP_TYPE_V3_REPORT);
                                ck_assert_uint_eq(m.n_records, 1);
                                cur = 0;
                                ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 1);
                                ck_assert_uint_eq(rec.type, IGMP_CHANGE_TO_EXCLUDE);
                                ck_assert_uint_eq(rec.group, groups[i]);
                                ck_assert_uint_eq(rec.n_sources, 0);
                        } else {
                                ck_assert_uint_eq(m.type, v == 1 ? IGMP_TYPE_V1_REPORT : IGMP_TYPE_V2_REPORT);
                                ck_assert_uint_eq(m.group, groups[i]);
                        }
                }
                for (int v = 2; v <= 3; v++) {
                        n = igmp_build_leave(b, sizeof b, v, groups[i]);
                        ck_assert_int_gt(n, 0);
                        ck_assert_int_eq(igmp_parse(b, (size_t) n, &m, NULL), 0);
                        if (v == 2) {
                                ck_assert_uint_eq(m.type, IGMP_TYPE_V2_LEAVE);
                                ck_assert_uint_eq(m.group, groups[i]);
                        } else {
                                cur = 0;
                                ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 1);
                                ck_assert_uint_eq(rec.type, IGMP_CHANGE_TO_INCLUDE);
                                ck_assert_uint_eq(rec.group, groups[i]);
                        }
                }
                for (int v = 2; v <= 3; v++) {
                        n = igmp_build_query(b, sizeof b, v, groups[i], 1 * USEC_PER_SEC, 2, 125 * USEC_PER_SEC);
                        ck_assert_int_gt(n, 0);
                        ck_assert_int_eq(igmp_parse(b, (size_t) n, &m, NULL), 0);
                        ck_assert_uint_eq(m.type, IGMP_TYPE_QUERY);
                        ck_assert_uint_eq(m.version, v);
                        ck_assert_uint_eq(m.group, groups[i]);
                        ck_assert_uint_eq(m.max_resp_usec, 1 * USEC_PER_SEC);
                }
        }
}
END_TEST

START_TEST(test_build_query_values) {
        uint8_t b[16];
        IgmpMessage m;

        /* v2: below 100 ms would encode as 0 = a v1 query; clamp to 1. */
        ck_assert_int_eq(igmp_build_query(b, sizeof b, 2, 0, 0, 0, 0), 8);
        ck_assert_uint_eq(b[1], 1);
        ck_assert_int_eq(igmp_parse(b, 8, &m, NULL), 0);
        ck_assert_uint_eq(m.version, 2);
        ck_assert_uint_eq(m.max_resp_usec, 100 * USEC_PER_MSEC);

        /* v2: linear, clamped at 255 (25.5 s). */
        ck_assert_int_eq(igmp_build_query(b, sizeof b, 2, 0, 100 * USEC_PER_SEC, 0, 0), 8);
        ck_assert_uint_eq(b[1], 255);
        ck_assert_int_eq(igmp_build_query(b, sizeof b, 2, 0, 12345 * USEC_PER_MSEC, 0, 0), 8);
        ck_assert_uint_eq(b[1], 123);
        ck_assert_int_eq(igmp_build_query(b, sizeof b, 2, 0, USEC_INFINITY, 0, 0), 8);
        ck_assert_uint_eq(b[1], 255);

        /* v3: exponential form, rounded down. 30 s -> 28.8 s. */
        ck_assert_int_eq(igmp_build_query(b, sizeof b, 3, 0, 30 * USEC_PER_SEC, 2, 125 * USEC_PER_SEC), 12);
        ck_assert_uint_eq(b[1], 0x92);
        ck_assert_int_eq(igmp_parse(b, 12, &m, NULL), 0);
        ck_assert_uint_eq(m.max_resp_usec, 28800 * USEC_PER_MSEC);

        /* v3: QQIC 200 s -> 0x89; QRV clamped to 7; S flag clear. */
        ck_assert_int_eq(igmp_build_query(b, sizeof b, 3, IN4(239, 1, 1, 1), 20 * USEC_PER_SEC, 9, 200 * USEC_PER_SEC), 12);
        ck_assert_uint_eq(b[1], 0x89);
        ck_assert_uint_eq(b[8], 0x07);
        ck_assert_uint_eq(b[9], 0x89);
        ck_assert_uint_eq(b[10], 0);
        ck_assert_uint_eq(b[11], 0);
        ck_assert_int_eq(igmp_parse(b, 12, &m, NULL), 0);
        ck_assert_uint_eq(m.qrv, 7);
        ck_assert(!m.s_flag);
        ck_assert_uint_eq(m.qqi_usec, 200 * USEC_PER_SEC);
        ck_assert_uint_eq(m.max_resp_usec, 20 * USEC_PER_SEC);
        ck_assert_uint_eq(m.group, IN4(239, 1, 1, 1));

        /* v3: huge values saturate at the format maximum. */
        ck_assert_int_eq(igmp_build_query(b, sizeof b, 3, 0, USEC_INFINITY, 0, USEC_INFINITY), 12);
        ck_assert_uint_eq(b[1], 0xff);
        ck_assert_uint_eq(b[9], 0xff);
        ck_assert_int_eq(igmp_parse(b, 12, &m, NULL), 0);
        ck_assert_uint_eq(m.qrv, 0);
}
END_TEST

START_TEST(test_build_errors) {
        uint8_t b[64];

        /* Every size below the message length is refused, nothing written. */
        for (size_t s = 0; s < 8; s++) {
                memset(b, 0xaa, sizeof b);
                ck_assert_int_eq(igmp_build_report(b, s, 2, IN4(239, 0, 0, 1)), -ENOBUFS);
                ck_assert_int_eq(igmp_build_report(b, s, 1, IN4(239, 0, 0, 1)), -ENOBUFS);
                ck_assert_int_eq(igmp_build_leave(b, s, 2, IN4(239, 0, 0, 1)), -ENOBUFS);
                ck_assert_int_eq(igmp_build_query(b, s, 1, 0, 0, 0, 0), -ENOBUFS);
                ck_assert_int_eq(igmp_build_query(b, s, 2, 0, USEC_PER_SEC, 0, 0), -ENOBUFS);
                ck_assert_uint_eq(b[0], 0xaa);
        }
        for (size_t s = 0; s < 12; s++)
                ck_assert_int_eq(igmp_build_query(b, s, 3, 0, USEC_PER_SEC, 2, 125 * USEC_PER_SEC), -ENOBUFS);
        for (size_t s = 0; s < 16; s++) {
                ck_assert_int_eq(igmp_build_report(b, s, 3, IN4(239, 0, 0, 1)), -ENOBUFS);
                ck_assert_int_eq(igmp_build_leave(b, s, 3, IN4(239, 0, 0, 1)), -ENOBUFS);
        }
        /* Exact sizes are enough. */
        ck_assert_int_eq(igmp_build_report(b, 8, 2, IN4(239, 0, 0, 1)), 8);
        ck_assert_int_eq(igmp_build_report(b, 16, 3, IN4(239, 0, 0, 1)), 16);
        ck_assert_int_eq(igmp_build_query(b, 12, 3, 0, 0, 0, 0), 12);

        /* IGMPv1 has no leave; unknown versions; non-multicast groups. */
        ck_assert_int_eq(igmp_build_leave(b, sizeof b, 1, IN4(239, 0, 0, 1)), -EINVAL);
        ck_assert_int_eq(igmp_build_leave(b, sizeof b, 4, IN4(239, 0, 0, 1)), -EINVAL);
        ck_assert_int_eq(igmp_build_report(b, sizeof b, 0, IN4(239, 0, 0, 1)), -EINVAL);
        ck_assert_int_eq(igmp_build_report(b, sizeof b, 4, IN4(239, 0, 0, 1)), -EINVAL);
        ck_assert_int_eq(igmp_build_query(b, sizeof b, 0, 0, 0, 0, 0), -EINVAL);
        ck_assert_int_eq(igmp_build_query(b, sizeof b, 4, 0, 0, 0, 0), -EINVAL);
        ck_assert_int_eq(igmp_build_report(b, sizeof b, 2, IN4(10, 0, 0, 1)), -EINVAL);
        ck_assert_int_eq(igmp_build_report(b, sizeof b, 3, 0), -EINVAL);
        ck_assert_int_eq(igmp_build_leave(b, sizeof b, 2, IN4(192, 168, 1, 1)), -EINVAL);
        ck_assert_int_eq(igmp_build_query(b, sizeof b, 2, IN4(192, 168, 1, 1), USEC_PER_SEC, 0, 0), -EINVAL);
        /* A v1 query cannot be group-specific. */
        ck_assert_int_eq(igmp_build_query(b, sizeof b, 1, IN4(239, 0, 0, 1), 0, 0, 0), -EINVAL);
}
END_TEST

START_TEST(test_destinations) {
        ck_assert_uint_eq(igmp_report_destination(1, IN4(239, 1, 2, 3)), IN4(239, 1, 2, 3));
        ck_assert_uint_eq(igmp_report_destination(2, IN4(239, 1, 2, 3)), IN4(239, 1, 2, 3));
        ck_assert_uint_eq(igmp_report_destination(3, IN4(239, 1, 2, 3)), IN4(224, 0, 0, 22));
        ck_assert_uint_eq(igmp_leave_destination(2, IN4(239, 1, 2, 3)), IN4(224, 0, 0, 2));
        ck_assert_uint_eq(igmp_leave_destination(3, IN4(239, 1, 2, 3)), IN4(224, 0, 0, 22));
        ck_assert_uint_eq(igmp_leave_destination(1, IN4(239, 1, 2, 3)), 0);
}
END_TEST

/* ---- rejections ------------------------------------------------------- */

START_TEST(test_reject_truncated) {
        const struct {
                const uint8_t *p;
                size_t len;
        } pkts[] = {
                { pkt_v2_report, sizeof pkt_v2_report }, { pkt_v2_leave, sizeof pkt_v2_leave },
                { pkt_v1_report, sizeof pkt_v1_report }, { pkt_v1_query, sizeof pkt_v1_query },
                { pkt_v2_query, sizeof pkt_v2_query },   { pkt_v3_query, sizeof pkt_v3_query },
                { pkt_v3_gssq, sizeof pkt_v3_gssq },     { pkt_v3_join, sizeof pkt_v3_join },
        };
        IgmpMessage m = { .type = 0x5a };

        for (size_t i = 0; i < ELEMENTSOF(pkts); i++)
                for (size_t l = 0; l < 8; l++) {
                        IgmpParseError e = IGMP_PARSE_OK;

                        ck_assert_int_eq(igmp_parse(pkts[i].p, l, &m, &e), -EBADMSG);
                        ck_assert_int_eq(e, IGMP_PARSE_TRUNCATED);
                        ck_assert_uint_eq(m.type, 0x5a);  /* *ret untouched */
                        ck_assert_int_eq(parse_err(pkts[i].p, l), IGMP_PARSE_TRUNCATED);
                }

        /* No buffer at all. */
        {
                IgmpParseError e = IGMP_PARSE_OK;
                IpInfo ip;

                ck_assert_int_eq(igmp_parse(NULL, 0, &m, &e), -EBADMSG);
                ck_assert_int_eq(e, IGMP_PARSE_TRUNCATED);
                ck_assert_int_eq(ip_parse(NULL, 0, &ip), -EBADMSG);
        }

        /* v3 query announcing 2 sources: anything short of 20 bytes. */
        for (size_t l = 12; l < sizeof pkt_v3_gssq; l++)
                ck_assert_int_eq(parse_err(pkt_v3_gssq, l), IGMP_PARSE_TRUNCATED);
        /* Same, with a valid checksum over the short length: still truncated. */
        for (size_t l = 12; l < sizeof pkt_v3_gssq; l++) {
                uint8_t q[sizeof pkt_v3_gssq];

                memcpy(q, pkt_v3_gssq, sizeof q);
                fix_csum(q, l);
                ck_assert_int_eq(parse_err(q, l), IGMP_PARSE_TRUNCATED);
        }
        /* n_sources = 65535 in a 12-byte query. */
        {
                uint8_t q[12];

                memcpy(q, pkt_v3_query, sizeof q);
                q[10] = q[11] = 0xff;
                fix_csum(q, sizeof q);
                ck_assert_int_eq(parse_err(q, sizeof q), IGMP_PARSE_TRUNCATED);
        }
}
END_TEST

START_TEST(test_reject_query_length_9_to_11) {
        uint8_t q[12];

        for (size_t l = 9; l <= 11; l++) {
                memset(q, 0, sizeof q);
                memcpy(q, pkt_v2_query, 8);
                fix_csum(q, l);
                ck_assert_int_eq(inet_checksum(q, l), 0);
                ck_assert_int_eq(parse_err(q, l), IGMP_PARSE_BAD_LENGTH);
                /* Also a v1-looking query padded to 9..11. */
                memcpy(q, pkt_v1_query, 8);
                fix_csum(q, l);
                ck_assert_int_eq(parse_err(q, l), IGMP_PARSE_BAD_LENGTH);
                /* Also a v3 query cut to 9..11 (checksum not even consulted). */
                ck_assert_int_eq(parse_err(pkt_v3_query, l), IGMP_PARSE_BAD_LENGTH);
        }
        memcpy(q, pkt_v2_query, 8);
        ck_assert_int_eq(parse_err(q, 8), IGMP_PARSE_OK);
}
END_TEST

START_TEST(test_longer_reports_accepted) {
        /* RFC 2236 2.5: bytes past the first 8 are ignored, but checksummed. */
        static const uint8_t *const bases[] = { pkt_v2_report, pkt_v2_leave, pkt_v1_report };
        uint8_t b[24];
        IgmpMessage m;

        for (size_t i = 0; i < ELEMENTSOF(bases); i++)
                for (size_t l = 9; l <= sizeof b; l++) {
                        memset(b, 0x5c, sizeof b);
                        memcpy(b, bases[i], 8);
                        fix_csum(b, l);
                        ck_assert_int_eq(igmp_parse(b, l, &m, NULL), 0);
                        ck_assert_uint_eq(m.type, bases[i][0]);
                        ck_assert_uint_eq(m.group, ((in4_t) bases[i][4] << 24) | ((in4_t) bases[i][5] << 16) |
                                                   ((in4_t) bases[i][6] << 8) | bases[i][7]);
                        /* The original 8-byte checksum does not cover the tail. */
                        memcpy(b, bases[i], 8);
                        ck_assert_int_eq(parse_err(b, l), IGMP_PARSE_BAD_CHECKSUM);
                }
}
END_TEST

START_TEST(test_reject_bad_checksum) {
        static const uint8_t *const pkts[] = { pkt_v2_report, pkt_v2_leave, pkt_v1_report,
                                               pkt_v1_query, pkt_v2_query, pkt_v2_gsq };
        uint8_t b[32];

        /* Every single-bit error in an 8-byte message is caught. */
        for (size_t i = 0; i < ELEMENTSOF(pkts); i++)
                for (size_t bit = 0; bit < 64; bit++) {
                        memcpy(b, pkts[i], 8);
                        b[bit / 8] ^= (uint8_t) (1U << (bit % 8));
                        ck_assert_int_eq(parse_err(b, 8), IGMP_PARSE_BAD_CHECKSUM);
                }
        /* v3 report: flips in the record area. */
        for (size_t bit = 8 * 8; bit < 8 * sizeof pkt_v3_two; bit++) {
                memcpy(b, pkt_v3_two, sizeof pkt_v3_two);
                b[bit / 8] ^= (uint8_t) (1U << (bit % 8));
                ck_assert_int_eq(parse_err(b, sizeof pkt_v3_two), IGMP_PARSE_BAD_CHECKSUM);
        }
        /* v3 query: flips in the group and sources. */
        for (size_t bit = 4 * 8; bit < 8 * sizeof pkt_v3_gssq; bit++) {
                if (bit / 8 == 10 || bit / 8 == 11)
                        continue;  /* n_sources: a length problem first */
                memcpy(b, pkt_v3_gssq, sizeof pkt_v3_gssq);
                b[bit / 8] ^= (uint8_t) (1U << (bit % 8));
                ck_assert_int_eq(parse_err(b, sizeof pkt_v3_gssq), IGMP_PARSE_BAD_CHECKSUM);
        }
        /* Checksum comes before type and group. */
        memcpy(b, pkt_v2_report, 8);
        b[0] = 0x13;
        ck_assert_int_eq(parse_err(b, 8), IGMP_PARSE_BAD_CHECKSUM);
        memcpy(b, pkt_v2_report, 8);
        b[4] = 0x0a;
        ck_assert_int_eq(parse_err(b, 8), IGMP_PARSE_BAD_CHECKSUM);
}
END_TEST

START_TEST(test_reject_unknown_type) {
        /* 0x13 DVMRP, 0x1e/0x1f mtrace, 0x30..0x32 MRD (RFC 4286), 0x00, 0xff,
         * and the v3-report type minus one. */
        static const uint8_t types[] = { 0x00, 0x10, 0x13, 0x14, 0x15, 0x18, 0x1e, 0x1f,
                                         0x21, 0x23, 0x30, 0x31, 0x32, 0xff };
        uint8_t b[16];

        for (size_t i = 0; i < ELEMENTSOF(types); i++) {
                for (size_t l = 8; l <= sizeof b; l += 4) {
                        memset(b, 0, sizeof b);
                        memcpy(b, pkt_v2_report, 8);
                        b[0] = types[i];
                        fix_csum(b, l);
                        ck_assert_int_eq(parse_err(b, l), IGMP_PARSE_UNKNOWN_TYPE);
                }
                /* Too short is reported as such even for unknown types. */
                ck_assert_int_eq(parse_err(b, 7), IGMP_PARSE_TRUNCATED);
        }
}
END_TEST

START_TEST(test_reject_bad_group) {
        static const in4_t bad[] = { 0, IN4(10, 0, 0, 1), IN4(192, 168, 1, 255), IN4(223, 255, 255, 255),
                                     IN4(240, 0, 0, 1), IN4(255, 255, 255, 255), IN4(127, 0, 0, 1) };
        static const uint8_t *const reports[] = { pkt_v2_report, pkt_v2_leave, pkt_v1_report };
        uint8_t b[16];
        IgmpMessage m;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                for (size_t j = 0; j < ELEMENTSOF(reports); j++) {
                        memcpy(b, reports[j], 8);
                        put32(b + 4, bad[i]);
                        fix_csum(b, 8);
                        ck_assert_int_eq(parse_err(b, 8), IGMP_PARSE_BAD_GROUP);
                }
                if (bad[i] == 0)
                        continue;  /* group 0 in a query = general query */
                /* v2 query (non-zero code) */
                memcpy(b, pkt_v2_query, 8);
                put32(b + 4, bad[i]);
                fix_csum(b, 8);
                ck_assert_int_eq(parse_err(b, 8), IGMP_PARSE_BAD_GROUP);
                /* v3 query */
                memcpy(b, pkt_v3_query, 12);
                put32(b + 4, bad[i]);
                fix_csum(b, 12);
                ck_assert_int_eq(parse_err(b, 12), IGMP_PARSE_BAD_GROUP);
        }
        /* Edges of 224/4 are fine. */
        memcpy(b, pkt_v2_report, 8);
        put32(b + 4, IN4(224, 0, 0, 0));
        fix_csum(b, 8);
        ck_assert_int_eq(igmp_parse(b, 8, &m, NULL), 0);
        put32(b + 4, IN4(239, 255, 255, 255));
        fix_csum(b, 8);
        ck_assert_int_eq(igmp_parse(b, 8, &m, NULL), 0);
        ck_assert_uint_eq(m.group, IN4(239, 255, 255, 255));

        /* A general v3 query (group 0) must not list sources (RFC 3376
         * 4.1.11); with a group it may. */
        {
                uint8_t q[16];

                memcpy(q, pkt_v3_query, 12);
                q[11] = 1;
                put32(q + 12, IN4(10, 0, 0, 1));
                fix_csum(q, 16);
                ck_assert_int_eq(parse_err(q, 16), IGMP_PARSE_BAD_GROUP);
                put32(q + 4, IN4(232, 0, 0, 1));
                fix_csum(q, 16);
                ck_assert_int_eq(igmp_parse(q, 16, &m, NULL), 0);
                ck_assert_uint_eq(m.n_sources, 1);
                ck_assert_uint_eq(m.group, IN4(232, 0, 0, 1));
        }
}
END_TEST

START_TEST(test_general_vs_group_specific) {
        uint8_t b[12];
        IgmpMessage m;

        memcpy(b, pkt_v2_query, 8);
        ck_assert_int_eq(igmp_parse(b, 8, &m, NULL), 0);
        ck_assert_uint_eq(m.group, 0);
        put32(b + 4, IN4(239, 9, 9, 9));
        fix_csum(b, 8);
        ck_assert_int_eq(igmp_parse(b, 8, &m, NULL), 0);
        ck_assert_uint_eq(m.group, IN4(239, 9, 9, 9));
        ck_assert_uint_eq(m.version, 2);

        memcpy(b, pkt_v3_query, 12);
        ck_assert_int_eq(igmp_parse(b, 12, &m, NULL), 0);
        ck_assert_uint_eq(m.group, 0);
        put32(b + 4, IN4(239, 9, 9, 9));
        fix_csum(b, 12);
        ck_assert_int_eq(igmp_parse(b, 12, &m, NULL), 0);
        ck_assert_uint_eq(m.group, IN4(239, 9, 9, 9));
        ck_assert_uint_eq(m.version, 3);
}
END_TEST

/* ---- v3 report records ------------------------------------------------ */

/* Appends a record; returns the new length. */
static size_t add_record(uint8_t *b, size_t off, uint8_t type, uint8_t aux_words, uint16_t nsrc, in4_t group,
                         in4_t first_src) {
        b[off] = type;
        b[off + 1] = aux_words;
        b[off + 2] = (uint8_t) (nsrc >> 8);
        b[off + 3] = (uint8_t) nsrc;
        put32(b + off + 4, group);
        off += 8;
        for (uint16_t i = 0; i < nsrc; i++, off += 4)
                put32(b + off, first_src + i);
        for (unsigned i = 0; i < aux_words * 4U; i++)
                b[off++] = 0xa5;
        return off;
}

static void v3_header(uint8_t *b, uint16_t nrec) {
        memset(b, 0, 8);
        b[0] = IGMP_TYPE_V3_REPORT;
        b[6] = (uint8_t) (nrec >> 8);
        b[7] = (uint8_t) nrec;
}

START_TEST(test_v3_zero_records) {
        uint8_t b[8];
        IgmpMessage m;
        IgmpRecord rec;
        size_t cur = 0;

        v3_header(b, 0);
        fix_csum(b, 8);
        ck_assert_int_eq(igmp_parse(b, 8, &m, NULL), 0);
        ck_assert_uint_eq(m.version, 3);
        ck_assert_uint_eq(m.n_records, 0);
        ck_assert_uint_eq(m.records_len, 0);
        ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 0);
        ck_assert_uint_eq(cur, 0);
}
END_TEST

START_TEST(test_v3_record_count_overflow) {
        uint8_t b[64];
        size_t l;

        /* Claims 2, holds 1. */
        v3_header(b, 2);
        l = add_record(b, 8, IGMP_MODE_IS_EXCLUDE, 0, 0, IN4(239, 0, 0, 1), 0);
        fix_csum(b, l);
        ck_assert_int_eq(parse_err(b, l), IGMP_PARSE_BAD_RECORD);
        /* Claims 65535. */
        b[6] = b[7] = 0xff;
        fix_csum(b, l);
        ck_assert_int_eq(parse_err(b, l), IGMP_PARSE_BAD_RECORD);
        /* Claims 1 with no record bytes at all. */
        v3_header(b, 1);
        fix_csum(b, 8);
        ck_assert_int_eq(parse_err(b, 8), IGMP_PARSE_BAD_RECORD);
        /* Claims 1 with 1..7 bytes of record header (padded with zeros). */
        for (size_t extra = 1; extra < 8; extra++) {
                v3_header(b, 1);
                add_record(b, 8, IGMP_MODE_IS_EXCLUDE, 0, 0, IN4(239, 0, 0, 1), 0);
                fix_csum(b, 8 + extra);
                ck_assert_int_eq(parse_err(b, 8 + extra), IGMP_PARSE_BAD_RECORD);
        }
        /* Claims 1, holds 2: fine, the second is trailing data. */
        v3_header(b, 1);
        l = add_record(b, 8, IGMP_MODE_IS_EXCLUDE, 0, 0, IN4(239, 0, 0, 1), 0);
        l = add_record(b, l, IGMP_MODE_IS_EXCLUDE, 0, 0, IN4(239, 0, 0, 2), 0);
        fix_csum(b, l);
        {
                IgmpMessage m;
                IgmpRecord rec;
                size_t cur = 0;

                ck_assert_int_eq(igmp_parse(b, l, &m, NULL), 0);
                ck_assert_uint_eq(m.records_len, 8);
                ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 1);
                ck_assert_uint_eq(rec.group, IN4(239, 0, 0, 1));
                ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 0);
        }
}
END_TEST

START_TEST(test_v3_source_count_overflow) {
        uint8_t b[64];
        size_t l, second;

        /* One source announced, none present. */
        v3_header(b, 1);
        l = add_record(b, 8, IGMP_MODE_IS_INCLUDE, 0, 0, IN4(232, 0, 0, 1), 0);
        b[11] = 1;
        fix_csum(b, l);
        ck_assert_int_eq(parse_err(b, l), IGMP_PARSE_BAD_RECORD);
        /* 65535 sources announced. */
        b[10] = b[11] = 0xff;
        fix_csum(b, l);
        ck_assert_int_eq(parse_err(b, l), IGMP_PARSE_BAD_RECORD);
        /* 3 sources announced, 2 present plus 3 stray bytes. */
        v3_header(b, 1);
        l = add_record(b, 8, IGMP_MODE_IS_INCLUDE, 0, 2, IN4(232, 0, 0, 1), IN4(10, 0, 0, 1));
        b[11] = 3;
        l += 3;
        fix_csum(b, l);
        ck_assert_int_eq(parse_err(b, l), IGMP_PARSE_BAD_RECORD);
        /* Second record's sources overflow; the first is fine. */
        v3_header(b, 2);
        second = add_record(b, 8, IGMP_MODE_IS_INCLUDE, 0, 1, IN4(232, 0, 0, 1), IN4(10, 0, 0, 1));
        l = add_record(b, second, IGMP_ALLOW_NEW_SOURCES, 0, 1, IN4(232, 0, 0, 2), IN4(10, 0, 0, 9));
        fix_csum(b, l);
        ck_assert_int_eq(parse_err(b, l), IGMP_PARSE_OK);
        b[second + 3] = 2;  /* second record's n_sources low byte */
        fix_csum(b, l);
        ck_assert_int_eq(parse_err(b, l), IGMP_PARSE_BAD_RECORD);
}
END_TEST

START_TEST(test_v3_aux_overflow) {
        uint8_t b[96];
        size_t l;
        IgmpMessage m;
        IgmpRecord rec;
        size_t cur = 0;

        /* Aux data announced but absent. */
        v3_header(b, 1);
        l = add_record(b, 8, IGMP_MODE_IS_EXCLUDE, 0, 0, IN4(239, 0, 0, 1), 0);
        b[9] = 1;
        fix_csum(b, l);
        ck_assert_int_eq(parse_err(b, l), IGMP_PARSE_BAD_RECORD);
        b[9] = 0xff;
        fix_csum(b, l);
        ck_assert_int_eq(parse_err(b, l), IGMP_PARSE_BAD_RECORD);

        /* Aux data present: skipped, next record read correctly. */
        v3_header(b, 2);
        l = add_record(b, 8, IGMP_MODE_IS_INCLUDE, 2, 1, IN4(232, 0, 0, 1), IN4(10, 0, 0, 1));
        l = add_record(b, l, IGMP_BLOCK_OLD_SOURCES, 1, 2, IN4(232, 0, 0, 2), IN4(10, 0, 0, 7));
        fix_csum(b, l);
        ck_assert_int_eq(igmp_parse(b, l, &m, NULL), 0);
        ck_assert_uint_eq(m.records_len, l - 8);
        ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 1);
        ck_assert_uint_eq(rec.group, IN4(232, 0, 0, 1));
        ck_assert_uint_eq(igmp_record_source(&rec, 0), IN4(10, 0, 0, 1));
        ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 1);
        ck_assert_uint_eq(rec.type, IGMP_BLOCK_OLD_SOURCES);
        ck_assert_uint_eq(rec.group, IN4(232, 0, 0, 2));
        ck_assert_uint_eq(rec.n_sources, 2);
        ck_assert_uint_eq(igmp_record_source(&rec, 1), IN4(10, 0, 0, 8));
        ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 0);

        /* Cut the last aux word short by 1..4 bytes. */
        for (size_t cut = 1; cut <= 4; cut++) {
                fix_csum(b, l - cut);
                ck_assert_int_eq(parse_err(b, l - cut), IGMP_PARSE_BAD_RECORD);
        }
}
END_TEST

START_TEST(test_v3_every_cut_point) {
        uint8_t b[64];
        size_t l;

        v3_header(b, 3);
        l = add_record(b, 8, IGMP_MODE_IS_INCLUDE, 1, 2, IN4(232, 0, 0, 1), IN4(10, 0, 0, 1));
        l = add_record(b, l, IGMP_MODE_IS_EXCLUDE, 0, 0, IN4(239, 0, 0, 1), 0);
        l = add_record(b, l, IGMP_ALLOW_NEW_SOURCES, 0, 1, IN4(232, 0, 0, 3), IN4(10, 0, 0, 3));
        fix_csum(b, l);
        ck_assert_int_eq(parse_err(b, l), IGMP_PARSE_OK);
        for (size_t cut = 8; cut < l; cut++) {
                uint8_t c[64];

                memcpy(c, b, l);
                fix_csum(c, cut);
                ck_assert_int_eq(parse_err(c, cut), IGMP_PARSE_BAD_RECORD);
        }
}
END_TEST

/* RFC 3376 4.2.12: "If an unrecognized Record Type value is encountered, the record MUST be
 * silently ignored, and processing continues with the next record." The parser keeps the
 * report and hands the record out with its type; the reader skips it. */
START_TEST(test_v3_record_type) {
        static const uint8_t unknown_types[] = { 0, 7, 8, 0x80, 0xff };
        uint8_t b[32];
        size_t l;

        for (size_t i = 0; i < ELEMENTSOF(unknown_types); i++) {
                IgmpMessage m;
                IgmpRecord rec;
                size_t cur = 0;

                v3_header(b, 1);
                l = add_record(b, 8, unknown_types[i], 0, 0, IN4(239, 0, 0, 1), 0);
                fix_csum(b, l);
                ck_assert_int_eq(parse_err(b, l), IGMP_PARSE_OK);
                ck_assert_int_eq(igmp_parse(b, l, &m, NULL), 0);
                ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 1);
                ck_assert_uint_eq(rec.type, unknown_types[i]);
                ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 0);
        }
        for (uint8_t t = IGMP_MODE_IS_INCLUDE; t <= IGMP_BLOCK_OLD_SOURCES; t++) {
                IgmpMessage m;
                IgmpRecord rec;
                size_t cur = 0;

                v3_header(b, 1);
                l = add_record(b, 8, t, 0, 0, IN4(239, 0, 0, 1), 0);
                fix_csum(b, l);
                ck_assert_int_eq(igmp_parse(b, l, &m, NULL), 0);
                ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 1);
                ck_assert_uint_eq(rec.type, t);
        }
        /* An unknown type in the second record: the first one stays readable. */
        v3_header(b, 2);
        l = add_record(b, 8, IGMP_MODE_IS_EXCLUDE, 0, 0, IN4(239, 0, 0, 1), 0);
        l = add_record(b, l, 9, 0, 0, IN4(239, 0, 0, 2), 0);
        fix_csum(b, l);
        ck_assert_int_eq(parse_err(b, l), IGMP_PARSE_OK);
}
END_TEST

/* An unknown record type in the middle of a report (with sources, aux data and a group that
 * is no multicast address: nothing of it is read but its length): the records before and
 * after it come out intact, and it comes out itself, in place. */
START_TEST(test_v3_unknown_record_in_the_middle) {
        static const uint8_t unknown_types[] = { 0, 7, 0x42, 0xff };
        uint8_t b[128];

        for (size_t i = 0; i < ELEMENTSOF(unknown_types); i++) {
                IgmpMessage m;
                IgmpRecord rec;
                size_t l, second, third, cur = 0;

                v3_header(b, 3);
                second = add_record(b, 8, IGMP_MODE_IS_INCLUDE, 0, 1, IN4(232, 0, 0, 1), IN4(198, 18, 0, 1));
                third = add_record(b, second, unknown_types[i], 1, 2, IN4(198, 18, 7, 7), IN4(198, 18, 0, 5));
                l = add_record(b, third, IGMP_ALLOW_NEW_SOURCES, 0, 2, IN4(232, 0, 0, 3), IN4(198, 18, 0, 9));
                fix_csum(b, l);
                ck_assert_int_eq(parse_err(b, l), IGMP_PARSE_OK);
                ck_assert_int_eq(igmp_parse(b, l, &m, NULL), 0);
                ck_assert_uint_eq(m.n_records, 3);
                ck_assert_uint_eq(m.records_len, l - 8);

                ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 1);
                ck_assert_uint_eq(rec.type, IGMP_MODE_IS_INCLUDE);
                ck_assert_uint_eq(rec.group, IN4(232, 0, 0, 1));
                ck_assert_uint_eq(rec.n_sources, 1);
                ck_assert_uint_eq(igmp_record_source(&rec, 0), IN4(198, 18, 0, 1));
                ck_assert_uint_eq(cur, second - 8);

                ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 1);
                ck_assert_uint_eq(rec.type, unknown_types[i]);
                ck_assert_uint_eq(rec.group, IN4(198, 18, 7, 7));
                ck_assert_uint_eq(rec.n_sources, 2);
                ck_assert_ptr_eq(rec.sources, b + second + 8);
                ck_assert_uint_eq(igmp_record_source(&rec, 1), IN4(198, 18, 0, 6));
                ck_assert_uint_eq(cur, third - 8);  /* sources and the aux word skipped */

                ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 1);
                ck_assert_uint_eq(rec.type, IGMP_ALLOW_NEW_SOURCES);
                ck_assert_uint_eq(rec.group, IN4(232, 0, 0, 3));
                ck_assert_uint_eq(rec.n_sources, 2);
                ck_assert_uint_eq(igmp_record_source(&rec, 0), IN4(198, 18, 0, 9));
                ck_assert_uint_eq(igmp_record_source(&rec, 1), IN4(198, 18, 0, 10));
                ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 0);
                ck_assert_uint_eq(cur, m.records_len);

                /* Its bounds are still checked: a source list or aux data running past the
                 * packet rejects the report, at every cut point. */
                for (size_t cut = third + 1; cut < l; cut++) {
                        uint8_t c[128];

                        memcpy(c, b, l);
                        fix_csum(c, cut);
                        ck_assert_int_eq(parse_err(c, cut), IGMP_PARSE_BAD_RECORD);
                }
                b[second + 3] = 0x40;  /* the unknown record claims 64 sources */
                fix_csum(b, l);
                ck_assert_int_eq(parse_err(b, l), IGMP_PARSE_BAD_RECORD);
                b[second + 3] = 2;
                b[second + 1] = 9;     /* ... or 9 words of aux data */
                fix_csum(b, l);
                ck_assert_int_eq(parse_err(b, l), IGMP_PARSE_BAD_RECORD);
        }
}
END_TEST

START_TEST(test_v3_record_group) {
        uint8_t b[32];
        size_t l;

        v3_header(b, 1);
        l = add_record(b, 8, IGMP_MODE_IS_EXCLUDE, 0, 0, IN4(192, 168, 1, 1), 0);
        fix_csum(b, l);
        ck_assert_int_eq(parse_err(b, l), IGMP_PARSE_BAD_GROUP);

        v3_header(b, 2);
        l = add_record(b, 8, IGMP_MODE_IS_EXCLUDE, 0, 0, IN4(239, 0, 0, 1), 0);
        l = add_record(b, l, IGMP_MODE_IS_EXCLUDE, 0, 0, 0, 0);
        fix_csum(b, l);
        ck_assert_int_eq(parse_err(b, l), IGMP_PARSE_BAD_GROUP);

        /* 224.0.0.x in a record parses. */
        v3_header(b, 1);
        l = add_record(b, 8, IGMP_MODE_IS_EXCLUDE, 0, 0, IN4(224, 0, 0, 251), 0);
        fix_csum(b, l);
        ck_assert_int_eq(parse_err(b, l), IGMP_PARSE_OK);
}
END_TEST

START_TEST(test_v3_many_records) {
        const unsigned nrec = 200;
        uint8_t *b = calloc(1, 8 + nrec * (8 + 4 * 7 + 4 * 3));
        IgmpMessage m;
        IgmpRecord rec;
        size_t l, cur = 0;
        unsigned seen = 0;

        ck_assert_ptr_nonnull(b);
        v3_header(b, (uint16_t) nrec);
        l = 8;
        for (unsigned i = 0; i < nrec; i++)
                l = add_record(b, l, (uint8_t) (1 + i % 6), (uint8_t) (i % 4), (uint16_t) (i % 8),
                               IN4(232, 0, i >> 8, i & 0xff), IN4(10, 0, i & 0xff, 0));
        fix_csum(b, l);
        ck_assert_int_eq(igmp_parse(b, l, &m, NULL), 0);
        ck_assert_uint_eq(m.n_records, nrec);
        ck_assert_uint_eq(m.records_len, l - 8);
        while (igmp_record_next(&m, &cur, &rec) == 1) {
                ck_assert_uint_eq(rec.type, 1 + seen % 6);
                ck_assert_uint_eq(rec.group, IN4(232, 0, seen >> 8, seen & 0xff));
                ck_assert_uint_eq(rec.n_sources, seen % 8);
                for (uint16_t s = 0; s < rec.n_sources; s++)
                        ck_assert_uint_eq(igmp_record_source(&rec, s), IN4(10, 0, seen & 0xff, s));
                seen++;
        }
        ck_assert_uint_eq(seen, nrec);
        ck_assert_uint_eq(cur, m.records_len);

        /* One record fewer than announced present -> rejected. */
        b[7]++;
        fix_csum(b, l);
        ck_assert_int_eq(parse_err(b, l), IGMP_PARSE_BAD_RECORD);
        free(b);
}
END_TEST

START_TEST(test_error_strings) {
        for (int e = 0; e < _IGMP_PARSE_ERROR_MAX; e++) {
                const char *s = igmp_parse_error_to_string((IgmpParseError) e);

                ck_assert_ptr_nonnull(s);
                ck_assert_uint_gt(strlen(s), 0);
                for (int f = 0; f < e; f++)
                        ck_assert_str_ne(s, igmp_parse_error_to_string((IgmpParseError) f));
        }
        ck_assert_ptr_null(igmp_parse_error_to_string(_IGMP_PARSE_ERROR_MAX));
        ck_assert_ptr_null(igmp_parse_error_to_string((IgmpParseError) -1));
}
END_TEST

/* ---- ip_parse --------------------------------------------------------- */

/* Builds an IPv4 header with the given option bytes (padded with EOL to a
 * multiple of 4) followed by payload_len payload bytes; returns the total. */
static size_t mk_ip(uint8_t *b, const uint8_t *opts, size_t opts_len, size_t payload_len) {
        size_t hlen = 20 + ((opts_len + 3) & ~(size_t) 3);
        size_t tot = hlen + payload_len;

        memset(b, 0, tot);
        b[0] = (uint8_t) (0x40 | (hlen / 4));
        b[1] = 0xc0;
        b[2] = (uint8_t) (tot >> 8);
        b[3] = (uint8_t) tot;
        b[8] = 1;
        b[9] = 2;
        put32(b + 12, IN4(192, 168, 1, 10));
        put32(b + 16, IN4(224, 0, 0, 22));
        if (opts_len)
                memcpy(b + 20, opts, opts_len);
        memset(b + hlen, 0x77, payload_len);
        return tot;
}

START_TEST(test_ip_parse_real_packet) {
        IpInfo ip;
        IgmpMessage m;

        ck_assert_int_eq(ip_parse(pkt_ip_v2_report, sizeof pkt_ip_v2_report, &ip), 0);
        ck_assert_uint_eq(ip.src, IN4(10, 0, 0, 2));
        ck_assert_uint_eq(ip.dst, IN4(239, 0, 0, 1));
        ck_assert_uint_eq(ip.ttl, 1);
        ck_assert_uint_eq(ip.protocol, 2);
        ck_assert(ip.router_alert);
        ck_assert_ptr_eq(ip.payload, pkt_ip_v2_report + 24);
        ck_assert_uint_eq(ip.payload_len, 8);
        ck_assert_int_eq(igmp_parse(ip.payload, ip.payload_len, &m, NULL), 0);
        ck_assert_uint_eq(m.type, IGMP_TYPE_V2_REPORT);
        ck_assert_uint_eq(m.group, IN4(239, 0, 0, 1));
}
END_TEST

START_TEST(test_ip_parse_router_alert) {
        static const uint8_t ra[] = { 0x94, 0x04, 0x00, 0x00 };
        static const uint8_t nop_ra[] = { 0x01, 0x01, 0x94, 0x04, 0x00, 0x00, 0x00, 0x00 };
        /* Other option (loose source route style, len 7) then RA. */
        static const uint8_t other_ra[] = { 0x83, 0x07, 0x04, 0x0a, 0x00, 0x00, 0x01, 0x94, 0x04, 0x00, 0x00 };
        /* RA after End of Option List is not seen. */
        static const uint8_t eol_ra[] = { 0x00, 0x00, 0x00, 0x00, 0x94, 0x04, 0x00, 0x00 };
        /* RA with a non-zero (reserved) value is still present. */
        static const uint8_t ra_val[] = { 0x94, 0x04, 0x00, 0x01 };
        static const uint8_t only_nops[] = { 0x01, 0x01, 0x01, 0x01 };
        uint8_t b[128];
        IpInfo ip;
        size_t l;

        l = mk_ip(b, NULL, 0, 8);
        ck_assert_int_eq(ip_parse(b, l, &ip), 0);
        ck_assert(!ip.router_alert);
        ck_assert_ptr_eq(ip.payload, b + 20);
        ck_assert_uint_eq(ip.payload_len, 8);
        ck_assert_uint_eq(ip.src, IN4(192, 168, 1, 10));
        ck_assert_uint_eq(ip.dst, IN4(224, 0, 0, 22));

        l = mk_ip(b, ra, sizeof ra, 16);
        ck_assert_int_eq(ip_parse(b, l, &ip), 0);
        ck_assert(ip.router_alert);
        ck_assert_ptr_eq(ip.payload, b + 24);
        ck_assert_uint_eq(ip.payload_len, 16);

        l = mk_ip(b, nop_ra, sizeof nop_ra, 8);
        ck_assert_int_eq(ip_parse(b, l, &ip), 0);
        ck_assert(ip.router_alert);
        ck_assert_ptr_eq(ip.payload, b + 28);

        l = mk_ip(b, other_ra, sizeof other_ra, 8);
        ck_assert_int_eq(ip_parse(b, l, &ip), 0);
        ck_assert(ip.router_alert);

        l = mk_ip(b, eol_ra, sizeof eol_ra, 8);
        ck_assert_int_eq(ip_parse(b, l, &ip), 0);
        ck_assert(!ip.router_alert);

        l = mk_ip(b, ra_val, sizeof ra_val, 8);
        ck_assert_int_eq(ip_parse(b, l, &ip), 0);
        ck_assert(ip.router_alert);

        l = mk_ip(b, only_nops, sizeof only_nops, 8);
        ck_assert_int_eq(ip_parse(b, l, &ip), 0);
        ck_assert(!ip.router_alert);

        /* 40 bytes of options (IHL 15), RA last. */
        {
                uint8_t opts[40];

                memset(opts, 0x01, sizeof opts);
                memcpy(opts + 36, ra, 4);
                l = mk_ip(b, opts, sizeof opts, 8);
                ck_assert_int_eq(b[0], 0x4f);
                ck_assert_int_eq(ip_parse(b, l, &ip), 0);
                ck_assert(ip.router_alert);
                ck_assert_uint_eq(ip.payload_len, 8);
        }
}
END_TEST

START_TEST(test_ip_parse_bad_options) {
        static const struct {
                uint8_t o[8];
                size_t n;
        } bad[] = {
                { { 0x94, 0x03, 0x00, 0x00 }, 4 },              /* RA length 3 */
                { { 0x94, 0x06, 0x00, 0x00, 0x00, 0x00 }, 8 },  /* RA length 6 */
                { { 0x94, 0x02, 0x00, 0x00 }, 4 },              /* RA length 2 */
                { { 0x83, 0x00, 0x00, 0x00 }, 4 },              /* length 0 */
                { { 0x83, 0x01, 0x00, 0x00 }, 4 },              /* length 1 */
                { { 0x83, 0x05, 0x00, 0x00 }, 4 },              /* beyond the header */
                { { 0x01, 0x01, 0x01, 0x94 }, 4 },              /* type without length */
                { { 0x01, 0x01, 0x94, 0x04 }, 4 },              /* RA cut by the header end */
                { { 0x94, 0x04, 0x00, 0x00, 0x44, 0x08, 0x05 }, 8 }, /* second overflows */
        };
        uint8_t b[64];
        IpInfo ip = { .ttl = 0x5a };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                /* Also with no payload, so that the header ends the buffer. */
                size_t l = mk_ip(b, bad[i].o, bad[i].n, 0);

                ck_assert_int_eq(ip_parse_exact(b, l), -EBADMSG);
                l = mk_ip(b, bad[i].o, bad[i].n, 8);
                ck_assert_int_eq(ip_parse_exact(b, l), -EBADMSG);
                /* On failure *ret is left alone. */
                ck_assert_int_eq(ip_parse(b, l, &ip), -EBADMSG);
                ck_assert_uint_eq(ip.ttl, 0x5a);
        }
}
END_TEST

START_TEST(test_ip_parse_bad_header) {
        uint8_t b[64];
        IpInfo ip;
        size_t l;

        l = mk_ip(b, NULL, 0, 8);
        ck_assert_int_eq(ip_parse(b, l, &ip), 0);

        /* Shorter than a minimal header. */
        for (size_t s = 0; s < 20; s++)
                ck_assert_int_eq(ip_parse_exact(b, s), -EBADMSG);

        /* Version not 4. */
        for (unsigned v = 0; v < 16; v++) {
                if (v == 4)
                        continue;
                l = mk_ip(b, NULL, 0, 8);
                b[0] = (uint8_t) (v << 4 | 5);
                ck_assert_int_eq(ip_parse_exact(b, l), -EBADMSG);
        }

        /* IHL below 5. */
        for (unsigned ihl = 0; ihl < 5; ihl++) {
                l = mk_ip(b, NULL, 0, 8);
                b[0] = (uint8_t) (0x40 | ihl);
                ck_assert_int_eq(ip_parse_exact(b, l), -EBADMSG);
        }

        /* IHL beyond the buffer: IHL 15 = 60 bytes, buffer 28. */
        l = mk_ip(b, NULL, 0, 8);
        b[0] = 0x4f;
        ck_assert_int_eq(ip_parse_exact(b, l), -EBADMSG);
        /* IHL 6 with a 20-byte buffer. */
        l = mk_ip(b, NULL, 0, 0);
        b[0] = 0x46;
        ck_assert_int_eq(ip_parse_exact(b, l), -EBADMSG);

        /* Total length beyond the buffer. */
        l = mk_ip(b, NULL, 0, 8);
        ck_assert_int_eq(ip_parse_exact(b, l - 1), -EBADMSG);
        b[2] = 0xff;
        ck_assert_int_eq(ip_parse_exact(b, l), -EBADMSG);

        /* Total length shorter than the header. */
        l = mk_ip(b, NULL, 0, 8);
        b[2] = 0;
        b[3] = 19;
        ck_assert_int_eq(ip_parse_exact(b, l), -EBADMSG);
        l = mk_ip(b, (const uint8_t[]) { 0x94, 0x04, 0, 0 }, 4, 8);
        b[3] = 20;
        ck_assert_int_eq(ip_parse_exact(b, l), -EBADMSG);
        /* ... but equal to the header is an empty payload. */
        b[3] = 24;
        ck_assert_int_eq(ip_parse(b, l, &ip), 0);
        ck_assert_uint_eq(ip.payload_len, 0);

        /* Protocol not IGMP. */
        static const uint8_t protos[] = { 0, 1, 6, 17, 103, 255 };
        for (size_t i = 0; i < ELEMENTSOF(protos); i++) {
                l = mk_ip(b, NULL, 0, 8);
                b[9] = protos[i];
                ck_assert_int_eq(ip_parse_exact(b, l), -EBADMSG);
        }

        /* Trailing bytes beyond Total Length are ignored. */
        l = mk_ip(b, NULL, 0, 8);
        ck_assert_int_eq(ip_parse(b, l + 10, &ip), 0);
        ck_assert_uint_eq(ip.payload_len, 8);
}
END_TEST

/* ---- v3 reports with many records (RFC 3376 4.2, 4.2.16) ---------------------- */

/* Two records, as on the wire; checksum computed by hand (0xf8f6). */
static const uint8_t pkt_v3_two_records[] = {
        0x22, 0x00, 0xf8, 0xf6, 0x00, 0x00, 0x00, 0x02,
        0x02, 0x00, 0x00, 0x00, 0xef, 0x01, 0x02, 0x03, /* MODE_IS_EXCLUDE 239.1.2.3 */
        0x03, 0x00, 0x00, 0x00, 0xef, 0x00, 0x00, 0x01, /* CHANGE_TO_INCLUDE 239.0.0.1 */
};

START_TEST(test_v3_report_bytes) {
        const IgmpGroupRecord r[] = {
                { IGMP_MODE_IS_EXCLUDE, IN4(239, 1, 2, 3) },
                { IGMP_CHANGE_TO_INCLUDE, IN4(239, 0, 0, 1) },
        };
        uint8_t b[64];

        memset(b, 0xaa, sizeof b);
        ck_assert_int_eq(igmp_build_v3_report(b, sizeof b, r, 2), 24);
        ck_assert_mem_eq(b, pkt_v3_two_records, 24);
        ck_assert_uint_eq(b[24], 0xaa);
        /* The one-record builders are the same encoder. */
        ck_assert_int_eq(igmp_build_v3_report(b, sizeof b, &(IgmpGroupRecord) { IGMP_CHANGE_TO_EXCLUDE, IN4(239, 1, 2, 3) }, 1), 16);
        ck_assert_mem_eq(b, pkt_v3_join, 16);
}
END_TEST

START_TEST(test_v3_report_capacity) {
        /* (MTU - 24 bytes of IP header with Router Alert - 8 bytes of report header) / 8. */
        ck_assert_uint_eq(igmp_v3_report_capacity(1500), 183);
        ck_assert_uint_eq(igmp_v3_report_capacity(1492), 182); /* PPPoE */
        ck_assert_uint_eq(igmp_v3_report_capacity(576), 68);
        ck_assert_uint_eq(igmp_v3_report_capacity(68), 4);     /* the IPv4 minimum MTU */
        ck_assert_uint_eq(igmp_v3_report_capacity(40), 1);
        ck_assert_uint_eq(igmp_v3_report_capacity(39), 0);
        ck_assert_uint_eq(igmp_v3_report_capacity(0), 0);
        ck_assert_uint_eq(igmp_v3_report_capacity(65535), (65535 - 32) / 8);
        ck_assert_uint_eq(igmp_v3_report_capacity(UINT32_MAX), 65535);
}
END_TEST

/* The MTU boundary: capacity(mtu) records make a datagram of at most mtu bytes, one more
 * does not fit; every record comes back in order through the parser. */
START_TEST(test_v3_report_mtu_boundary) {
        static const unsigned mtus[] = { 68, 576, 1280, 1492, 1500, 9000 };

        for (size_t k = 0; k < ELEMENTSOF(mtus); k++) {
                size_t n = igmp_v3_report_capacity(mtus[k]), room = mtus[k] - IGMP_IP_HEADER_LEN;
                IgmpGroupRecord *r = calloc(n + 1, sizeof *r);
                uint8_t *b = malloc(room);
                IgmpMessage m;
                IgmpRecord rec;
                size_t cursor = 0, seen = 0;
                int len;

                ck_assert_ptr_nonnull(r);
                ck_assert_ptr_nonnull(b);
                for (size_t i = 0; i <= n; i++)
                        r[i] = (IgmpGroupRecord) { (uint8_t) (IGMP_MODE_IS_EXCLUDE + i % 3),
                                                   IN4(239, 9, (i >> 8) & 0xff, i & 0xff) };
                len = igmp_build_v3_report(b, room, r, n);
                ck_assert_int_eq(len, (int) (8 + 8 * n));
                ck_assert_uint_le((size_t) len + IGMP_IP_HEADER_LEN, mtus[k]);
                ck_assert_int_eq(igmp_build_v3_report(b, room, r, n + 1), -ENOBUFS);
                ck_assert_int_eq(igmp_parse(b, (size_t) len, &m, NULL), 0);
                ck_assert_uint_eq(m.n_records, n);
                while (igmp_record_next(&m, &cursor, &rec) > 0) {
                        ck_assert_uint_eq(rec.type, r[seen].type);
                        ck_assert_uint_eq(rec.group, r[seen].group);
                        ck_assert_uint_eq(rec.n_sources, 0);
                        seen++;
                }
                ck_assert_uint_eq(seen, n);
                free(r);
                free(b);
        }
}
END_TEST

START_TEST(test_v3_report_errors) {
        IgmpGroupRecord r = { IGMP_MODE_IS_EXCLUDE, IN4(239, 1, 1, 1) };
        uint8_t b[64];

        ck_assert_int_eq(igmp_build_v3_report(b, sizeof b, &r, 0), -EINVAL);
        ck_assert_int_eq(igmp_build_v3_report(NULL, sizeof b, &r, 1), -EINVAL);
        ck_assert_int_eq(igmp_build_v3_report(b, sizeof b, NULL, 1), -EINVAL);
        ck_assert_int_eq(igmp_build_v3_report(b, 15, &r, 1), -ENOBUFS);
        r.type = 0;
        ck_assert_int_eq(igmp_build_v3_report(b, sizeof b, &r, 1), -EINVAL);
        r.type = 7;
        ck_assert_int_eq(igmp_build_v3_report(b, sizeof b, &r, 1), -EINVAL);
        r = (IgmpGroupRecord) { IGMP_MODE_IS_EXCLUDE, IN4(198, 18, 0, 1) };
        ck_assert_int_eq(igmp_build_v3_report(b, sizeof b, &r, 1), -EINVAL);
}
END_TEST

/* ---- source lists (RFC 3376 4.1.8, 4.1.9, 4.2.4) ------------------------------- */

/* Group-and-source-specific query for 232.1.2.3, sources 198.18.0.1 and 198.18.0.2, max resp
 * 1 s (code 0x0a), S = 1, QRV 2 (octet 0x0a), QQIC 125 (0x7d). Checksum 0x6e49 computed by hand
 * (one's complement sum of the words with the checksum field zero). */
static const uint8_t pkt_gssq_s[] = {
        0x11, 0x0a, 0x6e, 0x49, 0xe8, 0x01, 0x02, 0x03,
        0x0a, 0x7d, 0x00, 0x02,
        0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02,
};

/* v3 report, two records with sources: IS_IN(232.1.1.1, {198.18.0.1, 198.18.0.2}) and
 * BLOCK(232.1.1.2, {198.18.0.3}). Checksum 0xb2b5 computed by hand. */
static const uint8_t pkt_v3_sources[] = {
        0x22, 0x00, 0xb2, 0xb5, 0x00, 0x00, 0x00, 0x02,
        0x01, 0x00, 0x00, 0x02, 0xe8, 0x01, 0x01, 0x01,
        0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02,
        0x06, 0x00, 0x00, 0x01, 0xe8, 0x01, 0x01, 0x02,
        0xc6, 0x12, 0x00, 0x03,
};

START_TEST(test_query_sources_bytes) {
        const in4_t src[] = { IN4(198, 18, 0, 1), IN4(198, 18, 0, 2) };
        uint8_t b[64];
        IgmpMessage m;

        memset(b, 0xaa, sizeof b);
        ck_assert_int_eq(igmp_build_query_sources(b, sizeof b, 3, IN4(232, 1, 2, 3), USEC_PER_SEC, 2,
                                                  125 * USEC_PER_SEC, true, src, 2), 20);
        ck_assert_mem_eq(b, pkt_gssq_s, sizeof pkt_gssq_s);
        ck_assert_uint_eq(b[20], 0xaa);  /* nothing written past the message */
        /* Exactly the size it needs. */
        ck_assert_int_eq(igmp_build_query_sources(b, 20, 3, IN4(232, 1, 2, 3), USEC_PER_SEC, 2,
                                                  125 * USEC_PER_SEC, true, src, 2), 20);

        /* And back: the parser reads the hand-written bytes. */
        ck_assert_int_eq(igmp_parse(pkt_gssq_s, sizeof pkt_gssq_s, &m, NULL), 0);
        ck_assert_uint_eq(m.version, 3);
        ck_assert_uint_eq(m.group, IN4(232, 1, 2, 3));
        ck_assert(m.s_flag);
        ck_assert_uint_eq(m.qrv, 2);
        ck_assert_uint_eq(m.max_resp_usec, USEC_PER_SEC);
        ck_assert_uint_eq(m.qqi_usec, 125 * USEC_PER_SEC);
        ck_assert_uint_eq(m.n_sources, 2);
        ck_assert_ptr_eq(m.sources, pkt_gssq_s + 12);
        ck_assert_uint_eq(igmp_query_source(&m, 0), IN4(198, 18, 0, 1));
        ck_assert_uint_eq(igmp_query_source(&m, 1), IN4(198, 18, 0, 2));
        ck_assert_uint_eq(igmp_query_source(&m, 2), 0);  /* out of range */
        ck_assert_uint_eq(igmp_query_source(NULL, 0), 0);

        /* The RFC 6636 example packet at the top of this file, whose sources were never read. */
        ck_assert_int_eq(igmp_parse(pkt_v3_gssq, sizeof pkt_v3_gssq, &m, NULL), 0);
        ck_assert_uint_eq(igmp_query_source(&m, 0), IN4(10, 0, 0, 1));
        ck_assert_uint_eq(igmp_query_source(&m, 1), IN4(10, 0, 0, 2));

        /* v1/v2 queries and a v3 general query list no source. */
        ck_assert_int_eq(igmp_parse(pkt_v2_gsq, sizeof pkt_v2_gsq, &m, NULL), 0);
        ck_assert_uint_eq(m.n_sources, 0);
        ck_assert_uint_eq(igmp_query_source(&m, 0), 0);
        ck_assert_int_eq(igmp_parse(pkt_v3_query, sizeof pkt_v3_query, &m, NULL), 0);
        ck_assert_uint_eq(m.n_sources, 0);
        ck_assert_uint_eq(igmp_query_source(&m, 0), 0);
}
END_TEST

/* RFC 3376 4.1.5: the S flag is bit 3 of octet 8, beside the QRV (4.1.6) in bits 0..2 and under
 * the reserved bits 4..7 (sent as zero, 4.1.4). It goes on any v3 query the caller asks for,
 * also one without sources (6.6.3.1: the retransmitted group-specific queries). */
START_TEST(test_query_sources_s_flag) {
        const in4_t src = IN4(198, 18, 0, 1);
        uint8_t b[32], plain[32];
        IgmpMessage m;

        for (uint8_t qrv = 0; qrv <= 9; qrv++) {
                for (int s_flag = 0; s_flag <= 1; s_flag++) {
                        ck_assert_int_eq(igmp_build_query_sources(b, sizeof b, 3, IN4(239, 1, 1, 1), USEC_PER_SEC,
                                                                  qrv, 125 * USEC_PER_SEC, s_flag, &src, 1), 16);
                        ck_assert_uint_eq(b[8], (s_flag ? 0x08 : 0) | MIN(qrv, 7));
                        ck_assert_int_eq(igmp_parse(b, 16, &m, NULL), 0);
                        ck_assert_int_eq(m.s_flag, s_flag);
                        ck_assert_uint_eq(m.qrv, MIN(qrv, 7));
                        ck_assert_uint_eq(m.n_sources, 1);
                        ck_assert_uint_eq(igmp_query_source(&m, 0), src);
                }
        }
        /* S flag, no sources: a 12-byte group-specific query. */
        ck_assert_int_eq(igmp_build_query_sources(b, sizeof b, 3, IN4(239, 1, 1, 1), USEC_PER_SEC, 2,
                                                  125 * USEC_PER_SEC, true, NULL, 0), 12);
        ck_assert_uint_eq(b[8], 0x0a);
        ck_assert_int_eq(igmp_parse(b, 12, &m, NULL), 0);
        ck_assert(m.s_flag);
        ck_assert_uint_eq(m.n_sources, 0);

        /* igmp_build_query() is the same builder with the S flag clear and no sources, for every
         * version and kind of query. */
        for (int v = 1; v <= 3; v++) {
                for (int gs = 0; gs <= 1; gs++) {
                        in4_t g = gs ? IN4(239, 2, 3, 4) : 0;
                        int n1, n2;

                        if (v == 1 && gs)
                                continue;
                        memset(b, 0x55, sizeof b);
                        memset(plain, 0x55, sizeof plain);
                        n1 = igmp_build_query(plain, sizeof plain, v, g, 2 * USEC_PER_SEC, 2, 125 * USEC_PER_SEC);
                        n2 = igmp_build_query_sources(b, sizeof b, v, g, 2 * USEC_PER_SEC, 2, 125 * USEC_PER_SEC,
                                                      false, NULL, 0);
                        ck_assert_int_gt(n1, 0);
                        ck_assert_int_eq(n1, n2);
                        ck_assert_mem_eq(b, plain, sizeof b);
                }
        }
}
END_TEST

START_TEST(test_query_sources_roundtrip) {
        static const size_t counts[] = { 1, 2, 3, 366, 1000, 65535 };

        for (size_t k = 0; k < ELEMENTSOF(counts); k++) {
                size_t n = counts[k], size = 12 + 4 * n;
                in4_t *src = malloc(n * sizeof *src);
                uint8_t *b = malloc(size);
                IgmpMessage m;

                ck_assert_ptr_nonnull(src);
                ck_assert_ptr_nonnull(b);
                for (size_t i = 0; i < n; i++)
                        src[i] = IN4(198, 18, 0, 0) + (in4_t) (i * 7919 % 131072);
                ck_assert_int_eq(igmp_build_query_sources(b, size, 3, IN4(232, 9, 9, 9), 3 * USEC_PER_SEC, 2,
                                                          125 * USEC_PER_SEC, k % 2 == 0, src, n), (int) size);
                ck_assert_uint_eq(b[10], n >> 8);
                ck_assert_uint_eq(b[11], n & 0xff);
                ck_assert_int_eq(igmp_parse(b, size, &m, NULL), 0);
                ck_assert_uint_eq(m.n_sources, n);
                ck_assert_int_eq(m.s_flag, k % 2 == 0);
                for (size_t i = 0; i < n; i++)
                        ck_assert_uint_eq(igmp_query_source(&m, (uint16_t) i), src[i]);
                /* One byte short: nothing written. */
                memset(b, 0xaa, size);
                ck_assert_int_eq(igmp_build_query_sources(b, size - 1, 3, IN4(232, 9, 9, 9), 3 * USEC_PER_SEC, 2,
                                                          125 * USEC_PER_SEC, false, src, n), -ENOBUFS);
                ck_assert_uint_eq(b[0], 0xaa);
                free(src);
                free(b);
        }
}
END_TEST

START_TEST(test_query_sources_errors) {
        const in4_t src[] = { IN4(198, 18, 0, 1), IN4(198, 18, 0, 2) };
        const in4_t g = IN4(232, 1, 1, 1);
        uint8_t b[64];

        memset(b, 0xaa, sizeof b);
        /* v1 and v2 queries have neither sources nor an S flag (RFC 2236 2: 8 octets). */
        for (int v = 1; v <= 2; v++) {
                ck_assert_int_eq(igmp_build_query_sources(b, sizeof b, v, v == 1 ? 0 : g, USEC_PER_SEC, 2, 0,
                                                          false, src, 2), -EINVAL);
                ck_assert_int_eq(igmp_build_query_sources(b, sizeof b, v, v == 1 ? 0 : g, USEC_PER_SEC, 2, 0,
                                                          true, NULL, 0), -EINVAL);
                ck_assert_int_eq(igmp_build_query_sources(b, sizeof b, v, v == 1 ? 0 : g, USEC_PER_SEC, 2, 0,
                                                          true, src, 1), -EINVAL);
        }
        /* Sources in a general query (RFC 3376 4.1.9, 4.1.11). */
        ck_assert_int_eq(igmp_build_query_sources(b, sizeof b, 3, 0, USEC_PER_SEC, 2, 0, false, src, 2), -EINVAL);
        /* A count the 16-bit field cannot hold. */
        ck_assert_int_eq(igmp_build_query_sources(b, sizeof b, 3, g, USEC_PER_SEC, 2, 0, false, src, 65536), -EINVAL);
        /* A count without addresses; a non-multicast group; no buffer; a bad version. */
        ck_assert_int_eq(igmp_build_query_sources(b, sizeof b, 3, g, USEC_PER_SEC, 2, 0, false, NULL, 1), -EINVAL);
        ck_assert_int_eq(igmp_build_query_sources(b, sizeof b, 3, IN4(198, 18, 0, 9), USEC_PER_SEC, 2, 0, false,
                                                  src, 2), -EINVAL);
        ck_assert_int_eq(igmp_build_query_sources(NULL, sizeof b, 3, g, USEC_PER_SEC, 2, 0, false, src, 2), -EINVAL);
        ck_assert_int_eq(igmp_build_query_sources(b, sizeof b, 4, g, USEC_PER_SEC, 2, 0, false, src, 2), -EINVAL);
        ck_assert_uint_eq(b[0], 0xaa);
        /* Every size below 12 + 4 n. */
        for (size_t s = 0; s < 20; s++)
                ck_assert_int_eq(igmp_build_query_sources(b, s, 3, g, USEC_PER_SEC, 2, 0, true, src, 2), -ENOBUFS);
        ck_assert_uint_eq(b[0], 0xaa);
}
END_TEST

/* A query whose source list runs past the message is still refused (RFC 3376 4.1.8). */
START_TEST(test_query_sources_truncated) {
        uint8_t b[20];

        for (size_t cut = 13; cut < sizeof pkt_gssq_s; cut++) {
                memcpy(b, pkt_gssq_s, sizeof pkt_gssq_s);
                fix_csum(b, cut);
                ck_assert_int_eq(parse_err(b, cut), IGMP_PARSE_TRUNCATED);
        }
        /* Whole sources missing: the count says 3, two are there. */
        memcpy(b, pkt_gssq_s, sizeof pkt_gssq_s);
        b[11] = 3;
        fix_csum(b, sizeof b);
        ck_assert_int_eq(parse_err(b, sizeof b), IGMP_PARSE_TRUNCATED);
        /* The count 2 at its right length parses; with group 0 it is no general query. */
        memcpy(b, pkt_gssq_s, sizeof pkt_gssq_s);
        ck_assert_int_eq(parse_err(b, sizeof b), IGMP_PARSE_OK);
        put32(b + 4, 0);
        fix_csum(b, sizeof b);
        ck_assert_int_eq(parse_err(b, sizeof b), IGMP_PARSE_BAD_GROUP);
}
END_TEST

START_TEST(test_v3_report_sources_bytes) {
        const in4_t s1[] = { IN4(198, 18, 0, 1), IN4(198, 18, 0, 2) };
        const in4_t s2[] = { IN4(198, 18, 0, 3) };
        const IgmpGroupRecord r[] = {
                { IGMP_MODE_IS_INCLUDE, IN4(232, 1, 1, 1), 2, s1 },
                { IGMP_BLOCK_OLD_SOURCES, IN4(232, 1, 1, 2), 1, s2 },
        };
        uint8_t b[64];
        IgmpMessage m;
        IgmpRecord rec;
        size_t cur = 0;

        ck_assert_uint_eq(igmp_v3_record_size(2) + igmp_v3_record_size(1) + 8, sizeof pkt_v3_sources);
        memset(b, 0xaa, sizeof b);
        ck_assert_int_eq(igmp_build_v3_report(b, sizeof b, r, 2), (int) sizeof pkt_v3_sources);
        ck_assert_mem_eq(b, pkt_v3_sources, sizeof pkt_v3_sources);
        ck_assert_uint_eq(b[sizeof pkt_v3_sources], 0xaa);
        ck_assert_int_eq(igmp_build_v3_report(b, sizeof pkt_v3_sources, r, 2), (int) sizeof pkt_v3_sources);

        ck_assert_int_eq(igmp_parse(pkt_v3_sources, sizeof pkt_v3_sources, &m, NULL), 0);
        ck_assert_uint_eq(m.n_records, 2);
        ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 1);
        ck_assert_uint_eq(rec.type, IGMP_MODE_IS_INCLUDE);
        ck_assert_uint_eq(rec.group, IN4(232, 1, 1, 1));
        ck_assert_uint_eq(rec.n_sources, 2);
        ck_assert_uint_eq(igmp_record_source(&rec, 0), s1[0]);
        ck_assert_uint_eq(igmp_record_source(&rec, 1), s1[1]);
        ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 1);
        ck_assert_uint_eq(rec.type, IGMP_BLOCK_OLD_SOURCES);
        ck_assert_uint_eq(rec.group, IN4(232, 1, 1, 2));
        ck_assert_uint_eq(rec.n_sources, 1);
        ck_assert_uint_eq(igmp_record_source(&rec, 0), s2[0]);
        ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 0);

        /* A source count with no addresses behind it is refused; so is a sources pointer
         * with a zero count ignored (n_sources decides). */
        {
                IgmpGroupRecord bad = { IGMP_ALLOW_NEW_SOURCES, IN4(232, 1, 1, 1), 1, NULL };
                IgmpGroupRecord zero = { IGMP_CHANGE_TO_EXCLUDE, IN4(239, 1, 2, 3), 0, s1 };

                ck_assert_int_eq(igmp_build_v3_report(b, sizeof b, &bad, 1), -EINVAL);
                ck_assert_int_eq(igmp_build_v3_report(b, sizeof b, &zero, 1), 16);
                ck_assert_mem_eq(b, pkt_v3_join, 16);
        }
        /* Every size below the length. */
        memset(b, 0xaa, sizeof b);
        for (size_t s = 0; s < sizeof pkt_v3_sources; s++)
                ck_assert_int_eq(igmp_build_v3_report(b, s, r, 2), -ENOBUFS);
        ck_assert_uint_eq(b[0], 0xaa);
        /* Every cut point of the packet is refused. */
        for (size_t cut = 8; cut < sizeof pkt_v3_sources; cut++) {
                uint8_t c[64];

                memcpy(c, pkt_v3_sources, sizeof pkt_v3_sources);
                fix_csum(c, cut);
                ck_assert_int_eq(parse_err(c, cut), IGMP_PARSE_BAD_RECORD);
        }
}
END_TEST

/* Records with and without sources mixed, in every type: built, parsed, read back in order. */
START_TEST(test_v3_report_sources_roundtrip) {
        enum { N = 40 };
        IgmpGroupRecord r[N];
        in4_t src[N][N];
        size_t want = 8;
        uint8_t *b;
        IgmpMessage m;
        IgmpRecord rec;
        size_t cur = 0, seen = 0;
        int len;

        for (size_t k = 0; k < N; k++) {
                uint16_t n = (uint16_t) (k % 4 == 0 ? 0 : k);

                for (uint16_t i = 0; i < n; i++)
                        src[k][i] = IN4(198, 18, (uint8_t) k, (uint8_t) (i + 1));
                r[k] = (IgmpGroupRecord) { (uint8_t) (IGMP_MODE_IS_INCLUDE + k % 6), IN4(232, 5, 0, (uint8_t) k), n,
                                           n ? src[k] : NULL };
                want += igmp_v3_record_size(n);
        }
        b = malloc(want);
        ck_assert_ptr_nonnull(b);
        len = igmp_build_v3_report(b, want, r, N);
        ck_assert_int_eq(len, (int) want);
        ck_assert_int_eq(igmp_build_v3_report(b, want - 1, r, N), -ENOBUFS);
        ck_assert_int_eq(igmp_parse(b, want, &m, NULL), 0);
        ck_assert_uint_eq(m.n_records, N);
        while (igmp_record_next(&m, &cur, &rec) > 0) {
                ck_assert_uint_lt(seen, N);
                ck_assert_uint_eq(rec.type, r[seen].type);
                ck_assert_uint_eq(rec.group, r[seen].group);
                ck_assert_uint_eq(rec.n_sources, r[seen].n_sources);
                for (uint16_t i = 0; i < rec.n_sources; i++)
                        ck_assert_uint_eq(igmp_record_source(&rec, i), r[seen].sources[i]);
                seen++;
        }
        ck_assert_uint_eq(seen, N);
        free(b);
}
END_TEST

static Suite *igmp_packet_suite(void) {
        Suite *s = suite_create("igmp-packet");
        TCase *tc;

        tc = tcase_create("checksum-codes");
        tcase_add_test(tc, test_checksum_vectors);
        tcase_add_test(tc, test_code_decode_vectors);
        tcase_add_test(tc, test_code_encode_vectors);
        tcase_add_test(tc, test_code_roundtrip_exhaustive);
        suite_add_tcase(s, tc);

        tc = tcase_create("parse");
        tcase_add_test(tc, test_parse_v2_report);
        tcase_add_test(tc, test_parse_v2_leave);
        tcase_add_test(tc, test_parse_v1_report);
        tcase_add_test(tc, test_parse_link_local_report);
        tcase_add_test(tc, test_parse_v1_query);
        tcase_add_test(tc, test_parse_v2_query);
        tcase_add_test(tc, test_parse_v3_query);
        tcase_add_test(tc, test_parse_v3_report_join_leave);
        tcase_add_test(tc, test_parse_v3_report_two_records);
        tcase_add_test(tc, test_general_vs_group_specific);
        tcase_add_test(tc, test_longer_reports_accepted);
        suite_add_tcase(s, tc);

        tc = tcase_create("build");
        tcase_add_test(tc, test_build_bytes_match_wire);
        tcase_add_test(tc, test_build_roundtrip);
        tcase_add_test(tc, test_build_query_values);
        tcase_add_test(tc, test_build_errors);
        tcase_add_test(tc, test_destinations);
        suite_add_tcase(s, tc);

        tc = tcase_create("reject");
        tcase_add_test(tc, test_reject_truncated);
        tcase_add_test(tc, test_reject_query_length_9_to_11);
        tcase_add_test(tc, test_reject_bad_checksum);
        tcase_add_test(tc, test_reject_unknown_type);
        tcase_add_test(tc, test_reject_bad_group);
        tcase_add_test(tc, test_error_strings);
        suite_add_tcase(s, tc);

        tc = tcase_create("v3-records");
        tcase_add_test(tc, test_v3_zero_records);
        tcase_add_test(tc, test_v3_record_count_overflow);
        tcase_add_test(tc, test_v3_source_count_overflow);
        tcase_add_test(tc, test_v3_aux_overflow);
        tcase_add_test(tc, test_v3_every_cut_point);
        tcase_add_test(tc, test_v3_record_type);
        tcase_add_test(tc, test_v3_unknown_record_in_the_middle);
        tcase_add_test(tc, test_v3_record_group);
        tcase_add_test(tc, test_v3_many_records);
        tcase_add_test(tc, test_v3_report_bytes);
        tcase_add_test(tc, test_v3_report_capacity);
        tcase_add_test(tc, test_v3_report_mtu_boundary);
        tcase_add_test(tc, test_v3_report_errors);
        suite_add_tcase(s, tc);

        tc = tcase_create("sources");
        tcase_add_test(tc, test_query_sources_bytes);
        tcase_add_test(tc, test_query_sources_s_flag);
        tcase_add_test(tc, test_query_sources_roundtrip);
        tcase_add_test(tc, test_query_sources_errors);
        tcase_add_test(tc, test_query_sources_truncated);
        tcase_add_test(tc, test_v3_report_sources_bytes);
        tcase_add_test(tc, test_v3_report_sources_roundtrip);
        suite_add_tcase(s, tc);

        tc = tcase_create("ip");
        tcase_add_test(tc, test_ip_parse_real_packet);
        tcase_add_test(tc, test_ip_parse_router_alert);
        tcase_add_test(tc, test_ip_parse_bad_options);
        tcase_add_test(tc, test_ip_parse_bad_header);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        return run_suite(igmp_packet_suite());
}
