/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-config.c - unit tests of src/config/: both syntaxes, every key with
 * a good and a bad value, derived defaults, whole-file checks, filters,
 * limits (NUL bytes, long lines, large files) and the config_to_string()
 * round trip.
 *
 * It does not test how the daemon uses the Config; only src/config/ is linked
 * in beyond the core helpers, and the only system access is temporary files
 * for config_load().
 */
#include <check.h>

#include "run-suite.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include "config.h"

#define NAME "test.conf"

/* Four lines that make a valid file; the key under test goes on line 7. */
#define HEAD_GLOBAL "[Interface vlan2]\nRole=upstream\n[Interface vlan10]\nRole=downstream\n"
#define HEAD_IFACE "[Interface vlan10]\nRole=downstream\n[Interface vlan2]\nRole=upstream\n"
#define MINIMAL HEAD_GLOBAL

static Config *parse_ok(const char *text) {
        _cleanup_(freep) char *err = NULL;
        Config *c = NULL;
        int r;

        r = config_parse_string(text, strlen(text), NAME, &c, &err);
        ck_assert_msg(r == 0, "unexpected failure %d: %s\n--- input:\n%s", r, err ? err : "(no message)", text);
        ck_assert_ptr_nonnull(c);
        ck_assert_ptr_null(err);
        return c;
}

static char *parse_fail_len(const char *text, size_t len) {
        char *err = NULL;
        Config *c = NULL;
        int r;

        r = config_parse_string(text, len, NAME, &c, &err);
        ck_assert_msg(r == -EINVAL, "expected -EINVAL, got %d (%s)", r, err ? err : "(no message)");
        ck_assert_ptr_null(c);
        ck_assert_ptr_nonnull(err);
        return err;
}

static bool ends_with(const char *s, const char *suffix) {
        size_t n = strlen(s), m = strlen(suffix);

        return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Asserts the message starts with "test.conf:LINE: ", contains what and
 * ends with ": 'offending'" (or has no quote at all if offending is NULL). */
static void check_error_msg(const char *err, unsigned line, const char *what, const char *offending) {
        char prefix[64], tail[512];

        snprintf(prefix, sizeof prefix, NAME ":%u: ", line);
        ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "'%s' does not start with '%s'", err, prefix);
        ck_assert_msg(strstr(err, what), "'%s' does not contain '%s'", err, what);
        if (offending) {
                snprintf(tail, sizeof tail, ": '%s'", offending);
                ck_assert_msg(ends_with(err, tail), "'%s' does not end with '%s'", err, tail);
        } else
                ck_assert_msg(!strchr(err, '\''), "'%s' quotes something", err);
}

static void expect_error(const char *text, unsigned line, const char *what, const char *offending) {
        _cleanup_(freep) char *err = parse_fail_len(text, strlen(text));

        check_error_msg(err, line, what, offending);
}

static char *format(const char *fmt, ...) _printf_(1, 2);
static char *format(const char *fmt, ...) {
        va_list ap;
        char *s;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        ck_assert_int_ge(r, 0);
        return s;
}

static const IfaceConfig *up(const Config *c) {
        const IfaceConfig *ic = config_find_iface(c, "vlan2");

        ck_assert_ptr_nonnull(ic);
        return ic;
}

static void configs_equal(const Config *a, const Config *b) {
        ck_assert_int_eq(a->quickleave, b->quickleave);
        ck_assert_int_eq(a->default_role, b->default_role);
        ck_assert_uint_eq(a->source_idle_timeout, b->source_idle_timeout);
        ck_assert_uint_eq(a->max_groups, b->max_groups);
        ck_assert_uint_eq(a->stall_timeout, b->stall_timeout);
        ck_assert_uint_eq(a->querier_version, b->querier_version);
        ck_assert_uint_eq(a->robustness, b->robustness);
        ck_assert_uint_eq(a->query_interval, b->query_interval);
        ck_assert_uint_eq(a->query_response_interval, b->query_response_interval);
        ck_assert_uint_eq(a->startup_query_interval, b->startup_query_interval);
        ck_assert_uint_eq(a->startup_query_count, b->startup_query_count);
        ck_assert_uint_eq(a->last_member_query_interval, b->last_member_query_interval);
        ck_assert_uint_eq(a->last_member_query_count, b->last_member_query_count);
        ck_assert_int_eq(a->refresh, b->refresh);
        ck_assert_uint_eq(a->refresh_initial_delay, b->refresh_initial_delay);
        ck_assert_uint_eq(a->refresh_interval, b->refresh_interval);
        ck_assert_uint_eq(a->refresh_spread, b->refresh_spread);
        ck_assert_uint_eq(a->report_version, b->report_version);
        ck_assert_uint_eq(a->n_ifaces, b->n_ifaces);
        for (size_t i = 0; i < a->n_ifaces; i++) {
                const IfaceConfig *x = &a->ifaces[i], *y = &b->ifaces[i];

                ck_assert_str_eq(x->name, y->name);
                ck_assert_int_eq(x->role, y->role);
                ck_assert_uint_eq(x->threshold, y->threshold);
                ck_assert_uint_eq(x->ratelimit, y->ratelimit);
                ck_assert_int_eq(x->no_forward_to_upstream, y->no_forward_to_upstream);
                ck_assert_uint_eq(x->n_altnets, y->n_altnets);
                for (size_t j = 0; j < x->n_altnets; j++) {
                        ck_assert_uint_eq(x->altnets[j].addr, y->altnets[j].addr);
                        ck_assert_uint_eq(x->altnets[j].len, y->altnets[j].len);
                }
                ck_assert_uint_eq(x->n_filters, y->n_filters);
                for (size_t j = 0; j < x->n_filters; j++) {
                        ck_assert_uint_eq(x->filters[j].prefix.addr, y->filters[j].prefix.addr);
                        ck_assert_uint_eq(x->filters[j].prefix.len, y->filters[j].prefix.len);
                        ck_assert_int_eq(x->filters[j].allow, y->filters[j].allow);
                }
        }
}

/* ---- defaults ---------------------------------------------------------- */

static void check_defaults(const Config *c) {
        ck_assert(!c->quickleave);
        ck_assert_int_eq(c->default_role, ROLE_DISABLED);
        ck_assert_uint_eq(c->source_idle_timeout, 60 * USEC_PER_SEC);
        ck_assert_uint_eq(c->max_groups, 4096);
        ck_assert_uint_eq(c->stall_timeout, 5 * USEC_PER_SEC);
        ck_assert_uint_eq(c->querier_version, 3);
        ck_assert_uint_eq(c->robustness, 2);
        ck_assert_uint_eq(c->query_interval, 125 * USEC_PER_SEC);
        ck_assert_uint_eq(c->query_response_interval, 10 * USEC_PER_SEC);
        ck_assert_uint_eq(c->startup_query_interval, 125 * USEC_PER_SEC / 4);
        ck_assert_uint_eq(c->startup_query_count, 2);
        ck_assert_uint_eq(c->last_member_query_interval, 1 * USEC_PER_SEC);
        ck_assert_uint_eq(c->last_member_query_count, 2);
        ck_assert_int_eq(c->refresh, REFRESH_YES);
        ck_assert_uint_eq(c->refresh_initial_delay, 10 * USEC_PER_SEC);
        ck_assert_uint_eq(c->refresh_interval, 60 * USEC_PER_SEC);
        ck_assert_uint_eq(c->refresh_spread, 1 * USEC_PER_SEC);
        ck_assert_uint_eq(c->report_version, 2);
}

START_TEST(test_init_defaults) {
        Config c;

        memset(&c, 0xaa, sizeof c);
        config_init_defaults(&c);
        check_defaults(&c);
        ck_assert_uint_eq(c.n_ifaces, 0);
        ck_assert_ptr_null(c.ifaces);
        ck_assert_ptr_null(c.warnings);
        ck_assert_ptr_null(c.path);
}
END_TEST

START_TEST(test_minimal) {
        _cleanup_(config_freep) Config *c = parse_ok(MINIMAL);
        const IfaceConfig *ic;

        check_defaults(c);
        ck_assert(!c->legacy);
        ck_assert_str_eq(c->path, NAME);
        ck_assert_ptr_null(c->warnings);
        ck_assert_uint_eq(c->n_ifaces, 2);

        ic = up(c);
        ck_assert_ptr_eq(ic, &c->ifaces[0]);
        ck_assert_int_eq(ic->role, ROLE_UPSTREAM);
        ck_assert_uint_eq(ic->threshold, 1);
        ck_assert_uint_eq(ic->ratelimit, 0);
        ck_assert_uint_eq(ic->n_altnets, 0);
        ck_assert_uint_eq(ic->n_filters, 0);
        ck_assert_uint_eq(ic->line, 1);

        ic = config_find_iface(c, "vlan10");
        ck_assert_ptr_nonnull(ic);
        ck_assert_int_eq(ic->role, ROLE_DOWNSTREAM);
        ck_assert_uint_eq(ic->line, 3);

        ck_assert_ptr_null(config_find_iface(c, "vlan3"));
        ck_assert_int_eq(config_iface_role(c, "vlan2"), ROLE_UPSTREAM);
        ck_assert_int_eq(config_iface_role(c, "vlan10"), ROLE_DOWNSTREAM);
        ck_assert_int_eq(config_iface_role(c, "eth0"), ROLE_DISABLED);
}
END_TEST

START_TEST(test_default_role) {
        _cleanup_(config_freep) Config *c =
                parse_ok("[Proxy]\nDefaultRole=downstream\n[Interface vlan2]\nRole=upstream\n[Interface lo]\nRole=disabled\n");

        ck_assert_int_eq(c->default_role, ROLE_DOWNSTREAM);
        ck_assert_int_eq(config_iface_role(c, "eth7"), ROLE_DOWNSTREAM);
        ck_assert_int_eq(config_iface_role(c, "lo"), ROLE_DISABLED);
        ck_assert_int_eq(config_iface_role(c, "vlan2"), ROLE_UPSTREAM);
}
END_TEST

START_TEST(test_role_strings) {
        ck_assert_str_eq(iface_role_to_string(ROLE_UPSTREAM), "upstream");
        ck_assert_str_eq(iface_role_to_string(ROLE_DOWNSTREAM), "downstream");
        ck_assert_str_eq(iface_role_to_string(ROLE_DISABLED), "disabled");
        ck_assert_ptr_null(iface_role_to_string(_ROLE_MAX));
        ck_assert_str_eq(refresh_mode_to_string(REFRESH_YES), "yes");
        ck_assert_str_eq(refresh_mode_to_string(REFRESH_NO), "no");
        ck_assert_str_eq(refresh_mode_to_string(REFRESH_AUTO), "auto");
        ck_assert_ptr_null(refresh_mode_to_string(_REFRESH_MODE_MAX));
}
END_TEST

/* ---- every key: good values -------------------------------------------- */

#define GETTER(n, expr) \
        static uint64_t get_##n(const Config *c) { \
                return (uint64_t) (expr); \
        }
GETTER(quickleave, c->quickleave)
GETTER(default_role, c->default_role)
GETTER(source_idle, c->source_idle_timeout)
GETTER(max_groups, c->max_groups)
GETTER(stall, c->stall_timeout)
GETTER(version, c->querier_version)
GETTER(robustness, c->robustness)
GETTER(qi, c->query_interval)
GETTER(qri, c->query_response_interval)
GETTER(sqi, c->startup_query_interval)
GETTER(sqc, c->startup_query_count)
GETTER(lmqi, c->last_member_query_interval)
GETTER(lmqc, c->last_member_query_count)
GETTER(refresh, c->refresh)
GETTER(initial_delay, c->refresh_initial_delay)
GETTER(interval, c->refresh_interval)
GETTER(spread, c->refresh_spread)
GETTER(report_version, c->report_version)
GETTER(uri, c->unsolicited_report_interval)
GETTER(accept_no_ra, c->accept_reports_without_ra)
GETTER(threshold, up(c)->threshold)
GETTER(ratelimit, up(c)->ratelimit)
GETTER(role, up(c)->role)
GETTER(forward, !up(c)->no_forward_to_upstream)

#define S(x) ((uint64_t) (x) * USEC_PER_SEC)
#define MSEC(x) ((uint64_t) (x) * USEC_PER_MSEC)

static const struct {
        const char *section, *key, *value;
        uint64_t (*get)(const Config *c);
        uint64_t expected;
} good[] = {
        { "Proxy", "QuickLeave", "yes", get_quickleave, 1 },
        { "Proxy", "QuickLeave", "on", get_quickleave, 1 },
        { "Proxy", "QuickLeave", "no", get_quickleave, 0 },
        { "Proxy", "QuickLeave", "", get_quickleave, 0 },
        { "Proxy", "DefaultRole", "downstream", get_default_role, ROLE_DOWNSTREAM },
        { "Proxy", "DefaultRole", "disabled", get_default_role, ROLE_DISABLED },
        { "Proxy", "SourceIdleTimeoutSec", "2min", get_source_idle, S(120) },
        { "Proxy", "SourceIdleTimeoutSec", "1", get_source_idle, S(1) },
        { "Proxy", "SourceIdleTimeoutSec", "3600s", get_source_idle, S(3600) },
        { "Proxy", "SourceIdleTimeoutSec", "", get_source_idle, S(60) },
        { "Proxy", "StallTimeoutSec", "0", get_stall, 0 },
        { "Proxy", "StallTimeoutSec", "2s", get_stall, S(2) },
        { "Proxy", "StallTimeoutSec", "1h", get_stall, S(3600) },
        { "Proxy", "StallTimeoutSec", "", get_stall, S(5) },
        { "Proxy", "MaxGroupsPerInterface", "1", get_max_groups, 1 },
        { "Proxy", "MaxGroupsPerInterface", "1000000", get_max_groups, 1000000 },
        { "Querier", "Version", "2", get_version, 2 },
        { "Querier", "Version", "3", get_version, 3 },
        { "Querier", "Robustness", "1", get_robustness, 1 },
        { "Querier", "Robustness", "7", get_robustness, 7 },
        { "Querier", "QueryIntervalSec", "31744", get_qi, S(31744) },
        { "Querier", "QueryIntervalSec", "1min 30s", get_qi, S(90) },
        { "Querier", "QueryResponseIntervalSec", "100ms", get_qri, MSEC(100) },
        { "Querier", "QueryResponseIntervalSec", "2500ms", get_qri, MSEC(2500) },
        { "Querier", "StartupQueryIntervalSec", "100ms", get_sqi, MSEC(100) },
        { "Querier", "StartupQueryIntervalSec", "125s", get_sqi, S(125) },
        { "Querier", "StartupQueryIntervalSec", "", get_sqi, MSEC(31250) },
        { "Querier", "StartupQueryCount", "1", get_sqc, 1 },
        { "Querier", "StartupQueryCount", "10", get_sqc, 10 },
        { "Querier", "LastMemberQueryIntervalSec", "100ms", get_lmqi, MSEC(100) },
        { "Querier", "LastMemberQueryIntervalSec", "25500ms", get_lmqi, MSEC(25500) },
        { "Querier", "LastMemberQueryCount", "1", get_lmqc, 1 },
        { "Querier", "LastMemberQueryCount", "10", get_lmqc, 10 },
        { "Refresh", "Enabled", "no", get_refresh, REFRESH_NO },
        { "Refresh", "Enabled", "auto", get_refresh, REFRESH_AUTO },
        { "Refresh", "Enabled", "true", get_refresh, REFRESH_YES },
        { "Refresh", "InitialDelaySec", "0", get_initial_delay, 0 },
        { "Refresh", "InitialDelaySec", "259s", get_initial_delay, S(259) },
        { "Refresh", "IntervalSec", "1s", get_interval, S(1) },
        { "Refresh", "IntervalSec", "130s", get_interval, S(130) },
        { "Refresh", "IntervalSec", "259", get_interval, S(259) },
        { "Refresh", "SpreadSec", "0", get_spread, 0 },
        { "Refresh", "SpreadSec", "30s", get_spread, S(30) },
        { "Refresh", "ReportVersion", "1", get_report_version, 1 },
        { "Refresh", "ReportVersion", "3", get_report_version, 3 },
        { "Refresh", "UnsolicitedReportIntervalSec", "100ms", get_uri, MSEC(100) },
        { "Refresh", "UnsolicitedReportIntervalSec", "25500ms", get_uri, MSEC(25500) },
        { "Refresh", "UnsolicitedReportIntervalSec", "25.5s", get_uri, MSEC(25500) },
        { "Querier", "QueryResponseIntervalSec", "2.5", get_qri, MSEC(2500) },
        { "Refresh", "UnsolicitedReportIntervalSec", "", get_uri, S(1) },
        { "Proxy", "AcceptReportsWithoutRouterAlert", "no", get_accept_no_ra, 0 },
        { "Proxy", "AcceptReportsWithoutRouterAlert", "yes", get_accept_no_ra, 1 },
        { "Proxy", "AcceptReportsWithoutRouterAlert", "", get_accept_no_ra, 1 },
        { "Interface", "Threshold", "255", get_threshold, 255 },
        { "Interface", "Threshold", "1", get_threshold, 1 },
        { "Interface", "RateLimit", "1000000", get_ratelimit, 1000000 },
        { "Interface", "RateLimit", "0", get_ratelimit, 0 },
        { "Interface", "Role", "upstream", get_role, ROLE_UPSTREAM },
        { "Interface", "ForwardToUpstream", "no", get_forward, 0 },
        { "Interface", "ForwardToUpstream", "off", get_forward, 0 },
        { "Interface", "ForwardToUpstream", "yes", get_forward, 1 },
        { "Interface", "ForwardToUpstream", "", get_forward, 1 },
};

static char *key_text(const char *section, const char *key, const char *value) {
        if (strcmp(section, "Interface") == 0)
                return format(HEAD_IFACE "# filler\n# filler\n%s=%s\n", key, value);
        return format(HEAD_GLOBAL "[%s]\n# filler\n%s=%s\n", section, key, value);
}

START_TEST(test_good_values) {
        _cleanup_(freep) char *text = key_text(good[_i].section, good[_i].key, good[_i].value);
        _cleanup_(config_freep) Config *c = parse_ok(text);

        ck_assert_msg(good[_i].get(c) == good[_i].expected, "%s=%s: got %" PRIu64 ", expected %" PRIu64,
                      good[_i].key, good[_i].value, good[_i].get(c), good[_i].expected);
}
END_TEST

/* ---- every key: bad values --------------------------------------------- */

static const struct {
        const char *section, *key, *value, *expect, *offending;
} bad[] = {
        { "Proxy", "QuickLeave", "maybe", "(expected yes or no)" },
        { "Proxy", "DefaultRole", "upstream", "(expected disabled or downstream)" },
        { "Proxy", "DefaultRole", "up", "(expected disabled or downstream)" },
        { "Proxy", "StallTimeoutSec", "500ms", "(expected a time span, 0 (off) or 1s..3600s)" },
        { "Proxy", "StallTimeoutSec", "3601", "(expected a time span, 0 (off) or 1s..3600s)" },
        { "Proxy", "SourceIdleTimeoutSec", "0", "(expected a time span, 1s..3600s)" },
        { "Proxy", "SourceIdleTimeoutSec", "3601", "(expected a time span, 1s..3600s)" },
        { "Proxy", "SourceIdleTimeoutSec", "soon", "(expected a time span, 1s..3600s)" },
        { "Proxy", "MaxGroupsPerInterface", "0", "(expected an integer, 1..1000000)" },
        { "Proxy", "MaxGroupsPerInterface", "1000001", "(expected an integer, 1..1000000)" },
        { "Proxy", "MaxGroupsPerInterface", "-1", "(expected an integer, 1..1000000)" },
        { "Querier", "Version", "1", "(expected 2 or 3)" },
        { "Querier", "Version", "4", "(expected 2 or 3)" },
        { "Querier", "Robustness", "0", "(expected an integer, 1..7)" },
        { "Querier", "Robustness", "8", "(expected an integer, 1..7)" },
        { "Querier", "QueryIntervalSec", "0", "(expected a time span, 1s..31744s)" },
        { "Querier", "QueryIntervalSec", "31745", "(expected a time span, 1s..31744s)" },
        { "Querier", "QueryResponseIntervalSec", "99ms", "(expected a time span, 100ms..3174400ms)" },
        { "Querier", "QueryResponseIntervalSec", "3175s", "(expected a time span, 100ms..3174400ms)" },
        { "Querier", "StartupQueryIntervalSec", "50ms", "(expected a time span, 100ms..QueryIntervalSec)" },
        { "Querier", "StartupQueryCount", "0", "(expected an integer, 1..10)" },
        { "Querier", "StartupQueryCount", "11", "(expected an integer, 1..10)" },
        { "Querier", "LastMemberQueryIntervalSec", "25501ms", "(expected a time span, 100ms..25500ms)" },
        { "Querier", "LastMemberQueryIntervalSec", "25.501s", "(expected a time span, 100ms..25500ms)" },
        { "Querier", "LastMemberQueryIntervalSec", "0.5.5s", "(expected a time span, 100ms..25500ms)" },
        { "Querier", "LastMemberQueryIntervalSec", "0", "(expected a time span, 100ms..25500ms)" },
        { "Querier", "LastMemberQueryCount", "0", "(expected an integer, 1..10)" },
        { "Querier", "LastMemberQueryCount", "11", "(expected an integer, 1..10)" },
        { "Refresh", "Enabled", "sometimes", "(expected yes, no or auto)" },
        { "Refresh", "InitialDelaySec", "260", "(expected a time span, 0s..259s)" },
        { "Refresh", "IntervalSec", "0", "(expected a time span, 1s..259s)" },
        { "Refresh", "IntervalSec", "260s", "(expected a time span, 1s..259s)" },
        { "Refresh", "SpreadSec", "130s", "(expected a time span, 0..IntervalSec/2)" },
        { "Refresh", "ReportVersion", "0", "(expected an integer, 1..3)" },
        { "Refresh", "ReportVersion", "4", "(expected an integer, 1..3)" },
        { "Refresh", "UnsolicitedReportIntervalSec", "99ms", "(expected a time span, 100ms..25500ms)" },
        { "Refresh", "UnsolicitedReportIntervalSec", "26s", "(expected a time span, 100ms..25500ms)" },
        { "Proxy", "AcceptReportsWithoutRouterAlert", "maybe", "(expected" },
        { "Interface", "Role", "sideways", "(expected upstream, downstream or disabled)" },
        { "Interface", "Role", "", "(expected upstream, downstream or disabled)" },
        { "Interface", "AltNet", "172.0.0.1/8", "(expected IPv4 prefixes" },
        { "Interface", "AltNet", "10.0.0.0/33", "(expected IPv4 prefixes" },
        { "Interface", "AltNet", "172.0.0.0/8 bogus 10.0.0.0/8", "(expected IPv4 prefixes", "bogus" },
        { "Interface", "Whitelist", "10.0.0.0/8", "(expected multicast prefixes" },
        { "Interface", "Whitelist", "224.0.0.0/3", "(expected multicast prefixes" },
        { "Interface", "Whitelist", "239.1.2.3/8", "(expected multicast prefixes" },
        { "Interface", "Blacklist", "240.0.0.0/4", "(expected multicast prefixes" },
        { "Interface", "Blacklist", "239.0.0.0/8 239.255.255.250/24", "(expected multicast prefixes",
          "239.255.255.250/24" },
        { "Interface", "Threshold", "0", "(expected an integer, 1..255)" },
        { "Interface", "Threshold", "256", "(expected an integer, 1..255)" },
        { "Interface", "RateLimit", "1000001", "(expected an integer, 0..1000000)" },
        { "Interface", "RateLimit", "fast", "(expected an integer, 0..1000000)" },
        { "Interface", "ForwardToUpstream", "upstream", "(expected yes or no)" },
};

START_TEST(test_bad_values) {
        _cleanup_(freep) char *text = key_text(bad[_i].section, bad[_i].key, bad[_i].value);
        _cleanup_(freep) char *what = format("invalid value for %s= %s", bad[_i].key, bad[_i].expect);

        expect_error(text, 7, what, bad[_i].offending ? bad[_i].offending : bad[_i].value);
}
END_TEST

/* ---- derived defaults and cross-key checks ----------------------------- */

START_TEST(test_derived_defaults) {
        _cleanup_(config_freep) Config *a = NULL, *b = NULL, *d = NULL;

        /* Derived keys resolve after the whole file, whatever the order. */
        a = parse_ok(MINIMAL "[Querier]\nQueryIntervalSec=100\nRobustness=5\n");
        ck_assert_uint_eq(a->startup_query_interval, S(25));
        ck_assert_uint_eq(a->startup_query_count, 5);
        ck_assert_uint_eq(a->last_member_query_count, 5);

        b = parse_ok("[Querier]\nStartupQueryCount=3\nRobustness=6\n[Interface vlan2]\nRole=upstream\n"
                     "[Interface vlan10]\nRole=downstream\n[Querier]\nQueryIntervalSec=20\n");
        ck_assert_uint_eq(b->startup_query_interval, S(5));
        ck_assert_uint_eq(b->startup_query_count, 3);
        ck_assert_uint_eq(b->last_member_query_count, 6);

        /* An empty value goes back to the derived default. */
        d = parse_ok(MINIMAL "[Querier]\nLastMemberQueryCount=9\nRobustness=3\nLastMemberQueryCount=\n");
        ck_assert_uint_eq(d->last_member_query_count, 3);
}
END_TEST

START_TEST(test_cross_checks) {
        _cleanup_(config_freep) Config *a = NULL, *b = NULL;

        expect_error(MINIMAL "[Querier]\nQueryIntervalSec=20\nQueryResponseIntervalSec=20s\n", 7,
                     "QueryResponseIntervalSec= must be shorter than QueryIntervalSec= (20s)", "20s");
        expect_error(MINIMAL "[Querier]\nQueryIntervalSec=5\n", 6,
                     "QueryIntervalSec= must be longer than QueryResponseIntervalSec= (10s)", "5");
        expect_error(MINIMAL "[Querier]\nStartupQueryIntervalSec=61\nQueryIntervalSec=60\n", 6,
                     "StartupQueryIntervalSec= must not be longer than QueryIntervalSec= (60s)", "61");
        expect_error(MINIMAL "[Refresh]\nSpreadSec=6\nIntervalSec=10s\n", 6,
                     "SpreadSec= must be at most half of IntervalSec= (10s)", "6");

        a = parse_ok(MINIMAL "[Refresh]\nSpreadSec=5\nIntervalSec=10s\n");
        ck_assert_uint_eq(a->refresh_spread, S(5));

        /* The default spread (1s) shrinks to fit a very short interval. */
        b = parse_ok(MINIMAL "[Refresh]\nIntervalSec=1\n");
        ck_assert_uint_eq(b->refresh_spread, MSEC(500));
}
END_TEST

START_TEST(test_refresh_warning) {
        _cleanup_(config_freep) Config *a = NULL, *b = NULL, *c = NULL;

        a = parse_ok(MINIMAL "[Refresh]\n# filler\nIntervalSec=131s\n");
        ck_assert_ptr_nonnull(a->warnings);
        ck_assert_msg(strncmp(a->warnings, NAME ":7: IntervalSec= above 130s", 27) == 0, "%s", a->warnings);
        ck_assert(ends_with(a->warnings, ": '131s'\n"));

        b = parse_ok(MINIMAL "[Refresh]\nIntervalSec=130s\n");
        ck_assert_ptr_null(b->warnings);

        /* Nothing to warn about when refreshing is off. */
        c = parse_ok(MINIMAL "[Refresh]\nEnabled=no\nIntervalSec=200s\n");
        ck_assert_ptr_null(c->warnings);
}
END_TEST

/* ---- lists, filters ---------------------------------------------------- */

START_TEST(test_altnet) {
        _cleanup_(config_freep) Config *a = NULL, *b = NULL;
        const IfaceConfig *ic;

        a = parse_ok(HEAD_IFACE "AltNet=172.0.0.0/8\nAltNet=10.1.0.0/16 192.168.1.5\n");
        ic = up(a);
        ck_assert_uint_eq(ic->n_altnets, 3);
        ck_assert_uint_eq(ic->altnets[0].addr, IN4(172, 0, 0, 0));
        ck_assert_uint_eq(ic->altnets[0].len, 8);
        ck_assert_uint_eq(ic->altnets[1].addr, IN4(10, 1, 0, 0));
        ck_assert_uint_eq(ic->altnets[1].len, 16);
        ck_assert_uint_eq(ic->altnets[2].addr, IN4(192, 168, 1, 5));
        ck_assert_uint_eq(ic->altnets[2].len, 32);
        ck_assert_ptr_null(a->warnings);

        /* An empty assignment clears the list. */
        b = parse_ok(HEAD_IFACE "AltNet=172.0.0.0/8\nAltNet=\nAltNet=10.0.0.0/8\n");
        ck_assert_uint_eq(up(b)->n_altnets, 1);
        ck_assert_uint_eq(up(b)->altnets[0].addr, IN4(10, 0, 0, 0));
}
END_TEST

START_TEST(test_altnet_warning) {
        _cleanup_(config_freep) Config *c =
                parse_ok("[Interface vlan2]\nRole=upstream\n[Interface vlan10]\n# x\nAltNet=172.0.0.0/8\nRole=downstream\n");

        ck_assert_ptr_nonnull(c->warnings);
        ck_assert_msg(strncmp(c->warnings, NAME ":5: AltNet= is only used on the upstream interface", 52) == 0,
                      "%s", c->warnings);
        ck_assert(ends_with(c->warnings, ": 'vlan10'\n"));
        ck_assert_uint_eq(config_find_iface(c, "vlan10")->n_altnets, 1);
}
END_TEST

/* ForwardToUpstream= (RFC 4605 4.2: a downstream sender's traffic goes
 * upstream; no keeps it on the downstream links): default yes, a downstream
 * key, said and ignored elsewhere, written back by --test-config. */
START_TEST(test_forward_to_upstream) {
        _cleanup_(config_freep) Config *a = NULL, *b = NULL, *c = NULL, *d = NULL;
        _cleanup_(freep) char *s = NULL;

        a = parse_ok(MINIMAL);
        ck_assert(!config_find_iface(a, "vlan10")->no_forward_to_upstream);
        ck_assert_ptr_null(a->warnings);

        b = parse_ok(MINIMAL "[Interface br-lan]\nRole=downstream\nForwardToUpstream=no\n");
        ck_assert(config_find_iface(b, "br-lan")->no_forward_to_upstream);
        ck_assert(!config_find_iface(b, "vlan10")->no_forward_to_upstream);
        ck_assert_ptr_null(b->warnings);
        s = config_to_string(b);
        ck_assert_msg(strstr(s, "\n[Interface br-lan]\nRole=downstream\nThreshold=1\nRateLimit=0\nForwardToUpstream=no\n"),
                      "%s", s);
        ck_assert_msg(strstr(s, "\n[Interface vlan10]\nRole=downstream\nThreshold=1\nRateLimit=0\nForwardToUpstream=yes\n"),
                      "%s", s);
        ck_assert_msg(strstr(s, "\n[Interface vlan2]\nRole=upstream\nThreshold=1\nRateLimit=0\n\n"), "%s", s);

        /* On the upstream (or a disabled) interface it means nothing: a warning. */
        c = parse_ok("[Interface vlan2]\nRole=upstream\n# x\nForwardToUpstream=no\n[Interface vlan10]\nRole=downstream\n");
        ck_assert_ptr_nonnull(c->warnings);
        ck_assert_msg(strncmp(c->warnings, NAME ":4: ForwardToUpstream= is only used on downstream interfaces, ignored on "
                                           "this upstream interface", 91) == 0, "%s", c->warnings);
        ck_assert(ends_with(c->warnings, ": 'vlan2'\n"));
        /* ... not once emptied again. */
        d = parse_ok("[Interface vlan2]\nRole=upstream\nForwardToUpstream=no\nForwardToUpstream=\n"
                     "[Interface vlan10]\nRole=downstream\n");
        ck_assert_ptr_null(d->warnings);
        ck_assert(!up(d)->no_forward_to_upstream);
}
END_TEST

START_TEST(test_filters_parsed) {
        _cleanup_(config_freep) Config *c = parse_ok(HEAD_IFACE
                                                     "Whitelist=239.0.0.0/8 232.0.0.0/8\n"
                                                     "Blacklist=239.255.0.0/16\n"
                                                     "Whitelist=239.255.255.0/24\n");
        const IfaceConfig *ic = up(c);

        ck_assert_uint_eq(ic->n_filters, 4);
        ck_assert(ic->filters[0].allow);
        ck_assert_uint_eq(ic->filters[0].prefix.addr, IN4(239, 0, 0, 0));
        ck_assert(ic->filters[1].allow);
        ck_assert_uint_eq(ic->filters[1].prefix.addr, IN4(232, 0, 0, 0));
        ck_assert(!ic->filters[2].allow);
        ck_assert_uint_eq(ic->filters[2].prefix.len, 16);
        ck_assert(ic->filters[3].allow);
        ck_assert_uint_eq(ic->filters[3].prefix.len, 24);

        ck_assert(config_group_allowed(ic, IN4(239, 1, 2, 3)));
        ck_assert(config_group_allowed(ic, IN4(232, 1, 1, 1)));
        ck_assert(!config_group_allowed(ic, IN4(239, 255, 1, 1)));
        ck_assert(config_group_allowed(ic, IN4(239, 255, 255, 250)));
        ck_assert(!config_group_allowed(ic, IN4(225, 1, 1, 1)));

        /* The vlan10 section has no rules. */
        ck_assert(config_group_allowed(config_find_iface(c, "vlan10"), IN4(225, 1, 1, 1)));
}
END_TEST

START_TEST(test_filters_clear) {
        _cleanup_(config_freep) Config *c = parse_ok(HEAD_IFACE
                                                     "Whitelist=239.0.0.0/8\n"
                                                     "Blacklist=239.255.0.0/16\n"
                                                     "Whitelist=232.0.0.0/8\n"
                                                     "Whitelist=\n");
        const IfaceConfig *ic = up(c);

        /* "Whitelist=" drops the whitelist rules only. */
        ck_assert_uint_eq(ic->n_filters, 1);
        ck_assert(!ic->filters[0].allow);
        ck_assert_uint_eq(ic->filters[0].prefix.addr, IN4(239, 255, 0, 0));
}
END_TEST

START_TEST(test_group_allowed) {
        FilterRule rules[3];
        IfaceConfig ic = { .filters = rules };

        /* No interface, no rules: allowed. */
        ck_assert(config_group_allowed(NULL, IN4(239, 1, 1, 1)));
        ck_assert(config_group_allowed(&ic, IN4(239, 1, 1, 1)));

        /* Whitelist only: inside allowed, outside refused. */
        rules[0] = (FilterRule) { .prefix = { IN4(239, 0, 0, 0), 8 }, .allow = true };
        ic.n_filters = 1;
        ck_assert(config_group_allowed(&ic, IN4(239, 1, 1, 1)));
        ck_assert(!config_group_allowed(&ic, IN4(238, 1, 1, 1)));

        /* Blacklist only: inside refused, outside allowed. */
        rules[0] = (FilterRule) { .prefix = { IN4(239, 255, 255, 250), 32 }, .allow = false };
        ck_assert(!config_group_allowed(&ic, IN4(239, 255, 255, 250)));
        ck_assert(config_group_allowed(&ic, IN4(239, 255, 255, 251)));

        /* Mixed: whitelist 239/8, blacklist 239.1/16, whitelist 239.1.1.0/24. */
        rules[0] = (FilterRule) { .prefix = { IN4(239, 0, 0, 0), 8 }, .allow = true };
        rules[1] = (FilterRule) { .prefix = { IN4(239, 1, 0, 0), 16 }, .allow = false };
        rules[2] = (FilterRule) { .prefix = { IN4(239, 1, 1, 0), 24 }, .allow = true };
        ic.n_filters = 3;
        ck_assert(config_group_allowed(&ic, IN4(239, 2, 0, 1)));
        ck_assert(!config_group_allowed(&ic, IN4(239, 1, 2, 1)));
        ck_assert(config_group_allowed(&ic, IN4(239, 1, 1, 1)));
        ck_assert(!config_group_allowed(&ic, IN4(230, 1, 1, 1)));

        /* Last match wins: a later blacklist overrides an earlier whitelist. */
        rules[0] = (FilterRule) { .prefix = { IN4(239, 1, 1, 0), 24 }, .allow = true };
        rules[1] = (FilterRule) { .prefix = { IN4(239, 0, 0, 0), 8 }, .allow = false };
        ic.n_filters = 2;
        ck_assert(!config_group_allowed(&ic, IN4(239, 1, 1, 1)));
        ck_assert(!config_group_allowed(&ic, IN4(224, 1, 1, 1)));
}
END_TEST

/* ---- structure errors -------------------------------------------------- */

START_TEST(test_sections) {
        expect_error(MINIMAL "# x\n[Foo]\n", 6, "unknown section", "Foo");
        expect_error(MINIMAL "[proxy]\n", 5, "unknown section", "proxy");
        expect_error(MINIMAL "[Interfacevlan3]\n", 5, "unknown section", "Interfacevlan3");
        expect_error(MINIMAL "[Interface]\n", 5, "missing interface name in section header", "Interface");
        expect_error(MINIMAL "[Proxy\n", 5, "invalid section header", "[Proxy");
        expect_error(MINIMAL "[Proxy] junk\n", 5, "invalid section header", "[Proxy] junk");
        expect_error(MINIMAL "[Proxy]\nFoo=1\n", 6, "unknown key in section [Proxy]", "Foo");
        expect_error(MINIMAL "[Proxy]\nquickleave=yes\n", 6, "unknown key in section [Proxy]", "quickleave");
        expect_error(MINIMAL "[Proxy]\nRole=upstream\n", 6, "unknown key in section [Proxy]", "Role");
        expect_error(MINIMAL "[Interface vlan3]\nRole=disabled\nQuickLeave=yes\n", 7, "unknown key in section [Interface]",
                     "QuickLeave");
        expect_error(MINIMAL "[Proxy]\ngarbage\n", 6, "cannot parse line, expected [Section] or Key=Value", "garbage");
        expect_error(MINIMAL "[Proxy]\nQuickLeave: yes\n", 6, "cannot parse line", "QuickLeave: yes");
        expect_error(MINIMAL "[Proxy]\n=yes\n", 6, "unknown key in section [Proxy]", "");
}
END_TEST

/* What libinih tokenizes (config-ini.c feeds it line by line): the errors
 * keep their line, and what it would accept silently is refused. */
START_TEST(test_inih_lines) {
        _cleanup_(config_freep) Config *a = NULL, *b = NULL, *c = NULL;
        _cleanup_(freep) char *blanks = NULL, *long_header = NULL, *long_quoted = NULL;

        /* Headers give libinih no callback: empty and repeated ones still count. */
        expect_error(MINIMAL "[Interface vlan3]\n[Interface vlan3]\nRole=disabled\n", 6, "duplicate section",
                     "Interface vlan3");
        expect_error(MINIMAL "[Interface vlan3]\nRole=disabled\n[Refresh]\n[]\n", 8, "unknown section", "");
        a = parse_ok(MINIMAL "[Proxy]\n[Proxy] # again\nQuickLeave=yes\n[Refresh]\n");
        ck_assert(a->quickleave);

        /* After ']' only blanks and a comment. */
        expect_error(MINIMAL "[Proxy]#x\n", 5, "invalid section header", "[Proxy]#x");
        expect_error(MINIMAL "[Proxy]]\n", 5, "invalid section header", "[Proxy]]");
        expect_error(MINIMAL "  [Interface a ;b]\n", 5, "invalid section header", "[Interface a ;b]");

        /* libinih keeps 49 bytes of a section name: longer is refused, not cut. */
        blanks = format("%40s", "");
        long_header = format(MINIMAL "[Interface%svlan3]\nRole=disabled\n", blanks);
        long_quoted = format("[Interface%svlan3]", blanks);
        expect_error(long_header, 5, "section header too long", long_quoted);

        /* No multi-line values: an indented line after a key is a line of its own. */
        b = parse_ok(MINIMAL "[Proxy]\nQuickLeave=yes\n    MaxGroupsPerInterface=5\n");
        ck_assert(b->quickleave);
        ck_assert_uint_eq(b->max_groups, 5);
        expect_error(MINIMAL "[Proxy]\nQuickLeave=yes\n    no\n", 7, "cannot parse line", "no");

        /* Only '=' separates (libinih would also split at ':'); ':' in a value is data. */
        expect_error(MINIMAL "[Proxy]\nQuickLeave : yes\n", 6, "cannot parse line", "QuickLeave : yes");
        expect_error(MINIMAL "[Proxy]\nQuickLeave=yes:no\n", 6, "invalid value for QuickLeave=", "yes:no");

        /* The reader's probe line is no key a file can set. */
        expect_error(MINIMAL "[Proxy]\n\x01=\n", 6, "unknown key in section [Proxy]", "\\x01");

        /* Line numbers stay right after many headers and blank lines. */
        c = parse_ok("[Proxy]\n\n[Querier]\n\n[Refresh]\n\n[Interface vlan2]\nRole=upstream\n\n[Interface vlan10]\n"
                     "Role=downstream\n");
        ck_assert_uint_eq(config_find_iface(c, "vlan10")->line, 10);
        expect_error("[Proxy]\n\n[Querier]\n\n[Refresh]\n\n[Interface vlan2]\nRole=upstream\n\n[Proxy]\nBad=1\n", 11,
                     "unknown key", "Bad");
}
END_TEST

START_TEST(test_duplicate_interface) {
        expect_error("[Interface vlan2]\nRole=upstream\n[Interface vlan10]\nRole=downstream\n\n[Interface vlan2]\n",
                     6, "duplicate section", "Interface vlan2");
}
END_TEST

START_TEST(test_missing_role) {
        _cleanup_(config_freep) Config *c = NULL;

        expect_error(MINIMAL "[Interface vlan3]\nThreshold=2\n", 5, "missing Role= in section [Interface]", "vlan3");
        expect_error(MINIMAL "[Interface vlan3]\n", 5, "missing Role= in section [Interface]", "vlan3");

        /* Role may come after the other keys. */
        c = parse_ok(MINIMAL "[Interface vlan3]\nThreshold=2\nRole=disabled\n");
        ck_assert_uint_eq(config_find_iface(c, "vlan3")->threshold, 2);
        ck_assert_int_eq(config_find_iface(c, "vlan3")->role, ROLE_DISABLED);
}
END_TEST

START_TEST(test_ifnames) {
        _cleanup_(config_freep) Config *c = NULL;
        const char *what = "invalid interface name";

        c = parse_ok(MINIMAL "[Interface 0123456789abcde]\nRole=disabled\n[Interface   br-lan.10]\nRole=disabled\n");
        ck_assert_ptr_nonnull(config_find_iface(c, "0123456789abcde"));
        ck_assert_ptr_nonnull(config_find_iface(c, "br-lan.10"));

        expect_error(MINIMAL "[Interface 0123456789abcdef]\n", 5, what, "0123456789abcdef");
        expect_error(MINIMAL "[Interface a/b]\n", 5, what, "a/b");
        expect_error(MINIMAL "[Interface .]\n", 5, what, ".");
        expect_error(MINIMAL "[Interface ..]\n", 5, what, "..");
        expect_error(MINIMAL "[Interface eth0:1]\n", 5, what, "eth0:1");
        expect_error(MINIMAL "[Interface a b]\n", 5, what, "a b");
        /* libinih ends a section name at the first ']': such a name could not be written back. */
        expect_error(MINIMAL "[Interface a]b]\n", 5, "invalid section header", "[Interface a]b]");
        expect_error("phyint vlan2 upstream\nphyint l] disabled\n", 2, what, "l]");
}
END_TEST

START_TEST(test_upstream_downstream) {
        _cleanup_(config_freep) Config *c = NULL;

        expect_error("[Interface vlan2]\nRole=upstream\n[Interface vlan3]\nRole=upstream\n[Interface vlan10]\n"
                     "Role=downstream\n",
                     4, "only one upstream interface is supported, vlan2 is upstream already", "vlan3");
        /* Whole-file errors use the last line. */
        expect_error("[Interface vlan10]\nRole=downstream\n\n# end\n", 4, "no upstream interface configured", NULL);
        expect_error("[Interface vlan2]\nRole=upstream\n[Interface lo]\nRole=disabled", 4,
                     "no downstream interface configured (and DefaultRole= is not downstream)", NULL);
        expect_error("[Proxy]\nQuickLeave=yes\n", 2, "no interfaces configured", NULL);

        c = parse_ok("[Proxy]\nDefaultRole=downstream\n[Interface vlan2]\nRole=upstream\n");
        ck_assert_uint_eq(c->n_ifaces, 1);
}
END_TEST

START_TEST(test_empty) {
        _cleanup_(freep) char *e1 = NULL, *e2 = NULL;

        e1 = parse_fail_len("", 0);
        check_error_msg(e1, 1, "no interfaces configured", NULL);
        e2 = parse_fail_len("# nothing\n\n   # here\n", 20);
        check_error_msg(e2, 3, "no interfaces configured", NULL);
}
END_TEST

/* ---- lexical details --------------------------------------------------- */

START_TEST(test_lexical) {
        _cleanup_(config_freep) Config *a = NULL, *b = NULL;

        /* BOM, CRLF, indentation, comments at line start and after a blank. */
        a = parse_ok("\xef\xbb\xbf# comment\r\n"
                     "[Proxy]   ; trailing\r\n"
                     "   QuickLeave = yes # why not\r\n"
                     "\tMaxGroupsPerInterface=10 ; ten\r\n"
                     "  [Interface vlan2]\r\n"
                     "    Role=upstream\r\n"
                     "    AltNet=172.0.0.0/8 # IPTV sources\r\n"
                     "[Interface vlan10]\r\n"
                     "Role=downstream\r\n");
        ck_assert(a->quickleave);
        ck_assert_uint_eq(a->max_groups, 10);
        ck_assert_uint_eq(up(a)->n_altnets, 1);
        ck_assert_uint_eq(up(a)->line, 5);

        /* Without a leading blank '#' is part of the value. */
        expect_error(MINIMAL "[Proxy]\nQuickLeave=yes#no\n", 6, "invalid value for QuickLeave=", "yes#no");

        /* Key names are case-sensitive, values of booleans are not. */
        b = parse_ok(MINIMAL "[Proxy]\nQuickLeave=YES\n");
        ck_assert(b->quickleave);
}
END_TEST

START_TEST(test_long_assignment) {
        /* Longer than libinih's own line buffer (200 bytes): must not be cut. */
        _cleanup_(freep) char *list = NULL, *text = NULL, *bad_text = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&list, &n);

        ck_assert_ptr_nonnull(f);
        for (unsigned i = 0; i < 200; i++)
                fprintf(f, "%s10.%u.0.0/16", i ? " " : "", i);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_uint_gt(strlen(list), 2000);

        text = format(HEAD_IFACE "AltNet = %s\nThreshold=4\n", list);
        c = parse_ok(text);
        ck_assert_uint_eq(up(c)->n_altnets, 200);
        ck_assert_uint_eq(up(c)->altnets[199].addr, IN4(10, 199, 0, 0));
        ck_assert_uint_eq(up(c)->threshold, 4);

        bad_text = format(HEAD_IFACE "# x\nAltNet=%s 10.0.0.1/8\n", list);
        expect_error(bad_text, 6, "invalid value for AltNet=", "10.0.0.1/8");
}
END_TEST

static char *repeat(char ch, size_t n) {
        char *s = malloc(n + 1);

        ck_assert_ptr_nonnull(s);
        memset(s, ch, n);
        s[n] = '\0';
        return s;
}

START_TEST(test_line_length) {
        _cleanup_(freep) char *a = repeat('x', 4095), *b = repeat('x', 4096), *ok = NULL, *bad_text = NULL;
        _cleanup_(freep) char *err = NULL;
        _cleanup_(config_freep) Config *c = NULL;

        /* 4096 bytes is the longest line allowed. */
        ok = format(MINIMAL "#%s\n", a);
        c = parse_ok(ok);

        bad_text = format(MINIMAL "[Proxy]\n#%s\n", b);
        err = parse_fail_len(bad_text, strlen(bad_text));
        ck_assert_msg(strncmp(err, NAME ":6: line too long (more than 4096 bytes): '#xxx", 50) == 0, "%s", err);
        ck_assert(ends_with(err, "...'"));
}
END_TEST

START_TEST(test_mib_line) {
        size_t n = 1024 * 1024;
        _cleanup_(freep) char *line = repeat('A', n), *text = format(MINIMAL "%s\n[Proxy]\n", line);
        _cleanup_(freep) char *err = NULL, *legacy = NULL, *err2 = NULL;

        err = parse_fail_len(text, strlen(text));
        ck_assert_msg(strncmp(err, NAME ":5: line too long (more than 4096 bytes): 'AAAA", 49) == 0, "%s", err);
        ck_assert(ends_with(err, "AAA...'"));

        legacy = format("quickleave\n%s\n", line);
        err2 = parse_fail_len(legacy, strlen(legacy));
        ck_assert_msg(strncmp(err2, NAME ":2: line too long", 21) == 0, "%s", err2);
}
END_TEST

START_TEST(test_binary) {
        static const char text[] = MINIMAL "[Proxy]\nQuick\0Leave=yes\n\x7f" "ELF\x01\x01\0\0\n";
        static const char garbage[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0";
        _cleanup_(freep) char *e1 = NULL, *e2 = NULL;

        e1 = parse_fail_len(text, sizeof text - 1);
        ck_assert_msg(strncmp(e1, NAME ":6: binary data", 18) == 0, "%s", e1);
        ck_assert(ends_with(e1, ": 'Quick\\x00'"));

        e2 = parse_fail_len(garbage, sizeof garbage - 1);
        ck_assert_msg(strncmp(e2, NAME ":1: binary data", 18) == 0, "%s", e2);
}
END_TEST

START_TEST(test_error_text_is_ascii) {
        /* High bytes are quoted as \xNN: garbage never reaches a terminal raw. */
        static const char text[] = "[Pro\xe9xy]\n";
        _cleanup_(freep) char *e = parse_fail_len(text, sizeof text - 1);

        for (const char *c = e; *c; c++)
                ck_assert_msg((unsigned char) *c < 0x80, "%s", e);
        ck_assert_msg(strstr(e, "Pro\\xe9xy"), "%s", e);
}
END_TEST

START_TEST(test_string_too_large) {
        size_t n = 2 * 1024 * 1024;
        _cleanup_(freep) char *text = repeat('\n', n), *err = NULL;
        Config *c = NULL;

        ck_assert_int_eq(config_parse_string(text, n, NAME, &c, &err), -EFBIG);
        ck_assert_ptr_null(c);
        ck_assert_ptr_nonnull(err);
        ck_assert_msg(strncmp(err, NAME ": file too large", 17) == 0, "%s", err);
}
END_TEST

/* ---- legacy syntax ----------------------------------------------------- */

static const char legacy_example[] =
        "quickleave\n"
        "phyint vlan2 upstream ratelimit 0 threshold 3\n"
        "    altnet 172.0.0.0/8\n"
        "phyint vlan10 downstream ratelimit 0 threshold 3\n"
        "phyint lo disabled\n"
        "phyint ppp0 disabled\n"
        "phyint vlan3 disabled\n"
        "phyint vlan6 disabled\n";

START_TEST(test_legacy_example) {
        _cleanup_(config_freep) Config *c = parse_ok(legacy_example);
        static const char *const disabled[] = { "lo", "ppp0", "vlan3", "vlan6" };
        const IfaceConfig *ic;

        ck_assert(c->legacy);
        ck_assert(c->quickleave);
        ck_assert_int_eq(c->default_role, ROLE_DISABLED);
        ck_assert_ptr_null(c->warnings);
        ck_assert_uint_eq(c->n_ifaces, 6);

        ic = up(c);
        ck_assert_int_eq(ic->role, ROLE_UPSTREAM);
        ck_assert_uint_eq(ic->threshold, 3);
        ck_assert_uint_eq(ic->ratelimit, 0);
        ck_assert_uint_eq(ic->line, 2);
        ck_assert_uint_eq(ic->n_altnets, 1);
        ck_assert_uint_eq(ic->altnets[0].addr, IN4(172, 0, 0, 0));
        ck_assert_uint_eq(ic->altnets[0].len, 8);

        ic = config_find_iface(c, "vlan10");
        ck_assert_ptr_nonnull(ic);
        ck_assert_int_eq(ic->role, ROLE_DOWNSTREAM);
        ck_assert_uint_eq(ic->threshold, 3);
        ck_assert_uint_eq(ic->n_altnets, 0);

        for (size_t i = 0; i < ELEMENTSOF(disabled); i++) {
                ic = config_find_iface(c, disabled[i]);
                ck_assert_ptr_nonnull(ic);
                ck_assert_int_eq(ic->role, ROLE_DISABLED);
        }

        /* Querier and refresh: this edition's defaults. */
        ck_assert_int_eq(c->refresh, REFRESH_YES);
        ck_assert_uint_eq(c->refresh_interval, S(60));
        ck_assert_uint_eq(c->querier_version, 3);
        ck_assert_uint_eq(c->query_interval, S(125));
        ck_assert_uint_eq(c->startup_query_interval, MSEC(31250));
}
END_TEST

START_TEST(test_legacy_full) {
        _cleanup_(config_freep) Config *c = parse_ok("# igmpproxy.conf\n"
                                                     "defaultdown   # every other interface\n"
                                                     "hashtablesize 1024\n"
                                                     "phyint vlan2\n"
                                                     "   upstream\n"
                                                     "   threshold 2 ratelimit 100\n"
                                                     "   altnet 172.0.0.0/8 10.0.0.0/8\n"
                                                     "   whitelist 239.0.0.0/8\n"
                                                     "   blacklist 239.255.255.250/32\n"
                                                     "PHYINT lo Disabled\n"
                                                     "rescanvif 0\n");
        const IfaceConfig *ic = up(c);

        ck_assert(c->legacy);
        ck_assert(!c->quickleave);
        ck_assert_int_eq(c->default_role, ROLE_DOWNSTREAM);
        ck_assert_uint_eq(ic->threshold, 2);
        ck_assert_uint_eq(ic->ratelimit, 100);
        ck_assert_uint_eq(ic->line, 4);
        ck_assert_uint_eq(ic->n_altnets, 2);
        ck_assert_uint_eq(ic->n_filters, 2);
        ck_assert(ic->filters[0].allow);
        ck_assert(!ic->filters[1].allow);
        ck_assert(config_group_allowed(ic, IN4(239, 1, 1, 1)));
        ck_assert(!config_group_allowed(ic, IN4(239, 255, 255, 250)));
        ck_assert(!config_group_allowed(ic, IN4(238, 1, 1, 1)));
        ck_assert_int_eq(config_iface_role(c, "lo"), ROLE_DISABLED);
        ck_assert_int_eq(config_iface_role(c, "eth1"), ROLE_DOWNSTREAM);

        ck_assert_ptr_nonnull(c->warnings);
        ck_assert_str_eq(c->warnings, NAME ":3: keyword not supported, ignored: 'hashtablesize'\n"
                                      NAME ":11: keyword not supported, ignored: 'rescanvif'\n");
}
END_TEST

START_TEST(test_legacy_altnet_downstream) {
        _cleanup_(config_freep) Config *c =
                parse_ok("phyint vlan2 upstream\nphyint vlan10 downstream\n\n  altnet 10.0.0.0/8\n");

        ck_assert_str_eq(c->warnings,
                         NAME ":4: altnet is only used on the upstream interface, ignored on this downstream interface: 'vlan10'\n");
}
END_TEST

START_TEST(test_legacy_errors) {
        expect_error("quickleave\nfastleave\n", 2, "unknown keyword", "fastleave");
        expect_error("quickleave\n\n  altnet 10.0.0.0/8\nphyint vlan2 upstream\n", 3, "keyword before any phyint", "altnet");
        expect_error("phyint vlan2 upstream\nphyint vlan10\n", 2,
                     "missing role (upstream, downstream or disabled) after interface name", "vlan10");
        expect_error("phyint vlan2 upstream\nphyint vlan10\n  sideways\n", 3,
                     "invalid role of interface vlan10 (expected upstream, downstream or disabled)", "sideways");
        expect_error("phyint vlan2 upstream\nphyint vlan10 downstream threshold 0\n", 2,
                     "invalid value for threshold (expected an integer, 1..255)", "0");
        expect_error("phyint vlan2 upstream\nphyint vlan10 downstream ratelimit\n", 2, "missing value after keyword",
                     "ratelimit");
        expect_error("phyint vlan2 upstream\nphyint vlan10 downstream\n\nphyint vlan3\n    upstream\n", 5,
                     "only one upstream interface is supported, vlan2 is upstream already", "vlan3");
        expect_error("phyint vlan2 upstream\nphyint vlan10 downstream\nphyint vlan2 disabled\n", 3,
                     "interface configured twice", "vlan2");
        expect_error("phyint vlan2 upstream\n    altnet 172.16.0.0/8\nphyint vlan10 downstream\n", 2,
                     "invalid value for altnet (expected IPv4 prefixes", "172.16.0.0/8");
        expect_error("phyint vlan2 upstream\n    altnet 172.16.0.0/12 10.0.0/8\nphyint vlan10 downstream\n", 2,
                     "invalid value for altnet", "10.0.0/8");
        expect_error("phyint vlan2 upstream\n    whitelist 10.0.0.0/8\nphyint vlan10 downstream\n", 2,
                     "invalid value for whitelist (expected multicast prefixes", "10.0.0.0/8");
        expect_error("phyint vlan2 upstream\nphyint vlan10 downstream\nblacklist\n", 3, "missing prefix after keyword",
                     "blacklist");
        expect_error("phyint vlan2 upstream\nphyint vlan10/x downstream\n", 2, "invalid interface name", "vlan10/x");
        expect_error("phyint vlan2 upstream\nphyint vlan10 downstream\nhashtablesize\n", 3, "missing value after keyword",
                     "hashtablesize");
        expect_error("QuickLeave=yes\n[Proxy]\n", 1, "unknown keyword (an INI file must start with a [Section] line)",
                     "QuickLeave=yes");
}
END_TEST

START_TEST(test_legacy_whole_file) {
        _cleanup_(config_freep) Config *c = NULL;

        expect_error("phyint vlan2 upstream\nphyint lo disabled\n# end\n", 3,
                     "no downstream interface configured (and no defaultdown)", NULL);
        expect_error("phyint vlan10 downstream\n", 1, "no upstream interface configured", NULL);
        expect_error("quickleave\n", 1, "no interfaces configured", NULL);

        c = parse_ok("defaultdown\nphyint vlan2 upstream\n");
        ck_assert_int_eq(c->default_role, ROLE_DOWNSTREAM);
}
END_TEST

/* ---- config_to_string -------------------------------------------------- */

static void roundtrip(const char *text) {
        _cleanup_(config_freep) Config *a = parse_ok(text), *b = NULL;
        _cleanup_(freep) char *dump = config_to_string(a), *dump2 = NULL;

        ck_assert_ptr_nonnull(dump);
        b = parse_ok(dump);
        ck_assert(!b->legacy);
        configs_equal(a, b);

        /* And it is a fixed point. */
        dump2 = config_to_string(b);
        ck_assert_ptr_nonnull(dump2);
        ck_assert_str_eq(strchr(dump, '\n'), strchr(dump2, '\n'));
}

START_TEST(test_to_string) {
        _cleanup_(config_freep) Config *c =
                parse_ok(MINIMAL "[Querier]\nLastMemberQueryIntervalSec=500ms\n");
        _cleanup_(freep) char *s = config_to_string(c);

        ck_assert_ptr_nonnull(s);
        ck_assert_msg(strstr(s, "\n[Proxy]\nQuickLeave=no\nDefaultRole=disabled\nSourceIdleTimeoutSec=60s\n"
                                "MaxGroupsPerInterface=4096\nStallTimeoutSec=5s\nAcceptReportsWithoutRouterAlert=yes\n"), "%s", s);
        ck_assert_msg(strstr(s, "\nQueryIntervalSec=125s\n"), "%s", s);
        ck_assert_msg(strstr(s, "\nStartupQueryIntervalSec=31250ms\n"), "%s", s);
        ck_assert_msg(strstr(s, "\nLastMemberQueryIntervalSec=500ms\n"), "%s", s);
        ck_assert_msg(strstr(s, "\n[Refresh]\nEnabled=yes\nInitialDelaySec=10s\nIntervalSec=60s\nSpreadSec=1s\n"
                                "ReportVersion=2\nUnsolicitedReportIntervalSec=1s\n"), "%s", s);
        ck_assert_msg(strstr(s, "\n[Interface vlan2]\nRole=upstream\nThreshold=1\nRateLimit=0\n"), "%s", s);
        ck_assert_msg(strstr(s, "\n[Interface vlan10]\nRole=downstream\n"), "%s", s);
}
END_TEST

START_TEST(test_roundtrip) {
        roundtrip(MINIMAL);
        roundtrip(legacy_example);
        roundtrip("[Proxy]\nQuickLeave=yes\nDefaultRole=downstream\nSourceIdleTimeoutSec=90s\nMaxGroupsPerInterface=7\n"
                  "[Querier]\nVersion=2\nRobustness=3\nQueryIntervalSec=60\nQueryResponseIntervalSec=2500ms\n"
                  "StartupQueryIntervalSec=7s\nStartupQueryCount=4\nLastMemberQueryIntervalSec=300ms\n"
                  "LastMemberQueryCount=5\n"
                  "[Refresh]\nEnabled=auto\nInitialDelaySec=0\nIntervalSec=90\nSpreadSec=3s\nReportVersion=3\n"
                  "UnsolicitedReportIntervalSec=250ms\n"
                  "[Interface vlan2]\nRole=upstream\nAltNet=172.0.0.0/8 10.0.0.0/8\n"
                  "Whitelist=239.0.0.0/8\nBlacklist=239.255.0.0/16\nWhitelist=239.255.255.0/24\n"
                  "Threshold=3\nRateLimit=500\n"
                  "[Interface br-lan]\nRole=downstream\nBlacklist=239.255.255.250\nForwardToUpstream=no\n"
                  "[Interface lo]\nRole=disabled\n");
}
END_TEST

/* ---- config_load ------------------------------------------------------- */

static char tmpdir[] = "/tmp/test-config-XXXXXX";

static char *write_file(const char *name, const char *data, size_t len) {
        char *path = format("%s/%s", tmpdir, name);
        FILE *f = fopen(path, "we");

        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(data, 1, len, f), len);
        ck_assert_int_eq(fclose(f), 0);
        return path;
}

START_TEST(test_load) {
        _cleanup_(freep) char *path = NULL, *err = NULL;
        _cleanup_(config_freep) Config *c = NULL;

        path = write_file("ok.conf", legacy_example, strlen(legacy_example));
        ck_assert_int_eq(config_load(path, &c, &err), 0);
        ck_assert_ptr_null(err);
        ck_assert_ptr_nonnull(c);
        ck_assert_str_eq(c->path, path);
        ck_assert(c->legacy);
        ck_assert_uint_eq(c->n_ifaces, 6);
}
END_TEST

START_TEST(test_load_errors) {
        _cleanup_(freep) char *missing = format("%s/missing.conf", tmpdir), *e1 = NULL, *e2 = NULL;
        _cleanup_(freep) char *expected = NULL, *bad_text = NULL, *bad_path = NULL, *dir_err = NULL;
        Config *c = NULL;

        ck_assert_int_eq(config_load(missing, &c, &e1), -ENOENT);
        ck_assert_ptr_null(c);
        expected = format("%s: No such file or directory", missing);
        ck_assert_str_eq(e1, expected);

        ck_assert_int_eq(config_load(tmpdir, &c, &dir_err), -EISDIR);
        ck_assert_ptr_null(c);
        ck_assert_ptr_nonnull(dir_err);

        bad_text = format("[Interface vlan2]\nRole=upstream\nRole=up\n");
        bad_path = write_file("bad.conf", bad_text, strlen(bad_text));
        ck_assert_int_eq(config_load(bad_path, &c, &e2), -EINVAL);
        ck_assert_ptr_null(c);
        free(expected);
        expected = format("%s:3: invalid value for Role= (expected upstream, downstream or disabled): 'up'", bad_path);
        ck_assert_str_eq(e2, expected);

        /* No error string wanted: still fails cleanly. */
        ck_assert_int_eq(config_load(bad_path, &c, NULL), -EINVAL);
        ck_assert_ptr_null(c);
}
END_TEST

START_TEST(test_load_limits) {
        size_t big = 2 * 1024 * 1024, line = 1024 * 1024;
        _cleanup_(freep) char *data = repeat('#', big), *big_path = NULL, *line_path = NULL;
        _cleanup_(freep) char *e1 = NULL, *e2 = NULL, *expected = NULL;
        Config *c = NULL;

        big_path = write_file("big.conf", data, big);
        ck_assert_int_eq(config_load(big_path, &c, &e1), -EFBIG);
        ck_assert_ptr_null(c);
        expected = format("%s: file too large", big_path);
        ck_assert_msg(strncmp(e1, expected, strlen(expected)) == 0, "%s", e1);

        /* A 1 MiB line fits the size limit but not the line limit. */
        memcpy(data, "phyint vlan2 upstream\n", 22);
        data[22 + line] = '\n';
        line_path = write_file("line.conf", data, 22 + line + 1);
        ck_assert_int_eq(config_load(line_path, &c, &e2), -EINVAL);
        ck_assert_ptr_null(c);
        free(expected);
        expected = format("%s:2: line too long (more than 4096 bytes): '####", line_path);
        ck_assert_msg(strncmp(e2, expected, strlen(expected)) == 0, "%s", e2);
}
END_TEST

/* The shipped examples, found next to this source file: __FILE__ is
 * relative to the build directory, where meson runs the tests. */
static char *read_example(const char *name) {
        _cleanup_(freep) char *dir = strdup(__FILE__);
        char *slash, *path, *data = NULL;
        size_t n = 0;
        FILE *f;

        ck_assert_ptr_nonnull(dir);
        slash = strrchr(dir, '/');
        path = format("%.*s/../../conf/%s", slash ? (int) (slash - dir) : 1, slash ? dir : ".", name);
        f = fopen(path, "re");
        ck_assert_msg(f, "cannot open %s (run the test from the build directory)", path);
        ck_assert_int_eq(getdelim(&data, &n, '\0', f) > 0, 1);
        fclose(f);
        free(path);
        return data;
}

START_TEST(test_examples) {
        _cleanup_(freep) char *ini = read_example("igmpproxy.conf"), *legacy = read_example("igmpproxy-legacy.conf");
        _cleanup_(config_freep) Config *a = NULL, *b = NULL, *d = NULL;
        _cleanup_(freep) char *all = NULL;
        size_t n = 0, uncommented = 0;
        FILE *f;

        a = parse_ok(ini);
        ck_assert(!a->legacy);
        ck_assert_int_eq(up(a)->role, ROLE_UPSTREAM);
        ck_assert_uint_eq(up(a)->n_altnets, 1);
        ck_assert_uint_eq(up(a)->altnets[0].addr, IN4(172, 0, 0, 0));
        ck_assert_int_eq(config_iface_role(a, "vlan10"), ROLE_DOWNSTREAM);
        check_defaults(a);

        /* Every commented-out "#Key=value" is valid and is the default. */
        f = open_memstream(&all, &n);
        ck_assert_ptr_nonnull(f);
        for (char *line = ini, *end; *line; line = end + 1) {
                end = strchrnul(line, '\n');
                if (line[0] == '#' && line[1] >= 'A' && line[1] <= 'Z' && memchr(line, '=', (size_t) (end - line))) {
                        line++;
                        uncommented++;
                }
                fprintf(f, "%.*s\n", (int) (end - line), line);
                if (!*end)
                        break;
        }
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_uint_ge(uncommented, 20);
        b = parse_ok(all);
        ck_assert_uint_eq(up(b)->n_filters, 2);
        check_defaults(b);

        d = parse_ok(legacy);
        ck_assert(d->legacy);
        ck_assert(d->quickleave);
        ck_assert_int_eq(up(d)->role, ROLE_UPSTREAM);
        ck_assert_uint_eq(up(d)->n_altnets, 1);
        ck_assert_int_eq(config_iface_role(d, "vlan10"), ROLE_DOWNSTREAM);
}
END_TEST

static void setup_tmpdir(void) {
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown_tmpdir(void) {
        static const char *const files[] = { "ok.conf", "bad.conf", "big.conf", "line.conf" };

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_(freep) char *p = format("%s/%s", tmpdir, files[i]);

                (void) unlink(p);
        }
        (void) rmdir(tmpdir);
        strcpy(tmpdir, "/tmp/test-config-XXXXXX");
}

static Suite *config_suite(void) {
        Suite *s = suite_create("config");
        TCase *tc;

        tc = tcase_create("basics");
        tcase_add_test(tc, test_init_defaults);
        tcase_add_test(tc, test_minimal);
        tcase_add_test(tc, test_default_role);
        tcase_add_test(tc, test_role_strings);
        suite_add_tcase(s, tc);

        tc = tcase_create("keys");
        tcase_add_loop_test(tc, test_good_values, 0, ELEMENTSOF(good));
        tcase_add_loop_test(tc, test_bad_values, 0, ELEMENTSOF(bad));
        tcase_add_test(tc, test_derived_defaults);
        tcase_add_test(tc, test_cross_checks);
        tcase_add_test(tc, test_refresh_warning);
        suite_add_tcase(s, tc);

        tc = tcase_create("lists");
        tcase_add_test(tc, test_altnet);
        tcase_add_test(tc, test_altnet_warning);
        tcase_add_test(tc, test_forward_to_upstream);
        tcase_add_test(tc, test_filters_parsed);
        tcase_add_test(tc, test_filters_clear);
        tcase_add_test(tc, test_group_allowed);
        suite_add_tcase(s, tc);

        tc = tcase_create("structure");
        tcase_add_test(tc, test_sections);
        tcase_add_test(tc, test_inih_lines);
        tcase_add_test(tc, test_duplicate_interface);
        tcase_add_test(tc, test_missing_role);
        tcase_add_test(tc, test_ifnames);
        tcase_add_test(tc, test_upstream_downstream);
        tcase_add_test(tc, test_empty);
        suite_add_tcase(s, tc);

        tc = tcase_create("lexical");
        tcase_add_test(tc, test_lexical);
        tcase_add_test(tc, test_long_assignment);
        tcase_add_test(tc, test_line_length);
        tcase_add_test(tc, test_mib_line);
        tcase_add_test(tc, test_binary);
        tcase_add_test(tc, test_error_text_is_ascii);
        tcase_add_test(tc, test_string_too_large);
        suite_add_tcase(s, tc);

        tc = tcase_create("legacy");
        tcase_add_test(tc, test_legacy_example);
        tcase_add_test(tc, test_legacy_full);
        tcase_add_test(tc, test_legacy_altnet_downstream);
        tcase_add_test(tc, test_legacy_errors);
        tcase_add_test(tc, test_legacy_whole_file);
        suite_add_tcase(s, tc);

        tc = tcase_create("dump");
        tcase_add_test(tc, test_to_string);
        tcase_add_test(tc, test_roundtrip);
        tcase_add_test(tc, test_examples);
        suite_add_tcase(s, tc);

        tc = tcase_create("load");
        tcase_add_checked_fixture(tc, setup_tmpdir, teardown_tmpdir);
        tcase_add_test(tc, test_load);
        tcase_add_test(tc, test_load_errors);
        tcase_add_test(tc, test_load_limits);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        return run_suite(config_suite());
}
