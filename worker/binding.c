/*
 * Per-binding metrics (see binding.h). Each app's bindings find their
 * scoreboard entry once; the pointers are cached per app index (kv entries
 * first, then d1).
 */
#include <stdlib.h>

#include "common/scoreboard.h"
#include "worker/app.h"
#include "worker/binding.h"

/* GLOBAL: per app index, its bindings' scoreboard entries (loop only). */
static struct {
    struct nd_sb_bind ***apps;      /* owned arrays of borrowed entries */
    int                  napps;
} g;

static struct nd_sb_bind *
entry(struct nd_app *app, int kind, int b)
{
    int                 ai = (int) (app - app->w->apps), slot;
    const char         *name;
    struct nd_sb_bind **e;

    if (g.apps == NULL) {
        g.apps = calloc((size_t) app->w->napps, sizeof(*g.apps));
        if (g.apps == NULL) {
            return NULL;
        }
        g.napps = app->w->napps;
    }
    if (ai < 0 || ai >= g.napps || b < 0
        || b >= (kind == ND_SB_BIND_D1 ? app->conf->nd1 : app->conf->nkv)) {
        return NULL;
    }
    e = g.apps[ai];
    if (e == NULL) {
        e = calloc((size_t) (app->conf->nkv + app->conf->nd1 + 1), sizeof(*e));
        if (e == NULL) {
            return NULL;
        }
        g.apps[ai] = e;
    }
    slot = kind == ND_SB_BIND_D1 ? app->conf->nkv + b : b;
    if (e[slot] == NULL) {
        name = kind == ND_SB_BIND_D1 ? app->conf->d1[b].key : app->conf->kv[b].key;
        e[slot] = nd_sb_my_binding(app->conf->sb_index, kind, name);
    }
    return e[slot];
}

void
nd_binding_done(struct nd_app *app, int kind, int b, int64_t dur_us, int failed)
{
    struct nd_sb_bind *e = entry(app, kind, b);

    if (e != NULL) {
        nd_sb_binding_record(e, dur_us, failed);
    }
}

void
nd_binding_free(void)
{
    int i;

    for (i = 0; g.apps != NULL && i < g.napps; i++) {
        free(g.apps[i]);
    }
    free(g.apps);
    g.apps = NULL;
}
