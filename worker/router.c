/*
 * Host -> app: two open-addressing hash maps, exact hosts and wildcard
 * suffixes ("*.example.com" is stored as "example.com"). A lookup costs one
 * probe for the exact host plus one per label boundary, left to right, so the
 * first wildcard hit is the longest suffix.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "worker/router.h"

#define HOST_BUF 256            /* nd_host_normalize: at most 253 bytes + NUL */

struct entry {
    char   *key;                /* owned; NULL = free slot */
    size_t  len;
    size_t  hash;
    void   *target;             /* borrowed */
};

struct map {
    struct entry *e;            /* owned, cap entries */
    size_t        cap;          /* 0 or a power of two */
    size_t        n;
};

struct nd_router {
    struct map exact;
    struct map wild;
    void      *deflt;           /* borrowed */
};

static size_t
hash_mem(const char *s, size_t len)
{
    uint64_t h = 14695981039346656037ull;      /* FNV-1a */
    size_t   i;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char) s[i];
        h *= 1099511628211ull;
    }
    return (size_t) h;
}

static const struct entry *
map_get(const struct map *m, const char *key, size_t len)
{
    size_t h, i;

    if (m->cap == 0) {
        return NULL;
    }
    h = hash_mem(key, len);
    for (i = h & (m->cap - 1); m->e[i].key != NULL; i = (i + 1) & (m->cap - 1)) {
        if (m->e[i].hash == h && m->e[i].len == len && memcmp(m->e[i].key, key, len) == 0) {
            return &m->e[i];
        }
    }
    return NULL;
}

static void
map_insert(struct entry *e, size_t cap, const struct entry *item)
{
    size_t i;

    for (i = item->hash & (cap - 1); e[i].key != NULL; i = (i + 1) & (cap - 1)) {
    }
    e[i] = *item;
}

/* 0, or -1 when key is present or out of memory. */
static int
map_put(struct map *m, const char *key, size_t len, void *target)
{
    struct entry item;
    size_t       i;

    if (map_get(m, key, len) != NULL) {
        return -1;
    }
    if ((m->n + 1) * 4 > m->cap * 3) {         /* keep the load under 3/4 */
        size_t        cap = m->cap != 0 ? m->cap * 2 : 16;
        struct entry *e = calloc(cap, sizeof(*e));

        if (e == NULL) {
            return -1;
        }
        for (i = 0; i < m->cap; i++) {
            if (m->e[i].key != NULL) {
                map_insert(e, cap, &m->e[i]);
            }
        }
        free(m->e);
        m->e = e;
        m->cap = cap;
    }
    item.key = malloc(len + 1);
    if (item.key == NULL) {
        return -1;
    }
    memcpy(item.key, key, len);
    item.key[len] = '\0';
    item.len = len;
    item.hash = hash_mem(key, len);
    item.target = target;
    map_insert(m->e, m->cap, &item);
    m->n++;
    return 0;
}

static void
map_free(struct map *m)
{
    size_t i;

    for (i = 0; i < m->cap; i++) {
        free(m->e[i].key);
    }
    free(m->e);
}

struct nd_router *
nd_router_new(void)
{
    return calloc(1, sizeof(struct nd_router));
}

void
nd_router_free(struct nd_router *r)
{
    if (r == NULL) {
        return;
    }
    map_free(&r->exact);
    map_free(&r->wild);
    free(r);
}

int
nd_router_add(struct nd_router *r, const char *pattern, void *target)
{
    char   buf[HOST_BUF];
    size_t n = nd_host_normalize(pattern, strlen(pattern), buf, sizeof(buf));

    if (n == 0) {
        return -1;
    }
    if (buf[0] == '*') {
        if (n < 3 || buf[1] != '.' || memchr(buf + 2, '*', n - 2) != NULL) {
            return -1;
        }
        return map_put(&r->wild, buf + 2, n - 2, target);
    }
    if (memchr(buf, '*', n) != NULL) {
        return -1;
    }
    return map_put(&r->exact, buf, n, target);
}

void
nd_router_set_default(struct nd_router *r, void *target)
{
    r->deflt = target;
}

void *
nd_router_match(const struct nd_router *r, const char *host, size_t len)
{
    char                buf[HOST_BUF];
    const struct entry *e;
    size_t              n = nd_host_normalize(host, len, buf, sizeof(buf)), i;

    if (n == 0) {
        return r->deflt;
    }
    e = map_get(&r->exact, buf, n);
    if (e != NULL) {
        return e->target;
    }
    if (r->wild.n > 0) {
        for (i = 0; i < n; i++) {
            if (buf[i] == '.' && (e = map_get(&r->wild, buf + i + 1, n - i - 1)) != NULL) {
                return e->target;
            }
        }
    }
    return r->deflt;
}
