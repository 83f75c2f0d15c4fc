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

/* GLOBAL: the log sink is process-wide (signal-free reopen from the loop). */
static struct {
    int               fd;
    char              path[1024];   /* "" for stderr/stdout */
    const char       *role;
    enum nd_log_level min;
} g_log = { 2, "", "nanod", ND_LOG_DEBUG };  /* apps filter their own (log_level) */

static const char *level_names[] = { "debug", "info", "warn", "error" };

int
nd_log_open(const char *target, const char *role)
{
    int fd;

    if (role != NULL) {
        g_log.role = role;
    }
    if (target == NULL || strcmp(target, "stderr") == 0) {
        fd = 2;
        g_log.path[0] = '\0';
    } else if (strcmp(target, "stdout") == 0) {
        fd = 1;
        g_log.path[0] = '\0';
    } else {
        if (strlen(target) >= sizeof(g_log.path)) {
            errno = ENAMETOOLONG;
            return -1;
        }
        fd = open(target, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (fd == -1) {
            return -1;
        }
        snprintf(g_log.path, sizeof(g_log.path), "%s", target);
    }
    if (g_log.fd > 2 && g_log.fd != fd) {
        close(g_log.fd);
    }
    g_log.fd = fd;
    return 0;
}

int
nd_log_reopen(void)
{
    int fd;

    if (g_log.path[0] == '\0') {
        return 0;
    }
    fd = open(g_log.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd == -1) {
        return -1;
    }
    if (g_log.fd > 2) {
        close(g_log.fd);
    }
    g_log.fd = fd;
    return 0;
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
    while (write(g_log.fd, b.p, b.len) == -1 && errno == EINTR) {
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
