/*
 * The access log, the slowlog and request ids (see access.h).
 */
#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/sys.h"
#include "worker/access.h"

#define ACCESS_LINE_MAX 16384   /* > 6 * (ACCESS_PATH_MAX + ACCESS_HOST_MAX) + fixed fields */
#define ACCESS_PATH_MAX 2048    /* input bytes of the request target logged */
#define ACCESS_HOST_MAX 256
#define ACCESS_FLUSH_AT 49152

static void access_flush(void);

/* GLOBAL: the access log of this worker. */
static struct {
    struct nd_log_sink sink;
    time_t   sec;                   /* cached "YYYY-MM-DDTHH:MM:SS" of sec */
    char     secbuf[24];
    uint64_t seq;                   /* request ids */
    pid_t    pid;
    /* Lines are batched: one write(2) per event-loop turn (or per 48 KiB)
     * instead of one per request, which halved throughput. */
    struct event *flush_ev;         /* 0-timeout timer, armed by the first line */
    struct nd_buf out;              /* fixed over mem: the lines not written yet */
    char     mem[65536];
} g_acc = { .sink = { .name = "access log", .fd = -1, .flush = access_flush },
            .sec = (time_t) -1,
            .out = { .p = g_acc.mem, .cap = sizeof(g_acc.mem), .fixed = 1 } };

/* GLOBAL: the slowlog of this worker: the access-log line of slow requests. */
static struct {
    struct nd_log_sink sink;
    int64_t            threshold_us;
} g_slow = { .sink = { .name = "slowlog", .fd = -1 } };

static void
access_flush(void)
{
    if (g_acc.out.len > 0 && g_acc.sink.fd != -1) {
        (void) nd_sys_write_full(g_acc.sink.fd, g_acc.out.p, g_acc.out.len);
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

/* --- access log and slowlog --------------------------------------------------- */

int
nd_access_open(const char *target)
{
    g_acc.pid = getpid();
    access_flush();
    return nd_log_sink_open(&g_acc.sink, target);
}

int
nd_slowlog_open(const char *target, int64_t threshold_ms)
{
    g_slow.threshold_us = threshold_ms * 1000;
    return nd_log_sink_open(&g_slow.sink, target);
}

void
nd_access_close(void)
{
    access_flush();
    if (g_acc.flush_ev != NULL) {
        event_free(g_acc.flush_ev);
        g_acc.flush_ev = NULL;
    }
    nd_log_sink_close(&g_acc.sink);
}


/* us as milliseconds with 3 decimals. */
static char *
put_ms(char *p, int64_t us)
{
    if (us < 0) {
        us = 0;
    }
    p = nd_put_u64(p, (uint64_t) (us / 1000));
    *p++ = '.';
    *p++ = (char) ('0' + us / 100 % 10);
    *p++ = (char) ('0' + us / 10 % 10);
    *p++ = (char) ('0' + us % 10);
    return p;
}

/* s[0..min(n, max)) escaped (nd_buf_json) at p, the end of b's data. */
static char *
put_json(struct nd_buf *b, char *p, const char *s, size_t n, size_t max)
{
    b->len = (size_t) (p - b->p);
    (void) nd_buf_json(b, s, n < max ? n : max);
    return b->p + b->len;
}

void
nd_access_log(const struct nd_req *req, const char *app, const struct nd_http_done *d,
              int64_t now_us)
{
    struct nd_buf  *b = &g_acc.out;
    char            addr[INET6_ADDRSTRLEN], *p;
    struct timeval  tv;
    size_t          start;
    int             slow = g_slow.sink.fd != -1 && now_us - req->start_us >= g_slow.threshold_us;

    if (g_acc.sink.fd == -1 && !slow) {
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
    /* Written in place: the batch keeps ACCESS_LINE_MAX free, and a line is at
     * most 6 bytes per byte of host and path plus the fixed fields. */
    start = b->len;
    p = ND_PUTS(b->p + start, "{\"ts\":\"");
    p = nd_put(p, g_acc.secbuf, strlen(g_acc.secbuf));
    *p++ = '.';
    *p++ = (char) ('0' + tv.tv_usec / 100000 % 10);
    *p++ = (char) ('0' + tv.tv_usec / 10000 % 10);
    *p++ = (char) ('0' + tv.tv_usec / 1000 % 10);
    p = ND_PUTS(p, "Z\",\"app\":");
    if (app != NULL) {
        *p++ = '"';
        p = nd_put(p, app, strlen(app));       /* [A-Za-z0-9_-] only (config.c) */
        *p++ = '"';
    } else {
        p = ND_PUTS(p, "null");
    }
    p = ND_PUTS(p, ",\"pid\":");
    p = nd_put_u64(p, (uint64_t) g_acc.pid);
    p = ND_PUTS(p, ",\"request_id\":\"");
    p = nd_put(p, req->rid, req->rid_len);
    p = ND_PUTS(p, "\",\"method\":\"");
    p = nd_put(p, req->method, req->method_len);
    p = ND_PUTS(p, "\",\"host\":\"");
    if (req->host != NULL) {
        p = put_json(b, p, req->host, req->host_len, ACCESS_HOST_MAX);
    }
    p = ND_PUTS(p, "\",\"path\":\"");
    p = put_json(b, p, req->target, req->target_len, ACCESS_PATH_MAX);
    p = ND_PUTS(p, "\",\"status\":");
    p = nd_put_u64(p, (uint64_t) d->status);
    p = ND_PUTS(p, ",\"bytes_out\":");
    p = nd_put_u64(p, d->bytes_out);
    p = ND_PUTS(p, ",\"duration_ms\":");
    p = put_ms(p, now_us - req->start_us);
    p = ND_PUTS(p, ",\"cpu_ms\":");
    p = put_ms(p, req->cpu_us);
    p = ND_PUTS(p, ",\"subrequests\":");
    p = nd_put_u64(p, req->subrequests);
    p = ND_PUTS(p, ",\"binding_calls\":");
    p = nd_put_u64(p, req->binding_calls);
    p = ND_PUTS(p, ",\"client\":\"");
    nd_ip_format(&req->client, addr, sizeof(addr));
    p = nd_put(p, addr, strlen(addr));
    p = ND_PUTS(p, "\"}\n");
    b->len = (size_t) (p - b->p);
    /* Write errors: nothing sensible to do per request; the error log would flood. */
    if (slow) {
        (void) nd_sys_write_full(g_slow.sink.fd, b->p + start, b->len - start);
    }
    if (g_acc.sink.fd == -1) {
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
