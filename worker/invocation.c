/*
 * Invocation contexts (see invocation.h): one idmap per worker, (app, id) ->
 * nd_ioctx, swept of finished contexts as it grows; ctx.waitUntil's hold and
 * timeout.
 */
#include <event2/event.h>
#include <stddef.h>
#include <stdlib.h>

#include "common/idmap.h"
#include "common/log.h"
#include "worker/invocation.h"

#define SWEEP_MIN        64
#define FIRST_SCHED_ID   (-2.0)     /* scheduled invocations count down from here */

struct nd_invocations {
    struct nd_idmap    ids;         /* (app, id) -> nd_ioctx */
    size_t             isweep;      /* sweep ids when it holds this many */
    double             next_sched_id;
};

static void wait_cancel(struct nd_app_res *res);

struct nd_ioctx *
nd_ioctx_find(struct nd_app *app, double id)
{
    struct nd_invocations *iv = app->w->invocations;

    return iv != NULL ? nd_idmap_find(&iv->ids, app, id) : NULL;
}

static int
releasable(struct nd_ioctx *c)
{
    return c->waits == 0 && c->subreq_active == 0 && c->queue_head == NULL
        && !nd_app_rq_live(c->app, c->id);
}

void
nd_ioctx_release(struct nd_ioctx *c)
{
    if (c != NULL && releasable(c)) {
        nd_idmap_remove(&c->app->w->invocations->ids, c);
        free(c);
    }
}

void
nd_ioctx_done(struct nd_app *app, double id)
{
    nd_ioctx_release(nd_ioctx_find(app, id));
}

static int
releasable_any(void *c)
{
    return releasable(c);
}

/* Frees every context that is over: answered requests leave theirs behind. */
static void
sweep(struct nd_invocations *iv)
{
    size_t n;

    nd_idmap_sweep(&iv->ids, releasable_any, free);
    n = iv->ids.n;
    iv->isweep = n * 2 > SWEEP_MIN ? n * 2 : SWEEP_MIN;
}

struct nd_ioctx *
nd_ioctx_get(struct nd_app *app, double id)
{
    struct nd_invocations *iv = app->w->invocations;
    struct nd_ioctx       *c = nd_ioctx_find(app, id);

    if (c != NULL || iv == NULL) {
        return c;
    }
    if (iv->ids.n >= iv->isweep) {
        sweep(iv);
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return NULL;
    }
    c->id = id;
    c->app = app;
    if (nd_app_rq_live(app, id)) {
        nd_app_rq_log_id(app, id, c->rid, sizeof(c->rid));  /* for logs after the response */
    }
    c->wait_res.cancel = wait_cancel;
    c->wait_res.rq_id = id;
    if (nd_idmap_add(&iv->ids, c) == -1) {
        free(c);
        return NULL;
    }
    return c;
}

int
nd_ioctx_live(struct nd_app *app, double id)
{
    struct nd_ioctx *c;

    if (nd_app_rq_live(app, id)) {
        return 1;
    }
    c = nd_ioctx_find(app, id);
    return c != NULL && c->waits > 0;
}

double
nd_ioctx_sched_id(struct nd_worker *w)
{
    struct nd_invocations *iv = w->invocations;
    double                 id = iv->next_sched_id;

    iv->next_sched_id = id <= -9007199254740990.0 ? FIRST_SCHED_ID : id - 1;
    return id;
}

/* --- ctx.waitUntil -------------------------------------------------------------- */

/* waits -> 0: the hold and the timer go. */
static void
wait_stop(struct nd_ioctx *c)
{
    c->waits = 0;
    if (c->wait_timer != NULL) {
        event_free(c->wait_timer);
        c->wait_timer = NULL;
    }
    nd_app_res_remove(c->app, &c->wait_res);
    nd_worker_release(c->app->w);
}

/* Request timeout or heap discarded: the promises will never be waited for. */
static void
wait_cancel(struct nd_app_res *res)
{
    struct nd_ioctx *c = (struct nd_ioctx *) ((char *) res - offsetof(struct nd_ioctx, wait_res));

    wait_stop(c);
    nd_ioctx_release(c);
}

static void
on_wait_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct nd_ioctx *c = arg;
    struct nd_app   *app = c->app;
    double           id = c->id;
    char             idbuf[80];
    const char      *kv[] = { "request_id", idbuf, NULL };

    nd_app_rq_log_id(app, id, idbuf, sizeof(idbuf));
    nd_log_kv(ND_LOG_WARN, app->conf->name, kv, "ctx.waitUntil(): %d promise%s still pending "
              "after wait_until_timeout (%lld ms): their work is cancelled", c->waits,
              c->waits == 1 ? "" : "s", (long long) app->conf->limits.wait_until_timeout_ms);
    wait_stop(c);
    if (!nd_app_rq_live(app, id)) {
        nd_app_res_cancel(app, id);
    }
    nd_ioctx_done(app, id);
}

int
nd_ioctx_wait_begin(struct nd_app *app, double id)
{
    struct nd_ioctx *c = nd_ioctx_get(app, id);

    if (c == NULL) {
        return -1;
    }
    if (c->waits++ == 0) {
        int64_t        ms = app->conf->limits.wait_until_timeout_ms;
        struct timeval tv = { (time_t) (ms / 1000), (suseconds_t) (ms % 1000) * 1000 };

        c->wait_timer = evtimer_new(app->w->base, on_wait_timeout, c);
        if (c->wait_timer != NULL) {
            evtimer_add(c->wait_timer, &tv);
        }
        nd_app_res_add(app, &c->wait_res);
        nd_worker_hold(app->w);
    }
    return 0;
}

void
nd_ioctx_wait_end(struct nd_app *app, double id)
{
    struct nd_ioctx *c = nd_ioctx_find(app, id);

    if (c == NULL || c->waits == 0) {
        return;                 /* timed out or cancelled meanwhile */
    }
    if (--c->waits > 0) {
        return;
    }
    wait_stop(c);
    if (!nd_app_rq_live(app, id)) {
        nd_app_res_cancel(app, id);
    }
    nd_ioctx_done(app, id);
}

/* --- per worker ----------------------------------------------------------------- */

int
nd_invocations_init(struct nd_worker *w)
{
    struct nd_invocations *iv = calloc(1, sizeof(*iv));

    if (iv == NULL) {
        nd_log(ND_LOG_ERROR, NULL, "cannot set up invocations: out of memory");
        return -1;
    }
    iv->ids = (struct nd_idmap) ND_IDMAP_INIT(struct nd_ioctx, app, id, hnext);
    iv->isweep = SWEEP_MIN;
    iv->next_sched_id = FIRST_SCHED_ID;
    w->invocations = iv;
    return 0;
}

/* Worker exit: the map has unlinked c already. */
static void
ioctx_drop(void *p)
{
    struct nd_ioctx *c = p;

    if (c->wait_timer != NULL) {
        event_free(c->wait_timer);
    }
    free(c);
}

void
nd_invocations_cleanup(struct nd_worker *w)
{
    struct nd_invocations *iv = w->invocations;

    if (iv == NULL) {
        return;
    }
    nd_idmap_sweep(&iv->ids, NULL, ioctx_drop);
    nd_idmap_free(&iv->ids);
    free(iv);
    w->invocations = NULL;
}
