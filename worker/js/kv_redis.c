/*
 * Workers KV on Redis with hiredis' async API on the worker's event_base (see
 * kv_redis.h for the data layout and the failure rules).
 *
 *   native.kv -> bind_kv.c checks -> nd_kv_redis_call: an op on the
 *   connection's FIFO, its command pipelined -> reply callback (hiredis) ->
 *   lib.kvDone via nd_app_enter
 *
 * An op lives from its command until hiredis calls its callback (a reply, or
 * NULL when the connection goes: hiredis runs every pending callback then).
 * While JS waits for it, it is an nd_app_res of its invocation and holds the
 * worker; a discarded heap or a timed-out request only drops that interest.
 * Everything about the app goes through the heap's host (worker/js/host.h).
 * Replies come in order, so the FIFO's head is the oldest unanswered call and
 * one timer (its deadline) covers the connection.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "common/redis_url.h"
#include "common/scoreboard.h"
#include "common/sys.h"
#include "worker/js/heap.h"
#include "worker/js/host.h"
#include "worker/js/kv_redis.h"

#define RETRY_US    500000      /* after a failure, calls fail at once for this long */

struct rop;

/* One connection (per worker, per server + db + credentials + timeout). */
struct rconn {
    char                *id;            /* owned: what makes connections the same */
    struct nd_redis_url  url;
    char                 where[160];    /* "host:port/db" or the socket, for messages */
    struct event_base   *base;          /* borrowed: the worker's */
    redisAsyncContext   *ac;            /* NULL while down; freed by hiredis or us */
    struct rop          *head, *tail;   /* sent, unanswered, oldest first */
    struct event        *timer;         /* owned: the head's deadline */
    int64_t              down_until_us; /* monotonic: fail at once until then */
    char                 last_err[200];
    struct rconn        *next;
};

/* A binding of an app, resolved once per worker (on its first call). */
struct rbind {
    struct rconn *conn;                 /* borrowed: g.conns */
    char         *prefix;               /* owned */
    size_t        plen;
};

struct rop {
    struct nd_app_res  res;             /* in the app's resources while waiting */
    struct rconn      *conn;            /* NULL once out of the FIFO */
    const struct nd_js_host *host;      /* borrowed (static): the app's host */
    struct nd_app     *app;             /* borrowed: apps live as long as the worker */
    int                b;               /* the binding */
    double             id, io;
    int                op;              /* ND_KV_* */
    int                waiting;         /* JS waits: res registered, worker held */
    int64_t            t0_us, deadline_us;
    char               err[240];        /* preset failure (timeout), or "" */
    struct rop        *prev, *next;     /* conn FIFO */
};

/* An app's bindings, in g.apps (open addressing on the app pointer). */
struct rapp {
    struct nd_app *app;                 /* borrowed; NULL: a free entry */
    struct rbind  *b;                   /* owned: the app's nkv bindings */
    int            n;
};

/* GLOBAL: this worker's Redis connections and resolved bindings (loop only). */
static struct {
    struct rconn   *conns;
    struct rapp    *apps;               /* owned: cap entries, a power of two */
    size_t          napps, cap;
} g;

/* put: KEYS = hash, index (= the prefix); ARGV = name, value, metadata ("" none),
 * expiration ("0"). Then two random names of the index whose hash is gone
 * (expired) leave it: with every put removing 2f dead names on average (f the
 * dead fraction) and adding at most one, the index stays under about twice
 * the live keys even for an app that never lists (ZRANDMEMBER: Redis 6.2+;
 * older servers skip this, pcall). */
static const char PUT_LUA[] =
    "redis.call('DEL', KEYS[1])\n"
    "local a = {'v', ARGV[2]}\n"
    "if ARGV[3] ~= '' then a[#a + 1] = 'm'; a[#a + 1] = ARGV[3] end\n"
    "if ARGV[4] ~= '0' then a[#a + 1] = 'e'; a[#a + 1] = ARGV[4] end\n"
    "redis.call('HSET', KEYS[1], unpack(a))\n"
    "if ARGV[4] ~= '0' then redis.call('EXPIREAT', KEYS[1], ARGV[4]) end\n"
    "redis.call('ZADD', KEYS[2], 0, ARGV[1])\n"
    "local s = redis.pcall('ZRANDMEMBER', KEYS[2], 2)\n"
    "if type(s) == 'table' and s.err == nil then\n"
    "  for i = 1, #s do\n"
    "    if redis.call('EXISTS', KEYS[2] .. s[i]) == 0 then redis.call('ZREM', KEYS[2], s[i]) end\n"
    "  end\n"
    "end\n"
    "return 1\n";

/* delete: KEYS = hash, index; ARGV = name. */
static const char DEL_LUA[] =
    "redis.call('DEL', KEYS[1])\n"
    "redis.call('ZREM', KEYS[2], ARGV[1])\n"
    "return 1\n";

/* list: KEYS = index; ARGV = min, max (ZRANGEBYLEX), wanted, key prefix.
 * -> { name, expiration or '', metadata or false, ... }; names whose hash is
 * gone (expired) leave the index. */
static const char LIST_LUA[] =
    "local idx, lo, hi, want, kp = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]\n"
    "local out, n = {}, 0\n"
    "while n < want do\n"
    "  local names = redis.call('ZRANGEBYLEX', idx, lo, hi, 'LIMIT', 0, want - n)\n"
    "  if #names == 0 then break end\n"
    "  for i = 1, #names do\n"
    "    local name = names[i]\n"
    "    local h = redis.call('HMGET', kp .. name, 'e', 'm')\n"
    "    if h[1] or h[2] or redis.call('EXISTS', kp .. name) == 1 then\n"
    "      out[#out + 1] = name; out[#out + 1] = h[1] or ''; out[#out + 1] = h[2] or false\n"
    "      n = n + 1\n"
    "    else\n"
    "      redis.call('ZREM', idx, name)\n"
    "    end\n"
    "    lo = '(' .. name\n"
    "  end\n"
    "end\n"
    "return out\n";

static void conn_drop(struct rconn *c, const char *why, int timeout);

/* --- settling ------------------------------------------------------------------ */

struct push_arg {
    struct rop  *op;
    const char  *err;
    redisReply  *r;
};

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

/* The reply's shape for op, or NULL when it is the expected one. */
static const char *
reply_bad(int op, const redisReply *r)
{
    size_t i;

    if (r->type == REDIS_REPLY_ERROR) {
        return "error";
    }
    if (op == ND_KV_GET) {
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2
            || (r->element[0]->type != REDIS_REPLY_STRING
                && r->element[0]->type != REDIS_REPLY_NIL)
            || (r->element[1]->type != REDIS_REPLY_STRING
                && r->element[1]->type != REDIS_REPLY_NIL)) {
            return "unexpected reply to HMGET";
        }
    } else if (op == ND_KV_LIST) {
        if (r->type != REDIS_REPLY_ARRAY || r->elements % 3 != 0) {
            return "unexpected reply to the list script";
        }
        for (i = 0; i < r->elements; i++) {
            int t = r->element[i]->type;
            if (t != REDIS_REPLY_STRING && !(i % 3 == 2 && t == REDIS_REPLY_NIL)) {
                return "unexpected reply to the list script";
            }
        }
    }
    return NULL;
}

/* duk_safe_call body: [ ] -> [ id err result ]. */
static duk_ret_t
push_args(duk_context *ctx, void *udata)
{
    struct push_arg *a = udata;
    redisReply      *r = a->r;
    size_t           i;

    duk_push_number(ctx, a->op->id);
    if (a->err != NULL) {
        duk_push_string(ctx, a->err);
        duk_push_undefined(ctx);
        return 3;
    }
    duk_push_undefined(ctx);
    if (a->op->op == ND_KV_GET) {
        if (r->element[0]->type == REDIS_REPLY_NIL) {
            duk_push_null(ctx);
            return 3;
        }
        duk_push_array(ctx);
        push_ab(ctx, r->element[0]->str, r->element[0]->len);
        duk_put_prop_index(ctx, -2, 0);
        if (r->element[1]->type == REDIS_REPLY_STRING) {
            duk_push_lstring(ctx, r->element[1]->str, r->element[1]->len);
        } else {
            duk_push_null(ctx);
        }
        duk_put_prop_index(ctx, -2, 1);
    } else if (a->op->op == ND_KV_LIST) {
        duk_push_array(ctx);
        for (i = 0; i + 2 < r->elements; i += 3) {
            duk_push_array(ctx);
            duk_push_lstring(ctx, r->element[i]->str, r->element[i]->len);
            duk_put_prop_index(ctx, -2, 0);
            duk_push_number(ctx, r->element[i + 1]->len > 0
                            ? strtod(r->element[i + 1]->str, NULL) : 0);
            duk_put_prop_index(ctx, -2, 1);
            if (r->element[i + 2]->type == REDIS_REPLY_STRING) {
                duk_push_lstring(ctx, r->element[i + 2]->str, r->element[i + 2]->len);
            } else {
                duk_push_null(ctx);
            }
            duk_put_prop_index(ctx, -2, 2);
            duk_put_prop_index(ctx, -2, (duk_uarridx_t) (i / 3));
        }
    } else {
        duk_push_undefined(ctx);
    }
    return 3;
}

static void
stat_done(const struct nd_js_host *h, struct nd_app *app, int b, int64_t dur_us, int failed)
{
    if (h->binding_done != NULL) {
        h->binding_done(app, ND_SB_BIND_KV_REDIS, b, dur_us, failed);
    }
}

/* JS stops waiting for op: the res and the worker hold go. */
static void
op_unwait(struct rop *op)
{
    if (op->waiting) {
        op->waiting = 0;
        op->host->res_remove(op->app, &op->res);
        op->host->release(op->app);
    }
}

/* Settles op's promise with err (a message) or reply r. Loop side. */
static void
op_settle(struct rop *op, const char *err, redisReply *r)
{
    struct nd_app           *app = op->app;
    const struct nd_js_host *h = op->host;
    struct nd_js            *js;
    struct push_arg          a = { op, err, r };
    duk_context             *ctx;

    if (!op->waiting) {
        return;
    }
    op->waiting = 0;
    h->res_remove(app, &op->res);
    stat_done(h, app, op->b, nd_sys_now_us() - op->t0_us, err != NULL);
    js = h->heap(app);
    if (js != NULL && h->io_live(app, op->io) && nd_js_push_lib_fn(js, "kvDone") == 0) {
        ctx = js->ctx;
        if (duk_safe_call(ctx, push_args, &a, 0, 3) != DUK_EXEC_SUCCESS) {
            duk_pop_n(ctx, 3);
            duk_push_number(ctx, op->id);
            duk_push_string(ctx, "KV: the result does not fit in memory_limit");
            duk_push_undefined(ctx);
        }
        h->enter(app, op->io, 3);
        h->io_release(app, op->io);
    }
    h->release(app);
}

static void
op_cancel(struct nd_app_res *res)
{
    op_unwait((struct rop *) res);
}

static void
fifo_remove(struct rop *op)
{
    struct rconn *c = op->conn;

    if (c == NULL) {
        return;
    }
    if (op->prev != NULL) {
        op->prev->next = op->next;
    } else {
        c->head = op->next;
    }
    if (op->next != NULL) {
        op->next->prev = op->prev;
    } else {
        c->tail = op->prev;
    }
    op->prev = op->next = NULL;
    op->conn = NULL;
}

/* Arms the connection's timer at its head's deadline (or stops it). */
static void
timer_arm(struct rconn *c)
{
    struct timeval tv;
    int64_t        us;

    if (c->head == NULL) {
        evtimer_del(c->timer);
        return;
    }
    us = c->head->deadline_us - nd_sys_now_us();
    if (us < 0) {
        us = 0;
    }
    tv.tv_sec = (time_t) (us / 1000000);
    tv.tv_usec = (suseconds_t) (us % 1000000);
    evtimer_add(c->timer, &tv);
}

/* hiredis: the reply to op's command, or NULL when the connection went. */
static void
on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
    struct rop   *op = privdata;
    struct rconn *c = op->conn;
    redisReply   *r = reply;
    char          msg[300];
    const char   *bad;

    if (c != NULL) {
        fifo_remove(op);
        timer_arm(c);
    }
    if (op->err[0] != '\0') {
        op_settle(op, op->err, NULL);
    } else if (r == NULL) {
        if (c != NULL && c->ac == ac) {     /* lost: new calls must not use ac */
            c->ac = NULL;
            c->down_until_us = nd_sys_now_us() + RETRY_US;
            snprintf(c->last_err, sizeof(c->last_err), "%s",
                     ac->err != 0 && ac->errstr != NULL ? ac->errstr : "connection lost");
        }
        snprintf(msg, sizeof(msg), "KV: Redis at %s: %s", c != NULL ? c->where : "?",
                 c != NULL ? c->last_err : "connection lost");
        op_settle(op, msg, NULL);
    } else if ((bad = reply_bad(op->op, r)) != NULL) {
        if (r->type == REDIS_REPLY_ERROR) {
            snprintf(msg, sizeof(msg), "KV: Redis error: %.*s", (int) r->len, r->str);
        } else {
            snprintf(msg, sizeof(msg), "KV: Redis: %s", bad);
        }
        op_settle(op, msg, NULL);
    } else {
        op_settle(op, NULL, r);
    }
    free(op);
}

/* --- connections ------------------------------------------------------------------ */

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct rconn *c = arg;
    char          why[200];

    (void) fd;
    (void) what;
    if (c->head == NULL) {
        return;
    }
    if (c->head->deadline_us > nd_sys_now_us()) {
        timer_arm(c);
        return;
    }
    snprintf(why, sizeof(why), "did not answer within %lld ms",
             (long long) c->url.timeout_ms);
    conn_drop(c, why, 1);
}

/* Closes c's connection: every call on it fails with why ("KV: Redis at W: why"). */
static void
conn_drop(struct rconn *c, const char *why, int timeout)
{
    redisAsyncContext *ac = c->ac;
    struct rop        *op;

    snprintf(c->last_err, sizeof(c->last_err), "%s", why);
    c->down_until_us = nd_sys_now_us() + (timeout ? RETRY_US : 0);
    for (op = c->head; op != NULL; op = op->next) {
        snprintf(op->err, sizeof(op->err), "KV: Redis at %s %s", c->where, why);
    }
    while (c->head != NULL) {
        fifo_remove(c->head);
    }
    evtimer_del(c->timer);
    c->ac = NULL;
    if (ac != NULL) {
        redisAsyncFree(ac);     /* runs each op's callback: settled with op->err */
    }
}

static void
on_connect(const redisAsyncContext *ac, int status)
{
    struct rconn *c = ac->data;

    if (status != REDIS_OK && c != NULL && c->ac == ac) {
        c->ac = NULL;       /* hiredis frees ac and fails its calls right after */
        c->down_until_us = nd_sys_now_us() + RETRY_US;
        snprintf(c->last_err, sizeof(c->last_err), "%s",
                 ac->errstr != NULL && ac->errstr[0] != '\0' ? ac->errstr : "connect failed");
    }
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
    struct rconn *c = ac->data;

    if (c != NULL && c->ac == ac) {
        c->ac = NULL;
        if (status != REDIS_OK) {
            c->down_until_us = nd_sys_now_us() + RETRY_US;
            snprintf(c->last_err, sizeof(c->last_err), "%s",
                     ac->errstr != NULL && ac->errstr[0] != '\0' ? ac->errstr
                                                               : "connection lost");
        }
    }
}

/* AUTH / SELECT: a refusal drops the connection with Redis' reason. */
static void
on_setup(redisAsyncContext *ac, void *reply, void *privdata)
{
    struct rconn *c = privdata;
    redisReply   *r = reply;
    char          why[200];

    if (r == NULL || r->type != REDIS_REPLY_ERROR || c->ac != ac) {
        return;
    }
    snprintf(why, sizeof(why), "refused the connection's set-up: %.*s", (int) r->len, r->str);
    conn_drop(c, why, 1);
}

/* Connects c (asynchronously: calls queue behind the connect). 0 or -1 (msg). */
static int
conn_open(struct rconn *c, char *msg, size_t size)
{
    redisAsyncContext *ac;
    char               db[16];

    ac = c->url.path[0] != '\0' ? redisAsyncConnectUnix(c->url.path)
                                : redisAsyncConnect(c->url.host, c->url.port);
    if (ac == NULL || ac->err != 0) {
        snprintf(c->last_err, sizeof(c->last_err), "%s",
                 ac != NULL && ac->errstr != NULL ? ac->errstr : "out of memory");
        c->down_until_us = nd_sys_now_us() + RETRY_US;
        if (ac != NULL) {
            redisAsyncFree(ac);
        }
        snprintf(msg, size, "KV: Redis at %s: %s", c->where, c->last_err);
        return -1;
    }
    ac->data = c;
    if (redisLibeventAttach(ac, c->base) != REDIS_OK) {
        redisAsyncFree(ac);
        snprintf(msg, size, "KV: Redis at %s: cannot watch the connection", c->where);
        return -1;
    }
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    c->ac = ac;
    if (c->url.pass[0] != '\0') {
        if (c->url.user[0] != '\0') {
            redisAsyncCommand(ac, on_setup, c, "AUTH %s %s", c->url.user, c->url.pass);
        } else {
            redisAsyncCommand(ac, on_setup, c, "AUTH %s", c->url.pass);
        }
    }
    if (c->url.db != 0) {
        snprintf(db, sizeof(db), "%d", c->url.db);
        redisAsyncCommand(ac, on_setup, c, "SELECT %s", db);
    }
    return 0;
}

static struct rconn *
conn_get(struct event_base *base, const struct nd_redis_url *u)
{
    struct rconn *c;
    char          id[1024];

    snprintf(id, sizeof(id), "%s|%d|%s|%d|%s|%s|%lld", u->host, u->port, u->path, u->db,
             u->user, u->pass, (long long) u->timeout_ms);
    for (c = g.conns; c != NULL; c = c->next) {
        if (strcmp(c->id, id) == 0) {
            return c;
        }
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL || (c->id = strdup(id)) == NULL) {
        free(c);
        return NULL;
    }
    c->url = *u;
    c->base = base;
    c->timer = evtimer_new(c->base, on_timer, c);
    if (c->timer == NULL) {
        free(c->id);
        free(c);
        return NULL;
    }
    if (u->path[0] != '\0') {
        snprintf(c->where, sizeof(c->where), "%s (db %d)", u->path, u->db);
    } else if (strchr(u->host, ':') != NULL) {
        snprintf(c->where, sizeof(c->where), "[%s]:%d/%d", u->host, u->port, u->db);
    } else {
        snprintf(c->where, sizeof(c->where), "%s:%d/%d", u->host, u->port, u->db);
    }
    c->next = g.conns;
    g.conns = c;
    return c;
}

/* The entry of app in g.apps (a free one when it has none). */
static struct rapp *
app_slot(struct rapp *t, size_t cap, struct nd_app *app)
{
    size_t i = (size_t) (((uintptr_t) app >> 4) * 0x9e3779b97f4a7c15ULL) & (cap - 1);

    while (t[i].app != NULL && t[i].app != app) {
        i = (i + 1) & (cap - 1);
    }
    return &t[i];
}

/* app's entry, added (with nkv bindings) when missing; NULL when out of memory. */
static struct rapp *
app_get(struct nd_app *app, int nkv)
{
    struct rapp *ra, *t;
    size_t       i, cap;

    if (g.cap > 0) {
        ra = app_slot(g.apps, g.cap, app);
        if (ra->app == app) {
            return ra;
        }
    }
    if ((g.napps + 1) * 2 > g.cap) {
        cap = g.cap > 0 ? g.cap * 2 : 16;
        t = calloc(cap, sizeof(*t));
        if (t == NULL) {
            return NULL;
        }
        for (i = 0; i < g.cap; i++) {
            if (g.apps[i].app != NULL) {
                *app_slot(t, cap, g.apps[i].app) = g.apps[i];
            }
        }
        free(g.apps);
        g.apps = t;
        g.cap = cap;
    }
    ra = app_slot(g.apps, g.cap, app);
    ra->b = calloc((size_t) nkv, sizeof(*ra->b));
    if (ra->b == NULL) {
        return NULL;
    }
    ra->app = app;
    ra->n = nkv;
    g.napps++;
    return ra;
}

/* Binding b of the heap's app, resolved (URL parsed, connection found) on first use. */
static struct rbind *
bind_get(struct nd_js *js, int b, char *msg, size_t size)
{
    const struct nd_app_conf *conf = js->host->conf(js->owner);
    struct rapp              *ra;
    struct rbind             *rb;
    struct nd_redis_url       u;
    char                      why[256], p[ND_REDIS_PREFIX_MAX + 260];

    if (conf == NULL || b < 0 || b >= conf->nkv) {
        snprintf(msg, size, "KV: no such binding");
        return NULL;
    }
    ra = app_get(js->owner, conf->nkv);
    if (ra == NULL) {
        goto oom;
    }
    rb = &ra->b[b];
    if (rb->conn != NULL) {
        return rb;
    }
    if (nd_redis_url_parse(conf->kv[b].value, &u, why, sizeof(why)) == -1) {
        snprintf(msg, size, "KV: bad Redis URL: %s", why);     /* nanod -t refuses it */
        return NULL;
    }
    if (nd_redis_url_prefix(&u, conf->name, conf->kv[b].key, p, sizeof(p)) == -1) {
        snprintf(msg, size, "KV: the binding's Redis key prefix is too long");
        return NULL;
    }
    rb->prefix = strdup(p);
    if (rb->prefix == NULL) {
        goto oom;
    }
    rb->plen = strlen(rb->prefix);
    rb->conn = conn_get(js->host->base(js->owner), &u);
    if (rb->conn == NULL) {
        free(rb->prefix);
        rb->prefix = NULL;
        goto oom;
    }
    return rb;
oom:
    snprintf(msg, size, "KV: out of memory");
    return NULL;
}

/* --- calls ----------------------------------------------------------------------- */

/* ZRANGEBYLEX bounds of a list: lo from the cursor (past it) or the prefix,
 * hi just past every name starting with the prefix ("+": no prefix). */
static int
list_bounds(const struct nd_kv_call *k, char *lo, size_t losize, char *hi, size_t hisize)
{
    size_t clen = k->cursor != NULL ? strlen(k->cursor) : 0, n = k->klen;

    if (clen > 0 && (memcmp(k->cursor, k->key, clen < k->klen ? clen : k->klen) > 0
                     || (clen >= k->klen && memcmp(k->cursor, k->key, k->klen) == 0))) {
        if (clen + 2 > losize) {
            return -1;
        }
        lo[0] = '(';
        memcpy(lo + 1, k->cursor, clen + 1);
    } else {
        lo[0] = '[';
        memcpy(lo + 1, k->key, k->klen + 1);
    }
    /* Successor of the prefix: drop trailing 0xff bytes, increment the last one. */
    while (n > 0 && (unsigned char) k->key[n - 1] == 0xff) {
        n--;
    }
    if (n == 0) {
        memcpy(hi, "+", 2);
        return 0;
    }
    if (n + 2 > hisize) {
        return -1;
    }
    hi[0] = '(';
    memcpy(hi + 1, k->key, n);
    hi[n] = (char) ((unsigned char) hi[n] + 1);
    hi[n + 1] = '\0';
    return 0;
}

int
nd_kv_redis_call(struct nd_js *js, int b, double id, double io, const struct nd_kv_call *k,
                 char *msg, size_t size)
{
    const struct nd_js_host *h = js->host;
    struct nd_app           *app = js->owner;
    struct rbind *rb;
    struct rconn *c;
    struct rop   *op;
    const char   *argv[10];
    size_t        lens[10];
    char         *hkey = NULL, exp[32], want[16], lo[1200], hi[1200];
    int           argc = 0, rc;

    if (app == NULL || h->conf == NULL || h->base == NULL || h->heap == NULL
        || h->enter == NULL || h->res_add == NULL || h->hold == NULL) {
        snprintf(msg, size, "KV: Redis bindings need a worker");
        return -1;
    }
    rb = bind_get(js, b, msg, size);
    if (rb == NULL) {
        return -1;
    }
    c = rb->conn;
    if (c->ac == NULL) {
        if (nd_sys_now_us() < c->down_until_us) {
            snprintf(msg, size, "KV: Redis at %s is unavailable: %s (reconnecting)",
                     c->where, c->last_err);
            stat_done(h, app, b, 0, 1);
            return -1;
        }
        if (conn_open(c, msg, size) == -1) {
            stat_done(h, app, b, 0, 1);
            return -1;
        }
    }
    op = calloc(1, sizeof(*op));
    hkey = malloc(rb->plen + k->klen + 1);
    if (op == NULL || hkey == NULL) {
        free(op);
        free(hkey);
        snprintf(msg, size, "KV: out of memory");
        return -1;
    }
    memcpy(hkey, rb->prefix, rb->plen);
    memcpy(hkey + rb->plen, k->key, k->klen + 1);
#define ARG(p, n) do { argv[argc] = (p); lens[argc] = (n); argc++; } while (0)
    if (k->op == ND_KV_GET) {
        ARG("HMGET", 5);
        ARG(hkey, rb->plen + k->klen);
        ARG("v", 1);
        ARG("m", 1);
    } else if (k->op == ND_KV_PUT || k->op == ND_KV_DELETE) {
        ARG("EVAL", 4);
        if (k->op == ND_KV_PUT) {
            ARG(PUT_LUA, sizeof(PUT_LUA) - 1);
        } else {
            ARG(DEL_LUA, sizeof(DEL_LUA) - 1);
        }
        ARG("2", 1);
        ARG(hkey, rb->plen + k->klen);
        ARG(rb->prefix, rb->plen);
        ARG(k->key, k->klen);
        if (k->op == ND_KV_PUT) {
            ARG(k->vlen > 0 ? k->val : "", k->vlen);
            ARG(k->meta != NULL ? k->meta : "", k->meta != NULL ? strlen(k->meta) : 0);
            snprintf(exp, sizeof(exp), "%.0f", k->expiration > 0 ? k->expiration : 0);
            ARG(exp, strlen(exp));
        }
    } else {
        if (list_bounds(k, lo, sizeof(lo), hi, sizeof(hi)) == -1) {
            free(op);
            free(hkey);
            snprintf(msg, size, "KV list: cursor too long");
            return -1;
        }
        snprintf(want, sizeof(want), "%d", k->limit + 1);   /* one more: complete? */
        ARG("EVAL", 4);
        ARG(LIST_LUA, sizeof(LIST_LUA) - 1);
        ARG("1", 1);
        ARG(rb->prefix, rb->plen);
        ARG(lo, strlen(lo));
        ARG(hi, strlen(hi));
        ARG(want, strlen(want));
        ARG(rb->prefix, rb->plen);
    }
#undef ARG
    op->host = h;
    op->app = app;
    op->b = b;
    op->id = id;
    op->io = io;
    op->op = k->op;
    op->t0_us = nd_sys_now_us();
    op->deadline_us = op->t0_us + c->url.timeout_ms * 1000;
    rc = redisAsyncCommandArgv(c->ac, on_reply, op, argc, argv, lens);
    free(hkey);
    if (rc != REDIS_OK) {
        free(op);
        snprintf(msg, size, "KV: Redis at %s: connection lost", c->where);
        stat_done(h, app, b, 0, 1);
        return -1;
    }
    op->conn = c;
    op->prev = c->tail;
    if (c->tail != NULL) {
        c->tail->next = op;
    } else {
        c->head = op;
        timer_arm(c);
    }
    c->tail = op;
    op->waiting = 1;
    op->res.cancel = op_cancel;
    op->res.rq_id = io;
    h->res_add(app, &op->res);
    h->hold(app);
    return 0;
}

void
nd_kv_redis_shutdown(void)
{
    struct rconn *c;
    size_t        i;
    int           k;

    while ((c = g.conns) != NULL) {
        g.conns = c->next;
        conn_drop(c, "is closed (worker exit)", 0);
        event_free(c->timer);
        free(c->id);
        free(c);
    }
    for (i = 0; i < g.cap; i++) {
        for (k = 0; k < g.apps[i].n; k++) {
            free(g.apps[i].b[k].prefix);
        }
        free(g.apps[i].b);
    }
    free(g.apps);
    g.apps = NULL;
    g.napps = g.cap = 0;
}
