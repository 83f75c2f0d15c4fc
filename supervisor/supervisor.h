/*
 * The supervisor: configuration generations, worker processes, signals.
 * supervisor.c: shared state, stop, signals, nd_sv_run(); spawn.c: worker
 * processes; roll.c: reload R1..R4; pidfile.c.
 *
 * Generation N is the config that is serving. A reload builds N+1 (R1 load
 * and check, R2 fork its workers, R3 wait until every one is READY) and only
 * then tells N to drain (R4): workers of N stop accepting, finish in-flight
 * requests and exit; leftovers are killed after graceful_timeout.
 * Supervisor process only; everything hangs off struct nd_sv.
 */
#ifndef ND_SUPERVISOR_H
#define ND_SUPERVISOR_H

#include <stdint.h>
#include <sys/types.h>

#include "common/config.h"
#include "common/log.h"
#include "supervisor/listen.h"

struct event;
struct event_base;
struct nd_sv;
struct nd_check;

enum nd_wstate {
    ND_W_STARTING,          /* forked, not READY yet */
    ND_W_READY,             /* accepting */
    ND_W_DRAINING,          /* told to drain (old generation or stop) */
};

struct nd_gen {
    int               id;
    struct nd_config *conf;         /* owned */
    int              *fds;          /* owned array, borrowed fds: one per listen spec */
    int               nready;
    int               nprocs;       /* live processes of this generation */
    int              *fails;        /* owned: consecutive quick deaths per worker index */
    int64_t           started_ms;   /* monotonic: when its reload began (R1), for reload_ms */
    unsigned          released:1;   /* its listener references are dropped (R4 or abort) */
    struct nd_gen    *next;         /* sv->gens list */
};

struct nd_wproc {
    pid_t             pid;
    int               ipc_fd;       /* owned */
    struct event     *ipc_ev;       /* owned */
    struct nd_gen    *gen;          /* borrowed */
    int               index;
    enum nd_wstate    state;
    int64_t           started_ms;
    struct event     *kill_ev;      /* owned: drain deadline, then SIGTERM -> SIGKILL */
    int               kill_stage;   /* 0 draining, 1 SIGTERM sent, 2 SIGKILL sent */
    struct nd_wproc  *successor;    /* borrowed: its replacement while that starts (RETIRE) */
    struct nd_wproc  *predecessor;  /* borrowed: the worker this one replaces once READY */
    unsigned          retire_wanted:1; /* asked to be replaced; not done yet */
    int               sb_slot;      /* its scoreboard slot, or -1 */
    struct nd_sv     *sv;
    struct nd_wproc  *next;
};

enum nd_sv_state {
    ND_SV_STARTING,
    ND_SV_RUNNING,
    ND_SV_STOPPING,
};

struct nd_sv {
    struct event_base  *base;
    const char         *conf_path;      /* borrowed: argv */
    const char         *pid_file;       /* borrowed: argv or conf; NULL */
    int                 pid_fds[2];     /* owned, flock'ed: the pid file we wrote, and the
                                           stale one it replaced (or -1) */
    enum nd_sv_state    state;
    int                 exit_code;
    struct nd_gen      *cur;            /* serving generation */
    struct nd_gen      *next_gen;       /* being started by a reload, or NULL */
    struct nd_gen      *gens;           /* every live generation */
    int                 last_gen_id;
    struct nd_listener *listeners;
    struct nd_wproc    *procs;
    int                 reload_pending; /* a reload arrived during a reload */
    int64_t             reloads_ok, reloads_failed;
    struct event       *sig_ev[8];
    int                 nsig;
    int64_t             reload_ms_last; /* R1 start to R4 of the last good reload */
    struct event       *roll_timer;     /* R3 deadline for next_gen */
    struct event       *drain_timer;    /* graceful stop: end of drain_delay */
    int                 drain_pending;  /* within drain_delay: still serving, /healthz 503 */
    struct event       *respawn_timer;  /* respawns and retire replacements, with back-off */
    void               *watch;          /* struct nd_watch *, inotify; NULL when off */
    int                 admin_fd;       /* owned: admin_listen socket (bound at start), -1 */
    struct nd_check    *check;          /* owned: a reload's compile check (R1), or NULL */
    struct nd_config   *check_conf;     /* owned: the config it checks */
    int64_t             check_t0;       /* monotonic ms: when that reload began */
};

/* Loads conf_path (exit 78 on errors), binds, forks generation 1 and runs
 * until stopped. Returns the process exit status. */
int nd_sv_run(const char *conf_path, const char *pid_file);

/* Starts a reload now, or after the one in progress (coalesced: any number of
 * requests during a reload make exactly one more reload after it). */
void nd_sv_request_reload(struct nd_sv *sv, const char *why);

/* --- shared by the supervisor/ files (supervisor process, in loop callbacks) --- */

struct nd_errs;

/* Logs every error of errs at lvl (one line each). */
void nd_sv_log_errs(const struct nd_errs *errs, enum nd_log_level lvl);

/* The scoreboard header from sv's state (/healthz, /status, metrics). */
void nd_sv_sb_update(struct nd_sv *sv);

/* The last reload's result for /status: why, then errs (NULL: none). */
void nd_sv_sb_reload(struct nd_sv *sv, int ok, const char *why, const struct nd_errs *errs);

/* Publishes the serving config's app states for /status and /metrics. */
void nd_sv_sb_apps(const struct nd_config *conf);

/* R1, after the compile check: which version each app of conf runs (its
 * own, its last good one from prev or state_dir, or none: 503). */
void nd_sv_resolve_apps(struct nd_sv *sv, struct nd_config *conf, const struct nd_config *prev);

/* A generation for conf (which it owns from then on) with its listeners
 * acquired; NULL with errs filled (conf still the caller's). */
struct nd_gen *nd_sv_gen_new(struct nd_sv *sv, struct nd_config *conf, struct nd_errs *errs);

/* Drops g's listener references (once). */
void nd_sv_gen_release(struct nd_sv *sv, struct nd_gen *g);

/* Frees g when no process, sv->cur nor sv->next_gen uses it. */
void nd_sv_gen_maybe_free(struct nd_sv *sv, struct nd_gen *g);

/* Graceful (1) or fast (0) stop of every worker; the loop ends when none is left. */
void nd_sv_stop(struct nd_sv *sv, int graceful);

/* Arms the timer ev to fire in ms milliseconds. */
void nd_sv_timer_ms(struct event *ev, int64_t ms);

#endif
