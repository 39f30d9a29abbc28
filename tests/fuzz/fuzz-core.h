/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-core.h - shared by fuzz-core.c (the program: decoding, the glue's moves, the trace) and
 * fuzz-core-model.c (the kernel and the upstream router as models, and the invariants).
 *
 * The harness plays the glue (manager.c) around the core, through proxy.h only: it brings
 * links in and out of service the way manager-ifaces.c does, reloads the way manager-config.c
 * does, fires every timer at its deadline (or late, on purpose), and carries out every effect
 * against models:
 *   - the kernel: VIFs in service, the MFC as (S,G) -> input VIF + output mask, each entry's
 *     counters, answering EFFECT_ACTIVITY_POLL like mroute.c;
 *   - the upstream router: our membership as it must understand it from the reports and
 *     leaves we sent (RFC 3376 6.4 applied to one host: filter mode and source list per group);
 *   - the downstream hosts: for each link and group, the latest moment the RFC lets a
 *     membership last given what its hosts sent (GMI after a report, LMQT after a leave heard
 *     while we were querier), and whether another querier or an IGMPv1 host was present.
 * None of these look inside the core: they are computed from what went in and what came out.
 */
#pragma once

#include <setjmp.h>

#include "fuzz-common.h"
#include "proxy.h"

#define N_SLOTS 6     /* links the harness knows; see slot_defs */
#define N_GROUPS 64   /* group_table: 16 special groups, 48 ordinary ones */
#define N_SOURCES 16  /* source_table: sources of v3 records and of kernel upcalls */
#define N_CONFIGS 6
#define MAX_MFC 1024
#define T0 (1000 * USEC_PER_SEC)

typedef struct SlotDef {
        const char *name;
        int ifindex;
        in4_t addr;
        uint8_t plen;
} SlotDef;

extern const SlotDef slot_defs[N_SLOTS];
extern const in4_t group_table[N_GROUPS];
extern const in4_t source_table[N_SOURCES];

/* One group on one downstream link, from what its hosts sent (RFC 3376 6.4, 7.3.2). */
typedef struct Keep {
        usec_t until;     /* no membership may outlast this (0: none possible) */
        usec_t v1_until;  /* an IGMPv1 host may be present: leaves do not count */
} Keep;

typedef struct SlotModel {
        bool present;     /* the link exists and is up */
        int vif;          /* in service: the core's VIF, else -1 */
        IfaceRole role;   /* role while in service */
        unsigned max_cap; /* largest MaxGroupsPerInterface in force since it came into service */
        unsigned mtu;
        /* another querier with a lower address present until: by the configured Other Querier
         * Present Interval (min), or by the largest one the core may use if it adopts a
         * querier's QRV/QQIC (max, RFC 3376 4.1.6-4.1.7) */
        usec_t other_min, other_max;
        /* largest QRV, QQI and Max Resp Time heard in valid queries on the link */
        unsigned qrv_max, qrv_min; /* ... and the smallest non-zero QRV and QQI */
        usec_t qqi_max, mrt_max, qqi_min;
        usec_t v1q_until;  /* an IGMPv1 querier may be present (RFC 3376 7.3.1): leaves ignored */
        Keep keep[N_GROUPS];
} SlotModel;

/* One group as the upstream router sees our membership (RFC 3376 6.4, one host). */
typedef struct WireGroup {
        bool exclude;          /* filter mode EXCLUDE; INCLUDE with no source = not joined */
        uint16_t sources;      /* source_table bits */
        bool ever;             /* ever reported or listed */
        uint8_t last_version;  /* of the last report or leave */
        usec_t last_report;    /* last report we sent of it, 0 if none */
        usec_t owed_since;     /* refresh owed since (0: not owed) */
        usec_t bound;          /* largest IntervalSec + SpreadSec + 1 s since the last report */
        usec_t idle_since;     /* first check at which the core kept it for no reason, 0 */
        usec_t forbidden_since; /* first check at which it was joined and forbidden upstream, 0 */
        uint8_t change_type;   /* the last state-change record (TO_IN, TO_EX, ALLOW, BLOCK) ... */
        uint16_t change_sources; /* ... its sources ... */
        uint8_t change_version; /* ... and its IGMP version */
        usec_t change_at;      /* ... and when */
        bool dup_now, new_now; /* in this call: a state change sent again, a new one */
        bool seen;             /* listed by the core at the last check */
} WireGroup;

typedef struct MfcEntry {
        in4_t source, group;
        int iif;
        uint32_t out;
        uint64_t packets;
        usec_t last;
} MfcEntry;

typedef struct Harness {
        Proxy *p;
        const Config *cfg;
        int cfg_idx;
        usec_t now;
        usec_t slack;          /* the latest a wake-up came, on purpose (late glue) */
        usec_t sched_start;    /* refresh: the schedule runs from here (InitialDelaySec) */
        unsigned max_rob;      /* largest Robustness in any config used */
        usec_t max_uri;        /* largest UnsolicitedReportIntervalSec used */
        SlotModel slot[N_SLOTS];
        int up_slot;           /* the slot in service as upstream, -1 */
        int removing_vif;      /* the VIF being taken out during this call, -1 */
        WireGroup wire[N_GROUPS];
        uint64_t touched;      /* groups anything ever happened to */
        unsigned pkt_records;  /* the IGMPv3 report the glue is assembling: records, their bytes */
        size_t pkt_bytes;
        MfcEntry mfc[MAX_MFC];
        size_t n_mfc;
        /* the kernel's behaviour when asked for counters */
        uint8_t flow_mask;     /* groups whose index % 4 is set here carry a stream */
        bool idle_unknown, hide_routes, incomplete;
        /* upstream querier (RFC 3376 7.2.1): older version present at least until */
        usec_t v1_min, v2_min;
        unsigned up_qrv, up_qrv_max; /* smallest, largest QRV / QQI of valid v3 queries upstream */
        usec_t up_qqi, up_qqi_max;
        usec_t v1_max;         /* the core may report in IGMPv1 (and so send no leave) until */
        bool shut_down;
        unsigned step;
        unsigned long wakeups;
        bool verbose;
        jmp_buf fail_jmp;
        char why[1024];
} Harness;

/* fuzz-core-model.c */
int group_index(in4_t g);
int source_index(in4_t s);
const char *addr_str(in4_t a); /* rotating static buffers */
/* The trace: printed only when replaying a broken program (or with FUZZ_CORE_TRACE=1); the
 * arguments are not even evaluated otherwise. */
void say_(const char *fmt, ...) _printf_(1, 2);
#define say(h, ...)                            \
        do {                                   \
                if ((h)->verbose)              \
                        say_(__VA_ARGS__);     \
        } while (0)
_Noreturn void fail(Harness *h, const char *fmt, ...) _printf_(2, 3);
void model_reset(Harness *h);
/* A parsed IGMP message handed to the core on slot s: what the hosts and queriers said. */
void model_input(Harness *h, int s, const IpInfo *ip, const IgmpMessage *m);
void model_config(Harness *h, const Config *old, const Config *cfg);
void model_slot_in(Harness *h, int s, IfaceRole role, int vif);
void model_slot_out(Harness *h, int s);
bool source_allowed_up(const Harness *h, in4_t src);
void apply_effects(Harness *h);
void check_state(Harness *h, bool after_timers);
void check_shutdown(Harness *h);
