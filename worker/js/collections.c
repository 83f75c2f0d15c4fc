/*
 * Map, Set, WeakMap, WeakSet in C (ES2015+ semantics), installed on a
 * heap's first touch of any of them (native.lazyLoad("es-collections")
 * returns nd_collections_install, boot_lazy.c); they replaced core-js's polyfill, whose first
 * touch cost ~1.1 MB and 7.5-17 ms per heap and whose WeakMap (on hono's
 * hot path, for every #private field) half of a hono app's profile.
 *
 * Map and Set. An instance has one hidden own property, its table: a bare
 * array [ meta, k0, v0, k1, v1, ... ] (a Set stores keys only). meta is a
 * fixed buffer: struct meta, then the hash buckets, then one struct ent per
 * entry slot (the key's identity, nd_duk_key_id(), and the hash chain). The
 * array keeps keys and values reachable for the garbage collector; the C
 * side only indexes them. Entries are appended in insertion order; a delete
 * leaves a hole (tag 0, key and value slots undefined) that iteration skips.
 *
 * Live iteration. Iterators and forEach hold (table, position). When a
 * full table has holes it is compacted into a new table, and the old one
 * becomes a forward: old[0] = the new table, old key slot i = the new
 * position of old position i (for i = 0..count), old values dropped. A
 * cursor on an old table follows the forwards (old tables live exactly as
 * long as a cursor holds them: the garbage collector frees them). clear()
 * makes a forward whose positions all read 0 (the old array is truncated).
 * So entries added during iteration are visited, deleted ones are not, and
 * nothing is visited twice.
 *
 * WeakMap and WeakSet. Each instance has a hidden symbol of its own (a
 * string \xFF "ndW<n>", n from a per-process counter), and wm.set(k, v)
 * stores v on k under that symbol, as an own property no script can see
 * (nd_duk_own_hidden_*, worker/js/duk_collections.inc; frozen keys work).
 * The value thus lives as long as the key, never longer, and a key is never
 * kept alive by the WeakMap: the same approximation core-js makes, except
 * that a value whose key outlives its WeakMap stays until the key goes.
 * Keys that cannot hold properties (built-in functions, which are
 * lightfuncs here, and plain buffers) go to a strong table of the WeakMap.
 *
 * Worker only; called from JavaScript through the natives.
 */
#include <string.h>

#include "duktape.h"
#include "worker/js/bind.h"
#include "worker/js/collections.h"

/* worker/js/duk_collections.inc (appended to our duktape.c) */
int nd_duk_key_id(duk_context *ctx, duk_idx_t idx, duk_uint64_t *bits);
int nd_duk_own_hidden_get(duk_context *ctx, duk_idx_t obj_idx, duk_idx_t key_idx);
void nd_duk_own_hidden_put(duk_context *ctx, duk_idx_t obj_idx, duk_idx_t key_idx);
int nd_duk_own_hidden_del(duk_context *ctx, duk_idx_t obj_idx, duk_idx_t key_idx);

#define TAB_KEY     DUK_HIDDEN_SYMBOL("ndTab")      /* Map/Set: the table */
#define WEAK_KEY    DUK_HIDDEN_SYMBOL("ndWk")       /* WeakMap/Set: its symbol */
#define STRONG_KEY  DUK_HIDDEN_SYMBOL("ndWs")       /* WeakMap/Set: strong table */
#define ITER_KEY    DUK_HIDDEN_SYMBOL("ndIt")       /* iterator: [ table pos kind ] */
#define PROTO_KEY   DUK_HIDDEN_SYMBOL("ndItProto")  /* on keys/values/entries */

enum { KIND_MAP = 1, KIND_SET = 2 };
enum { IT_KEYS = 0, IT_VALUES = 1, IT_ENTRIES = 2 };

#define MIN_CAP 4
#define MAX_CAP (1U << 26)              /* entries per table: 1 GB of meta */

struct meta {
    duk_uint32_t kind;                  /* KIND_* */
    duk_uint32_t count;                 /* slots used, holes included */
    duk_uint32_t size;                  /* live entries */
    duk_uint32_t cap;                   /* slots; also the bucket count (2^n) */
};

struct ent {
    duk_uint64_t bits;                  /* nd_duk_key_id() */
    duk_uint32_t next;                  /* next slot + 1 in the bucket, 0: end */
    duk_uint32_t tag;                   /* nd_duk_key_id()'s tag; 0: a hole */
};

/* GLOBAL: numbers the WeakMaps/WeakSets of this process (their symbols);
 * single-threaded worker. */
static duk_uint64_t g_weak_seq;

static duk_uint32_t *
buckets(struct meta *m)
{
    return (duk_uint32_t *) (void *) (m + 1);
}

static struct ent *
ents(struct meta *m)
{
    return (struct ent *) (void *) (buckets(m) + m->cap);
}

static duk_uint32_t
hash(duk_uint32_t tag, duk_uint64_t b)
{
    b ^= (duk_uint64_t) tag * 0x9E3779B97F4A7C15ULL;
    b ^= b >> 33;
    b *= 0xff51afd7ed558ccdULL;
    b ^= b >> 33;
    b *= 0xc4ceb9fe1a85ec53ULL;
    b ^= b >> 33;
    return (duk_uint32_t) b;
}

static duk_uint32_t
stride(const struct meta *m)
{
    return m->kind == KIND_MAP ? 2 : 1;
}

/* -> [ ... meta ]: a new, empty meta buffer of cap slots. */
static struct meta *
push_meta(duk_context *ctx, duk_uint32_t kind, duk_uint32_t cap)
{
    struct meta *m;

    m = duk_push_fixed_buffer(ctx, sizeof(*m) + cap * (sizeof(duk_uint32_t) + sizeof(struct ent)));
    memset(m, 0, sizeof(*m) + cap * sizeof(duk_uint32_t));
    m->kind = kind;
    m->cap = cap;
    return m;
}

/* -> [ ... table ]: a new, empty table. */
static struct meta *
push_table(duk_context *ctx, duk_uint32_t kind, duk_uint32_t cap)
{
    struct meta *m;

    duk_push_bare_array(ctx);
    m = push_meta(ctx, kind, cap);
    duk_put_prop_index(ctx, -2, 0);
    return m;
}

/* The meta of the table at t (a current table, never a forward). */
static struct meta *
table_meta(duk_context *ctx, duk_idx_t t)
{
    struct meta *m;

    duk_get_prop_index(ctx, t, 0);
    m = duk_get_buffer(ctx, -1, NULL);
    duk_pop(ctx);
    return m;
}

/* The slot of the key with this identity, or -1. */
static duk_int_t
find(struct meta *m, duk_uint32_t tag, duk_uint64_t bits)
{
    struct ent  *e = ents(m);
    duk_uint32_t i = buckets(m)[hash(tag, bits) & (m->cap - 1)];

    while (i != 0) {
        if (e[i - 1].tag == tag && e[i - 1].bits == bits) {
            return (duk_int_t) (i - 1);
        }
        i = e[i - 1].next;
    }
    return -1;
}

/* Links slot i (its identity set) into its bucket. */
static void
chain(struct meta *m, duk_uint32_t i)
{
    struct ent   *e = &ents(m)[i];
    duk_uint32_t *b = &buckets(m)[hash(e->tag, e->bits) & (m->cap - 1)];

    e->next = *b;
    *b = i + 1;
}

/* -> [ ... table ] for this (throws a TypeError unless it is a kind). */
static struct meta *
push_this_table(duk_context *ctx, duk_uint32_t kind, const char *what)
{
    struct meta *m;

    duk_push_this(ctx);
    duk_push_literal(ctx, TAB_KEY);
    if (!duk_is_object(ctx, -2) || !nd_duk_own_hidden_get(ctx, -2, -1)) {
        (void) duk_type_error(ctx, "%s called on an object that is not a %s", what,
                              kind == KIND_MAP ? "Map" : "Set");
    }
    duk_remove(ctx, -2);
    duk_remove(ctx, -2);
    m = table_meta(ctx, -1);
    if (m == NULL || m->kind != kind) {
        (void) duk_type_error(ctx, "%s called on an object that is not a %s", what,
                              kind == KIND_MAP ? "Map" : "Set");
    }
    return m;
}

/*
 * The table at t (absolute) is full: make room. Without holes the meta
 * doubles in place (positions unchanged). With holes the live entries move
 * to a new table (capacity doubled only if they fill half of it), t's old
 * table becomes a forward to it, and the new table replaces it at t and
 * on the owner at o (its hidden property okey). Returns the meta of the
 * table now at t.
 */
static struct meta *
grow(duk_context *ctx, duk_idx_t o, const char *okey, duk_idx_t t)
{
    struct meta *m = table_meta(ctx, t), *nm;
    duk_uint32_t kind = m->kind, cap = m->cap, count = m->count, size = m->size;
    duk_uint32_t s = stride(m), i, j, ncap;
    duk_idx_t    nt;

    if (size == count) {
        if (cap >= MAX_CAP) {
            (void) duk_range_error(ctx, "%s too large", kind == KIND_MAP ? "Map" : "Set");
        }
        ncap = cap * 2;
        nm = push_meta(ctx, kind, ncap);
        m = table_meta(ctx, t);
        nm->count = count;
        nm->size = size;
        memcpy(ents(nm), ents(m), count * sizeof(struct ent));
        for (i = 0; i < count; i++) {
            chain(nm, i);
        }
        duk_put_prop_index(ctx, t, 0);
        return table_meta(ctx, t);
    }
    ncap = cap;
    while (ncap > MIN_CAP && size * 4 <= ncap) {
        ncap /= 2;
    }
    if (size * 2 > ncap) {
        ncap *= 2;
    }
    push_table(ctx, kind, ncap);                        /* -> [ ... new ] */
    nt = duk_get_top_index(ctx);
    /* Copy the live entries; the old key slots become the new positions. */
    m = table_meta(ctx, t);                             /* fixed buffers: never move */
    nm = table_meta(ctx, nt);
    for (i = 0, j = 0; i < count; i++) {
        if (ents(m)[i].tag != 0) {
            ents(nm)[j] = ents(m)[i];
            chain(nm, j);
            nm->count = nm->size = j + 1;
            duk_get_prop_index(ctx, t, 1 + i * s);
            duk_put_prop_index(ctx, nt, 1 + j * s);
            if (s == 2) {
                duk_get_prop_index(ctx, t, 2 + i * 2);
                duk_put_prop_index(ctx, nt, 2 + j * 2);
                duk_push_undefined(ctx);
                duk_put_prop_index(ctx, t, 2 + i * 2);
            }
            duk_push_uint(ctx, j);
            duk_put_prop_index(ctx, t, 1 + i * s);
            j++;
        } else {
            duk_push_uint(ctx, j);
            duk_put_prop_index(ctx, t, 1 + i * s);
        }
    }
    duk_push_uint(ctx, j);
    duk_put_prop_index(ctx, t, 1 + count * s);
    duk_dup(ctx, nt);
    duk_put_prop_index(ctx, t, 0);                      /* old[0] = new: a forward */
    duk_dup(ctx, nt);
    duk_push_string(ctx, okey);
    duk_insert(ctx, -2);
    nd_duk_own_hidden_put(ctx, o, -2);                  /* owner's table = new */
    duk_pop(ctx);
    duk_replace(ctx, t);
    return table_meta(ctx, t);
}

/*
 * Adds or updates key (at k) -> value (at v, Map only) in the table of the
 * owner at o (under its hidden property okey); the table is at t
 * (absolute, may be replaced).
 */
static void
table_set(duk_context *ctx, duk_idx_t o, const char *okey, duk_idx_t t, duk_idx_t k,
          duk_idx_t v)
{
    duk_uint64_t bits;
    duk_uint32_t tag = (duk_uint32_t) nd_duk_key_id(ctx, k, &bits);
    struct meta *m = table_meta(ctx, t);
    duk_int_t    i = find(m, tag, bits);
    duk_uint32_t s = stride(m), n;

    if (i >= 0) {
        if (s == 2) {
            duk_dup(ctx, v);
            duk_put_prop_index(ctx, t, 2 + (duk_uarridx_t) i * 2);
        }
        return;
    }
    if (m->count == m->cap) {
        m = grow(ctx, o, okey, t);
    }
    n = m->count;
    ents(m)[n].tag = tag;
    ents(m)[n].bits = bits;
    chain(m, n);
    m->count = n + 1;
    m->size++;
    if (tag == 4 && bits == 0) {
        duk_push_int(ctx, 0);                           /* -0 is stored as +0 */
    } else {
        duk_dup(ctx, k);
    }
    duk_put_prop_index(ctx, t, 1 + n * s);
    if (s == 2) {
        duk_dup(ctx, v);
        duk_put_prop_index(ctx, t, 2 + n * 2);
    }
}

/* Removes the key at k from the table at t; 1 if it was there. */
static int
table_delete(duk_context *ctx, duk_idx_t t, duk_idx_t k)
{
    duk_uint64_t bits;
    duk_uint32_t tag = (duk_uint32_t) nd_duk_key_id(ctx, k, &bits);
    struct meta *m = table_meta(ctx, t);
    duk_int_t    i = find(m, tag, bits);
    duk_uint32_t s = stride(m), *b;
    struct ent  *e;

    if (i < 0) {
        return 0;
    }
    /* Unlink it from its bucket, so chains hold live entries only. */
    e = ents(m);
    b = &buckets(m)[hash(tag, bits) & (m->cap - 1)];
    while (*b != (duk_uint32_t) i + 1) {
        b = &e[*b - 1].next;
    }
    *b = e[i].next;
    e[i].tag = 0;
    e[i].bits = 0;
    e[i].next = 0;
    m->size--;
    duk_push_undefined(ctx);
    duk_put_prop_index(ctx, t, 1 + (duk_uarridx_t) i * s);
    if (s == 2) {
        duk_push_undefined(ctx);
        duk_put_prop_index(ctx, t, 2 + (duk_uarridx_t) i * 2);
    }
    return 1;
}

/* Empties the table of the owner at o (table at t): the old one becomes a
 * forward whose positions all read 0. */
static void
table_clear(duk_context *ctx, duk_idx_t o, const char *okey, duk_idx_t t)
{
    struct meta *m = table_meta(ctx, t);
    duk_uint32_t kind = m->kind;

    if (m->count == 0) {
        return;
    }
    push_table(ctx, kind, MIN_CAP);                     /* -> [ ... new ] */
    duk_push_uint(ctx, 1);
    duk_put_prop_literal(ctx, t, "length");             /* drop keys and values */
    duk_dup_top(ctx);
    duk_put_prop_index(ctx, t, 0);
    duk_push_string(ctx, okey);
    duk_insert(ctx, -2);
    nd_duk_own_hidden_put(ctx, o, -2);
    duk_pop(ctx);
}

/* Follows the forwards from the table at t with position *pos (the stride
 * of the kind: the forward's slot of position p is 1 + p * stride). */
static struct meta *
cursor_follow(duk_context *ctx, duk_idx_t t, duk_uint32_t s, duk_uint32_t *pos)
{
    for (;;) {
        duk_get_prop_index(ctx, t, 0);                  /* -> [ ... meta|next ] */
        if (duk_is_buffer(ctx, -1)) {
            struct meta *m = duk_get_buffer(ctx, -1, NULL);

            duk_pop(ctx);
            return m;
        }
        duk_get_prop_index(ctx, t, 1 + *pos * s);       /* -> [ ... next newpos ] */
        *pos = duk_is_number(ctx, -1) ? (duk_uint32_t) duk_get_uint(ctx, -1) : 0;
        duk_pop(ctx);
        duk_replace(ctx, t);
    }
}

/* The next live slot at or after *pos in the table at t (forwards
 * followed); -1 at the end. *pos then is past it. */
static duk_int_t
cursor_step(duk_context *ctx, duk_idx_t t, duk_uint32_t s, duk_uint32_t *pos)
{
    struct meta *m = cursor_follow(ctx, t, s, pos);

    while (*pos < m->count && ents(m)[*pos].tag == 0) {
        (*pos)++;
    }
    if (*pos >= m->count) {
        return -1;
    }
    return (duk_int_t) (*pos)++;
}

/* --- Map and Set ------------------------------------------------------ */

/* Pushes the iterable at idx's entries through this[adder]; this at 0. */
static void
fill_from(duk_context *ctx, duk_idx_t it, const char *adder, int pairs)
{
    duk_idx_t base;

    duk_push_this(ctx);
    duk_get_prop_string(ctx, -1, adder);                /* -> [ ... this add ] */
    if (!duk_is_callable(ctx, -1)) {
        (void) duk_type_error(ctx, "'%s' of the new collection is not a function", adder);
    }
    base = duk_get_top(ctx);
    if (duk_is_array(ctx, it)) {
        /* An Array: its elements in order (what its default iterator
         * gives, without loading the iteration protocol's polyfills). */
        duk_uarridx_t i;

        for (i = 0; i < (duk_uarridx_t) duk_get_length(ctx, it); i++) {
            duk_dup(ctx, base - 1);
            duk_dup(ctx, base - 2);                     /* -> [ ... add this ] */
            duk_get_prop_index(ctx, it, i);
            if (pairs) {
                if (!duk_is_object(ctx, -1) && !duk_is_lightfunc(ctx, -1)) {
                    (void) duk_type_error(ctx, "iterator value %s is not an entry object",
                                          duk_to_string(ctx, -1));
                }
                duk_get_prop_index(ctx, -1, 0);
                duk_get_prop_index(ctx, -2, 1);
                duk_remove(ctx, -3);
                duk_call_method(ctx, 2);
            } else {
                duk_call_method(ctx, 1);
            }
            duk_pop(ctx);
        }
        return;
    }
    duk_get_prop_string(ctx, it, DUK_WELLKNOWN_SYMBOL("Symbol.iterator"));
    if (!duk_is_callable(ctx, -1)) {
        (void) duk_type_error(ctx, "%s is not iterable", duk_safe_to_string(ctx, it));
    }
    duk_dup(ctx, it);
    duk_call_method(ctx, 0);                            /* -> [ ... this add iter ] */
    if (!duk_is_object(ctx, -1)) {
        (void) duk_type_error(ctx, "the iterator is not an object");
    }
    duk_get_prop_literal(ctx, -1, "next");              /* -> [ ... iter next ] */
    for (;;) {
        duk_dup(ctx, base + 1);
        duk_dup(ctx, base);
        duk_call_method(ctx, 0);                        /* -> [ ... iter next res ] */
        if (!duk_is_object(ctx, -1)) {
            (void) duk_type_error(ctx, "iterator result is not an object");
        }
        duk_get_prop_literal(ctx, -1, "done");
        if (duk_to_boolean(ctx, -1)) {
            return;
        }
        duk_pop(ctx);
        duk_get_prop_literal(ctx, -1, "value");         /* -> [ ... res value ] */
        duk_remove(ctx, -2);
        duk_dup(ctx, base - 1);
        duk_dup(ctx, base - 2);                         /* -> [ ... value add this ] */
        if (pairs) {
            if (!duk_is_object(ctx, -3) && !duk_is_lightfunc(ctx, -3)) {
                duk_dup(ctx, -3);
                goto close;
            }
            duk_get_prop_index(ctx, -3, 0);
            duk_get_prop_index(ctx, -4, 1);
        } else {
            duk_dup(ctx, -3);
        }
        /* An exception from the adder closes the iterator (return()). */
        duk_remove(ctx, pairs ? -5 : -4);               /* -> [ ... add this args ] */
        if (duk_pcall_method(ctx, pairs ? 2 : 1) != DUK_EXEC_SUCCESS) {
            goto close_throw;
        }
        duk_pop(ctx);
    }
close:
    duk_push_error_object(ctx, DUK_ERR_TYPE_ERROR, "iterator value %s is not an entry object",
                          duk_safe_to_string(ctx, -1));
close_throw:                                            /* -> [ ... err ] */
    duk_get_prop_literal(ctx, base, "return");
    if (duk_is_callable(ctx, -1)) {
        duk_dup(ctx, base);
        (void) duk_pcall_method(ctx, 0);
    }
    duk_pop(ctx);
    (void) duk_throw(ctx);
}

/* new Map([iterable]) / new Set([iterable]): magic = kind */
static duk_ret_t
coll_construct(duk_context *ctx)
{
    duk_uint32_t kind = (duk_uint32_t) duk_get_current_magic(ctx);

    if (!duk_is_constructor_call(ctx)) {
        return duk_type_error(ctx, "Constructor %s requires 'new'",
                              kind == KIND_MAP ? "Map" : "Set");
    }
    duk_set_top(ctx, 1);
    duk_push_this(ctx);                                 /* -> [ it this ] */
    duk_push_literal(ctx, TAB_KEY);
    push_table(ctx, kind, MIN_CAP);
    nd_duk_own_hidden_put(ctx, 1, 2);
    duk_pop(ctx);
    if (!duk_is_null_or_undefined(ctx, 0)) {
        fill_from(ctx, 0, kind == KIND_MAP ? "set" : "add", kind == KIND_MAP);
    }
    return 0;
}

static duk_ret_t
map_get(duk_context *ctx)
{
    duk_uint64_t bits;
    duk_uint32_t tag;
    struct meta *m = push_this_table(ctx, KIND_MAP, "Map.prototype.get");
    duk_int_t    i;

    tag = (duk_uint32_t) nd_duk_key_id(ctx, 0, &bits);
    i = find(m, tag, bits);
    if (i < 0) {
        return 0;
    }
    duk_get_prop_index(ctx, -1, 2 + (duk_uarridx_t) i * 2);
    return 1;
}

/* has: magic = kind */
static duk_ret_t
coll_has(duk_context *ctx)
{
    duk_uint32_t kind = (duk_uint32_t) duk_get_current_magic(ctx);
    duk_uint64_t bits;
    duk_uint32_t tag;
    struct meta *m = push_this_table(ctx, kind, kind == KIND_MAP ? "Map.prototype.has"
                                     : "Set.prototype.has");

    tag = (duk_uint32_t) nd_duk_key_id(ctx, 0, &bits);
    duk_push_boolean(ctx, find(m, tag, bits) >= 0);
    return 1;
}

static duk_ret_t
map_set(duk_context *ctx)
{
    duk_set_top(ctx, 2);
    (void) push_this_table(ctx, KIND_MAP, "Map.prototype.set");   /* -> [ k v table ] */
    duk_push_this(ctx);                                 /* -> [ k v table this ] */
    table_set(ctx, 3, TAB_KEY, 2, 0, 1);
    duk_push_this(ctx);
    return 1;
}

static duk_ret_t
set_add(duk_context *ctx)
{
    duk_set_top(ctx, 1);
    (void) push_this_table(ctx, KIND_SET, "Set.prototype.add");   /* -> [ k table ] */
    duk_push_this(ctx);
    table_set(ctx, 2, TAB_KEY, 1, 0, 0);
    duk_push_this(ctx);
    return 1;
}

/* delete: magic = kind */
static duk_ret_t
coll_delete(duk_context *ctx)
{
    duk_uint32_t kind = (duk_uint32_t) duk_get_current_magic(ctx);

    duk_set_top(ctx, 1);
    (void) push_this_table(ctx, kind, kind == KIND_MAP ? "Map.prototype.delete"
                           : "Set.prototype.delete");
    duk_push_boolean(ctx, table_delete(ctx, 1, 0));
    return 1;
}

/* clear: magic = kind */
static duk_ret_t
coll_clear(duk_context *ctx)
{
    duk_uint32_t kind = (duk_uint32_t) duk_get_current_magic(ctx);

    duk_set_top(ctx, 0);
    (void) push_this_table(ctx, kind, kind == KIND_MAP ? "Map.prototype.clear"
                           : "Set.prototype.clear");
    duk_push_this(ctx);
    table_clear(ctx, 1, TAB_KEY, 0);
    return 0;
}

/* get size: magic = kind */
static duk_ret_t
coll_size(duk_context *ctx)
{
    duk_uint32_t kind = (duk_uint32_t) duk_get_current_magic(ctx);
    struct meta *m = push_this_table(ctx, kind, kind == KIND_MAP ? "get Map.prototype.size"
                                     : "get Set.prototype.size");

    duk_push_uint(ctx, m->size);
    return 1;
}

/* forEach(fn, thisArg): magic = kind */
static duk_ret_t
coll_foreach(duk_context *ctx)
{
    duk_uint32_t kind = (duk_uint32_t) duk_get_current_magic(ctx), s, pos = 0;
    duk_int_t    i;

    duk_set_top(ctx, 2);
    (void) push_this_table(ctx, kind, kind == KIND_MAP ? "Map.prototype.forEach"
                           : "Set.prototype.forEach");  /* -> [ fn thisArg table ] */
    if (!duk_is_callable(ctx, 0)) {
        return duk_type_error(ctx, "%s is not a function", duk_safe_to_string(ctx, 0));
    }
    s = kind == KIND_MAP ? 2 : 1;
    while ((i = cursor_step(ctx, 2, s, &pos)) >= 0) {
        duk_dup(ctx, 0);
        duk_dup(ctx, 1);
        if (s == 2) {
            duk_get_prop_index(ctx, 2, 2 + (duk_uarridx_t) i * 2);
        }
        duk_get_prop_index(ctx, 2, 1 + (duk_uarridx_t) i * s);
        if (s == 1) {
            duk_dup_top(ctx);
        }
        duk_push_this(ctx);
        duk_call_method(ctx, 3);
        duk_pop(ctx);
    }
    return 0;
}

/* keys/values/entries/@@iterator: magic = kind << 2 | IT_* */
static duk_ret_t
coll_iter(duk_context *ctx)
{
    int          magic = duk_get_current_magic(ctx);
    duk_uint32_t kind = (duk_uint32_t) magic >> 2;

    (void) push_this_table(ctx, kind, kind == KIND_MAP ? "Map iterator method"
                           : "Set iterator method");    /* -> [ table ] */
    duk_push_object(ctx);                               /* -> [ table it ] */
    duk_push_current_function(ctx);
    duk_get_prop_literal(ctx, -1, PROTO_KEY);
    duk_set_prototype(ctx, -3);
    duk_pop(ctx);
    duk_push_literal(ctx, ITER_KEY);
    duk_push_bare_array(ctx);                           /* -> [ table it key st ] */
    duk_dup(ctx, 0);
    duk_put_prop_index(ctx, -2, 0);
    duk_push_uint(ctx, 0);
    duk_put_prop_index(ctx, -2, 1);
    duk_push_int(ctx, magic);
    duk_put_prop_index(ctx, -2, 2);
    nd_duk_own_hidden_put(ctx, 1, 2);
    duk_pop(ctx);
    return 1;
}

/* %MapIteratorPrototype%.next / %SetIteratorPrototype%.next */
static duk_ret_t
iter_next(duk_context *ctx)
{
    duk_uint32_t pos, kind, s;
    int          magic;
    duk_int_t    i;

    duk_push_this(ctx);
    duk_push_literal(ctx, ITER_KEY);
    if (!duk_is_object(ctx, 0) || !nd_duk_own_hidden_get(ctx, 0, 1)) {
        return duk_type_error(ctx, "next() called on an object that is not a Map or Set "
                              "iterator");
    }                                                   /* -> [ this key st ] */
    duk_push_object(ctx);                               /* -> [ this key st res ] */
    duk_get_prop_index(ctx, 2, 0);                      /* -> [ ... res table ] */
    if (duk_is_undefined(ctx, 4)) {
        goto done;
    }
    duk_get_prop_index(ctx, 2, 1);
    pos = (duk_uint32_t) duk_get_uint(ctx, -1);
    duk_get_prop_index(ctx, 2, 2);
    magic = duk_get_int(ctx, -1);
    duk_pop_2(ctx);
    kind = (duk_uint32_t) magic >> 2;
    s = kind == KIND_MAP ? 2 : 1;
    i = cursor_step(ctx, 4, s, &pos);
    if (i < 0) {
        duk_push_undefined(ctx);
        duk_put_prop_index(ctx, 2, 0);                  /* done for good */
        goto done;
    }
    duk_dup(ctx, 4);
    duk_put_prop_index(ctx, 2, 0);                      /* the table, forwards followed */
    duk_push_uint(ctx, pos);
    duk_put_prop_index(ctx, 2, 1);
    switch (magic & 3) {
    case IT_KEYS:
        duk_get_prop_index(ctx, 4, 1 + (duk_uarridx_t) i * s);
        break;
    case IT_VALUES:
        duk_get_prop_index(ctx, 4, (duk_uarridx_t) (s == 2 ? 2 + i * 2 : 1 + i));
        break;
    default:
        duk_push_array(ctx);
        duk_get_prop_index(ctx, 4, 1 + (duk_uarridx_t) i * s);
        duk_put_prop_index(ctx, -2, 0);
        duk_get_prop_index(ctx, 4, (duk_uarridx_t) (s == 2 ? 2 + i * 2 : 1 + i));
        duk_put_prop_index(ctx, -2, 1);
        break;
    }
    duk_put_prop_literal(ctx, 3, "value");
    duk_push_false(ctx);
    duk_put_prop_literal(ctx, 3, "done");
    duk_dup(ctx, 3);
    return 1;
done:
    duk_push_undefined(ctx);
    duk_put_prop_literal(ctx, 3, "value");
    duk_push_true(ctx);
    duk_put_prop_literal(ctx, 3, "done");
    duk_dup(ctx, 3);
    return 1;
}

static duk_ret_t
return_this(duk_context *ctx)
{
    duk_push_this(ctx);
    return 1;
}

/* --- WeakMap and WeakSet -------------------------------------------- */

/* -> [ ... sym ] for this (a TypeError unless it is a WeakMap, magic 1, or
 * WeakSet, magic 2: the symbol's last char says which). */
static void
push_this_weak(duk_context *ctx, int kind, const char *what)
{
    const char *sym;
    duk_size_t  len;

    duk_push_this(ctx);
    duk_push_literal(ctx, WEAK_KEY);
    if (!duk_is_object(ctx, -2) || !nd_duk_own_hidden_get(ctx, -2, -1)
        || (sym = duk_get_lstring(ctx, -1, &len)) == NULL || len < 2
        || sym[len - 1] != (kind == KIND_MAP ? 'm' : 's')) {
        (void) duk_type_error(ctx, "%s called on an object that is not a %s", what,
                              kind == KIND_MAP ? "WeakMap" : "WeakSet");
    }
    duk_remove(ctx, -2);
    duk_remove(ctx, -2);
}

/* 1 for a key that holds the value itself (an object), 0 for one that goes
 * to the strong table (a lightfunc or plain buffer), -1 for a non-object. */
static int
weak_key_kind(duk_context *ctx, duk_idx_t k)
{
    if (duk_is_object(ctx, k)) {
        return 1;
    }
    if (duk_is_lightfunc(ctx, k) || duk_is_buffer(ctx, k)) {
        return 0;
    }
    return -1;
}

/* -> [ ... table ] the strong table of this (made if create), else 0. */
static int
push_strong(duk_context *ctx, int create)
{
    duk_push_this(ctx);
    duk_push_literal(ctx, STRONG_KEY);
    if (nd_duk_own_hidden_get(ctx, -2, -1)) {
        duk_remove(ctx, -2);
        duk_remove(ctx, -2);
        return 1;
    }
    if (!create) {
        duk_pop_2(ctx);
        return 0;
    }
    push_table(ctx, KIND_MAP, MIN_CAP);                 /* -> [ this key table ] */
    duk_dup_top(ctx);
    nd_duk_own_hidden_put(ctx, -4, -3);
    duk_remove(ctx, -2);
    duk_remove(ctx, -2);
    return 1;
}

static duk_ret_t
weak_construct(duk_context *ctx)
{
    int  kind = duk_get_current_magic(ctx);
    char sym[48];

    if (!duk_is_constructor_call(ctx)) {
        return duk_type_error(ctx, "Constructor %s requires 'new'",
                              kind == KIND_MAP ? "WeakMap" : "WeakSet");
    }
    duk_set_top(ctx, 1);
    duk_push_this(ctx);                                 /* -> [ it this ] */
    duk_push_literal(ctx, WEAK_KEY);
    g_weak_seq++;
    (void) snprintf(sym, sizeof(sym), "%cndW%llu%c", '\xFF', (unsigned long long) g_weak_seq,
                    kind == KIND_MAP ? 'm' : 's');
    duk_push_string(ctx, sym);
    nd_duk_own_hidden_put(ctx, 1, 2);
    duk_pop(ctx);
    if (!duk_is_null_or_undefined(ctx, 0)) {
        fill_from(ctx, 0, kind == KIND_MAP ? "set" : "add", kind == KIND_MAP);
    }
    return 0;
}

/* get(k), has(k): magic = kind << 1 | is_has */
static duk_ret_t
weak_get(duk_context *ctx)
{
    int          magic = duk_get_current_magic(ctx), kind = magic >> 1, has = magic & 1;
    int          kk;
    duk_uint64_t bits;
    duk_uint32_t tag;
    duk_int_t    i;
    struct meta *m;

    duk_set_top(ctx, 1);
    push_this_weak(ctx, kind, kind == KIND_MAP ? (has ? "WeakMap.prototype.has"
                   : "WeakMap.prototype.get") : "WeakSet.prototype.has");  /* -> [ k sym ] */
    kk = weak_key_kind(ctx, 0);
    if (kk == 1) {
        if (nd_duk_own_hidden_get(ctx, 0, 1)) {
            if (has) {
                duk_push_true(ctx);
            }
            return 1;
        }
    } else if (kk == 0 && push_strong(ctx, 0)) {
        m = table_meta(ctx, -1);
        tag = (duk_uint32_t) nd_duk_key_id(ctx, 0, &bits);
        i = find(m, tag, bits);
        if (i >= 0) {
            if (has) {
                duk_push_true(ctx);
            } else {
                duk_get_prop_index(ctx, -1, 2 + (duk_uarridx_t) i * 2);
            }
            return 1;
        }
    }
    if (has) {
        duk_push_false(ctx);
        return 1;
    }
    return 0;
}

/* set(k, v) / add(k): magic = kind */
static duk_ret_t
weak_set(duk_context *ctx)
{
    int kind = duk_get_current_magic(ctx), kk;

    duk_set_top(ctx, 2);
    if (kind == KIND_SET) {
        duk_push_true(ctx);
        duk_replace(ctx, 1);
    }
    push_this_weak(ctx, kind, kind == KIND_MAP ? "WeakMap.prototype.set"
                   : "WeakSet.prototype.add");          /* -> [ k v sym ] */
    kk = weak_key_kind(ctx, 0);
    if (kk < 0) {
        return duk_type_error(ctx, "invalid value used %s", kind == KIND_MAP
                              ? "as weak map key" : "in weak set");
    }
    if (kk == 1) {
        duk_dup(ctx, 1);
        nd_duk_own_hidden_put(ctx, 0, 2);
    } else {
        (void) push_strong(ctx, 1);                     /* -> [ k v sym table ] */
        duk_push_this(ctx);
        table_set(ctx, 4, STRONG_KEY, 3, 0, 1);
    }
    duk_push_this(ctx);
    return 1;
}

/* delete(k): magic = kind */
static duk_ret_t
weak_delete(duk_context *ctx)
{
    int kind = duk_get_current_magic(ctx), kk, found = 0;

    duk_set_top(ctx, 1);
    push_this_weak(ctx, kind, kind == KIND_MAP ? "WeakMap.prototype.delete"
                   : "WeakSet.prototype.delete");      /* -> [ k sym ] */
    kk = weak_key_kind(ctx, 0);
    if (kk == 1) {
        found = nd_duk_own_hidden_del(ctx, 0, 1);
    } else if (kk == 0 && push_strong(ctx, 0)) {
        found = table_delete(ctx, 2, 0);
    }
    duk_push_boolean(ctx, found);
    return 1;
}

/* --- install ---------------------------------------------------------- */


/* proto[dst] = proto[src] (the same function object), non-enumerable. */
static void
alias(duk_context *ctx, duk_idx_t proto, const char *dst, const char *src)
{
    proto = duk_normalize_index(ctx, proto);
    duk_push_string(ctx, dst);
    duk_get_prop_string(ctx, proto, src);
    duk_def_prop(ctx, proto, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE
                 | DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
}

static void
def_tag(duk_context *ctx, duk_idx_t obj, const char *tag)
{
    obj = duk_normalize_index(ctx, obj);
    duk_push_literal(ctx, DUK_WELLKNOWN_SYMBOL("Symbol.toStringTag"));
    duk_push_string(ctx, tag);
    duk_def_prop(ctx, obj, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_CLEAR_WRITABLE
                 | DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
}

/* global[name] = a constructor with a prototype holding methods; the
 * prototype stays on the stack: -> [ ... proto ]. */
static void
def_class(duk_context *ctx, duk_idx_t global, const char *name, duk_c_function ctor, int magic,
          const struct nd_bind_method *methods)
{
    const struct nd_bind_method mctor = { name, ctor, 1, 0, magic };
    duk_idx_t           c, p;

    global = duk_normalize_index(ctx, global);
    nd_bind_def_method(ctx, global, name, &mctor);
    duk_get_prop_string(ctx, global, name);
    c = duk_get_top_index(ctx);
    duk_push_object(ctx);
    p = duk_get_top_index(ctx);
    for (; methods->name != NULL; methods++) {
        nd_bind_def_method(ctx, p, methods->name, methods);
    }
    def_tag(ctx, p, name);
    duk_push_literal(ctx, "constructor");
    duk_dup(ctx, c);
    duk_def_prop(ctx, p, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE
                 | DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_push_literal(ctx, "prototype");
    duk_dup(ctx, p);
    duk_def_prop(ctx, c, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_CLEAR_WRITABLE
                 | DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_CLEAR_CONFIGURABLE
                 | DUK_DEFPROP_FORCE);
    duk_remove(ctx, c);
}

static void
def_size(duk_context *ctx, duk_idx_t proto, int kind)
{
    proto = duk_normalize_index(ctx, proto);
    duk_push_literal(ctx, "size");
    duk_push_c_function(ctx, coll_size, 0);
    duk_set_magic(ctx, -1, kind);
    duk_push_literal(ctx, "name");
    duk_push_literal(ctx, "get size");
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE
                 | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_def_prop(ctx, proto, DUK_DEFPROP_HAVE_GETTER | DUK_DEFPROP_CLEAR_ENUMERABLE
                 | DUK_DEFPROP_SET_CONFIGURABLE);
}

/* -> [ ... proto ]: a new iterator prototype. */
static void
push_iter_proto(duk_context *ctx, const char *tag)
{
    static const struct nd_bind_method next = { "next", iter_next, 0, 0, 0 };
    static const struct nd_bind_method self = { "[Symbol.iterator]", return_this, 0, 0, 0 };

    duk_push_object(ctx);
    nd_bind_def_method(ctx, -1, "next", &next);
    nd_bind_def_method(ctx, -1, DUK_WELLKNOWN_SYMBOL("Symbol.iterator"), &self);
    def_tag(ctx, -1, tag);
}

/* The methods of the prototype at proto that make iterators get the
 * iterator prototype at ip as a hidden property (coll_iter reads it from
 * the running function). */
static void
give_iter_proto(duk_context *ctx, duk_idx_t proto, duk_idx_t ip, const char *const *names)
{
    proto = duk_normalize_index(ctx, proto);
    ip = duk_normalize_index(ctx, ip);
    for (; *names != NULL; names++) {
        duk_get_prop_string(ctx, proto, *names);
        duk_push_literal(ctx, PROTO_KEY);
        duk_dup(ctx, ip);
        duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_CLEAR_WRITABLE
                     | DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_CLEAR_CONFIGURABLE);
        duk_pop(ctx);
    }
}

duk_ret_t
nd_collections_install(duk_context *ctx)
{
    static const struct nd_bind_method map_methods[] = {
        { "get", map_get, 1, 1, KIND_MAP },
        { "set", map_set, 2, 2, KIND_MAP },
        { "has", coll_has, 1, 1, KIND_MAP },
        { "delete", coll_delete, 1, 1, KIND_MAP },
        { "clear", coll_clear, 0, 0, KIND_MAP },
        { "forEach", coll_foreach, 2, 1, KIND_MAP },
        { "keys", coll_iter, 0, 0, KIND_MAP << 2 | IT_KEYS },
        { "values", coll_iter, 0, 0, KIND_MAP << 2 | IT_VALUES },
        { "entries", coll_iter, 0, 0, KIND_MAP << 2 | IT_ENTRIES },
        { NULL, NULL, 0, 0, 0 }
    };
    static const struct nd_bind_method set_methods[] = {
        { "add", set_add, 1, 1, KIND_SET },
        { "has", coll_has, 1, 1, KIND_SET },
        { "delete", coll_delete, 1, 1, KIND_SET },
        { "clear", coll_clear, 0, 0, KIND_SET },
        { "forEach", coll_foreach, 2, 1, KIND_SET },
        { "values", coll_iter, 0, 0, KIND_SET << 2 | IT_VALUES },
        { "entries", coll_iter, 0, 0, KIND_SET << 2 | IT_ENTRIES },
        { NULL, NULL, 0, 0, 0 }
    };
    static const struct nd_bind_method weakmap_methods[] = {
        { "get", weak_get, 1, 1, KIND_MAP << 1 },
        { "set", weak_set, 2, 2, KIND_MAP },
        { "has", weak_get, 1, 1, KIND_MAP << 1 | 1 },
        { "delete", weak_delete, 1, 1, KIND_MAP },
        { NULL, NULL, 0, 0, 0 }
    };
    static const struct nd_bind_method weakset_methods[] = {
        { "add", weak_set, 1, 1, KIND_SET },
        { "has", weak_get, 1, 1, KIND_SET << 1 | 1 },
        { "delete", weak_delete, 1, 1, KIND_SET },
        { NULL, NULL, 0, 0, 0 }
    };

    static const char *const map_iters[] = { "keys", "values", "entries", NULL };
    static const char *const set_iters[] = { "values", "entries", NULL };

    duk_require_object(ctx, 1);
    def_class(ctx, 1, "Map", coll_construct, KIND_MAP, map_methods);
    def_size(ctx, -1, KIND_MAP);
    push_iter_proto(ctx, "Map Iterator");
    give_iter_proto(ctx, -2, -1, map_iters);
    duk_pop(ctx);
    alias(ctx, -1, DUK_WELLKNOWN_SYMBOL("Symbol.iterator"), "entries");
    duk_pop(ctx);

    def_class(ctx, 1, "Set", coll_construct, KIND_SET, set_methods);
    def_size(ctx, -1, KIND_SET);
    push_iter_proto(ctx, "Set Iterator");
    give_iter_proto(ctx, -2, -1, set_iters);
    duk_pop(ctx);
    alias(ctx, -1, "keys", "values");
    alias(ctx, -1, DUK_WELLKNOWN_SYMBOL("Symbol.iterator"), "values");
    duk_pop(ctx);

    def_class(ctx, 1, "WeakMap", weak_construct, KIND_MAP, weakmap_methods);
    duk_pop(ctx);
    def_class(ctx, 1, "WeakSet", weak_construct, KIND_SET, weakset_methods);
    duk_pop(ctx);
    return 0;
}
