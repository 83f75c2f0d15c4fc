/*
 * Workers KV bindings on SQLite (kv.NAME = sqlite in apps.ini). The JS side
 * is bootstrap/lazy/kv.js; this file is its native.kv:
 *
 *   native.kv(op, id, io, binding, args...) -> undefined: queued on the job
 *   thread (crypto_job.c, nd_job_submit); lib.kvDone(id, err, result) follows.
 *     "get"    [ key ]                           -> [ ArrayBuffer, meta ] or null
 *     "put"    [ key, value, expiration, meta ]  -> undefined
 *     "delete" [ key ]                           -> undefined
 *     "list"   [ prefix, limit, cursor ]         -> [ [ name, expiration, meta ] ... ]
 *
 * The binding is an index into the app's conf->kv, so a tenant names no file:
 * its database is <state_dir>/kv/app-<app>-<NAME>.sqlite, or, for
 * "sqlite:SHARED", <state_dir>/kv/shared-<SHARED>.sqlite (apps share data
 * only by naming the same SHARED). Connections live on the job thread only
 * (one per database, opened on first use, WAL, busy_timeout): the event loop
 * never waits for SQLite. The statement's CPU time counts against the
 * request's cpu_limit (the job thread charges it; sqlite3_progress_handler
 * stops a query past it). Expired entries are invisible at once and deleted
 * a few per put.
 *
 * A binding whose store is a Redis URL goes to kv_redis.c instead, after the
 * same checks, with the same result shapes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "common/redis_url.h"
#include "common/scoreboard.h"
#include "common/sys.h"
#include "worker/js/bind.h"
#include "worker/js/bind_webapi.h"
#include "worker/js/crypto_job.h"
#include "worker/js/heap.h"
#include "worker/js/kv_redis.h"
#include "worker/js/sqlite_db.h"

#define MAX_KEY   512                   /* bytes, as on Workers */
#define MAX_VALUE (25u * 1024 * 1024)   /* bytes */
#define MAX_META  1024                  /* bytes of JSON */
#define MAX_LIST  1000

enum { KV_GET, KV_PUT, KV_DELETE, KV_LIST };

struct kv_job {
    const struct nd_js_host *host;  /* borrowed (static): metrics */
    struct nd_app *app;         /* borrowed: metrics (NULL: none) */
    int            b;           /* the binding */
    int64_t        t0_us;       /* queued at (monotonic); 0: not queued */
    int            op;
    char          *path;        /* owned: the database */
    char          *key;         /* owned: key, or prefix (list) */
    char          *cursor;      /* owned or NULL (list) */
    unsigned char *val;         /* owned: value (put), result value (get) */
    size_t         val_len;
    char          *meta;        /* owned or NULL: JSON metadata (put, get result) */
    double         expiration;  /* seconds since the epoch; 0 = none */
    int            limit;
    int            found;       /* get: a live row */
    char           err[256];    /* "" = success */
    struct {                    /* list result */
        char  *name, *meta;     /* owned */
        double expiration;
    }             *rows;
    int            nrows;
};

/* GLOBAL: the job thread's connections (touched by the job thread only). */
static struct nd_sqldb_cache g_dbs;

static void
kv_free(void *arg)
{
    struct kv_job *j = arg;
    int            i;

    if (j == NULL) {
        return;
    }
    if (j->app != NULL && j->t0_us != 0 && j->host->binding_done != NULL) {
        j->host->binding_done(j->app, ND_SB_BIND_KV_SQLITE, j->b, nd_sys_now_us() - j->t0_us,
                              j->err[0] != '\0');
    }
    free(j->path);
    free(j->key);
    free(j->cursor);
    free(j->val);
    free(j->meta);
    for (i = 0; i < j->nrows; i++) {
        free(j->rows[i].name);
        free(j->rows[i].meta);
    }
    free(j->rows);
    free(j);
}

#define KV_SETUP "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;" \
    "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL," \
    " expiration INTEGER, metadata TEXT) WITHOUT ROWID;" \
    "CREATE INDEX IF NOT EXISTS kv_exp ON kv (expiration) WHERE expiration IS NOT NULL"

static char *
col_dup(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);

    return t != NULL ? strdup((const char *) t) : NULL;
}

/* Runs the statement of j on db. 0 or -1 (j->err set). */
static int
kv_exec(struct kv_job *j, sqlite3 *db)
{
    static const char *const sql[] = {
        [KV_GET] = "SELECT value, metadata FROM kv WHERE key = ?1"
                   " AND (expiration IS NULL OR expiration > ?2)",
        [KV_PUT] = "INSERT OR REPLACE INTO kv (key, value, expiration, metadata)"
                   " VALUES (?1, ?3, ?4, ?5)",
        [KV_DELETE] = "DELETE FROM kv WHERE key = ?1",
        [KV_LIST] = "SELECT key, expiration, metadata FROM kv WHERE key >= ?1"
                    " AND substr(key, 1, length(?1)) = ?1 AND (?6 IS NULL OR key > ?6)"
                    " AND (expiration IS NULL OR expiration > ?2) ORDER BY key LIMIT ?7",
    };
    sqlite3_stmt *st = NULL;
    double        now = (double) time(NULL);
    int           rc, n = 0;

    if (sqlite3_prepare_v2(db, sql[j->op], -1, &st, NULL) != SQLITE_OK) {
        goto fail;
    }
    sqlite3_bind_text(st, 1, j->key, -1, SQLITE_STATIC);
    if (j->op == KV_GET || j->op == KV_LIST) {
        sqlite3_bind_int64(st, 2, (sqlite3_int64) now);
    }
    if (j->op == KV_PUT) {
        sqlite3_bind_blob(st, 3, j->val_len > 0 ? (const void *) j->val : "", (int) j->val_len,
                          SQLITE_STATIC);
        if (j->expiration > 0) {
            sqlite3_bind_int64(st, 4, (sqlite3_int64) j->expiration);
        }
        if (j->meta != NULL) {
            sqlite3_bind_text(st, 5, j->meta, -1, SQLITE_STATIC);
        }
    }
    if (j->op == KV_LIST) {
        if (j->cursor != NULL) {
            sqlite3_bind_text(st, 6, j->cursor, -1, SQLITE_STATIC);
        }
        sqlite3_bind_int(st, 7, j->limit + 1);     /* one more: is the list complete? */
        j->rows = calloc((size_t) j->limit + 1, sizeof(*j->rows));
        if (j->rows == NULL) {
            snprintf(j->err, sizeof(j->err), "KV: out of memory");
            sqlite3_finalize(st);
            return -1;
        }
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (j->op == KV_GET) {
            int len = sqlite3_column_bytes(st, 0);
            j->val = malloc(len > 0 ? (size_t) len : 1);
            if (j->val == NULL) {
                snprintf(j->err, sizeof(j->err), "KV: out of memory");
                sqlite3_finalize(st);
                return -1;
            }
            if (len > 0) {
                memcpy(j->val, sqlite3_column_blob(st, 0), (size_t) len);
            }
            j->val_len = (size_t) len;
            j->meta = col_dup(st, 1);
            j->found = 1;
            break;
        }
        if (j->op == KV_LIST && n <= j->limit) {
            j->rows[n].name = col_dup(st, 0);
            j->rows[n].expiration = sqlite3_column_type(st, 1) == SQLITE_NULL ? 0
                : (double) sqlite3_column_int64(st, 1);
            j->rows[n].meta = col_dup(st, 2);
            j->nrows = ++n;
        }
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        goto fail;
    }
    sqlite3_finalize(st);
    return 0;
fail:
    if (sqlite3_errcode(db) == SQLITE_INTERRUPT) {
        snprintf(j->err, sizeof(j->err), "KV: cpu_limit exceeded");
    } else {
        snprintf(j->err, sizeof(j->err), "KV: %s failed: %s",
                 j->op == KV_GET ? "get" : j->op == KV_PUT ? "put"
                 : j->op == KV_DELETE ? "delete" : "list", sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    return -1;
}

/* Job thread (nd_job_ops.run). */
static void
kv_run(void *arg, int (*keep_going)(void *kg), void *kg)
{
    struct kv_job            *j = arg;
    struct nd_sqldb_progress  p = { keep_going, kg };
    sqlite3                  *db = nd_sqldb_get(&g_dbs, j->path, "KV", KV_SETUP, NULL, j->err,
                                                sizeof(j->err));

    if (db == NULL) {
        return;
    }
    sqlite3_progress_handler(db, 1000, nd_sqldb_on_progress, &p);
    if (kv_exec(j, db) == 0 && j->op == KV_PUT) {
        /* Expired entries leave the file a few per write (kv_exp index): bounded work. */
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, "DELETE FROM kv WHERE key IN (SELECT key FROM kv WHERE"
                               " expiration IS NOT NULL AND expiration <= ?1 LIMIT 8)", -1,
                               &st, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, (sqlite3_int64) time(NULL));
            (void) sqlite3_step(st);
        }
        sqlite3_finalize(st);
    }
    sqlite3_progress_handler(db, 0, NULL, NULL);
}

static void
push_ab(duk_context *ctx, const void *p, size_t len)
{
    void *b = duk_push_fixed_buffer(ctx, len);

    if (len > 0) {
        memcpy(b, p, len);
    }
    duk_push_buffer_object(ctx, -1, 0, len, DUK_BUFOBJ_ARRAYBUFFER);
    duk_remove(ctx, -2);
}

/* Loop side, in a safe call: -> [ ... err result ]. */
static duk_ret_t
kv_push(duk_context *ctx, void *arg)
{
    struct kv_job *j = arg;
    int            i;

    if (j->err[0] != '\0') {
        duk_push_string(ctx, j->err);
        duk_push_undefined(ctx);
        return 2;
    }
    duk_push_undefined(ctx);
    if (j->op == KV_GET) {
        if (!j->found) {
            duk_push_null(ctx);
            return 2;
        }
        duk_push_array(ctx);
        push_ab(ctx, j->val, j->val_len);
        duk_put_prop_index(ctx, -2, 0);
        if (j->meta != NULL) {
            duk_push_string(ctx, j->meta);
        } else {
            duk_push_null(ctx);
        }
        duk_put_prop_index(ctx, -2, 1);
    } else if (j->op == KV_LIST) {
        duk_push_array(ctx);
        for (i = 0; i < j->nrows; i++) {
            duk_push_array(ctx);
            duk_push_string(ctx, j->rows[i].name != NULL ? j->rows[i].name : "");
            duk_put_prop_index(ctx, -2, 0);
            duk_push_number(ctx, j->rows[i].expiration);
            duk_put_prop_index(ctx, -2, 1);
            if (j->rows[i].meta != NULL) {
                duk_push_string(ctx, j->rows[i].meta);
            } else {
                duk_push_null(ctx);
            }
            duk_put_prop_index(ctx, -2, 2);
            duk_put_prop_index(ctx, -2, (duk_uarridx_t) i);
        }
    } else {
        duk_push_undefined(ctx);
    }
    return 2;
}

static const struct nd_job_ops kv_ops = { kv_run, kv_push, kv_free, "kvDone" };

/* The database path of binding b of the app of conf (malloc'd) or NULL. */
static char *
db_path(const char *dir, const struct nd_app_conf *conf, int b)
{
    const char *spec = conf->kv[b].value;
    size_t      n = strlen(dir) + strlen(conf->name) + strlen(conf->kv[b].key)
                    + strlen(spec) + 32;
    char       *p = malloc(n);

    if (p == NULL) {
        return NULL;
    }
    if (spec[6] == ':') {
        snprintf(p, n, "%s/kv/shared-%s.sqlite", dir, spec + 7);
    } else {
        snprintf(p, n, "%s/kv/app-%s-%s.sqlite", dir, conf->name, conf->kv[b].key);
    }
    return p;
}

/* A malloc'd copy of the string or buffer at idx; NULL if neither (or OOM). */
static unsigned char *
copy_bytes(duk_context *ctx, duk_idx_t idx, size_t *len)
{
    const void    *p;
    duk_size_t     n = 0;
    unsigned char *c;

    if (duk_is_string(ctx, idx)) {
        p = duk_get_lstring(ctx, idx, &n);
    } else if (duk_is_buffer_data(ctx, idx)) {
        p = duk_get_buffer_data(ctx, idx, &n);
    } else {
        return NULL;
    }
    c = malloc(n + 1);
    if (c != NULL) {
        if (n > 0) {
            memcpy(c, p, n);
        }
        c[n] = '\0';
        *len = n;
    }
    return c;
}

static duk_ret_t
native_kv(duk_context *ctx)
{
    struct nd_js  *js = nd_js_of(ctx);
    const struct nd_app_conf *conf = nd_bind_app_conf(js);
    const char    *op = duk_require_string(ctx, 0);
    double         id = duk_require_number(ctx, 1), io = duk_require_number(ctx, 2);
    int            b = duk_require_int(ctx, 3), kind;
    struct kv_job *j;
    const char    *key;
    duk_size_t     klen = 0, mlen = 0;
    int            rc;

    duk_set_top(ctx, 8);
    if (strcmp(op, "get") == 0) {
        kind = KV_GET;
    } else if (strcmp(op, "put") == 0) {
        kind = KV_PUT;
    } else if (strcmp(op, "delete") == 0) {
        kind = KV_DELETE;
    } else if (strcmp(op, "list") == 0) {
        kind = KV_LIST;
    } else {
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "kv: unknown op %s", op);
    }
    if (conf == NULL || b < 0 || b >= conf->nkv) {
        return duk_error(ctx, DUK_ERR_ERROR, "KV: no such binding");
    }
    key = duk_require_lstring(ctx, 4, &klen);
    if (kind != KV_LIST && klen == 0) {
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "KV: the key must not be empty");
    }
    if (kind != KV_LIST && (strcmp(key, ".") == 0 || strcmp(key, "..") == 0)) {
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "KV: the key must not be \".\" or \"..\"");
    }
    if (klen > MAX_KEY) {
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "KV: %s of %lu bytes is longer than the "
                         "limit of %d bytes", kind == KV_LIST ? "prefix" : "key",
                         (unsigned long) klen, MAX_KEY);
    }
    if (strlen(key) != klen) {
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "KV: the key must not contain NUL");
    }
    if (kind == KV_PUT) {
        duk_size_t vlen = 0;
        if (duk_is_string(ctx, 5)) {
            (void) duk_get_lstring(ctx, 5, &vlen);
        } else if (duk_is_buffer_data(ctx, 5)) {
            (void) duk_get_buffer_data(ctx, 5, &vlen);
        } else {
            return duk_error(ctx, DUK_ERR_TYPE_ERROR, "KV put: the value must be a string, "
                             "ArrayBuffer, ArrayBufferView or ReadableStream");
        }
        if (vlen > MAX_VALUE) {
            return duk_error(ctx, DUK_ERR_TYPE_ERROR, "KV put: a value of %lu bytes is larger "
                             "than the limit of %u bytes (25 MiB)", (unsigned long) vlen,
                             MAX_VALUE);
        }
        if (!duk_is_null_or_undefined(ctx, 7)) {
            (void) duk_require_lstring(ctx, 7, &mlen);
            if (mlen > MAX_META) {
                return duk_error(ctx, DUK_ERR_TYPE_ERROR, "KV put: metadata of %lu bytes "
                                 "(serialized as JSON) is larger than the limit of %d bytes",
                                 (unsigned long) mlen, MAX_META);
            }
        }
    }
    if (kind == KV_LIST && !duk_is_null_or_undefined(ctx, 7)) {
        (void) duk_require_string(ctx, 7);
    }
    if (kind == KV_LIST) {
        int lim = duk_get_int_default(ctx, 5, MAX_LIST);
        if (lim < 1 || lim > MAX_LIST) {
            return duk_error(ctx, DUK_ERR_RANGE_ERROR, "KV list: limit must be 1..%d",
                             MAX_LIST);
        }
    }
    if (js->host->binding_call != NULL) {
        js->host->binding_call(js->owner, io);
    }
    if (nd_redis_url_is(conf->kv[b].value)) {
        struct nd_kv_call c = { 0 };
        char              msg[400];
        duk_size_t        vlen = 0;
        c.op = kind == KV_GET ? ND_KV_GET : kind == KV_PUT ? ND_KV_PUT
            : kind == KV_DELETE ? ND_KV_DELETE : ND_KV_LIST;
        c.key = key;
        c.klen = klen;
        if (kind == KV_PUT) {
            c.val = duk_is_string(ctx, 5) ? (const void *) duk_get_lstring(ctx, 5, &vlen)
                                          : duk_get_buffer_data(ctx, 5, &vlen);
            c.vlen = vlen;
            c.expiration = duk_get_number_default(ctx, 6, 0);
            c.meta = duk_get_string(ctx, 7);
        } else if (kind == KV_LIST) {
            c.limit = duk_get_int_default(ctx, 5, MAX_LIST);
            c.cursor = duk_get_string(ctx, 7);
        }
        if (nd_kv_redis_call(js, b, id, io, &c, msg, sizeof(msg)) == -1) {
            return duk_error(ctx, DUK_ERR_ERROR, "%s", msg);
        }
        return 0;
    }

    /* No Duktape call may throw from here until the job is submitted or freed. */
    j = calloc(1, sizeof(*j));
    if (j == NULL) {
        return duk_error(ctx, DUK_ERR_ERROR, "KV: out of memory");
    }
    j->op = kind;
    j->host = js->host;
    j->app = js->owner;
    j->b = b;
    j->path = db_path(js->host->state_dir(js->owner), conf, b);
    j->key = strdup(key);
    if (j->path == NULL || j->key == NULL) {
        goto oom;
    }
    if (kind == KV_PUT) {
        j->val = copy_bytes(ctx, 5, &j->val_len);
        if (j->val == NULL) {
            goto oom;
        }
        j->expiration = duk_get_number_default(ctx, 6, 0);
        if (duk_is_string(ctx, 7) && (j->meta = strdup(duk_get_string(ctx, 7))) == NULL) {
            goto oom;
        }
    } else if (kind == KV_LIST) {
        j->limit = duk_get_int_default(ctx, 5, MAX_LIST);
        if (j->limit < 1 || j->limit > MAX_LIST) {
            kv_free(j);
            return duk_error(ctx, DUK_ERR_RANGE_ERROR, "KV list: limit must be 1..%d",
                             MAX_LIST);
        }
        if (duk_is_string(ctx, 7) && (j->cursor = strdup(duk_get_string(ctx, 7))) == NULL) {
            goto oom;
        }
    }
    j->t0_us = nd_sys_now_us();
    rc = nd_job_submit(ctx, id, io, &kv_ops, j);
    if (rc == 1) {
        kv_free(j);         /* no app: unreachable (checked above) */
        return 0;
    }
    if (rc == -1) {
        return duk_error(ctx, DUK_ERR_ERROR, "KV: cannot start the job thread");
    }
    return 0;
oom:
    kv_free(j);
    return duk_error(ctx, DUK_ERR_ERROR, "KV: out of memory");
}

void
nd_bind_kv(duk_context *ctx, duk_idx_t native)
{
    duk_push_c_lightfunc(ctx, native_kv, DUK_VARARGS, 0, 0);
    duk_put_prop_string(ctx, native, "kv");
}
