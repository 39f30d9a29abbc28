/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * messages.h - journal MESSAGE_ID= values of the events a user searches for.
 * Each has an entry in systemd/igmpproxy.catalog (journalctl -x explains it).
 * Never change a value once released: users filter on them.
 */
#pragma once

#define MSG_UPSTREAM_JOINED "395ead42120b4e49abdbb7f365077bc1"
#define MSG_UPSTREAM_LEFT "adccb5ebc6c24f8fb93c9262675fc38d"
#define MSG_UPSTREAM_DROPPED "d189b455d65a4a88a2b979f1a1cc2d52"
#define MSG_REFRESH_CYCLE "e269292a04234b98bcdb3b574041fbed"
#define MSG_ROUTE_ADDED "233d794cf52d47669bd8bd2cd2b113d1"
#define MSG_CONFIG_RELOADED "71c46ffb05984fad8e27fe6b2b3dd70a"
#define MSG_CONFIG_REJECTED "53e32b507f894081acfc3e76488f27b7"
#define MSG_INTERFACE_LOST "6be9c978f1a74278bb63193f1d4f3f9c"
#define MSG_INTERFACE_BACK "3dd33d88e2314f7b9bc12ac46098ef4f"
#define MSG_MROUTE_BUSY "6d5af467cb10434b8c23a21baf9d0d89"
#define MSG_SEND_FAILED "d1a682b0482f4be0bf1a5abbdc4cd476"
#define MSG_GROUP_LIMIT "130a059b50c448b98cf3ad6e3a2f907a"
#define MSG_WATCHDOG_UNHEALTHY "515e0ce0a6e94607b8b5302720307ca7"
#define MSG_STREAM_STALLED "8e1c5f0a2b7d4c39a6f41d0e9b3c7a52"
#define MSG_BRIDGE_SNOOPING "580cfc95100e4bd587b9489e5645fb16"
#define MSG_OLDER_QUERIER "252b6c45b475492c8362d5067ac7750c"
