/*
 * D1 bindings on SQLite (d1.NAME = path in apps.ini). The JS side is
 * bootstrap/lazy/d1.js; this file is its native.d1:
 *
 *   native.d1(id, io, binding, mode, stmts) -> undefined: queued on the job
 *   thread (crypto_job.c, nd_job_submit); lib.d1Done(id, err, json) follows.
 *     stmts: [ [ sql, [ params ] ] ... ]
 *     mode "one":   the one statement; "batch": all of them in one transaction
 *                   (rolled back on the first error); "exec": sql may hold
 *                   several statements, no params.
 *     json: [ { columns: [...], rows: [[...]...], meta: {...} } ... ] (a string,
 *           built on the thread; JSON.parse'd on the loop).
 *
 * The database is the path the operator configured (relative ones under
 * state_dir; the tenant's SQL names no file): ATTACH/DETACH are refused by an
 * authorizer and extension loading is off. So are the app's own transaction
 * statements (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE), as D1 refuses
 * them: the connection is the job thread's, shared by every request of the
 * worker, so an open BEGIN of one request would take in the statements of
 * others (and a ROLLBACK lose them). batch() is the one transaction. Query CPU counts against the
 * request's cpu_limit (progress handler, as bind_kv.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "common/scoreboard.h"
#include "common/sys.h"
#include "worker/js/bind.h"
#include "worker/js/bind_webapi.h"
#include "worker/js/crypto_job.h"
#include "worker/js/heap.h"
#include "worker/js/sqlite_db.h"

#define MAX_RESULT  (64u * 1024 * 1024)     /* bytes of result JSON */
#define MAX_PARAMS  100                     /* D1's limit of bound parameters */

enum { D1_ONE, D1_BATCH, D1_EXEC };
enum { P_NULL, P_INT, P_REAL, P_TEXT, P_BLOB };

struct param {
    int            type;
    sqlite3_int64  i;
    double         d;
    char          *p;           /* owned: text or blob */
    size_t         len;
};

struct stmt {
    char         *sql;          /* owned */
    struct param *params;       /* owned */
    int           nparams;
};

struct out {
    char   *p;                  /* owned */
    size_t  len, cap;
    int     failed;             /* out of memory or past MAX_RESULT */
};

struct d1_job {
    const struct nd_js_host *host;  /* borrowed (static): metrics */
    struct nd_app *app;         /* borrowed: metrics (NULL: none) */
    int           b;            /* the binding */
    int64_t       t0_us;        /* queued at (monotonic); 0: not queued */
    int           mode;
    char         *path;         /* owned */
    struct stmt  *stmts;        /* owned */
    int           nstmts;
    struct out    out;          /* the result JSON */
    int           denied;       /* what the authorizer refused (DENY_*) */
    char          err[512];     /* "" = success */
};

enum { DENY_NONE, DENY_FILE, DENY_TX };

/* GLOBAL: the job thread's connections (the job thread only). */
static struct nd_sqldb_cache g_dbs;

static void
d1_free(void *arg)
{
    struct d1_job *j = arg;
    int            i, k;

    if (j == NULL) {
        return;
    }
    if (j->app != NULL && j->t0_us != 0 && j->host->binding_done != NULL) {
        j->host->binding_done(j->app, ND_SB_BIND_D1, j->b, nd_sys_now_us() - j->t0_us,
                              j->err[0] != '\0');
    }
    for (i = 0; i < j->nstmts; i++) {
        for (k = 0; k < j->stmts[i].nparams; k++) {
            free(j->stmts[i].params[k].p);
        }
        free(j->stmts[i].params);
        free(j->stmts[i].sql);
    }
    free(j->stmts);
    free(j->path);
    free(j->out.p);
    free(j);
}

static void
out_put(struct out *o, const char *s, size_t n)
{
    char  *p;
    size_t cap;

    if (o->failed) {
        return;
    }
    if (o->len + n + 1 > o->cap) {
        cap = o->cap > 0 ? o->cap : 256;
        while (cap < o->len + n + 1) {
            cap *= 2;
        }
        if (cap > MAX_RESULT || (p = realloc(o->p, cap)) == NULL) {
            o->failed = 1;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

static void
out_fmt(struct out *o, const char *fmt, ...)
{
    char    buf[64];
    va_list ap;
    int     n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > 0) {
        out_put(o, buf, (size_t) n < sizeof(buf) ? (size_t) n : sizeof(buf) - 1);
    }
}

/* A JSON string of n bytes of UTF-8. */
static void
out_str(struct out *o, const char *s, size_t n)
{
    size_t i, run = 0;

    out_put(o, "\"", 1);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char) s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        out_put(o, s + run, i - run);
        run = i + 1;
        if (c == '"' || c == '\\') {
            char e[2] = { '\\', (char) c };
            out_put(o, e, 2);
        } else {
            out_fmt(o, "\\u%04x", c);
        }
    }
    out_put(o, s + run, n - run);
    out_put(o, "\"", 1);
}

#define D1_SETUP "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON"

/* No file beyond the binding's own: ATTACH, DETACH and load_extension refused;
 * no transaction statement of the app's (see the top). arg: the running
 * struct d1_job (NULL while the connection is set up), told what was refused. */
static int
authorize(void *arg, int action, const char *a, const char *b, const char *c, const char *d)
{
    struct d1_job *j = arg;
    int            why = DENY_NONE;

    if (action == SQLITE_ATTACH || action == SQLITE_DETACH) {
        why = DENY_FILE;
    } else if (action == SQLITE_FUNCTION && b != NULL && strcmp(b, "load_extension") == 0) {
        why = DENY_FILE;
    } else if (action == SQLITE_TRANSACTION || action == SQLITE_SAVEPOINT) {
        why = DENY_TX;
    }
    if (why == DENY_NONE) {
        return SQLITE_OK;
    }
    if (j != NULL) {
        j->denied = why;
    }
    return SQLITE_DENY;
}

/* A transaction statement of our own (batch's BEGIN/COMMIT/ROLLBACK), past
 * the authorizer that refuses the app's; it is put back for job j. */
static int
own_exec(sqlite3 *db, struct d1_job *j, const char *sql)
{
    int rc;

    sqlite3_set_authorizer(db, NULL, NULL);
    rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_set_authorizer(db, authorize, j);
    return rc;
}

static void
set_err(struct d1_job *j, sqlite3 *db, const char *sql)
{
    if (sqlite3_errcode(db) == SQLITE_INTERRUPT) {
        snprintf(j->err, sizeof(j->err), "D1_ERROR: cpu_limit exceeded");
    } else if (sqlite3_errcode(db) == SQLITE_AUTH && j->denied == DENY_TX) {
        snprintf(j->err, sizeof(j->err), "D1_ERROR: not authorized: transaction statements "
                 "(BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE) are refused, as on D1: "
                 "db.batch([...]) runs its statements in one transaction");
    } else if (sqlite3_errcode(db) == SQLITE_AUTH) {
        snprintf(j->err, sizeof(j->err), "D1_ERROR: not authorized: ATTACH, DETACH and "
                 "load_extension are refused");
    } else {
        snprintf(j->err, sizeof(j->err), "D1_ERROR: %s: SQLITE_ERROR", sqlite3_errmsg(db));
    }
}

static int
bind_params(sqlite3_stmt *st, const struct stmt *s)
{
    int k, rc = SQLITE_OK;

    for (k = 0; k < s->nparams && rc == SQLITE_OK; k++) {
        const struct param *p = &s->params[k];
        if (p->type == P_INT) {
            rc = sqlite3_bind_int64(st, k + 1, p->i);
        } else if (p->type == P_REAL) {
            rc = sqlite3_bind_double(st, k + 1, p->d);
        } else if (p->type == P_TEXT) {
            rc = sqlite3_bind_text(st, k + 1, p->p, (int) p->len, SQLITE_STATIC);
        } else if (p->type == P_BLOB) {
            rc = sqlite3_bind_blob(st, k + 1, p->len > 0 ? p->p : "", (int) p->len,
                                   SQLITE_STATIC);
        } else {
            rc = sqlite3_bind_null(st, k + 1);
        }
    }
    return rc == SQLITE_RANGE ? SQLITE_OK : rc;
}

/* Runs one prepared statement, appending its result object. 0 or -1. */
static int
run_stmt(struct d1_job *j, sqlite3 *db, sqlite3_stmt *st)
{
    struct out   *o = &j->out;
    int64_t       t0 = nd_sys_now_us();
    int           ncol = sqlite3_column_count(st), c, rc, nrows = 0;
    sqlite3_int64 changes0 = sqlite3_total_changes64(db);

    out_put(o, "{\"columns\":[", 12);
    for (c = 0; c < ncol; c++) {
        const char *name = sqlite3_column_name(st, c);
        if (c > 0) {
            out_put(o, ",", 1);
        }
        out_str(o, name != NULL ? name : "", name != NULL ? strlen(name) : 0);
    }
    out_put(o, "],\"rows\":[", 10);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        out_put(o, nrows > 0 ? ",[" : "[", nrows > 0 ? 2 : 1);
        nrows++;
        for (c = 0; c < ncol; c++) {
            int t = sqlite3_column_type(st, c), n, b;
            if (c > 0) {
                out_put(o, ",", 1);
            }
            if (t == SQLITE_INTEGER) {
                out_fmt(o, "%lld", (long long) sqlite3_column_int64(st, c));
            } else if (t == SQLITE_FLOAT) {
                out_fmt(o, "%.17g", sqlite3_column_double(st, c));
            } else if (t == SQLITE_TEXT) {
                const char *s = (const char *) sqlite3_column_text(st, c);
                out_str(o, s != NULL ? s : "", (size_t) sqlite3_column_bytes(st, c));
            } else if (t == SQLITE_BLOB) {
                const unsigned char *s = sqlite3_column_blob(st, c);
                n = sqlite3_column_bytes(st, c);
                out_put(o, "[", 1);
                for (b = 0; b < n; b++) {
                    out_fmt(o, b > 0 ? ",%u" : "%u", s[b]);
                }
                out_put(o, "]", 1);
            } else {
                out_put(o, "null", 4);
            }
        }
        out_put(o, "]", 1);
        if (o->failed) {
            snprintf(j->err, sizeof(j->err), "D1_ERROR: the result is larger than %u bytes",
                     MAX_RESULT);
            return -1;
        }
    }
    if (rc != SQLITE_DONE) {
        set_err(j, db, sqlite3_sql(st));
        return -1;
    }
    {
        sqlite3_int64 changes = sqlite3_total_changes64(db) - changes0;
        int           ro = sqlite3_stmt_readonly(st);
        out_fmt(o, "],\"meta\":{\"duration\":%.3f,", (double) (nd_sys_now_us() - t0) / 1000.0);
        out_fmt(o, "\"changes\":%lld,", (long long) (ro ? 0 : changes));
        out_fmt(o, "\"last_row_id\":%lld,", (long long) sqlite3_last_insert_rowid(db));
        out_fmt(o, "\"changed_db\":%s,", !ro && changes > 0 ? "true" : "false");
        out_fmt(o, "\"rows_read\":%d,", nrows);
        out_fmt(o, "\"rows_written\":%lld}}", (long long) (ro ? 0 : changes));
    }
    return 0;
}

/* Job thread. */
static void
d1_run(void *arg, int (*keep_going)(void *kg), void *kg)
{
    struct d1_job            *j = arg;
    struct nd_sqldb_progress  p = { keep_going, kg };
    sqlite3                  *db = nd_sqldb_get(&g_dbs, j->path, "D1_ERROR", D1_SETUP, authorize,
                                                j->err, sizeof(j->err));
    sqlite3_stmt             *st = NULL;
    int                       i, in_tx = 0, n = 0;

    if (db == NULL) {
        return;
    }
    sqlite3_progress_handler(db, 1000, nd_sqldb_on_progress, &p);
    sqlite3_set_authorizer(db, authorize, j);
    out_put(&j->out, "[", 1);
    if (j->mode == D1_BATCH && j->nstmts > 1) {
        if (own_exec(db, j, "BEGIN IMMEDIATE") != SQLITE_OK) {
            set_err(j, db, NULL);
            goto done;
        }
        in_tx = 1;
    }
    for (i = 0; i < j->nstmts; i++) {
        const char *sql = j->stmts[i].sql, *tail = sql;
        do {
            st = NULL;
            if (sqlite3_prepare_v2(db, tail, -1, &st, &tail) != SQLITE_OK) {
                set_err(j, db, tail);
                goto done;
            }
            if (st == NULL) {
                break;              /* whitespace or a comment */
            }
            if (bind_params(st, &j->stmts[i]) != SQLITE_OK) {
                set_err(j, db, sql);
                goto done;
            }
            if (n++ > 0) {
                out_put(&j->out, ",", 1);
            }
            if (run_stmt(j, db, st) == -1) {
                goto done;
            }
            sqlite3_finalize(st);
            st = NULL;
        } while (j->mode == D1_EXEC && tail != NULL && *tail != '\0');
    }
    if (in_tx && own_exec(db, j, "COMMIT") != SQLITE_OK) {
        set_err(j, db, NULL);
        goto done;
    }
    in_tx = 0;
    out_put(&j->out, "]", 1);
    if (j->out.failed) {
        snprintf(j->err, sizeof(j->err), "D1_ERROR: out of memory");
    }
done:
    sqlite3_finalize(st);
    if (in_tx || !sqlite3_get_autocommit(db)) {
        own_exec(db, j, "ROLLBACK");
    }
    sqlite3_set_authorizer(db, authorize, NULL);
    sqlite3_progress_handler(db, 0, NULL, NULL);
}

/* Loop side: -> [ ... err json ]. */
static duk_ret_t
d1_push(duk_context *ctx, void *arg)
{
    struct d1_job *j = arg;

    if (j->err[0] != '\0') {
        duk_push_string(ctx, j->err);
        duk_push_undefined(ctx);
        return 2;
    }
    duk_push_undefined(ctx);
    duk_push_lstring(ctx, j->out.p != NULL ? j->out.p : "[]", j->out.p != NULL ? j->out.len : 2);
    return 2;
}

static const struct nd_job_ops d1_ops = { d1_run, d1_push, d1_free, "d1Done" };

static char *
db_path(const char *dir, const struct nd_app_conf *conf, int b)
{
    const char *v = conf->d1[b].value;
    size_t      n = strlen(dir) + strlen(v) + 2;
    char       *p = malloc(n);

    if (p != NULL) {
        snprintf(p, n, "%s%s%s", v[0] == '/' ? "" : dir, v[0] == '/' ? "" : "/", v);
    }
    return p;
}

/* Copies the params array at idx into s (no Duktape call throws). 0 or -1. */
static int
copy_params(duk_context *ctx, duk_idx_t idx, struct stmt *s, char *err, size_t size)
{
    duk_size_t n = duk_is_array(ctx, idx) ? duk_get_length(ctx, idx) : 0, k;

    if (n > MAX_PARAMS) {
        snprintf(err, size, "D1_ERROR: too many bound parameters (%lu, at most %d)",
                 (unsigned long) n, MAX_PARAMS);
        return -1;
    }
    s->params = calloc(n > 0 ? n : 1, sizeof(*s->params));
    if (s->params == NULL) {
        snprintf(err, size, "D1_ERROR: out of memory");
        return -1;
    }
    s->nparams = (int) n;
    for (k = 0; k < n; k++) {
        struct param *p = &s->params[k];
        const void   *src = NULL;
        duk_size_t    len = 0;
        duk_get_prop_index(ctx, idx, (duk_uarridx_t) k);
        if (duk_is_null_or_undefined(ctx, -1)) {
            p->type = P_NULL;
        } else if (duk_is_boolean(ctx, -1)) {
            p->type = P_INT;
            p->i = duk_get_boolean(ctx, -1);
        } else if (duk_is_number(ctx, -1)) {
            double d = duk_get_number(ctx, -1);
            if (d == (double) (sqlite3_int64) d && d > -9.2e18 && d < 9.2e18) {
                p->type = P_INT;
                p->i = (sqlite3_int64) d;
            } else {
                p->type = P_REAL;
                p->d = d;
            }
        } else if (duk_is_string(ctx, -1)) {
            p->type = P_TEXT;
            src = duk_get_lstring(ctx, -1, &len);
        } else if (duk_is_buffer_data(ctx, -1)) {
            p->type = P_BLOB;
            src = duk_get_buffer_data(ctx, -1, &len);
        } else {
            snprintf(err, size, "D1_TYPE_ERROR: type '%s' not supported for value at index %lu",
                     duk_is_object(ctx, -1) ? "object" : "unknown", (unsigned long) k);
            duk_pop(ctx);
            return -1;
        }
        if (src != NULL || p->type == P_TEXT || p->type == P_BLOB) {
            p->p = malloc(len + 1);
            if (p->p == NULL) {
                duk_pop(ctx);
                snprintf(err, size, "D1_ERROR: out of memory");
                return -1;
            }
            if (len > 0) {
                memcpy(p->p, src, len);
            }
            p->p[len] = '\0';
            p->len = len;
        }
        duk_pop(ctx);
    }
    return 0;
}

static duk_ret_t
native_d1(duk_context *ctx)
{
    struct nd_js  *js = nd_js_of(ctx);
    const struct nd_app_conf *conf = nd_bind_app_conf(js);
    double         id = duk_require_number(ctx, 0), io = duk_require_number(ctx, 1);
    int            b = duk_require_int(ctx, 2);
    const char    *mode = duk_require_string(ctx, 3);
    struct d1_job *j;
    duk_size_t     n, i;
    char           err[256];
    int            rc;

    duk_set_top(ctx, 5);
    if (conf == NULL || b < 0 || b >= conf->nd1) {
        return duk_error(ctx, DUK_ERR_ERROR, "D1_ERROR: no such binding");
    }
    duk_require_object(ctx, 4);
    n = duk_get_length(ctx, 4);
    for (i = 0; i < n; i++) {           /* check the shapes first: these may throw */
        duk_get_prop_index(ctx, 4, (duk_uarridx_t) i);
        duk_get_prop_index(ctx, -1, 0);
        (void) duk_require_string(ctx, -1);
        duk_pop_2(ctx);
    }
    j = calloc(1, sizeof(*j));
    if (j == NULL) {
        return duk_error(ctx, DUK_ERR_ERROR, "D1_ERROR: out of memory");
    }
    j->mode = strcmp(mode, "batch") == 0 ? D1_BATCH : strcmp(mode, "exec") == 0 ? D1_EXEC
        : D1_ONE;
    j->path = db_path(js->host->state_dir(js->owner), conf, b);
    j->stmts = calloc(n > 0 ? n : 1, sizeof(*j->stmts));
    if (j->path == NULL || j->stmts == NULL) {
        snprintf(err, sizeof(err), "D1_ERROR: out of memory");
        goto fail;
    }
    for (i = 0; i < n; i++) {
        struct stmt *s = &j->stmts[i];
        j->nstmts = (int) i + 1;
        duk_get_prop_index(ctx, 4, (duk_uarridx_t) i);     /* -> [ ... [sql params] ] */
        duk_get_prop_index(ctx, -1, 0);
        s->sql = strdup(duk_get_string(ctx, -1));
        duk_pop(ctx);
        duk_get_prop_index(ctx, -1, 1);
        rc = s->sql == NULL ? -1 : copy_params(ctx, duk_get_top_index(ctx), s, err,
                                               sizeof(err));
        duk_pop_2(ctx);
        if (s->sql == NULL) {
            snprintf(err, sizeof(err), "D1_ERROR: out of memory");
        }
        if (rc == -1) {
            goto fail;
        }
    }
    j->host = js->host;
    j->app = js->owner;
    j->b = b;
    j->t0_us = nd_sys_now_us();
    if (js->host->binding_call != NULL) {
        js->host->binding_call(js->owner, io);
    }
    rc = nd_job_submit(ctx, id, io, &d1_ops, j);
    if (rc == 1) {
        d1_free(j);
        return 0;
    }
    if (rc == -1) {
        return duk_error(ctx, DUK_ERR_ERROR, "D1_ERROR: cannot start the job thread");
    }
    return 0;
fail:
    d1_free(j);
    return duk_error(ctx, DUK_ERR_ERROR, "%s", err);
}

void
nd_bind_d1(duk_context *ctx, duk_idx_t native)
{
    duk_push_c_lightfunc(ctx, native_d1, 5, 5, 0);
    duk_put_prop_string(ctx, native, "d1");
}
