/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.c - the journal and console backends of log.h. No colours, no
 * timestamps of our own (the journal has its own). The journal gets the
 * message and the structured fields; the console gets the message, and the
 * fields in brackets at debug level.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/uio.h>
/* The call site is always log_journal(): a CODE_FILE= of our own is noise. */
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-journal.h>

int log_max_level = LOG_INFO;
bool log_trace_packets = false;
static LogTarget log_target = LOG_TARGET_CONSOLE;
static LogSink log_sink;
static void *log_sink_userdata;

static const char *const level_names[] = {
        [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",     [LOG_ERR] = "err",
        [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

static const char *const target_names[_LOG_TARGET_MAX] = {
        [LOG_TARGET_AUTO] = "auto",
        [LOG_TARGET_CONSOLE] = "console",
        [LOG_TARGET_JOURNAL] = "journal",
};

int log_level_from_string(const char *s) {
        for (size_t i = 0; i < ELEMENTSOF(level_names); i++)
                if (strcasecmp(s, level_names[i]) == 0)
                        return (int) i;
        return -EINVAL;
}

const char *log_level_to_string(int level) {
        return level >= 0 && level < (int) ELEMENTSOF(level_names) ? level_names[level] : NULL;
}

const char *log_target_to_string(LogTarget t) {
        return t < _LOG_TARGET_MAX ? target_names[t] : NULL;
}

int log_target_from_string(const char *s) {
        for (size_t i = 0; i < _LOG_TARGET_MAX; i++)
                if (strcmp(s, target_names[i]) == 0)
                        return (int) i;
        return -EINVAL;
}

/* systemd sets $JOURNAL_STREAM=DEV:INODE of the stream it connected to
 * stderr; if stderr is still that stream, the journal is listening. */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

void log_setup(LogTarget target) {
        if (target == LOG_TARGET_AUTO)
                target = stderr_is_journal() ? LOG_TARGET_JOURNAL : LOG_TARGET_CONSOLE;
        log_target = target;
}

LogTarget log_get_target(void) {
        return log_target;
}

void log_set_sink(LogSink sink, void *userdata) {
        log_sink = sink;
        log_sink_userdata = userdata;
}

static int log_journal(int level, int error, const LogContext *ctx, const char *msg) {
        char f_msg[1100], f_prio[16], f_iface[64], f_group[32], f_source[32], f_ver[24], f_id[48], f_errno[24];
        char a[IN4_STRLEN];
        struct iovec iov[10];
        int n = 0;

        /* sd_journal_sendv() reports success even when journald is absent:
         * check the socket so the caller falls back to the console. */
        if (access("/run/systemd/journal/socket", W_OK) < 0)
                return -errno;

#define ADD(buf, ...)                                                   \
        do {                                                            \
                snprintf(buf, sizeof buf, __VA_ARGS__);                 \
                iov[n++] = (struct iovec) { .iov_base = buf, .iov_len = strlen(buf) }; \
        } while (0)

        ADD(f_msg, "MESSAGE=%s", msg);
        ADD(f_prio, "PRIORITY=%d", level);
        iov[n++] = (struct iovec) { .iov_base = (char *) "SYSLOG_IDENTIFIER=igmpproxy", .iov_len = 27 };
        if (ctx && ctx->interface)
                ADD(f_iface, "INTERFACE=%s", ctx->interface);
        if (ctx && ctx->group)
                ADD(f_group, "GROUP=%s", in4_to_string(ctx->group, a));
        if (ctx && ctx->source)
                ADD(f_source, "SOURCE=%s", in4_to_string(ctx->source, a));
        if (ctx && ctx->igmp_version)
                ADD(f_ver, "IGMP_VERSION=%d", ctx->igmp_version);
        if (ctx && ctx->message_id)
                ADD(f_id, "MESSAGE_ID=%s", ctx->message_id);
        if (error)
                ADD(f_errno, "ERRNO=%d", error);
#undef ADD
        return sd_journal_sendv(iov, n);
}

static void log_console(int level, const LogContext *ctx, const char *msg) {
        char a[IN4_STRLEN];

        if (!isatty(STDERR_FILENO))
                fprintf(stderr, "<%d>", level);
        fputs(msg, stderr);
        if (ctx && log_max_level >= LOG_DEBUG) {
                if (ctx->interface)
                        fprintf(stderr, " [INTERFACE=%s]", ctx->interface);
                if (ctx->group)
                        fprintf(stderr, " [GROUP=%s]", in4_to_string(ctx->group, a));
                if (ctx->source)
                        fprintf(stderr, " [SOURCE=%s]", in4_to_string(ctx->source, a));
                if (ctx->igmp_version)
                        fprintf(stderr, " [IGMP_VERSION=%d]", ctx->igmp_version);
        }
        fputc('\n', stderr);
}

int log_internal(int level, int error, const LogContext *ctx, const char *format, ...) {
        char msg[1024];
        va_list ap;
        int saved = errno;

        error = error < 0 ? -error : error;
        if (level > log_max_level) {
                errno = saved;
                return -error;
        }

        errno = error; /* for %m */
        va_start(ap, format);
        vsnprintf(msg, sizeof msg, format, ap);
        va_end(ap);

        if (log_sink)
                log_sink(level, error, ctx, msg, log_sink_userdata);
        if (log_target != LOG_TARGET_JOURNAL || log_journal(level, error, ctx, msg) < 0)
                log_console(level, ctx, msg);
        errno = saved;
        return -error;
}
