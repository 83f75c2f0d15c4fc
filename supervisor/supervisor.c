/*
 * Supervisor: generations, worker processes, signals, reload (R1..R4).
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
#include <unistd.h>

#include "common/ipc.h"
#include "common/log.h"
#include "common/sys.h"
#include "supervisor/supervisor.h"
#include "supervisor/watch.h"
#include "worker/worker.h"

#define READY_TIMEOUT_MS    30000   /* R3: a new generation must be ready by then */
#define QUICK_DEATH_MS      2000    /* a worker dying sooner counts as a failed start */
#define RESPAWN_MAX_DELAY_MS 10000
#define FAST_STOP_MS        1000    /* SIGTERM: KILL leftovers after this */

static const char *wstate_names[] = { "starting", "ready", "draining" };

static void spawn_gen(struct nd_sv *sv, struct nd_gen *g);
static int spawn_one(struct nd_sv *sv, struct nd_gen *g, int index);
static void gen_maybe_free(struct nd_sv *sv, struct nd_gen *g);
static void roll_finish(struct nd_sv *sv);
static void roll_abort(struct nd_sv *sv, const char *why);
static void stop_begin(struct nd_sv *sv, int graceful);
static void log_errs(const struct nd_errs *errs, enum nd_log_level lvl);

/* --- errors and config --------------------------------------------------- */

static void
log_errs(const struct nd_errs *errs, enum nd_log_level lvl)
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

/*
 * R1: loads and checks a config. An app whose script does not compile keeps
 * its source from prev (last good version) when prev has it; otherwise it is
 * marked with load_error (answers 503). With prev == NULL (first start), any
 * compile error fails the load.
 */
static struct nd_config *
load_config(const char *path, const struct nd_config *prev, struct nd_errs *errs)
{
    struct nd_config *conf;
    char             *failed = NULL;
    int               i, nfailed;

    conf = nd_config_load(path, errs);
    if (conf == NULL) {
        return NULL;
    }
    if (conf->napps == 0) {
        return conf;
    }
    failed = calloc((size_t) conf->napps, 1);
    if (failed == NULL) {
        nd_errs_add(errs, path, 0, "out of memory");
        goto fail;
    }
    nfailed = nd_worker_check(conf, errs, failed);
    if (nfailed > 0 && prev == NULL) {
        goto fail;
    }
    for (i = 0; nfailed > 0 && i < conf->napps; i++) {
        struct nd_app_conf       *app = &conf->apps[i];
        const struct nd_app_conf *old = NULL;
        int                       j;

        if (!failed[i]) {
            continue;
        }
        for (j = 0; j < prev->napps; j++) {
            if (strcmp(prev->apps[j].name, app->name) == 0 && prev->apps[j].load_error == NULL) {
                old = &prev->apps[j];
                break;
            }
        }
        if (old != NULL) {
            char *copy = malloc(old->source_len + 1);
            if (copy == NULL) {
                nd_errs_add(errs, path, 0, "out of memory");
                goto fail;
            }
            memcpy(copy, old->source, old->source_len + 1);
            free(app->source);
            app->source = copy;
            app->source_len = old->source_len;
            nd_log(ND_LOG_WARN, app->name, "script %s failed to compile: keeping the last good "
                   "version", app->script);
        } else {
            app->load_error = strdup("the app's script failed to compile (see the error log)");
            nd_log(ND_LOG_ERROR, app->name, "script %s failed to compile and there is no "
                   "earlier version: the app answers 503", app->script);
        }
    }
    free(failed);
    return conf;

fail:
    free(failed);
    nd_config_free(conf);
    return NULL;
}

/* --- generations ------------------------------------------------------------ */

static struct nd_gen *
gen_new(struct nd_sv *sv, struct nd_config *conf, struct nd_errs *errs)
{
    struct nd_gen *g;

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

static void
gen_maybe_free(struct nd_sv *sv, struct nd_gen *g)
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
    nd_listen_release(&sv->listeners, g->conf);
    nd_config_free(g->conf);
    free(g->fds);
    free(g->fails);
    free(g);
}

/* --- worker processes ---------------------------------------------------- */

static struct nd_wproc *
proc_by_pid(struct nd_sv *sv, pid_t pid)
{
    struct nd_wproc *p;

    for (p = sv->procs; p != NULL; p = p->next) {
        if (p->pid == pid) {
            return p;
        }
    }
    return NULL;
}

static void
proc_remove(struct nd_sv *sv, struct nd_wproc *w)
{
    struct nd_wproc **pp;

    for (pp = &sv->procs; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    }
    if (w->ipc_ev != NULL) {
        event_free(w->ipc_ev);
    }
    if (w->ipc_fd != -1) {
        close(w->ipc_fd);
    }
    w->gen->nprocs--;
    if (w->state == ND_W_READY) {
        w->gen->nready--;
    }
    free(w);
}

static void
proc_send(struct nd_wproc *w, uint32_t type)
{
    if (w->ipc_fd != -1 && nd_ipc_send(w->ipc_fd, type, 0, NULL) == -1) {
        nd_log_errno(ND_LOG_WARN, NULL, errno, "cannot message worker %d (pid %d)", w->index,
                     (int) w->pid);
    }
}

static void
proc_drain(struct nd_wproc *w)
{
    if (w->state == ND_W_READY) {
        w->gen->nready--;
    }
    w->state = ND_W_DRAINING;
    proc_send(w, ND_IPC_DRAIN);
}

static void
on_ipc(evutil_socket_t fd, short what, void *arg)
{
    struct nd_wproc  *w = arg;
    struct nd_sv     *sv = w->sv;
    struct nd_ipc_msg msg;
    int               r;

    while ((r = nd_ipc_recv(fd, &msg)) == 1) {
        switch (msg.type) {
        case ND_IPC_READY:
            if (w->state != ND_W_STARTING) {
                break;
            }
            w->state = ND_W_READY;
            w->gen->nready++;
            if (w->gen == sv->next_gen && w->gen->nready == w->gen->conf->server.workers) {
                roll_finish(sv);
            }
            break;
        case ND_IPC_FAILED:
            nd_log(ND_LOG_ERROR, NULL, "worker %d (pid %d) failed to start: %s", w->index,
                   (int) w->pid, msg.text);
            if (w->gen == sv->next_gen) {
                roll_abort(sv, "a new worker failed to start");
            }
            break;
        default:
            nd_log(ND_LOG_WARN, NULL, "unexpected message %u from worker pid %d", msg.type,
                   (int) w->pid);
        }
    }
    if (r == 0) {
        /* The worker closed its end: it is exiting; SIGCHLD reaps it. */
        event_del(w->ipc_ev);
    }
}

/* Child side of fork: drop everything of the supervisor, become a worker. */
static void
become_worker(struct nd_sv *sv, struct nd_gen *g, int index, int ipc_fd)
{
    struct nd_worker_args args;
    struct nd_wproc      *p;
    struct nd_listener   *l;
    int                   i, status;

    /* First: a fresh epoll for the child. Deleting events on the inherited
     * one would remove the supervisor's registrations. */
    event_reinit(sv->base);
    for (i = 0; i < sv->nsig; i++) {
        event_free(sv->sig_ev[i]);
        sv->sig_ev[i] = NULL;
    }
    for (p = sv->procs; p != NULL; p = p->next) {
        if (p->ipc_ev != NULL) {
            event_free(p->ipc_ev);
            p->ipc_ev = NULL;
        }
        if (p->ipc_fd != -1) {
            close(p->ipc_fd);
            p->ipc_fd = -1;
        }
    }
    /* Listeners of other generations are not ours to serve. */
    for (l = sv->listeners; l != NULL; l = l->next) {
        int used = 0;
        for (i = 0; i < g->conf->server.nlisten; i++) {
            used |= g->fds[i] == l->fd;
        }
        if (!used) {
            close(l->fd);
        }
    }
    nd_watch_close_in_child(sv->watch);
    if (sv->roll_timer != NULL) {
        event_free(sv->roll_timer);
    }
    if (sv->stop_timer != NULL) {
        event_free(sv->stop_timer);
    }
    if (sv->respawn_timer != NULL) {
        event_free(sv->respawn_timer);
    }
    event_base_free(sv->base);
    sv->base = NULL;

    args.conf = g->conf;
    args.listen_fds = g->fds;
    args.nlisten = g->conf->server.nlisten;
    args.ipc_fd = ipc_fd;
    args.generation = g->id;
    args.index = index;
    status = nd_worker_main(&args);
    exit(status);
}

static int
spawn_one(struct nd_sv *sv, struct nd_gen *g, int index)
{
    struct nd_wproc *w;
    int              fds[2];
    pid_t            pid;

    if (nd_ipc_pair(fds) == -1) {
        nd_log_errno(ND_LOG_ERROR, NULL, errno, "socketpair() failed while spawning worker %d",
                     index);
        return -1;
    }
    w = calloc(1, sizeof(*w));
    if (w == NULL) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    pid = fork();
    if (pid == -1) {
        nd_log_errno(ND_LOG_ERROR, NULL, errno, "fork() failed while spawning worker %d", index);
        close(fds[0]);
        close(fds[1]);
        free(w);
        return -1;
    }
    if (pid == 0) {
        free(w);
        close(fds[0]);
        become_worker(sv, g, index, fds[1]);
        /* not reached */
    }
    close(fds[1]);
    w->pid = pid;
    w->ipc_fd = fds[0];
    w->gen = g;
    w->index = index;
    w->state = ND_W_STARTING;
    w->started_ms = nd_sys_now_ms();
    w->sv = sv;
    w->ipc_ev = event_new(sv->base, fds[0], EV_READ | EV_PERSIST, on_ipc, w);
    if (w->ipc_ev == NULL || event_add(w->ipc_ev, NULL) == -1) {
        nd_log(ND_LOG_ERROR, NULL, "cannot watch worker %d's channel", index);
    }
    w->next = sv->procs;
    sv->procs = w;
    g->nprocs++;
    nd_log(ND_LOG_INFO, NULL, "worker %d started (pid %d, generation %d)", index, (int) pid,
           g->id);
    return 0;
}

static void
spawn_gen(struct nd_sv *sv, struct nd_gen *g)
{
    int i;

    for (i = 0; i < g->conf->server.workers; i++) {
        if (spawn_one(sv, g, i) == -1 && g == sv->next_gen) {
            roll_abort(sv, "fork failed");
            return;
        }
    }
}

/* Respawns missing workers of the serving generation whose back-off passed. */
static void
on_respawn(evutil_socket_t fd, short what, void *arg)
{
    struct nd_sv    *sv = arg;
    struct nd_gen   *g = sv->cur;
    struct nd_wproc *p;
    int              i;

    if (sv->state == ND_SV_STOPPING || g == NULL) {
        return;
    }
    for (i = 0; i < g->conf->server.workers; i++) {
        int have = 0;
        for (p = sv->procs; p != NULL; p = p->next) {
            have |= p->gen == g && p->index == i && p->state != ND_W_DRAINING;
        }
        if (!have) {
            spawn_one(sv, g, i);
        }
    }
}

static void
schedule_respawn(struct nd_sv *sv, int fails)
{
    struct timeval tv;
    int64_t        ms = 0;

    if (fails > 0) {
        ms = 100LL << (fails > 7 ? 7 : fails - 1);
        if (ms > RESPAWN_MAX_DELAY_MS) {
            ms = RESPAWN_MAX_DELAY_MS;
        }
    }
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    if (!evtimer_pending(sv->respawn_timer, NULL)) {
        evtimer_add(sv->respawn_timer, &tv);
    }
}

static void
on_child_exit(struct nd_sv *sv, pid_t pid, int status)
{
    struct nd_wproc *w = proc_by_pid(sv, pid);
    struct nd_gen   *g;
    char             how[64];
    int              expected, quick;

    if (w == NULL) {
        return;
    }
    g = w->gen;
    if (WIFSIGNALED(status)) {
        snprintf(how, sizeof(how), "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    } else {
        snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));
    }
    expected = w->state == ND_W_DRAINING || sv->state == ND_SV_STOPPING;
    quick = nd_sys_now_ms() - w->started_ms < QUICK_DEATH_MS;
    {
        char        pidbuf[16], genbuf[16];
        const char *kv[] = { "worker_pid", pidbuf, "generation", genbuf, "state",
                             wstate_names[w->state], NULL };
        snprintf(pidbuf, sizeof(pidbuf), "%d", (int) pid);
        snprintf(genbuf, sizeof(genbuf), "%d", g->id);
        nd_log_kv(expected && !WIFSIGNALED(status) ? ND_LOG_INFO : ND_LOG_ERROR, NULL, kv,
                  "worker %d (pid %d) %s", w->index, (int) pid, how);
    }
    if (!expected) {
        if (g == sv->next_gen && w->state == ND_W_STARTING) {
            proc_remove(sv, w);
            roll_abort(sv, "a new worker died before it was ready");
            return;
        }
        if (g == sv->cur) {
            g->fails[w->index] = quick ? g->fails[w->index] + 1 : 0;
            if (g->fails[w->index] > 0) {
                nd_log(ND_LOG_WARN, NULL, "worker %d died %d times in a row soon after start: "
                       "backing off", w->index, g->fails[w->index]);
            }
            schedule_respawn(sv, g->fails[w->index]);
        }
    }
    proc_remove(sv, w);
    gen_maybe_free(sv, g);
    if (sv->state == ND_SV_STOPPING && sv->procs == NULL) {
        event_base_loopbreak(sv->base);
    }
}

static void
reap(struct nd_sv *sv)
{
    pid_t pid;
    int   status;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        on_child_exit(sv, pid, status);
    }
}

/* --- reload: R1..R4 -------------------------------------------------------- */

static void
on_roll_timeout(evutil_socket_t fd, short what, void *arg)
{
    roll_abort(arg, "new workers were not ready in time");
}

void
nd_sv_request_reload(struct nd_sv *sv, const char *why)
{
    struct nd_errs    errs;
    struct nd_config *conf;
    struct nd_gen    *g;
    struct timeval    tv = { READY_TIMEOUT_MS / 1000, 0 };

    if (sv->state != ND_SV_RUNNING) {
        return;
    }
    if (sv->next_gen != NULL) {
        sv->reload_pending = 1;     /* coalesced: runs when this one ends */
        nd_log(ND_LOG_INFO, NULL, "reload requested (%s) during a reload: queued", why);
        return;
    }
    nd_log(ND_LOG_INFO, NULL, "reloading %s (%s)", sv->conf_path, why);
    memset(&errs, 0, sizeof(errs));
    conf = load_config(sv->conf_path, sv->cur->conf, &errs);     /* R1 */
    log_errs(&errs, conf == NULL ? ND_LOG_ERROR : ND_LOG_WARN);
    if (conf == NULL) {
        sv->reloads_failed++;
        nd_log(ND_LOG_ERROR, NULL, "reload failed: %s has errors; still serving generation %d",
               sv->conf_path, sv->cur->id);
        return;
    }
    memset(&errs, 0, sizeof(errs));
    g = gen_new(sv, conf, &errs);
    if (g == NULL) {
        log_errs(&errs, ND_LOG_ERROR);
        nd_config_free(conf);
        sv->reloads_failed++;
        nd_log(ND_LOG_ERROR, NULL, "reload failed; still serving generation %d", sv->cur->id);
        return;
    }
    sv->next_gen = g;
    evtimer_add(sv->roll_timer, &tv);
    nd_watch_update(sv->watch, conf);
    spawn_gen(sv, g);                                               /* R2 */
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
static void
roll_finish(struct nd_sv *sv)
{
    struct nd_gen   *old = sv->cur, *g = sv->next_gen;
    struct nd_wproc *p;

    sv->cur = g;
    sv->next_gen = NULL;
    for (p = sv->procs; p != NULL; p = p->next) {
        if (p->gen != g && p->state != ND_W_DRAINING) {
            proc_drain(p);
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
        snprintf(gen, sizeof(gen), "%d", g->id);
        snprintf(ms, sizeof(ms), "%lld", (long long) (nd_sys_now_ms() - g->started_ms));
        sv->reloads_ok++;
        nd_log_kv(ND_LOG_INFO, NULL, kv, "reload done: generation %d serving", g->id);
    }
    if (old != NULL) {
        gen_maybe_free(sv, old);
    }
    roll_done(sv);
}

static void
roll_abort(struct nd_sv *sv, const char *why)
{
    struct nd_gen   *g = sv->next_gen;
    struct nd_wproc *p;

    if (g == NULL) {
        return;
    }
    sv->next_gen = NULL;
    for (p = sv->procs; p != NULL; p = p->next) {
        if (p->gen == g) {
            p->state = ND_W_DRAINING;
            kill(p->pid, SIGKILL);
        }
    }
    if (sv->state == ND_SV_STARTING) {
        nd_log(ND_LOG_ERROR, NULL, "start failed: %s", why);
        sv->exit_code = 1;
        stop_begin(sv, 0);
    } else {
        sv->reloads_failed++;
        nd_log(ND_LOG_ERROR, NULL, "reload failed: %s; still serving generation %d", why,
               sv->cur->id);
        nd_watch_update(sv->watch, sv->cur->conf);
    }
    gen_maybe_free(sv, g);
    roll_done(sv);
}

/* --- stop -------------------------------------------------------------------- */

static void
on_stop_timer(evutil_socket_t fd, short what, void *arg)
{
    struct nd_sv    *sv = arg;
    struct nd_wproc *p;
    struct timeval   tv = { FAST_STOP_MS / 1000, (FAST_STOP_MS % 1000) * 1000 };
    int              sig = sv->stop_stage == 0 ? SIGTERM : SIGKILL;

    if (sv->procs == NULL) {
        event_base_loopbreak(sv->base);
        return;
    }
    nd_log(ND_LOG_WARN, NULL, "workers still running: sending %s", sig == SIGTERM ? "SIGTERM" :
           "SIGKILL");
    for (p = sv->procs; p != NULL; p = p->next) {
        kill(p->pid, sig);
    }
    sv->stop_stage++;
    if (sig == SIGTERM) {
        evtimer_add(sv->stop_timer, &tv);
    }
}

static void
stop_begin(struct nd_sv *sv, int graceful)
{
    struct nd_wproc *p;
    struct timeval   tv;
    int64_t          ms;

    if (sv->state == ND_SV_STOPPING) {
        if (!graceful && sv->stop_stage == 0) {
            /* A fast stop during a graceful one: hurry up. */
            evtimer_del(sv->stop_timer);
            on_stop_timer(-1, 0, sv);
        }
        return;
    }
    sv->state = ND_SV_STOPPING;
    evtimer_del(sv->respawn_timer);
    nd_log(ND_LOG_INFO, NULL, "%s stop", graceful ? "graceful" : "fast");
    for (p = sv->procs; p != NULL; p = p->next) {
        if (graceful) {
            proc_drain(p);
        } else {
            p->state = ND_W_DRAINING;
            kill(p->pid, SIGTERM);
        }
    }
    if (graceful) {
        ms = sv->cur != NULL ? sv->cur->conf->server.graceful_timeout_ms : 0;
        sv->stop_stage = 0;
    } else {
        ms = FAST_STOP_MS;
        sv->stop_stage = 1;
    }
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    evtimer_add(sv->stop_timer, &tv);
    if (sv->procs == NULL) {
        event_base_loopbreak(sv->base);
    }
}

/* --- signals ------------------------------------------------------------------ */

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct nd_sv    *sv = arg;
    struct nd_wproc *p;

    switch (sig) {
    case SIGCHLD:
        reap(sv);
        break;
    case SIGTERM:
    case SIGINT:
        stop_begin(sv, 0);
        break;
    case SIGQUIT:
        stop_begin(sv, 1);
        break;
    case SIGHUP:
    case SIGUSR2:
        nd_sv_request_reload(sv, sig == SIGHUP ? "SIGHUP" : "SIGUSR2");
        break;
    case SIGUSR1:
        if (nd_log_reopen() == -1) {
            nd_log_errno(ND_LOG_ERROR, NULL, errno, "cannot reopen the error log");
        }
        nd_log(ND_LOG_INFO, NULL, "log files reopened");
        for (p = sv->procs; p != NULL; p = p->next) {
            proc_send(p, ND_IPC_REOPEN);
        }
        break;
    }
}

/* --- pid file ----------------------------------------------------------------- */

static int
pidfile_write(const char *path)
{
    char  buf[32], tmp[4096];
    char *old = NULL;
    size_t len;
    int   fd, n;

    if (nd_sys_read_file(path, 64, &old, &len) == 0) {
        long pid = strtol(old, NULL, 10);
        free(old);
        if (pid > 0 && pid != getpid() && kill((pid_t) pid, 0) == 0) {
            fprintf(stderr, "nanod: %s: another nanod is running (pid %ld); not starting\n",
                    path, pid);
            return -1;
        }
    }
    n = snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int) getpid());
    if (n < 0 || (size_t) n >= sizeof(tmp)) {
        fprintf(stderr, "nanod: %s: path too long\n", path);
        return -1;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) {
        fprintf(stderr, "nanod: cannot write pid file %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    n = snprintf(buf, sizeof(buf), "%d\n", (int) getpid());
    if (nd_sys_write_full(fd, buf, (size_t) n) == -1 || close(fd) == -1
        || rename(tmp, path) == -1) {
        fprintf(stderr, "nanod: cannot write pid file %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
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
    struct timeval    tv = { READY_TIMEOUT_MS / 1000, 0 };
    char             *pid_copy = NULL;
    int               i, code;

    memset(&sv, 0, sizeof(sv));
    memset(&errs, 0, sizeof(errs));
    sv.conf_path = conf_path;
    sv.state = ND_SV_STARTING;

    conf = load_config(conf_path, NULL, &errs);
    if (conf == NULL) {
        char line[1024];
        for (i = 0; i < errs.n; i++) {
            nd_err_format(&errs.e[i], line, sizeof(line));
            fprintf(stderr, "%s\n", line);
        }
        fprintf(stderr, "nanod: %s has errors; not starting\n", conf_path);
        return 78;                  /* EX_CONFIG */
    }
    if (nd_log_open(conf->server.error_log, "supervisor") == -1) {
        fprintf(stderr, "nanod: cannot open error_log %s: %s\n", conf->server.error_log,
                strerror(errno));
        nd_config_free(conf);
        return 78;
    }
    if (pid_file == NULL && conf->server.pid_file != NULL) {
        pid_file = pid_copy = strdup(conf->server.pid_file);
    }
    if (pid_file != NULL && pidfile_write(pid_file) == -1) {
        nd_config_free(conf);
        free(pid_copy);
        return 1;
    }
    sv.pid_file = pid_file;
    signal(SIGPIPE, SIG_IGN);
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
    sv.roll_timer = evtimer_new(sv.base, on_roll_timeout, &sv);
    sv.stop_timer = evtimer_new(sv.base, on_stop_timer, &sv);
    sv.respawn_timer = evtimer_new(sv.base, on_respawn, &sv);

    g = gen_new(&sv, conf, &errs);
    if (g == NULL) {
        log_errs(&errs, ND_LOG_ERROR);
        nd_log(ND_LOG_ERROR, NULL, "cannot listen; not starting");
        code = 1;
        goto out_base;
    }
    conf = NULL;                    /* owned by g */
    if (g->conf->server.watch) {
        sv.watch = nd_watch_new(&sv, g->conf);
    }
    nd_log(ND_LOG_INFO, NULL, "starting %s: %d apps, %d workers, generation %d", conf_path,
           g->conf->napps, g->conf->server.workers, g->id);
    sv.next_gen = g;
    evtimer_add(sv.roll_timer, &tv);
    spawn_gen(&sv, g);

    event_base_dispatch(sv.base);

    code = sv.exit_code;
    nd_log(ND_LOG_INFO, NULL, "stopped");
    nd_watch_free(sv.watch);
    while (sv.procs != NULL) {
        kill(sv.procs->pid, SIGKILL);
        waitpid(sv.procs->pid, NULL, 0);
        proc_remove(&sv, sv.procs);
    }
    sv.cur = NULL;
    sv.next_gen = NULL;
    while (sv.gens != NULL) {
        gen_maybe_free(&sv, sv.gens);
    }
out_base:
    nd_listen_close_all(&sv.listeners);
    for (i = 0; i < sv.nsig; i++) {
        event_free(sv.sig_ev[i]);
    }
    if (sv.roll_timer != NULL) {
        event_free(sv.roll_timer);
        event_free(sv.stop_timer);
        event_free(sv.respawn_timer);
    }
    event_base_free(sv.base);
out_conf:
    nd_config_free(conf);
    if (sv.pid_file != NULL) {
        unlink(sv.pid_file);
    }
    free(pid_copy);
    return code;
}
