/*
 * Bootstrap files loaded on first use: worker/js/bootstrap/lazy/NAME.js (and
 * lazy/generated/NAME.js, the output of scripts/gen-polyfills and
 * gen-streams), embedded as nd_boot_lazy_files with their registry
 * nd_lazy_provides (scripts/gen-lazy, from the `provides:` line of each
 * file; worker/js/bootstrap.h). The eager bootstrap files call
 * native.lazyProvide(obj, TARGET), which installs accessors for every name
 * the registry says a file provides on TARGET; the first touch of one loads
 * the file (native.lazyLoad("NAME")) and runs the returned function
 * (native, global, lib).
 *
 * Each file is compiled once per process, in a scratch heap so the tenant's
 * memory and CPU limits do not pay for it (all of them when the process's
 * first heap gets its natives), and its bytecode kept; every heap then loads
 * that bytecode (like heap.c does for the eager files).
 *
 * native.lazyDefine(obj, file, keys) installs the accessors. They cost no
 * function objects of their own: every accessor shares one native getter and
 * one native setter per heap, which learn the property from Duktape's extra
 * key argument (DUK_USE_NONSTD_GETTER_KEY_ARGUMENT) and the file from g_keys,
 * a per-process map from key to file filled by lazyDefine (every heap runs
 * the same bootstrap, so it stops growing after the first heap). A key that
 * two files claim keeps its first file there; the accessors of the other use
 * a pair of that file's own (magic = the file's index). A bound function per
 * accessor, before, cost ~280 bytes each; a pair per file ~200 bytes a file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/js/bind.h"
#include "worker/js/bind_webapi.h"
#include "worker/js/bootstrap.h"
#include "worker/js/builtins.h"
#include "worker/js/collections.h"
#include "worker/js/heap.h"
#include "worker/js/loader.h"

#define SHARED ND_LAZY_MAX             /* magic of the shared accessor pair */

/* GLOBAL: bytecode per lazy file, compiled on first use in this process;
 * read-only once set (the worker is single-threaded). */
static struct {
    void  *code;
    size_t len;
} g_lazy[ND_LAZY_MAX];

/* Compiles file i into g_lazy[i]; 0, or -1 with msg. */
static int
compile(int i, char *msg, size_t size)
{
    const struct nd_lazy_file *f = &nd_boot_lazy_files[i];
    duk_context               *scratch = duk_create_heap_default();
    const char                *name = f->path;
    void                      *buf;
    duk_size_t                 len;

    if (scratch == NULL) {
        snprintf(msg, size, "cannot create a Duktape heap");
        return -1;
    }
    duk_push_string(scratch, name);
    if (duk_pcompile_lstring_filename(scratch, DUK_COMPILE_FUNCTION | DUK_COMPILE_STRICT, f->src,
                                      f->len) != 0) {
        snprintf(msg, size, "%s: %s", name, duk_safe_to_string(scratch, -1));
        duk_destroy_heap(scratch);
        return -1;
    }
    duk_dump_function(scratch);
    buf = duk_get_buffer(scratch, -1, &len);
    g_lazy[i].code = malloc(len);
    if (g_lazy[i].code == NULL) {
        snprintf(msg, size, "out of memory");
        duk_destroy_heap(scratch);
        return -1;
    }
    memcpy(g_lazy[i].code, buf, len);
    g_lazy[i].len = len;
    duk_destroy_heap(scratch);
    return 0;
}

/* The index of lazy file name (throws if there is none). */
static int
file_index(duk_context *ctx, const char *name)
{
    int i;

    for (i = 0; i < nd_boot_lazy_nfiles; i++) {
        if (strcmp(nd_boot_lazy_files[i].name, name) == 0) {
            return i;
        }
    }
    return duk_error(ctx, DUK_ERR_ERROR, "no bootstrap file lazy/%s.js", name);
}

/* Property keys that a lazyDefine call claimed for a file: plain strings and
 * well-known symbols (Duktape's internal bytes, the same in every heap). */
#define KEY_SLOTS 256                   /* a power of 2 */
#define KEY_MAX_USED (KEY_SLOTS * 3 / 4)

/* GLOBAL: key -> lazy file for the shared accessor pair; an entry, once set,
 * never changes (accessors of every heap rely on it). Single-threaded worker. */
static struct {
    char  *key;                         /* owned, never freed; NULL: free slot */
    size_t len;                         /* bytes */
    int    file;
} g_keys[KEY_SLOTS];
static int g_nkeys;                     /* GLOBAL: used slots of g_keys */

static unsigned
key_hash(const char *key, size_t len)
{
    unsigned h = 2166136261u;           /* FNV-1a */
    size_t   i;

    for (i = 0; i < len; i++) {
        h = (h ^ (unsigned char) key[i]) * 16777619u;
    }
    return h;
}

/* The slot of key, or of the free slot where it would go (-1: none). */
static int
key_slot(const char *key, size_t len)
{
    unsigned h = key_hash(key, len), n;

    for (n = 0; n < KEY_SLOTS; n++, h++) {
        h &= KEY_SLOTS - 1;
        if (g_keys[h].key == NULL
            || (g_keys[h].len == len && memcmp(g_keys[h].key, key, len) == 0)) {
            return (int) h;
        }
    }
    return -1;
}

/* The file of the key at idx for the shared getter, or -1. */
static int
key_file(duk_context *ctx, duk_idx_t idx)
{
    duk_size_t  len;
    const char *key = duk_get_lstring(ctx, idx, &len);
    int         s;

    if (key == NULL) {
        return -1;
    }
    s = key_slot(key, len);
    return s == -1 || g_keys[s].key == NULL ? -1 : g_keys[s].file;
}

/* 1 if the key at idx may use the shared pair for file i (claiming it for i
 * if nobody has), 0 if it needs file i's own pair. */
static int
key_claim(duk_context *ctx, duk_idx_t idx, int i)
{
    duk_size_t  len;
    const char *key = duk_get_lstring(ctx, idx, &len);
    int         s;

    if (key == NULL || (len > 0 && (unsigned char) key[0] >= 0x80
                        && (unsigned char) key[0] != 0x81)) {
        return 0;                       /* not a string, or a per-heap symbol */
    }
    s = key_slot(key, len);
    if (s == -1) {
        return 0;
    }
    if (g_keys[s].key != NULL) {
        return g_keys[s].file == i;
    }
    if (g_nkeys >= KEY_MAX_USED || (g_keys[s].key = malloc(len + 1)) == NULL) {
        return 0;
    }
    memcpy(g_keys[s].key, key, len);
    g_keys[s].key[len] = '\0';
    g_keys[s].len = len;
    g_keys[s].file = i;
    g_nkeys++;
    return 1;
}

/* native.lazyLoad(name) -> the file's function (native, global, lib) */
static duk_ret_t
native_lazy_load(duk_context *ctx)
{
    int           i = file_index(ctx, duk_require_string(ctx, 0));
    struct nd_js *js = nd_js_of(ctx);
    char          msg[512];

    if (js != NULL) {
        js->lazy_loaded |= (uint32_t) 1 << i;
    }
    /* A group done in C: its file only names it; the installer is native
     * (not a `native` member: that cost every heap 0.2 KB). */
    if (strcmp(nd_boot_lazy_files[i].name, "es-collections") == 0) {
        duk_push_c_lightfunc(ctx, nd_collections_install, 3, 3, 0);
        return 1;
    }
    if (strcmp(nd_boot_lazy_files[i].name, "es-natives") == 0) {
        duk_push_c_lightfunc(ctx, nd_builtins_install, 3, 3, 0);
        return 1;
    }
    if (g_lazy[i].code == NULL && compile(i, msg, sizeof(msg)) == -1) {
        return duk_error(ctx, DUK_ERR_ERROR, "%s", msg);
    }
    /* read in place: no copy of the dump in the heap (g_lazy never changes
     * and outlives every heap: inner functions load on first use from it) */
    duk_push_external_buffer(ctx);
    duk_config_buffer(ctx, -1, g_lazy[i].code, g_lazy[i].len);
    nd_duk_load_function_lazy(ctx);
    return 1;
}

/* The getter of every accessor: [ key ], this = the receiver; the file is
 * magic, or g_keys's for the shared pair (magic SHARED).
 * Loads the file (lib.require(name)) and reads the property again, now
 * defined by the file. An accessor the file left in place reads as
 * undefined (no endless recursion). */
static duk_ret_t
lazy_get(duk_context *ctx)
{
    int           i = duk_get_current_magic(ctx), rc;
    struct nd_js *js = nd_js_of(ctx);

    if (i == SHARED) {
        i = key_file(ctx, 0);
    }
    if (i < 0 || i >= nd_boot_lazy_nfiles || js == NULL || js->lib == NULL
        || (js->lazy_loaded & ((uint32_t) 1 << i)) != 0) {
        return 0;
    }
    /* The bit is set before the file runs (native.lazyLoad sets it again):
     * a read of one of its stubs while it loads (its unstub reads their
     * descriptors, duk-patches/102 resolves a stub's descriptor through this
     * getter) reads undefined instead of loading it again without end. */
    js->lazy_loaded |= (uint32_t) 1 << i;
    duk_push_heapptr(ctx, js->lib);                     /* -> [ key lib ] */
    duk_push_literal(ctx, "require");
    duk_push_string(ctx, nd_boot_lazy_files[i].name);
    /* Loading a group (7.5-17 ms for the collections) is the platform's
     * doing, once per heap: not charged to the request (heap.h). */
    nd_js_housekeeping_begin(js);
    rc = duk_pcall_prop(ctx, -3, 1);                    /* -> [ key lib lib ] */
    nd_js_housekeeping_end(js);
    if (rc != DUK_EXEC_SUCCESS) {
        (void) duk_throw(ctx);
    }
    duk_pop_2(ctx);
    duk_push_this(ctx);                                 /* -> [ key this ] */
    duk_dup(ctx, 0);
    duk_get_prop(ctx, -2);                              /* -> [ key this value ] */
    return 1;
}

/*
 * The get trap of native.lazyInterpose's Proxy (target Object.prototype,
 * magic = the file): [ target key receiver ]. A key Object.prototype has
 * reads from it (as through an ordinary prototype); any other key, and
 * toString/toLocaleString which the file replaces, loads the file first
 * (its unstub takes the Proxy out of the chain) and reads the key again.
 */
static duk_ret_t
lazy_proxy_get(duk_context *ctx)
{
    int           i = duk_get_current_magic(ctx), rc, mine = 0;
    struct nd_js *js = nd_js_of(ctx);
    const char   *k = duk_is_string(ctx, 1) ? duk_get_string(ctx, 1) : NULL;

    if (k != NULL) {
        mine = strcmp(k, "toString") == 0 || strcmp(k, "toLocaleString") == 0;
    }
    if (!mine && duk_is_object(ctx, 0)) {
        duk_dup(ctx, 1);
        duk_get_prop_desc(ctx, 0, 0);                   /* -> [ t k r desc ] */
        if (duk_is_object(ctx, -1)) {
            if (duk_get_prop_literal(ctx, -1, "get") && duk_is_callable(ctx, -1)) {
                duk_dup(ctx, 2);
                duk_call_method(ctx, 0);                /* getter.call(receiver) */
                return 1;
            }
            duk_pop(ctx);
            duk_get_prop_literal(ctx, -1, "value");
            return 1;
        }
        duk_pop(ctx);
    }
    if (i < 0 || i >= nd_boot_lazy_nfiles || js == NULL || js->lib == NULL
        || (js->lazy_loaded & ((uint32_t) 1 << i)) != 0) {
        return 0;
    }
    duk_push_heapptr(ctx, js->lib);                     /* -> [ t k r lib ] */
    duk_push_literal(ctx, "require");
    duk_push_string(ctx, nd_boot_lazy_files[i].name);
    nd_js_housekeeping_begin(js);
    rc = duk_pcall_prop(ctx, -3, 1);
    nd_js_housekeeping_end(js);
    if (rc != DUK_EXEC_SUCCESS) {
        (void) duk_throw(ctx);
    }
    duk_pop_2(ctx);
    duk_dup(ctx, 1);
    duk_get_prop(ctx, 2);                               /* receiver[key] */
    return 1;
}

/* native.lazyInterpose(obj, file): a Proxy between obj and Object.prototype
 * (obj's prototype) that loads lazy/FILE.js when a lookup misses on obj: one
 * Proxy and its handler per heap instead of an accessor per name. The
 * file's unstub (es-stubs.js) puts Object.prototype back. */
static duk_ret_t
native_lazy_interpose(duk_context *ctx)
{
    int i;

    duk_require_object(ctx, 0);
    i = file_index(ctx, duk_require_string(ctx, 1));
    if (i < 0 || i > 127) {
        return duk_range_error(ctx, "lazyInterpose: unknown file");
    }
    duk_push_global_object(ctx);
    duk_get_prop_literal(ctx, -1, "Object");
    duk_get_prop_literal(ctx, -1, "prototype");         /* -> [ obj file global Object proto ] */
    duk_push_bare_object(ctx);
    duk_push_c_lightfunc(ctx, lazy_proxy_get, 3, 3, i);
    duk_put_prop_literal(ctx, -2, "get");               /* -> [ ... proto handler ] */
    duk_push_proxy(ctx, 0);                             /* -> [ ... proxy ] */
    duk_set_prototype(ctx, 0);
    return 0;
}

/* The setter: [ value key ], this = the receiver. Assigning before the first
 * read defines a data property on the receiver without loading anything
 * (enumerable when the receiver only inherits the accessor, like an
 * assignment to an inherited data property). */
static duk_ret_t
lazy_set(duk_context *ctx)
{
    duk_uint_t flags = DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE
                       | DUK_DEFPROP_SET_CONFIGURABLE;
    int        own;

    duk_push_this(ctx);                                 /* -> [ value key this ] */
    if (!duk_is_object(ctx, 2)) {
        return duk_type_error(ctx, "cannot create property on a primitive value");
    }
    duk_dup(ctx, 1);
    duk_get_prop_desc(ctx, 2, 0);                       /* -> [ value key this desc ] */
    own = !duk_is_undefined(ctx, -1);
    duk_pop(ctx);
    flags |= own ? DUK_DEFPROP_CLEAR_ENUMERABLE : DUK_DEFPROP_SET_ENUMERABLE;
    duk_dup(ctx, 1);
    duk_dup(ctx, 0);                                    /* -> [ value key this key value ] */
    duk_def_prop(ctx, 2, flags);
    return 0;
}

/* -> [ ... get set ]: the accessor pair of magic m (SHARED, or file m's own)
 * in this heap, made on first use and kept in the stash. */
static void
push_accessors(duk_context *ctx, int m)
{
    duk_uarridx_t at = (duk_uarridx_t) (m == SHARED ? 0 : 2 * (m + 1));

    duk_push_global_stash(ctx);                         /* -> [ stash ] */
    if (!duk_get_prop_literal(ctx, -1, DUK_HIDDEN_SYMBOL("lazyAccessors"))) {
        duk_pop(ctx);
        duk_push_bare_array(ctx);
        duk_dup_top(ctx);
        duk_put_prop_literal(ctx, -3, DUK_HIDDEN_SYMBOL("lazyAccessors"));
    }                                                   /* -> [ stash arr ] */
    if (!duk_get_prop_index(ctx, -1, at)) {
        duk_pop(ctx);
        duk_push_c_function(ctx, lazy_get, 1);
        duk_set_magic(ctx, -1, m);
        duk_dup_top(ctx);
        duk_put_prop_index(ctx, -3, at);
        duk_push_c_function(ctx, lazy_set, 2);
        duk_set_magic(ctx, -1, m);
        duk_dup_top(ctx);
        duk_put_prop_index(ctx, -4, at + 1);
    } else {
        duk_get_prop_index(ctx, -2, at + 1);
    }                                                   /* -> [ stash arr get set ] */
    duk_remove(ctx, -3);
    duk_remove(ctx, -3);
}

/* Defines the accessor of the key on top for file i on obj: the shared pair
 * at shared, or file i's own. [ ... key ] -> [ ... ] */
static void
define_key(duk_context *ctx, duk_idx_t obj, int i, duk_idx_t shared)
{
    if (key_claim(ctx, -1, i)) {
        duk_dup(ctx, shared);
        duk_dup(ctx, shared + 1);
    } else {
        push_accessors(ctx, i);
    }                                                   /* -> [ ... key get set ] */
    duk_def_prop(ctx, obj, DUK_DEFPROP_HAVE_GETTER | DUK_DEFPROP_HAVE_SETTER
                 | DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
}

/* native.lazyDefine(obj, file, keys): non-enumerable, configurable accessors
 * for obj[keys[j]] (strings or symbols) that load lazy/FILE.js on first read
 * (es-stubs.js: the accessors of the files it installs). */
static duk_ret_t
native_lazy_define(duk_context *ctx)
{
    int        i;
    duk_size_t n, j;

    duk_require_object(ctx, 0);
    i = file_index(ctx, duk_require_string(ctx, 1));
    duk_require_object(ctx, 2);
    n = duk_get_length(ctx, 2);
    duk_set_top(ctx, 3);
    push_accessors(ctx, SHARED);                        /* -> [ obj file keys get set ] */
    for (j = 0; j < n; j++) {
        duk_get_prop_index(ctx, 2, (duk_uarridx_t) j);  /* -> [ ... key ] */
        define_key(ctx, 0, i, 3);
    }
    return 0;
}

void
nd_boot_lazy_push_key(duk_context *ctx, const char *name, size_t len)
{
    if (len > 2 && name[0] == '@' && name[1] == '@') {
        duk_get_global_literal(ctx, "Symbol");
        duk_get_prop_lstring(ctx, -1, name + 2, len - 2);
        duk_remove(ctx, -2);
        return;
    }
    duk_push_lstring(ctx, name, len);
}

/* native.lazyProvide(obj, target): lazyDefine for every name that the
 * registry says a file provides on target ("global", "lib",
 * "lib.Response.prototype"...), in file order, leaving out the files whose
 * installer is another (es-stubs.js). */
static duk_ret_t
native_lazy_provide(duk_context *ctx)
{
    const char *target, *p, *end;
    int         k;

    duk_require_object(ctx, 0);
    target = duk_require_string(ctx, 1);
    duk_set_top(ctx, 2);
    push_accessors(ctx, SHARED);                        /* -> [ obj target get set ] */
    for (k = 0; k < nd_lazy_nprovides; k++) {
        const struct nd_lazy_provide *e = &nd_lazy_provides[k];

        if (e->installer != NULL || strcmp(e->target, target) != 0) {
            continue;
        }
        for (p = e->names; *p != '\0'; p = *end == '\0' ? end : end + 1) {
            end = strchr(p, ' ');
            if (end == NULL) {
                end = p + strlen(p);
            }
            nd_boot_lazy_push_key(ctx, p, (size_t) (end - p));     /* -> [ ... key ] */
            if (duk_is_undefined(ctx, -1)) {
                duk_pop(ctx);
                continue;
            }
            define_key(ctx, 0, e->file, 2);
        }
    }
    return 0;
}

int
nd_boot_lazy_is_stub(duk_context *ctx, duk_idx_t idx)
{
    duk_c_function fn = duk_get_c_function(ctx, idx);

    return fn == lazy_get || fn == lazy_set;
}

int
nd_boot_lazy_is_es_stub(duk_context *ctx, duk_idx_t idx, duk_idx_t key)
{
    int i;

    if (duk_get_c_function(ctx, idx) != lazy_get) {
        return 0;
    }
    i = duk_get_magic(ctx, idx);
    if (i == SHARED) {
        i = key_file(ctx, key);
    }
    return i >= 0 && i < nd_boot_lazy_nfiles && strncmp(nd_boot_lazy_files[i].name, "es-", 3) == 0;
}

int
nd_boot_lazy_init(char *msg, size_t size)
{
    int i, rc = 0;

    for (i = 0; i < nd_boot_lazy_nfiles; i++) {
        if (g_lazy[i].code == NULL && compile(i, msg, size) == -1) {
            rc = -1;
        }
    }
    return rc;
}

void
nd_bind_lazy(duk_context *ctx, duk_idx_t native)
{
    /* GLOBAL: set once the lazy files were compiled in this process. */
    static int compiled;
    char       msg[512];

    /* With the process's first heap (outside any request's CPU budget), unless
     * nd_boot_lazy_init() ran before (e.g. before fork). A file that fails to
     * compile reports its error when it is first used. */
    if (!compiled) {
        compiled = 1;
        (void) nd_boot_lazy_init(msg, sizeof(msg));
    }
    duk_push_c_function(ctx, native_lazy_load, 1);
    duk_put_prop_string(ctx, native, "lazyLoad");
    duk_push_c_function(ctx, native_lazy_define, 3);
    duk_put_prop_string(ctx, native, "lazyDefine");
    duk_push_c_function(ctx, native_lazy_provide, 2);
    duk_put_prop_string(ctx, native, "lazyProvide");
    duk_push_c_function(ctx, native_lazy_interpose, 2);
    duk_put_prop_string(ctx, native, "lazyInterpose");
}
