/*
 * The scoreboard: one MAP_SHARED anonymous mapping made by the supervisor
 * before the first fork and inherited by every worker. Metrics are summed
 * over it at scrape time (no messages, no locks).
 *
 *   header      written by the supervisor only (generation, reloads...)
 *   slots[]     one per worker process; the supervisor picks a free slot
 *               before fork and frees it after reaping; in between only that
 *               worker writes it
 *   names[]     app names, added by the supervisor (start, reload): a fixed
 *               table so that an app keeps its counters across reloads
 *   counters[slot][app]  written by the slot's worker only
 *
 * Counters only grow: a slot's counters are not reset when a new worker
 * takes it, so sums stay monotonic across restarts. Readers (the admin
 * listener, in any worker) may see values a few increments old; histograms
 * keep per-bucket counts, and _count is derived from them, so a scrape is
 * always self-consistent. 64-bit aligned loads and stores are atomic on the
 * platforms we build for (amd64, arm64).
 */
#ifndef ND_SCOREBOARD_H
#define ND_SCOREBOARD_H

#include <stdint.h>
#include <sys/types.h>

#define ND_SB_NBUCKETS   14     /* 13 bounds + +Inf */
#define ND_SB_NAME_MAX   128    /* longer app names get no per-app metrics */
#define ND_SB_TEXT_MAX   1024

/* Duration buckets in microseconds (le = seconds in the exposition). */
extern const int64_t nd_sb_dur_bounds_us[ND_SB_NBUCKETS - 1];
/* CPU buckets in microseconds (le = milliseconds in the exposition). */
extern const int64_t nd_sb_cpu_bounds_us[ND_SB_NBUCKETS - 1];

enum nd_sb_wstate {
    ND_SB_FREE,
    ND_SB_STARTING,
    ND_SB_READY,
    ND_SB_DRAINING,
};
extern const char *const nd_sb_wstate_names[];

struct nd_sb_header {
    uint64_t magic;
    int64_t  start_unix_ms;
    int32_t  generation;            /* serving */
    int32_t  workers_conf;          /* configured workers of the serving generation */
    int32_t  workers_up;            /* READY workers of the serving generation */
    int32_t  full;                  /* 1 when every worker of the generation is READY */
    int32_t  draining;              /* 1 during a graceful stop's drain_delay: /healthz 503 */
    int64_t  reloads_ok;
    int64_t  reloads_failed;
    int64_t  last_reload_unix_ms;   /* 0 = none yet */
    int32_t  last_reload_ok;
    uint32_t nslots;
    uint32_t app_cap;
    uint32_t napps;                 /* names used (never shrinks) */
    uint32_t text_seq;              /* odd while last_reload_text is being written */
    char     last_reload_text[ND_SB_TEXT_MAX];
};

struct nd_sb_slot {
    int32_t  pid;                   /* 0 when free */
    int32_t  generation;
    int32_t  index;
    int32_t  state;                 /* enum nd_sb_wstate */
    int32_t  used;                  /* ever used: its counters matter */
    int32_t  conns;                 /* open client connections (the worker's http layer;
                                       published on accept and close) */
    int64_t  started_unix_ms;
    uint64_t requests;
    int64_t  rss;                   /* bytes */
};

struct nd_sb_app {
    uint64_t status[5];             /* 1xx .. 5xx */
    uint64_t dur[ND_SB_NBUCKETS];   /* per bucket, not cumulative */
    uint64_t dur_sum_us;
    uint64_t cpu[ND_SB_NBUCKETS];
    uint64_t cpu_sum_us;
    uint64_t bytes_in;
    uint64_t bytes_out;
    uint64_t exceptions;
    uint64_t kill_cpu;
    uint64_t kill_memory;
    uint64_t kill_timeout;
    uint64_t heap_builds;
    int64_t  loaded_heaps;          /* gauge: heaps alive in this slot's worker */
    uint64_t subrequests;
    int64_t  load_failed;           /* gauge: 1 while this slot's worker has the app's load
                                       failure cached (its script threw at top level...) */
    uint64_t shed_backoff;          /* refused: cpu_backoff */
    uint64_t shed_concurrency;      /* refused: max_concurrent_requests */
    uint64_t log_dropped;           /* app log lines dropped (log_rate) */
    uint64_t log_truncated;         /* app log lines cut (log_line_max) */
    uint64_t script_compiles;       /* heaps whose script the worker compiled itself: no
                                       usable bytecode from the compile check (app.c) */
};

/*
 * A binding's counters (KV, D1) in one slot: ND_SB_BINDS entries per slot,
 * claimed in order by the slot's worker on a binding's first call (name and
 * kind written, then used set); a worker that takes the slot later finds
 * and keeps adding to the same entry. Readers stop at the first unused one.
 * Durations use nd_sb_cpu_bounds_us (100 us .. 1 s).
 */
#define ND_SB_BINDS         512
#define ND_SB_BIND_NAME_MAX 64
enum { ND_SB_BIND_KV_SQLITE, ND_SB_BIND_KV_REDIS, ND_SB_BIND_D1, ND_SB_BIND_NKINDS };
extern const char *const nd_sb_bind_kind_names[];      /* "kv", "kv", "d1" */
extern const char *const nd_sb_bind_store_names[];     /* "sqlite", "redis", "sqlite" */

struct nd_sb_bind {
    int32_t  used;                  /* set last (release) once ai, kind, name are written */
    int32_t  ai;                    /* app index */
    int32_t  kind;                  /* ND_SB_BIND_* */
    int32_t  pad;
    char     name[ND_SB_BIND_NAME_MAX];
    uint64_t ops;                   /* calls that ended (answered or failed) */
    uint64_t errors;                /* of which failed */
    uint64_t dur[ND_SB_NBUCKETS];   /* per bucket, not cumulative */
    uint64_t dur_sum_us;
};

#define ND_SB_ERROR_MAX  600

/* An app's state in the serving config (supervisor-written, seqlock). */
struct nd_sb_appinfo {
    uint32_t seq;                   /* odd while being written */
    int32_t  state;                 /* 0 not in the serving config, else 1 + enum nd_app_state */
    int64_t  good_built_unix_ms;    /* when the version that runs was built; 0 = none */
    char     error[ND_SB_ERROR_MAX]; /* "file:line: msg" of the current script, "" when ok */
};

struct nd_sb {
    struct nd_sb_header *hdr;
    struct nd_sb_appinfo *info;     /* app_cap */
    struct nd_sb_slot   *slots;     /* nslots */
    char                *names;     /* app_cap * ND_SB_NAME_MAX */
    struct nd_sb_app    *apps;      /* nslots * app_cap */
    struct nd_sb_bind   *binds;     /* nslots * ND_SB_BINDS */
    size_t               size;
};

/* GLOBAL (scoreboard.c): the map, and this process's slot (-1 in the
 * supervisor or when it has none). nd_sb_map is NULL before nd_sb_create(). */
extern struct nd_sb *nd_sb_map;
extern int           nd_sb_self;

/* Supervisor, before the first fork. Sets nd_sb_map. 0, or -1 with errno. */
int nd_sb_create(uint32_t nslots, uint32_t app_cap);
void nd_sb_destroy(void);
/* Index of name in the table, added when missing; -1 when full or too long.
 * Supervisor only. */
int nd_sb_app_index(const char *name);
/* A free slot (marked taken, counters kept), or -1. Supervisor only. */
int nd_sb_slot_take(int generation, int index);
void nd_sb_slot_free(int slot);
void nd_sb_set_reload(int ok, const char *text);     /* supervisor */
/* App states (supervisor): forget marks every app as not configured, then
 * set_app_state each app of the serving config. state: 1 + enum nd_app_state. */
void nd_sb_apps_forget(void);
void nd_sb_set_app_state(int ai, int state, int64_t good_built_unix_ms, const char *error);
/* A consistent copy of app ai's info (any process). */
void nd_sb_get_app_state(const struct nd_sb *sb, uint32_t ai, struct nd_sb_appinfo *out);

/* Counters of app index ai in this process's slot, or NULL. Worker only. */
static inline struct nd_sb_app *
nd_sb_my_app(int ai)
{
    if (nd_sb_map == NULL || nd_sb_self < 0 || ai < 0
        || (uint32_t) ai >= nd_sb_map->hdr->app_cap) {
        return NULL;
    }
    return &nd_sb_map->apps[(size_t) nd_sb_self * nd_sb_map->hdr->app_cap + (size_t) ai];
}

static inline struct nd_sb_slot *
nd_sb_my_slot(void)
{
    return nd_sb_map != NULL && nd_sb_self >= 0 ? &nd_sb_map->slots[nd_sb_self] : NULL;
}

/* Bucket index of v for bounds (the last one is +Inf). */
int nd_sb_bucket(const int64_t *bounds, int64_t v);

/* This slot's entry for binding name of kind of app ai, claimed when new; NULL
 * when there is no slot, the name is too long or the slot's table is full.
 * Worker only (the slot's writer). */
struct nd_sb_bind *nd_sb_my_binding(int ai, int kind, const char *name);
/* One ended call: dur_us, failed or not. */
void nd_sb_binding_record(struct nd_sb_bind *b, int64_t dur_us, int failed);

/* Accounts one finished request of app ai. Worker only. */
void nd_sb_request(int ai, int status, int64_t dur_us, int64_t cpu_us, uint64_t bytes_in,
                   uint64_t bytes_out);

int64_t nd_sb_now_unix_ms(void);

#endif
