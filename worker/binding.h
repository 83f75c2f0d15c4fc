/*
 * Per-binding metrics (KV on SQLite or Redis, D1), the host ops
 * binding_done / binding_call of worker/js/host.h: each ended call adds to
 * its binding's scoreboard entry (operations, errors, latency histogram;
 * common/metrics.c renders nanod_binding_*{app,binding,kind,store}); each
 * started call counts in its request's access-log line ("binding_calls",
 * like "subrequests": nd_app_binding_call). Worker only, on its loop.
 */
#ifndef ND_BINDING_H
#define ND_BINDING_H

#include <stdint.h>

struct nd_app;

/* Call b (conf->kv[b], or conf->d1[b] for ND_SB_BIND_D1) of kind ND_SB_BIND_*
 * ended after dur_us, failed or not. */
void nd_binding_done(struct nd_app *app, int kind, int b, int64_t dur_us, int failed);
/* Worker exit. */
void nd_binding_free(void);

#endif
