/*
 * The scoreboard map (see scoreboard.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "common/scoreboard.h"

#define SB_MAGIC 0x6e616e6f64736231ULL     /* "nanodsb1" */

const int64_t nd_sb_dur_bounds_us[ND_SB_NBUCKETS - 1] = {
    1000, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000,
    10000000, 30000000
};
const int64_t nd_sb_cpu_bounds_us[ND_SB_NBUCKETS - 1] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000
};
const char *const nd_sb_wstate_names[] = { "free", "starting", "ready", "draining" };
const char *const nd_sb_bind_kind_names[] = { "kv", "kv", "d1" };
const char *const nd_sb_bind_store_names[] = { "sqlite", "redis", "sqlite" };

/* GLOBAL: the scoreboard map, shared by all processes (STYLE.md). */
struct nd_sb *nd_sb_map;
/* GLOBAL: this process's slot in it. */
int nd_sb_self = -1;

/* GLOBAL: the struct nd_sb_map points to. */
static struct nd_sb g_sb;

static size_t
align64(size_t n)
{
    return (n + 63) & ~(size_t) 63;
}

int64_t
nd_sb_now_unix_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
nd_sb_create(uint32_t nslots, uint32_t app_cap)
{
    size_t o_slots, o_names, o_info, o_apps, o_binds, size;
    char  *p;

    o_slots = align64(sizeof(struct nd_sb_header));
    o_names = align64(o_slots + (size_t) nslots * sizeof(struct nd_sb_slot));
    o_info = align64(o_names + (size_t) app_cap * ND_SB_NAME_MAX);
    o_apps = align64(o_info + (size_t) app_cap * sizeof(struct nd_sb_appinfo));
    o_binds = align64(o_apps + (size_t) nslots * app_cap * sizeof(struct nd_sb_app));
    size = o_binds + (size_t) nslots * ND_SB_BINDS * sizeof(struct nd_sb_bind);
    p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        return -1;
    }
    g_sb.hdr = (struct nd_sb_header *) (void *) p;
    g_sb.slots = (struct nd_sb_slot *) (void *) (p + o_slots);
    g_sb.names = p + o_names;
    g_sb.info = (struct nd_sb_appinfo *) (void *) (p + o_info);
    g_sb.apps = (struct nd_sb_app *) (void *) (p + o_apps);
    g_sb.binds = (struct nd_sb_bind *) (void *) (p + o_binds);
    g_sb.size = size;
    g_sb.hdr->magic = SB_MAGIC;
    g_sb.hdr->start_unix_ms = nd_sb_now_unix_ms();
    g_sb.hdr->nslots = nslots;
    g_sb.hdr->app_cap = app_cap;
    nd_sb_map = &g_sb;
    nd_sb_self = -1;
    return 0;
}

void
nd_sb_destroy(void)
{
    if (nd_sb_map != NULL) {
        munmap(g_sb.hdr, g_sb.size);
        memset(&g_sb, 0, sizeof(g_sb));
        nd_sb_map = NULL;
    }
}

int
nd_sb_app_index(const char *name)
{
    struct nd_sb_header *h;
    size_t               len = strlen(name);
    uint32_t             i;

    if (nd_sb_map == NULL || len >= ND_SB_NAME_MAX) {
        return -1;
    }
    h = nd_sb_map->hdr;
    for (i = 0; i < h->napps; i++) {
        if (strcmp(nd_sb_map->names + (size_t) i * ND_SB_NAME_MAX, name) == 0) {
            return (int) i;
        }
    }
    if (h->napps >= h->app_cap) {
        return -1;
    }
    memcpy(nd_sb_map->names + (size_t) h->napps * ND_SB_NAME_MAX, name, len + 1);
    __atomic_store_n(&h->napps, h->napps + 1, __ATOMIC_RELEASE);
    return (int) (h->napps - 1);
}

int
nd_sb_slot_take(int generation, int index)
{
    uint32_t i;

    if (nd_sb_map == NULL) {
        return -1;
    }
    for (i = 0; i < nd_sb_map->hdr->nslots; i++) {
        struct nd_sb_slot *s = &nd_sb_map->slots[i];
        if (s->state == ND_SB_FREE) {
            s->pid = 0;
            s->generation = generation;
            s->index = index;
            s->requests = 0;
            s->rss = 0;
            s->started_unix_ms = nd_sb_now_unix_ms();
            s->used = 1;
            s->state = ND_SB_STARTING;
            return (int) i;
        }
    }
    return -1;
}

void
nd_sb_slot_free(int slot)
{
    uint32_t i;

    if (nd_sb_map == NULL || slot < 0 || (uint32_t) slot >= nd_sb_map->hdr->nslots) {
        return;
    }
    /* The worker is gone: its heaps are too. */
    for (i = 0; i < nd_sb_map->hdr->app_cap; i++) {
        nd_sb_map->apps[(size_t) slot * nd_sb_map->hdr->app_cap + i].loaded_heaps = 0;
        nd_sb_map->apps[(size_t) slot * nd_sb_map->hdr->app_cap + i].load_failed = 0;
    }
    nd_sb_map->slots[slot].pid = 0;
    nd_sb_map->slots[slot].state = ND_SB_FREE;
}

void
nd_sb_set_reload(int ok, const char *text)
{
    struct nd_sb_header *h;
    size_t               n;

    if (nd_sb_map == NULL) {
        return;
    }
    h = nd_sb_map->hdr;
    n = strlen(text);
    if (n >= sizeof(h->last_reload_text)) {
        n = sizeof(h->last_reload_text) - 1;
    }
    __atomic_add_fetch(&h->text_seq, 1, __ATOMIC_ACQ_REL);
    memcpy(h->last_reload_text, text, n);
    h->last_reload_text[n] = '\0';
    h->last_reload_ok = ok;
    h->last_reload_unix_ms = nd_sb_now_unix_ms();
    __atomic_add_fetch(&h->text_seq, 1, __ATOMIC_ACQ_REL);
}

void
nd_sb_apps_forget(void)
{
    uint32_t i;

    if (nd_sb_map == NULL) {
        return;
    }
    for (i = 0; i < nd_sb_map->hdr->napps; i++) {
        struct nd_sb_appinfo *a = &nd_sb_map->info[i];
        __atomic_add_fetch(&a->seq, 1, __ATOMIC_ACQ_REL);
        a->state = 0;
        __atomic_add_fetch(&a->seq, 1, __ATOMIC_ACQ_REL);
    }
}

void
nd_sb_set_app_state(int ai, int state, int64_t good_built_unix_ms, const char *error)
{
    struct nd_sb_appinfo *a;
    size_t                n = strlen(error);

    if (nd_sb_map == NULL || ai < 0 || (uint32_t) ai >= nd_sb_map->hdr->app_cap) {
        return;
    }
    a = &nd_sb_map->info[ai];
    if (n >= sizeof(a->error)) {
        n = sizeof(a->error) - 1;
    }
    __atomic_add_fetch(&a->seq, 1, __ATOMIC_ACQ_REL);
    a->state = state;
    a->good_built_unix_ms = good_built_unix_ms;
    memcpy(a->error, error, n);
    a->error[n] = '\0';
    __atomic_add_fetch(&a->seq, 1, __ATOMIC_ACQ_REL);
}

void
nd_sb_get_app_state(const struct nd_sb *sb, uint32_t ai, struct nd_sb_appinfo *out)
{
    const struct nd_sb_appinfo *a = &sb->info[ai];
    uint32_t                    s1, s2;
    int                         tries = 0;

    do {
        s1 = __atomic_load_n(&a->seq, __ATOMIC_ACQUIRE);
        memcpy(out, a, sizeof(*out));
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        s2 = __atomic_load_n(&a->seq, __ATOMIC_ACQUIRE);
    } while ((s1 != s2 || (s1 & 1)) && ++tries < 100);
    out->error[sizeof(out->error) - 1] = '\0';
}

int
nd_sb_bucket(const int64_t *bounds, int64_t v)
{
    int i;

    for (i = 0; i < ND_SB_NBUCKETS - 1; i++) {
        if (v <= bounds[i]) {
            return i;
        }
    }
    return ND_SB_NBUCKETS - 1;
}

void
nd_sb_request(int ai, int status, int64_t dur_us, int64_t cpu_us, uint64_t bytes_in,
              uint64_t bytes_out)
{
    struct nd_sb_app *a = nd_sb_my_app(ai);
    int               cls = status / 100;

    if (a == NULL) {
        return;
    }
    if (dur_us < 0) {
        dur_us = 0;
    }
    if (cpu_us < 0) {
        cpu_us = 0;
    }
    if (cls >= 1 && cls <= 5) {
        a->status[cls - 1]++;
    }
    a->dur[nd_sb_bucket(nd_sb_dur_bounds_us, dur_us)]++;
    a->dur_sum_us += (uint64_t) dur_us;
    a->cpu[nd_sb_bucket(nd_sb_cpu_bounds_us, cpu_us)]++;
    a->cpu_sum_us += (uint64_t) cpu_us;
    a->bytes_in += bytes_in;
    a->bytes_out += bytes_out;
}

struct nd_sb_bind *
nd_sb_my_binding(int ai, int kind, const char *name)
{
    struct nd_sb_bind *t;
    size_t             n = strlen(name);
    int                i;

    if (nd_sb_map == NULL || nd_sb_self < 0 || ai < 0 || n >= ND_SB_BIND_NAME_MAX) {
        return NULL;
    }
    t = &nd_sb_map->binds[(size_t) nd_sb_self * ND_SB_BINDS];
    for (i = 0; i < ND_SB_BINDS; i++) {
        if (!__atomic_load_n(&t[i].used, __ATOMIC_ACQUIRE)) {
            t[i].ai = ai;
            t[i].kind = kind;
            memcpy(t[i].name, name, n + 1);
            __atomic_store_n(&t[i].used, 1, __ATOMIC_RELEASE);
            return &t[i];
        }
        if (t[i].ai == ai && t[i].kind == kind && strcmp(t[i].name, name) == 0) {
            return &t[i];
        }
    }
    return NULL;
}

void
nd_sb_binding_record(struct nd_sb_bind *b, int64_t dur_us, int failed)
{
    if (dur_us < 0) {
        dur_us = 0;
    }
    b->dur[nd_sb_bucket(nd_sb_cpu_bounds_us, dur_us)]++;
    b->dur_sum_us += (uint64_t) dur_us;
    b->errors += failed != 0;
    b->ops++;
}
