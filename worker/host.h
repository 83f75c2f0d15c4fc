/*
 * The worker's side of the engine boundary: the ops table (worker/js/host.h)
 * that every app heap gets (nd_js_new in app.c), mapping each op onto
 * app.c, fetch.c, timer.c and invocation.c. Worker only.
 */
#ifndef ND_HOST_H
#define ND_HOST_H

#include "worker/js/host.h"

extern const struct nd_js_host nd_worker_js_host;

#endif
