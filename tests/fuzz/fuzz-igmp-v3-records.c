/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-igmp-v3-records.c - libFuzzer target for the IGMPv3 report record walker.
 *
 * fuzz-igmp-packet.c has to guess a valid checksum and record count before igmp_parse()
 * accepts a v3 report; this target builds the 8-byte report header (type 0x22, checksum,
 * Number of Group Records) around the input, so nearly every input reaches the record checks
 * of igmp_parse() and then igmp_record_next() / igmp_record_source().
 *
 * Input: one mode byte, then the group records (RFC 3376 4.2.4).
 *   mode bit 0: Number of Group Records taken from the next two input bytes (any value, also
 *               more than there are); otherwise the number of complete records in the input
 *               (counted by the independent reference walk below).
 *   mode bit 1: the records that fit get a valid type (1..6) and a multicast group, so the
 *               walker sees many accepted reports with many records and sources. Without it,
 *               most records have an unknown type: accepted whatever their group (RFC 3376
 *               4.2.12), walked all the same.
 *   mode bit 2: the checksum is made wrong: the report must then be refused as such.
 *   mode bit 3: after the walk, restart the iterator from a cursor taken from the input (any
 *               offset inside the records): it must never hand out a record that overruns them.
 * The packet lives in a buffer of exactly its size, so any read past it is an ASan report.
 *
 * Invariants: igmp_parse() accepts iff the reference walk does; when it does, records_len is
 * the reference span, every record's header and sources lie inside the records (and so inside
 * the buffer), record i is the reference's record i, igmp_record_source() reads the i-th
 * address and returns 0 past the end, the walk yields exactly n_records records and stays at
 * the end once there. Build and run: tests/fuzz/run-fuzz.sh.
 */
#include <errno.h>
#include <string.h>

#include "fuzz-common.h"
#include "igmp-packet.h"

#define HDR 8U
#define REC_HDR 8U

static volatile uint64_t sink;

static uint16_t be16(const uint8_t *p) {
        return (uint16_t) (p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

/* Size of the record at p if its header and body fit in avail bytes, else 0. */
static size_t ref_record_size(const uint8_t *p, size_t avail) {
        size_t need;

        if (avail < REC_HDR)
                return 0;
        need = REC_HDR + (size_t) be16(p + 2) * 4 + (size_t) p[1] * 4;
        return need <= avail ? need : 0;
}

/* The reference: is a report of nrec records over these bytes valid, and what do they span?
 * Every record must fit; one of a known type (1..6) must name a multicast group; one of any
 * other type is accepted whatever its group (RFC 3376 4.2.12: only that record is ignored). */
static bool ref_check(const uint8_t *recs, size_t avail, unsigned nrec, size_t *ret_len) {
        size_t off = 0;

        for (unsigned i = 0; i < nrec; i++) {
                size_t n = ref_record_size(recs + off, avail - off);

                if (n == 0)
                        return false;
                if (recs[off] >= 1 && recs[off] <= 6 && (recs[off + 4] & 0xf0) != 0xe0)
                        return false;
                off += n;
        }
        *ret_len = off;
        return true;
}

static void check_record(const IgmpRecord *rec, const uint8_t *lo, const uint8_t *hi) {
        fuzz_assert(rec->sources >= lo + REC_HDR);
        fuzz_assert(rec->sources <= hi);
        fuzz_assert((size_t) (hi - rec->sources) >= (size_t) rec->n_sources * 4);
        for (uint16_t i = 0; i < rec->n_sources; i++) {
                in4_t s = igmp_record_source(rec, i);

                fuzz_assert(s == be32(rec->sources + (size_t) i * 4));
                sink += s;
        }
        fuzz_assert(igmp_record_source(rec, rec->n_sources) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        IgmpParseError e = _IGMP_PARSE_ERROR_MAX;
        IgmpMessage m;
        IgmpRecord rec;
        size_t rlen, len, ref_len = 0, cursor = 0;
        unsigned nrec = 0, n = 0;
        uint8_t mode, *buf;
        uint16_t c;
        bool ref_ok;
        int r;

        if (size < 1)
                return 0;
        mode = data[0];
        data++, size--;
        if (mode & 1) {
                if (size < 2)
                        return 0;
                nrec = be16(data);
                data += 2, size -= 2;
        }
        if (size > 65535 * 4)
                return 0;

        rlen = size;
        len = HDR + rlen;
        buf = malloc(len);
        if (!buf)
                return 0;
        memset(buf, 0, HDR);
        memcpy(buf + HDR, data, rlen);

        /* Reference walk over the complete records: fix-ups, and their count. */
        for (size_t off = 0, k; (k = ref_record_size(buf + HDR + off, rlen - off)) > 0; off += k) {
                if (mode & 2) {
                        uint8_t *p = buf + HDR + off;

                        p[0] = (uint8_t) (1 + p[0] % 6);
                        p[4] = (uint8_t) (0xe0 | (p[4] & 0x0f));
                }
                if (!(mode & 1) && nrec < 65535)
                        nrec++;
        }

        buf[0] = IGMP_TYPE_V3_REPORT;
        buf[6] = (uint8_t) (nrec >> 8);
        buf[7] = (uint8_t) nrec;
        c = inet_checksum(buf, len);
        if (mode & 4)
                c ^= 0x5555;
        buf[2] = (uint8_t) (c >> 8);
        buf[3] = (uint8_t) c;

        r = igmp_parse(buf, len, &m, &e);
        fuzz_assert(igmp_parse_error_to_string(e) != NULL);
        if (mode & 4) {
                fuzz_assert(r == -EBADMSG && e == IGMP_PARSE_BAD_CHECKSUM);
                goto out;
        }
        ref_ok = ref_check(buf + HDR, rlen, nrec, &ref_len);
        /* Counted and fixed up: every complete record is valid, the report must pass. */
        if ((mode & 3) == 2)
                fuzz_assert(ref_ok);
        if (r < 0) {
                fuzz_assert(r == -EBADMSG);
                fuzz_assert(!ref_ok);
                fuzz_assert(e == IGMP_PARSE_BAD_RECORD || e == IGMP_PARSE_BAD_GROUP);
                goto out;
        }
        fuzz_assert(ref_ok);
        fuzz_assert(e == IGMP_PARSE_OK);
        fuzz_assert(m.type == IGMP_TYPE_V3_REPORT && m.version == 3 && m.group == 0);
        fuzz_assert(m.n_records == nrec);
        fuzz_assert(m.records == buf + HDR);
        fuzz_assert(m.records_len == ref_len);

        {
                const uint8_t *lo = m.records, *hi = m.records + m.records_len;
                size_t off = 0;

                while (igmp_record_next(&m, &cursor, &rec) == 1) {
                        const uint8_t *p = m.records + off;

                        fuzz_assert(n < m.n_records);
                        fuzz_assert(rec.type == p[0]);
                        fuzz_assert(rec.group == be32(p + 4));
                        if (rec.type >= IGMP_MODE_IS_INCLUDE && rec.type <= IGMP_BLOCK_OLD_SOURCES)
                                fuzz_assert(in4_is_multicast(rec.group));
                        fuzz_assert(rec.n_sources == be16(p + 2));
                        fuzz_assert(rec.sources == p + REC_HDR);
                        check_record(&rec, lo, hi);
                        off += ref_record_size(p, m.records_len - off);
                        fuzz_assert(cursor == off);
                        n++;
                }
                fuzz_assert(n == m.n_records);
                fuzz_assert(cursor == m.records_len);
                fuzz_assert(igmp_record_next(&m, &cursor, &rec) == 0);
                fuzz_assert(cursor == m.records_len);

                /* A misused cursor, anywhere inside the records: whatever it yields must
                 * still lie inside them, and the walk must end. */
                if ((mode & 8) && m.records_len > 0 && rlen >= 2) {
                        unsigned steps = 0;

                        cursor = (size_t) be16(buf + len - 2) % m.records_len;
                        while (igmp_record_next(&m, &cursor, &rec) == 1) {
                                fuzz_assert(++steps <= m.records_len / REC_HDR);
                                fuzz_assert(cursor <= m.records_len);
                                check_record(&rec, lo, hi);
                        }
                }
        }
out:
        free(buf);
        return 0;
}
