/*
 * Apps inside one worker: a lazily created Duktape heap per app, the
 * requests in flight (struct nd_rq), and what happens when a heap breaks a
 * limit (every request on it gets 503, the heap is rebuilt on next use).
 * Worker only.
 */
#ifndef ND_APP_H
#define ND_APP_H

#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "worker/http.h"

struct event;
struct event_base;
struct nd_js;
struct nd_app;
struct nd_router;

/* One request in flight, from routing to its response. */
struct nd_rq {
    double          id;         /* JS-visible: slot | seq << 20, exact in a double */
    struct nd_req  *req;        /* borrowed from http until answered */
    struct nd_app  *app;
    struct event   *timer;      /* owned: request_timeout */
    int64_t         cpu_us;     /* JS time spent for this request */
    struct nd_rq   *prev, *next; /* app->inflight */
};

struct nd_worker {
    struct event_base      *base;
    const struct nd_config *conf;   /* borrowed: inherited from the supervisor */
    struct nd_http         *http;
    struct nd_router       *router;
    struct nd_app          *apps;   /* owned array, conf order */
    int                     napps;
    struct nd_rq          **slots;  /* owned: id -> rq */
    uint32_t                nslots;
    uint32_t                free_hint;
    uint64_t                seq;
    int                     loaded; /* apps with a heap */
    int                     generation, index;
    int                     draining;
    uint64_t                requests;
};

struct nd_app {
    const struct nd_app_conf *conf; /* borrowed */
    struct nd_worker         *w;
    struct nd_js             *js;   /* owned, lazy */
    void                     *code; /* owned: the script's bytecode, compiled once */
    size_t                    code_len;
    struct nd_rq             *inflight;
    int64_t                   last_used_ms;
    uint64_t                  heap_builds;
};

int nd_app_init(struct nd_app *app, struct nd_worker *w, const struct nd_app_conf *conf);
void nd_app_cleanup(struct nd_app *app);

/* Serves one routed request (always answers it, now or later). */
void nd_app_handle(struct nd_app *app, struct nd_req *req);

/* From natives. id unknown (already answered, timed out) -> -1, ignored. */
int nd_app_respond(struct nd_app *app, double id, int status, const struct nd_hdr *hdrs, int n,
                   const void *body, size_t len);
void nd_app_fail(struct nd_app *app, double id, const char *msg, const char *stack);
void nd_app_log(struct nd_app *app, int level, const char *msg);

/* Plain-text answer from the worker itself ("404 Not Found: ..."). */
void nd_worker_respond_text(struct nd_req *req, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
