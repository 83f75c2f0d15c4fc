/*
 * The JS sampling profiler's table and file (worker/js/profile.h). The
 * sampling itself: the CPU watchdog (worker/js/heap.c) asks for a sample,
 * the next executor interrupt takes it (nd_duk_profile_stack).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/sys.h"
#include "worker/js/profile.h"

/* Distinct stacks kept; samples of further ones are counted as dropped. */
#define PROF_MAX_STACKS 16384
#define PROF_FLUSH_US   1000000

struct prof_ent {
    char     *stack;            /* owned, NUL-terminated; NULL = free slot */
    uint64_t  hash;
    uint64_t  count;
};

struct nd_prof {
    char            *path;      /* owned: DIR/<app>.<pid>.folded */
    char            *app;       /* owned: for the log */
    struct prof_ent *tab;       /* owned: open addressing, cap a power of two */
    size_t           cap;
    size_t           n;
    uint64_t         dropped;
    int64_t          flushed_us; /* nd_sys_now_us() of the last write */
    int              dirty;
    int              warned;
};

static uint64_t
fnv1a(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    size_t   i;

    for (i = 0; i < len; i++) {
        h = (h ^ (unsigned char) s[i]) * 1099511628211ULL;
    }
    return h;
}

struct nd_prof *
nd_prof_new(const char *dir, const char *app)
{
    struct nd_prof *p = calloc(1, sizeof(*p));
    int             n;

    if (p == NULL) {
        return NULL;
    }
    n = snprintf(NULL, 0, "%s/%s.%ld.folded", dir, app, (long) getpid());
    p->path = malloc((size_t) n + 1);
    p->app = strdup(app);
    p->cap = 256;
    p->tab = calloc(p->cap, sizeof(*p->tab));
    if (p->path == NULL || p->app == NULL || p->tab == NULL) {
        goto fail;
    }
    snprintf(p->path, (size_t) n + 1, "%s/%s.%ld.folded", dir, app, (long) getpid());
    p->flushed_us = nd_sys_now_us();
    return p;

fail:
    free(p->path);
    free(p->app);
    free(p->tab);
    free(p);
    return NULL;
}

static int
grow(struct nd_prof *p)
{
    struct prof_ent *nt;
    size_t           ncap = p->cap * 2, i, j;

    nt = calloc(ncap, sizeof(*nt));
    if (nt == NULL) {
        return -1;
    }
    for (i = 0; i < p->cap; i++) {
        if (p->tab[i].stack == NULL) {
            continue;
        }
        for (j = p->tab[i].hash & (ncap - 1); nt[j].stack != NULL; j = (j + 1) & (ncap - 1)) {
        }
        nt[j] = p->tab[i];
    }
    free(p->tab);
    p->tab = nt;
    p->cap = ncap;
    return 0;
}

void
nd_prof_add(struct nd_prof *p, const char *stack, size_t len)
{
    uint64_t h = fnv1a(stack, len);
    size_t   i;

    p->dirty = 1;
    for (i = h & (p->cap - 1); p->tab[i].stack != NULL; i = (i + 1) & (p->cap - 1)) {
        if (p->tab[i].hash == h && strncmp(p->tab[i].stack, stack, len) == 0 &&
            p->tab[i].stack[len] == '\0') {
            p->tab[i].count++;
            return;
        }
    }
    if (p->n >= PROF_MAX_STACKS || (p->n + 1 > p->cap / 2 && grow(p) == -1)) {
        p->dropped++;
        return;
    }
    for (i = h & (p->cap - 1); p->tab[i].stack != NULL; i = (i + 1) & (p->cap - 1)) {
    }
    p->tab[i].stack = strndup(stack, len);
    if (p->tab[i].stack == NULL) {
        p->dropped++;
        return;
    }
    p->tab[i].hash = h;
    p->tab[i].count = 1;
    p->n++;
}

int
nd_prof_flush(struct nd_prof *p, int force)
{
    char    tmp[4096];
    FILE   *f = NULL;
    size_t  i;
    int64_t now = nd_sys_now_us();

    if (!p->dirty || (!force && now - p->flushed_us < PROF_FLUSH_US)) {
        return 0;
    }
    p->flushed_us = now;
    p->dirty = 0;
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", p->path) >= (int) sizeof(tmp)) {
        errno = ENAMETOOLONG;
        goto fail;
    }
    f = fopen(tmp, "w");
    if (f == NULL) {
        goto fail;
    }
    for (i = 0; i < p->cap; i++) {
        if (p->tab[i].stack != NULL) {
            fprintf(f, "%s %llu\n", p->tab[i].stack, (unsigned long long) p->tab[i].count);
        }
    }
    if (p->dropped > 0) {
        fprintf(f, "(dropped: more than %d distinct stacks) %llu\n", PROF_MAX_STACKS,
                (unsigned long long) p->dropped);
    }
    if (fclose(f) != 0) {
        f = NULL;
        goto fail;
    }
    f = NULL;
    if (rename(tmp, p->path) == -1) {
        goto fail;
    }
    return 0;

fail:
    if (!p->warned) {
        p->warned = 1;
        nd_log(ND_LOG_WARN, p->app, "profile: cannot write %s: %s", p->path, strerror(errno));
    }
    if (f != NULL) {
        fclose(f);
    }
    return -1;
}

void
nd_prof_free(struct nd_prof *p)
{
    size_t i;

    if (p == NULL) {
        return;
    }
    (void) nd_prof_flush(p, 1);
    for (i = 0; i < p->cap; i++) {
        free(p->tab[i].stack);
    }
    free(p->tab);
    free(p->path);
    free(p->app);
    free(p);
}
