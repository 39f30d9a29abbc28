/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * igmp-wire-gen.c - writes a pcap file (LINKTYPE_IPV4, 228: each frame a bare IPv4 datagram) of
 * IGMP messages made by the codec's builders (src/core/igmp-packet.c), for test-igmp-wire.py to
 * have tshark dissect: an independent reading of what we put on the wire.
 *
 * Usage: igmp-wire-gen FILE. The frames, in order (test-igmp-wire.py holds what each must
 * dissect to; keep the two in step):
 *   1 v3 group-and-source-specific query 232.1.2.3, S flag, QRV 2, QQIC 125, max resp 10 s,
 *     sources 198.18.0.1 198.18.0.2
 *   2 v3 general query, no S flag, QRV 7, QQIC 200 (code 0x89), max resp 20 s (code 0x89)
 *   3 v3 group-specific query 239.1.1.1 with the S flag and no source, max resp 1 s
 *   4 v3 query for 232.9.9.9 with 366 sources 198.18.1.0 + i, S flag (a 1500-byte datagram)
 *   5 v3 report: IS_IN(232.1.1.1, {198.18.0.1, 198.18.0.2}), BLOCK(232.1.1.2, {198.18.0.3}),
 *     TO_EX(239.1.2.3, {})
 *   6 v3 report: ALLOW(232.1.1.3, {198.18.0.4}), TO_IN(239.0.0.1, {}) (TO_IN via the leave
 *     builder: frame 7 is igmp_build_leave(3))
 *   7 v3 leave 239.0.0.1 (igmp_build_leave, one TO_IN({}) record)
 *   8 v2 group-specific query 239.1.1.1, max resp 1 s
 *   9 v2 report 239.0.0.1
 *  10 v2 leave 239.0.0.1
 * Each datagram: IHL 6 with Router Alert (RFC 2113), TTL 1, protocol 2, from 198.18.0.100.
 * Exits 0, or 1 with a message when a builder fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "igmp-packet.h"

#define SRC IN4(198, 18, 0, 100)
#define LINKTYPE_IPV4 228

static FILE *out;
static unsigned frame;

static void put16(uint8_t *p, uint16_t v) {
        p[0] = (uint8_t) (v >> 8);
        p[1] = (uint8_t) v;
}

static void put32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t) (v >> 24);
        p[1] = (uint8_t) (v >> 16);
        p[2] = (uint8_t) (v >> 8);
        p[3] = (uint8_t) v;
}

static void write_u32(uint32_t v) {
        (void) fwrite(&v, sizeof v, 1, out); /* host order: the magic number tells readers which */
}

static void write_u16(uint16_t v) {
        (void) fwrite(&v, sizeof v, 1, out);
}

/* One frame: the IPv4 header (RFC 791, with the RFC 2113 option) and the IGMP message built by
 * the codec (len < 0: the builder failed). */
static void frame_out(const char *what, in4_t dst, const uint8_t *igmp, int len) {
        uint8_t ip[IGMP_IP_HEADER_LEN] = { 0x46, 0xc0 };
        size_t total;

        frame++;
        if (len < 0) {
                fprintf(stderr, "frame %u (%s): builder failed: %s\n", frame, what, strerror(-len));
                exit(EXIT_FAILURE);
        }
        total = IGMP_IP_HEADER_LEN + (size_t) len;
        if (total > 65535) {
                fprintf(stderr, "frame %u (%s): %zu bytes, too long for IPv4\n", frame, what, total);
                exit(EXIT_FAILURE);
        }
        put16(ip + 2, (uint16_t) total);
        put16(ip + 4, (uint16_t) frame);
        put16(ip + 6, 0x4000); /* DF */
        ip[8] = 1;             /* TTL */
        ip[9] = 2;             /* IGMP */
        put32(ip + 12, SRC);
        put32(ip + 16, dst);
        ip[20] = 0x94;         /* Router Alert, length 4, value 0 */
        ip[21] = 0x04;
        put16(ip + 10, inet_checksum(ip, sizeof ip));

        write_u32(frame);      /* ts_sec */
        write_u32(0);          /* ts_usec */
        write_u32((uint32_t) total);
        write_u32((uint32_t) total);
        (void) fwrite(ip, 1, sizeof ip, out);
        (void) fwrite(igmp, 1, (size_t) len, out);
}

int main(int argc, char **argv) {
        static uint8_t b[65536];
        const in4_t gssq_src[] = { IN4(198, 18, 0, 1), IN4(198, 18, 0, 2) };
        const in4_t r1_src[] = { IN4(198, 18, 0, 1), IN4(198, 18, 0, 2) }, r2_src[] = { IN4(198, 18, 0, 3) },
                    r4_src[] = { IN4(198, 18, 0, 4) };
        const IgmpGroupRecord rep1[] = {
                { IGMP_MODE_IS_INCLUDE, IN4(232, 1, 1, 1), 2, r1_src },
                { IGMP_BLOCK_OLD_SOURCES, IN4(232, 1, 1, 2), 1, r2_src },
                { IGMP_CHANGE_TO_EXCLUDE, IN4(239, 1, 2, 3), 0, NULL },
        };
        const IgmpGroupRecord rep2[] = {
                { IGMP_ALLOW_NEW_SOURCES, IN4(232, 1, 1, 3), 1, r4_src },
                { IGMP_CHANGE_TO_INCLUDE, IN4(239, 0, 0, 1), 0, NULL },
        };
        in4_t many[366];

        if (argc != 2) {
                fprintf(stderr, "usage: %s FILE\n", argv[0]);
                return 2;
        }
        out = fopen(argv[1], "wb");
        if (!out) {
                fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
                return 1;
        }
        /* pcap global header: magic, version 2.4, GMT, accuracy, snaplen, link type. */
        write_u32(0xa1b2c3d4);
        write_u16(2);
        write_u16(4);
        write_u32(0);
        write_u32(0);
        write_u32(65535);
        write_u32(LINKTYPE_IPV4);

        frame_out("gssq", IN4(232, 1, 2, 3),
                  b, igmp_build_query_sources(b, sizeof b, 3, IN4(232, 1, 2, 3), 10 * USEC_PER_SEC, 2,
                                              125 * USEC_PER_SEC, true, gssq_src, 2));
        frame_out("general", IN4(224, 0, 0, 1),
                  b, igmp_build_query(b, sizeof b, 3, 0, 20 * USEC_PER_SEC, 7, 200 * USEC_PER_SEC));
        frame_out("gsq-s", IN4(239, 1, 1, 1),
                  b, igmp_build_query_sources(b, sizeof b, 3, IN4(239, 1, 1, 1), USEC_PER_SEC, 2,
                                              125 * USEC_PER_SEC, true, NULL, 0));
        for (size_t i = 0; i < ELEMENTSOF(many); i++)
                many[i] = IN4(198, 18, 1, 0) + (in4_t) i;
        frame_out("gssq-366", IN4(232, 9, 9, 9),
                  b, igmp_build_query_sources(b, sizeof b, 3, IN4(232, 9, 9, 9), USEC_PER_SEC, 2,
                                              125 * USEC_PER_SEC, true, many, ELEMENTSOF(many)));
        frame_out("report-3", IN4(224, 0, 0, 22), b, igmp_build_v3_report(b, sizeof b, rep1, ELEMENTSOF(rep1)));
        frame_out("report-2", IN4(224, 0, 0, 22), b, igmp_build_v3_report(b, sizeof b, rep2, ELEMENTSOF(rep2)));
        frame_out("leave-v3", IN4(224, 0, 0, 22), b, igmp_build_leave(b, sizeof b, 3, IN4(239, 0, 0, 1)));
        frame_out("gsq-v2", IN4(239, 1, 1, 1), b, igmp_build_query(b, sizeof b, 2, IN4(239, 1, 1, 1), USEC_PER_SEC, 0, 0));
        frame_out("report-v2", IN4(239, 0, 0, 1), b, igmp_build_report(b, sizeof b, 2, IN4(239, 0, 0, 1)));
        frame_out("leave-v2", IN4(224, 0, 0, 2), b, igmp_build_leave(b, sizeof b, 2, IN4(239, 0, 0, 1)));

        if (fclose(out) != 0) {
                fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
                return 1;
        }
        return 0;
}
