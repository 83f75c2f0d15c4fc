/*
 * Admin listener, access log, request ids (see admin.h).
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/scoreboard.h"
#include "common/sys.h"
#include "worker/admin.h"

#define ACCESS_LINE_MAX 16384   /* > 6 * (ACCESS_PATH_MAX + ACCESS_HOST_MAX) + fixed fields */
#define ACCESS_PATH_MAX 2048    /* input bytes of the request target logged */
#define ACCESS_HOST_MAX 256

/* GLOBAL: the admin listener of this worker. */
static struct {
    struct nd_http *http;
    const char     *token;          /* borrowed: the worker's config */
} g_admin;

/* GLOBAL: the access log sink (like common/log.c's). */
static struct {
    int      fd;                    /* -1 = off */
    char     path[1024];            /* "" for stdout */
    time_t   sec;                   /* cached "YYYY-MM-DDTHH:MM:SS" of sec */
    char     secbuf[24];
    uint64_t seq;                   /* request ids */
    pid_t    pid;
    /* Lines are batched: one write(2) per event-loop turn (or per 48 KiB)
     * instead of one per request, which halved throughput. */
    struct event *flush_ev;         /* 0-timeout timer, armed by the first line */
    struct nd_buf out;              /* fixed over mem: the lines not written yet */
    char     mem[65536];
} g_acc = { .fd = -1, .sec = (time_t) -1,
            .out = { .p = g_acc.mem, .cap = sizeof(g_acc.mem), .fixed = 1 } };

#define ACCESS_FLUSH_AT 49152

static void
access_flush(void)
{
    if (g_acc.out.len > 0 && g_acc.fd != -1) {
        (void) nd_sys_write_full(g_acc.fd, g_acc.out.p, g_acc.out.len);
    }
    nd_buf_reset(&g_acc.out);
}

static void
on_access_flush(evutil_socket_t fd, short what, void *arg)
{
    access_flush();
}

void
nd_access_set_base(struct event_base *base)
{
    if (g_acc.flush_ev == NULL) {
        g_acc.flush_ev = evtimer_new(base, on_access_flush, NULL);
    }
}

/* --- request ids ------------------------------------------------------------ */

static int
rid_sane(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || n > 64) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '.' || c == '_' || c == '-')) {
            return 0;
        }
    }
    return 1;
}

static char *
put_hex(char *p, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    char              tmp[16];
    int               n = 0;

    do {
        tmp[n++] = hex[v & 15];
        v >>= 4;
    } while (v != 0);
    while (n > 0) {
        *p++ = tmp[--n];
    }
    return p;
}

void
nd_request_id(struct nd_req *req)
{
    int   i;
    char *p;

    for (i = 0; i < req->nheaders; i++) {
        const struct nd_hdr *h = &req->headers[i];
        if (h->name_len == 12 && strncasecmp(h->name, "x-request-id", 12) == 0) {
            if (rid_sane(h->value, h->value_len)) {
                memcpy(req->rid, h->value, h->value_len);
                req->rid[h->value_len] = '\0';
                req->rid_len = (uint8_t) h->value_len;
                return;
            }
            break;
        }
    }
    if (g_acc.pid == 0) {
        g_acc.pid = getpid();
    }
    p = put_hex(req->rid, (uint64_t) g_acc.pid);
    *p++ = '-';
    p = put_hex(p, ++g_acc.seq);
    *p = '\0';
    req->rid_len = (uint8_t) (p - req->rid);
}

/* --- access log ------------------------------------------------------------- */

int
nd_access_open(const char *target)
{
    int fd;

    g_acc.pid = getpid();
    if (target == NULL) {
        nd_access_close();
        return 0;
    }
    if (strcmp(target, "stdout") == 0) {
        fd = 1;
        g_acc.path[0] = '\0';
    } else {
        if (strlen(target) >= sizeof(g_acc.path)) {
            errno = ENAMETOOLONG;
            return -1;
        }
        fd = open(target, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (fd == -1) {
            return -1;
        }
        snprintf(g_acc.path, sizeof(g_acc.path), "%s", target);
    }
    if (g_acc.fd > 2) {
        close(g_acc.fd);
    }
    g_acc.fd = fd;
    return 0;
}

/* GLOBAL: the slowlog sink: the access-log line of requests over a threshold. */
static struct {
    int     fd;                     /* -1 = off */
    char    path[1024];             /* "" for stdout */
    int64_t threshold_us;
} g_slow = { -1, "", 0 };

static int
sink_open(const char *target, char *path, size_t size, int *fdp)
{
    int fd;

    if (target == NULL) {
        if (*fdp > 2) {
            close(*fdp);
        }
        *fdp = -1;
        return 0;
    }
    if (strcmp(target, "stdout") == 0) {
        fd = 1;
        path[0] = '\0';
    } else {
        if (strlen(target) >= size) {
            errno = ENAMETOOLONG;
            return -1;
        }
        fd = open(target, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (fd == -1) {
            return -1;
        }
        snprintf(path, size, "%s", target);
    }
    if (*fdp > 2) {
        close(*fdp);
    }
    *fdp = fd;
    return 0;
}

int
nd_slowlog_open(const char *target, int64_t threshold_ms)
{
    g_slow.threshold_us = threshold_ms * 1000;
    return sink_open(target, g_slow.path, sizeof(g_slow.path), &g_slow.fd);
}

int
nd_access_reopen(void)
{
    int fd;

    access_flush();
    if (g_slow.fd != -1 && g_slow.path[0] != '\0') {
        char path[sizeof(g_slow.path)];
        memcpy(path, g_slow.path, sizeof(path));
        if (sink_open(path, g_slow.path, sizeof(g_slow.path), &g_slow.fd) == -1) {
            return -1;
        }
    }
    if (g_acc.fd == -1 || g_acc.path[0] == '\0') {
        return 0;
    }
    fd = open(g_acc.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd == -1) {
        return -1;
    }
    if (g_acc.fd > 2) {
        close(g_acc.fd);
    }
    g_acc.fd = fd;
    return 0;
}

void
nd_access_close(void)
{
    access_flush();
    if (g_acc.flush_ev != NULL) {
        event_free(g_acc.flush_ev);
        g_acc.flush_ev = NULL;
    }
    if (g_acc.fd > 2) {
        close(g_acc.fd);
    }
    g_acc.fd = -1;
}

int
nd_access_on(void)
{
    return g_acc.fd != -1;
}


/* us as milliseconds with 3 decimals. */
static void
put_ms(struct nd_buf *b, int64_t us)
{
    char  tmp[32], *p;

    if (us < 0) {
        us = 0;
    }
    p = nd_put_u64(tmp, (uint64_t) (us / 1000));
    *p++ = '.';
    *p++ = (char) ('0' + us / 100 % 10);
    *p++ = (char) ('0' + us / 10 % 10);
    *p++ = (char) ('0' + us % 10);
    nd_buf_add(b, tmp, (size_t) (p - tmp));
}

void
nd_access_log(const struct nd_req *req, const char *app, const struct nd_http_done *d,
              int64_t now_us)
{
    struct nd_buf  *b = &g_acc.out;
    char            addr[INET6_ADDRSTRLEN], ms[4];
    struct timeval  tv;
    size_t          start;
    int             slow = g_slow.fd != -1 && now_us - req->start_us >= g_slow.threshold_us;

    if (g_acc.fd == -1 && !slow) {
        return;
    }
    gettimeofday(&tv, NULL);
    if (tv.tv_sec != g_acc.sec) {
        struct tm tm;
        gmtime_r(&tv.tv_sec, &tm);
        strftime(g_acc.secbuf, sizeof(g_acc.secbuf), "%Y-%m-%dT%H:%M:%S", &tm);
        g_acc.sec = tv.tv_sec;
    }
    if (b->cap - b->len < ACCESS_LINE_MAX) {
        access_flush();         /* cannot happen: flushed at ACCESS_FLUSH_AT */
    }
    /* Every line fits: the batch keeps ACCESS_LINE_MAX free, and a line is at
     * most 6 bytes per byte of host and path plus the fixed fields. */
    start = b->len;
    ND_BUF_ADDS(b, "{\"ts\":\"");
    nd_buf_add(b, g_acc.secbuf, strlen(g_acc.secbuf));
    ms[0] = '.';
    ms[1] = (char) ('0' + tv.tv_usec / 100000 % 10);
    ms[2] = (char) ('0' + tv.tv_usec / 10000 % 10);
    ms[3] = (char) ('0' + tv.tv_usec / 1000 % 10);
    nd_buf_add(b, ms, 4);
    ND_BUF_ADDS(b, "Z\",\"app\":");
    if (app != NULL) {
        ND_BUF_ADDS(b, "\"");
        nd_buf_add(b, app, strlen(app));       /* [A-Za-z0-9_-] only (config.c) */
        ND_BUF_ADDS(b, "\"");
    } else {
        ND_BUF_ADDS(b, "null");
    }
    ND_BUF_ADDS(b, ",\"pid\":");
    nd_buf_u64(b, (uint64_t) g_acc.pid);
    ND_BUF_ADDS(b, ",\"request_id\":\"");
    nd_buf_add(b, req->rid, req->rid_len);
    ND_BUF_ADDS(b, "\",\"method\":\"");
    nd_buf_add(b, req->method, req->method_len);
    ND_BUF_ADDS(b, "\",\"host\":\"");
    if (req->host != NULL) {
        nd_buf_json(b, req->host, req->host_len < ACCESS_HOST_MAX ? req->host_len
                                                                    : ACCESS_HOST_MAX);
    }
    ND_BUF_ADDS(b, "\",\"path\":\"");
    nd_buf_json(b, req->target, req->target_len < ACCESS_PATH_MAX ? req->target_len
                                                                   : ACCESS_PATH_MAX);
    ND_BUF_ADDS(b, "\",\"status\":");
    nd_buf_u64(b, (uint64_t) d->status);
    ND_BUF_ADDS(b, ",\"bytes_out\":");
    nd_buf_u64(b, d->bytes_out);
    ND_BUF_ADDS(b, ",\"duration_ms\":");
    put_ms(b, now_us - req->start_us);
    ND_BUF_ADDS(b, ",\"cpu_ms\":");
    put_ms(b, req->cpu_us);
    ND_BUF_ADDS(b, ",\"subrequests\":");
    nd_buf_u64(b, req->subrequests);
    ND_BUF_ADDS(b, ",\"binding_calls\":");
    nd_buf_u64(b, req->binding_calls);
    ND_BUF_ADDS(b, ",\"client\":\"");
    nd_ip_format(&req->client, addr, sizeof(addr));
    nd_buf_add(b, addr, strlen(addr));
    ND_BUF_ADDS(b, "\"}\n");
    /* Write errors: nothing sensible to do per request; the error log would flood. */
    if (slow) {
        (void) nd_sys_write_full(g_slow.fd, b->p + start, b->len - start);
    }
    if (g_acc.fd == -1) {
        b->len = start;
    } else if (g_acc.flush_ev == NULL) {
        access_flush();
    } else if (b->len >= ACCESS_FLUSH_AT) {
        access_flush();
        evtimer_del(g_acc.flush_ev);
    } else if (start == 0) {
        struct timeval zero = { 0, 0 };
        evtimer_add(g_acc.flush_ev, &zero);
    }
}

/* --- admin listener ---------------------------------------------------------- */

static void
answer(struct nd_req *req, int status, const char *ctype, const char *body, size_t len)
{
    struct nd_hdr h[2] = { { "content-type", 12, ctype, strlen(ctype) },
                           { "cache-control", 13, "no-store", 8 } };

    nd_http_respond(req, status, h, 2, body, len);
}

static int
authorized(const struct nd_req *req)
{
    size_t        tlen;
    int           i;
    unsigned char diff = 0;

    if (g_admin.token == NULL || g_admin.token[0] == '\0') {
        return 1;
    }
    tlen = strlen(g_admin.token);
    for (i = 0; i < req->nheaders; i++) {
        const struct nd_hdr *h = &req->headers[i];
        size_t               j;
        if (h->name_len != 13 || strncasecmp(h->name, "authorization", 13) != 0) {
            continue;
        }
        if (h->value_len != 7 + tlen || strncasecmp(h->value, "Bearer ", 7) != 0) {
            return 0;
        }
        for (j = 0; j < tlen; j++) {
            diff |= (unsigned char) (h->value[7 + j] ^ g_admin.token[j]);
        }
        return diff == 0;
    }
    return 0;
}

static void
on_admin(struct nd_req *req, void *arg)
{
    const char    *t = req->target, *q = memchr(t, '?', req->target_len);
    size_t         plen = q != NULL ? (size_t) (q - t) : req->target_len;
    const char    *query = q != NULL ? q + 1 : "";
    struct nd_buf  out = { 0 };
    int64_t        now = nd_sb_now_unix_ms();

    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        answer(req, 405, "text/plain; charset=utf-8", "Method Not Allowed\n", 19);
        return;
    }
    if (!authorized(req)) {
        struct nd_hdr h[2] = { { "content-type", 12, "text/plain; charset=utf-8", 25 },
                               { "www-authenticate", 16, "Bearer realm=\"nanod\"", 20 } };
        nd_http_respond(req, 401, h, 2, "Unauthorized\n", 13);
        return;
    }
    if (nd_sb_map == NULL) {
        answer(req, 503, "text/plain; charset=utf-8", "no scoreboard\n", 14);
        return;
    }
    if (plen == 8 && memcmp(t, "/healthz", 8) == 0) {
        if (nd_sb_map->hdr->draining) {
            answer(req, 503, "text/plain; charset=utf-8", "draining\n", 9);
        } else if (nd_sb_map->hdr->full) {
            answer(req, 200, "text/plain; charset=utf-8", "ok\n", 3);
        } else {
            answer(req, 503, "text/plain; charset=utf-8", "not ready\n", 10);
        }
        return;
    }
    if (plen == 8 && memcmp(t, "/metrics", 8) == 0) {
        nd_metrics_render(nd_sb_map, now, &out);
        if (out.failed) {
            answer(req, 500, "text/plain; charset=utf-8", "out of memory\n", 14);
        } else {
            answer(req, 200, "text/plain; version=0.0.4; charset=utf-8", out.p, out.len);
        }
        nd_buf_free(&out);
        return;
    }
    if (plen == 7 && memcmp(t, "/status", 7) == 0) {
        int html = strncmp(query, "html", 4) == 0;
        if (html) {
            nd_metrics_status_html(nd_sb_map, now, &out);
        } else {
            nd_metrics_status_json(nd_sb_map, now, &out);
        }
        if (out.failed) {
            answer(req, 500, "text/plain; charset=utf-8", "out of memory\n", 14);
        } else {
            answer(req, 200, html ? "text/html; charset=utf-8" : "application/json", out.p,
                   out.len);
        }
        nd_buf_free(&out);
        return;
    }
    answer(req, 404, "text/plain; charset=utf-8", "Not Found\n", 10);
}

int
nd_admin_start(struct event_base *base, const struct nd_http_conf *hc, int fd,
               const char *token)
{
    struct nd_http_conf c = *hc;

    c.on_done = NULL;
    c.max_body_size = 1024;
    c.max_connections = 64;
    g_admin.token = token;
    g_admin.http = nd_http_new(base, &c, on_admin, NULL);
    if (g_admin.http == NULL) {
        return -1;
    }
    if (nd_http_listen(g_admin.http, fd) == -1) {
        nd_http_free(g_admin.http);
        g_admin.http = NULL;
        return -1;
    }
    return 0;
}

static void
admin_drained(void *arg)
{
}

void
nd_admin_drain(void)
{
    if (g_admin.http != NULL) {
        nd_http_drain(g_admin.http, admin_drained, NULL);
    }
}

void
nd_admin_free(void)
{
    nd_http_free(g_admin.http);
    g_admin.http = NULL;
}
