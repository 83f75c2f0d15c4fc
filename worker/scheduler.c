/*
 * The cron scheduler (see scheduler.h): one evtimer armed for the next
 * minute; at each minute, every cron entry that matches it (UTC) runs.
 */
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "common/cron.h"
#include "common/log.h"
#include "common/sys.h"
#include "worker/app.h"
#include "worker/invocation.h"
#include "worker/js/heap.h"
#include "worker/scheduler.h"

struct cron_entry {
    struct nd_app  *app;
    const char     *expr;           /* borrowed: the app's config */
    struct nd_cron  cron;
};

struct nd_scheduler {
    struct nd_worker  *w;
    struct cron_entry *crons;       /* owned */
    int                ncrons;
    struct event      *ev;          /* owned */
    int64_t            minute;      /* the minute the armed event is for */
    int64_t            minute_ms;   /* 60000, or ND_TEST_CRON_MINUTE_MS (tests) */
    int64_t            start_mono_ms, start_wall_ms;
};

/* GLOBAL: shared by every worker of every generation (mapped before the first
 * fork): the last cron minute run, so that a minute runs once even while two
 * generations overlap during a reload. */
static int64_t *g_cron_last;

int
nd_scheduler_global_init(void)
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
cron_now_ms(struct nd_scheduler *s)
{
    int64_t real = nd_sys_now_ms() - s->start_mono_ms;

    return s->start_wall_ms + real * 60000 / s->minute_ms;
}

static void
cron_arm(struct nd_scheduler *s)
{
    int64_t        now = cron_now_ms(s), wait;
    struct timeval tv;

    s->minute = now / 60000 + 1;
    wait = (s->minute * 60000 - now) * s->minute_ms / 60000 + 1;
    tv.tv_sec = (time_t) (wait / 1000);
    tv.tv_usec = (suseconds_t) (wait % 1000) * 1000;
    evtimer_add(s->ev, &tv);
}

static void
run_scheduled(struct nd_scheduler *s, struct cron_entry *e, int64_t when_ms)
{
    struct nd_app *app = e->app;
    struct nd_js  *js;
    char           msg[1024];
    double         id = nd_ioctx_sched_id(s->w);

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
    struct nd_scheduler *s = arg;
    int64_t              minute = s->minute, last;
    time_t               t = (time_t) (minute * 60);
    struct tm            tm;
    int                  i;

    if (s->w->draining) {
        return;
    }
    if (cron_now_ms(s) < minute * 60000) {
        cron_arm(s);            /* woke early */
        return;
    }
    last = g_cron_last != NULL ? __atomic_load_n(g_cron_last, __ATOMIC_SEQ_CST) : 0;
    if (g_cron_last == NULL || (last < minute
                                && __atomic_compare_exchange_n(g_cron_last, &last, minute, 0,
                                                               __ATOMIC_SEQ_CST,
                                                               __ATOMIC_SEQ_CST))) {
        gmtime_r(&t, &tm);
        for (i = 0; i < s->ncrons; i++) {
            if (nd_cron_match(&s->crons[i].cron, &tm)) {
                run_scheduled(s, &s->crons[i], minute * 60000);
            }
        }
    }
    cron_arm(s);
}

int
nd_scheduler_init(struct nd_worker *w)
{
    struct nd_scheduler *s;
    const char          *env = getenv("ND_TEST_CRON_MINUTE_MS");
    int                  i, j, n = 0;

    if (w->index != 0) {
        return 0;               /* cron runs in worker 0 of each generation only */
    }
    for (i = 0; i < w->napps; i++) {
        n += w->apps[i].conf->ncron;
    }
    if (n == 0) {
        return 0;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        goto fail;
    }
    w->scheduler = s;
    s->w = w;
    s->crons = calloc((size_t) n, sizeof(*s->crons));
    s->ev = evtimer_new(w->base, on_cron, s);
    if (s->crons == NULL || s->ev == NULL) {
        goto fail;
    }
    for (i = 0; i < w->napps; i++) {
        const struct nd_app_conf *c = w->apps[i].conf;
        for (j = 0; j < c->ncron; j++) {
            char msg[256];
            struct cron_entry *e = &s->crons[s->ncrons];
            if (nd_cron_parse(c->cron[j], &e->cron, msg, sizeof(msg)) == 0) {
                e->app = &w->apps[i];
                e->expr = c->cron[j];
                s->ncrons++;
            }
        }
    }
    s->minute_ms = 60000;
    if (env != NULL && strtol(env, NULL, 10) > 0) {
        s->minute_ms = strtol(env, NULL, 10);
        nd_log(ND_LOG_WARN, NULL, "ND_TEST_CRON_MINUTE_MS=%lld: the cron clock runs fast "
               "(tests only)", (long long) s->minute_ms);
    }
    s->start_mono_ms = nd_sys_now_ms();
    s->start_wall_ms = nd_sys_wall_ms();
    cron_arm(s);
    return 0;
fail:
    nd_log(ND_LOG_ERROR, NULL, "cannot set up cron: out of memory");
    nd_scheduler_cleanup(w);
    return -1;
}

void
nd_scheduler_drain(struct nd_worker *w)
{
    if (w->scheduler != NULL) {
        event_del(w->scheduler->ev);
    }
}

void
nd_scheduler_cleanup(struct nd_worker *w)
{
    struct nd_scheduler *s = w->scheduler;

    if (s == NULL) {
        return;
    }
    if (s->ev != NULL) {
        event_free(s->ev);
    }
    free(s->crons);
    free(s);
    w->scheduler = NULL;
}
