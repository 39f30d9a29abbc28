/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.h - logging for the glue (L3). The core never logs.
 *
 * One message, one record. Under systemd (stderr connected to the journal,
 * or --log-target=journal) records go to journald natively with structured
 * fields: INTERFACE=, GROUP=, SOURCE=, IGMP_VERSION=, MESSAGE_ID=, ERRNO=.
 * Otherwise one line on stderr, with a "<N>" syslog priority prefix when
 * stderr is not a terminal. Functions taking an error return it negated, so
 * "return log_error_errno(r, ...);" logs and propagates at once.
 */
#pragma once

#include <syslog.h>

#include "util.h"

extern int log_max_level;
/* -vv: a debug line for every IGMP packet received and sent. */
extern bool log_trace_packets;

typedef enum LogTarget {
        LOG_TARGET_AUTO,    /* journal if stderr is the journal's stream, else console */
        LOG_TARGET_CONSOLE,
        LOG_TARGET_JOURNAL,
        _LOG_TARGET_MAX,
} LogTarget;

typedef struct LogContext {
        const char *interface;
        in4_t group;
        in4_t source;
        int igmp_version;       /* 0 = none */
        const char *message_id; /* 32 hex digits, or NULL */
} LogContext;

/* Chooses the backend; AUTO looks at $JOURNAL_STREAM. */
void log_setup(LogTarget target);
LogTarget log_get_target(void);
const char *log_target_to_string(LogTarget t);
int log_target_from_string(const char *s);

/* Test hook: every record that passes the level filter is also handed to the
 * sink with its fields (NULL to remove). */
typedef void (*LogSink)(int level, int error, const LogContext *ctx, const char *message, void *userdata);
void log_set_sink(LogSink sink, void *userdata);

int log_internal(int level, int error, const LogContext *ctx, const char *format, ...) _printf_(4, 5);

#define log_debug(...) log_internal(LOG_DEBUG, 0, NULL, __VA_ARGS__)
#define log_info(...) log_internal(LOG_INFO, 0, NULL, __VA_ARGS__)
#define log_notice(...) log_internal(LOG_NOTICE, 0, NULL, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_WARNING, 0, NULL, __VA_ARGS__)
#define log_error(...) log_internal(LOG_ERR, 0, NULL, __VA_ARGS__)
#define log_debug_errno(e, ...) log_internal(LOG_DEBUG, (e), NULL, __VA_ARGS__)
#define log_notice_errno(e, ...) log_internal(LOG_NOTICE, (e), NULL, __VA_ARGS__)
#define log_warning_errno(e, ...) log_internal(LOG_WARNING, (e), NULL, __VA_ARGS__)
#define log_error_errno(e, ...) log_internal(LOG_ERR, (e), NULL, __VA_ARGS__)
#define log_ctx(level, ctx, ...) log_internal((level), 0, (ctx), __VA_ARGS__)
#define log_ctx_errno(level, e, ctx, ...) log_internal((level), (e), (ctx), __VA_ARGS__)

int log_level_from_string(const char *s);
const char *log_level_to_string(int level);
