/*
 * JSON-lines logger: one line per call, written with one write(2) so lines
 * from several processes sharing the file never interleave.
 *   {"ts":"2026-11-25T09:00:00.123Z","level":"error","pid":12,"role":"worker",
 *    "app":"blog","msg":"...","errno":"..."}
 * Extra fields are appended with nd_log_kv(). Safe in supervisor and worker.
 * Strings are escaped by nd_buf_json() (common/buf.h), so a line is valid JSON
 * and UTF-8 whatever it holds; a line is at most 16 KiB and allocates
 * nothing (a longer value is cut, a field that no longer fits left out).
 */
#ifndef ND_LOG_H
#define ND_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum nd_log_level {
    ND_LOG_DEBUG,
    ND_LOG_INFO,
    ND_LOG_WARN,
    ND_LOG_ERROR,
};

/*
 * Where lines go: one type for every log file of the process (this error log,
 * the worker's access log and slowlog). Open sinks are listed, and all are
 * reopened together by nd_log_reopen(). A sink is a global of its module
 * (GLOBAL: one per process), initialised as { "name", -1 } (off).
 */
struct nd_log_sink {
    const char         *name;       /* borrowed, static: "access log", for messages */
    int                 fd;         /* -1 = off; 1, 2 = stdout, stderr */
    char                path[1024]; /* the file's path; "" when off or a stream */
    void              (*flush)(void);   /* before a reopen: what is buffered, or NULL */
    struct nd_log_sink *next;       /* the process's list (set by nd_log_sink_open) */
};

/* target: NULL (off), "stderr", "stdout" or a path (opened O_APPEND, mode
 * 0640, created). 0, or -1 with errno and the sink unchanged. */
int nd_log_sink_open(struct nd_log_sink *s, const char *target);
void nd_log_sink_close(struct nd_log_sink *s);
/* Reopens the path of every open file sink (SIGUSR1, logrotate), error log
 * first: flush, open anew, swap. A path that cannot be opened is logged
 * ("cannot reopen the access log PATH") and its sink keeps its old file.
 * 0, or -1 when any failed. Not signal-safe: call from the loop. */
int nd_log_reopen(void);

/* The error log: target as for a sink, NULL meaning "stderr". role:
 * "supervisor", "worker", "check". 0, or -1 with errno. */
int nd_log_open(const char *target, const char *role);
void nd_log_set_role(const char *role);
void nd_log_set_level(enum nd_log_level min);

void nd_log(enum nd_log_level lvl, const char *app, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void nd_log_errno(enum nd_log_level lvl, const char *app, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* With extra string fields: kv is {"key","value",...,NULL}; values are escaped. */
void nd_log_kv(enum nd_log_level lvl, const char *app, const char *const *kv,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
