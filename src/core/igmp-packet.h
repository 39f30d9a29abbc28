/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * igmp-packet.h - IGMPv1/v2/v3 codec (RFC 1112, RFC 2236, RFC 3376).
 *
 * Pure byte <-> struct conversion: no sockets, no clock, no logging. Every
 * parse function treats its input as hostile: it checks lengths, the
 * checksum, the type and the multicast range before it fills anything in.
 * Addresses in the structs are host byte order (see util.h).
 */
#pragma once

#include "util.h"

enum {
        IGMP_TYPE_QUERY = 0x11,
        IGMP_TYPE_V1_REPORT = 0x12,
        IGMP_TYPE_V2_REPORT = 0x16,
        IGMP_TYPE_V2_LEAVE = 0x17,
        IGMP_TYPE_V3_REPORT = 0x22,
};

/* IGMPv3 group record types (RFC 3376 4.2.12). */
typedef enum IgmpRecordType {
        IGMP_MODE_IS_INCLUDE = 1,
        IGMP_MODE_IS_EXCLUDE = 2,
        IGMP_CHANGE_TO_INCLUDE = 3,
        IGMP_CHANGE_TO_EXCLUDE = 4,
        IGMP_ALLOW_NEW_SOURCES = 5,
        IGMP_BLOCK_OLD_SOURCES = 6,
} IgmpRecordType;

/* Why a packet was rejected; one counter per reason in the glue. */
typedef enum IgmpParseError {
        IGMP_PARSE_OK = 0,
        IGMP_PARSE_TRUNCATED,     /* shorter than its type requires */
        IGMP_PARSE_BAD_CHECKSUM,
        IGMP_PARSE_BAD_LENGTH,    /* wrong size for the type (e.g. v2 message of 9..11 bytes) */
        IGMP_PARSE_UNKNOWN_TYPE,
        IGMP_PARSE_BAD_GROUP,     /* group not multicast (or non-zero in a general query) */
        IGMP_PARSE_BAD_RECORD,    /* v3 report: a record header, its sources or its aux data run past
                                     the packet (an unknown record type is no error: 4.2.12) */
        IGMP_PARSE_BAD_IP,        /* IP header malformed / not IGMP */
        _IGMP_PARSE_ERROR_MAX,
} IgmpParseError;

const char *igmp_parse_error_to_string(IgmpParseError e);

typedef struct IgmpMessage {
        uint8_t type;            /* IGMP_TYPE_* */
        uint8_t version;         /* 1, 2 or 3: for queries decided by RFC 3376 7.1 (length and max resp),
                                    for reports by type */
        in4_t group;             /* queries: 0 for general; reports/leaves: the group; v3 report: 0 */
        usec_t max_resp_usec;    /* queries only; v1 query: 10 s as RFC 2236 says; v3 decoded from the code */
        /* IGMPv3 query extras */
        bool s_flag;
        uint8_t qrv;             /* 0 means "not given" */
        usec_t qqi_usec;         /* decoded QQIC; 0 if not given */
        uint16_t n_sources;      /* v3 query: number of sources listed */
        const uint8_t *sources;  /* v3 query: n_sources * 4 bytes, network order, inside the caller's
                                    buffer; read with igmp_query_source() */
        /* IGMPv3 report: the records, already bounds-checked by igmp_parse() */
        uint16_t n_records;
        const uint8_t *records;  /* points into the caller's buffer */
        size_t records_len;
} IgmpMessage;

typedef struct IgmpRecord {
        uint8_t type;            /* IgmpRecordType, or any other value: RFC 3376 4.2.12, a record
                                    of an unrecognized type MUST be silently ignored (the reader
                                    skips it; its group is then unchecked too) */
        in4_t group;
        uint16_t n_sources;
        const uint8_t *sources;  /* n_sources * 4 bytes, network order; read with igmp_record_source() */
} IgmpRecord;

/* Parses an IGMP message (the bytes after the IP header). On success returns
 * 0 and fills *ret. On failure returns -EBADMSG and, if ret_error is not NULL,
 * the reason. Checks: minimum length per type, checksum over the whole message,
 * type known, group multicast where one is required (a query's group is 0 or
 * multicast; a v3 query with sources has a group), v3 records: every record
 * header, its sources and aux data lie inside the packet, and every record of
 * a type 1..6 names a multicast group. A record of another type (0, 7..255)
 * does not reject the report (RFC 3376 4.2.12: that record alone is ignored):
 * it is bounds-checked like the others and igmp_record_next() returns it; the
 * caller skips it. */
int igmp_parse(const uint8_t *buf, size_t len, IgmpMessage *ret, IgmpParseError *ret_error);

/* Iterates the records of a parsed v3 report, every one of them in packet order
 * (also those of an unknown type, see igmp_parse()). *cursor starts at 0.
 * Returns 1 and fills *ret while there are records, 0 at the end. Safe only on
 * an IgmpMessage that igmp_parse() accepted. */
int igmp_record_next(const IgmpMessage *m, size_t *cursor, IgmpRecord *ret);
in4_t igmp_record_source(const IgmpRecord *r, uint16_t i);
/* Source i (< m->n_sources) of a parsed v3 query, host order. */
in4_t igmp_query_source(const IgmpMessage *m, uint16_t i);

/* Parses an IPv4 header in front of IGMP (what a raw socket returns). Checks
 * version 4, IHL >= 5, IHL*4 <= len, total length <= len (trailing bytes are
 * ignored), protocol 2. Fills source, destination, TTL, whether a Router Alert
 * option (RFC 2113) is present, and the IGMP payload span. -EBADMSG if bad. */
typedef struct IpInfo {
        in4_t src, dst;
        uint8_t ttl;
        uint8_t protocol;
        bool router_alert;
        const uint8_t *payload;
        size_t payload_len;
} IpInfo;
int ip_parse(const uint8_t *buf, size_t len, IpInfo *ret);

/* RFC 1071 Internet checksum (the value to store; computing over a buffer that
 * includes a correct checksum yields 0). The value is a host-order number:
 * store it big endian (buf[2] = c >> 8, buf[3] = c & 0xff). */
uint16_t inet_checksum(const void *data, size_t len);

/* Max Resp Code / QQIC encoding (RFC 3376 4.1.1, 4.1.7), in units of 1/10 s
 * for the max resp code and seconds for QQIC. Encoding rounds to the nearest
 * representable value not above the input, clamped to the maximum. */
uint8_t igmp_encode_code(unsigned value);
unsigned igmp_decode_code(uint8_t code);

/* Builders: write the IGMP message (no IP header) into buf and return its
 * length, or -ENOBUFS if size is too small. Checksum filled in.
 * query: version 1/2/3; group 0 = general query; v3 queries carry no sources,
 *        s_flag false, the given qrv (clamped to 0..7) and qqi (the same as
 *        igmp_build_query_sources() with s_flag false and no sources).
 * report: version 1 (0x12), 2 (0x16) or 3 (one record, EXCLUDE{} = join).
 * leave: version 2 (0x17, group in the message; send to 224.0.0.2) or
 *        3 (one record TO_IN{} = leave; send to 224.0.0.22). Version 1 has no
 *        leave: -EINVAL. */
int igmp_build_query(uint8_t *buf, size_t size, int version, in4_t group, usec_t max_resp, uint8_t qrv, usec_t qqi);
/* A query with the S flag and a source list (RFC 3376 4.1: group-and-source-specific when
 * n > 0; group must then be non-zero). sources are host order, written in network order;
 * versions 1 and 2 take neither (n 0, s_flag false: then as igmp_build_query()). v3 length
 * 12 + 4 n; -ENOBUFS if size is too small, -EINVAL on bad input (version != 3 with sources or
 * s_flag, n > 65535, sources without a group, n > 0 with sources NULL). */
int igmp_build_query_sources(uint8_t *buf, size_t size, int version, in4_t group, usec_t max_resp, uint8_t qrv,
                             usec_t qqi, bool s_flag, const in4_t *sources, size_t n);
int igmp_build_report(uint8_t *buf, size_t size, int version, in4_t group);
int igmp_build_leave(uint8_t *buf, size_t size, int version, in4_t group);

/* IGMPv3 reports with many group records (RFC 3376 4.2). A record is its type
 * (IgmpRecordType), its group and its source list (host order; n_sources 0 = none, then sources
 * may be NULL). */
typedef struct IgmpGroupRecord {
        uint8_t type;
        in4_t group;
        uint16_t n_sources;
        const in4_t *sources;
} IgmpGroupRecord;

/* Bytes a group record with n sources takes in a v3 report: 8 + 4 n. */
static inline size_t igmp_v3_record_size(size_t n_sources) {
        return 8 + 4 * n_sources;
}

/* Bytes in front of an IGMP message we send: the IPv4 header with the 4-byte Router Alert
 * option (RFC 2113), 24. */
#define IGMP_IP_HEADER_LEN 24

/* How many source-less group records fit in one v3 report that, with its IP header
 * (IGMP_IP_HEADER_LEN), is at most mtu bytes; 0 if not even one does (mtu < 40). Capped at
 * 65535 (the record count field). RFC 3376 4.2.16: a report that would exceed the MTU is split
 * into several, each with as many whole records as fit. */
size_t igmp_v3_report_capacity(unsigned mtu);

/* Builds one v3 report carrying the n records in order (n >= 1, each type 1..6, each group
 * multicast), each with its source list (written in network order) and no aux data. Returns
 * the length (8 + the records' igmp_v3_record_size()), -ENOBUFS if size is too small, -EINVAL
 * on bad input (n == 0 or > 65535, bad type or group, n_sources > 0 with sources NULL, a total
 * over INT_MAX). Source-less records make exactly the bytes igmp_v3_report_capacity() counts. */
int igmp_build_v3_report(uint8_t *buf, size_t size, const IgmpGroupRecord *recs, size_t n);

/* Destination address a report / leave of this version is sent to. */
in4_t igmp_report_destination(int version, in4_t group);
in4_t igmp_leave_destination(int version, in4_t group);
