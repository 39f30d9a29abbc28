/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * preflight.h - host checks that explain a failure before it happens: can
 * the service's user read the configuration file; is the reverse-path filter
 * of the upstream interface strict. Read-only: nothing is changed.
 */
#pragma once

#include <stddef.h>

/* The user the unit runs as (User= in igmpproxy.service, the sysusers.d entry). */
#define SERVICE_USER "igmpproxy"

/* Can user open path for reading? 1 yes; 0 no (why: the error, the mode and
 * the owner); < 0 could not tell (why says why: no such user, not root).
 * Exact as root (a child takes the user's identity and opens the file). */
int preflight_user_can_read(const char *path, const char *user, char *why, size_t n);

/* The IPv4 rp_filter of ifindex and of "all" (the kernel uses the larger):
 * 0 off, 1 strict, 2 loose. Over rtnetlink (RTM_GETNETCONF). */
int preflight_rp_filter(int ifindex, int *ret_iface, int *ret_all);
