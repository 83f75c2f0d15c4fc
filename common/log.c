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

size_t
nd_log_utf8_len(const char *str, size_t avail)
{
    const unsigned char *s = (const unsigned char *) str;
    unsigned char        c = s[0];
    unsigned char        lo = 0x80, hi = 0xBF;
    size_t               n, i;

    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (n > avail || s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (i = 2; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    return n;
}

/* Appends s as JSON string content (no quotes) to buf at *pos, capped. The
 * output is valid UTF-8 whatever s holds: each byte of an ill-formed sequence
 * (a garbage config key, a header from a client) becomes \ufffd. */
static void
put_escaped(char *buf, size_t size, size_t *pos, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t p = *pos;

    for (; *s != '\0' && p + 7 < size; s++) {
        unsigned char c = (unsigned char) *s;
        if (c >= 0x80) {
            size_t n = nd_log_utf8_len(s, 4);   /* a NUL stops it first */
            if (n == 0) {
                memcpy(buf + p, "\\ufffd", 6);
                p += 6;
            } else {
                memcpy(buf + p, s, n);
                p += n;
                s += n - 1;
            }
            continue;
        }
        switch (c) {
        case '"':  buf[p++] = '\\'; buf[p++] = '"'; break;
        case '\\': buf[p++] = '\\'; buf[p++] = '\\'; break;
        case '\n': buf[p++] = '\\'; buf[p++] = 'n'; break;
        case '\r': buf[p++] = '\\'; buf[p++] = 'r'; break;
        case '\t': buf[p++] = '\\'; buf[p++] = 't'; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                buf[p++] = '\\'; buf[p++] = 'u'; buf[p++] = '0'; buf[p++] = '0';
                buf[p++] = hex[c >> 4]; buf[p++] = hex[c & 15];
            } else {
                buf[p++] = (char) c;
            }
        }
    }
    *pos = p;
}

static void
put_raw(char *buf, size_t size, size_t *pos, const char *s)
{
    size_t n = strlen(s);

    if (*pos + n + 3 > size) {
        n = size > *pos + 3 ? size - *pos - 3 : 0;
    }
    memcpy(buf + *pos, s, n);
    *pos += n;
}

static void
put_field(char *buf, size_t size, size_t *pos, const char *key, const char *value)
{
    put_raw(buf, size, pos, ",\"");
    put_escaped(buf, size, pos, key);
    put_raw(buf, size, pos, "\":\"");
    put_escaped(buf, size, pos, value);
    put_raw(buf, size, pos, "\"");
}

static void
log_write(enum nd_log_level lvl, const char *app, int err, const char *const *kv,
          const char *fmt, va_list ap)
{
    char            line[LOG_LINE_MAX], msg[8192], ts[64], head[128];
    struct timeval  tv;
    struct tm       tm;
    size_t          pos = 0;
    int             saved = errno;

    if (lvl < g_log.min) {
        return;
    }
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(head, sizeof(head), "{\"ts\":\"%s.%03dZ\",\"level\":\"%s\",\"pid\":%d", ts,
             (int) (tv.tv_usec / 1000), level_names[lvl], (int) getpid());
    put_raw(line, sizeof(line), &pos, head);
    put_field(line, sizeof(line), &pos, "role", g_log.role);
    if (app != NULL) {
        put_field(line, sizeof(line), &pos, "app", app);
    }
    vsnprintf(msg, sizeof(msg), fmt, ap);
    put_field(line, sizeof(line), &pos, "msg", msg);
    if (err != 0) {
        put_field(line, sizeof(line), &pos, "errno", strerror(err));
    }
    for (; kv != NULL && kv[0] != NULL && kv[1] != NULL; kv += 2) {
        put_field(line, sizeof(line), &pos, kv[0], kv[1]);
    }
    line[pos++] = '}';
    line[pos++] = '\n';
    /* One write: never interleaves with other processes' lines. */
    while (write(g_log.fd, line, pos) == -1 && errno == EINTR) {
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
