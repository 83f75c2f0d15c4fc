/*
 * Supervisor: generations, worker processes, signals, reload (R1..R4).
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/ipc.h"
#include "common/log.h"
#include "common/scoreboard.h"
#include "common/sys.h"
#include "supervisor/check.h"
#include "supervisor/state.h"
#include "supervisor/supervisor.h"
#include "supervisor/watch.h"
#include "worker/worker.h"

#define READY_TIMEOUT_MS    30000   /* R3: a new generation must be ready by then */
#define QUICK_DEATH_MS      2000    /* a worker dying sooner counts as a failed start */
#define RESPAWN_MAX_DELAY_MS 10000
#define FAST_STOP_MS        1000    /* after SIGTERM: SIGKILL leftovers after this */

static const char *wstate_names[] = { "starting", "ready", "draining" };

static void spawn_gen(struct nd_sv *sv, struct nd_gen *g);
static void retire(struct nd_sv *sv, struct nd_wproc *w);
static void schedule_respawn(struct nd_sv *sv, int fails);
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

/* --- scoreboard header (common/scoreboard.h): the supervisor is its only writer */

static void
sb_update(struct nd_sv *sv)
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
static void
sb_reload(struct nd_sv *sv, int ok, const char *why, const struct nd_errs *errs)
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
    sb_update(sv);
}

/*
 * R1, after the compile check: what each app runs. An app whose script (or
 * build) works runs it, and that source is kept in state_dir as its last good
 * version. An app whose script is broken (app->error) runs its last good
 * version, from prev (the serving config) or from state_dir: stale. With
 * none, it answers 503: failed. Logged for every app that is not ok.
 */
static void
resolve_apps(struct nd_sv *sv, struct nd_config *conf, const struct nd_config *prev)
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
        if (old != NULL) {
            app->source = malloc(old->source_len + 1);
            if (app->source != NULL) {
                memcpy(app->source, old->source, old->source_len + 1);
                app->source_len = old->source_len;
                app->good_built_unix_ms = old->good_built_unix_ms;
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
static void
sb_apps(const struct nd_config *conf)
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

static struct nd_gen *
gen_new(struct nd_sv *sv, struct nd_config *conf, struct nd_errs *errs)
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
static void
gen_release(struct nd_sv *sv, struct nd_gen *g)
{
    if (!g->released) {
        g->released = 1;
        nd_listen_release(&sv->listeners, g->conf);
    }
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
    gen_release(sv, g);
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

/* Forgets a retire pairing (either side). */
static void
proc_unpair(struct nd_wproc *w)
{
    if (w->successor != NULL) {
        w->successor->predecessor = NULL;
        w->successor = NULL;
    }
    if (w->predecessor != NULL) {
        w->predecessor->successor = NULL;
        w->predecessor = NULL;
    }
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
    proc_unpair(w);
    if (w->ipc_ev != NULL) {
        event_free(w->ipc_ev);
    }
    if (w->kill_ev != NULL) {
        event_free(w->kill_ev);
    }
    if (w->ipc_fd != -1) {
        close(w->ipc_fd);
    }
    w->gen->nprocs--;
    if (w->state == ND_W_READY) {
        w->gen->nready--;
    }
    nd_sb_slot_free(w->sb_slot);
    free(w);
    sb_update(sv);
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
timer_ms(struct event *ev, int64_t ms)
{
    struct timeval tv;

    tv.tv_sec = (time_t) (ms / 1000);
    tv.tv_usec = (suseconds_t) (ms % 1000 * 1000);
    evtimer_add(ev, &tv);
}

/* The drain deadline passed (stage 0), or SIGTERM did not end it (stage 1). */
static void
on_kill_timer(evutil_socket_t fd, short what, void *arg)
{
    struct nd_wproc *w = arg;

    if (w->kill_stage == 0) {
        nd_log(ND_LOG_WARN, NULL, "worker %d (pid %d, generation %d) still draining after "
               "graceful_timeout: sending SIGTERM", w->index, (int) w->pid, w->gen->id);
        kill(w->pid, SIGTERM);
        w->kill_stage = 1;
        timer_ms(w->kill_ev, FAST_STOP_MS);
    } else if (w->kill_stage == 1) {
        nd_log(ND_LOG_WARN, NULL, "worker %d (pid %d) did not exit after SIGTERM: sending "
               "SIGKILL", w->index, (int) w->pid);
        kill(w->pid, SIGKILL);
        w->kill_stage = 2;
    }
}

/* Tells w to drain: stop accepting, finish, exit. Killed if still there after
 * graceful_timeout (that of the serving config). No-op when already draining. */
static void
proc_drain(struct nd_sv *sv, struct nd_wproc *w)
{
    const struct nd_gen *g = sv->cur != NULL ? sv->cur : w->gen;

    if (w->state == ND_W_DRAINING) {
        return;
    }
    if (w->state == ND_W_READY) {
        w->gen->nready--;
    }
    w->state = ND_W_DRAINING;
    proc_unpair(w);
    proc_send(w, ND_IPC_DRAIN);
    w->kill_stage = 0;
    if (w->kill_ev != NULL) {
        timer_ms(w->kill_ev, g->conf->server.graceful_timeout_ms);
    }
}

/* Fast stop of w: SIGTERM now, SIGKILL after FAST_STOP_MS. */
static void
proc_terminate(struct nd_wproc *w)
{
    if (w->kill_stage >= 1) {
        return;
    }
    if (w->state == ND_W_READY) {
        w->gen->nready--;
    }
    w->state = ND_W_DRAINING;
    proc_unpair(w);
    kill(w->pid, SIGTERM);
    w->kill_stage = 1;
    if (w->kill_ev != NULL) {
        timer_ms(w->kill_ev, FAST_STOP_MS);
    }
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
            if (w->predecessor != NULL) {
                struct nd_wproc *old = w->predecessor;

                nd_log(ND_LOG_INFO, NULL, "worker %d (pid %d) replaced by pid %d: draining it",
                       old->index, (int) old->pid, (int) w->pid);
                proc_unpair(w);
                proc_drain(sv, old);
            }
            if (w->gen == sv->next_gen && w->gen->nready >= w->gen->conf->server.workers) {
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
        case ND_IPC_RETIRE:
            nd_log(ND_LOG_INFO, NULL, "worker %d (pid %d) asks to be replaced: %s", w->index,
                   (int) w->pid, msg.text);
            w->retire_wanted = 1;
            retire(sv, w);
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
    sb_update(sv);
}

static void
close_fd(int *fd)
{
    if (*fd != -1) {
        close(*fd);
        *fd = -1;
    }
}

/*
 * Files the workers reopen themselves on SIGUSR1 (error, access and slow logs)
 * must belong to the user they run as: create them here, as root, and hand
 * them over. No-op unless [server] user/group is set and we are root.
 */
static void
own_logs_for_workers(const struct nd_config *conf)
{
    const char *paths[3];
    int         i;

    if ((conf->server.uid < 0 && conf->server.gid < 0) || geteuid() != 0) {
        return;
    }
    paths[0] = conf->server.error_log;
    paths[1] = conf->server.access_log;
    paths[2] = conf->server.slowlog;
    for (i = 0; i < 3; i++) {
        int fd;
        if (paths[i] == NULL || strcmp(paths[i], "stderr") == 0
            || strcmp(paths[i], "stdout") == 0) {
            continue;
        }
        fd = open(paths[i], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (fd == -1 || fchown(fd, (uid_t) conf->server.uid, (gid_t) conf->server.gid) == -1) {
            nd_log_errno(ND_LOG_WARN, NULL, errno, "cannot hand %s over to the worker user",
                         paths[i]);
        }
        if (fd != -1) {
            close(fd);
        }
    }
}

/* Child side of fork: drop everything of the supervisor, become a worker. */
static void
become_worker(struct nd_sv *sv, struct nd_gen *g, int index, int ipc_fd, int slot)
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
        if (p->kill_ev != NULL) {
            event_free(p->kill_ev);
            p->kill_ev = NULL;
        }
        close_fd(&p->ipc_fd);
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
    /* The pid file lock is the supervisor's alone. */
    close_fd(&sv->pid_fds[0]);
    close_fd(&sv->pid_fds[1]);
    nd_watch_close_in_child(sv->watch);
    if (sv->roll_timer != NULL) {
        event_free(sv->roll_timer);
    }
    if (sv->respawn_timer != NULL) {
        event_free(sv->respawn_timer);
    }
    if (sv->drain_timer != NULL) {
        event_free(sv->drain_timer);
    }
    event_base_free(sv->base);
    sv->base = NULL;

    args.conf = g->conf;
    args.listen_fds = g->fds;
    args.nlisten = g->conf->server.nlisten;
    args.ipc_fd = ipc_fd;
    args.generation = g->id;
    args.index = index;
    args.sb_slot = slot;
    args.admin_fd = sv->admin_fd;
    {
        char msg[256];
        if (nd_check_drop_privileges(g->conf, msg, sizeof(msg)) == -1) {
            nd_log(ND_LOG_ERROR, NULL, "worker %d cannot start: %s", index, msg);
            nd_ipc_send(ipc_fd, ND_IPC_FAILED, 0, msg);
            exit(1);
        }
    }
    status = nd_worker_main(&args);
    exit(status);
}

/* Forks worker index of g. The new process, or NULL (logged). */
static struct nd_wproc *
spawn_one(struct nd_sv *sv, struct nd_gen *g, int index)
{
    struct nd_wproc *w;
    int              fds[2];
    pid_t            pid;
    int              slot;

    if (nd_ipc_pair(fds) == -1) {
        nd_log_errno(ND_LOG_ERROR, NULL, errno, "socketpair() failed while spawning worker %d",
                     index);
        return NULL;
    }
    w = calloc(1, sizeof(*w));
    if (w == NULL) {
        close(fds[0]);
        close(fds[1]);
        nd_log(ND_LOG_ERROR, NULL, "out of memory while spawning worker %d", index);
        return NULL;
    }
    slot = nd_sb_slot_take(g->id, index);
    if (slot == -1 && nd_sb_map != NULL) {
        nd_log(ND_LOG_WARN, NULL, "no free scoreboard slot for worker %d: it gets no metrics",
               index);
    }
    pid = fork();
    if (pid == -1) {
        nd_log_errno(ND_LOG_ERROR, NULL, errno, "fork() failed while spawning worker %d", index);
        nd_sb_slot_free(slot);
        close(fds[0]);
        close(fds[1]);
        free(w);
        return NULL;
    }
    if (pid == 0) {
        free(w);
        close(fds[0]);
        become_worker(sv, g, index, fds[1], slot);
        /* not reached */
    }
    close(fds[1]);
    w->sb_slot = slot;
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
    w->kill_ev = evtimer_new(sv->base, on_kill_timer, w);
    w->next = sv->procs;
    sv->procs = w;
    g->nprocs++;
    nd_log(ND_LOG_INFO, NULL, "worker %d started (pid %d, generation %d)", index, (int) pid,
           g->id);
    return w;
}

static void
spawn_gen(struct nd_sv *sv, struct nd_gen *g)
{
    int i;

    for (i = 0; i < g->conf->server.workers; i++) {
        if (spawn_one(sv, g, i) == NULL && g == sv->next_gen) {
            roll_abort(sv, "fork failed");
            return;
        }
    }
}

/*
 * A worker of the serving generation asked to be replaced (max_requests,
 * worker_rss_limit): start its successor in the same slot; when that is READY
 * the old one drains (on_ipc), so the slot never goes unserved. Deferred while
 * a roll is in progress (w may be of next_gen) or a successor is starting.
 */
static void
retire(struct nd_sv *sv, struct nd_wproc *w)
{
    struct nd_wproc *s;

    if (sv->state != ND_SV_RUNNING || sv->next_gen != NULL || w->gen != sv->cur
        || w->state != ND_W_READY || w->successor != NULL || !w->retire_wanted) {
        return;     /* retried after the roll (roll_finish) or a back-off (on_respawn) */
    }
    s = spawn_one(sv, w->gen, w->index);
    if (s == NULL) {
        schedule_respawn(sv, ++w->gen->fails[w->index]);
        return;
    }
    w->retire_wanted = 0;
    w->successor = s;
    s->predecessor = w;
}

static void
retire_pending(struct nd_sv *sv)
{
    struct nd_wproc *p, *next;

    for (p = sv->procs; p != NULL; p = next) {
        next = p->next;             /* retire() pushes new procs at the head only */
        if (p->retire_wanted) {
            retire(sv, p);
        }
    }
}

/* Respawns missing workers of the serving generation whose back-off passed,
 * and retries replacements that could not start. */
static void
on_respawn(evutil_socket_t fd, short what, void *arg)
{
    struct nd_sv    *sv = arg;
    struct nd_gen   *g = sv->cur;
    struct nd_wproc *p;
    int              i;

    if (sv->state != ND_SV_RUNNING || g == NULL) {
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
    retire_pending(sv);
}

static void
schedule_respawn(struct nd_sv *sv, int fails)
{
    int64_t ms = 0;

    if (fails > 0) {
        ms = 100LL << (fails > 7 ? 7 : fails - 1);
        if (ms > RESPAWN_MAX_DELAY_MS) {
            ms = RESPAWN_MAX_DELAY_MS;
        }
    }
    if (!evtimer_pending(sv->respawn_timer, NULL)) {
        timer_ms(sv->respawn_timer, ms);
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
        if (g == sv->next_gen) {
            proc_remove(sv, w);
            roll_abort(sv, "a new worker died before the new generation was ready");
            return;
        }
        if (g == sv->cur) {
            struct nd_wproc *pred = w->predecessor;

            g->fails[w->index] = quick ? g->fails[w->index] + 1 : 0;
            if (g->fails[w->index] > 0) {
                nd_log(ND_LOG_WARN, NULL, "worker %d died %d times in a row soon after start: "
                       "backing off", w->index, g->fails[w->index]);
            }
            if (pred != NULL) {
                pred->retire_wanted = 1;    /* a replacement died: the old one serves on */
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
    log_errs(errs, ND_LOG_WARN);
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
    log_errs(&errs, conf == NULL ? ND_LOG_ERROR : ND_LOG_WARN);
    if (conf == NULL) {
        sv->reloads_failed++;
        nd_log(ND_LOG_ERROR, NULL, "reload failed: %s has errors; still serving generation %d",
               sv->conf_path, sv->cur->id);
        sb_reload(sv, 0, "reload failed: the configuration has errors", &errs);
        return;
    }
    /* The scripts compile in a child: signals and respawns go on meanwhile. */
    sv->check = nd_check_apps_start(sv->base, conf, on_check_done, sv);
    if (sv->check == NULL) {
        nd_log_errno(ND_LOG_ERROR, NULL, errno, "reload failed: cannot start the compile "
                     "check; still serving generation %d", sv->cur->id);
        nd_config_free(conf);
        sv->reloads_failed++;
        sb_reload(sv, 0, "reload failed: cannot start the compile check", NULL);
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

    resolve_apps(sv, conf, sv->cur->conf);
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
        sb_reload(sv, 0, "reload failed: cannot open error_log", NULL);
        roll_done(sv);
        return;
    }
    memset(&errs, 0, sizeof(errs));
    g = gen_new(sv, conf, &errs);
    if (g == NULL) {
        log_errs(&errs, ND_LOG_ERROR);
        if (strcmp(conf->server.error_log, old_log) != 0) {
            nd_log_open(old_log, NULL);
        }
        nd_config_free(conf);
        sv->reloads_failed++;
        nd_log(ND_LOG_ERROR, NULL, "reload failed; still serving generation %d", sv->cur->id);
        sb_reload(sv, 0, "reload failed: cannot listen", &errs);
        roll_done(sv);
        return;
    }
    own_logs_for_workers(conf);     /* only once the reload can go ahead */
    g->started_ms = t0;
    sv->next_gen = g;
    timer_ms(sv->roll_timer, READY_TIMEOUT_MS);
    nd_watch_update(sv->watch, conf);           /* edits from now on count */
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

    evtimer_del(sv->roll_timer);
    sv->cur = g;
    sv->next_gen = NULL;
    watch_apply(sv);                /* before "ready"/"reload done": edits after them count */
    for (p = sv->procs; p != NULL; p = p->next) {
        if (p->gen != g) {
            proc_drain(sv, p);
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
            sb_reload(sv, 1, text, NULL);
        }
    }
    sb_apps(g->conf);
    sb_update(sv);
    if (old != NULL) {
        gen_release(sv, old);       /* removed listeners close now */
        gen_maybe_free(sv, old);
    }
    retire_pending(sv);
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
            proc_terminate(p);
            kill(p->pid, SIGKILL);
        }
    }
    gen_release(sv, g);             /* listeners it added close now */
    if (sv->state == ND_SV_STARTING) {
        nd_log(ND_LOG_ERROR, NULL, "start failed: %s", why);
        sv->exit_code = 1;
        stop_begin(sv, 0);
    } else {
        char text[256];
        sv->reloads_failed++;
        nd_log(ND_LOG_ERROR, NULL, "reload failed: %s; still serving generation %d", why,
               sv->cur->id);
        snprintf(text, sizeof(text), "reload failed: %s", why);
        sb_reload(sv, 0, text, NULL);
        if (strcmp(g->conf->server.error_log, sv->cur->conf->server.error_log) != 0) {
            nd_log_open(sv->cur->conf->server.error_log, NULL);
        }
        nd_watch_update(sv->watch, sv->cur->conf);
    }
    gen_maybe_free(sv, g);
    roll_done(sv);
}

/* --- stop -------------------------------------------------------------------- */

/* Graceful: every worker drains (killed after graceful_timeout). Fast: SIGTERM
 * now, SIGKILL after FAST_STOP_MS. A fast stop during a graceful one hurries it. */
static void
stop_begin(struct nd_sv *sv, int graceful)
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
            proc_drain(sv, p);
        } else {
            proc_terminate(p);
        }
    }
    if (g != NULL) {
        gen_release(sv, g);
        gen_maybe_free(sv, g);
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
        stop_begin(sv, 1);
        return;
    }
    sv->drain_pending = 1;
    sb_update(sv);
    nd_log(ND_LOG_INFO, NULL, "graceful stop: /healthz answers 503 for drain_delay (%lld ms) "
           "before the listeners close", (long long) g->conf->server.drain_delay_ms);
    timer_ms(sv->drain_timer, g->conf->server.drain_delay_ms);
}

static void
on_drain_delay(evutil_socket_t fd, short what, void *arg)
{
    struct nd_sv *sv = arg;

    stop_begin(sv, 1);
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
        stop_delayed(sv);
        break;
    case SIGHUP:
    case SIGUSR2:
        nd_sv_request_reload(sv, sig == SIGHUP ? "SIGHUP" : "SIGUSR2");
        break;
    case SIGUSR1:
        (void) nd_log_reopen();         /* failures logged */
        if (sv->cur != NULL) {
            own_logs_for_workers(sv->cur->conf);
        }
        nd_log(ND_LOG_INFO, NULL, "log files reopened");
        for (p = sv->procs; p != NULL; p = p->next) {
            proc_send(p, ND_IPC_REOPEN);
        }
        break;
    }
}

/* --- pid file ----------------------------------------------------------------- */

/*
 * The pid file is written atomically (a complete temporary file, then link()
 * or rename() into place) and stays flock()ed by the supervisor while it runs,
 * so a second nanod on the same file sees a live lock and refuses, whatever
 * the pid inside says; a stale file (crash) is unlocked and replaced. The
 * supervisor also keeps the lock of the stale inode it replaced, so that a
 * second nanod that opened it just before cannot take it. Messages go to
 * stderr: this runs before the workers, at start only.
 */
static int
pidfile_take(struct nd_sv *sv, const char *path)
{
    char    buf[32], tmp[4096];
    char   *old = NULL;
    size_t  len;
    int     n, fd = -1, tfd = -1, tries;

    n = snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int) getpid());
    if (n < 0 || (size_t) n >= sizeof(tmp)) {
        fprintf(stderr, "nanod: pid file %s: path too long\n", path);
        return -1;
    }
    tfd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (tfd == -1) {
        fprintf(stderr, "nanod: cannot write pid file %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    n = snprintf(buf, sizeof(buf), "%d\n", (int) getpid());
    if (flock(tfd, LOCK_EX | LOCK_NB) == -1 || nd_sys_write_full(tfd, buf, (size_t) n) == -1) {
        fprintf(stderr, "nanod: cannot write pid file %s: %s\n", tmp, strerror(errno));
        goto fail;
    }
    for (tries = 0; tries < 10; tries++) {
        if (link(tmp, path) == 0) {             /* there was none: ours now */
            unlink(tmp);
            sv->pid_fds[0] = tfd;
            return 0;
        }
        if (errno != EEXIST) {
            fprintf(stderr, "nanod: cannot write pid file %s: %s\n", path, strerror(errno));
            goto fail;
        }
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd == -1) {
            continue;                           /* removed meanwhile: try again */
        }
        if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
            long pid = 0;

            if (nd_sys_read_file(path, 64, &old, &len) == 0) {
                pid = strtol(old, NULL, 10);
                free(old);
            }
            fprintf(stderr, "nanod: %s is locked: another nanod is running (pid %ld); not "
                    "starting\n", path, pid);
            goto fail;
        }
        if (rename(tmp, path) == -1) {          /* a stale file: replace it */
            fprintf(stderr, "nanod: cannot write pid file %s: %s\n", path, strerror(errno));
            goto fail;
        }
        sv->pid_fds[0] = tfd;
        sv->pid_fds[1] = fd;
        return 0;
    }
    fprintf(stderr, "nanod: cannot take pid file %s: it keeps changing\n", path);

fail:
    if (fd != -1) {
        close(fd);
    }
    close(tfd);
    unlink(tmp);
    return -1;
}

/* Removes the pid file if it is still the one we wrote; drops the locks. */
static void
pidfile_release(struct nd_sv *sv)
{
    struct stat a, b;

    if (sv->pid_file != NULL && sv->pid_fds[0] != -1 && stat(sv->pid_file, &a) == 0
        && fstat(sv->pid_fds[0], &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
        unlink(sv->pid_file);
    }
    close_fd(&sv->pid_fds[0]);
    close_fd(&sv->pid_fds[1]);
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
    log_errs(&errs, ND_LOG_WARN);
    resolve_apps(&sv, conf, NULL);
    own_logs_for_workers(conf);
    if ((conf->server.uid >= 0 || conf->server.gid >= 0) && geteuid() != 0) {
        nd_log(ND_LOG_WARN, NULL, "[server] user/group ignored: not running as root");
    }
    if (pid_file == NULL && conf->server.pid_file != NULL) {
        pid_file = pid_copy = strdup(conf->server.pid_file);
    }
    if (pid_file != NULL && pidfile_take(&sv, pid_file) == -1) {
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
    sv.roll_timer = evtimer_new(sv.base, on_roll_timeout, &sv);
    sv.respawn_timer = evtimer_new(sv.base, on_respawn, &sv);
    sv.drain_timer = evtimer_new(sv.base, on_drain_delay, &sv);

    g = gen_new(&sv, conf, &errs);
    if (g == NULL) {
        log_errs(&errs, ND_LOG_ERROR);
        nd_log(ND_LOG_ERROR, NULL, "cannot listen; not starting");
        code = 1;
        goto out_base;
    }
    conf = NULL;                    /* owned by g */
    if (g->conf->server.admin.text != NULL) {
        memset(&errs, 0, sizeof(errs));
        sv.admin_fd = nd_listen_bind(&g->conf->server.admin, g->conf->path, &errs);
        if (sv.admin_fd == -1) {
            log_errs(&errs, ND_LOG_ERROR);
            nd_log(ND_LOG_ERROR, NULL, "cannot listen on admin_listen; not starting");
            code = 1;
            goto out_base;
        }
    }
    if (g->conf->server.watch) {
        sv.watch = nd_watch_new(&sv, g->conf);
    }
    nd_log(ND_LOG_INFO, NULL, "starting %s: %d apps, %d workers, generation %d", conf_path,
           g->conf->napps, g->conf->server.workers, g->id);
    sv.next_gen = g;
    timer_ms(sv.roll_timer, READY_TIMEOUT_MS);
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
    pidfile_release(&sv);
    free(pid_copy);
    return code;
}
