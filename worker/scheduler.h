/*
 * Cron triggers (`cron =` of an app): the scheduler of scheduled events, in
 * worker 0 of each generation only, on the worker's event_base. Each matching
 * minute runs the app's scheduled handler (lib.runScheduled) as a new
 * invocation (nd_ioctx_sched_id). A page shared by every worker of every
 * generation keeps a minute to one run while generations overlap during a
 * reload. The expressions are parsed by common/cron.c. Worker only.
 */
#ifndef ND_SCHEDULER_H
#define ND_SCHEDULER_H

struct nd_worker;

/* Before the first fork (nd_worker_global_init): the shared page. 0 or -1. */
int nd_scheduler_global_init(void);

/* w->scheduler, armed when this worker runs cron (else NULL). 0, or -1 (logged). */
int nd_scheduler_init(struct nd_worker *w);
/* Drain: stop running cron in this worker. */
void nd_scheduler_drain(struct nd_worker *w);
void nd_scheduler_cleanup(struct nd_worker *w);

#endif
