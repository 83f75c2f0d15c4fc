/*
 * apps.ini -> an immutable struct nd_config.
 *
 * One validator serves `nanod -t`, startup and reload. Every error carries
 * "file:line" and loading goes on after an error so that all of them are
 * reported in one pass. Script *syntax* is not checked here (common/ knows no
 * Duktape): the caller runs nd_worker_check_each() on the result.
 *
 * Supervisor only (workers inherit the parsed struct through fork, read-only).
 */
#ifndef ND_CONFIG_H
#define ND_CONFIG_H

#include <stdint.h>
#include <sys/socket.h>

#include "common/err.h"
#include "common/parse.h"

/* Limits, in [server] as defaults, overridable per [app:x]. */
struct nd_limits {
    int64_t cpu_limit_ms;           /* JS CPU per request; 0 = off; default 50 */
    int64_t memory_limit;           /* bytes per app heap; 0 = off; default 128m */
    int64_t request_timeout_ms;     /* wall time per request; default 30s */
    int64_t max_body_size;          /* bytes; default 1m -> 413 */
    int64_t fetch_timeout_ms;       /* wall time of one fetch(), redirects included; 30s */
    int64_t fetch_max_response_size; /* bytes of one fetch() response body; default 32m */
    int64_t max_subrequests;        /* fetch() calls per request (or scheduled event); 50 */
    int64_t max_concurrent_subrequests; /* in flight per request, others wait; default 6 */
    int64_t wait_until_timeout_ms;  /* ctx.waitUntil() work after the response; 30s */
    int64_t max_concurrent_requests; /* in flight per app per worker, more get 503; 0 = off;
                                        default 1000 */
    int64_t cpu_backoff_after;      /* cpu_limit kills in a row that start a back-off; 0 = off;
                                       default 3 */
    int64_t cpu_backoff_ms;         /* first back-off (requests refused, 503); default 1s */
    int64_t cpu_backoff_max_ms;     /* back-offs double up to this; default 30s */
    int64_t shed_delay_ms;          /* a refused request's 503 is held this long; 100ms */
    int64_t log_rate;               /* app log lines per second per worker; 0 = off; 100 */
    int64_t log_line_max;           /* bytes of one app log message, more is cut; 8k */
};

struct nd_kv {
    char *key;                      /* owned */
    char *value;                    /* owned */
};

struct nd_server_conf {
    struct nd_listen_spec *listen;  /* owned, nlisten >= 1 */
    int                    nlisten;
    int                    workers;             /* >= 1; "auto" resolved to CPU count */
    char                  *error_log;           /* owned: "stderr" or a path */
    int64_t                graceful_timeout_ms; /* default 30s */
    int                    watch;               /* inotify reload; default 1 */
    int                    allow_symlink_escape; /* a script may resolve, through a
                                                    symlink, outside its directory; 0 */
    char                  *pid_file;            /* owned or NULL */
    char                  *user, *group;        /* owned or NULL: workers drop to these */
    int64_t                uid, gid;            /* resolved from user/group; -1 = unset */
    int                    max_requests;        /* per worker, then it is replaced; 0 = never */
    int64_t                worker_rss_limit;    /* bytes of RSS, then it is replaced; 0 = off */
    int64_t                client_header_timeout_ms; /* default 10s */
    int64_t                client_body_timeout_ms;   /* default 30s */
    int64_t                keepalive_timeout_ms;     /* default 75s */
    int64_t                max_header_size;     /* bytes, all header lines; default 32k -> 431 */
    int64_t                max_url_size;        /* bytes of request target; default 8k -> 414 */
    int                    max_connections;     /* per worker; default 10000 */
    int                    max_connections_line; /* its apps.ini line; 0 = the default */
    int64_t                client_body_min_rate; /* bytes/s a body must average after
                                                    client_body_timeout; default 1k, 0 = off */
    int64_t                max_body_memory;     /* bytes of request buffers in flight per
                                                   worker -> 503; default 256m, 0 = off */
    int                    max_loaded_apps;     /* heaps per worker; default 1000 */
    struct nd_limits       limits;              /* defaults for apps */
    char                  *fetch_ca_file;       /* owned or NULL (system bundle): absolute path
                                                   of the PEM CAs fetch() trusts */
    char                  *fetch_ca_pem;        /* owned: its contents, read at load time */
    size_t                 fetch_ca_len;
    struct nd_cidr        *fetch_allow;         /* owned: default for apps; none by default */
    int                    nfetch_allow;
    struct nd_cidr        *trusted_proxies;     /* owned: whose X-Forwarded-For, Forwarded
                                                   and PROXY headers are believed; none */
    int                    ntrusted_proxies;
    int64_t                drain_delay_ms;      /* SIGQUIT: /healthz 503 this long before
                                                   the listeners close; 0 */
    char                  *admin_listen;        /* owned: as written; NULL = off (default) */
    struct nd_listen_spec  admin;               /* parsed admin_listen (text NULL when off) */
    char                  *admin_token;         /* owned or NULL: Bearer token for admin */
    char                  *access_log;          /* owned or NULL (off): path or "stdout" */
    char                  *slowlog;             /* owned or NULL (off): path or "stdout" */
    int64_t                slowlog_threshold_ms; /* default 1s */
    char                  *state_dir;           /* owned: the last good version of each app
                                                   is kept here; default ND_STATE_DIR */
    int                    error_log_line, access_log_line, slowlog_line; /* 0 = default */
};

struct nd_app_conf {
    char            *name;          /* owned: the x of [app:x] */
    int              line;          /* line of the [app:x] header */
    char            *script;        /* owned: dirname(config path) + "/" + script as written
                                       (unchanged when absolute); used to open and in messages */
    int              script_line;   /* line of the script = key */
    char            *source;        /* owned: the script's bytes, read at load (a reload
                                       snapshot: later edits need a reload); NUL-terminated */
    size_t           source_len;
    void            *bytecode;      /* owned or NULL: source compiled by the supervisor's
                                       compile check (common/bytecode.h), which the workers
                                       load instead of compiling; never read from a file */
    size_t           bytecode_len;
    char            *load_error;    /* owned or NULL: set by the supervisor when the script
                                       failed to compile and no last good version exists;
                                       the worker answers 503 with it */
    char            *source_path;   /* owned or NULL: source = as resolved (the build output
                                       is script) */
    char            *error;         /* owned or NULL: "file:line: msg", why the app's script
                                       (or build) cannot be used; set by config (read, stale
                                       build, symlink) or the supervisor (compile) */
    int              state;         /* enum nd_app_state, set by the supervisor */
    int64_t          good_built_unix_ms; /* when the version that runs was built (the script's
                                       mtime when it was last good); 0 = none */
    char           **hosts;         /* owned: normalized (lowercase, no port, no trailing dot) */
    int             *host_lines;    /* owned: line of each host's hosts = key */
    int              nhosts;
    int              is_default;
    int              default_line;
    struct nd_kv    *env;           /* owned: env.KEY = value, in file order */
    int              nenv;
    struct nd_kv    *kv;            /* owned: kv.NAME = store, in file order (value:
                                       "sqlite", "sqlite:SHARED" or a Redis URL; bind_kv.c) */
    int              nkv;
    struct nd_kv    *d1;            /* owned: d1.NAME = path as written (relative: under
                                       state_dir; worker/js/bind_d1.c) */
    int              nd1;
    struct nd_limits limits;        /* resolved: app value, else the [server] default */
    struct nd_cidr  *fetch_allow;   /* owned, resolved like limits (a copy of the server's) */
    int              nfetch_allow;
    char            *log_level_name; /* owned or NULL: log_level as written */
    char            *profile_dir;   /* owned or NULL: profile = DIR (absolute): the JS sampling
                                       profiler writes DIR/<app>.<pid>.folded (worker/js/profile.h) */
    int              log_level;     /* console.* below this are dropped: 0 debug .. 3 error;
                                       default 1 (info) */
    char           **cron;          /* owned: cron expressions (common/cron.h syntax) */
    int              sb_index;      /* set by the supervisor after load: the app's row in
                                       the scoreboard (common/scoreboard.h), -1 = none */
    int              ncron;
    int              cron_line;
};

/* What an app runs (supervisor's decision at start and reload). */
enum nd_app_state {
    ND_APP_OK,              /* its current script */
    ND_APP_STALE,           /* the script is broken: its last good version runs */
    ND_APP_FAILED,          /* broken and never good: answers 503 */
};
extern const char *const nd_app_state_names[];

struct nd_config {
    char                 *path;     /* owned: as given (-c) */
    char                 *dir;      /* owned: dirname(path) */
    struct nd_server_conf server;
    struct nd_app_conf   *apps;     /* owned, in file order */
    int                   napps;
};

/* NULL on an error in apps.ini itself, with every error in *errs. An app whose
 * script cannot be used (missing, unreadable, not a regular file, a missing or
 * stale build, a symlink escape) is not an apps.ini error: it gets
 * app->error (and an entry in *errs) and the load succeeds; the caller then
 * runs its last good version or marks it failed. Caller owns the result. */
struct nd_config *nd_config_load(const char *path, struct nd_errs *errs);
void nd_config_free(struct nd_config *conf);

#endif
