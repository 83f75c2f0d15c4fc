/*
 * The admin listener (/healthz, /metrics, /status over the scoreboard).
 * Worker only; one admin nd_http per process. (The access log: access.h.)
 */
#ifndef ND_ADMIN_H
#define ND_ADMIN_H

#include "worker/http.h"

struct event_base;

/* Serves the admin paths on fd (the supervisor's admin_listen socket, not
 * owned) with its own nd_http. token: required Bearer token or NULL. 0 or -1. */
int nd_admin_start(struct event_base *base, const struct nd_http_conf *hc, int fd,
                   const char *token);
/* Stops accepting; open admin connections close with the process. */
void nd_admin_drain(void);
void nd_admin_free(void);

#endif
