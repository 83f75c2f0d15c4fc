/*
 * Checks that run in a forked child, so that the supervisor stays responsive
 * (signals, respawns) and safe (a script that exhausts memory or hits a
 * Duktape fatal error while compiling takes down the child, not us), and
 * checks that must run as the workers' user.
 * Supervisor (and nanod -t) only.
 */
#ifndef ND_SV_CHECK_H
#define ND_SV_CHECK_H

#include "common/config.h"
#include "common/err.h"

struct event_base;
struct nd_check;

/* Called once when the check is over: conf's app->error are set for every app
 * whose script does not compile, and errs holds the messages. */
typedef void nd_check_done_fn(struct nd_check *ck, struct nd_config *conf,
                              struct nd_errs *errs, void *arg);

/* Compiles every app of conf in a child, waiting for it. 0, or -1 (fork
 * failed: in errs). Sets app->error and adds to errs for each failure. */
int nd_check_apps_sync(struct nd_config *conf, struct nd_errs *errs);

/* The same, asynchronously on base: done is called from the loop (never from
 * here). conf is borrowed until done or nd_check_cancel. NULL on failure. */
struct nd_check *nd_check_apps_start(struct event_base *base, struct nd_config *conf,
                                     nd_check_done_fn *done, void *arg);
/* Kills the child and frees ck (done is not called). */
void nd_check_cancel(struct nd_check *ck);

/*
 * The log files the workers open themselves (error_log, access_log, slowlog)
 * must be reachable by [server] user/group: checked in a child that switches
 * to them (no-op when they are unset or we are not root). Nothing on disk
 * changes. Adds "apps.ini:LINE: ..." to errs; returns the number of errors.
 */
int nd_check_worker_files(const struct nd_config *conf, struct nd_errs *errs);

/* Becomes [server] user/group for good (a child, as root). 0, or -1 with msg. */
int nd_check_drop_privileges(const struct nd_config *conf, char *msg, size_t size);

#endif
