/*
 * Observability in the worker: the admin listener (/healthz, /metrics,
 * /status over the scoreboard), the JSON access log and request ids.
 * Worker only; one admin nd_http and one access-log sink per process.
 */
#ifndef ND_ADMIN_H
#define ND_ADMIN_H

#include <stdint.h>

#include "worker/http.h"

struct event_base;

/* Serves the admin paths on fd (the supervisor's admin_listen socket, not
 * owned) with its own nd_http. token: required Bearer token or NULL. 0 or -1. */
int nd_admin_start(struct event_base *base, const struct nd_http_conf *hc, int fd,
                   const char *token);
/* Stops accepting; open admin connections close with the process. */
void nd_admin_drain(void);
void nd_admin_free(void);

/* target: NULL (off), "stdout" or a path (O_APPEND). 0, or -1 with errno. */
int nd_access_open(const char *target);
/* Batches access-log lines per event-loop turn on base (call once, before
 * the first request; without it every line is written at once). */
void nd_access_set_base(struct event_base *base);
/* slowlog: target path, "stdout" or NULL (off); requests at or over threshold_ms
 * get their access-log line there too. */
int nd_slowlog_open(const char *target, int64_t threshold_ms);
int nd_access_reopen(void);             /* SIGUSR1; no-op unless a path */
void nd_access_close(void);
int nd_access_on(void);
/* One JSON line, one write(2). app may be NULL (no app matched). */
void nd_access_log(const struct nd_req *req, const char *app, const struct nd_http_done *d,
                   int64_t now_us);

/* Sets req->rid: an incoming sane x-request-id (1-64 of [A-Za-z0-9._-]),
 * else "<pid hex>-<counter hex>". */
void nd_request_id(struct nd_req *req);

#endif
