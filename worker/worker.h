/*
 * The worker: the supervisor's only way into worker/ (scripts/checkdeps.sh),
 * and struct nd_worker, the state of one worker process that every worker/
 * module hangs off (its members' types stay opaque here).
 */
#ifndef ND_WORKER_H
#define ND_WORKER_H

#include <stdint.h>

#include "common/config.h"
#include "common/err.h"

struct event_base;
struct nd_app;
struct nd_fetcher;
struct nd_http;
struct nd_invocations;
struct nd_router;
struct nd_rq;
struct nd_scheduler;
struct nd_timers;

/* One worker process. Worker only. */
struct nd_worker {
    struct event_base      *base;
    const struct nd_config *conf;   /* borrowed: inherited from the supervisor */
    struct nd_http         *http;
    struct nd_router       *router;
    struct nd_app          *route_app; /* borrowed: the last match (the router never */
    size_t                  route_len; /* changes in a worker), for route_host */
    char                    route_host[64]; /* its Host header, exactly as received */
    struct nd_app          *apps;   /* owned array, conf order */
    int                     napps;
    struct nd_rq          **slots;  /* owned: id -> rq */
    struct nd_rq           *rq_pool; /* owned: finished rqs (with their timer), reused */
    int                     rq_pooled;
    uint32_t                nslots;
    uint32_t                free_hint;
    uint64_t                seq;
    int                     loaded; /* apps with a heap */
    struct nd_app          *lru_head, *lru_tail; /* loaded apps, most recent first */
    struct event           *sweep_ev; /* owned or NULL: app.c's idle-heap collections */
    uint32_t                sweep_gen; /* its ticks (app.c: an app's used_gen) */
    int                     trim_due; /* a heap was freed: give its pages back next tick */
    uint64_t                evictions;
    int                     generation, index;
    int                     draining;
    int                     holds;  /* background work (waitUntil...) delaying exit */
    void                  (*idle_cb)(void *arg); /* drain: called when holds drop to 0 */
    void                   *idle_arg;
    uint64_t                requests;
    struct nd_timers       *timers;  /* owned: timer.c (setTimeout/setInterval) */
    struct nd_invocations  *invocations; /* owned: invocation.c (nd_ioctx, waitUntil) */
    struct nd_scheduler    *scheduler; /* owned or NULL: scheduler.c (cron triggers) */
    struct nd_fetcher      *fetcher; /* owned: fetch.c, created on the first fetch() */
};

struct nd_worker_args {
    const struct nd_config *conf;   /* borrowed: inherited through fork, read-only */
    const int              *listen_fds; /* one per conf->server.listen[i], not owned */
    int                     nlisten;
    int                     ipc_fd; /* owned by the worker */
    int                     generation;
    int                     index;  /* 0 .. workers-1 */
    int                     sb_slot; /* scoreboard slot (common/scoreboard.h), -1 = none */
    int                     admin_fd; /* admin listener (not owned), -1 = none */
};

/* Runs in the forked child; returns the process exit status (0 after a
 * graceful drain). Never returns to the supervisor's loop. */
int nd_worker_main(const struct nd_worker_args *args);

/* Compiles every app script of conf (syntax only, in one scratch heap) and adds
 * "script:line: SyntaxError: ..." to errs for each that fails. Returns the
 * number of failed apps; failed[i] is set to 1 for each (failed may be NULL).
 * Callable from the supervisor (for -t and reload). */
int nd_worker_check(const struct nd_config *conf, struct nd_errs *errs, char *failed);

/* The same, app by app: cb(i, -1, NULL, code, code_len) when app i compiles,
 * cb(i, line, msg, NULL, 0) when not (msg e.g. "SyntaxError: ..."; line 0 when
 * unknown). Apps without source (config.c set app->error) are skipped. A
 * script that needs more than its memory_limit to compile fails with "out of
 * memory", and Duktape's fatal errors are caught (the caller should be a
 * short-lived process: a heap left by a fatal error is abandoned). With dump,
 * code is that compile's bytecode for the workers (common/bytecode.h: header
 * + Duktape dump; borrowed for the call; NULL when it could not be made), to
 * be stored as the app's conf->bytecode. Returns the failures, -1 on OOM. */
typedef void nd_worker_check_cb(int i, int line, const char *msg, const void *code,
                                size_t code_len, void *arg);
/* Process limits the workers will inherit (RLIMIT_NOFILE raised to fit
 * max_connections): call in the supervisor itself, not in a child. The number
 * of errors added to errs (an explicit max_connections that cannot be had). */
int nd_worker_check_limits(const struct nd_config *conf, struct nd_errs *errs);
int nd_worker_check_each(const struct nd_config *conf, int dump, nd_worker_check_cb *cb,
                         void *arg);

/* Process-wide one-time initialization before the first fork (curl). */
int nd_worker_global_init(void);

/* "nanod/0.1.0 duktape/2.7.0 libevent/2.1.12 libcurl/7.88.1 llhttp/8.1.0" */
const char *nd_worker_versions(void);

#endif
