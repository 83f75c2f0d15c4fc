/*
 * JSON-lines logger. One line, one write(2): with O_APPEND, lines from the
 * supervisor and all workers sharing a file never interleave (lines are kept
 * under PIPE_BUF-ish sizes in practice; a longer one is still one write).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"

#define LOG_LINE_MAX 16384

/* GLOBAL: the error log is process-wide (signal-free reopen from the loop). */
static struct {
    struct nd_log_sink sink;
    const char        *role;
    enum nd_log_level  min;
} g_log = { { "error log", 2, "", NULL, NULL }, "nanod", ND_LOG_DEBUG };
                                    /* apps filter their own (log_level) */

/* GLOBAL: every sink this process opened, for nd_log_reopen(); error log first. */
static struct nd_log_sink *g_sinks = &g_log.sink;

static const char *level_names[] = { "debug", "info", "warn", "error" };

int
nd_log_sink_open(struct nd_log_sink *s, const char *target)
{
    struct nd_log_sink **pp;
    int                  fd, file = 0;

    if (target == NULL) {
        nd_log_sink_close(s);
        return 0;
    }
    if (strcmp(target, "stderr") == 0) {
        fd = 2;
    } else if (strcmp(target, "stdout") == 0) {
        fd = 1;
    } else {
        if (strlen(target) >= sizeof(s->path)) {
            errno = ENAMETOOLONG;
            return -1;
        }
        fd = open(target, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (fd == -1) {
            return -1;
        }
        file = 1;
    }
    snprintf(s->path, sizeof(s->path), "%s", file ? target : "");
    if (s->fd > 2 && s->fd != fd) {
        close(s->fd);
    }
    s->fd = fd;
    for (pp = &g_sinks; *pp != NULL && *pp != s; pp = &(*pp)->next) {
    }
    if (*pp == NULL) {
        *pp = s;                    /* appended: reopened after the error log */
    }
    return 0;
}

void
nd_log_sink_close(struct nd_log_sink *s)
{
    if (s->fd > 2) {
        close(s->fd);
    }
    s->fd = -1;
    s->path[0] = '\0';
}

int
nd_log_reopen(void)
{
    struct nd_log_sink *s;
    int                 fd, rc = 0;

    for (s = g_sinks; s != NULL; s = s->next) {
        if (s->fd == -1 || s->path[0] == '\0') {
            continue;               /* off, or a standard stream */
        }
        if (s->flush != NULL) {
            s->flush();             /* what was written for the old file goes there */
        }
        fd = open(s->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (fd == -1) {
            nd_log_errno(ND_LOG_ERROR, NULL, errno, "cannot reopen the %s %s", s->name,
                         s->path);
            rc = -1;
            continue;               /* it keeps writing to the old file */
        }
        if (s->fd > 2) {
            close(s->fd);
        }
        s->fd = fd;
    }
    return rc;
}

int
nd_log_open(const char *target, const char *role)
{
    if (role != NULL) {
        g_log.role = role;
    }
    return nd_log_sink_open(&g_log.sink, target != NULL ? target : "stderr");
}

void
nd_log_set_role(const char *role)
{
    g_log.role = role;
}

void
nd_log_set_level(enum nd_log_level min)
{
    g_log.min = min;
}

/* ,"key":"value" with both escaped. A value that does not fit is cut (the
 * line stays valid JSON: room for '"', '}' and '\n' is kept); a field whose
 * key does not fit is left out. */
static void
put_field(struct nd_buf *b, const char *key, const char *value)
{
    size_t start = b->len;

    b->max = LOG_LINE_MAX - 3;
    if (ND_BUF_ADDS(b, ",\"") == -1 || nd_buf_json(b, key, strlen(key)) == -1
        || ND_BUF_ADDS(b, "\":\"") == -1) {
        b->len = start;
    } else {
        (void) nd_buf_json(b, value, strlen(value));
        b->max = LOG_LINE_MAX;
        (void) ND_BUF_ADDS(b, "\"");
    }
    b->max = LOG_LINE_MAX;
}

static void
log_write(enum nd_log_level lvl, const char *app, int err, const char *const *kv,
          const char *fmt, va_list ap)
{
    char            line[LOG_LINE_MAX], msg[8192], ts[64], head[128];
    struct nd_buf   b;
    struct timeval  tv;
    struct tm       tm;
    int             n, saved = errno;

    if (lvl < g_log.min) {
        return;
    }
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
    n = snprintf(head, sizeof(head), "{\"ts\":\"%s.%03dZ\",\"level\":\"%s\",\"pid\":%d", ts,
                 (int) (tv.tv_usec / 1000), level_names[lvl], (int) getpid());
    nd_buf_init_fixed(&b, line, sizeof(line));
    (void) nd_buf_add(&b, head, (size_t) n);
    put_field(&b, "role", g_log.role);
    if (app != NULL) {
        put_field(&b, "app", app);
    }
    vsnprintf(msg, sizeof(msg), fmt, ap);
    put_field(&b, "msg", msg);
    if (err != 0) {
        put_field(&b, "errno", strerror(err));
    }
    for (; kv != NULL && kv[0] != NULL && kv[1] != NULL; kv += 2) {
        put_field(&b, kv[0], kv[1]);
    }
    (void) ND_BUF_ADDS(&b, "}\n");
    /* One write: never interleaves with other processes' lines. */
    while (write(g_log.sink.fd, b.p, b.len) == -1 && errno == EINTR) {
    }
    errno = saved;
}

void
nd_log(enum nd_log_level lvl, const char *app, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_write(lvl, app, 0, NULL, fmt, ap);
    va_end(ap);
}

void
nd_log_errno(enum nd_log_level lvl, const char *app, int err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_write(lvl, app, err, NULL, fmt, ap);
    va_end(ap);
}

void
nd_log_kv(enum nd_log_level lvl, const char *app, const char *const *kv, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_write(lvl, app, 0, kv, fmt, ap);
    va_end(ap);
}
