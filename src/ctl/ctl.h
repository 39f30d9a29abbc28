/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl.h - what igmpproxyctl's verbs (igmpproxyctl.c, groups.c, doctor.c,
 * monitor.c) share with its helpers (ctl-util.c: formatting of times, sizes
 * and rates; D-Bus calls and property access with the tool's error reporting;
 * the end of a listing).
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include <systemd/sd-bus.h>

#include "json.h"
#include "util.h"

#define BUS_NAME "org.igmpproxy.Movistar"
#define BUS_PATH "/org/igmpproxy/Movistar"
#define BUS_INTERFACE "org.igmpproxy.Movistar"
#define LOG_PATH "/org/freedesktop/LogControl1"
#define LOG_INTERFACE "org.freedesktop.LogControl1"

#define EXIT_USAGE 2
#define EXIT_NOT_RUNNING 3
#define EXIT_NO_BUS_NAME 4
#define ERR_USAGE (-EDOM) /* a value refused before asking the daemon */
#define ERR_NO_BUS_NAME (-ENOANO) /* the daemon runs, but not on the bus under its name */

typedef enum JsonMode { JSON_OFF, JSON_SHORT, JSON_PRETTY } JsonMode;

extern JsonMode arg_json;
extern bool arg_legend;

usec_t now_monotonic(void);
const char *fmt_timespan(char *buf, size_t n, usec_t t);
const char *fmt_ago(char *buf, size_t n, usec_t mono);
const char *fmt_bytes(char *buf, size_t n, uint64_t b);
const char *fmt_rate(char *buf, size_t n, uint64_t bytes, usec_t span);
/* The daemon cannot be reached over the bus (why: the reason, printed): tells
 * "not running" (-EHOSTDOWN, exit 3) from "running without its bus name"
 * (ERR_NO_BUS_NAME, exit 4) by looking for its process in /proc. */
int not_reachable(const char *why);
/* Prints a JSON document as --json asks (pretty or as is). */
int print_json(const char *text);
/* Ends a listing begun with {"KEY":[ in j (JSON) or a legend line: reports
 * the read error r if any, else prints the document or "N NOUNs listed.". */
int list_finish(JsonWriter *j, int r, const char *what, unsigned n, const char *noun);

/* Reports a failed bus call (with the daemon's error when it sent one);
 * returns the exit status to use. */
int bus_failed(const sd_bus_error *e, int r, const char *what);
/* Calls a method without arguments; on failure reports "what" failed. */
int call(sd_bus *bus, const char *path, const char *iface, const char *method, sd_bus_message **ret,
         const char *what);
int get_prop(sd_bus *bus, const char *path, const char *iface, const char *name, char type, void *ret);
int set_prop(sd_bus *bus, const char *path, const char *iface, const char *name, const char *type, ...);

/* doctor.c: the "doctor" verb; bus may be NULL (no system bus). Returns 0 if
 * every check is ok (or could not be made), -EPROTO otherwise. */
int verb_doctor(sd_bus *bus, int argc, char **argv);
/* groups.c: the "groups" and "group GROUP" verbs. */
int verb_groups(sd_bus *bus, int argc, char **argv);
int verb_group(sd_bus *bus, int argc, char **argv);
/* monitor.c: the "monitor" verb; runs until killed (or the bus goes away). */
int verb_monitor(sd_bus *bus, int argc, char **argv);
