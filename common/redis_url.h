/*
 * The store of a Redis KV binding (kv.NAME = redis://... in apps.ini), parsed:
 *
 *   redis://[[USER]:PASSWORD@]HOST[:PORT][/DB][?prefix=P&timeout=MS]
 *   redis+unix:///PATH/TO/SOCKET[?db=DB&prefix=P&timeout=MS]
 *
 * HOST is an IPv4 address, [IPv6] or a name (resolved when a worker connects);
 * PORT 6379, DB 0, timeout 2000 ms by default. prefix and PASSWORD may use
 * %XX escapes. No prefix: the binding uses "nanod:APP:NAME:" (worker/js/
 * kv_redis.c), so apps share data only by naming the same prefix. Pure
 * (config.c checks with it, kv_redis.c connects with it); any process.
 */
#ifndef ND_REDIS_URL_H
#define ND_REDIS_URL_H

#include <stddef.h>
#include <stdint.h>

#define ND_REDIS_PREFIX_MAX 256     /* bytes */

struct nd_redis_url {
    char    host[256];              /* "" for a unix socket */
    int     port;
    char    path[108];              /* the unix socket, or "" */
    int     db;                     /* SELECT db (0..1000000; Redis' own cap applies) */
    char    user[128];              /* "" = none */
    char    pass[256];              /* "" = no AUTH */
    char    prefix[ND_REDIS_PREFIX_MAX + 1];
    int     has_prefix;             /* 0: the binding's default */
    int64_t timeout_ms;             /* per call, 1..60000 */
};

/* 1 when s names a Redis store (redis:// or redis+unix://). */
int nd_redis_url_is(const char *s);

/* 0, or -1 with err (a sentence naming the bad part). */
int nd_redis_url_parse(const char *s, struct nd_redis_url *u, char *err, size_t errsize);

/* The key prefix of binding NAME of app APP: u's prefix, or "nanod:APP:NAME:".
 * 0, or -1 when it does not fit in size. */
int nd_redis_url_prefix(const struct nd_redis_url *u, const char *app, const char *name,
                        char *out, size_t size);

/* 1 when a and b name the same database of the same server (as written). */
int nd_redis_url_same_db(const struct nd_redis_url *a, const struct nd_redis_url *b);

#endif
