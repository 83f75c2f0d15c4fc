/*
 * JSON-lines logger: one line per call, written with one write(2) so lines
 * from several processes sharing the file never interleave.
 *   {"ts":"2026-11-25T09:00:00.123Z","level":"error","pid":12,"role":"worker",
 *    "app":"blog","msg":"...","errno":"..."}
 * Extra fields are appended with nd_log_kv(). Safe in supervisor and worker.
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

/* Bytes of the well-formed UTF-8 sequence (RFC 3629: no overlong form, no
 * surrogate, at most U+10FFFF) that starts at s, within avail bytes; 0 when
 * s[0] is ASCII or starts an ill-formed or cut sequence. Every JSON writer
 * (this log, the access log) puts \ufffd for each byte of an ill-formed one,
 * so its lines are valid UTF-8 whatever a config or a client sent. */
size_t nd_log_utf8_len(const char *s, size_t avail);

#endif
