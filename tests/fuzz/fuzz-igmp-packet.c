/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-igmp-packet.c - libFuzzer target for the IGMP codec.
 *
 * Feeds the input to ip_parse() and, if that accepts it, the IP payload to
 * igmp_parse(); independently feeds the raw input to igmp_parse() (the seeds
 * in corpus-igmp/ are bare IGMP messages). Every accepted v3 report has all
 * its records and sources walked (records of an unknown type included: RFC
 * 3376 4.2.12 keeps the report), every accepted v3 query its source list, and
 * accepted messages are checked against
 * the invariants igmp_parse() promises, so that a bounds bug shows up as an
 * ASan report or an abort.
 *
 * Build and run: tests/fuzz/run-fuzz.sh (meson test --suite fuzz).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "igmp-packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_assert(x)                                                          \
        do {                                                                    \
                if (!(x)) {                                                     \
                        fprintf(stderr, "%s:%d: invariant failed: %s\n",        \
                                __FILE__, __LINE__, #x);                        \
                        abort();                                                \
                }                                                               \
        } while (0)

/* Volatile sink so the walk is not optimised away. */
static volatile uint64_t sink;

static void check_message(const uint8_t *buf, size_t len) {
        IgmpParseError e = _IGMP_PARSE_ERROR_MAX;
        IgmpMessage m;
        IgmpRecord rec;
        size_t cursor = 0;
        unsigned n = 0;
        int r;

        r = igmp_parse(buf, len, &m, &e);
        fuzz_assert(igmp_parse_error_to_string(e) != NULL);
        if (r < 0) {
                fuzz_assert(r == -EBADMSG);
                fuzz_assert(e != IGMP_PARSE_OK);
                return;
        }
        fuzz_assert(e == IGMP_PARSE_OK);
        fuzz_assert(len >= 8);
        fuzz_assert(inet_checksum(buf, len) == 0);
        fuzz_assert(m.version >= 1 && m.version <= 3);

        switch (m.type) {
        case IGMP_TYPE_QUERY:
                fuzz_assert(m.group == 0 || in4_is_multicast(m.group));
                fuzz_assert(len == 8 || 12 + (size_t) m.n_sources * 4 <= len);
                fuzz_assert(m.version == 3 || m.n_sources == 0);
                fuzz_assert(m.n_sources == 0 || m.group != 0);
                for (uint16_t i = 0; i < m.n_sources; i++)
                        sink += igmp_query_source(&m, i);
                fuzz_assert(igmp_query_source(&m, m.n_sources) == 0);
                break;
        case IGMP_TYPE_V1_REPORT:
        case IGMP_TYPE_V2_REPORT:
        case IGMP_TYPE_V2_LEAVE:
                fuzz_assert(in4_is_multicast(m.group));
                break;
        case IGMP_TYPE_V3_REPORT:
                fuzz_assert(m.records == buf + 8);
                fuzz_assert(8 + m.records_len <= len);
                while (igmp_record_next(&m, &cursor, &rec) == 1) {
                        /* RFC 3376 4.2.12: a record of an unknown type is handed out unread
                         * (the reader skips it); one of a known type names a group. */
                        if (rec.type >= IGMP_MODE_IS_INCLUDE && rec.type <= IGMP_BLOCK_OLD_SOURCES)
                                fuzz_assert(in4_is_multicast(rec.group));
                        fuzz_assert(rec.sources >= buf && rec.sources + (size_t) rec.n_sources * 4 <= buf + len);
                        for (uint16_t i = 0; i < rec.n_sources; i++)
                                sink += igmp_record_source(&rec, i);
                        n++;
                }
                fuzz_assert(n == m.n_records);
                fuzz_assert(cursor == m.records_len);
                break;
        default:
                fuzz_assert(!"unknown type accepted");
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        IpInfo ip;

        if (ip_parse(data, size, &ip) == 0) {
                fuzz_assert(ip.protocol == 2);
                fuzz_assert(ip.payload >= data + 20 && ip.payload + ip.payload_len <= data + size);
                check_message(ip.payload, ip.payload_len);
        }
        check_message(data, size);

        /* Round-trip the code format on whatever the first byte is. */
        if (size > 0)
                fuzz_assert(igmp_encode_code(igmp_decode_code(data[0])) == data[0]);
        return 0;
}
