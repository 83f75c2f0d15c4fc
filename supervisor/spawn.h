/*
 * Worker processes of the supervisor (struct nd_wproc in supervisor.h):
 * fork and the child's set-up, ipc messages, drain/kill timers, reaping,
 * respawn back-off, retire. Supervisor process only, in loop callbacks.
 */
#ifndef ND_SPAWN_H
#define ND_SPAWN_H

#include <event2/util.h>
#include <stdint.h>

#include "supervisor/supervisor.h"

/* Forks every worker of g (a failed fork aborts the roll when g is next_gen). */
void nd_spawn_gen(struct nd_sv *sv, struct nd_gen *g);

/* Replaces the workers that asked to be (deferred during a roll). */
void nd_spawn_retire_pending(struct nd_sv *sv);

/* sv->respawn_timer's callback (arg: sv): missing workers of the serving
 * generation, and replacements that could not start. */
void nd_spawn_on_respawn(evutil_socket_t fd, short what, void *arg);

/* SIGCHLD: waits for every exited child and handles its exit. */
void nd_spawn_reap(struct nd_sv *sv);

/* Creates the log files of conf the workers reopen themselves, owned by the
 * workers' user (no-op unless [server] user/group is set and we are root). */
void nd_spawn_own_logs(const struct nd_config *conf);

/* w drains (stop accepting, finish, exit), killed after graceful_timeout. */
void nd_wproc_drain(struct nd_sv *sv, struct nd_wproc *w);

/* Fast stop of w: SIGTERM now, SIGKILL soon after. */
void nd_wproc_terminate(struct nd_wproc *w);

/* Sends w an ipc message of type (ND_IPC_*); a failure is logged. */
void nd_wproc_send(struct nd_wproc *w, uint32_t type);

/* Forgets w (its process is gone) and frees it. */
void nd_wproc_remove(struct nd_sv *sv, struct nd_wproc *w);

#endif
