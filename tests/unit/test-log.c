/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-log.c - Check suite for src/log.c, the logging glue (links log.c, the
 * core library for util.c, and libsystemd).
 *
 * Covered: the fields a record carries (INTERFACE, GROUP, SOURCE,
 * IGMP_VERSION, MESSAGE_ID, and ERRNO through the error argument) as the
 * LogSink test hook sees them; %m and the returned -errno; the level filter;
 * the console format; the choice of backend by $JOURNAL_STREAM; the fallback
 * to the console when no journal listens; and the exact native-protocol
 * datagram the journal backend sends, received on a socket of our own at
 * /run/systemd/journal/socket inside a private mount namespace (needs root;
 * skipped otherwise). The machine's own journal is never written to: the
 * fallback case is skipped when a journal socket exists here. The real
 * journal is covered by tests/integration/test-systemd.sh.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "messages.h"
#include "run-suite.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

/* ---- capture: the sink and stderr ------------------------------------------------ */

typedef struct Captured {
        unsigned calls;
        int level;
        int error;
        bool has_ctx;
        char interface[32];
        in4_t group;
        in4_t source;
        int igmp_version;
        char message_id[40];
        char message[1024];
        void *userdata;
} Captured;

static Captured cap;
static int userdata_token;
static FILE *err_file; /* stderr is redirected here during each test */

static void sink(int level, int error, const LogContext *ctx, const char *message, void *userdata) {
        cap.calls++;
        cap.level = level;
        cap.error = error;
        cap.has_ctx = ctx != NULL;
        cap.interface[0] = cap.message_id[0] = 0;
        cap.group = cap.source = 0;
        cap.igmp_version = 0;
        if (ctx) {
                snprintf(cap.interface, sizeof cap.interface, "%s", ctx->interface ? ctx->interface : "");
                cap.group = ctx->group;
                cap.source = ctx->source;
                cap.igmp_version = ctx->igmp_version;
                snprintf(cap.message_id, sizeof cap.message_id, "%s", ctx->message_id ? ctx->message_id : "");
        }
        snprintf(cap.message, sizeof cap.message, "%s", message);
        cap.userdata = userdata;
}

static void setup(void) {
        memset(&cap, 0, sizeof cap);
        err_file = tmpfile();
        ck_assert_ptr_nonnull(err_file);
        fflush(stderr);
        ck_assert_int_ge(dup2(fileno(err_file), STDERR_FILENO), 0);
        unsetenv("JOURNAL_STREAM");
        log_max_level = LOG_INFO;
        log_setup(LOG_TARGET_CONSOLE);
        log_set_sink(sink, &userdata_token);
}

static void teardown(void) {
        log_set_sink(NULL, NULL);
        if (err_file)
                fclose(err_file);
        err_file = NULL;
}

/* Everything written to stderr since setup (or the last call). */
static const char *stderr_text(void) {
        static char buf[4096];
        size_t n;

        fflush(stderr);
        rewind(err_file);
        n = fread(buf, 1, sizeof buf - 1, err_file);
        buf[n] = 0;
        ck_assert_int_eq(ftruncate(fileno(err_file), 0), 0);
        rewind(err_file);
        return buf;
}

static const LogContext joined_ctx = {
        .interface = "vlan2",
        .group = IN4(239, 0, 5, 185),
        .source = IN4(198, 18, 0, 1),
        .igmp_version = 2,
        .message_id = MSG_UPSTREAM_JOINED,
};

/* ---- the sink: fields, error, filter ------------------------------------------- */

START_TEST(test_sink_fields) {
        int r = log_ctx(LOG_INFO, &joined_ctx, "Joined %s upstream on %s", "239.0.5.185", "vlan2");

        ck_assert_int_eq(r, 0);
        ck_assert_uint_eq(cap.calls, 1);
        ck_assert_int_eq(cap.level, LOG_INFO);
        ck_assert_int_eq(cap.error, 0);
        ck_assert(cap.has_ctx);
        ck_assert_str_eq(cap.interface, "vlan2");
        ck_assert_uint_eq(cap.group, IN4(239, 0, 5, 185));
        ck_assert_uint_eq(cap.source, IN4(198, 18, 0, 1));
        ck_assert_int_eq(cap.igmp_version, 2);
        ck_assert_str_eq(cap.message_id, "395ead42120b4e49abdbb7f365077bc1");
        ck_assert_str_eq(cap.message, "Joined 239.0.5.185 upstream on vlan2");
        ck_assert_ptr_eq(cap.userdata, &userdata_token);
}
END_TEST

START_TEST(test_sink_no_context) {
        ck_assert_int_eq(log_info("igmpproxy %s started", "0.1.0"), 0);
        ck_assert_uint_eq(cap.calls, 1);
        ck_assert(!cap.has_ctx);
        ck_assert_int_eq(cap.level, LOG_INFO);
        ck_assert_str_eq(cap.message, "igmpproxy 0.1.0 started");
}
END_TEST

START_TEST(test_error_argument) {
        LogContext ctx = { .interface = "vlan10", .group = IN4(239, 0, 5, 185), .message_id = MSG_SEND_FAILED };
        int r;

        /* Negative (the convention) and positive errors both give ERRNO=100 and -100 back. */
        errno = EINTR;
        r = log_ctx_errno(LOG_WARNING, -ENETDOWN, &ctx, "Failed to send report on %s: %m, ignoring", "vlan10");
        ck_assert_int_eq(r, -ENETDOWN);
        ck_assert_int_eq(errno, EINTR); /* errno is left alone */
        ck_assert_int_eq(cap.error, ENETDOWN);
        ck_assert_int_eq(cap.level, LOG_WARNING);
        ck_assert_str_eq(cap.message, "Failed to send report on vlan10: Network is down, ignoring");
        ck_assert_str_eq(cap.message_id, MSG_SEND_FAILED);

        r = log_error_errno(EADDRINUSE, "MRT_INIT: %m");
        ck_assert_int_eq(r, -EADDRINUSE);
        ck_assert_int_eq(cap.error, EADDRINUSE);
        ck_assert_str_eq(cap.message, "MRT_INIT: Address already in use");
}
END_TEST

START_TEST(test_level_filter) {
        log_max_level = LOG_INFO;
        ck_assert_int_eq(log_debug("not shown"), 0);
        /* Filtered out, but the error still comes back. */
        ck_assert_int_eq(log_debug_errno(-EIO, "not shown either: %m"), -EIO);
        ck_assert_uint_eq(cap.calls, 0);
        ck_assert_str_eq(stderr_text(), "");

        log_notice("notice passes");
        ck_assert_uint_eq(cap.calls, 1);
        ck_assert_int_eq(cap.level, LOG_NOTICE);

        log_max_level = LOG_WARNING;
        log_info("info filtered");
        log_ctx(LOG_NOTICE, &joined_ctx, "notice filtered");
        ck_assert_uint_eq(cap.calls, 1);
        log_ctx(LOG_ERR, &joined_ctx, "error passes");
        ck_assert_uint_eq(cap.calls, 2);
        ck_assert_int_eq(cap.level, LOG_ERR);

        log_max_level = LOG_DEBUG;
        log_debug("debug passes");
        ck_assert_uint_eq(cap.calls, 3);
        ck_assert_int_eq(cap.level, LOG_DEBUG);
}
END_TEST

START_TEST(test_sink_removed) {
        log_set_sink(NULL, NULL);
        log_info("nobody listens");
        ck_assert_uint_eq(cap.calls, 0);
}
END_TEST

START_TEST(test_names) {
        ck_assert_int_eq(log_level_from_string("warning"), LOG_WARNING);
        ck_assert_int_eq(log_level_from_string("DEBUG"), LOG_DEBUG);
        ck_assert_int_eq(log_level_from_string("err"), LOG_ERR);
        ck_assert_int_lt(log_level_from_string("verbose"), 0);
        ck_assert_str_eq(log_level_to_string(LOG_NOTICE), "notice");
        ck_assert_ptr_null(log_level_to_string(99));
        ck_assert_int_eq(log_target_from_string("journal"), LOG_TARGET_JOURNAL);
        ck_assert_int_eq(log_target_from_string("console"), LOG_TARGET_CONSOLE);
        ck_assert_int_eq(log_target_from_string("auto"), LOG_TARGET_AUTO);
        ck_assert_int_lt(log_target_from_string("syslog"), 0);
        ck_assert_str_eq(log_target_to_string(LOG_TARGET_JOURNAL), "journal");
}
END_TEST

/* ---- console ------------------------------------------------------------------- */

START_TEST(test_console_format) {
        /* stderr is a file, not a terminal: a "<N>" priority prefix, no fields at info. */
        log_ctx(LOG_INFO, &joined_ctx, "Joined 239.0.5.185 upstream on vlan2");
        ck_assert_str_eq(stderr_text(), "<6>Joined 239.0.5.185 upstream on vlan2\n");

        log_warning_errno(-ENETDOWN, "send: %m");
        ck_assert_str_eq(stderr_text(), "<4>send: Network is down\n");

        /* At debug level the fields follow in brackets. */
        log_max_level = LOG_DEBUG;
        log_ctx(LOG_DEBUG, &joined_ctx, "x");
        ck_assert_str_eq(stderr_text(), "<7>x [INTERFACE=vlan2] [GROUP=239.0.5.185] [SOURCE=198.18.0.1] [IGMP_VERSION=2]\n");
}
END_TEST

/* ---- backend choice ------------------------------------------------------------------ */

START_TEST(test_auto_target) {
        struct stat st;
        char v[64];

        ck_assert_int_eq(fstat(STDERR_FILENO, &st), 0);

        /* $JOURNAL_STREAM naming our stderr: systemd connected it to the journal. */
        snprintf(v, sizeof v, "%llu:%llu", (unsigned long long) st.st_dev, (unsigned long long) st.st_ino);
        setenv("JOURNAL_STREAM", v, 1);
        log_setup(LOG_TARGET_AUTO);
        ck_assert_int_eq(log_get_target(), LOG_TARGET_JOURNAL);

        /* Another stream (stderr redirected since, e.g. by a shell): the console. */
        snprintf(v, sizeof v, "%llu:%llu", (unsigned long long) st.st_dev, (unsigned long long) st.st_ino + 1);
        setenv("JOURNAL_STREAM", v, 1);
        log_setup(LOG_TARGET_AUTO);
        ck_assert_int_eq(log_get_target(), LOG_TARGET_CONSOLE);

        setenv("JOURNAL_STREAM", "garbage", 1);
        log_setup(LOG_TARGET_AUTO);
        ck_assert_int_eq(log_get_target(), LOG_TARGET_CONSOLE);

        unsetenv("JOURNAL_STREAM");
        log_setup(LOG_TARGET_AUTO);
        ck_assert_int_eq(log_get_target(), LOG_TARGET_CONSOLE);

        /* Explicit choices are kept as they are. */
        log_setup(LOG_TARGET_JOURNAL);
        ck_assert_int_eq(log_get_target(), LOG_TARGET_JOURNAL);
        log_setup(LOG_TARGET_CONSOLE);
        ck_assert_int_eq(log_get_target(), LOG_TARGET_CONSOLE);
}
END_TEST

START_TEST(test_journal_fallback) {
        if (access(JOURNAL_SOCKET, F_OK) == 0) {
                printf("test_journal_fallback: skipped, %s exists (would write to this machine's journal)\n",
                       JOURNAL_SOCKET);
                return;
        }
        /* --log-target=journal without a journal: the record is not lost. */
        log_setup(LOG_TARGET_JOURNAL);
        log_ctx_errno(LOG_WARNING, -ENETDOWN, &joined_ctx, "send: %m");
        ck_assert_str_eq(stderr_text(), "<4>send: Network is down\n");
        ck_assert_uint_eq(cap.calls, 1);
}
END_TEST

/* ---- the journal datagram, on a socket of our own --------------------------------------- */

/* A private mount namespace with a tmpfs on /run and our socket at JOURNAL_SOCKET. Returns the
 * socket, or -1 if this process may not do that (not root): the test is then skipped. */
static int fake_journal(void) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET };
        int fd;

        if (unshare(CLONE_NEWNS) < 0)
                return -1;
        ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
        ck_assert_int_eq(mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755"), 0);
        ck_assert_int_eq(mkdir("/run/systemd", 0755), 0);
        ck_assert_int_eq(mkdir("/run/systemd/journal", 0755), 0);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *) &sa, sizeof sa), 0);
        return fd;
}

/* Receives one datagram (1 s bound) and returns its "FIELD=value" lines, sorted, without the
 * CODE_FILE/CODE_LINE/CODE_FUNC= that the sd_journal_sendv() macro adds by itself. */
static const char *receive_fields(int fd) {
        static char buf[4096], out[4096];
        struct timeval tv = { .tv_sec = 1 };
        char *lines[32], *save = NULL, *l;
        ssize_t n;
        size_t k = 0;

        ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
        n = recv(fd, buf, sizeof buf - 1, 0);
        ck_assert_int_gt(n, 0);
        buf[n] = 0;
        for (l = strtok_r(buf, "\n", &save); l && k < 32; l = strtok_r(NULL, "\n", &save))
                if (strncmp(l, "CODE_", 5) != 0)
                        lines[k++] = l;
        for (size_t i = 1; i < k; i++)
                for (size_t j = i; j > 0 && strcmp(lines[j - 1], lines[j]) > 0; j--) {
                        char *t = lines[j];
                        lines[j] = lines[j - 1];
                        lines[j - 1] = t;
                }
        out[0] = 0;
        for (size_t i = 0; i < k; i++) {
                strncat(out, lines[i], sizeof out - strlen(out) - 2);
                strcat(out, "|");
        }
        return out;
}

START_TEST(test_journal_datagram) {
        int fd = fake_journal();

        if (fd < 0) {
                printf("test_journal_datagram: skipped, cannot make a private mount namespace (%s)\n",
                       strerror(errno));
                return;
        }
        log_setup(LOG_TARGET_JOURNAL);

        log_ctx(LOG_INFO, &joined_ctx, "Joined 239.0.5.185 upstream on vlan2 (IGMPv2 report)");
        ck_assert_str_eq(receive_fields(fd),
                         "GROUP=239.0.5.185|"
                         "IGMP_VERSION=2|"
                         "INTERFACE=vlan2|"
                         "MESSAGE=Joined 239.0.5.185 upstream on vlan2 (IGMPv2 report)|"
                         "MESSAGE_ID=395ead42120b4e49abdbb7f365077bc1|"
                         "PRIORITY=6|"
                         "SOURCE=198.18.0.1|"
                         "SYSLOG_IDENTIFIER=igmpproxy|");

        LogContext busy = { .message_id = MSG_MROUTE_BUSY };
        ck_assert_int_eq(log_ctx_errno(LOG_ERR, -EADDRINUSE, &busy, "MRT_INIT: %m"), -EADDRINUSE);
        ck_assert_str_eq(receive_fields(fd),
                         "ERRNO=98|"
                         "MESSAGE=MRT_INIT: Address already in use|"
                         "MESSAGE_ID=6d5af467cb10434b8c23a21baf9d0d89|"
                         "PRIORITY=3|"
                         "SYSLOG_IDENTIFIER=igmpproxy|");

        /* No context: only the message, its priority and our identifier. */
        log_notice("plain");
        ck_assert_str_eq(receive_fields(fd), "MESSAGE=plain|PRIORITY=5|SYSLOG_IDENTIFIER=igmpproxy|");

        /* The level filter applies to the journal too: nothing is sent for a debug record. */
        log_debug("filtered");
        log_info("after");
        ck_assert_str_eq(receive_fields(fd), "MESSAGE=after|PRIORITY=6|SYSLOG_IDENTIFIER=igmpproxy|");

        /* The journal took them all: nothing fell back to stderr. */
        ck_assert_str_eq(stderr_text(), "");
        close(fd);
}
END_TEST

static Suite *log_suite(void) {
        Suite *s = suite_create("log");
        TCase *tc;

        tc = tcase_create("sink");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_sink_fields);
        tcase_add_test(tc, test_sink_no_context);
        tcase_add_test(tc, test_error_argument);
        tcase_add_test(tc, test_level_filter);
        tcase_add_test(tc, test_sink_removed);
        tcase_add_test(tc, test_names);
        suite_add_tcase(s, tc);

        tc = tcase_create("backends");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_console_format);
        tcase_add_test(tc, test_auto_target);
        tcase_add_test(tc, test_journal_fallback);
        tcase_add_test(tc, test_journal_datagram);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        /* Each test in its own process, whatever $CK_FORK says: the journal test's mount
         * namespace and libsystemd's cached journal socket die with it. */
        setenv("CK_FORK", "yes", 1);
        return run_suite(log_suite());
}
