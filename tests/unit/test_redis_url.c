/*
 * Redis store URLs of KV bindings (common/redis_url.c).
 */
#include "common/redis_url.h"
#include "tests/unit/t.h"

static struct nd_redis_url u;
static char                err[256];

static int
parse(const char *s)
{
    err[0] = '\0';
    return nd_redis_url_parse(s, &u, err, sizeof(err));
}

T_CASE(defaults)
{
    T_EQ_INT(parse("redis://127.0.0.1"), 0);
    T_EQ_STR(u.host, "127.0.0.1");
    T_EQ_INT(u.port, 6379);
    T_EQ_INT(u.db, 0);
    T_EQ_INT(u.has_prefix, 0);
    T_EQ_INT(u.timeout_ms, 2000);
    T_EQ_STR(u.pass, "");
    T_EQ_STR(u.path, "");
}

T_CASE(full)
{
    T_EQ_INT(parse("redis://app:p%40ss@cache.internal:6380/3?prefix=shop%3Acart:&timeout=250"),
             0);
    T_EQ_STR(u.user, "app");
    T_EQ_STR(u.pass, "p@ss");
    T_EQ_STR(u.host, "cache.internal");
    T_EQ_INT(u.port, 6380);
    T_EQ_INT(u.db, 3);
    T_EQ_STR(u.prefix, "shop:cart:");
    T_EQ_INT(u.has_prefix, 1);
    T_EQ_INT(u.timeout_ms, 250);
    T_EQ_INT(parse("redis://:secret@[::1]:7000/0"), 0);
    T_EQ_STR(u.user, "");
    T_EQ_STR(u.pass, "secret");
    T_EQ_STR(u.host, "::1");
    T_EQ_INT(u.port, 7000);
    T_EQ_INT(parse("redis://h?prefix=x:"), 0);
    T_EQ_STR(u.prefix, "x:");
    T_EQ_INT(u.db, 0);
}

T_CASE(unix_socket)
{
    T_EQ_INT(parse("redis+unix:///run/redis/redis.sock?db=2&prefix=a:"), 0);
    T_EQ_STR(u.path, "/run/redis/redis.sock");
    T_EQ_STR(u.host, "");
    T_EQ_INT(u.db, 2);
    T_EQ_STR(u.prefix, "a:");
    T_EQ_INT(nd_redis_url_is("redis+unix:///x"), 1);
    T_EQ_INT(nd_redis_url_is("redis://x"), 1);
    T_EQ_INT(nd_redis_url_is("sqlite"), 0);
    T_EQ_INT(nd_redis_url_is("rediss://x"), 0);
}

T_CASE(errors)
{
    T_EQ_INT(parse("redis://"), -1);
    T_TRUE(strstr(err, "host") != NULL);
    T_EQ_INT(parse("redis://h:0"), -1);
    T_TRUE(strstr(err, "port") != NULL);
    T_EQ_INT(parse("redis://h:65536"), -1);
    T_EQ_INT(parse("redis://h:12x"), -1);
    T_EQ_INT(parse("redis://h/x"), -1);
    T_TRUE(strstr(err, "database") != NULL);
    T_EQ_INT(parse("redis://h/0?prefix="), -1);
    T_EQ_INT(parse("redis://h/0?prefix=%zz"), -1);
    T_EQ_INT(parse("redis://h/0?prefix=a%00b"), -1);
    T_EQ_INT(parse("redis://h/0?timeout=0"), -1);
    T_EQ_INT(parse("redis://h/0?timeout=60001"), -1);
    T_EQ_INT(parse("redis://h/0?db=1"), -1);        /* db is in the path for TCP */
    T_EQ_INT(parse("redis://h/0?flag"), -1);
    T_EQ_INT(parse("redis://user@h"), -1);          /* a password is needed */
    T_EQ_INT(parse("redis://h h"), -1);
    T_EQ_INT(parse("redis://[::1"), -1);
    T_EQ_INT(parse("redis+unix://relative"), -1);
    T_EQ_INT(parse("redis+unix://"), -1);
    T_EQ_INT(parse("redis+unix:///s?db=x"), -1);
    T_EQ_INT(parse("http://h"), -1);
}

T_CASE(prefixes)
{
    struct nd_redis_url a, b;
    char                p[64];

    T_EQ_INT(nd_redis_url_parse("redis://h/1", &a, err, sizeof(err)), 0);
    T_EQ_INT(nd_redis_url_prefix(&a, "shop", "CACHE", p, sizeof(p)), 0);
    T_EQ_STR(p, "nanod:shop:CACHE:");
    T_EQ_INT(nd_redis_url_prefix(&a, "a-very-long-app-name-that-does-not-fit", "NAME", p, 20),
             -1);
    T_EQ_INT(nd_redis_url_parse("redis://h:6379/1?prefix=x:", &b, err, sizeof(err)), 0);
    T_EQ_INT(nd_redis_url_prefix(&b, "shop", "CACHE", p, sizeof(p)), 0);
    T_EQ_STR(p, "x:");
    T_EQ_INT(nd_redis_url_same_db(&a, &b), 1);
    T_EQ_INT(nd_redis_url_parse("redis://h:6379/2", &b, err, sizeof(err)), 0);
    T_EQ_INT(nd_redis_url_same_db(&a, &b), 0);
}

int
main(void)
{
    T_RUN(defaults);
    T_RUN(full);
    T_RUN(unix_socket);
    T_RUN(errors);
    T_RUN(prefixes);
    return T_DONE();
}
