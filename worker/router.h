/*
 * Host -> app. Pure: no I/O, no libevent. Built once per config generation in
 * the worker (or checked by config validation), read on every request.
 *
 * Order: exact host, then the longest "*.suffix" pattern (which matches any
 * host with at least one more label; not the bare suffix), then the default
 * target, else NULL (the caller answers 404).
 */
#ifndef ND_ROUTER_H
#define ND_ROUTER_H

#include <stddef.h>

struct nd_router;

struct nd_router *nd_router_new(void);
void nd_router_free(struct nd_router *r);

/* pattern: normalized host ("a.example.com") or wildcard ("*.example.com").
 * 0 on success, -1 if the pattern is already present (duplicate) or invalid. */
int nd_router_add(struct nd_router *r, const char *pattern, void *target);
void nd_router_set_default(struct nd_router *r, void *target);

/* host: raw Host header value (any case, maybe ":port", "[v6]", trailing dot);
 * normalized internally (nd_host_normalize). NULL when nothing matches. */
void *nd_router_match(const struct nd_router *r, const char *host, size_t len);

#endif
