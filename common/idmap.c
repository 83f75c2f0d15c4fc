/*
 * The (owner, id) intrusive hash (see idmap.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/idmap.h"

/* The key and link fields are read and written with memcpy: they are typed
 * (struct nd_app *, struct nd_timer *...) in the objects, so this stays clear
 * of strict aliasing. It compiles to plain loads and stores. */
static const void *
owner_of(const struct nd_idmap *m, const void *e)
{
    const void *v;

    memcpy(&v, (const char *) e + m->off_owner, sizeof(v));
    return v;
}

static double
id_of(const struct nd_idmap *m, const void *e)
{
    double v;

    memcpy(&v, (const char *) e + m->off_id, sizeof(v));
    return v;
}

static void *
next_of(const struct nd_idmap *m, const void *e)
{
    void *v;

    memcpy(&v, (const char *) e + m->off_next, sizeof(v));
    return v;
}

static void
set_next(const struct nd_idmap *m, void *e, void *next)
{
    memcpy((char *) e + m->off_next, &next, sizeof(next));
}

static size_t
hash(const void *owner, double id)
{
    uint64_t x = (uint64_t) (uintptr_t) owner ^ ((uint64_t) (int64_t) id * 0x9E3779B97F4A7C15ull);

    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 32;
    return (size_t) x;
}

static size_t
bucket(const struct nd_idmap *m, const void *e, size_t cap)
{
    return hash(owner_of(m, e), id_of(m, e)) & (cap - 1);
}

void *
nd_idmap_find(const struct nd_idmap *m, const void *owner, double id)
{
    void *e;

    if (m->cap == 0) {
        return NULL;
    }
    for (e = m->b[hash(owner, id) & (m->cap - 1)]; e != NULL; e = next_of(m, e)) {
        if (owner_of(m, e) == owner && id_of(m, e) == id) {
            return e;
        }
    }
    return NULL;
}

static int
grow(struct nd_idmap *m)
{
    size_t ncap = m->cap == 0 ? 64 : m->cap * 2, i;
    void **nb;

    if (m->n < m->cap) {
        return 0;
    }
    nb = calloc(ncap, sizeof(*nb));
    if (nb == NULL) {
        return m->cap == 0 ? -1 : 0;
    }
    for (i = 0; i < m->cap; i++) {
        while (m->b[i] != NULL) {
            void  *e = m->b[i];
            size_t k = bucket(m, e, ncap);
            m->b[i] = next_of(m, e);
            set_next(m, e, nb[k]);
            nb[k] = e;
        }
    }
    free(m->b);
    m->b = nb;
    m->cap = ncap;
    return 0;
}

int
nd_idmap_add(struct nd_idmap *m, void *e)
{
    size_t k;

    if (grow(m) == -1) {
        return -1;
    }
    k = bucket(m, e, m->cap);
    set_next(m, e, m->b[k]);
    m->b[k] = e;
    m->n++;
    return 0;
}

int
nd_idmap_remove(struct nd_idmap *m, void *e)
{
    void *prev = NULL, *x;
    size_t k;

    if (m->cap == 0) {
        return 0;
    }
    k = bucket(m, e, m->cap);
    for (x = m->b[k]; x != NULL; prev = x, x = next_of(m, x)) {
        if (x == e) {
            if (prev == NULL) {
                m->b[k] = next_of(m, e);
            } else {
                set_next(m, prev, next_of(m, e));
            }
            m->n--;
            return 1;
        }
    }
    return 0;
}

void
nd_idmap_sweep(struct nd_idmap *m, int (*done)(void *e), void (*release)(void *e))
{
    size_t i;

    for (i = 0; i < m->cap; i++) {
        void *prev = NULL, *e = m->b[i];
        while (e != NULL) {
            void *next = next_of(m, e);
            if (done == NULL || done(e)) {
                if (prev == NULL) {
                    m->b[i] = next;
                } else {
                    set_next(m, prev, next);
                }
                m->n--;
                release(e);
            } else {
                prev = e;
            }
            e = next;
        }
    }
}

void
nd_idmap_free(struct nd_idmap *m)
{
    free(m->b);
    m->b = NULL;
    m->cap = m->n = 0;
}
