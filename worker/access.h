/*
 * The JSON access log, the slowlog and request ids. Worker only, from the
 * event loop; one of each per process. Both logs are struct nd_log_sink
 * (common/log.h): nd_log_reopen() reopens them with the error log (SIGUSR1),
 * flushing the access log's batch first.
 */
#ifndef ND_ACCESS_H
#define ND_ACCESS_H

#include <stdint.h>

#include "worker/http.h"

struct event_base;

/* target: NULL (off), "stdout", "stderr" or a path (O_APPEND). 0, or -1 with errno. */
int nd_access_open(const char *target);
/* Batches access-log lines per event-loop turn on base (call once, before
 * the first request; without it every line is written at once). */
void nd_access_set_base(struct event_base *base);
/* slowlog: target as above; requests at or over threshold_ms get their
 * access-log line there too (written at once). */
int nd_slowlog_open(const char *target, int64_t threshold_ms);
/* Writes what is batched, stops batching, closes the access log. */
void nd_access_close(void);
/* One JSON line (batched), and the same line in the slowlog when slow.
 * app may be NULL (no app matched). */
void nd_access_log(const struct nd_req *req, const char *app, const struct nd_http_done *d,
                   int64_t now_us);

/* Sets req->rid: an incoming sane x-request-id (1-64 of [A-Za-z0-9._-]),
 * else "<pid hex>-<counter hex>". */
void nd_request_id(struct nd_req *req);

#endif
