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

/* target: "stderr", "stdout" or a path (opened O_APPEND, mode 0640).
 * role: "supervisor", "worker", "check". 0, or -1 with errno. */
int nd_log_open(const char *target, const char *role);
/* Reopens the path (SIGUSR1 / logrotate). No-op for stderr/stdout. */
int nd_log_reopen(void);
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
