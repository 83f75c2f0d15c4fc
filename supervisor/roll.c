/*
 * Reload, like nginx's ngx_init_cycle: R1 load and check the config (the
 * compile check runs in a child, supervisor/check.c), R2 fork the new
 * generation, R3 wait until every new worker is READY, R4 the old generation
 * drains. Any failure before R4 kills the new generation; the old serves on.
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

#include "common/log.h"
#include "common/sys.h"
#include "supervisor/check.h"
#include "supervisor/roll.h"
#include "supervisor/spawn.h"
#include "supervisor/supervisor.h"
#include "supervisor/watch.h"
#include "worker/worker.h"

#define READY_TIMEOUT_MS    30000   /* R3: a new generation must be ready by then */

void
nd_roll_on_timeout(evutil_socket_t fd, short what, void *arg)
{
    nd_roll_abort(arg, "new workers were not ready in time");
}

/* Follows [server] watch of the serving config: starts or stops inotify. */
static void
watch_apply(struct nd_sv *sv)
{
    const struct nd_config *conf = sv->cur->conf;

    if (conf->server.watch && sv->watch == NULL) {
        sv->watch = nd_watch_new(sv, conf);
    } else if (!conf->server.watch && sv->watch != NULL) {
        nd_watch_free(sv->watch);
        sv->watch = NULL;
    } else {
        nd_watch_update(sv->watch, conf);
    }
}

static void reload_continue(struct nd_sv *sv, struct nd_config *conf, int64_t t0);
static void roll_done(struct nd_sv *sv);

/* R1's compile check is over (it ran in a child while the loop went on). */
static void
on_check_done(struct nd_check *ck, struct nd_config *conf, struct nd_errs *errs, void *arg)
{
    struct nd_sv *sv = arg;

    (void) ck;
    sv->check = NULL;
    sv->check_conf = NULL;
    if (sv->state != ND_SV_RUNNING) {
        nd_config_free(conf);
        return;
    }
    nd_sv_log_errs(errs, ND_LOG_WARN);
    reload_continue(sv, conf, sv->check_t0);
}

void
nd_sv_request_reload(struct nd_sv *sv, const char *why)
{
    struct nd_errs    errs;
    struct nd_config *conf;
    int64_t           t0 = nd_sys_now_ms();

    if (sv->state == ND_SV_STOPPING) {
        return;
    }
    if (sv->drain_pending) {
        nd_log(ND_LOG_INFO, NULL, "reload requested (%s) during a graceful stop's drain_delay: "
               "ignored", why);
        return;
    }
    if (sv->state == ND_SV_STARTING || sv->next_gen != NULL || sv->check != NULL) {
        if (!sv->reload_pending) {
            nd_log(ND_LOG_INFO, NULL, "reload requested (%s) during %s: queued", why,
                   sv->state == ND_SV_STARTING ? "start-up" : "a reload");
        }
        sv->reload_pending = 1;     /* coalesced: runs once when this roll ends */
        return;
    }
    nd_log(ND_LOG_INFO, NULL, "reloading %s (%s)", sv->conf_path, why);
    memset(&errs, 0, sizeof(errs));
    conf = nd_config_load(sv->conf_path, &errs);                    /* R1 */
    if (conf != NULL && nd_check_worker_files(conf, &errs) > 0) {
        nd_config_free(conf);
        conf = NULL;
    }
    if (conf != NULL) {
        nd_worker_check_limits(conf, &errs);    /* a warning on reload (logged below) */
    }
    nd_sv_log_errs(&errs, conf == NULL ? ND_LOG_ERROR : ND_LOG_WARN);
    if (conf == NULL) {
        sv->reloads_failed++;
        nd_log(ND_LOG_ERROR, NULL, "reload failed: %s has errors; still serving generation %d",
               sv->conf_path, sv->cur->id);
        nd_sv_sb_reload(sv, 0, "reload failed: the configuration has errors", &errs);
        return;
    }
    /* The scripts compile in a child: signals and respawns go on meanwhile. */
    sv->check = nd_check_apps_start(sv->base, conf, on_check_done, sv);
    if (sv->check == NULL) {
        nd_log_errno(ND_LOG_ERROR, NULL, errno, "reload failed: cannot start the compile "
                     "check; still serving generation %d", sv->cur->id);
        nd_config_free(conf);
        sv->reloads_failed++;
        nd_sv_sb_reload(sv, 0, "reload failed: cannot start the compile check", NULL);
        return;
    }
    sv->check_conf = conf;
    sv->check_t0 = t0;
}

static void
reload_continue(struct nd_sv *sv, struct nd_config *conf, int64_t t0)
{
    struct nd_errs errs;
    struct nd_gen *g;
    const char    *old_log;

    nd_sv_resolve_apps(sv, conf, sv->cur->conf);
    if ((conf->server.admin.text == NULL) != (sv->cur->conf->server.admin.text == NULL)
        || (conf->server.admin.text != NULL
            && strcmp(conf->server.admin.text, sv->cur->conf->server.admin.text) != 0)) {
        nd_log(ND_LOG_WARN, NULL, "admin_listen changed: the new address takes effect at the "
               "next restart (admin_token and access_log apply now)");
    }
    old_log = sv->cur->conf->server.error_log;
    if (strcmp(conf->server.error_log, old_log) != 0
        && nd_log_open(conf->server.error_log, NULL) == -1) {
        nd_log_errno(ND_LOG_ERROR, NULL, errno, "reload failed: cannot open error_log %s; "
                     "still serving generation %d", conf->server.error_log, sv->cur->id);
        nd_config_free(conf);
        sv->reloads_failed++;
        nd_sv_sb_reload(sv, 0, "reload failed: cannot open error_log", NULL);
        roll_done(sv);
        return;
    }
    memset(&errs, 0, sizeof(errs));
    g = nd_sv_gen_new(sv, conf, &errs);
    if (g == NULL) {
        nd_sv_log_errs(&errs, ND_LOG_ERROR);
        if (strcmp(conf->server.error_log, old_log) != 0) {
            nd_log_open(old_log, NULL);
        }
        nd_config_free(conf);
        sv->reloads_failed++;
        nd_log(ND_LOG_ERROR, NULL, "reload failed; still serving generation %d", sv->cur->id);
        nd_sv_sb_reload(sv, 0, "reload failed: cannot listen", &errs);
        roll_done(sv);
        return;
    }
    nd_spawn_own_logs(conf);     /* only once the reload can go ahead */
    g->started_ms = t0;
    nd_watch_update(sv->watch, conf);           /* edits from now on count */
    nd_roll_start(sv, g);                                           /* R2 */
}

void
nd_roll_start(struct nd_sv *sv, struct nd_gen *g)
{
    sv->next_gen = g;
    nd_sv_timer_ms(sv->roll_timer, READY_TIMEOUT_MS);
    nd_spawn_gen(sv, g);
}

static void
roll_done(struct nd_sv *sv)
{
    evtimer_del(sv->roll_timer);
    if (sv->reload_pending && sv->state == ND_SV_RUNNING) {
        sv->reload_pending = 0;
        nd_sv_request_reload(sv, "queued request");
    }
}

/* R3 reached: every new worker is ready. R4: the old generation drains. */
void
nd_roll_finish(struct nd_sv *sv)
{
    struct nd_gen   *old = sv->cur, *g = sv->next_gen;
    struct nd_wproc *p;

    evtimer_del(sv->roll_timer);
    sv->cur = g;
    sv->next_gen = NULL;
    watch_apply(sv);                /* before "ready"/"reload done": edits after them count */
    for (p = sv->procs; p != NULL; p = p->next) {
        if (p->gen != g) {
            nd_wproc_drain(sv, p);
        }
    }
    if (sv->state == ND_SV_STARTING) {
        char        gen[16], nw[16];
        const char *kv[] = { "generation", gen, "workers", nw, NULL };
        snprintf(gen, sizeof(gen), "%d", g->id);
        snprintf(nw, sizeof(nw), "%d", g->conf->server.workers);
        sv->state = ND_SV_RUNNING;
        nd_log_kv(ND_LOG_INFO, NULL, kv, "ready");
    } else {
        char        gen[16], ms[32];
        const char *kv[] = { "generation", gen, "reload_ms", ms, NULL };
        sv->reload_ms_last = nd_sys_now_ms() - g->started_ms;
        snprintf(gen, sizeof(gen), "%d", g->id);
        snprintf(ms, sizeof(ms), "%lld", (long long) sv->reload_ms_last);
        sv->reloads_ok++;
        nd_log_kv(ND_LOG_INFO, NULL, kv, "reload done: generation %d serving", g->id);
        {
            char text[128];
            snprintf(text, sizeof(text), "reload done: generation %d serving after %lld ms",
                     g->id, (long long) sv->reload_ms_last);
            nd_sv_sb_reload(sv, 1, text, NULL);
        }
    }
    nd_sv_sb_apps(g->conf);
    nd_sv_sb_update(sv);
    if (old != NULL) {
        nd_sv_gen_release(sv, old);       /* removed listeners close now */
        nd_sv_gen_maybe_free(sv, old);
    }
    nd_spawn_retire_pending(sv);
    roll_done(sv);
}

void
nd_roll_abort(struct nd_sv *sv, const char *why)
{
    struct nd_gen   *g = sv->next_gen;
    struct nd_wproc *p;

    if (g == NULL) {
        return;
    }
    sv->next_gen = NULL;
    for (p = sv->procs; p != NULL; p = p->next) {
        if (p->gen == g) {
            nd_wproc_terminate(p);
            kill(p->pid, SIGKILL);
        }
    }
    nd_sv_gen_release(sv, g);             /* listeners it added close now */
    if (sv->state == ND_SV_STARTING) {
        nd_log(ND_LOG_ERROR, NULL, "start failed: %s", why);
        sv->exit_code = 1;
        nd_sv_stop(sv, 0);
    } else {
        char text[256];
        sv->reloads_failed++;
        nd_log(ND_LOG_ERROR, NULL, "reload failed: %s; still serving generation %d", why,
               sv->cur->id);
        snprintf(text, sizeof(text), "reload failed: %s", why);
        nd_sv_sb_reload(sv, 0, text, NULL);
        if (strcmp(g->conf->server.error_log, sv->cur->conf->server.error_log) != 0) {
            nd_log_open(sv->cur->conf->server.error_log, NULL);
        }
        nd_watch_update(sv->watch, sv->cur->conf);
    }
    nd_sv_gen_maybe_free(sv, g);
    roll_done(sv);
}
