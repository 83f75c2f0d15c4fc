/*
 * Worker processes: fork and the child's set-up, the ipc channel (READY,
 * FAILED, RETIRE), drain and kill timers, reaping, respawn back-off and
 * retire (a worker's replacement starts before it drains).
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
#include "supervisor/supervisor.h"
#include "supervisor/watch.h"
#include "worker/worker.h"

#define QUICK_DEATH_MS      2000    /* a worker dying sooner counts as a failed start */
#define RESPAWN_MAX_DELAY_MS 10000
#define FAST_STOP_MS        1000    /* after SIGTERM: SIGKILL leftovers after this */

static const char *wstate_names[] = { "starting", "ready", "draining" };

static void retire(struct nd_sv *sv, struct nd_wproc *w);
static void schedule_respawn(struct nd_sv *sv, int fails);

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

void
nd_wproc_remove(struct nd_sv *sv, struct nd_wproc *w)
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
    nd_sv_sb_update(sv);
}

void
nd_wproc_send(struct nd_wproc *w, uint32_t type)
{
    if (w->ipc_fd != -1 && nd_ipc_send(w->ipc_fd, type, 0, NULL) == -1) {
        nd_log_errno(ND_LOG_WARN, NULL, errno, "cannot message worker %d (pid %d)", w->index,
                     (int) w->pid);
    }
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
        nd_sv_timer_ms(w->kill_ev, FAST_STOP_MS);
    } else if (w->kill_stage == 1) {
        nd_log(ND_LOG_WARN, NULL, "worker %d (pid %d) did not exit after SIGTERM: sending "
               "SIGKILL", w->index, (int) w->pid);
        kill(w->pid, SIGKILL);
        w->kill_stage = 2;
    }
}

/* Tells w to drain: stop accepting, finish, exit. Killed if still there after
 * graceful_timeout (that of the serving config). No-op when already draining. */
void
nd_wproc_drain(struct nd_sv *sv, struct nd_wproc *w)
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
    nd_wproc_send(w, ND_IPC_DRAIN);
    w->kill_stage = 0;
    if (w->kill_ev != NULL) {
        nd_sv_timer_ms(w->kill_ev, g->conf->server.graceful_timeout_ms);
    }
}

/* Fast stop of w: SIGTERM now, SIGKILL after FAST_STOP_MS. */
void
nd_wproc_terminate(struct nd_wproc *w)
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
        nd_sv_timer_ms(w->kill_ev, FAST_STOP_MS);
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
                nd_wproc_drain(sv, old);
            }
            if (w->gen == sv->next_gen && w->gen->nready >= w->gen->conf->server.workers) {
                nd_roll_finish(sv);
            }
            break;
        case ND_IPC_FAILED:
            nd_log(ND_LOG_ERROR, NULL, "worker %d (pid %d) failed to start: %s", w->index,
                   (int) w->pid, msg.text);
            if (w->gen == sv->next_gen) {
                nd_roll_abort(sv, "a new worker failed to start");
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
    nd_sv_sb_update(sv);
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
void
nd_spawn_own_logs(const struct nd_config *conf)
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
    nd_pidfile_forget(sv->pid_fds);
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

void
nd_spawn_gen(struct nd_sv *sv, struct nd_gen *g)
{
    int i;

    for (i = 0; i < g->conf->server.workers; i++) {
        if (spawn_one(sv, g, i) == NULL && g == sv->next_gen) {
            nd_roll_abort(sv, "fork failed");
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
        return;     /* retried after the roll (nd_roll_finish) or a back-off (nd_spawn_on_respawn) */
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

void
nd_spawn_retire_pending(struct nd_sv *sv)
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
void
nd_spawn_on_respawn(evutil_socket_t fd, short what, void *arg)
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
    nd_spawn_retire_pending(sv);
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
        nd_sv_timer_ms(sv->respawn_timer, ms);
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
            nd_wproc_remove(sv, w);
            nd_roll_abort(sv, "a new worker died before the new generation was ready");
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
    nd_wproc_remove(sv, w);
    nd_sv_gen_maybe_free(sv, g);
    if (sv->state == ND_SV_STOPPING && sv->procs == NULL) {
        event_base_loopbreak(sv->base);
    }
}

void
nd_spawn_reap(struct nd_sv *sv)
{
    pid_t pid;
    int   status;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        on_child_exit(sv, pid, status);
    }
}
