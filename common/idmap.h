/*
 * An intrusive hash of objects keyed by (owner pointer, JS-visible id): the
 * timers, fetches and invocation contexts of a worker, found by (app, id).
 * The key and the chain link are fields of the object; the map knows their
 * offsets (ND_IDMAP_INIT). No allocation per object; the buckets double at a
 * load factor of 1. Pure: libc only.
 */
#ifndef ND_IDMAP_H
#define ND_IDMAP_H

#include <stddef.h>

struct nd_idmap {
    void   **b;             /* owned: bucket heads */
    size_t   cap, n;
    size_t   off_owner;     /* of a `const void *`-sized pointer field */
    size_t   off_id;        /* of a double */
    size_t   off_next;      /* of a pointer to the next object in the chain */
};

#define ND_IDMAP_INIT(type, owner, id, next) \
    { NULL, 0, 0, offsetof(type, owner), offsetof(type, id), offsetof(type, next) }

/* The object with this key, or NULL. */
void *nd_idmap_find(const struct nd_idmap *m, const void *owner, double id);
/* Adds e (its key set, not in the map). 0, or -1 when out of memory and
 * there is no table yet (a failed grow keeps the slower table). */
int nd_idmap_add(struct nd_idmap *m, void *e);
/* Removes e (by identity); 1 when it was there, else 0. */
int nd_idmap_remove(struct nd_idmap *m, void *e);
/* Removes every object done(e) says is over (done NULL: every object), then
 * calls release(e) on it: release may free it. */
void nd_idmap_sweep(struct nd_idmap *m, int (*done)(void *e), void (*release)(void *e));
/* Frees the buckets (not the objects). */
void nd_idmap_free(struct nd_idmap *m);

#endif
