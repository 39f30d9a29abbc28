/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * igmp-packet.c - IGMPv1/v2/v3 message codec and the IPv4 header parser that
 * sits in front of it (RFC 791, RFC 1112, RFC 2113, RFC 2236, RFC 3376).
 *
 * What it does: validates and decodes received IGMP messages (length,
 * checksum, type, group range, v3 record bounds), walks v3 group records
 * and reads the source lists of v3 queries and records, parses the IPv4
 * header a raw socket hands us (including the option list, to find Router
 * Alert), and builds the messages the proxy sends: queries (general,
 * group-specific, group-and-source-specific with the S flag), v1/v2 reports
 * and leaves, v3 reports of many records with their source lists.
 *
 * What it does not: no sockets, no clock, no logging, no allocation. It does
 * not decide what a message means for membership state (that is the proxy's
 * job; it also skips v3 records of a type it does not know, which the parser
 * hands out like the others), does not filter 224.0.0.x groups (a higher
 * layer does), does not
 * verify the IPv4 header checksum (the kernel did that before the raw socket
 * saw the packet) and does not build the IPv4 header.
 *
 * Wire layout reminders (all fields big endian):
 *   v1/v2 message (RFC 2236 2):  type:8 code:8 csum:16 group:32
 *   v3 query (RFC 3376 4.1):     type:8 code:8 csum:16 group:32
 *                                resv:4 S:1 QRV:3 QQIC:8 nsrc:16 src:32*nsrc
 *   v3 report (RFC 3376 4.2):    type:8 resv:8 csum:16 resv:16 nrec:16 rec*
 *   v3 group record (4.2.4):     rtype:8 auxlen:8 nsrc:16 group:32
 *                                src:32*nsrc aux:32*auxlen
 */
#include "igmp-packet.h"

#include <errno.h>
#include <limits.h>

#define IGMP_MIN_LEN 8            /* every IGMP message has at least this */
#define IGMP_V3_QUERY_MIN_LEN 12  /* RFC 3376 4.1 fixed part */
#define IGMP_V3_REPORT_MIN_LEN 8  /* RFC 3376 4.2 fixed part */
#define IGMP_V3_RECORD_HDR_LEN 8  /* RFC 3376 4.2.4 fixed part */

#define IP_MIN_HDR_LEN 20
#define IP_PROTO_IGMP 2

/* RFC 791 3.1 option types. */
#define IPOPT_END 0
#define IPOPT_NOOP 1
/* RFC 2113 2.1: copied flag 1, class 0, number 20 -> 148, length 4. */
#define IPOPT_ROUTER_ALERT 148
#define IPOPT_ROUTER_ALERT_LEN 4

/* Largest value the floating point form of RFC 3376 4.1.1 / 4.1.7 can hold:
 * exp = 7, mant = 0xf -> 0x1f << 10. */
#define IGMP_CODE_MAX_VALUE (0x1fU << 10)

/* Units of the max resp code: 1/10 s (RFC 2236 2.2, RFC 3376 4.1.1). */
#define IGMP_CODE_UNIT_USEC (USEC_PER_SEC / 10)

/* RFC 2236 4: "The IGMPv1 router will send General Queries with the Max
 * Response Time set to 0. This MUST be interpreted as a value of 100
 * (10 seconds)." */
#define IGMP_V1_MAX_RESP_USEC (10 * USEC_PER_SEC)

static const char *const parse_error_table[_IGMP_PARSE_ERROR_MAX] = {
        [IGMP_PARSE_OK] = "ok",
        [IGMP_PARSE_TRUNCATED] = "truncated",
        [IGMP_PARSE_BAD_CHECKSUM] = "bad-checksum",
        [IGMP_PARSE_BAD_LENGTH] = "bad-length",
        [IGMP_PARSE_UNKNOWN_TYPE] = "unknown-type",
        [IGMP_PARSE_BAD_GROUP] = "bad-group",
        [IGMP_PARSE_BAD_RECORD] = "bad-record",
        [IGMP_PARSE_BAD_IP] = "bad-ip",
};

const char *igmp_parse_error_to_string(IgmpParseError e) {
        if ((unsigned) e >= _IGMP_PARSE_ERROR_MAX)
                return NULL;
        return parse_error_table[e];
}

static uint16_t get_be16(const uint8_t *p) {
        return (uint16_t) ((unsigned) p[0] << 8 | (unsigned) p[1]);
}

static uint32_t get_be32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | (uint32_t) p[3];
}

static void put_be16(uint8_t *p, uint16_t v) {
        p[0] = (uint8_t) (v >> 8);
        p[1] = (uint8_t) v;
}

static void put_be32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t) (v >> 24);
        p[1] = (uint8_t) (v >> 16);
        p[2] = (uint8_t) (v >> 8);
        p[3] = (uint8_t) v;
}

/* RFC 1071: one's complement of the one's complement sum of the 16-bit
 * big-endian words; an odd trailing byte is padded with a zero byte. The
 * result is a host-order number meant to be written big endian at the
 * checksum offset (put_be16). */
uint16_t inet_checksum(const void *data, size_t len) {
        const uint8_t *p = data;
        uint64_t sum = 0;

        for (; len >= 2; p += 2, len -= 2)
                sum += get_be16(p);
        if (len > 0)
                sum += (uint64_t) p[0] << 8;
        /* Fold the carries back in ("end-around carry", RFC 1071 1). */
        while (sum >> 16)
                sum = (sum & 0xffff) + (sum >> 16);
        return (uint16_t) ~sum;
}

/* RFC 3376 4.1.1 (Max Resp Code) and 4.1.7 (QQIC) share one format:
 *
 *   If Code < 128, Value = Code
 *   If Code >= 128, Code is  |1| exp:3 | mant:4 |  and
 *   Value = (mant | 0x10) << (exp + 3)
 *
 * Every code maps to a distinct value and the values grow with the code, so
 * the encoder below is the exact inverse on representable values and rounds
 * anything else down to the next representable one. */
unsigned igmp_decode_code(uint8_t code) {
        unsigned exp, mant;

        if (code < 0x80)
                return code;
        exp = (code >> 4) & 0x7;
        mant = code & 0xf;
        return (mant | 0x10) << (exp + 3);
}

uint8_t igmp_encode_code(unsigned value) {
        unsigned exp = 0;

        if (value < 0x80)
                return (uint8_t) value;
        if (value >= IGMP_CODE_MAX_VALUE)
                return 0xff;
        /* value is in [128, 31744): find exp so that value >> (exp + 3) is
         * in [16, 31], i.e. has its top bit at 0x10. Dropping the low bits
         * is the round-down. */
        while ((value >> (exp + 3)) > 0x1f)
                exp++;
        return (uint8_t) (0x80 | exp << 4 | ((value >> (exp + 3)) & 0xf));
}

static int parse_fail(IgmpParseError why, IgmpParseError *ret_error) {
        if (ret_error)
                *ret_error = why;
        return -EBADMSG;
}

/* RFC 3376 4.2: walks the nrec group records that follow the 8-byte report
 * header. Every record header, its sources and its aux data must lie inside
 * the message (4.2.4: every record has that layout, whatever its type). A
 * record of a type 4.2.12 defines (1..6) must name a multicast group. A record
 * of any other type is accepted unread: 4.2.12, "If an unrecognized Record
 * Type value is encountered, the record MUST be silently ignored, and
 * processing continues with the next record" -- so it costs neither the
 * report nor the records around it; the reader of the records skips it. On
 * success *ret_len is the number of bytes the records span; octets after the
 * last record are covered by the checksum but otherwise ignored (RFC 3376
 * 4.2.11). */
static IgmpParseError v3_report_check_records(const uint8_t *recs, size_t avail, unsigned nrec, size_t *ret_len) {
        size_t off = 0;

        for (unsigned i = 0; i < nrec; i++) {
                const uint8_t *r;
                size_t need;
                uint8_t rtype;

                if (avail - off < IGMP_V3_RECORD_HDR_LEN)
                        return IGMP_PARSE_BAD_RECORD;
                r = recs + off;
                rtype = r[0];
                /* RFC 3376 4.2.6: Aux Data Len in units of 32-bit words;
                 * 4.2.7: Number of Sources (N). Both bounded (255, 65535),
                 * so this cannot overflow a size_t. */
                need = IGMP_V3_RECORD_HDR_LEN + (size_t) get_be16(r + 2) * 4 + (size_t) r[1] * 4;
                if (avail - off < need)
                        return IGMP_PARSE_BAD_RECORD;
                if (rtype >= IGMP_MODE_IS_INCLUDE && rtype <= IGMP_BLOCK_OLD_SOURCES &&
                    !in4_is_multicast(get_be32(r + 4)))
                        return IGMP_PARSE_BAD_GROUP;
                off += need;
        }
        *ret_len = off;
        return IGMP_PARSE_OK;
}

int igmp_parse(const uint8_t *buf, size_t len, IgmpMessage *ret, IgmpParseError *ret_error) {
        IgmpMessage m = {};
        uint8_t type, code;
        in4_t group;

        if (!ret || (!buf && len > 0))
                return -EINVAL;

        /* 1. Length. Every IGMP message has the 8-byte v1/v2 layout at
         * least. Queries: RFC 3376 7.1 -- 8 octets is v1/v2, >= 12 is v3,
         * anything else "MUST be silently ignored". */
        if (len < IGMP_MIN_LEN)
                return parse_fail(IGMP_PARSE_TRUNCATED, ret_error);
        type = buf[0];
        code = buf[1];
        if (type == IGMP_TYPE_QUERY && len > IGMP_MIN_LEN) {
                if (len < IGMP_V3_QUERY_MIN_LEN)
                        return parse_fail(IGMP_PARSE_BAD_LENGTH, ret_error);
                /* RFC 3376 4.1.8: Number of Sources (N) source addresses
                 * follow; a message too short for them is truncated. */
                if ((len - IGMP_V3_QUERY_MIN_LEN) / 4 < get_be16(buf + 10))
                        return parse_fail(IGMP_PARSE_TRUNCATED, ret_error);
        }

        /* 2. Checksum over the whole message, including any bytes beyond the
         * ones we interpret (RFC 2236 2.5 and RFC 3376 4.1.10: additional
         * octets are included in the checksum but otherwise ignored). */
        if (inet_checksum(buf, len) != 0)
                return parse_fail(IGMP_PARSE_BAD_CHECKSUM, ret_error);

        /* 3. Type, then 4. group range. */
        m.type = type;
        group = get_be32(buf + 4);
        switch (type) {
        case IGMP_TYPE_QUERY:
                if (len == IGMP_MIN_LEN && code == 0) {
                        /* RFC 3376 7.1: IGMPv1 Query: length = 8 octets AND
                         * Max Resp Code field is zero. RFC 1112 appendix I:
                         * the group field "is zeroed when sent, ignored when
                         * received", so a v1 query is always general. */
                        m.version = 1;
                        m.group = 0;
                        m.max_resp_usec = IGMP_V1_MAX_RESP_USEC;
                        break;
                }
                if (group != 0 && !in4_is_multicast(group))
                        return parse_fail(IGMP_PARSE_BAD_GROUP, ret_error);
                m.group = group;
                if (len == IGMP_MIN_LEN) {
                        /* RFC 3376 7.1: IGMPv2 Query: length = 8 octets AND
                         * Max Resp Code field is non-zero. RFC 2236 2.2: in
                         * units of 1/10 second, linear. */
                        m.version = 2;
                        m.max_resp_usec = (usec_t) code * IGMP_CODE_UNIT_USEC;
                        break;
                }
                /* RFC 3376 7.1: IGMPv3 Query: length >= 12 octets. */
                m.version = 3;
                m.max_resp_usec = (usec_t) igmp_decode_code(code) * IGMP_CODE_UNIT_USEC;
                m.s_flag = (buf[8] & 0x08) != 0;          /* 4.1.5 */
                m.qrv = buf[8] & 0x07;                    /* 4.1.6 */
                m.qqi_usec = (usec_t) igmp_decode_code(buf[9]) * USEC_PER_SEC; /* 4.1.7 */
                m.n_sources = get_be16(buf + 10);         /* 4.1.8 */
                m.sources = buf + IGMP_V3_QUERY_MIN_LEN;  /* 4.1.9, length checked in 1. */
                /* RFC 3376 4.1.11: a General Query has group 0 and no
                 * sources; sources are only meaningful with a group. */
                if (group == 0 && m.n_sources > 0)
                        return parse_fail(IGMP_PARSE_BAD_GROUP, ret_error);
                break;

        case IGMP_TYPE_V1_REPORT:
        case IGMP_TYPE_V2_REPORT:
        case IGMP_TYPE_V2_LEAVE:
                /* RFC 2236 2.5: anything past the first 8 octets is ignored.
                 * RFC 2236 2.4 / RFC 1112: the group being reported or
                 * left must be a multicast address. */
                if (!in4_is_multicast(group))
                        return parse_fail(IGMP_PARSE_BAD_GROUP, ret_error);
                m.version = type == IGMP_TYPE_V1_REPORT ? 1 : 2;
                m.group = group;
                break;

        case IGMP_TYPE_V3_REPORT: {
                IgmpParseError e;
                size_t recs_len = 0;

                /* RFC 3376 4.2: reserved(16) then Number of Group Records. */
                m.version = 3;
                m.group = 0;
                m.n_records = get_be16(buf + 6);
                e = v3_report_check_records(buf + IGMP_V3_REPORT_MIN_LEN, len - IGMP_V3_REPORT_MIN_LEN,
                                            m.n_records, &recs_len);
                if (e != IGMP_PARSE_OK)
                        return parse_fail(e, ret_error);
                m.records = buf + IGMP_V3_REPORT_MIN_LEN;
                m.records_len = recs_len;
                break;
        }

        default:
                return parse_fail(IGMP_PARSE_UNKNOWN_TYPE, ret_error);
        }

        *ret = m;
        if (ret_error)
                *ret_error = IGMP_PARSE_OK;
        return 0;
}

int igmp_record_next(const IgmpMessage *m, size_t *cursor, IgmpRecord *ret) {
        const uint8_t *r;
        size_t need;

        if (!m || !cursor || !ret || !m->records)
                return 0;
        /* igmp_parse() already proved the records fit; the checks below only
         * keep a misused cursor from running off the end. */
        if (*cursor >= m->records_len || m->records_len - *cursor < IGMP_V3_RECORD_HDR_LEN)
                return 0;
        r = m->records + *cursor;
        need = IGMP_V3_RECORD_HDR_LEN + (size_t) get_be16(r + 2) * 4 + (size_t) r[1] * 4;
        if (m->records_len - *cursor < need)
                return 0;

        *ret = (IgmpRecord) {
                .type = r[0],
                .group = get_be32(r + 4),
                .n_sources = get_be16(r + 2),
                .sources = r + IGMP_V3_RECORD_HDR_LEN,
        };
        *cursor += need;
        return 1;
}

in4_t igmp_record_source(const IgmpRecord *r, uint16_t i) {
        if (!r || !r->sources || i >= r->n_sources)
                return 0;
        return get_be32(r->sources + (size_t) i * 4);
}

in4_t igmp_query_source(const IgmpMessage *m, uint16_t i) {
        if (!m || !m->sources || i >= m->n_sources)
                return 0;
        return get_be32(m->sources + (size_t) i * 4);
}

/* RFC 791 3.1: walks the option list. Options are either a single octet
 * (End of Option List = 0, No Operation = 1) or type, length, data where the
 * length counts the type and length octets. Anything that does not fit, or a
 * length below 2, is malformed. Router Alert is RFC 2113 2.1: type 148,
 * length 4, two octets of value. */
static int ip_walk_options(const uint8_t *opt, size_t len, bool *ret_router_alert) {
        bool ra = false;
        size_t i = 0;

        while (i < len) {
                uint8_t t = opt[i];
                uint8_t l;

                if (t == IPOPT_END)
                        break;
                if (t == IPOPT_NOOP) {
                        i++;
                        continue;
                }
                if (len - i < 2)
                        return -EBADMSG;
                l = opt[i + 1];
                if (l < 2 || l > len - i)
                        return -EBADMSG;
                if (t == IPOPT_ROUTER_ALERT) {
                        if (l != IPOPT_ROUTER_ALERT_LEN)
                                return -EBADMSG;
                        ra = true;
                }
                i += l;
        }
        *ret_router_alert = ra;
        return 0;
}

int ip_parse(const uint8_t *buf, size_t len, IpInfo *ret) {
        size_t hlen, tot;
        bool ra = false;
        int r;

        if (!ret || (!buf && len > 0))
                return -EINVAL;
        /* RFC 791 3.1: version 4, IHL in 32-bit words and at least 5, Total
         * Length covers header and data. */
        if (len < IP_MIN_HDR_LEN)
                return -EBADMSG;
        if ((buf[0] >> 4) != 4)
                return -EBADMSG;
        hlen = (size_t) (buf[0] & 0x0f) * 4;
        if (hlen < IP_MIN_HDR_LEN || hlen > len)
                return -EBADMSG;
        tot = get_be16(buf + 2);
        if (tot < hlen || tot > len)
                return -EBADMSG;
        if (buf[9] != IP_PROTO_IGMP)
                return -EBADMSG;
        r = ip_walk_options(buf + IP_MIN_HDR_LEN, hlen - IP_MIN_HDR_LEN, &ra);
        if (r < 0)
                return r;

        *ret = (IpInfo) {
                .src = get_be32(buf + 12),
                .dst = get_be32(buf + 16),
                .ttl = buf[8],
                .protocol = buf[9],
                .router_alert = ra,
                .payload = buf + hlen,
                .payload_len = tot - hlen,
        };
        return 0;
}

/* Max resp in 1/10 s units, saturating (the usec input may be anything). */
static unsigned usec_to_tenths(usec_t t) {
        usec_t v = t / IGMP_CODE_UNIT_USEC;
        return v > UINT16_MAX ? UINT16_MAX : (unsigned) v;
}

int igmp_build_query_sources(uint8_t *buf, size_t size, int version, in4_t group, usec_t max_resp, uint8_t qrv,
                             usec_t qqi, bool s_flag, const in4_t *sources, size_t n) {
        size_t len;
        uint8_t code;

        if (!buf || (n > 0 && !sources))
                return -EINVAL;
        if (group != 0 && !in4_is_multicast(group))
                return -EINVAL;
        /* Only the IGMPv3 query has the S flag and a source list (RFC 3376 4.1.5, 4.1.8); the
         * Number of Sources field is 16 bits; RFC 3376 4.1.9 / 4.1.11: sources only in a
         * group-and-source-specific query, never in a general one. */
        if (version != 3 && (n > 0 || s_flag))
                return -EINVAL;
        if (n > UINT16_MAX || (n > 0 && group == 0))
                return -EINVAL;

        switch (version) {
        case 1:
                /* RFC 1112 appendix I: no group-specific queries, code 0. */
                if (group != 0)
                        return -EINVAL;
                code = 0;
                len = IGMP_MIN_LEN;
                break;
        case 2: {
                /* RFC 2236 2.2: linear 1/10 s, 8 bits. A zero would make the
                 * message an IGMPv1 query (RFC 3376 7.1), so at least 1. */
                unsigned t = usec_to_tenths(max_resp);
                code = (uint8_t) MIN(MAX(t, 1U), 255U);
                len = IGMP_MIN_LEN;
                break;
        }
        case 3:
                code = igmp_encode_code(usec_to_tenths(max_resp));
                len = IGMP_V3_QUERY_MIN_LEN + 4 * n;
                break;
        default:
                return -EINVAL;
        }
        if (size < len)
                return -ENOBUFS;

        memset(buf, 0, len);
        buf[0] = IGMP_TYPE_QUERY;
        buf[1] = code;
        put_be32(buf + 4, group);
        if (version == 3) {
                usec_t secs = qqi / USEC_PER_SEC;

                /* RFC 3376 4.1.5/4.1.6: resv:4 S:1 QRV:3. QRV values above 7
                 * are sent as 0 (4.1.6) -- we clamp to 7 as the header
                 * promises. */
                buf[8] = (uint8_t) ((s_flag ? 0x08 : 0) | MIN(qrv, 7));
                /* RFC 3376 4.1.7 */
                buf[9] = igmp_encode_code(secs > UINT32_MAX ? UINT32_MAX : (unsigned) secs);
                /* RFC 3376 4.1.8, 4.1.9: the count, then the addresses. */
                put_be16(buf + 10, (uint16_t) n);
                for (size_t k = 0; k < n; k++)
                        put_be32(buf + IGMP_V3_QUERY_MIN_LEN + 4 * k, sources[k]);
        }
        put_be16(buf + 2, inet_checksum(buf, len));
        return (int) len;
}

int igmp_build_query(uint8_t *buf, size_t size, int version, in4_t group, usec_t max_resp, uint8_t qrv, usec_t qqi) {
        return igmp_build_query_sources(buf, size, version, group, max_resp, qrv, qqi, false, NULL, 0);
}

size_t igmp_v3_report_capacity(unsigned mtu) {
        size_t room;

        if (mtu < IGMP_IP_HEADER_LEN + IGMP_V3_REPORT_MIN_LEN + IGMP_V3_RECORD_HDR_LEN)
                return 0;
        room = (mtu - IGMP_IP_HEADER_LEN - IGMP_V3_REPORT_MIN_LEN) / IGMP_V3_RECORD_HDR_LEN;
        return MIN(room, (size_t) UINT16_MAX);
}

/* RFC 3376 4.2: the report header, then n records of 4.2.4, each with Aux Data Len 0 (4.2.6:
 * "IGMPv3 hosts MUST set it to zero") and its source list. */
int igmp_build_v3_report(uint8_t *buf, size_t size, const IgmpGroupRecord *recs, size_t n) {
        uint64_t total = IGMP_V3_REPORT_MIN_LEN;
        size_t len, off;

        if (!buf || !recs || n == 0 || n > UINT16_MAX)
                return -EINVAL;
        for (size_t k = 0; k < n; k++) {
                if (recs[k].type < IGMP_MODE_IS_INCLUDE || recs[k].type > IGMP_BLOCK_OLD_SOURCES ||
                    !in4_is_multicast(recs[k].group) || (recs[k].n_sources > 0 && !recs[k].sources))
                        return -EINVAL;
                /* At most 65535 records of at most 8 + 4 * 65535 bytes: no overflow in 64 bits. */
                total += igmp_v3_record_size(recs[k].n_sources);
        }
        if (total > INT_MAX)
                return -EINVAL; /* the length could not be returned (and is no IP datagram) */
        len = (size_t) total;
        if (size < len)
                return -ENOBUFS;
        memset(buf, 0, IGMP_V3_REPORT_MIN_LEN);
        buf[0] = IGMP_TYPE_V3_REPORT;
        put_be16(buf + 6, (uint16_t) n);
        off = IGMP_V3_REPORT_MIN_LEN;
        for (size_t k = 0; k < n; k++) {
                uint8_t *r = buf + off;

                r[0] = recs[k].type;
                r[1] = 0;
                put_be16(r + 2, recs[k].n_sources);
                put_be32(r + 4, recs[k].group);
                for (size_t i = 0; i < recs[k].n_sources; i++)
                        put_be32(r + IGMP_V3_RECORD_HDR_LEN + 4 * i, recs[k].sources[i]);
                off += igmp_v3_record_size(recs[k].n_sources);
        }
        put_be16(buf + 2, inet_checksum(buf, len));
        return (int) len;
}

static int build_v1v2(uint8_t *buf, size_t size, uint8_t type, in4_t group) {
        if (size < IGMP_MIN_LEN)
                return -ENOBUFS;
        memset(buf, 0, IGMP_MIN_LEN);
        buf[0] = type;
        put_be32(buf + 4, group);
        put_be16(buf + 2, inet_checksum(buf, IGMP_MIN_LEN));
        return IGMP_MIN_LEN;
}

int igmp_build_report(uint8_t *buf, size_t size, int version, in4_t group) {
        if (!buf || !in4_is_multicast(group))
                return -EINVAL;
        switch (version) {
        case 1:
                return build_v1v2(buf, size, IGMP_TYPE_V1_REPORT, group);
        case 2:
                return build_v1v2(buf, size, IGMP_TYPE_V2_REPORT, group);
        case 3:
                /* RFC 3376 5.1: joining a group is a change to EXCLUDE mode
                 * with an empty source list, i.e. a TO_EX({}) record, which is
                 * what a Linux host sends on join. */
                return igmp_build_v3_report(buf, size, &(IgmpGroupRecord) { IGMP_CHANGE_TO_EXCLUDE, group }, 1);
        default:
                return -EINVAL;
        }
}

int igmp_build_leave(uint8_t *buf, size_t size, int version, in4_t group) {
        if (!buf || !in4_is_multicast(group))
                return -EINVAL;
        switch (version) {
        case 2:
                return build_v1v2(buf, size, IGMP_TYPE_V2_LEAVE, group);
        case 3:
                /* RFC 3376 5.1: leaving is a change to INCLUDE mode with an
                 * empty source list, TO_IN({}). */
                return igmp_build_v3_report(buf, size, &(IgmpGroupRecord) { IGMP_CHANGE_TO_INCLUDE, group }, 1);
        default:
                /* IGMPv1 (RFC 1112) has no leave message. */
                return -EINVAL;
        }
}

in4_t igmp_report_destination(int version, in4_t group) {
        /* RFC 2236 3 / RFC 1112: reports go to the group itself.
         * RFC 3376 4.2.14: v3 reports go to 224.0.0.22. */
        return version == 3 ? IN4_IGMPV3_ROUTERS : group;
}

in4_t igmp_leave_destination(int version, in4_t group) {
        /* RFC 2236 3: leaves go to all-routers (224.0.0.2). */
        switch (version) {
        case 2:
                return IN4_ALL_ROUTERS;
        case 3:
                return IN4_IGMPV3_ROUTERS;
        default:
                return 0; /* IGMPv1 has no leave */
        }
}
