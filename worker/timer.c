/*
 * Timers, invocation contexts (waitUntil) and cron, per worker.
 *
 * Timers sit in one binary min-heap ordered by (deadline, creation order) under
 * one evtimer: equal deadlines fire in the order they were set (HTML), which
 * libevent's own heap does not promise. Each firing is a macrotask through
 * nd_app_enter() (microtasks drained after it): lib.runTimer(id, level) finds
 * the callback, which JS keeps; C knows only ids.
 */
#include <event2/event.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "common/idmap.h"
#include "common/log.h"
#include "common/sys.h"
#include "common/cron.h"
#include "worker/js/heap.h"
#include "worker/timer.h"

#define HTML_NESTING_MAX 5          /* past this level, delays under 4 ms become 4 ms */
#define HTML_CLAMP_MS    4
#define TIMER_MAX_MS     2147483647LL
#define SWEEP_MIN        64
#define FIRST_SCHED_ID   (-2.0)     /* scheduled invocations count down from here */

struct nd_timer {
    struct nd_app_res res;          /* first: cancel() gets it; rq_id = the invocation */
    struct nd_timers *ts;
    struct nd_app    *app;
    double            id;           /* JS-visible */
    int64_t           when_us;      /* monotonic deadline */
    uint64_t          seq;          /* creation order, ties */
    int64_t           period_ms;    /* setInterval; 0 = once */
    int               level;        /* HTML timer nesting level of its task */
    size_t            hidx;         /* index in ts->heap */
    struct nd_timer  *hnext;        /* id hash chain */
};

struct cron_entry {
    struct nd_app  *app;
    const char     *expr;           /* borrowed: the app's config */
    struct nd_cron  cron;
};

struct nd_timers {
    struct nd_worker  *w;
    struct event      *ev;          /* owned: the earliest timer */
    struct nd_timer  **heap;        /* owned */
    size_t             n, cap;
    uint64_t           seq;
    struct nd_idmap    timer_ids;   /* (app, id) -> nd_timer */
    struct nd_idmap    ioctx_ids;   /* (app, id) -> nd_ioctx */
    size_t             isweep;      /* sweep ioctx_ids when it holds this many */
    double             next_sched_id;
    /* cron */
    struct cron_entry *crons;       /* owned */
    int                ncrons;
    struct event      *cron_ev;     /* owned */
    int64_t            cron_minute; /* the minute the armed event is for */
    int64_t            minute_ms;   /* 60000, or ND_TEST_CRON_MINUTE_MS (tests) */
    int64_t            start_mono_ms, start_wall_ms;
};

/* GLOBAL: shared by every worker of every generation (mapped before the first
 * fork): the last cron minute run, so that a minute runs once even while two
 * generations overlap during a reload. */
static int64_t *g_cron_last;

static void timer_cancel(struct nd_app_res *res);
static void wait_cancel(struct nd_app_res *res);
static void end_invocation(struct nd_app *app, double id);

/* --- the timer heap ------------------------------------------------------------ */

static int
earlier(const struct nd_timer *a, const struct nd_timer *b)
{
    return a->when_us < b->when_us || (a->when_us == b->when_us && a->seq < b->seq);
}

static void
heap_set(struct nd_timers *ts, size_t i, struct nd_timer *t)
{
    ts->heap[i] = t;
    t->hidx = i;
}

static void
heap_up(struct nd_timers *ts, size_t i)
{
    struct nd_timer *t = ts->heap[i];

    while (i > 0 && earlier(t, ts->heap[(i - 1) / 2])) {
        heap_set(ts, i, ts->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_set(ts, i, t);
}

static void
heap_down(struct nd_timers *ts, size_t i)
{
    struct nd_timer *t = ts->heap[i];

    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= ts->n) {
            break;
        }
        if (c + 1 < ts->n && earlier(ts->heap[c + 1], ts->heap[c])) {
            c++;
        }
        if (!earlier(ts->heap[c], t)) {
            break;
        }
        heap_set(ts, i, ts->heap[c]);
        i = c;
    }
    heap_set(ts, i, t);
}

static void
heap_remove(struct nd_timers *ts, struct nd_timer *t)
{
    size_t           i = t->hidx;
    struct nd_timer *last = ts->heap[--ts->n];

    if (last != t) {
        heap_set(ts, i, last);
        heap_down(ts, i);
        heap_up(ts, last->hidx);
    }
}

static void
arm(struct nd_timers *ts)
{
    struct timeval tv;
    int64_t        d;

    if (ts->n == 0) {
        event_del(ts->ev);
        return;
    }
    d = ts->heap[0]->when_us - nd_sys_now_us();
    if (d < 0) {
        d = 0;
    }
    tv.tv_sec = (time_t) (d / 1000000);
    tv.tv_usec = (suseconds_t) (d % 1000000);
    evtimer_add(ts->ev, &tv);
}

/* Unlinks t from everything and frees it. */
static void
timer_free(struct nd_timer *t)
{
    struct nd_timers *ts = t->ts;
    int               top = t->hidx == 0;

    nd_idmap_remove(&ts->timer_ids, t);
    heap_remove(ts, t);
    nd_app_res_remove(t->app, &t->res);
    free(t);
    if (top) {
        arm(ts);
    }
}

static void
timer_cancel(struct nd_app_res *res)
{
    timer_free((struct nd_timer *) res);
}

static void
run_timer(struct nd_timers *ts, struct nd_timer *t)
{
    struct nd_app *app = t->app;
    double         id = t->id, io = t->res.rq_id;
    int            level = t->level;

    if (!nd_ioctx_live(app, io)) {
        timer_free(t);          /* its invocation is over: it never fires */
        return;
    }
    if (t->period_ms > 0) {
        t->level++;
        if (t->level > HTML_NESTING_MAX && t->period_ms < HTML_CLAMP_MS) {
            t->period_ms = HTML_CLAMP_MS;
        }
        t->when_us = nd_sys_now_us() + t->period_ms * 1000;
        t->seq = ts->seq++;
        heap_down(ts, t->hidx);
    } else {
        timer_free(t);
    }
    /* t may be gone from here on (clearInterval in its callback, heap discarded). */
    if (app->js == NULL || nd_js_push_lib_fn(app->js, "runTimer") == -1) {
        return;
    }
    duk_push_number(app->js->ctx, id);
    duk_push_int(app->js->ctx, level);
    nd_app_enter(app, io, 2);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct nd_timers *ts = arg;
    int64_t           now = nd_sys_now_us();
    uint64_t          seq = ts->seq;

    /* Only timers due now and set before this pass: a setTimeout(f, 0) loop
     * yields to I/O between rounds. */
    while (ts->n > 0 && ts->heap[0]->when_us <= now && ts->heap[0]->seq < seq) {
        run_timer(ts, ts->heap[0]);
    }
    arm(ts);
}

int
nd_timer_start(struct nd_app *app, double id, double io, int64_t ms, int repeat, int level)
{
    struct nd_timers *ts = app->w->timers;
    struct nd_timer  *t, *old;

    if (ts == NULL) {
        return -1;
    }
    if (ms < 0) {
        ms = 0;
    } else if (ms > TIMER_MAX_MS) {
        ms = 1;                 /* as Node and browsers do with overlong delays */
    }
    if (level > HTML_NESTING_MAX && ms < HTML_CLAMP_MS) {
        ms = HTML_CLAMP_MS;
    }
    if (repeat && ms == 0) {
        ms = 1;
    }
    old = nd_idmap_find(&ts->timer_ids, app, id);
    if (old != NULL) {
        timer_free(old);
    }
    if (ts->n == ts->cap) {
        size_t            cap = ts->cap == 0 ? 64 : ts->cap * 2;
        struct nd_timer **h = realloc(ts->heap, cap * sizeof(*h));
        if (h == NULL) {
            return -1;
        }
        ts->heap = h;
        ts->cap = cap;
    }
    t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return -1;
    }
    t->res.cancel = timer_cancel;
    t->res.rq_id = io;
    t->ts = ts;
    t->app = app;
    t->id = id;
    t->when_us = nd_sys_now_us() + ms * 1000;
    t->seq = ts->seq++;
    t->period_ms = repeat ? ms : 0;
    t->level = level;
    if (nd_idmap_add(&ts->timer_ids, t) == -1) {
        free(t);
        return -1;
    }
    t->hidx = ts->n++;
    ts->heap[t->hidx] = t;
    heap_up(ts, t->hidx);
    nd_app_res_add(app, &t->res);
    if (t->hidx == 0) {
        arm(ts);
    }
    return 0;
}

int
nd_timer_clear(struct nd_app *app, double id)
{
    struct nd_timers *ts = app->w->timers;
    struct nd_timer  *t = ts != NULL ? nd_idmap_find(&ts->timer_ids, app, id) : NULL;

    if (t == NULL) {
        return 0;
    }
    timer_free(t);
    return 1;
}

int
nd_timer_pending(struct nd_app *app, double id)
{
    struct nd_timers *ts = app->w->timers;

    return ts != NULL && nd_idmap_find(&ts->timer_ids, app, id) != NULL;
}

/* --- invocations ---------------------------------------------------------------- */

struct nd_ioctx *
nd_ioctx_find(struct nd_app *app, double id)
{
    struct nd_timers *ts = app->w->timers;

    return ts != NULL ? nd_idmap_find(&ts->ioctx_ids, app, id) : NULL;
}

static int
releasable(struct nd_ioctx *c)
{
    return c->waits == 0 && c->subreq_active == 0 && c->queue_head == NULL
        && !nd_app_rq_live(c->app, c->id);
}

static void
ioctx_free(struct nd_timers *ts, struct nd_ioctx *c)
{
    nd_idmap_remove(&ts->ioctx_ids, c);
    free(c);
}

void
nd_ioctx_release(struct nd_ioctx *c)
{
    if (c != NULL && releasable(c)) {
        ioctx_free(c->app->w->timers, c);
    }
}

static int
releasable_any(void *c)
{
    return releasable(c);
}

/* Frees every context that is over: answered requests leave theirs behind. */
static void
ioctx_sweep(struct nd_timers *ts)
{
    size_t n;

    nd_idmap_sweep(&ts->ioctx_ids, releasable_any, free);
    n = ts->ioctx_ids.n;
    ts->isweep = n * 2 > SWEEP_MIN ? n * 2 : SWEEP_MIN;
}

struct nd_ioctx *
nd_ioctx_get(struct nd_app *app, double id)
{
    struct nd_timers *ts = app->w->timers;
    struct nd_ioctx  *c = nd_ioctx_find(app, id);

    if (c != NULL || ts == NULL) {
        return c;
    }
    if (ts->ioctx_ids.n >= ts->isweep) {
        ioctx_sweep(ts);
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
    if (nd_idmap_add(&ts->ioctx_ids, c) == -1) {
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

/* Cancels what the invocation still has pending (its timers, transfers). */
static void
end_invocation(struct nd_app *app, double id)
{
    struct nd_app_res *r = app->res, *next;

    while (r != NULL) {
        next = r->next;
        if (r->rq_id == id) {
            r->cancel(r);       /* removes itself; frees nothing else in the list */
        }
        r = next;
    }
}

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
        end_invocation(app, id);
    }
    c = nd_ioctx_find(app, id);
    nd_ioctx_release(c);
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
        end_invocation(app, id);
    }
    nd_ioctx_release(nd_ioctx_find(app, id));
}

/* --- cron ------------------------------------------------------------------------- */

int
nd_timers_global_init(void)
{
    void *p = mmap(NULL, sizeof(int64_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                   -1, 0);

    if (p == MAP_FAILED) {
        return -1;
    }
    g_cron_last = p;
    *g_cron_last = 0;
    return 0;
}

/* The cron clock, in ms since the epoch: the wall clock, or a faster one for tests. */
static int64_t
cron_now_ms(struct nd_timers *ts)
{
    int64_t real = nd_sys_now_ms() - ts->start_mono_ms;

    return ts->start_wall_ms + real * 60000 / ts->minute_ms;
}

static void
cron_arm(struct nd_timers *ts)
{
    int64_t        now = cron_now_ms(ts), wait;
    struct timeval tv;

    ts->cron_minute = now / 60000 + 1;
    wait = (ts->cron_minute * 60000 - now) * ts->minute_ms / 60000 + 1;
    tv.tv_sec = (time_t) (wait / 1000);
    tv.tv_usec = (suseconds_t) (wait % 1000) * 1000;
    evtimer_add(ts->cron_ev, &tv);
}

static void
run_scheduled(struct nd_timers *ts, struct cron_entry *e, int64_t when_ms)
{
    struct nd_app *app = e->app;
    struct nd_js  *js;
    char           msg[1024];
    double         id = ts->next_sched_id;

    ts->next_sched_id = id <= -9007199254740990.0 ? FIRST_SCHED_ID : id - 1;
    js = app->js;
    if (js == NULL) {
        js = nd_app_load(app, msg, sizeof(msg));
    }
    if (js == NULL) {
        nd_log(ND_LOG_ERROR, app->conf->name, "cron \"%s\": cannot load the app: %s", e->expr,
               msg);
        return;
    }
    nd_log(ND_LOG_INFO, app->conf->name, "cron \"%s\": running the scheduled handler", e->expr);
    if (nd_js_push_lib_fn(js, "runScheduled") == -1) {
        return;
    }
    duk_push_number(js->ctx, id);
    duk_push_string(js->ctx, e->expr);
    duk_push_number(js->ctx, (double) when_ms);
    nd_app_enter(app, id, 3);
}

static void
on_cron(evutil_socket_t fd, short what, void *arg)
{
    struct nd_timers *ts = arg;
    int64_t           minute = ts->cron_minute, last;
    time_t            t = (time_t) (minute * 60);
    struct tm         tm;
    int               i;

    if (ts->w->draining) {
        return;
    }
    if (cron_now_ms(ts) < minute * 60000) {
        cron_arm(ts);           /* woke early */
        return;
    }
    last = g_cron_last != NULL ? __atomic_load_n(g_cron_last, __ATOMIC_SEQ_CST) : 0;
    if (g_cron_last == NULL || (last < minute
                                && __atomic_compare_exchange_n(g_cron_last, &last, minute, 0,
                                                               __ATOMIC_SEQ_CST,
                                                               __ATOMIC_SEQ_CST))) {
        gmtime_r(&t, &tm);
        for (i = 0; i < ts->ncrons; i++) {
            if (nd_cron_match(&ts->crons[i].cron, &tm)) {
                run_scheduled(ts, &ts->crons[i], minute * 60000);
            }
        }
    }
    cron_arm(ts);
}

static int
cron_init(struct nd_timers *ts)
{
    struct nd_worker *w = ts->w;
    const char       *env = getenv("ND_TEST_CRON_MINUTE_MS");
    int               i, j, n = 0;

    if (w->index != 0) {
        return 0;               /* cron runs in worker 0 of each generation only */
    }
    for (i = 0; i < w->napps; i++) {
        n += w->apps[i].conf->ncron;
    }
    if (n == 0) {
        return 0;
    }
    ts->crons = calloc((size_t) n, sizeof(*ts->crons));
    ts->cron_ev = evtimer_new(w->base, on_cron, ts);
    if (ts->crons == NULL || ts->cron_ev == NULL) {
        return -1;
    }
    for (i = 0; i < w->napps; i++) {
        const struct nd_app_conf *c = w->apps[i].conf;
        for (j = 0; j < c->ncron; j++) {
            char msg[256];
            struct cron_entry *e = &ts->crons[ts->ncrons];
            if (nd_cron_parse(c->cron[j], &e->cron, msg, sizeof(msg)) == 0) {
                e->app = &w->apps[i];
                e->expr = c->cron[j];
                ts->ncrons++;
            }
        }
    }
    ts->minute_ms = 60000;
    if (env != NULL && strtol(env, NULL, 10) > 0) {
        ts->minute_ms = strtol(env, NULL, 10);
        nd_log(ND_LOG_WARN, NULL, "ND_TEST_CRON_MINUTE_MS=%lld: the cron clock runs fast "
               "(tests only)", (long long) ts->minute_ms);
    }
    ts->start_mono_ms = nd_sys_now_ms();
    ts->start_wall_ms = nd_sys_wall_ms();
    cron_arm(ts);
    return 0;
}

void
nd_timers_drain(struct nd_worker *w)
{
    if (w->timers != NULL && w->timers->cron_ev != NULL) {
        event_del(w->timers->cron_ev);
    }
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

/* --- per worker --------------------------------------------------------------------- */

int
nd_timers_init(struct nd_worker *w)
{
    struct nd_timers *ts = calloc(1, sizeof(*ts));

    if (ts == NULL) {
        return -1;
    }
    ts->w = w;
    ts->timer_ids = (struct nd_idmap) ND_IDMAP_INIT(struct nd_timer, app, id, hnext);
    ts->ioctx_ids = (struct nd_idmap) ND_IDMAP_INIT(struct nd_ioctx, app, id, hnext);
    ts->isweep = SWEEP_MIN;
    ts->next_sched_id = FIRST_SCHED_ID;
    ts->ev = evtimer_new(w->base, on_timer, ts);
    w->timers = ts;
    if (ts->ev == NULL || cron_init(ts) == -1) {
        nd_log(ND_LOG_ERROR, NULL, "cannot set up timers: out of memory");
        nd_timers_cleanup(w);
        return -1;
    }
    return 0;
}

/* After every app's resources were cancelled (nd_app_cleanup). */
void
nd_timers_cleanup(struct nd_worker *w)
{
    struct nd_timers *ts = w->timers;

    if (ts == NULL) {
        return;
    }
    while (ts->n > 0) {
        timer_free(ts->heap[0]);
    }
    nd_idmap_sweep(&ts->ioctx_ids, NULL, ioctx_drop);
    if (ts->ev != NULL) {
        event_free(ts->ev);
    }
    if (ts->cron_ev != NULL) {
        event_free(ts->cron_ev);
    }
    free(ts->crons);
    free(ts->heap);
    nd_idmap_free(&ts->timer_ids);
    nd_idmap_free(&ts->ioctx_ids);
    free(ts);
    w->timers = NULL;
}
