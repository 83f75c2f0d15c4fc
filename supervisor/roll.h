/*
 * Reload (R1..R4) and the start-up roll. nd_sv_request_reload() is in
 * supervisor.h. Supervisor process only, in loop callbacks.
 */
#ifndef ND_ROLL_H
#define ND_ROLL_H

#include <event2/util.h>

#include "supervisor/supervisor.h"

/* R2: g becomes sv->next_gen, its workers fork, R3's deadline starts. */
void nd_roll_start(struct nd_sv *sv, struct nd_gen *g);

/* R3 reached (every worker of next_gen READY): R4, the old generation drains. */
void nd_roll_finish(struct nd_sv *sv);

/* The roll failed before R4: next_gen's workers are killed (at start-up:
 * nanod stops with exit 1). */
void nd_roll_abort(struct nd_sv *sv, const char *why);

/* sv->roll_timer's callback (arg: sv): R3 not reached in time. */
void nd_roll_on_timeout(evutil_socket_t fd, short what, void *arg);

#endif
