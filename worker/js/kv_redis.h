/*
 * Workers KV bindings on Redis (kv.NAME = redis://... in apps.ini), async on
 * the worker's libevent loop with hiredis. bind_kv.c validates a call and
 * hands it here; the reply settles the promise through lib.kvDone(id, err,
 * result) with the same result shapes as the SQLite store.
 *
 * Layout under the binding's prefix P (default "nanod:APP:NAME:"):
 *   P + name   a hash {v: value, m: metadata JSON, e: expiration}, with a
 *              Redis TTL (EXPIREAT) when it expires
 *   P          a sorted set of the names (all scores 0: ZRANGEBYLEX gives
 *              Workers' byte order for list); a name whose hash expired is
 *              dropped from it by the next list that passes it, or by a put
 *              that samples it (two random names per put)
 * put and delete are Lua scripts (atomic: no lost or half write with many
 * writers); get is one HMGET.
 *
 * One connection per worker per server (host, port or socket, db,
 * credentials, timeout), shared by its apps, commands pipelined. A call gets
 * no answer within the URL's timeout (default 2000 ms): it and every call
 * behind it fail with "did not answer within", the connection is dropped.
 * A refused or lost connection fails the calls on it with the reason; for
 * the next 500 ms calls fail at once, then the next call reconnects.
 * Worker only, on its loop.
 */
#ifndef ND_JS_KV_REDIS_H
#define ND_JS_KV_REDIS_H

#include <stddef.h>

struct nd_js;

enum { ND_KV_GET, ND_KV_PUT, ND_KV_DELETE, ND_KV_LIST };

/* One call, validated by bind_kv.c (limits, key not empty...). Borrowed. */
struct nd_kv_call {
    int         op;             /* ND_KV_* */
    const char *key;            /* key, or list prefix */
    size_t      klen;
    const void *val;            /* put */
    size_t      vlen;
    double      expiration;     /* put: seconds since the epoch, 0 = none */
    const char *meta;           /* put: JSON or NULL */
    int         limit;          /* list: 1..1000 */
    const char *cursor;         /* list: the last name of the previous page, or NULL */
};

/*
 * Sends call c for binding b of the app of heap js (its conf->kv[b] is a
 * Redis URL) on behalf of invocation io; lib.kvDone(id, ...) follows on the
 * loop. 0, or -1 with msg ("KV: ..."): nothing pending, the caller throws msg.
 * From a native of a heap with an app (the worker's host).
 */
int nd_kv_redis_call(struct nd_js *js, int b, double id, double io,
                     const struct nd_kv_call *c, char *msg, size_t size);

/* Worker exit, after the apps are cleaned up: closes every connection. */
void nd_kv_redis_shutdown(void);

#endif
