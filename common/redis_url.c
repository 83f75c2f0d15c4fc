/*
 * Redis store URLs for KV bindings (see redis_url.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/parse.h"
#include "common/redis_url.h"

int
nd_redis_url_is(const char *s)
{
    return strncmp(s, "redis://", 8) == 0 || strncmp(s, "redis+unix://", 13) == 0;
}

/* Decodes s[0..n) (%XX escapes) into out (size bytes, NUL-terminated). 0 or -1
 * (bad escape, a NUL, or too long). */
static int
decode(const char *s, size_t n, char *out, size_t size)
{
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        int c = (unsigned char) s[i];
        if (c == '%') {
            if (i + 2 >= n || nd_hexval(s[i + 1]) < 0 || nd_hexval(s[i + 2]) < 0) {
                return -1;
            }
            c = nd_hexval(s[i + 1]) * 16 + nd_hexval(s[i + 2]);
            i += 2;
        }
        if (c == 0 || o + 1 >= size) {
            return -1;
        }
        out[o++] = (char) c;
    }
    out[o] = '\0';
    return 0;
}

/* A decimal number in s[0..n) within lo..hi, or -1. */
static long long
number(const char *s, size_t n, long long lo, long long hi)
{
    long long v = 0;
    size_t    i;

    if (n == 0 || n > 12) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v >= lo && v <= hi ? v : -1;
}

/* The query string q (after '?'): prefix, timeout, and db for unix sockets. */
static int
parse_query(const char *q, struct nd_redis_url *u, int unix_form, char *err, size_t errsize)
{
    while (*q != '\0') {
        const char *amp = strchr(q, '&'), *eq;
        size_t      n = amp != NULL ? (size_t) (amp - q) : strlen(q), vn;
        long long   v;

        eq = memchr(q, '=', n);
        if (eq == NULL) {
            snprintf(err, errsize, "bad query parameter \"%.*s\" (want name=value)", (int) n, q);
            return -1;
        }
        vn = n - (size_t) (eq + 1 - q);
        if ((size_t) (eq - q) == 6 && strncmp(q, "prefix", 6) == 0) {
            if (vn == 0 || decode(eq + 1, vn, u->prefix, sizeof(u->prefix)) == -1) {
                snprintf(err, errsize, "bad prefix (1..%d bytes, %%XX escapes, no NUL)",
                         ND_REDIS_PREFIX_MAX);
                return -1;
            }
            u->has_prefix = 1;
        } else if ((size_t) (eq - q) == 7 && strncmp(q, "timeout", 7) == 0) {
            v = number(eq + 1, vn, 1, 60000);
            if (v < 0) {
                snprintf(err, errsize, "bad timeout \"%.*s\" (milliseconds, 1..60000)",
                         (int) vn, eq + 1);
                return -1;
            }
            u->timeout_ms = v;
        } else if (unix_form && (size_t) (eq - q) == 2 && strncmp(q, "db", 2) == 0) {
            v = number(eq + 1, vn, 0, 1000000);
            if (v < 0) {
                snprintf(err, errsize, "bad db \"%.*s\" (a number)", (int) vn, eq + 1);
                return -1;
            }
            u->db = (int) v;
        } else {
            snprintf(err, errsize, "unknown query parameter \"%.*s\" (use prefix, timeout%s)",
                     (int) (eq - q), q, unix_form ? ", db" : "");
            return -1;
        }
        q += n + (amp != NULL);
    }
    return 0;
}

int
nd_redis_url_parse(const char *s, struct nd_redis_url *u, char *err, size_t errsize)
{
    const char *p, *q, *at, *hostend, *slash;
    long long   v;

    memset(u, 0, sizeof(*u));
    u->port = 6379;
    u->timeout_ms = 2000;
    q = strchr(s, '?');
    if (strncmp(s, "redis+unix://", 13) == 0) {
        size_t n = q != NULL ? (size_t) (q - (s + 13)) : strlen(s + 13);
        if (n == 0 || s[13] != '/' || n >= sizeof(u->path)) {
            snprintf(err, errsize, "want redis+unix:///absolute/path/to/socket");
            return -1;
        }
        memcpy(u->path, s + 13, n);
        u->path[n] = '\0';
        return q != NULL ? parse_query(q + 1, u, 1, err, errsize) : 0;
    }
    if (strncmp(s, "redis://", 8) != 0) {
        snprintf(err, errsize, "want redis://host:port/db or redis+unix:///path");
        return -1;
    }
    p = s + 8;
    slash = strchr(p, '/');
    if (q != NULL && (slash == NULL || slash > q)) {
        slash = NULL;
    }
    hostend = slash != NULL ? slash : q != NULL ? q : p + strlen(p);
    at = memchr(p, '@', (size_t) (hostend - p));
    if (at != NULL) {
        const char *colon = memchr(p, ':', (size_t) (at - p));
        if (colon == NULL) {
            snprintf(err, errsize, "want [USER]:PASSWORD@ before the host");
            return -1;
        }
        if ((size_t) (colon - p) >= sizeof(u->user)) {
            snprintf(err, errsize, "user name too long");
            return -1;
        }
        memcpy(u->user, p, (size_t) (colon - p));
        u->user[colon - p] = '\0';
        if (decode(colon + 1, (size_t) (at - colon - 1), u->pass, sizeof(u->pass)) == -1
            || u->pass[0] == '\0') {
            snprintf(err, errsize, "bad password (%%XX escapes, at most 255 bytes)");
            return -1;
        }
        p = at + 1;
    }
    if (*p == '[') {
        const char *rb = memchr(p, ']', (size_t) (hostend - p));
        if (rb == NULL || rb == p + 1 || (size_t) (rb - p - 1) >= sizeof(u->host)) {
            snprintf(err, errsize, "bad IPv6 host (want [addr])");
            return -1;
        }
        memcpy(u->host, p + 1, (size_t) (rb - p - 1));
        u->host[rb - p - 1] = '\0';
        p = rb + 1;
        if (p < hostend && *p != ':') {
            snprintf(err, errsize, "bad text after the IPv6 host");
            return -1;
        }
    } else {
        const char *colon = memchr(p, ':', (size_t) (hostend - p)), *e;
        e = colon != NULL ? colon : hostend;
        if (e == p || (size_t) (e - p) >= sizeof(u->host)) {
            snprintf(err, errsize, "missing or too long host");
            return -1;
        }
        memcpy(u->host, p, (size_t) (e - p));
        u->host[e - p] = '\0';
        for (at = u->host; *at != '\0'; at++) {
            if (!((*at >= 'a' && *at <= 'z') || (*at >= 'A' && *at <= 'Z')
                  || (*at >= '0' && *at <= '9') || *at == '.' || *at == '-' || *at == '_')) {
                snprintf(err, errsize, "bad host \"%s\"", u->host);
                return -1;
            }
        }
        p = e;
    }
    if (p < hostend) {          /* ":PORT" */
        v = number(p + 1, (size_t) (hostend - p - 1), 1, 65535);
        if (v < 0) {
            snprintf(err, errsize, "bad port \"%.*s\" (1..65535)", (int) (hostend - p - 1),
                     p + 1);
            return -1;
        }
        u->port = (int) v;
    }
    if (slash != NULL) {
        const char *e = q != NULL ? q : slash + strlen(slash);
        if (e > slash + 1) {
            v = number(slash + 1, (size_t) (e - slash - 1), 0, 1000000);
            if (v < 0) {
                snprintf(err, errsize, "bad database number \"%.*s\"", (int) (e - slash - 1),
                         slash + 1);
                return -1;
            }
            u->db = (int) v;
        }
    }
    return q != NULL ? parse_query(q + 1, u, 0, err, errsize) : 0;
}

int
nd_redis_url_prefix(const struct nd_redis_url *u, const char *app, const char *name, char *out,
                    size_t size)
{
    int n = u->has_prefix ? snprintf(out, size, "%s", u->prefix)
                          : snprintf(out, size, "nanod:%s:%s:", app, name);

    return n < 0 || (size_t) n >= size ? -1 : 0;
}

int
nd_redis_url_same_db(const struct nd_redis_url *a, const struct nd_redis_url *b)
{
    return strcmp(a->host, b->host) == 0 && a->port == b->port && strcmp(a->path, b->path) == 0
           && a->db == b->db;
}
