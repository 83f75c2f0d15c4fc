/*
 * apps.ini -> struct nd_config.
 *
 * Our own reader, not inih: Debian's libinih 55 is built with multi-line
 * continuation on (an indented line silently extends the previous key's
 * value), calls the handler without a line number, splits lines longer than
 * its buffer into junk lines, truncates section names to 49 bytes, never
 * reports a section without keys and returns only the first error. Working
 * around all of that left inih one job: splitting "key = value". So the
 * reader (read_line) does it all, one physical line at a time:
 *   - counts lines, so every error carries file:line, and goes on after an
 *     error so that all of them are reported in one pass,
 *   - rejects over-long lines, NUL bytes, indented continuation lines and
 *     lines that are neither a comment, a section header nor "key = value",
 *   - strips a UTF-8 BOM, CR before LF and leading whitespace,
 *   - splits "key = value" (or "key: value") and strips an inline "; comment"
 *     (a ';' after whitespace), as INI files and inih do.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sys/stat.h>

#include "common/config.h"
#include "common/manifest.h"
#include "common/sys.h"
#include "common/cron.h"
#include "common/redis_url.h"

#define CONF_LINE_MAX   8192                    /* bytes per line, without CR LF */
#define APP_NAME_MAX    64
#define SCRIPT_MAX      (16 * 1024 * 1024)      /* bytes per app script */
#define DURATION_MAX_MS (24LL * 3600 * 1000)
#define SIZE_MAX_BYTES  (1024LL * 1024 * 1024 * 1024)
#define COUNT_MAX       1000000
#define WORKERS_MAX     1024
#define CA_FILE_MAX     (16u << 20)  /* fetch_ca_file: the system bundle is ~200 KiB */
#define KEYS_MAX        48
#ifndef ND_STATE_DIR
#define ND_STATE_DIR    "/var/lib/nanod"        /* [server] state_dir default (FHS) */
#endif      /* > entries of server_keys[] and app_keys[] (checked below) */

enum key_type {
    K_DURATION,     /* int64_t ms */
    K_SIZE,         /* int64_t bytes */
    K_BOOL,         /* int */
    K_COUNT,        /* int */
    K_COUNT64,      /* int64_t */
    K_STRING,       /* char *, owned */
    K_WORKERS,      /* int, or "auto" */
    K_LISTEN,
    K_SCRIPT,
    K_SOURCE,
    K_HOSTS,
    K_DEFAULT,
    K_CIDRS,        /* fetch_allow: struct nd_cidr list */
    K_CRON
};

struct key_def {
    const char   *name;
    enum key_type type;
    size_t        off;          /* field in struct nd_server_conf / struct nd_app_conf */
    int64_t       min;          /* smallest number allowed */
};

#define SV(f) offsetof(struct nd_server_conf, f)
#define AP(f) offsetof(struct nd_app_conf, f)

static const struct key_def server_keys[] = {
    { "listen",                K_LISTEN,   0,                            0 },
    { "workers",               K_WORKERS,  SV(workers),                  1 },
    { "error_log",             K_STRING,   SV(error_log),                0 },
    { "graceful_timeout",      K_DURATION, SV(graceful_timeout_ms),      1 },
    { "watch",                 K_BOOL,     SV(watch),                    0 },
    { "allow_symlink_escape",  K_BOOL,     SV(allow_symlink_escape),     0 },
    { "pid_file",              K_STRING,   SV(pid_file),                 0 },
    { "user",                  K_STRING,   SV(user),                     0 },
    { "group",                 K_STRING,   SV(group),                    0 },
    { "max_requests",          K_COUNT,    SV(max_requests),             0 },
    { "worker_rss_limit",      K_SIZE,     SV(worker_rss_limit),         0 },
    { "client_header_timeout", K_DURATION, SV(client_header_timeout_ms), 1 },
    { "client_body_timeout",   K_DURATION, SV(client_body_timeout_ms),   1 },
    { "keepalive_timeout",     K_DURATION, SV(keepalive_timeout_ms),     1 },
    { "max_header_size",       K_SIZE,     SV(max_header_size),          1 },
    { "max_url_size",          K_SIZE,     SV(max_url_size),             1 },
    { "max_connections",       K_COUNT,    SV(max_connections),          1 },
    { "max_loaded_apps",       K_COUNT,    SV(max_loaded_apps),          1 },
    { "fetch_allow",           K_CIDRS,    0,                            0 },
    { "fetch_ca_file",         K_STRING,   SV(fetch_ca_file),            0 },
    { "admin_listen",          K_STRING,   SV(admin_listen),             0 },
    { "admin_token",           K_STRING,   SV(admin_token),              0 },
    { "access_log",            K_STRING,   SV(access_log),               0 },
    { "slowlog",               K_STRING,   SV(slowlog),                  0 },
    { "slowlog_threshold",     K_DURATION, SV(slowlog_threshold_ms),     1 },
    { "client_body_min_rate",  K_SIZE,     SV(client_body_min_rate),     0 },
    { "max_body_memory",       K_SIZE,     SV(max_body_memory),          0 },
    { "state_dir",             K_STRING,   SV(state_dir),                0 },
    { "trusted_proxies",       K_CIDRS,    0,                            0 },
    { "drain_delay",           K_DURATION, SV(drain_delay_ms),           0 },
    { NULL,                    K_STRING,   0,                            0 }
};

enum { APP_SCRIPT, APP_HOSTS, APP_DEFAULT, APP_FETCH_ALLOW, APP_CRON, APP_SOURCE, APP_LOG_LEVEL,
       APP_PROFILE, APP_NKEYS };

static const struct key_def app_keys[] = {
    { "script",          K_SCRIPT,   0,                            0 },
    { "hosts",           K_HOSTS,    0,                            0 },
    { "default",         K_DEFAULT,  AP(is_default),               0 },
    { "fetch_allow",     K_CIDRS,    0,                            0 },
    { "cron",            K_CRON,     0,                            0 },
    { "source",          K_SOURCE,   0,                            0 },
    { "log_level",       K_STRING,   AP(log_level_name),           0 },
    { "profile",         K_STRING,   AP(profile_dir),              0 },
    { NULL,              K_STRING,   0,                            0 }
};
_Static_assert(sizeof(app_keys) / sizeof(app_keys[0]) == APP_NKEYS + 1, "APP_* and app_keys[]");

/* The limits (struct nd_limits): keys of [server], where they are the
 * defaults, and of [app:x], where they override them. After the keys of
 * server_keys[] / app_keys[] in the key_line indexes (find_key). */
#define LM(f) offsetof(struct nd_limits, f)

static const struct key_def limit_keys[] = {
    { "cpu_limit",       K_DURATION, LM(cpu_limit_ms),      0 },
    { "memory_limit",    K_SIZE,     LM(memory_limit),      0 },
    { "request_timeout", K_DURATION, LM(request_timeout_ms), 1 },
    { "max_body_size",   K_SIZE,     LM(max_body_size),     0 },
    { "fetch_timeout",   K_DURATION, LM(fetch_timeout_ms),  1 },
    { "fetch_max_response_size", K_SIZE, LM(fetch_max_response_size), 0 },
    { "max_subrequests", K_COUNT64,  LM(max_subrequests),   0 },
    { "max_concurrent_subrequests", K_COUNT64, LM(max_concurrent_subrequests), 1 },
    { "wait_until_timeout", K_DURATION, LM(wait_until_timeout_ms), 1 },
    { "max_concurrent_requests", K_COUNT64, LM(max_concurrent_requests), 0 },
    { "cpu_backoff_after", K_COUNT64, LM(cpu_backoff_after), 0 },
    { "cpu_backoff",     K_DURATION, LM(cpu_backoff_ms),    1 },
    { "cpu_backoff_max", K_DURATION, LM(cpu_backoff_max_ms), 1 },
    { "shed_delay",      K_DURATION, LM(shed_delay_ms),     0 },
    { "log_rate",        K_COUNT64,  LM(log_rate),          0 },
    { "log_line_max",    K_SIZE,     LM(log_line_max),      64 },
    { NULL,              K_STRING,   0,                     0 }
};
#define NLIMITS ((int) (sizeof(limit_keys) / sizeof(limit_keys[0])) - 1)
_Static_assert(NLIMITS * sizeof(int64_t) == sizeof(struct nd_limits),
               "every field of struct nd_limits has its key in limit_keys[]");
_Static_assert(sizeof(server_keys) / sizeof(server_keys[0]) - 1 + sizeof(limit_keys)
               / sizeof(limit_keys[0]) - 1 <= KEYS_MAX,
               "raise KEYS_MAX: server_key_line[] is indexed by server_keys[] + limit_keys[]");
_Static_assert(APP_NKEYS + sizeof(limit_keys) / sizeof(limit_keys[0]) - 1 <= KEYS_MAX,
               "raise KEYS_MAX: key_line[] is indexed by app_keys[] + limit_keys[]");


/* A string -> (app index, line) hash set; keys are borrowed from the config. */
struct slot {
    const char *key;
    int         app;
    int         line;
};

struct table {
    struct slot *slots;
    size_t       cap;           /* 0 or a power of two */
    size_t       n;
};

struct app_extra {              /* parse state per app, parallel to conf->apps */
    int  key_line[KEYS_MAX];    /* line of each app_keys[] entry seen; 0 = not set */
    int *env_lines;             /* owned: line of each env entry */
};

enum { SECT_NONE, SECT_SERVER, SECT_APP, SECT_SKIP };

struct load {
    const char       *path;     /* borrowed: as given, FILE in messages */
    struct nd_config *conf;
    struct nd_errs   *errs;
    FILE             *fp;
    int               line;     /* the line being handled (1-based) */
    int               sect;     /* SECT_* of the current section */
    int               app;      /* current app index in SECT_APP */
    int               apps_cap;
    struct app_extra *extra;    /* owned, apps_cap entries, nextra initialized */
    int               nextra;
    int               server_line;
    int               server_key_line[KEYS_MAX];
    int               app_errs;     /* entries of errs that are app errors (app->error) */
    int               default_app;  /* index, or -1 */
    int               cidr_key_trusted; /* add_cidr: trusted_proxies, not fetch_allow */
    struct table      names;    /* app name -> index, line */
    struct table      hosts;    /* host pattern -> app index, line */
    char              buf[CONF_LINE_MAX + 3];
};

/* --- errors --------------------------------------------------------------- */

static void fail_at(struct load *ld, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail_at(struct load *ld, int line, const char *fmt, ...)
{
    char    msg[sizeof(((struct nd_err *) NULL)->msg)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    nd_errs_add(ld->errs, ld->path, line, "%s", msg);
}

const char *const nd_app_state_names[] = { "ok", "stale", "failed" };

static void app_fail(struct load *ld, struct nd_app_conf *app, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * An error of the app's script or build, not of apps.ini: reported like any
 * other (errs, for -t and the log) and kept in app->error; it does not fail
 * the load (the supervisor runs the app's last good version, or marks it failed).
 */
static void
app_fail(struct load *ld, struct nd_app_conf *app, int line, const char *fmt, ...)
{
    char    msg[sizeof(((struct nd_err *) NULL)->msg)], full[sizeof(msg) + 300];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    nd_errs_add(ld->errs, ld->path, line, "%s", msg);
    ld->app_errs++;
    if (app->error == NULL) {
        snprintf(full, sizeof(full), "%s:%d: %s", ld->path, line, msg);
        app->error = strdup(full);
    }
}

static void
oom(struct load *ld)
{
    fail_at(ld, ld->line, "out of memory");
}

/* --- small string helpers ------------------------------------------------- */

static int
is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static char *
lskip(char *s)
{
    while (is_space((unsigned char) *s)) {
        s++;
    }
    return s;
}

static char *
rstrip(char *s)
{
    size_t n = strlen(s);

    while (n > 0 && is_space((unsigned char) s[n - 1])) {
        s[--n] = '\0';
    }
    return s;
}

/* inih's rule: the first of chars, or a ';' that follows whitespace. */
static char *
find_chars_or_comment(char *s, const char *chars)
{
    int was_space = 0;

    while (*s != '\0' && strchr(chars, *s) == NULL && !(was_space && *s == ';')) {
        was_space = is_space((unsigned char) *s);
        s++;
    }
    return s;
}

static char *
dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);

    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* --- hash set ------------------------------------------------------------------ */

static size_t
hash_str(const char *s)
{
    uint32_t h = 2166136261u;       /* FNV-1a */

    while (*s != '\0') {
        h ^= (unsigned char) *s++;
        h *= 16777619u;
    }
    return h;
}

static struct slot *
table_find(const struct table *t, const char *key)
{
    size_t i;

    if (t->cap == 0) {
        return NULL;
    }
    for (i = hash_str(key) & (t->cap - 1); t->slots[i].key != NULL; i = (i + 1) & (t->cap - 1)) {
        if (strcmp(t->slots[i].key, key) == 0) {
            return &t->slots[i];
        }
    }
    return NULL;
}

/* key must be absent and outlive the table. 0, or -1 when out of memory. */
static int
table_put(struct table *t, const char *key, int app, int line)
{
    size_t i;

    if ((t->n + 1) * 2 > t->cap) {
        size_t       cap = t->cap != 0 ? t->cap * 2 : 64, j;
        struct slot *slots = calloc(cap, sizeof(*slots));

        if (slots == NULL) {
            return -1;
        }
        for (j = 0; j < t->cap; j++) {
            if (t->slots[j].key == NULL) {
                continue;
            }
            for (i = hash_str(t->slots[j].key) & (cap - 1); slots[i].key != NULL;
                 i = (i + 1) & (cap - 1)) {
            }
            slots[i] = t->slots[j];
        }
        free(t->slots);
        t->slots = slots;
        t->cap = cap;
    }
    for (i = hash_str(key) & (t->cap - 1); t->slots[i].key != NULL; i = (i + 1) & (t->cap - 1)) {
    }
    t->slots[i].key = key;
    t->slots[i].app = app;
    t->slots[i].line = line;
    t->n++;
    return 0;
}

/* --- values ------------------------------------------------------------------ */

/* The key name of keys[] or of limit_keys[]; *index: its key_line index (keys[]
 * first, then limit_keys[]), *limit: 1 for a limit (its field is in struct
 * nd_limits). NULL when unknown. */
static const struct key_def *
find_key(const struct key_def *keys, const char *name, int *index, int *limit)
{
    const struct key_def *k;
    int                   n;

    for (k = keys, n = 0; k->name != NULL; k++, n++) {
        if (strcmp(k->name, name) == 0) {
            *index = n;
            *limit = 0;
            return k;
        }
    }
    for (k = limit_keys; k->name != NULL; k++, n++) {
        if (strcmp(k->name, name) == 0) {
            *index = n;
            *limit = 1;
            return k;
        }
    }
    return NULL;
}

/* Numbers, bools and strings: parses value into the field at base + k->off. */
static void
set_scalar(struct load *ld, const struct key_def *k, const char *value, char *base)
{
    void   *field = base + k->off;
    int64_t v;
    int     b;
    char   *copy;

    switch (k->type) {
    case K_DURATION:
        if (nd_parse_duration(value, &v) == -1) {
            fail_at(ld, ld->line, "bad duration \"%s\" for %s (use e.g. 250ms, 30s, 5m)",
                    value, k->name);
        } else if (v < k->min || v > DURATION_MAX_MS) {
            fail_at(ld, ld->line, "bad duration \"%s\" for %s (must be %s to 24h)", value,
                    k->name, k->min > 0 ? "1ms" : "0");
        } else {
            *(int64_t *) field = v;
        }
        break;
    case K_SIZE:
        if (nd_parse_size(value, &v) == -1) {
            fail_at(ld, ld->line, "bad size \"%s\" for %s (use e.g. 512, 64k, 1m, 2g)",
                    value, k->name);
        } else if (v < k->min || v > SIZE_MAX_BYTES) {
            fail_at(ld, ld->line, "bad size \"%s\" for %s (must be %lld to 1024g)", value,
                    k->name, (long long) k->min);
        } else {
            *(int64_t *) field = v;
        }
        break;
    case K_BOOL:
    case K_DEFAULT:
        if (nd_parse_bool(value, &b) == -1) {
            fail_at(ld, ld->line, "bad boolean \"%s\" for %s (use yes/no, on/off, "
                    "true/false, 1/0)", value, k->name);
        } else {
            *(int *) field = b;
        }
        break;
    case K_COUNT:
    case K_COUNT64:
    case K_WORKERS: {
        const char *s = value;

        if (k->type == K_WORKERS && strcasecmp(value, "auto") == 0) {
            *(int *) field = nd_sys_ncpu();
        } else if (nd_parse_digits(&s, &v) == -1 || *s != '\0' || v < k->min ||
                   v > (k->type == K_WORKERS ? WORKERS_MAX : COUNT_MAX)) {
            fail_at(ld, ld->line, "bad number \"%s\" for %s (use %san integer from %lld to %d)",
                    value, k->name, k->type == K_WORKERS ? "auto or " : "",
                    (long long) k->min, k->type == K_WORKERS ? WORKERS_MAX : COUNT_MAX);
        } else if (k->type == K_COUNT64) {
            *(int64_t *) field = v;
        } else {
            *(int *) field = (int) v;
        }
        break;
    }
    case K_STRING:
        copy = strdup(value);
        if (copy == NULL) {
            oom(ld);
            break;
        }
        free(*(char **) field);
        *(char **) field = copy;
        break;
    default:
        break;
    }
}

static int
same_addr(const struct nd_listen_spec *a, const struct nd_listen_spec *b)
{
    return a->addrlen == b->addrlen && memcmp(&a->addr, &b->addr, a->addrlen) == 0;
}

/* "a, b, c" -> calls fn for each trimmed, non-empty item; empty items are errors. */
static void
each_item(struct load *ld, const char *key, const char *value,
          void (*fn)(struct load *ld, char *item))
{
    char *copy = strdup(value), *item, *next;

    if (copy == NULL) {
        oom(ld);
        return;
    }
    for (item = copy; item != NULL; item = next) {
        next = strchr(item, ',');
        if (next != NULL) {
            *next++ = '\0';
        }
        item = rstrip(lskip(item));
        if (*item == '\0') {
            fail_at(ld, ld->line, "empty item in %s list", key);
            continue;
        }
        fn(ld, item);
    }
    free(copy);
}

static void
add_listen(struct load *ld, char *item)
{
    struct nd_server_conf *sv = &ld->conf->server;
    struct nd_listen_spec  spec, *list;
    char                   msg[256];
    int                    i;

    char                  *opt = item + strcspn(item, " \t");

    memset(&spec, 0, sizeof(spec));
    if (*opt != '\0') {                    /* "ADDR proxy_protocol" */
        *opt++ = '\0';
        opt += strspn(opt, " \t");
        if (strcmp(opt, "proxy_protocol") != 0) {
            fail_at(ld, ld->line, "bad listen option \"%s\" after %s (the only one is "
                    "proxy_protocol)", opt, item);
            return;
        }
        spec.proxy_protocol = 1;
    }
    if (nd_parse_listen(item, &spec, msg, sizeof(msg)) == -1) {
        fail_at(ld, ld->line, "bad listen address \"%s\": %s", item, msg);
        return;
    }
    spec.line = ld->line;
    for (i = 0; i < sv->nlisten; i++) {
        if (same_addr(&sv->listen[i], &spec)) {
            fail_at(ld, ld->line, "duplicate listen address \"%s\" (same as \"%s\" at line %d)",
                    item, sv->listen[i].text, sv->listen[i].line);
            free(spec.text);
            return;
        }
    }
    list = realloc(sv->listen, (size_t) (sv->nlisten + 1) * sizeof(*list));
    if (list == NULL) {
        free(spec.text);
        oom(ld);
        return;
    }
    sv->listen = list;
    sv->listen[sv->nlisten++] = spec;
}

/* A normalized host must be labels of [a-z0-9_-] (or an IPv6 literal), with
 * "*." allowed only as the prefix of a pattern. */
static const char *
check_host(const char *h)
{
    const char *p = h;

    if (strncmp(p, "*.", 2) == 0) {
        p += 2;
    }
    if (strchr(p, '*') != NULL) {
        return "a wildcard is allowed only as a \"*.\" prefix, e.g. *.example.com";
    }
    if (*p == '\0' || *p == '.' || strstr(p, "..") != NULL || p[strlen(p) - 1] == '.') {
        return "empty label";
    }
    return NULL;
}

static void
add_host(struct load *ld, char *item)
{
    struct nd_app_conf *app = &ld->conf->apps[ld->app];
    char                norm[ND_HOST_MAX + 1], **hosts;
    int                *lines;
    const char         *why;
    struct slot        *dup;

    if (nd_host_normalize(item, strlen(item), norm, sizeof(norm)) == 0) {
        fail_at(ld, ld->line, "bad host \"%s\" (use letters, digits, \"-\", \"_\", \".\", "
                "at most %d characters)", item, ND_HOST_MAX);
        return;
    }
    why = check_host(norm);
    if (why != NULL) {
        fail_at(ld, ld->line, "bad host \"%s\": %s", item, why);
        return;
    }
    dup = table_find(&ld->hosts, norm);
    if (dup != NULL) {
        fail_at(ld, ld->line, "duplicate host \"%s\" (already in [app:%s] at line %d)", norm,
                ld->conf->apps[dup->app].name, dup->line);
        return;
    }
    hosts = realloc(app->hosts, (size_t) (app->nhosts + 1) * sizeof(*hosts));
    if (hosts == NULL) {
        oom(ld);
        return;
    }
    app->hosts = hosts;
    lines = realloc(app->host_lines, (size_t) (app->nhosts + 1) * sizeof(*lines));
    if (lines == NULL) {
        oom(ld);
        return;
    }
    app->host_lines = lines;
    app->hosts[app->nhosts] = strdup(norm);
    if (app->hosts[app->nhosts] == NULL) {
        oom(ld);
        return;
    }
    app->host_lines[app->nhosts] = ld->line;
    if (table_put(&ld->hosts, app->hosts[app->nhosts], ld->app, ld->line) == -1) {
        oom(ld);
    }
    app->nhosts++;
}

/* fetch_allow items, into [server] or the current app. "none": an empty list. */
static void
add_cidr(struct load *ld, char *item)
{
    struct nd_cidr  c, **list;
    int            *n;
    char            msg[256];

    if (ld->sect == SECT_SERVER && ld->cidr_key_trusted) {
        list = &ld->conf->server.trusted_proxies;
        n = &ld->conf->server.ntrusted_proxies;
    } else if (ld->sect == SECT_SERVER) {
        list = &ld->conf->server.fetch_allow;
        n = &ld->conf->server.nfetch_allow;
    } else {
        list = &ld->conf->apps[ld->app].fetch_allow;
        n = &ld->conf->apps[ld->app].nfetch_allow;
    }
    if (strcasecmp(item, "none") == 0) {
        return;
    }
    if (nd_parse_cidr(item, &c, msg, sizeof(msg)) == -1) {
        fail_at(ld, ld->line, "%s: %s", ld->cidr_key_trusted ? "trusted_proxies"
                : "fetch_allow", msg);
        return;
    }
    {
        struct nd_cidr *nl = realloc(*list, (size_t) (*n + 1) * sizeof(**list));
        if (nl == NULL) {
            oom(ld);
            return;
        }
        *list = nl;
        nl[(*n)++] = c;
    }
}

static void
set_cron(struct load *ld, const char *value)
{
    struct nd_app_conf *app = &ld->conf->apps[ld->app];
    char                msg[512];

    if (nd_cron_split(value, &app->cron, &app->ncron, msg, sizeof(msg)) == -1) {
        fail_at(ld, ld->line, "bad cron \"%s\": %s", value, msg);
        return;
    }
    app->cron_line = ld->line;
}

/* dir + "/" + rel (rel unchanged when absolute or dir is "."); malloc'd or NULL. */
static char *
join_path(const char *dir, const char *rel)
{
    size_t n;
    char  *p;

    if (rel[0] == '/' || strcmp(dir, ".") == 0) {
        return strdup(rel);
    }
    n = strlen(dir) + 1 + strlen(rel) + 1;
    p = malloc(n);
    if (p != NULL) {
        snprintf(p, n, "%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", rel);
    }
    return p;
}

static void read_script(struct load *ld);

static void
set_script(struct load *ld, const char *value)
{
    struct nd_app_conf *app = &ld->conf->apps[ld->app];

    app->script = join_path(ld->conf->dir, value);
    if (app->script == NULL) {
        oom(ld);
        return;
    }
    app->script_line = ld->line;
    read_script(ld);
}

/* source = src/index.ts: the app runs DIR/.nanod-build/APP.js, built by
 * scripts/nanod-build, when its manifest is current (common/manifest.h). */
#define BUILD_DIR ".nanod-build"

static void
set_source(struct load *ld, const char *value)
{
    struct nd_app_conf *app = &ld->conf->apps[ld->app];
    char               *src = join_path(ld->conf->dir, value), *rel, *mpath;
    char                why[512];
    size_t              n;
    struct stat         st;

    n = strlen(BUILD_DIR) + 1 + strlen(app->name) + 4;
    rel = malloc(n);
    if (src == NULL || rel == NULL) {
        free(src);
        free(rel);
        oom(ld);
        return;
    }
    snprintf(rel, n, "%s/%s.js", BUILD_DIR, app->name);
    app->script = join_path(ld->conf->dir, rel);
    free(rel);
    n = app->script != NULL ? strlen(app->script) + sizeof(".manifest") : 0;
    mpath = app->script != NULL ? malloc(n) : NULL;
    if (mpath == NULL) {
        free(src);
        oom(ld);
        return;
    }
    snprintf(mpath, n, "%s.manifest", app->script);
    app->script_line = ld->line;
    if (stat(src, &st) == -1) {
        app_fail(ld, app, ld->line, "[app:%s] source \"%s\" not found: %s", app->name, src,
                 strerror(errno));
    } else if (stat(app->script, &st) == -1) {
        app_fail(ld, app, ld->line, "[app:%s] source %s is not built (no %s): run "
                 "scripts/nanod-build -c %s", app->name, value, app->script, ld->path);
    } else if (!nd_manifest_current(mpath, src, why, sizeof(why))) {
        app_fail(ld, app, ld->line, "[app:%s] source %s is newer than its build (%s): run "
                 "scripts/nanod-build -c %s", app->name, value, why, ld->path);
    } else {
        read_script(ld);
    }
    free(mpath);
    free(app->source_path);
    app->source_path = src;
}

/* Reads the current app's script (app->script) into app->source. */
static void
read_script(struct load *ld)
{
    struct nd_app_conf *app = &ld->conf->apps[ld->app];

    if (nd_sys_read_file(app->script, SCRIPT_MAX, &app->source, &app->source_len) == -1) {
        app->source = NULL;
        app->source_len = 0;
        if (errno == ENOENT || errno == ENOTDIR) {
            app_fail(ld, app, ld->line, "script \"%s\" not found: %s", app->script,
                     strerror(errno));
        } else if (errno == EFBIG) {
            app_fail(ld, app, ld->line, "script \"%s\" is too large (max %d MiB)",
                     app->script, SCRIPT_MAX / (1024 * 1024));
        } else if (errno == ENODEV) {
            app_fail(ld, app, ld->line, "script \"%s\" is not a regular file (a FIFO, "
                     "socket or device): refused", app->script);
        } else {
            app_fail(ld, app, ld->line, "script \"%s\" cannot be read: %s", app->script,
                     strerror(errno));
        }
    }
}

static int
valid_env_name(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_')) {
        return 0;
    }
    for (s++; *s != '\0'; s++) {
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_' ||
              nd_is_digit((unsigned char) *s))) {
            return 0;
        }
    }
    return 1;
}

static void
add_env(struct load *ld, const char *name, const char *value)
{
    struct nd_app_conf *app = &ld->conf->apps[ld->app];
    struct app_extra   *x = &ld->extra[ld->app];
    const char         *key = name + 4;     /* after "env." */
    struct nd_kv       *env;
    int                *lines, i;

    if (!valid_env_name(key)) {
        fail_at(ld, ld->line, "bad env key \"%s\" (use env.NAME, NAME = [A-Za-z_][A-Za-z0-9_]*)",
                name);
        return;
    }
    for (i = 0; i < app->nenv; i++) {
        if (strcmp(app->env[i].key, key) == 0) {
            fail_at(ld, ld->line, "duplicate key \"%s\" in [app:%s] (first at line %d)", name,
                    app->name, x->env_lines[i]);
            return;
        }
    }
    env = realloc(app->env, (size_t) (app->nenv + 1) * sizeof(*env));
    if (env == NULL) {
        oom(ld);
        return;
    }
    app->env = env;
    lines = realloc(x->env_lines, (size_t) (app->nenv + 1) * sizeof(*lines));
    if (lines == NULL) {
        oom(ld);
        return;
    }
    x->env_lines = lines;
    env[app->nenv].key = strdup(key);
    env[app->nenv].value = strdup(value);
    if (env[app->nenv].key == NULL || env[app->nenv].value == NULL) {
        free(env[app->nenv].key);
        free(env[app->nenv].value);
        oom(ld);
        return;
    }
    lines[app->nenv++] = ld->line;
}

/* Redis binding key of the current app with URL u: -1 (failed) when its key
 * prefix and another Redis binding's on the same database nest without being
 * equal (one app would read the other's keys: "a:" + "b:x" is "a:b:" + "x"). */
static int
redis_nested(struct load *ld, const char *name, const char *key, const struct nd_redis_url *u)
{
    char mine[ND_REDIS_PREFIX_MAX + 260], theirs[ND_REDIS_PREFIX_MAX + 260];
    char why[256];
    int  a, j;

    if (nd_redis_url_prefix(u, ld->conf->apps[ld->app].name, key, mine, sizeof(mine)) == -1) {
        return 0;
    }
    for (a = 0; a <= ld->app; a++) {
        const struct nd_app_conf *o = &ld->conf->apps[a];
        for (j = 0; j < o->nkv; j++) {
            struct nd_redis_url ou;
            size_t              n1, n2;
            if (!nd_redis_url_is(o->kv[j].value)
                || nd_redis_url_parse(o->kv[j].value, &ou, why, sizeof(why)) == -1
                || !nd_redis_url_same_db(u, &ou)
                || nd_redis_url_prefix(&ou, o->name, o->kv[j].key, theirs, sizeof(theirs))
                   == -1) {
                continue;
            }
            n1 = strlen(mine);
            n2 = strlen(theirs);
            if (n1 != n2 && strncmp(mine, theirs, n1 < n2 ? n1 : n2) == 0) {
                fail_at(ld, ld->line, "%s: key prefix \"%s\" and \"%s\" of kv.%s in [app:%s] "
                        "nest on the same Redis database (one would read the other's keys): "
                        "use the same prefix to share, or prefixes that do not start one "
                        "another", name, mine, theirs, o->kv[j].key, o->name);
                return -1;
            }
        }
    }
    return 0;
}

/* kv.NAME = sqlite | sqlite:SHARED (a database that apps naming the same SHARED share)
 * | redis://... | redis+unix://... (common/redis_url.h). */
static void
add_kv(struct load *ld, const char *name, const char *value)
{
    struct nd_app_conf *app = &ld->conf->apps[ld->app];
    const char         *key = name + 3;     /* after "kv." */
    const char         *p;
    struct nd_kv       *kv;
    int                 i;

    if (!valid_env_name(key)) {
        fail_at(ld, ld->line, "bad binding key \"%s\" (use kv.NAME, NAME = "
                "[A-Za-z_][A-Za-z0-9_]*)", name);
        return;
    }
    if (nd_redis_url_is(value)) {
        struct nd_redis_url u;
        char                why[256];
        if (nd_redis_url_parse(value, &u, why, sizeof(why)) == -1) {
            fail_at(ld, ld->line, "%s: bad Redis URL \"%s\": %s", name, value, why);
            return;
        }
        if (redis_nested(ld, name, key, &u) == -1) {
            return;
        }
    } else if (strncmp(value, "sqlite", 6) != 0 || (value[6] != '\0' && value[6] != ':')
               || (value[6] == ':' && value[7] == '\0')) {
        fail_at(ld, ld->line, "%s: unsupported store \"%s\" (use sqlite, sqlite:SHARED or "
                "redis://host:port/db?prefix=P)", name, value);
        return;
    }
    for (p = value[6] == ':' && !nd_redis_url_is(value) ? value + 7 : ""; *p != '\0'; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || nd_is_digit((unsigned char) *p)
              || *p == '_' || *p == '-')) {
            fail_at(ld, ld->line, "%s: bad shared name in \"%s\" (use [A-Za-z0-9_-]+)", name,
                    value);
            return;
        }
    }
    for (i = 0; i < app->nkv; i++) {
        if (strcmp(app->kv[i].key, key) == 0) {
            fail_at(ld, ld->line, "duplicate key \"%s\" in [app:%s]", name, app->name);
            return;
        }
    }
    for (i = 0; i < app->nenv; i++) {
        if (strcmp(app->env[i].key, key) == 0) {
            fail_at(ld, ld->line, "%s: env.%s has the same name in [app:%s]", name, key,
                    app->name);
            return;
        }
    }
    for (i = 0; i < app->nd1; i++) {
        if (strcmp(app->d1[i].key, key) == 0) {
            fail_at(ld, ld->line, "%s: d1.%s has the same name in [app:%s]", name, key,
                    app->name);
            return;
        }
    }
    kv = realloc(app->kv, (size_t) (app->nkv + 1) * sizeof(*kv));
    if (kv == NULL) {
        oom(ld);
        return;
    }
    app->kv = kv;
    kv[app->nkv].key = strdup(key);
    kv[app->nkv].value = strdup(value);
    if (kv[app->nkv].key == NULL || kv[app->nkv].value == NULL) {
        free(kv[app->nkv].key);
        free(kv[app->nkv].value);
        oom(ld);
        return;
    }
    app->nkv++;
}

/* d1.NAME = path (a SQLite file; relative paths are under state_dir). */
static void
add_d1(struct load *ld, const char *name, const char *value)
{
    struct nd_app_conf *app = &ld->conf->apps[ld->app];
    const char         *key = name + 3;     /* after "d1." */
    struct nd_kv       *d1;
    int                 i;

    if (!valid_env_name(key)) {
        fail_at(ld, ld->line, "bad binding key \"%s\" (use d1.NAME, NAME = "
                "[A-Za-z_][A-Za-z0-9_]*)", name);
        return;
    }
    if (*value == '\0' || value[strlen(value) - 1] == '/') {
        fail_at(ld, ld->line, "%s: want a database file path, got \"%s\"", name, value);
        return;
    }
    for (i = 0; i < app->nd1; i++) {
        if (strcmp(app->d1[i].key, key) == 0) {
            fail_at(ld, ld->line, "duplicate key \"%s\" in [app:%s]", name, app->name);
            return;
        }
    }
    for (i = 0; i < app->nenv + app->nkv; i++) {
        const char *other = i < app->nenv ? app->env[i].key : app->kv[i - app->nenv].key;
        if (strcmp(other, key) == 0) {
            fail_at(ld, ld->line, "%s: %s.%s has the same name in [app:%s]", name,
                    i < app->nenv ? "env" : "kv", key, app->name);
            return;
        }
    }
    d1 = realloc(app->d1, (size_t) (app->nd1 + 1) * sizeof(*d1));
    if (d1 == NULL) {
        oom(ld);
        return;
    }
    app->d1 = d1;
    d1[app->nd1].key = strdup(key);
    d1[app->nd1].value = strdup(value);
    if (d1[app->nd1].key == NULL || d1[app->nd1].value == NULL) {
        free(d1[app->nd1].key);
        free(d1[app->nd1].value);
        oom(ld);
        return;
    }
    app->nd1++;
}

/* --- keys and sections ---------------------------------------------------------- */

static void
server_key(struct load *ld, const char *name, const char *value)
{
    int                   i, limit;
    const struct key_def *k = find_key(server_keys, name, &i, &limit);

    if (k == NULL) {
        fail_at(ld, ld->line, "unknown key \"%s\" in [server]", name);
        return;
    }
    if (ld->server_key_line[i] != 0) {
        fail_at(ld, ld->line, "duplicate key \"%s\" in [server] (first at line %d)", name,
                ld->server_key_line[i]);
        return;
    }
    ld->server_key_line[i] = ld->line;
    if (*value == '\0') {
        fail_at(ld, ld->line, "empty value for %s", name);
        return;
    }
    if (k->type == K_LISTEN) {
        each_item(ld, name, value, add_listen);
    } else if (k->type == K_CIDRS) {
        ld->cidr_key_trusted = strcmp(name, "trusted_proxies") == 0;
        each_item(ld, name, value, add_cidr);
        ld->cidr_key_trusted = 0;
    } else {
        set_scalar(ld, k, value, limit ? (char *) &ld->conf->server.limits
                                       : (char *) &ld->conf->server);
    }
}

static void
app_key(struct load *ld, const char *name, const char *value)
{
    struct nd_app_conf   *app = &ld->conf->apps[ld->app];
    struct app_extra     *x = &ld->extra[ld->app];
    const struct key_def *k;
    int                   i, limit;

    if (strncmp(name, "env.", 4) == 0) {
        add_env(ld, name, value);
        return;
    }
    if (strncmp(name, "kv.", 3) == 0) {
        add_kv(ld, name, value);
        return;
    }
    if (strncmp(name, "d1.", 3) == 0) {
        add_d1(ld, name, value);
        return;
    }
    k = find_key(app_keys, name, &i, &limit);
    if (k == NULL) {
        fail_at(ld, ld->line, "unknown key \"%s\" in [app:%s]", name, app->name);
        return;
    }
    if (x->key_line[i] != 0) {
        fail_at(ld, ld->line, "duplicate key \"%s\" in [app:%s] (first at line %d)", name,
                app->name, x->key_line[i]);
        return;
    }
    x->key_line[i] = ld->line;
    if (*value == '\0') {
        fail_at(ld, ld->line, "empty value for %s", name);
        return;
    }
    switch (k->type) {
    case K_SCRIPT:
    case K_SOURCE:
        if (x->key_line[k->type == K_SCRIPT ? APP_SOURCE : APP_SCRIPT] != 0) {
            fail_at(ld, ld->line, "[app:%s] has both script and source (line %d): keep one",
                    app->name, x->key_line[k->type == K_SCRIPT ? APP_SOURCE : APP_SCRIPT]);
        } else if (k->type == K_SCRIPT) {
            set_script(ld, value);
        } else {
            set_source(ld, value);
        }
        break;
    case K_HOSTS:
        each_item(ld, name, value, add_host);
        break;
    case K_CIDRS:
        each_item(ld, name, value, add_cidr);
        break;
    case K_CRON:
        set_cron(ld, value);
        break;
    case K_DEFAULT:
        set_scalar(ld, k, value, (char *) app);
        app->default_line = ld->line;
        if (app->is_default) {
            if (ld->default_app >= 0) {
                fail_at(ld, ld->line, "more than one default app (first: [app:%s] at line %d)",
                        ld->conf->apps[ld->default_app].name,
                        ld->conf->apps[ld->default_app].default_line);
            } else {
                ld->default_app = ld->app;
            }
        }
        break;
    default:
        set_scalar(ld, k, value, limit ? (char *) &app->limits : (char *) app);
        break;
    }
}

static void
on_key(struct load *ld, const char *name, const char *value)
{
    switch (ld->sect) {
    case SECT_NONE:
        fail_at(ld, ld->line, "key \"%s\" outside of any section (put it under [server] or "
                "[app:NAME])", name);
        break;
    case SECT_SERVER:
        server_key(ld, name, value);
        break;
    case SECT_APP:
        app_key(ld, name, value);
        break;
    default:
        break;      /* a section already reported as bad */
    }
}

static int
valid_app_name(const char *s)
{
    size_t n = strlen(s), i;

    if (n == 0 || n > APP_NAME_MAX) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        int c = (unsigned char) s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || nd_is_digit(c) || c == '_' ||
              c == '-')) {
            return 0;
        }
    }
    return 1;
}

static void
new_app(struct load *ld, const char *name)
{
    struct nd_config   *conf = ld->conf;
    struct nd_app_conf *app;

    if (conf->napps == ld->apps_cap) {
        int                 cap = ld->apps_cap != 0 ? ld->apps_cap * 2 : 8;
        struct nd_app_conf *apps = realloc(conf->apps, (size_t) cap * sizeof(*apps));
        struct app_extra   *extra;

        if (apps == NULL) {
            goto fail;
        }
        conf->apps = apps;
        extra = realloc(ld->extra, (size_t) cap * sizeof(*extra));
        if (extra == NULL) {
            goto fail;
        }
        ld->extra = extra;
        ld->apps_cap = cap;
    }
    app = &conf->apps[conf->napps];
    memset(app, 0, sizeof(*app));
    memset(&ld->extra[conf->napps], 0, sizeof(ld->extra[0]));
    ld->nextra = conf->napps + 1;
    app->line = ld->line;
    app->name = strdup(name);
    if (app->name == NULL) {
        goto fail;
    }
    conf->napps++;
    if (table_put(&ld->names, app->name, conf->napps - 1, ld->line) == -1) {
        goto fail;
    }
    ld->app = conf->napps - 1;
    ld->sect = SECT_APP;
    return;

fail:
    oom(ld);
    ld->sect = SECT_SKIP;
}

static void
on_section(struct load *ld, const char *name)
{
    struct slot *dup;

    ld->sect = SECT_SKIP;
    if (strcmp(name, "server") == 0) {
        if (ld->server_line != 0) {
            fail_at(ld, ld->line, "duplicate section [server] (first at line %d)",
                    ld->server_line);
            return;
        }
        ld->server_line = ld->line;
        ld->sect = SECT_SERVER;
        return;
    }
    if (strncmp(name, "app:", 4) != 0) {
        fail_at(ld, ld->line, "unknown section [%s] (use [server] or [app:NAME])", name);
        return;
    }
    name += 4;
    if (!valid_app_name(name)) {
        fail_at(ld, ld->line, "bad app name \"%s\" (use 1-%d of A-Z a-z 0-9 _ -)", name,
                APP_NAME_MAX);
        return;
    }
    dup = table_find(&ld->names, name);
    if (dup != NULL) {
        fail_at(ld, ld->line, "duplicate section [app:%s] (first at line %d)", name, dup->line);
        return;
    }
    new_app(ld, name);
}

/* --- the reader ---------------------------------------------------------------- */

/*
 * Reads and handles one physical line: a section header (on_section), a
 * "key = value" (on_key), a comment or blank line, or a located error.
 * 0, or -1 at end of file or on a read error (ferror).
 */
static int
read_line(struct load *ld)
{
    size_t len = 0;
    int    c, over = 0, nul = 0, indented;
    char  *s, *end, *name, *value;

    while ((c = getc(ld->fp)) != EOF && c != '\n') {
        if (len < sizeof(ld->buf) - 1) {
            ld->buf[len++] = (char) c;
        } else {
            over = 1;
        }
        nul |= c == '\0';
    }
    if (c == EOF && len == 0 && !over) {
        return -1;
    }
    ld->line++;
    ld->buf[len] = '\0';
    if (len > 0 && ld->buf[len - 1] == '\r') {
        ld->buf[--len] = '\0';
    }
    if (over || len > CONF_LINE_MAX) {
        fail_at(ld, ld->line, "line too long (max %d bytes)", CONF_LINE_MAX);
        return 0;
    }
    if (nul) {
        fail_at(ld, ld->line, "line contains a NUL byte");
        return 0;
    }
    s = ld->buf;
    if (ld->line == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        s += 3;
    }
    indented = *s == ' ' || *s == '\t';
    s = rstrip(lskip(s));
    if (*s == '\0' || *s == ';' || *s == '#') {
        return 0;
    }
    if (*s == '[') {
        end = find_chars_or_comment(s + 1, "]");
        if (*end != ']') {
            fail_at(ld, ld->line, "section header without \"]\"");
            return 0;
        }
        *end++ = '\0';
        end = lskip(end);
        if (*end != '\0' && *end != ';' && *end != '#') {
            fail_at(ld, ld->line, "unexpected text after \"]\"");
            return 0;
        }
        on_section(ld, s + 1);
        return 0;
    }
    end = find_chars_or_comment(s, "=:");
    if (*end != '=' && *end != ':') {
        if (indented) {
            fail_at(ld, ld->line, "indented line without \"=\": continuation lines are not "
                    "supported (put the whole value on one line)");
        } else {
            fail_at(ld, ld->line, "expected \"key = value\", \"[section]\" or a comment");
        }
        return 0;
    }
    if (end == s) {
        fail_at(ld, ld->line, "missing key before \"%c\"", *end);
        return 0;
    }
    *end = '\0';
    name = rstrip(s);
    value = end + 1;
    *find_chars_or_comment(value, "") = '\0';
    value = rstrip(lskip(value));
    on_key(ld, name, value);
    return 0;
}

/* --- load / free --------------------------------------------------------------- */

static void
set_defaults(struct nd_server_conf *sv)
{
    sv->workers = nd_sys_ncpu();
    sv->graceful_timeout_ms = 30 * 1000;
    sv->watch = 1;
    sv->client_header_timeout_ms = 10 * 1000;
    sv->client_body_timeout_ms = 30 * 1000;
    sv->keepalive_timeout_ms = 75 * 1000;
    sv->max_header_size = 32 * 1024;
    sv->max_url_size = 8 * 1024;
    sv->max_connections = 10000;
    sv->client_body_min_rate = 1024;
    sv->max_body_memory = 256 * 1024 * 1024;
    sv->max_loaded_apps = 1000;
    sv->slowlog_threshold_ms = 1000;
    sv->limits.cpu_limit_ms = 50;
    sv->limits.memory_limit = 128 * 1024 * 1024;
    sv->limits.request_timeout_ms = 30 * 1000;
    sv->limits.max_body_size = 1024 * 1024;
    sv->limits.fetch_timeout_ms = 30 * 1000;
    sv->limits.fetch_max_response_size = 32 * 1024 * 1024;
    sv->limits.max_subrequests = 50;
    sv->limits.max_concurrent_subrequests = 6;
    sv->limits.wait_until_timeout_ms = 30 * 1000;
    sv->limits.max_concurrent_requests = 1000;
    sv->limits.cpu_backoff_after = 3;
    sv->limits.cpu_backoff_ms = 1000;
    sv->limits.cpu_backoff_max_ms = 30 * 1000;
    sv->limits.shed_delay_ms = 100;
    sv->limits.log_rate = 100;
    sv->limits.log_line_max = 8192;
}

static char *
dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL) {
        return strdup(".");
    }
    while (slash > path && slash[-1] == '/') {
        slash--;
    }
    return slash == path ? strdup("/") : dup_n(path, (size_t) (slash - path));
}

/* 1 when path has a ".." component. */
static int
climbs_out(const char *path)
{
    const char *p = path;

    while ((p = strstr(p, "..")) != NULL) {
        if ((p == path || p[-1] == '/') && (p[2] == '/' || p[2] == '\0')) {
            return 1;
        }
        p += 2;
    }
    return 0;
}

/*
 * A script must not escape, through symlinks, the directory it is named in
 * (the config's directory for a relative path, its own directory for an
 * absolute one): a link to /etc/shadow would have its lines quoted in syntax
 * errors. Links inside the directory (a Kubernetes ConfigMap's ..data) are
 * fine. allow_symlink_escape = yes turns the check off.
 */
static void
check_escape(struct load *ld, struct nd_app_conf *app, int line)
{
    char        base[PATH_MAX], rbase[PATH_MAX], real[PATH_MAX];
    const char *slash = strrchr(app->script, '/');
    size_t      n;

    n = strlen(ld->conf->dir);
    if (app->script[0] != '/'
        || (strncmp(app->script, ld->conf->dir, n) == 0 && app->script[n] == '/')) {
        snprintf(base, sizeof(base), "%s", ld->conf->dir);     /* relative: apps.ini's dir */
    } else {
        n = (size_t) (slash - app->script);
        snprintf(base, sizeof(base), "%.*s", (int) (n == 0 ? 1 : n), app->script);
    }
    if (realpath(base, rbase) == NULL || realpath(app->script, real) == NULL) {
        return;         /* read_script reported what is wrong */
    }
    n = strlen(rbase);
    if (strcmp(rbase, "/") == 0 || (strncmp(real, rbase, n) == 0 && real[n] == '/')) {
        return;
    }
    if (climbs_out(app->script)) {
        app_fail(ld, app, line, "script \"%s\" is outside %s: its path leaves it with \"..\" "
                 "(it resolves to %s; set allow_symlink_escape = yes in [server] to allow "
                 "it)", app->script, rbase, real);
        return;
    }
    app_fail(ld, app, line, "script \"%s\" resolves to %s, outside %s, through a symlink (set "
             "allow_symlink_escape = yes in [server] to allow it)", app->script, real, rbase);
}

/* Line of [server] key name, 0 when not set. */
static int
server_line_of(const struct load *ld, const char *name)
{
    int i, limit;

    return find_key(server_keys, name, &i, &limit) != NULL ? ld->server_key_line[i] : 0;
}

/* user/group: resolved now, so that -t reports an unknown name; the
 * supervisor drops each worker to them after fork (when it runs as root). */
static void
finish_user(struct load *ld)
{
    struct nd_server_conf *sv = &ld->conf->server;
    int                    uline = server_line_of(ld, "user");
    int                    gline = server_line_of(ld, "group");

    sv->uid = -1;
    sv->gid = -1;
    if (sv->user != NULL) {
        struct passwd *pw = getpwnam(sv->user);
        if (pw == NULL) {
            fail_at(ld, uline, "unknown user \"%s\"", sv->user);
        } else {
            sv->uid = pw->pw_uid;
            sv->gid = pw->pw_gid;
        }
    }
    if (sv->group != NULL) {
        struct group *gr = getgrnam(sv->group);
        if (gr == NULL) {
            fail_at(ld, gline, "unknown group \"%s\"", sv->group);
        } else {
            sv->gid = gr->gr_gid;
        }
    }
}

/* fetch_ca_file: relative to apps.ini's directory, read now (as the
 * supervisor, like the scripts: workers may not be able to read it after
 * dropping privileges; a reload reads it again); "system" = the default. */
static void
finish_ca_file(struct load *ld)
{
    struct nd_server_conf *sv = &ld->conf->server;
    char                   path[PATH_MAX], *abs;
    int                    line = server_line_of(ld, "fetch_ca_file");

    if (sv->fetch_ca_file == NULL || strcmp(sv->fetch_ca_file, "system") == 0) {
        free(sv->fetch_ca_file);
        sv->fetch_ca_file = NULL;
        return;
    }
    if (sv->fetch_ca_file[0] == '/') {
        snprintf(path, sizeof(path), "%s", sv->fetch_ca_file);
    } else {
        snprintf(path, sizeof(path), "%s/%s", ld->conf->dir, sv->fetch_ca_file);
    }
    if (nd_sys_read_file(path, CA_FILE_MAX, &sv->fetch_ca_pem, &sv->fetch_ca_len) == -1) {
        fail_at(ld, line, "fetch_ca_file \"%s\": %s", path,
                errno == EFBIG ? "larger than 16 MiB" : strerror(errno));
        return;
    }
    if (strstr(sv->fetch_ca_pem, "-----BEGIN CERTIFICATE-----") == NULL) {
        fail_at(ld, line, "fetch_ca_file \"%s\": no PEM certificate in it (\"-----BEGIN "
                "CERTIFICATE-----\")", path);
        return;
    }
    abs = strdup(path);
    if (abs == NULL) {
        fail_at(ld, line, "out of memory");
        return;
    }
    free(sv->fetch_ca_file);
    sv->fetch_ca_file = abs;
}

/* admin_listen: "off" (or unset) or an address no tenant listener uses;
 * access_log: "off" -> NULL. */
static void
finish_admin(struct load *ld)
{
    struct nd_server_conf *sv = &ld->conf->server;
    char                   msg[256];
    int                    i, line = server_line_of(ld, "admin_listen");

    if (sv->access_log != NULL && strcmp(sv->access_log, "off") == 0) {
        free(sv->access_log);
        sv->access_log = NULL;
    }
    if (sv->slowlog != NULL && strcmp(sv->slowlog, "off") == 0) {
        free(sv->slowlog);
        sv->slowlog = NULL;
    }
    if (sv->admin_listen == NULL || strcmp(sv->admin_listen, "off") == 0) {
        free(sv->admin_listen);
        sv->admin_listen = NULL;
        return;
    }
    if (nd_parse_listen(sv->admin_listen, &sv->admin, msg, sizeof(msg)) == -1) {
        fail_at(ld, line, "bad admin_listen address \"%s\": %s", sv->admin_listen, msg);
        return;
    }
    sv->admin.line = line;
    for (i = 0; i < sv->nlisten; i++) {
        if (same_addr(&sv->listen[i], &sv->admin)) {
            fail_at(ld, line, "admin_listen \"%s\" is also a tenant listen address (line %d): "
                    "the admin listener needs its own", sv->admin_listen, sv->listen[i].line);
        }
    }
}

/* state_dir: the default, or relative to the config's directory. */
static void
finish_state_dir(struct load *ld)
{
    struct nd_server_conf *sv = &ld->conf->server;
    char                  *p;

    sv->error_log_line = server_line_of(ld, "error_log");
    sv->access_log_line = server_line_of(ld, "access_log");
    sv->slowlog_line = server_line_of(ld, "slowlog");
    if (sv->state_dir == NULL) {
        sv->state_dir = strdup(ND_STATE_DIR);
    } else if (sv->state_dir[0] == '\0') {
        fail_at(ld, server_line_of(ld, "state_dir"), "state_dir is empty");
        return;
    } else if (sv->state_dir[0] != '/') {
        p = join_path(ld->conf->dir, sv->state_dir);
        free(sv->state_dir);
        sv->state_dir = p;
    }
    if (sv->state_dir == NULL) {
        oom(ld);
    }
}

/* After the last line: defaults that depend on what was set, per-app checks. */
static void
finish(struct load *ld)
{
    struct nd_config *conf = ld->conf;
    int               i, j;

    if (ld->server_key_line[0] == 0) {      /* no "listen =": the default */
        char deflt[] = "127.0.0.1:8080";
        ld->line = 0;
        add_listen(ld, deflt);
    }
    conf->server.max_connections_line = server_line_of(ld, "max_connections");
    finish_admin(ld);
    for (i = 0; i < ld->conf->server.nlisten; i++) {
        const struct nd_listen_spec *l = &ld->conf->server.listen[i];
        if (l->proxy_protocol && ld->conf->server.ntrusted_proxies == 0) {
            fail_at(ld, l->line, "listen %s proxy_protocol needs trusted_proxies (the load "
                    "balancers allowed to send the PROXY header)", l->text);
        }
    }
    finish_user(ld);
    finish_ca_file(ld);
    finish_state_dir(ld);
    for (i = 0; i < conf->napps; i++) {
        struct nd_app_conf *app = &conf->apps[i];
        struct app_extra   *x = &ld->extra[i];

        for (j = 0; j < NLIMITS; j++) {
            int64_t *dst = (int64_t *) ((char *) &app->limits + limit_keys[j].off);
            int64_t *src = (int64_t *) ((char *) &conf->server.limits + limit_keys[j].off);
            if (x->key_line[APP_NKEYS + j] == 0) {
                *dst = *src;
            }
        }
        if (x->key_line[APP_FETCH_ALLOW] == 0 && conf->server.nfetch_allow > 0) {
            size_t size = (size_t) conf->server.nfetch_allow * sizeof(struct nd_cidr);
            app->fetch_allow = malloc(size);
            if (app->fetch_allow == NULL) {
                oom(ld);
            } else {
                memcpy(app->fetch_allow, conf->server.fetch_allow, size);
                app->nfetch_allow = conf->server.nfetch_allow;
            }
        }
        if (x->key_line[APP_SCRIPT] == 0 && x->key_line[APP_SOURCE] == 0) {
            fail_at(ld, app->line, "[app:%s] has no script", app->name);
        }
        if (x->key_line[APP_HOSTS] == 0 && !app->is_default) {
            fail_at(ld, app->line, "[app:%s] is unreachable: give it hosts or default = yes",
                    app->name);
        }
        app->log_level = 1;                             /* info */
        if (app->log_level_name != NULL) {
            static const char *const names[] = { "debug", "info", "warn", "error" };
            int                      l;
            for (l = 0; l < 4 && strcmp(app->log_level_name, names[l]) != 0; l++) {
            }
            if (l == 4) {
                fail_at(ld, x->key_line[APP_LOG_LEVEL], "bad log_level \"%s\" (use debug, "
                        "info, warn or error)", app->log_level_name);
            }
            app->log_level = l < 4 ? l : 1;
        }
        if (app->profile_dir != NULL) {
            struct stat st;
            if (app->profile_dir[0] != '/') {
                fail_at(ld, x->key_line[APP_PROFILE], "profile = %s: give an absolute directory",
                        app->profile_dir);
            } else if (stat(app->profile_dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
                fail_at(ld, x->key_line[APP_PROFILE], "profile = %s: not a directory",
                        app->profile_dir);
            }
        }
        if (app->source != NULL && !conf->server.allow_symlink_escape) {
            check_escape(ld, app, x->key_line[APP_SCRIPT] ? x->key_line[APP_SCRIPT] : app->line);
        }
    }
}

/* Frees the parse state and, unless taken (NULL), the config. */
static void
load_free(struct load *ld)
{
    int i;

    if (ld == NULL) {
        return;
    }
    if (ld->fp != NULL) {
        fclose(ld->fp);
    }
    for (i = 0; i < ld->nextra; i++) {
        free(ld->extra[i].env_lines);
    }
    free(ld->extra);
    free(ld->names.slots);
    free(ld->hosts.slots);
    nd_config_free(ld->conf);
    free(ld);
}

struct nd_config *
nd_config_load(const char *path, struct nd_errs *errs)
{
    struct load      *ld = NULL;
    struct nd_config *conf;
    int               before = errs->n + errs->dropped;

    ld = calloc(1, sizeof(*ld));
    if (ld == NULL || (ld->conf = calloc(1, sizeof(*ld->conf))) == NULL) {
        nd_errs_add(errs, path, 0, "out of memory");
        goto fail;
    }
    ld->path = path;
    ld->errs = errs;
    ld->default_app = -1;
    ld->conf->path = strdup(path);
    ld->conf->dir = dir_of(path);
    ld->conf->server.error_log = strdup("stderr");
    if (ld->conf->path == NULL || ld->conf->dir == NULL || ld->conf->server.error_log == NULL) {
        nd_errs_add(errs, path, 0, "out of memory");
        goto fail;
    }
    set_defaults(&ld->conf->server);

    ld->fp = fopen(path, "re");
    if (ld->fp == NULL) {
        nd_errs_add(errs, path, 0, "cannot open: %s", strerror(errno));
        goto fail;
    }
    while (read_line(ld) == 0) {
    }
    if (ferror(ld->fp)) {
        nd_errs_add(errs, path, 0, "read error: %s", strerror(errno));
    }
    finish(ld);
    if (errs->n + errs->dropped - ld->app_errs != before) {
        goto fail;              /* an error of apps.ini itself */
    }
    conf = ld->conf;
    ld->conf = NULL;
    load_free(ld);
    return conf;

fail:
    load_free(ld);
    return NULL;
}

void
nd_config_free(struct nd_config *conf)
{
    int i, j;

    if (conf == NULL) {
        return;
    }
    for (i = 0; i < conf->server.nlisten; i++) {
        free(conf->server.listen[i].text);
    }
    free(conf->server.listen);
    free(conf->server.error_log);
    free(conf->server.pid_file);
    free(conf->server.user);
    free(conf->server.slowlog);
    free(conf->server.fetch_ca_file);
    free(conf->server.fetch_ca_pem);
    free(conf->server.group);
    free(conf->server.admin_listen);
    free(conf->server.admin.text);
    free(conf->server.admin_token);
    free(conf->server.access_log);
    free(conf->server.state_dir);
    free(conf->server.fetch_allow);
    free(conf->server.trusted_proxies);
    for (i = 0; i < conf->napps; i++) {
        struct nd_app_conf *app = &conf->apps[i];

        free(app->name);
        free(app->script);
        free(app->source);
        free(app->bytecode);
        free(app->load_error);
        free(app->source_path);
        free(app->error);
        free(app->log_level_name);
        free(app->profile_dir);
        for (j = 0; j < app->nhosts; j++) {
            free(app->hosts[j]);
        }
        free(app->hosts);
        free(app->host_lines);
        for (j = 0; j < app->nenv; j++) {
            free(app->env[j].key);
            free(app->env[j].value);
        }
        free(app->env);
        for (j = 0; j < app->nkv; j++) {
            free(app->kv[j].key);
            free(app->kv[j].value);
        }
        free(app->kv);
        for (j = 0; j < app->nd1; j++) {
            free(app->d1[j].key);
            free(app->d1[j].value);
        }
        free(app->d1);
        free(app->fetch_allow);
        for (j = 0; j < app->ncron; j++) {
            free(app->cron[j]);
        }
        free(app->cron);
    }
    free(conf->apps);
    free(conf->path);
    free(conf->dir);
    free(conf);
}
