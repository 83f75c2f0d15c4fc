/* Unit tests: the (owner, id) intrusive hash (common/idmap.c). */
#include <stdlib.h>

#include "t.h"
#include "common/idmap.c"

struct obj {
    int         tag;
    double      id;
    struct obj *link;
    const char *owner;
    int         freed;
};

static struct nd_idmap
new_map(void)
{
    struct nd_idmap m = ND_IDMAP_INIT(struct obj, owner, id, link);

    return m;
}

static int
is_odd(void *e)
{
    return ((struct obj *) e)->tag % 2 == 1;
}

static void
mark_freed(void *e)
{
    ((struct obj *) e)->freed++;
}

T_CASE(add_find_remove_through_growth)
{
    static const char a[] = "a", b[] = "b";
    struct nd_idmap   m = new_map();
    struct obj       *o = calloc(3000, sizeof(*o));
    int               i;

    T_TRUE(o != NULL);
    T_TRUE(nd_idmap_find(&m, a, 1) == NULL);
    for (i = 0; i < 3000; i++) {
        o[i].tag = i;
        o[i].id = (double) (i / 2);
        o[i].owner = i % 2 ? a : b;         /* the same id under two owners */
        T_TRUE(nd_idmap_add(&m, &o[i]) == 0);
    }
    T_TRUE(m.n == 3000 && m.cap >= 3000);    /* grew from 64, load factor <= 1 */
    for (i = 0; i < 3000; i++) {
        T_TRUE(nd_idmap_find(&m, i % 2 ? a : b, (double) (i / 2)) == &o[i]);
    }
    T_TRUE(nd_idmap_find(&m, a, 5000) == NULL);
    T_TRUE(nd_idmap_find(&m, "c", 1) == NULL);
    T_TRUE(nd_idmap_remove(&m, &o[7]) == 1);
    T_TRUE(nd_idmap_remove(&m, &o[7]) == 0);
    T_TRUE(nd_idmap_find(&m, a, 3) == NULL);
    T_TRUE(nd_idmap_find(&m, b, 3) == &o[6]);
    T_TRUE(m.n == 2999);
    nd_idmap_free(&m);
    T_TRUE(m.b == NULL && m.n == 0);
    free(o);
}

T_CASE(sweep_releases_what_is_done)
{
    struct nd_idmap m = new_map();
    struct obj      o[200];
    int             i, freed = 0;

    memset(o, 0, sizeof(o));
    for (i = 0; i < 200; i++) {
        o[i].tag = i;
        o[i].id = i;
        o[i].owner = "x";
        T_TRUE(nd_idmap_add(&m, &o[i]) == 0);
    }
    nd_idmap_sweep(&m, is_odd, mark_freed);
    T_TRUE(m.n == 100);
    for (i = 0; i < 200; i++) {
        T_TRUE(o[i].freed == i % 2);
        T_TRUE((nd_idmap_find(&m, "x", i) != NULL) == (i % 2 == 0));
    }
    nd_idmap_sweep(&m, NULL, mark_freed);   /* everything */
    T_TRUE(m.n == 0 && nd_idmap_find(&m, "x", 0) == NULL);
    for (i = 0; i < 200; i++) {
        freed += o[i].freed;
    }
    T_TRUE(freed == 200);
    nd_idmap_free(&m);
}

T_CASE(empty_map)
{
    struct nd_idmap m = new_map();
    struct obj      o;

    memset(&o, 0, sizeof(o));
    T_TRUE(nd_idmap_find(&m, "x", 0) == NULL);
    T_TRUE(nd_idmap_remove(&m, &o) == 0);
    nd_idmap_sweep(&m, NULL, mark_freed);
    nd_idmap_free(&m);
}

int
main(void)
{
    T_RUN(add_find_remove_through_growth);
    T_RUN(sweep_releases_what_is_done);
    T_RUN(empty_map);
    return T_DONE();
}
