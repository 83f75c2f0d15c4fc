/*
 * The worker process: event loop, listeners, router, apps; talks to the
 * supervisor over its ipc socket (READY, RETIRE, DRAIN, REOPEN).
 */
#include <curl/curl.h>
#include <errno.h>
#include <event2/event.h>
#include <llhttp.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/bytecode.h"
#include "common/ipc.h"
#include "common/log.h"
#include "common/scoreboard.h"
#include "common/sys.h"
#include "duktape.h"
#include "worker/access.h"
#include "worker/admin.h"
#include "worker/app.h"
#include "worker/binding.h"
#include "worker/fetch.h"
#include "worker/js/bind_webapi.h"
#include "worker/js/heap.h"
#include "worker/js/kv_redis.h"
#include "worker/js/loader.h"
#include "worker/router.h"
#include "worker/srcmap.h"
#include "worker/invocation.h"
#include "worker/scheduler.h"
#include "worker/timer.h"
#include "worker/worker.h"

#define ND_VERSION "0.1.0"

#define RSS_CHECK_MS 1000
#define SB_RSS_MS    2000           /* scoreboard RSS refresh */
#define FD_RESERVE   1024           /* descriptors beyond max_connections: listeners, logs,
                                       fetch() sockets, ipc, epoll */
#define TRIM_BYTES   (16u << 20)    /* request buffers freed before a malloc_trim */
#define MMAP_BYTES   (128 * 1024)   /* malloc's mmap threshold, kept fixed (see main) */

struct worker_proc {
    struct nd_worker  w;            /* first: on_request gets &w */
    int               ipc_fd;
    struct event     *ipc_ev;
    struct event     *sig_ev[5];
    struct event     *rss_ev;       /* worker_rss_limit check, or NULL */
    struct event     *sb_ev;        /* scoreboard RSS refresh, or NULL */
    const int        *listen_fds;   /* borrowed: args; closed when draining */
    int               nlisten;
    int               retiring;     /* RETIRE sent */
    int               exit_code;
};

/* max_requests or worker_rss_limit reached: asks the supervisor (once) for a
 * successor in our slot. We serve on until it is ready and DRAIN comes. */
static void
retire(struct worker_proc *p, const char *why)
{
    char    text[200];
    int32_t n = p->w.requests > INT32_MAX ? INT32_MAX : (int32_t) p->w.requests;

    if (p->retiring || p->w.draining) {
        return;
    }
    p->retiring = 1;
    snprintf(text, sizeof(text), "%s, after %llu requests", why,
             (unsigned long long) p->w.requests);
    if (nd_ipc_send(p->ipc_fd, ND_IPC_RETIRE, n, text) == -1) {
        nd_log_errno(ND_LOG_WARN, NULL, errno, "cannot ask the supervisor for a replacement");
    }
}

static void
on_rss_check(evutil_socket_t fd, short what, void *arg)
{
    struct worker_proc *p = arg;
    int64_t             rss = nd_sys_rss(0), limit = p->w.conf->server.worker_rss_limit;
    char                why[128];

    if (rss > limit) {
        snprintf(why, sizeof(why), "RSS %lld KiB over worker_rss_limit (%lld KiB)",
                 (long long) (rss / 1024), (long long) (limit / 1024));
        retire(p, why);
        event_del(p->rss_ev);
    }
}

/* Every 2 s: RSS into the scoreboard slot; retire when heaps dropped after
 * fatal errors (never freed: they may be corrupt) hold too much memory. */
#define GRAVEYARD_RETIRE_BYTES (64u << 20)

static void
on_sb_rss(evutil_socket_t fd, short what, void *arg)
{
    struct worker_proc *p = arg;
    struct nd_sb_slot  *s = nd_sb_my_slot();
    size_t              dead = nd_js_graveyard_bytes();

    if (p->w.http != NULL && nd_http_take_freed(p->w.http) >= TRIM_BYTES) {
        malloc_trim(0);     /* request bodies were freed: give the pages back */
    }
    if (s != NULL) {
        s->rss = nd_sys_rss(0);
        if (p->w.http != NULL) {
            s->conns = nd_http_nconns(p->w.http);
        }
    }
    if (dead > GRAVEYARD_RETIRE_BYTES) {
        char why[128];
        snprintf(why, sizeof(why), "heaps dropped after fatal errors hold %zu KiB", dead / 1024);
        retire(p, why);
    }
}

/* After each accepted connection (http.c): asks to pause accepting when the
 * other ready workers of our generation hold far fewer (nginx's accept_disabled,
 * relative): the listeners are shared, and without it the worker that wakes
 * first takes a whole burst of connections. Every worker publishes its count on
 * each accept and close (nd_http_conf.nconns_out): a count published only on
 * accept stayed at the last burst's size after its clients left, and the next
 * burst then went to whichever worker woke first (1542/462 of 2,000 seen). A
 * worker yields above the others' average + 1/8 + 16 (was + 1/2 + 4, which let
 * 2,000 connections split 1200/800: its clients wait 1.5 x as long). */
static int
accept_yield(int nconns, void *arg)
{
    struct nd_sb_slot *me = nd_sb_my_slot();
    int64_t            sum = 0;
    int                i, n = 0;

    if (me == NULL) {
        return 0;
    }
    me->conns = nconns;         /* also done by http.c (nconns_out) */
    for (i = 0; i < (int) nd_sb_map->hdr->nslots; i++) {
        const struct nd_sb_slot *o = &nd_sb_map->slots[i];
        if (o != me && o->pid > 0 && o->state == ND_SB_READY
            && o->generation == me->generation) {
            sum += o->conns;
            n++;
        }
    }
    return n > 0 && (int64_t) nconns * n > sum + sum / 8 + 16 * n;
}

/* The descriptors a worker needs: max_connections plus FD_RESERVE. */
static rlim_t
fds_needed(const struct nd_server_conf *sc)
{
    return (rlim_t) sc->max_connections + FD_RESERVE;
}

/* Raises RLIMIT_NOFILE to fit max_connections (nginx's worker_rlimit_nofile):
 * the soft limit up to the hard one, the hard one too when privileged. 0, or -1
 * with the limits it could not pass in *have. */
static int
raise_nofile(rlim_t need, struct rlimit *have)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, have) == -1) {
        return -1;
    }
    if (have->rlim_cur != RLIM_INFINITY && have->rlim_cur < need) {
        rl.rlim_cur = need;
        rl.rlim_max = have->rlim_max != RLIM_INFINITY && have->rlim_max < need
                      ? need : have->rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
            if (have->rlim_max == RLIM_INFINITY || have->rlim_max <= have->rlim_cur) {
                return -1;
            }
            rl.rlim_cur = have->rlim_max;       /* as far as allowed */
            rl.rlim_max = have->rlim_max;
            if (setrlimit(RLIMIT_NOFILE, &rl) == 0) {
                have->rlim_cur = have->rlim_max;
            }
            return -1;
        }
        have->rlim_cur = rl.rlim_cur;
        have->rlim_max = rl.rlim_max;
    }
    return 0;
}

/* A response is out: metrics and the access log. */
static void
on_done(struct nd_req *req, const struct nd_http_done *d, void *arg)
{
    struct nd_app *app = req->udata;
    int64_t        now = nd_sys_now_us();

    if (app != NULL) {
        nd_sb_request(app->conf->sb_index, d->status, now - req->start_us, req->cpu_us,
                      d->bytes_in, d->bytes_out);
    }
    nd_access_log(req, app != NULL ? app->conf->name : NULL, d, now);
}

/* The app for req's Host. The router is a pure function of the header's bytes
 * and never changes in a worker, so the last match is kept: clients send the
 * same Host over and over, and nd_host_normalize + the lookup cost ~370
 * instructions a request (scripts/bench/worker-callgrind). */
static struct nd_app *
route(struct nd_worker *w, const struct nd_req *req)
{
    struct nd_app *app;

    if (req->host == NULL) {
        return nd_router_match(w->router, "", 0);
    }
    if (w->route_app != NULL && req->host_len == w->route_len
        && memcmp(req->host, w->route_host, req->host_len) == 0) {
        return w->route_app;
    }
    app = nd_router_match(w->router, req->host, req->host_len);
    if (app != NULL && req->host_len <= sizeof(w->route_host)) {
        memcpy(w->route_host, req->host, req->host_len);
        w->route_len = req->host_len;
        w->route_app = app;
    }
    return app;
}

static void
on_request(struct nd_req *req, void *arg)
{
    struct nd_worker  *w = arg;
    struct nd_app     *app;
    struct nd_sb_slot *s = nd_sb_my_slot();

    w->requests++;
    if (s != NULL) {
        s->requests = w->requests;
    }
    nd_request_id(req);
    if (w->conf->server.max_requests > 0
        && w->requests == (uint64_t) w->conf->server.max_requests) {
        retire((struct worker_proc *) w, "max_requests reached");
    }
    if (req->host == NULL && (req->http_major > 1 || (req->http_major == 1
                                                       && req->http_minor >= 1))) {
        nd_worker_respond_text(req, 400, "Bad Request: missing Host header");
        return;
    }
    app = route(w, req);
    if (app == NULL) {
        nd_worker_respond_text(req, 404, "Not Found: no app serves host \"%.*s\"",
                               req->host != NULL ? (int) (req->host_len > 200 ? 200
                                                                                : req->host_len)
                                                 : 0,
                               req->host != NULL ? req->host : "");
        return;
    }
    req->udata = app;
    nd_app_handle(app, req);
}

/* Connections are gone; exit once background work (waitUntil...) is done too. */
static void
on_idle(void *arg)
{
    struct worker_proc *p = arg;

    if (p->w.holds == 0) {
        event_base_loopbreak(p->w.base);
    }
}

static void
on_drained(void *arg)
{
    struct worker_proc *p = arg;

    p->w.idle_cb = on_idle;
    p->w.idle_arg = p;
    on_idle(p);
}

static void
start_drain(struct worker_proc *p)
{
    int i;

    if (p->w.draining) {
        return;
    }
    p->w.draining = 1;
    if (nd_sb_my_slot() != NULL) {
        nd_sb_my_slot()->state = ND_SB_DRAINING;
    }
    nd_admin_drain();
    nd_scheduler_drain(&p->w);
    nd_log(ND_LOG_INFO, NULL, "draining: finishing requests in flight");
    if (p->rss_ev != NULL) {
        event_del(p->rss_ev);
    }
    nd_http_drain(p->w.http, on_drained, p);
    /* Our copies of the listeners: the sockets live on in the supervisor and the
     * new workers; one removed from the config closes once the last copy does. */
    for (i = 0; i < p->nlisten; i++) {
        close(p->listen_fds[i]);
    }
    p->nlisten = 0;
}

static void
on_ipc(evutil_socket_t fd, short what, void *arg)
{
    struct worker_proc *p = arg;
    struct nd_ipc_msg   msg;
    int                 r;

    while ((r = nd_ipc_recv(fd, &msg)) == 1) {
        if (msg.type == ND_IPC_DRAIN) {
            start_drain(p);
        } else if (msg.type == ND_IPC_REOPEN) {
            (void) nd_log_reopen();     /* every log file; failures logged */
        }
    }
    if (r == 0) {
        /* The supervisor is gone: finish what we have and leave. */
        event_del(p->ipc_ev);
        start_drain(p);
    }
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct worker_proc *p = arg;

    switch (sig) {
    case SIGTERM:
    case SIGINT:
        event_base_loopbreak(p->w.base);
        break;
    case SIGQUIT:
        start_drain(p);
        break;
    case SIGUSR1:
        (void) nd_log_reopen();
        break;
    default:
        break;          /* SIGHUP/SIGUSR2 are the supervisor's */
    }
}

static int
build_router(struct nd_worker *w, char *msg, size_t size)
{
    int i, j;

    w->router = nd_router_new();
    if (w->router == NULL) {
        snprintf(msg, size, "out of memory");
        return -1;
    }
    for (i = 0; i < w->napps; i++) {
        const struct nd_app_conf *c = w->apps[i].conf;
        for (j = 0; j < c->nhosts; j++) {
            if (nd_router_add(w->router, c->hosts[j], &w->apps[i]) == -1) {
                snprintf(msg, size, "cannot route host %s", c->hosts[j]);
                return -1;
            }
        }
        if (c->is_default) {
            nd_router_set_default(w->router, &w->apps[i]);
        }
    }
    return 0;
}

int
nd_worker_main(const struct nd_worker_args *args)
{
    static const int    sigs[] = { SIGTERM, SIGINT, SIGQUIT, SIGUSR1, SIGHUP };
    struct worker_proc  p;
    struct nd_worker   *w = &p.w;
    const struct nd_server_conf *sc = &args->conf->server;
    struct nd_http_conf hc;
    char                msg[1024];
    int                 i;

    memset(&p, 0, sizeof(p));
    nd_log_set_role("worker");
    nd_sys_cpu_est_reset();
    signal(SIGUSR2, SIG_IGN);
    p.ipc_fd = args->ipc_fd;
    w->conf = args->conf;
    w->generation = args->generation;
    w->index = args->index;
    nd_sb_self = args->sb_slot;
    if (nd_sb_my_slot() != NULL) {
        struct nd_sb_slot *s = nd_sb_my_slot();
        s->pid = (int32_t) getpid();
        s->generation = args->generation;
        s->index = args->index;
        s->requests = 0;
        s->rss = nd_sys_rss(0);
        s->state = ND_SB_STARTING;
    }
    if (nd_slowlog_open(sc->slowlog, sc->slowlog_threshold_ms) == -1) {
        nd_log_errno(ND_LOG_ERROR, NULL, errno, "cannot open slowlog %s", sc->slowlog);
    }
    if (nd_access_open(sc->access_log) == -1) {
        snprintf(msg, sizeof(msg), "cannot open access_log %s: %s", sc->access_log,
                 strerror(errno));
        nd_ipc_send(p.ipc_fd, ND_IPC_FAILED, 0, msg);
        return 1;
    }
    w->base = event_base_new();
    if (w->base == NULL) {
        nd_ipc_send(p.ipc_fd, ND_IPC_FAILED, 0, "event_base_new() failed");
        return 1;
    }
    nd_access_set_base(w->base);
    for (i = 0; i < (int) (sizeof(sigs) / sizeof(sigs[0])); i++) {
        p.sig_ev[i] = evsignal_new(w->base, sigs[i], on_signal, &p);
        evsignal_add(p.sig_ev[i], NULL);
    }
    p.ipc_ev = event_new(w->base, p.ipc_fd, EV_READ | EV_PERSIST, on_ipc, &p);
    event_add(p.ipc_ev, NULL);

    w->napps = args->conf->napps;
    w->apps = calloc((size_t) (w->napps > 0 ? w->napps : 1), sizeof(*w->apps));
    if (w->apps == NULL) {
        snprintf(msg, sizeof(msg), "out of memory");
        goto fail;
    }
    for (i = 0; i < w->napps; i++) {
        nd_app_init(&w->apps[i], w, &args->conf->apps[i]);
    }
    if (build_router(w, msg, sizeof(msg)) == -1 || nd_js_boot_init(msg, sizeof(msg)) == -1) {
        goto fail;
    }
    if (nd_invocations_init(w) == -1 || nd_timers_init(w) == -1 || nd_scheduler_init(w) == -1) {
        snprintf(msg, sizeof(msg), "cannot set up timers");
        goto fail;
    }
    if (nd_js_watchdog_start() == -1) {
        nd_log_errno(ND_LOG_WARN, NULL, errno, "cannot start the CPU watchdog timer: cpu_limit "
                     "is checked between bytecode instructions only");
    }
    /* Big blocks (request bodies, fetch buffers) come from mmap and go back to the
     * system when freed: a fixed threshold stops glibc from raising it after the
     * first big free, after which 1 MB bodies piled up in the heap (issue 15: 1.75
     * GB stayed resident after 2,000 partial uploads closed). */
    mallopt(M_MMAP_THRESHOLD, MMAP_BYTES);
    memset(&hc, 0, sizeof(hc));
    hc.max_connections = sc->max_connections;
    {
        struct rlimit have;

        if (raise_nofile(fds_needed(sc), &have) == -1) {
            int fit = have.rlim_cur > 2 * FD_RESERVE ? (int) (have.rlim_cur - FD_RESERVE)
                                                     : (int) (have.rlim_cur / 2);
            if (fit < hc.max_connections) {
                hc.max_connections = fit > 1 ? fit : 1;
            }
            nd_log(ND_LOG_WARN, NULL, "RLIMIT_NOFILE is %llu (hard %llu), too low for "
                   "max_connections %d + %d: serving at most %d connections",
                   (unsigned long long) have.rlim_cur, (unsigned long long) have.rlim_max,
                   sc->max_connections, FD_RESERVE, hc.max_connections);
        }
    }
    hc.max_header_size = sc->max_header_size;
    hc.max_url_size = sc->max_url_size;
    hc.max_body_size = sc->limits.max_body_size;
    for (i = 0; i < args->conf->napps; i++) {
        if (args->conf->apps[i].limits.max_body_size > hc.max_body_size) {
            hc.max_body_size = args->conf->apps[i].limits.max_body_size;
        }
    }
    hc.header_timeout_ms = sc->client_header_timeout_ms;
    hc.body_timeout_ms = sc->client_body_timeout_ms;
    hc.keepalive_timeout_ms = sc->keepalive_timeout_ms;
    hc.body_min_rate = sc->client_body_min_rate;
    hc.max_body_memory = sc->max_body_memory;
    hc.trusted = sc->trusted_proxies;
    hc.ntrusted = sc->ntrusted_proxies;
    hc.on_done = on_done;
    hc.done_arg = w;
    hc.accept_yield = accept_yield;
    hc.nconns_out = nd_sb_my_slot() != NULL ? &nd_sb_my_slot()->conns : NULL;
    w->http = nd_http_new(w->base, &hc, on_request, w);
    hc.accept_yield = NULL;     /* not for the admin listener below */
    hc.nconns_out = NULL;
    if (w->http == NULL) {
        snprintf(msg, sizeof(msg), "cannot create the HTTP layer");
        goto fail;
    }
    for (i = 0; i < args->nlisten; i++) {
        if (nd_http_listen_pp(w->http, args->listen_fds[i], sc->listen[i].proxy_protocol)
            == -1) {
            snprintf(msg, sizeof(msg), "cannot listen on %s", sc->listen[i].text);
            goto fail;
        }
    }
    p.listen_fds = args->listen_fds;
    p.nlisten = args->nlisten;
    if (args->admin_fd != -1
        && nd_admin_start(w->base, &hc, args->admin_fd, sc->admin_token) == -1) {
        snprintf(msg, sizeof(msg), "cannot serve admin_listen %s", sc->admin.text);
        goto fail;
    }
    {
        struct timeval tv = { SB_RSS_MS / 1000, SB_RSS_MS % 1000 * 1000 };

        p.sb_ev = event_new(w->base, -1, EV_PERSIST, on_sb_rss, &p);
        if (p.sb_ev != NULL) {
            event_add(p.sb_ev, &tv);
        }
    }
    if (sc->worker_rss_limit > 0) {
        struct timeval tv = { RSS_CHECK_MS / 1000, RSS_CHECK_MS % 1000 * 1000 };

        p.rss_ev = event_new(w->base, -1, EV_PERSIST, on_rss_check, &p);
        if (p.rss_ev != NULL) {
            event_add(p.rss_ev, &tv);
        }
    }
    if (nd_sb_my_slot() != NULL) {
        nd_sb_my_slot()->state = ND_SB_READY;
    }
    nd_ipc_send(p.ipc_fd, ND_IPC_READY, 0, NULL);

    event_base_dispatch(w->base);

    nd_log(ND_LOG_INFO, NULL, "worker %d exits after %llu requests", w->index,
           (unsigned long long) w->requests);
    goto cleanup;

fail:
    nd_log(ND_LOG_ERROR, NULL, "worker %d cannot start: %s", args->index, msg);
    nd_ipc_send(p.ipc_fd, ND_IPC_FAILED, 0, msg);
    p.exit_code = 1;

cleanup:
    for (i = 0; w->apps != NULL && i < w->napps; i++) {
        nd_app_cleanup(&w->apps[i]);
    }
    nd_kv_redis_shutdown();     /* after the apps: their calls are cancelled by now */
    nd_binding_free();
    nd_fetch_cleanup(w);
    nd_timers_cleanup(w);
    nd_scheduler_cleanup(w);
    nd_invocations_cleanup(w);
    if (w->http != NULL) {
        nd_http_free(w->http);
    }
    nd_admin_free();
    nd_access_close();
    nd_router_free(w->router);
    free(w->apps);
    free(w->slots);
    nd_app_rq_pool_free(w);
    nd_app_sweep_free(w);
    for (i = 0; i < (int) (sizeof(sigs) / sizeof(sigs[0])); i++) {
        if (p.sig_ev[i] != NULL) {
            event_free(p.sig_ev[i]);
        }
    }
    if (p.rss_ev != NULL) {
        event_free(p.rss_ev);
    }
    if (p.sb_ev != NULL) {
        event_free(p.sb_ev);
    }
    event_free(p.ipc_ev);
    close(p.ipc_fd);
    event_base_free(w->base);
    return p.exit_code;
}

int
nd_worker_check_limits(const struct nd_config *conf, struct nd_errs *errs)
{
    struct rlimit have;

    /* Here, in the supervisor (still root when started so), the limit is raised
     * for the workers to inherit. Past what can be had: an error when
     * max_connections is set in the file (the start refuses the config; a
     * reload goes on with a warning), else the workers serve fewer. */
    if (raise_nofile(fds_needed(&conf->server), &have) == -1
        && conf->server.max_connections_line > 0) {
        nd_errs_add(errs, conf->path, conf->server.max_connections_line,
                    "max_connections = %d needs %llu open files per worker, but RLIMIT_NOFILE "
                    "is %llu (hard limit %llu): raise it (ulimit -n, LimitNOFILE= in "
                    "nanod.service) or lower max_connections", conf->server.max_connections,
                    (unsigned long long) fds_needed(&conf->server),
                    (unsigned long long) have.rlim_cur, (unsigned long long) have.rlim_max);
        return 1;
    }
    return 0;
}

int
nd_worker_check_each(const struct nd_config *conf, int dump, nd_worker_check_cb *cb, void *arg)
{
    struct nd_loader_checker *c = nd_loader_checker_new();
    char                      msg[1024];
    int                       i, line, nfailed = 0;
    void                     *code;
    size_t                    code_len;

    if (c == NULL) {
        return -1;
    }
    for (i = 0; i < conf->napps; i++) {
        const struct nd_app_conf *app = &conf->apps[i];

        if (app->source == NULL) {
            continue;       /* config.c reported why (app->error) */
        }
        if (nd_loader_check_dump(c, app->script, app->source, app->source_len,
                                 (size_t) app->limits.memory_limit, &line, msg, sizeof(msg),
                                 dump ? &code : NULL, &code_len) == -1) {
            char   src[512];
            int    src_line;
            size_t n = strlen(msg);

            /* A built app: the source line too (worker/srcmap.c). */
            if (line > 0 && nd_srcmap_line(app->script, line, src, sizeof(src), &src_line)) {
                snprintf(msg + n, sizeof(msg) - n, " (built from %s:%d)", src, src_line);
            }
            nfailed++;
            cb(i, line, msg, NULL, 0, arg);
        } else if (dump && code != NULL) {
            /* what the workers load instead of compiling (app.c) */
            size_t blob_len;
            void  *blob = nd_bytecode_wrap(code, code_len, app->source, app->source_len,
                                           (uint32_t) DUK_VERSION, &blob_len);
            free(code);
            cb(i, -1, NULL, blob, blob != NULL ? blob_len : 0, arg);
            free(blob);
        } else {
            cb(i, -1, NULL, NULL, 0, arg);
        }
    }
    nd_loader_checker_free(c);
    return nfailed;
}

struct check_arg {
    const struct nd_config *conf;
    struct nd_errs         *errs;
    char                   *failed;
};

static void
check_one(int i, int line, const char *msg, const void *code, size_t code_len, void *arg)
{
    struct check_arg *a = arg;

    if (msg == NULL) {
        return;
    }
    nd_errs_add(a->errs, a->conf->apps[i].script, line, "%s", msg);
    if (a->failed != NULL) {
        a->failed[i] = 1;
    }
}

int
nd_worker_check(const struct nd_config *conf, struct nd_errs *errs, char *failed)
{
    struct check_arg a = { conf, errs, failed };
    int              n = nd_worker_check_limits(conf, errs);

    n += nd_worker_check_each(conf, 0, check_one, &a);

    if (n == -1) {
        nd_errs_add(errs, conf->path, 0, "out of memory");
        return conf->napps;
    }
    return n;
}

int
nd_worker_global_init(void)
{
    char msg[1024];

    if (nd_scheduler_global_init() == -1) {
        return -1;
    }
    /* Compile the bootstrap (eager and lazy files) once, here, before the
     * first fork: every worker of every generation inherits the bytecode
     * copy-on-write instead of spending ~50 ms compiling it again. */
    if (nd_js_boot_init(msg, sizeof(msg)) == -1 || nd_boot_lazy_init(msg, sizeof(msg)) == -1) {
        nd_log(ND_LOG_ERROR, NULL, "cannot compile the bootstrap: %s", msg);
        return -1;
    }
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

const char *
nd_worker_versions(void)
{
    static char buf[256];

    snprintf(buf, sizeof(buf), "nanod/%s duktape/%ld.%ld.%ld libevent/%s libcurl/%s llhttp/%d.%d.%d",
             ND_VERSION, (long) DUK_VERSION / 10000, (long) DUK_VERSION / 100 % 100,
             (long) DUK_VERSION % 100, event_get_version(), curl_version_info(CURLVERSION_NOW)->version,
             LLHTTP_VERSION_MAJOR, LLHTTP_VERSION_MINOR, LLHTTP_VERSION_PATCH);
    return buf;
}
