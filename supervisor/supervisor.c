/*
 * Supervisor: the state every part shares (generations, the scoreboard
 * header, app states), stop, signals and nd_sv_run(). Worker processes are
 * spawn.c, reloads (R1..R4) roll.c, the pid file pidfile.c.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/ipc.h"
#include "common/log.h"
#include "common/scoreboard.h"
#include "common/sys.h"
#include "supervisor/check.h"
#include "supervisor/pidfile.h"
#include "supervisor/roll.h"
#include "supervisor/spawn.h"
#include "supervisor/state.h"
#include "supervisor/supervisor.h"
#include "supervisor/watch.h"
#include "worker/worker.h"

/* --- errors and config --------------------------------------------------- */

void
nd_sv_log_errs(const struct nd_errs *errs, enum nd_log_level lvl)
{
    char line[1024];
    int  i;

    for (i = 0; i < errs->n; i++) {
        nd_err_format(&errs->e[i], line, sizeof(line));
        nd_log(lvl, NULL, "%s", line);
    }
    if (errs->dropped > 0) {
        nd_log(lvl, NULL, "... and %d more errors", errs->dropped);
    }
}

/* --- scoreboard header (common/scoreboard.h): the supervisor is its only writer */

void
nd_sv_sb_update(struct nd_sv *sv)
{
    struct nd_sb_header *h;
    struct nd_gen       *g = sv->cur != NULL ? sv->cur : sv->next_gen;

    if (nd_sb_map == NULL) {
        return;
    }
    h = nd_sb_map->hdr;
    h->reloads_ok = sv->reloads_ok;
    h->reloads_failed = sv->reloads_failed;
    if (g != NULL) {
        h->generation = g->id;
        h->workers_conf = g->conf->server.workers;
        h->workers_up = g->nready;
        h->full = sv->state == ND_SV_RUNNING && sv->cur != NULL && !sv->drain_pending
                  && g->nready >= g->conf->server.workers;
    } else {
        h->workers_up = 0;
        h->full = 0;
    }
    h->draining = sv->drain_pending;
}

/* The last reload's result for /status: why, then the config errors. */
void
nd_sv_sb_reload(struct nd_sv *sv, int ok, const char *why, const struct nd_errs *errs)
{
    char text[ND_SB_TEXT_MAX], line[512];
    int  i;
    size_t n;

    snprintf(text, sizeof(text), "%s", why);
    for (i = 0; errs != NULL && i < errs->n; i++) {
        nd_err_format(&errs->e[i], line, sizeof(line));
        n = strlen(text);
        snprintf(text + n, sizeof(text) - n, "\n%s", line);
    }
    nd_sb_set_reload(ok, text);
    nd_sv_sb_update(sv);
}

/*
 * R1, after the compile check: what each app runs. An app whose script (or
 * build) works runs it, and that source is kept in state_dir as its last good
 * version. An app whose script is broken (app->error) runs its last good
 * version, from prev (the serving config) or from state_dir: stale. With
 * none, it answers 503: failed. Logged for every app that is not ok.
 */
void
nd_sv_resolve_apps(struct nd_sv *sv, struct nd_config *conf, const struct nd_config *prev)
{
    const char *dir = conf->server.state_dir;
    char        msg[512];
    int         i, n[3] = { 0, 0, 0 }, state_ok, wrote = 0;

    state_ok = nd_state_prepare(dir, msg, sizeof(msg)) == 0;
    if (!state_ok && conf->napps > 0) {
        nd_log(ND_LOG_WARN, NULL, "state_dir: %s: last good versions are kept in memory only "
               "(a restart with a broken app cannot use them)", msg);
    }
    for (i = 0; i < conf->napps; i++) {
        struct nd_app_conf       *app = &conf->apps[i];
        const struct nd_app_conf *old = NULL;
        struct stat               st;
        int                       j;

        if (app->error == NULL && app->source != NULL) {
            app->state = ND_APP_OK;
            app->good_built_unix_ms = stat(app->script, &st) == 0
                ? (int64_t) st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000
                : nd_sys_wall_ms();
            if (state_ok) {
                int rc = nd_state_save(dir, app->name, app->source, app->source_len,
                                       app->good_built_unix_ms, msg, sizeof(msg));
                if (rc == -1) {
                    nd_log(ND_LOG_WARN, app->name, "cannot keep the last good version: %s",
                           msg);
                }
                wrote += rc == 1;
            }
            n[ND_APP_OK]++;
            continue;
        }
        for (j = 0; prev != NULL && j < prev->napps; j++) {
            if (strcmp(prev->apps[j].name, app->name) == 0
                && prev->apps[j].state != ND_APP_FAILED && prev->apps[j].source != NULL) {
                old = &prev->apps[j];
                break;
            }
        }
        free(app->source);
        app->source = NULL;
        app->source_len = 0;
        free(app->bytecode);
        app->bytecode = NULL;
        app->bytecode_len = 0;
        if (old != NULL) {
            app->source = malloc(old->source_len + 1);
            if (app->source != NULL) {
                memcpy(app->source, old->source, old->source_len + 1);
                app->source_len = old->source_len;
                app->good_built_unix_ms = old->good_built_unix_ms;
            }
            /* its compile's bytecode too (never from state_dir: workers
             * compile a version read back from disk) */
            if (app->source != NULL && old->bytecode != NULL
                && (app->bytecode = malloc(old->bytecode_len)) != NULL) {
                memcpy(app->bytecode, old->bytecode, old->bytecode_len);
                app->bytecode_len = old->bytecode_len;
            }
        } else if (state_ok) {
            app->source = nd_state_load(dir, app->name, &app->source_len,
                                        &app->good_built_unix_ms);
        }
        if (app->source != NULL) {
            char built[64];
            time_t t = (time_t) (app->good_built_unix_ms / 1000);
            struct tm tm;
            gmtime_r(&t, &tm);
            strftime(built, sizeof(built), "%Y-%m-%dT%H:%M:%SZ", &tm);
            app->state = ND_APP_STALE;
            nd_log(ND_LOG_WARN, app->name, "stale: running the last good version (built %s); "
                   "the current one is broken: %s", built, app->error);
        } else {
            app->state = ND_APP_FAILED;
            app->good_built_unix_ms = 0;
            snprintf(msg, sizeof(msg), "app \"%s\" has no working version: its script failed "
                     "to load and no earlier version worked (state failed; see the error log)",
                     app->name);
            free(app->load_error);
            app->load_error = strdup(msg);
            nd_log(ND_LOG_ERROR, app->name, "failed: answers 503 (no earlier version "
                   "worked): %s", app->error);
        }
        n[app->state]++;
    }
    if (wrote > 0) {
        nd_state_sync(dir);
    }
    nd_log(ND_LOG_INFO, NULL, "apps: %d ok, %d stale, %d failed", n[0], n[1], n[2]);
}

/* Publishes the serving config's app states for /status and /metrics. */
void
nd_sv_sb_apps(const struct nd_config *conf)
{
    int i;

    nd_sb_apps_forget();
    for (i = 0; i < conf->napps; i++) {
        const struct nd_app_conf *app = &conf->apps[i];
        nd_sb_set_app_state(app->sb_index, app->state + 1, app->good_built_unix_ms,
                            app->error != NULL ? app->error : "");
    }
}

/* --- generations ------------------------------------------------------------ */

struct nd_gen *
nd_sv_gen_new(struct nd_sv *sv, struct nd_config *conf, struct nd_errs *errs)
{
    struct nd_gen *g;
    int            i;

    g = calloc(1, sizeof(*g));
    if (g == NULL) {
        goto fail;
    }
    g->fds = calloc((size_t) conf->server.nlisten, sizeof(int));
    g->fails = calloc((size_t) conf->server.workers, sizeof(int));
    if (g->fds == NULL || g->fails == NULL) {
        goto fail;
    }
    if (nd_listen_acquire(&sv->listeners, conf, g->fds, errs) == -1) {
        free(g->fds);
        free(g->fails);
        free(g);
        return NULL;
    }
    g->conf = conf;
    g->id = ++sv->last_gen_id;
    for (i = 0; i < conf->napps; i++) {
        conf->apps[i].sb_index = nd_sb_app_index(conf->apps[i].name);
        if (conf->apps[i].sb_index == -1 && nd_sb_map != NULL) {
            nd_log(ND_LOG_WARN, conf->apps[i].name, "no room in the metrics table (%u apps): "
                   "this app gets no per-app metrics until a restart",
                   nd_sb_map->hdr->app_cap);
        }
    }
    g->started_ms = nd_sys_now_ms();
    g->next = sv->gens;
    sv->gens = g;
    return g;

fail:
    if (g != NULL) {
        free(g->fds);
        free(g->fails);
        free(g);
    }
    nd_errs_add(errs, conf->path, 0, "out of memory");
    return NULL;
}

/* Drops g's listener references: a listener no live generation uses is closed
 * now (its old workers close their copies when they drain). */
void
nd_sv_gen_release(struct nd_sv *sv, struct nd_gen *g)
{
    if (!g->released) {
        g->released = 1;
        nd_listen_release(&sv->listeners, g->conf);
    }
}

void
nd_sv_gen_maybe_free(struct nd_sv *sv, struct nd_gen *g)
{
    struct nd_gen **pp;

    if (g->nprocs > 0 || g == sv->cur || g == sv->next_gen) {
        return;
    }
    for (pp = &sv->gens; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == g) {
            *pp = g->next;
            break;
        }
    }
    nd_sv_gen_release(sv, g);
    nd_config_free(g->conf);
    free(g->fds);
    free(g->fails);
    free(g);
}

void
nd_sv_timer_ms(struct event *ev, int64_t ms)
{
    struct timeval tv;

    tv.tv_sec = (time_t) (ms / 1000);
    tv.tv_usec = (suseconds_t) (ms % 1000 * 1000);
    evtimer_add(ev, &tv);
}

/* --- stop -------------------------------------------------------------------- */

/* Graceful: every worker drains (killed after graceful_timeout). Fast: SIGTERM
 * now, SIGKILL after FAST_STOP_MS. A fast stop during a graceful one hurries it. */
void
nd_sv_stop(struct nd_sv *sv, int graceful)
{
    struct nd_wproc *p;
    struct nd_gen   *g = sv->next_gen;

    if (sv->check != NULL) {
        nd_check_cancel(sv->check);             /* a reload's compile check */
        nd_config_free(sv->check_conf);
        sv->check = NULL;
        sv->check_conf = NULL;
    }
    if (sv->drain_pending) {
        sv->drain_pending = 0;                  /* drain_delay over, or cut short by TERM */
        evtimer_del(sv->drain_timer);
    }
    if (sv->state != ND_SV_STOPPING) {
        sv->state = ND_SV_STOPPING;
        evtimer_del(sv->respawn_timer);
        evtimer_del(sv->roll_timer);
        sv->reload_pending = 0;
        nd_log(ND_LOG_INFO, NULL, "%s stop", graceful ? "graceful" : "fast");
    } else if (graceful) {
        return;
    } else {
        nd_log(ND_LOG_INFO, NULL, "fast stop (during a graceful one)");
    }
    if (sv->cur == NULL) {
        sv->cur = g;                /* stopping during start-up: its config rules */
        g = NULL;
    }
    sv->next_gen = NULL;            /* a reload in progress is abandoned */
    for (p = sv->procs; p != NULL; p = p->next) {
        if (graceful) {
            nd_wproc_drain(sv, p);
        } else {
            nd_wproc_terminate(p);
        }
    }
    if (g != NULL) {
        nd_sv_gen_release(sv, g);
        nd_sv_gen_maybe_free(sv, g);
    }
    if (sv->procs == NULL) {
        event_base_loopbreak(sv->base);
    }
}

/* SIGQUIT with drain_delay: /healthz turns 503 while everything still serves, so
 * that health-checking load balancers take this box out before its listeners close;
 * then the graceful stop. Another QUIT changes nothing; TERM stops at once. */
static void
stop_delayed(struct nd_sv *sv)
{
    const struct nd_gen *g = sv->cur;

    if (sv->drain_pending) {
        return;
    }
    if (sv->state != ND_SV_RUNNING || g == NULL || g->conf->server.drain_delay_ms <= 0) {
        nd_sv_stop(sv, 1);
        return;
    }
    sv->drain_pending = 1;
    nd_sv_sb_update(sv);
    nd_log(ND_LOG_INFO, NULL, "graceful stop: /healthz answers 503 for drain_delay (%lld ms) "
           "before the listeners close", (long long) g->conf->server.drain_delay_ms);
    nd_sv_timer_ms(sv->drain_timer, g->conf->server.drain_delay_ms);
}

static void
on_drain_delay(evutil_socket_t fd, short what, void *arg)
{
    struct nd_sv *sv = arg;

    nd_sv_stop(sv, 1);
}

/* --- signals ------------------------------------------------------------------ */

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct nd_sv    *sv = arg;
    struct nd_wproc *p;

    switch (sig) {
    case SIGCHLD:
        nd_spawn_reap(sv);
        break;
    case SIGTERM:
    case SIGINT:
        nd_sv_stop(sv, 0);
        break;
    case SIGQUIT:
        stop_delayed(sv);
        break;
    case SIGHUP:
    case SIGUSR2:
        nd_sv_request_reload(sv, sig == SIGHUP ? "SIGHUP" : "SIGUSR2");
        break;
    case SIGUSR1:
        (void) nd_log_reopen();         /* failures logged */
        if (sv->cur != NULL) {
            nd_spawn_own_logs(sv->cur->conf);
        }
        nd_log(ND_LOG_INFO, NULL, "log files reopened");
        for (p = sv->procs; p != NULL; p = p->next) {
            nd_wproc_send(p, ND_IPC_REOPEN);
        }
        break;
    }
}

/* --- run ---------------------------------------------------------------------- */

int
nd_sv_run(const char *conf_path, const char *pid_file)
{
    static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2 };
    struct nd_sv     sv;
    struct nd_errs   errs;
    struct nd_config *conf;
    struct nd_gen    *g;
    char             *pid_copy = NULL;
    int               i, code;

    memset(&sv, 0, sizeof(sv));
    memset(&errs, 0, sizeof(errs));
    sv.conf_path = conf_path;
    sv.state = ND_SV_STARTING;
    sv.pid_fds[0] = sv.pid_fds[1] = -1;
    sv.admin_fd = -1;

    conf = nd_config_load(conf_path, &errs);
    if (conf != NULL && (nd_check_worker_files(conf, &errs) > 0
                         || nd_worker_check_limits(conf, &errs) > 0)) {
        nd_config_free(conf);
        conf = NULL;
    }
    if (conf == NULL) {
        char line[1024];
        for (i = 0; i < errs.n; i++) {
            nd_err_format(&errs.e[i], line, sizeof(line));
            fprintf(stderr, "%s\n", line);
        }
        fprintf(stderr, "nanod: %s has errors; not starting\n", conf_path);
        return 78;                  /* EX_CONFIG */
    }
    /* Broken apps do not stop the start: they run their last good version. */
    nd_check_apps_sync(conf, &errs);
    if (nd_log_open(conf->server.error_log, "supervisor") == -1) {
        fprintf(stderr, "nanod: cannot open error_log %s: %s\n", conf->server.error_log,
                strerror(errno));
        nd_config_free(conf);
        return 78;
    }
    nd_sv_log_errs(&errs, ND_LOG_WARN);
    nd_sv_resolve_apps(&sv, conf, NULL);
    nd_spawn_own_logs(conf);
    if ((conf->server.uid >= 0 || conf->server.gid >= 0) && geteuid() != 0) {
        nd_log(ND_LOG_WARN, NULL, "[server] user/group ignored: not running as root");
    }
    if (pid_file == NULL && conf->server.pid_file != NULL) {
        pid_file = pid_copy = strdup(conf->server.pid_file);
    }
    if (pid_file != NULL && nd_pidfile_take(pid_file, sv.pid_fds) == -1) {
        nd_config_free(conf);
        free(pid_copy);
        return 1;
    }
    sv.pid_file = pid_file;
    signal(SIGPIPE, SIG_IGN);
    {
        /* Slots: both generations of a reload, plus retire successors. Apps: room to grow
         * through reloads. Untouched pages of the mapping cost nothing. */
        uint32_t nslots = (uint32_t) conf->server.workers * 3 + 4;
        uint32_t cap = (uint32_t) conf->napps * 2 > 1024 ? (uint32_t) conf->napps * 2 : 1024;
        if (nd_sb_create(nslots, cap) == -1) {
            nd_log_errno(ND_LOG_WARN, NULL, errno, "mmap() of the scoreboard failed: no "
                         "metrics or status");
        }
    }
    if (nd_worker_global_init() == -1) {
        nd_log(ND_LOG_ERROR, NULL, "global initialization failed");
        code = 1;
        goto out_conf;
    }
    sv.base = event_base_new();
    if (sv.base == NULL) {
        nd_log(ND_LOG_ERROR, NULL, "event_base_new() failed");
        code = 1;
        goto out_conf;
    }
    for (i = 0; i < (int) (sizeof(sigs) / sizeof(sigs[0])); i++) {
        sv.sig_ev[i] = evsignal_new(sv.base, sigs[i], on_signal, &sv);
        evsignal_add(sv.sig_ev[i], NULL);
    }
    sv.nsig = i;
    sv.roll_timer = evtimer_new(sv.base, nd_roll_on_timeout, &sv);
    sv.respawn_timer = evtimer_new(sv.base, nd_spawn_on_respawn, &sv);
    sv.drain_timer = evtimer_new(sv.base, on_drain_delay, &sv);

    g = nd_sv_gen_new(&sv, conf, &errs);
    if (g == NULL) {
        nd_sv_log_errs(&errs, ND_LOG_ERROR);
        nd_log(ND_LOG_ERROR, NULL, "cannot listen; not starting");
        code = 1;
        goto out_base;
    }
    conf = NULL;                    /* owned by g */
    if (g->conf->server.admin.text != NULL) {
        memset(&errs, 0, sizeof(errs));
        sv.admin_fd = nd_listen_bind(&g->conf->server.admin, g->conf->path, &errs);
        if (sv.admin_fd == -1) {
            nd_sv_log_errs(&errs, ND_LOG_ERROR);
            nd_log(ND_LOG_ERROR, NULL, "cannot listen on admin_listen; not starting");
            code = 1;
            goto out_gens;
        }
    }
    if (g->conf->server.watch) {
        sv.watch = nd_watch_new(&sv, g->conf);
    }
    nd_log(ND_LOG_INFO, NULL, "starting %s: %d apps, %d workers, generation %d", conf_path,
           g->conf->napps, g->conf->server.workers, g->id);
    nd_roll_start(&sv, g);

    event_base_dispatch(sv.base);

    code = sv.exit_code;
    nd_log(ND_LOG_INFO, NULL, "stopped");
out_gens:                           /* a start that failed after the first generation */
    nd_watch_free(sv.watch);
    while (sv.procs != NULL) {
        kill(sv.procs->pid, SIGKILL);
        waitpid(sv.procs->pid, NULL, 0);
        nd_wproc_remove(&sv, sv.procs);
    }
    sv.cur = NULL;
    sv.next_gen = NULL;
    while (sv.gens != NULL) {
        nd_sv_gen_maybe_free(&sv, sv.gens);
    }
out_base:
    nd_listen_close_all(&sv.listeners);
    if (sv.admin_fd != -1) {
        close(sv.admin_fd);
    }
    for (i = 0; i < sv.nsig; i++) {
        event_free(sv.sig_ev[i]);
    }
    if (sv.roll_timer != NULL) {
        event_free(sv.roll_timer);
        event_free(sv.respawn_timer);
    }
    if (sv.drain_timer != NULL) {
        event_free(sv.drain_timer);
    }
    event_base_free(sv.base);
out_conf:
    nd_config_free(conf);
    nd_pidfile_release(sv.pid_file, sv.pid_fds);
    free(pid_copy);
    return code;
}

