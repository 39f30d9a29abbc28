/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.h - logging for the glue (L3). The core never logs.
 *
 * log_*() write one line each to stderr, prefixed with a syslog priority
 * "<N>" when stderr is not a terminal (journald reads the prefix), and carry
 * optional structured context (interface, group, source) that the journal
 * backend turns into fields. Functions taking an error return it negated, so
 * "return log_error_errno(r, ...);" logs and propagates at once.
 */
#pragma once

#include <syslog.h>

#include "util.h"

extern int log_max_level;

typedef struct LogContext {
        const char *interface;
        in4_t group;
        in4_t source;
        int igmp_version;
        const char *message_id; /* 32 hex digits, or NULL */
} LogContext;

int log_internal(int level, int error, const LogContext *ctx, const char *format, ...) _printf_(4, 5);

#define log_full_errno(level, error, ...) log_internal((level), (error), NULL, __VA_ARGS__)
#define log_debug(...) log_internal(LOG_DEBUG, 0, NULL, __VA_ARGS__)
#define log_info(...) log_internal(LOG_INFO, 0, NULL, __VA_ARGS__)
#define log_notice(...) log_internal(LOG_NOTICE, 0, NULL, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_WARNING, 0, NULL, __VA_ARGS__)
#define log_error(...) log_internal(LOG_ERR, 0, NULL, __VA_ARGS__)
#define log_debug_errno(e, ...) log_internal(LOG_DEBUG, (e), NULL, __VA_ARGS__)
#define log_warning_errno(e, ...) log_internal(LOG_WARNING, (e), NULL, __VA_ARGS__)
#define log_error_errno(e, ...) log_internal(LOG_ERR, (e), NULL, __VA_ARGS__)
#define log_ctx(level, ctx, ...) log_internal((level), 0, (ctx), __VA_ARGS__)

int log_level_from_string(const char *s);
const char *log_level_to_string(int level);
