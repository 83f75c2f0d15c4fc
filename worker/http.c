/*
 * HTTP/1.1 server connections on llhttp. The contract is in http.h; notes on
 * how it is kept:
 *
 * Memory. A request is one struct ireq: the public struct nd_req, then an
 * inline arena (target, header names and values, body, each NUL-terminated)
 * and inline header arrays; only big requests spill to malloc. Released
 * requests go to a small free list, so a hello request mallocs nothing.
 * Reads go into one per-worker buffer (http->rbuf) and are parsed in place;
 * llhttp's pieces are copied into the arena, and only bytes left unparsed
 * (pipelining) are copied into the connection's own buffer.
 *
 * Writes. A response answered from inside the request callback is "corked":
 * it goes into a per-worker buffer and is sent with one send() when the
 * parse loop ends (pipelined answers share it). Otherwise header + body go
 * out with one sendmsg(); what the socket does not take is copied into the
 * connection's output buffer and EV_WRITE drains it. Above OUT_HIGH queued
 * bytes the connection stops reading and parsing.
 *
 * Parsing. on_message_complete always returns HPE_PAUSED: the parser stays
 * paused while the request is with the callback (c->pending) and is resumed
 * by the answer, so pipelined requests are answered in order. Resuming from
 * an asynchronous answer goes through a per-connection event activated for
 * the next loop turn (c->kev), never by re-entering the callback.
 *
 * Bounds. Request buffers that spill out of the inline arena are counted in
 * http->body_mem (ireq.acct), capped by max_body_memory (503). At max_connections
 * or EMFILE the longest-idle keep-alive connection is closed for the newcomer
 * (shed_idle). Up to ACCEPT_BURST accepts per listener wake-up, and accept_yield
 * may pause accepting briefly, so that a burst is spread over the workers.
 *
 * Lifetime. A connection's memory is freed only when it is closed, no
 * callback frame is using it (c->busy) and no request is with the owner.
 * A client hang-up closes the fd at once and marks the pending request
 * aborted; the connection lives on as a "zombie" until nd_http_respond()
 * (or nd_http_stream_end()) releases the request.
 *
 * Timers, one per connection: header (first byte to end of headers -> 408),
 * body (no progress, or an average under body_min_rate once body_timeout_ms of
 * grace are over -> 408: body_deadline_us), keep-alive (idle -> silent close; a new
 * connection uses the header timeout), send (no write progress for
 * body_timeout_ms -> close), linger (after an error answer, 2 s to drain what
 * the client still sends, so that our answer is not lost to a reset).
 * None while the request is with the callback.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <llhttp.h>

#include "common/buf.h"
#include "common/log.h"
#include "worker/http.h"

#if !LLHTTP_STRICT_MODE
#error "build with -DLLHTTP_STRICT_MODE=1 (the Makefile's LLHTTP_FLAGS): the loose parser smuggles"
#endif

#define RBUF_SIZE        (64 * 1024)    /* per-worker read buffer */
#define IN_MAX           (64 * 1024)    /* unparsed input buffered per connection */
#define OUT_HIGH         (256 * 1024)   /* stop reading/parsing above this */
#define OUT_LOW          (64 * 1024)    /* on_writable below this */
#define WRETRY_MS        10             /* write retry without a wfd (wev_add) */
#define CORK_MAX         (64 * 1024)    /* bigger answers are sent at once */
#define OUT_KEEP         (64 * 1024)    /* drained output buffers above this are freed */
#define REQ_INLINE_BUF   2560
#define REQ_INLINE_HDRS  24
#define FREE_REQS_MAX    64
#define ACCEPT_PAUSE_MS  100
#define ACCEPT_BURST     64             /* accepts per listener wake-up (see accept_cb) */
#define ACCEPT_YIELD_MS  2              /* accepting paused when others are less loaded */
#define FREED_BIG        (64 * 1024)    /* request buffers counted by nd_http_take_freed */
#define LINGER_MS        2000
#define REASON_MAX       512            /* bytes of an app's statusText on the wire */
#define DRAIN_IDLE_MS    1000           /* drain: how long an idle connection may stay */
#define BODY_PREALLOC_MAX (8 * 1024 * 1024) /* announced body bytes reserved up front */
#define RAW_SLACK        4096           /* bytes beyond header + url limits before 431 */
#define PP_MAX           4096           /* a PROXY header (v2 TLVs included), bytes */

enum {
    HS_NONE,
    HS_FIELD,
    HS_VALUE,
};

/* Header-section line-end scanner states (hdr_scan). */
enum {
    HSCAN_START,            /* before a request line: blank lines allowed */
    HSCAN_START_CR,
    HSCAN_LINE,
    HSCAN_CR,
    HSCAN_LF,
    HSCAN_LF_CR,
    HSCAN_END,              /* past the blank line: body, not scanned */
};

/* Timer phases (see the top comment). T_STALE forces the next update to re-arm. */
enum {
    T_NONE,
    T_FIRST,
    T_IDLE,
    T_HEADER,
    T_BODY,
    T_SEND,
    T_LINGER,
    T_STALE,
};

struct ireq {
    struct nd_req  req;             /* first: struct nd_req * <-> struct ireq * */
    struct ireq   *next;            /* free list */
    struct nd_http *http;           /* borrowed: for the accounting in req_reserve */
    size_t         acct;            /* bytes of buf counted in http->body_mem */
    unsigned       over_mem:1;      /* a reserve failed on max_body_memory, not malloc */
    char          *buf;             /* ibuf or owned: target, names, values, body */
    size_t         len;
    size_t         cap;
    struct nd_hdr *hdrs;            /* ihdrs or owned */
    size_t        *offs;            /* ioffs or owned: name and value offset per header */
    int            hcap;
    size_t         body_off;
    size_t         hdr_bytes;       /* names + values + 4 per line */
    int            hstate;
    int            nhost;
    int            host_idx;
    unsigned       url_done:1;
    unsigned       headers_done:1;
    unsigned       in_body:1;
    unsigned       keepalive:1;
    unsigned       expect_bad:1;
    unsigned       expect_continue:1;
    unsigned       te_seen:1;       /* a Transfer-Encoding header */
    unsigned       te_empty:1;      /* ... with an empty value */
    char           ibuf[REQ_INLINE_BUF];
    struct nd_hdr  ihdrs[REQ_INLINE_HDRS];
    size_t         ioffs[2 * REQ_INLINE_HDRS];
};

struct nd_conn {
    struct nd_http     *http;       /* borrowed; NULL once nd_http_free() detached a zombie */
    struct nd_conn     *prev;       /* http->conns, or http->zombies when c->zombie */
    struct nd_conn     *next;
    int                 fd;         /* owned; -1 once closed */
    int                 wfd;        /* owned: dup of fd for wev (wev_add), or -1 */
    struct event        rev;        /* EV_READ */
    struct event        wev;        /* EV_WRITE on wfd, added while output is queued */
    struct event        tev;        /* the timer */
    struct event        kev;        /* activated to resume parsing buffered input */
    struct event        rkev;       /* zero timeout: read on without a new edge (rready) */
    llhttp_t            parser;
    struct ireq        *req;        /* owned: being parsed */
    struct ireq        *ready;      /* owned: parsed, about to go to the callback */
    struct ireq        *pending;    /* with the callback's owner until respond/stream_end */
    struct nd_buf       in;         /* unparsed input (pipelined requests) */
    struct nd_buf       out;        /* output the socket did not take yet */
    size_t              raw;        /* bytes fed outside bodies since the last headers */
    uint64_t            served;     /* requests answered */
    int                 tphase;
    int                 tbody_rate; /* the armed T_BODY timer is the min-rate deadline */
    int                 hscan;      /* HSCAN_*, for the message being parsed */
    int                 busy;       /* callback frames using c: defer the free */
    int                 err_status; /* set by a parser callback that fails */
    const char         *err_msg;
    nd_http_writable_cb on_writable;
    void               *wr_arg;
    unsigned            closed:1;
    unsigned            zombie:1;
    unsigned            in_parse:1;
    unsigned            close_after_write:1;
    unsigned            linger:1;
    unsigned            lingering:1;
    unsigned            rev_on:1;
    unsigned            wev_on:1;
    unsigned            streaming:1;
    unsigned            st_chunked:1;
    unsigned            st_nobody:1;
    unsigned            st_close:1;
    unsigned            want_writable:1;
    unsigned            st_sized:1; /* streaming with Content-Length: st_len */
    unsigned            pp_need:1;  /* a PROXY header must come first */
    unsigned            rready:1;   /* the last read filled its buffer: more may be there */
    unsigned            rdhup:1;    /* epoll saw the peer's FIN (EV_CLOSED): read to the end */
    unsigned            wev_timer:1; /* wev is a retry timer: no descriptor for wfd */
    int64_t             idle_since; /* us (cached clock): when it went idle (T_IDLE) */
    int                 st_status;  /* streaming: status and body bytes, for on_done */
    uint64_t            st_bytes;
    uint64_t            st_len;
    struct sockaddr_storage peer;
};

struct listener {
    struct nd_http *http;
    int             fd;             /* borrowed: the supervisor's */
    struct event    ev;
    unsigned        on:1;
    unsigned        proxy_protocol:1;
};

struct nd_http {
    struct event_base   *base;
    struct nd_http_conf  conf;
    nd_http_request_cb   cb;
    void                *arg;
    struct listener    **ls;        /* owned array of owned listeners */
    int                  nls;
    struct nd_conn      *conns;     /* open connections */
    struct nd_conn      *zombies;   /* closed, request still with the owner */
    int                  nconns;
    size_t               body_mem;  /* bytes of spilled request buffers alive (acct) */
    size_t               freed;     /* bytes of big request buffers freed, for trimming */
    uint64_t             next_id;
    struct event         pause_ev;  /* resumes accepting after EMFILE */
    struct event         done_ev;   /* runs done() on the next loop turn */
    unsigned             accept_paused:1;
    unsigned             draining:1;
    unsigned             done_fired:1;
    unsigned             freeing:1;
    void               (*done)(void *arg);
    void                *done_arg;
    struct timeval       tv_header; /* common timeouts; tv_usec < 0 when disabled */
    struct timeval       tv_body;
    struct timeval       tv_keepalive;
    struct timeval       tv_linger;
    struct timeval       tv_drain;  /* idle while draining: the shortest of DRAIN_IDLE_MS,
                                       the keep-alive and the header timeouts */
    struct ireq         *free_reqs;
    int                  nfree;
    struct nd_conn      *cork_conn; /* the connection in its parse loop */
    struct nd_buf        cork;      /* its answers, sent when the loop ends */
    struct nd_buf        hdr;       /* response head scratch */
    time_t               date_sec;
    time_t               refuse_log_sec;    /* logs about refusals: at most one a second */
    time_t               pp_log_sec;        /* logs about PROXY headers: the same */
    time_t               emfile_log_sec;
    time_t               shed_log_sec;
    time_t               mem_log_sec;
    size_t               date_len;
    char                 date[64];  /* "Date: ...\r\n" */
    char                 rbuf[RBUF_SIZE];
};

static const char  resp_100[] = "HTTP/1.1 100 Continue\r\n\r\n";
static const char  resp_503[] = "HTTP/1.1 503 Service Unavailable\r\n"
                                "Content-Type: text/plain; charset=utf-8\r\n"
                                "Content-Length: 41\r\nConnection: close\r\n\r\n"
                                "Service Unavailable: too many connections\n";

static void conn_close(struct nd_conn *c);
static void conn_update(struct nd_conn *c);
static int conn_writev(struct nd_conn *c, const struct iovec *iov, int n);
static void conn_write_cb(evutil_socket_t fd, short what, void *arg);

static size_t
in_pending(const struct nd_conn *c)
{
    return c->in.len - c->in.off;
}

static size_t
out_pending(const struct nd_conn *c)
{
    size_t n = c->out.len - c->out.off;

    if (c->http != NULL && c->http->cork_conn == c) {
        n += c->http->cork.len;
    }
    return n;
}

/* ---- requests ----------------------------------------------------------- */

static struct ireq *
req_get(struct nd_http *h)
{
    struct ireq *r = h->free_reqs;

    if (r != NULL) {
        h->free_reqs = r->next;
        h->nfree--;
    } else {
        r = malloc(sizeof(*r));
        if (r == NULL) {
            return NULL;
        }
    }
    memset(&r->req, 0, sizeof(r->req));
    r->next = NULL;
    r->http = h;
    r->acct = 0;
    r->over_mem = 0;
    r->buf = r->ibuf;
    r->len = 0;
    r->cap = sizeof(r->ibuf);
    r->hdrs = r->ihdrs;
    r->offs = r->ioffs;
    r->hcap = REQ_INLINE_HDRS;
    r->body_off = 0;
    r->hdr_bytes = 0;
    r->hstate = HS_NONE;
    r->nhost = 0;
    r->host_idx = -1;
    r->url_done = 0;
    r->headers_done = 0;
    r->in_body = 0;
    r->keepalive = 0;
    r->expect_bad = 0;
    r->expect_continue = 0;
    r->te_seen = 0;
    r->te_empty = 0;
    return r;
}

/* h may be NULL (detached zombie): then r is freed. */
static void
req_release(struct nd_http *h, struct ireq *r)
{
    if (r == NULL) {
        return;
    }
    if (r->buf != r->ibuf) {
        free(r->buf);
    }
    if (h != NULL) {
        h->body_mem -= r->acct;
        if (r->acct >= FREED_BIG) {
            h->freed += r->acct;
        }
    }
    r->acct = 0;
    if (r->hdrs != r->ihdrs) {
        free(r->hdrs);
        free(r->offs);
    }
    if (h != NULL && h->nfree < FREE_REQS_MAX) {
        r->buf = r->ibuf;
        r->hdrs = r->ihdrs;
        r->offs = r->ioffs;
        r->next = h->free_reqs;
        h->free_reqs = r;
        h->nfree++;
        return;
    }
    free(r);
}

/* Room for n more bytes plus a NUL. -1 on OOM, or past max_body_memory
 * (r->over_mem). Only while r is parsed (r->http is alive). */
static int
req_reserve(struct ireq *r, size_t n)
{
    struct nd_http *h = r->http;
    size_t          cap;
    char           *p;

    if (r->cap - r->len > n) {
        return 0;
    }
    cap = r->cap * 2;
    while (cap - r->len <= n) {
        cap *= 2;
    }
    if (h->conf.max_body_memory > 0
        && (int64_t) (h->body_mem - r->acct + cap) > h->conf.max_body_memory) {
        r->over_mem = 1;
        return -1;
    }
    if (r->buf == r->ibuf) {
        p = malloc(cap);
        if (p != NULL) {
            memcpy(p, r->buf, r->len);
        }
    } else {
        p = realloc(r->buf, cap);
    }
    if (p == NULL) {
        return -1;
    }
    r->buf = p;
    r->cap = cap;
    h->body_mem += cap - r->acct;
    r->acct = cap;
    return 0;
}

static int
req_append(struct ireq *r, const char *at, size_t n)
{
    if (req_reserve(r, n) == -1) {
        return -1;
    }
    memcpy(r->buf + r->len, at, n);
    r->len += n;
    return 0;
}

static int
req_grow_hdrs(struct ireq *r)
{
    int            cap = r->hcap * 2;
    struct nd_hdr *h;
    size_t        *o;

    h = malloc((size_t) cap * sizeof(*h));
    o = malloc((size_t) cap * 2 * sizeof(*o));
    if (h == NULL || o == NULL) {
        free(h);
        free(o);
        return -1;
    }
    memcpy(h, r->hdrs, (size_t) r->req.nheaders * sizeof(*h));
    memcpy(o, r->offs, (size_t) r->req.nheaders * 2 * sizeof(*o));
    if (r->hdrs != r->ihdrs) {
        free(r->hdrs);
        free(r->offs);
    }
    r->hdrs = h;
    r->offs = o;
    r->hcap = cap;
    return 0;
}

/* ---- response heads ------------------------------------------------------ */

const char *
nd_http_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 102: return "Processing";
    case 103: return "Early Hints";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 207: return "Multi-Status";
    case 208: return "Already Reported";
    case 226: return "IM Used";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 305: return "Use Proxy";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 418: return "I'm a teapot";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Entity";
    case 423: return "Locked";
    case 424: return "Failed Dependency";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 506: return "Variant Also Negotiates";
    case 507: return "Insufficient Storage";
    case 508: return "Loop Detected";
    case 510: return "Not Extended";
    case 511: return "Network Authentication Required";
    default:  return "";
    }
}

/* "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n", formatted once per second. */
static void
date_refresh(struct nd_http *h)
{
    static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
                                        "Aug", "Sep", "Oct", "Nov", "Dec" };
    struct timeval tv;
    struct tm      tm;
    int            n;

    event_base_gettimeofday_cached(h->base, &tv);
    if (tv.tv_sec == h->date_sec && h->date_len > 0) {
        return;
    }
    h->date_sec = tv.tv_sec;
    gmtime_r(&tv.tv_sec, &tm);
    n = snprintf(h->date, sizeof(h->date), "Date: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n",
                 days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
    h->date_len = n > 0 && (size_t) n < sizeof(h->date) ? (size_t) n : 0;
}


static int
has_ctl(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char) s[i];
        if (ch == '\r' || ch == '\n' || ch == '\0') {
            return 1;
        }
    }
    return 0;
}

/* Headers the layer writes itself, or that would break framing. */
static int
hdr_reserved(const struct nd_hdr *hd)
{
    switch (hd->name_len) {
    case 4:
        return strncasecmp(hd->name, "date", 4) == 0;
    case 10:
        return strncasecmp(hd->name, "connection", 10) == 0;
    case 14:
        return strncasecmp(hd->name, "content-length", 14) == 0;
    case 17:
        return strncasecmp(hd->name, "transfer-encoding", 17) == 0;
    default:
        return 0;
    }
}

enum {
    LEN_NONE,       /* no Content-Length (204, 1.0 stream) */
    LEN_CL,         /* Content-Length: clen */
    LEN_CHUNKED,    /* Transfer-Encoding: chunked */
};

/* A reason phrase as RFC 9110 allows it: HTAB, SP, VCHAR, obs-text. */
static int
reason_ok(const char *s, size_t n)
{
    size_t i;

    if (n > REASON_MAX) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char) s[i];
        if (ch != '\t' && (ch < 0x20 || ch == 0x7F)) {
            return 0;
        }
    }
    return 1;
}

/* Builds a response head into h->hdr: the reason phrase is reason (an app's
 * statusText) when given and valid, else the standard one. Returns its
 * length, 0 on OOM. */
static size_t
build_head(struct nd_http *h, const struct nd_req *req, int status, const char *reason,
           size_t rlen, const struct nd_hdr *hdrs, int nhdrs, int lenmode, uint64_t clen,
           int close)
{
    size_t      need;
    char       *p;
    int         i;

    if (reason == NULL || rlen == 0 || !reason_ok(reason, rlen)) {
        reason = nd_http_reason(status);
        rlen = strlen(reason);
    }
    need = 160 + rlen + sizeof(h->date) + 16 + sizeof(req->rid);

    for (i = 0; i < nhdrs; i++) {
        need += hdrs[i].name_len + hdrs[i].value_len + 4;
    }
    if (nd_buf_scratch(&h->hdr, need) == NULL) {
        return 0;
    }
    date_refresh(h);
    p = ND_PUTS(h->hdr.p, "HTTP/1.1 ");
    *p++ = (char) ('0' + status / 100 % 10);
    *p++ = (char) ('0' + status / 10 % 10);
    *p++ = (char) ('0' + status % 10);
    *p++ = ' ';
    p = nd_put(p, reason, rlen);
    p = ND_PUTS(p, "\r\n");
    p = nd_put(p, h->date, h->date_len);
    for (i = 0; i < nhdrs; i++) {
        const struct nd_hdr *hd = &hdrs[i];
        if (hd->name_len == 0 || hdr_reserved(hd) || has_ctl(hd->name, hd->name_len)
            || has_ctl(hd->value, hd->value_len)) {
            continue;       /* dropped: would break the framing or split the response */
        }
        if (req->rid_len > 0 && hd->name_len == 12
            && strncasecmp(hd->name, "x-request-id", 12) == 0) {
            continue;       /* ours is added below */
        }
        p = nd_put(p, hd->name, hd->name_len);
        p = ND_PUTS(p, ": ");
        p = nd_put(p, hd->value, hd->value_len);
        p = ND_PUTS(p, "\r\n");
    }
    if (req->rid_len > 0) {
        p = ND_PUTS(p, "x-request-id: ");
        p = nd_put(p, req->rid, req->rid_len);
        p = ND_PUTS(p, "\r\n");
    }
    if (lenmode == LEN_CL) {
        p = ND_PUTS(p, "Content-Length: ");
        p = nd_put_u64(p, clen);
        p = ND_PUTS(p, "\r\n");
    } else if (lenmode == LEN_CHUNKED) {
        p = ND_PUTS(p, "Transfer-Encoding: chunked\r\n");
    }
    if (close) {
        p = ND_PUTS(p, "Connection: close\r\n\r\n");
    } else {
        p = ND_PUTS(p, "Connection: keep-alive\r\n\r\n");
    }
    h->hdr.len = (size_t) (p - h->hdr.p);
    return h->hdr.len;
}

/* ---- timers and events ------------------------------------------------ */

static const struct timeval *
phase_tv(const struct nd_http *h, int phase)
{
    const struct timeval *tv;

    if (h->draining && (phase == T_FIRST || phase == T_IDLE)) {
        return &h->tv_drain;
    }
    switch (phase) {
    case T_FIRST:
    case T_HEADER:
        tv = &h->tv_header;
        break;
    case T_IDLE:
        tv = &h->tv_keepalive;
        break;
    case T_BODY:
    case T_SEND:
        tv = &h->tv_body;
        break;
    case T_LINGER:
        tv = &h->tv_linger;
        break;
    default:
        return NULL;
    }
    return tv->tv_usec < 0 ? NULL : tv;
}

static int64_t
mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* When the body being read must be complete by, at the least, under
 * body_min_rate (Apache mod_reqtimeout's MinRate): body_timeout_ms of grace after
 * the headers, plus one second per body_min_rate bytes received. INT64_MAX when
 * off. A trickle that always makes some progress (1 byte/s) never trips the
 * between-reads timeout; this cuts it off. */
static int64_t
body_deadline_us(const struct nd_conn *c)
{
    const struct nd_http *h = c->http;
    const struct ireq    *r = c->req;
    int64_t               got;

    if (r == NULL || !r->headers_done || h->conf.body_min_rate <= 0
        || h->conf.body_timeout_ms <= 0) {
        return INT64_MAX;
    }
    got = (int64_t) (r->len - r->body_off);
    return r->req.start_us + h->conf.body_timeout_ms * 1000
           + got / h->conf.body_min_rate * 1000000
           + got % h->conf.body_min_rate * 1000000 / h->conf.body_min_rate;
}

static void
timer_set(struct nd_conn *c, int phase)
{
    const struct timeval *tv;
    struct timeval        left;

    if (phase == c->tphase) {
        return;
    }
    c->tphase = phase;
    tv = phase_tv(c->http, phase);
    c->tbody_rate = 0;
    if (phase == T_IDLE) {
        struct timeval now;
        event_base_gettimeofday_cached(c->http->base, &now);
        c->idle_since = (int64_t) now.tv_sec * 1000000 + now.tv_usec;
    } else if (phase == T_BODY && tv != NULL) {
        int64_t d = body_deadline_us(c);
        if (d != INT64_MAX) {
            int64_t us = d - mono_us();
            if (us < 0) {
                us = 0;
            }
            if (us < (int64_t) tv->tv_sec * 1000000 + tv->tv_usec) {
                left.tv_sec = (time_t) (us / 1000000);
                left.tv_usec = (suseconds_t) (us % 1000000);
                tv = &left;
                c->tbody_rate = 1;
            }
        }
    }
    if (tv == NULL) {
        event_del(&c->tev);
    } else {
        event_add(&c->tev, tv);
    }
}

static int
can_parse(const struct nd_conn *c)
{
    return !c->closed && c->pending == NULL && c->ready == NULL && !c->close_after_write
           && !c->lingering && out_pending(c) <= OUT_HIGH;
}

/* Brings the timer, EV_READ and the resume kick in line with c's state.
 * Not for closed connections. */
static void
conn_update(struct nd_conn *c)
{
    int phase;
    int want;

    if (c->closed) {
        return;
    }
    if (c->lingering) {
        phase = T_LINGER;
    } else if (c->pp_need) {
        phase = T_FIRST;        /* the PROXY header counts as the first request's */
    } else if (c->req != NULL) {
        phase = c->req->headers_done ? T_BODY : T_HEADER;
    } else if (out_pending(c) > 0) {
        phase = T_SEND;
    } else if (c->pending != NULL || c->ready != NULL || in_pending(c) > 0
               || c->close_after_write) {
        phase = T_NONE;
    } else {
        phase = c->served == 0 ? T_FIRST : T_IDLE;
    }
    timer_set(c, phase);

    want = c->lingering || (!c->close_after_write && in_pending(c) < IN_MAX
                            && out_pending(c) <= OUT_HIGH);
    if (want && !c->rev_on) {
        event_add(&c->rev, NULL);
        c->rev_on = 1;
    } else if (!want && c->rev_on) {
        event_del(&c->rev);
        c->rev_on = 0;
    }
    if (want && c->rready) {
        /* Edge-triggered: what is already in the socket brings no new edge. */
        static const struct timeval now0 = { 0, 0 };
        event_add(&c->rkev, &now0);
    }
    if (!c->in_parse && in_pending(c) > 0 && can_parse(c) && !c->pp_need) {
        event_active(&c->kev, EV_TIMEOUT, 1);
    }
}

/* ---- connection lifetime ---------------------------------------------- */

static void
list_unlink(struct nd_conn **head, struct nd_conn *c)
{
    if (c->prev != NULL) {
        c->prev->next = c->next;
    } else {
        *head = c->next;
    }
    if (c->next != NULL) {
        c->next->prev = c->prev;
    }
    c->prev = NULL;
    c->next = NULL;
}

static void
list_push(struct nd_conn **head, struct nd_conn *c)
{
    c->prev = NULL;
    c->next = *head;
    if (*head != NULL) {
        (*head)->prev = c;
    }
    *head = c;
}

static void
drain_check(struct nd_http *h)
{
    if (h->draining && !h->done_fired && !h->freeing && h->nconns == 0) {
        event_active(&h->done_ev, EV_TIMEOUT, 1);
    }
}

/* Closes the fd and stops every event now. The memory goes when nobody uses
 * it (conn_maybe_free). A request with the owner is marked aborted. */
static void
conn_close(struct nd_conn *c)
{
    struct nd_http *h = c->http;

    if (c->closed) {
        return;
    }
    c->closed = 1;
    event_del(&c->rev);
    event_del(&c->wev);
    event_del(&c->tev);
    event_del(&c->kev);
    event_del(&c->rkev);
    c->rev_on = 0;
    c->wev_on = 0;
    c->tphase = T_NONE;
    close(c->fd);
    c->fd = -1;
    if (c->wfd != -1) {
        close(c->wfd);
        c->wfd = -1;
    }
    if (c->pending != NULL) {
        c->pending->req.aborted = 1;
        if (c->streaming && c->on_writable != NULL) {
            event_active(&c->kev, EV_TIMEOUT, 1);   /* tell the producer (req->aborted) */
        }
    }
    if (h != NULL) {
        if (h->cork_conn == c) {
            nd_buf_reset(&h->cork);
        }
        list_unlink(&h->conns, c);
        h->nconns--;
        if (h->conf.nconns_out != NULL) {
            *h->conf.nconns_out = h->nconns;
        }
        if (c->pending != NULL) {
            list_push(&h->zombies, c);
            c->zombie = 1;
        }
        drain_check(h);
    }
}

static void
conn_maybe_free(struct nd_conn *c)
{
    if (!c->closed || c->busy > 0 || c->pending != NULL) {
        return;
    }
    if (c->http != NULL) {
        event_del(&c->kev);     /* a detached zombie's events were deleted by nd_http_free */
        if (c->zombie) {
            list_unlink(&c->http->zombies, c);
        }
    }
    req_release(c->http, c->req);
    req_release(c->http, c->ready);
    nd_buf_free(&c->in);
    nd_buf_free(&c->out);
    free(c);
}

/* Closes (or starts lingering) once an answer that ends the connection is out. */
/* End of a callback that held c busy: free it if it closed meanwhile, else
 * re-arm its events. */
static void
conn_leave(struct nd_conn *c)
{
    c->busy--;
    if (c->closed) {
        conn_maybe_free(c);
    } else {
        conn_update(c);
    }
}

static void
conn_check_close(struct nd_conn *c)
{
    if (c->closed || !c->close_after_write || c->lingering || out_pending(c) > 0) {
        return;
    }
    if (!c->linger) {
        conn_close(c);
        return;
    }
    /* Our answer is out: half-close and discard what the client still sends for
     * a while, so that closing with unread data does not reset the answer away. */
    shutdown(c->fd, SHUT_WR);
    c->lingering = 1;
    nd_buf_clear(&c->in, 0);
    conn_update(c);
}

/* ---- writing -------------------------------------------------------------- */

/* Waits for room in the socket. Reads are edge-triggered (conn_new), writes
 * stay level-triggered: with EV_ET on the write event too, a pipelined stream
 * after a big answer (test_http big_bodies_backpressure) waited for a write
 * edge that did not come within the send timeout in about half the runs under
 * load, even with every write taken to EAGAIN. libevent wants one mode per fd,
 * so the write event watches a dup() of the socket (epoll keys on the file and
 * the descriptor), made on the first write that has to wait; a hello never
 * needs it. Without a descriptor to spare (EMFILE), the write is retried
 * every WRETRY_MS instead of failing the connection. */
static void
wev_add(struct nd_conn *c)
{
    static const struct timeval retry = { 0, WRETRY_MS * 1000 };

    if (c->wfd == -1 && !c->wev_timer) {
        c->wfd = fcntl(c->fd, F_DUPFD_CLOEXEC, 0);
        if (c->wfd == -1) {
            event_assign(&c->wev, c->http->base, -1, EV_PERSIST, conn_write_cb, c);
            c->wev_timer = 1;
        } else {
            event_assign(&c->wev, c->http->base, c->wfd, EV_WRITE | EV_PERSIST,
                         conn_write_cb, c);
        }
    }
    event_add(&c->wev, c->wev_timer ? &retry : NULL);
    c->wev_on = 1;
}

/* Sends queued output, the cork (when c owns it) and iov, in that order, with
 * one sendmsg(); keeps what the socket did not take. 0, or -1 when the
 * connection is gone (closed here). */
static int
conn_writev(struct nd_conn *c, const struct iovec *iov, int n)
{
    struct nd_http *h = c->http;
    struct iovec    v[8];
    struct msghdr   m;
    size_t          skip, total = 0;
    ssize_t         w = 0;
    int             k = 0, i, first_out = 0, corked;

    if (c->closed) {
        return -1;
    }
    corked = h != NULL && h->cork_conn == c && h->cork.len > 0;
    if (c->out.len > c->out.off) {
        v[k].iov_base = c->out.p + c->out.off;
        v[k++].iov_len = c->out.len - c->out.off;
        first_out = 1;
    }
    if (corked) {
        v[k].iov_base = h->cork.p;
        v[k++].iov_len = h->cork.len;
    }
    for (i = 0; i < n && k < (int) (sizeof(v) / sizeof(v[0])); i++) {
        if (iov[i].iov_len > 0) {
            v[k++] = iov[i];
        }
    }
    for (i = 0; i < k; i++) {
        total += v[i].iov_len;
    }
    if (total == 0) {
        return 0;
    }
    if (!c->wev_on) {       /* else the socket is known to be full: just queue */
        memset(&m, 0, sizeof(m));
        m.msg_iov = v;
        m.msg_iovlen = (size_t) k;
        do {
            w = sendmsg(c->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
        } while (w == -1 && errno == EINTR);
        if (w == -1) {
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                conn_close(c);      /* EPIPE, ECONNRESET...: the client is gone */
                return -1;
            }
            w = 0;
        }
    }
    skip = (size_t) w;
    i = 0;
    if (first_out) {
        size_t used = skip < v[0].iov_len ? skip : v[0].iov_len;
        c->out.off += used;
        skip -= used;
        i = 1;
    }
    for (; i < k; i++) {
        if (skip >= v[i].iov_len) {
            skip -= v[i].iov_len;
            continue;
        }
        if (nd_buf_add(&c->out, (const char *) v[i].iov_base + skip,
                         v[i].iov_len - skip) == -1) {
            nd_log(ND_LOG_ERROR, NULL, "out of memory queueing %zu bytes of a response",
                   v[i].iov_len - skip);
            conn_close(c);
            return -1;
        }
        skip = 0;
    }
    if (corked) {
        nd_buf_reset(&h->cork);
    }
    if (c->out.off == c->out.len) {
        nd_buf_clear(&c->out, OUT_KEEP);
        if (c->wev_on) {
            event_del(&c->wev);
            c->wev_on = 0;
        }
    } else {
        if (!c->wev_on) {
            wev_add(c);
        }
        if (w > 0 && c->tphase == T_SEND) {
            c->tphase = T_STALE;    /* progress: restart the send timeout */
        }
    }
    return 0;
}

/* Queues iov after c's earlier output: into the cork when c is in its parse
 * loop and the answer is small, else writes now. 0, or -1 (closed). */
static int
conn_send(struct nd_conn *c, const struct iovec *iov, int n)
{
    struct nd_http *h = c->http;
    size_t          total = 0;
    int             i;

    if (c->closed) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        total += iov[i].iov_len;
    }
    if (h->cork_conn == c && h->cork.len + total <= CORK_MAX) {
        for (i = 0; i < n; i++) {
            if (nd_buf_add(&h->cork, iov[i].iov_base, iov[i].iov_len) == -1) {
                conn_close(c);
                return -1;
            }
        }
        return 0;
    }
    return conn_writev(c, iov, n);
}

static void
conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
    struct nd_conn *c = arg;
    ssize_t         w;

    c->busy++;
    do {
        w = send(c->fd, c->out.p + c->out.off, c->out.len - c->out.off,
                 MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (w == -1 && errno == EINTR);
    if (w == -1 && errno != EAGAIN && errno != EWOULDBLOCK) {
        conn_close(c);
        goto out;
    }
    if (w > 0) {
        c->out.off += (size_t) w;
        if (c->tphase == T_SEND) {
            c->tphase = T_STALE;
        }
    }
    if (c->out.off == c->out.len) {
        nd_buf_clear(&c->out, OUT_KEEP);
        event_del(&c->wev);
        c->wev_on = 0;
    }
    if (c->want_writable && c->pending != NULL && out_pending(c) <= OUT_LOW) {
        c->want_writable = 0;
        if (c->on_writable != NULL) {
            c->on_writable(&c->pending->req, c->wr_arg);
        }
    }
    conn_check_close(c);
out:
    conn_leave(c);
}

/* The layer's own plain-text answer; ends the connection. Not from inside
 * llhttp_execute (it releases the request being parsed). */
static void
conn_fail(struct nd_conn *c, int status, const char *msg)
{
    struct nd_hdr ctype = { "Content-Type", 12, "text/plain; charset=utf-8", 25 };
    struct iovec  iov[3];
    size_t        mlen = strlen(msg);
    size_t        hlen;
    int           head = c->req != NULL && c->req->headers_done && c->req->req.head;
    static const struct nd_req noreq;   /* no request id on the layer's own errors */

    req_release(c->http, c->req);
    c->req = NULL;
    if (c->closed) {
        return;
    }
    c->close_after_write = 1;
    c->linger = 1;
    hlen = build_head(c->http, &noreq, status, NULL, 0, &ctype, 1, LEN_CL, mlen + 1, 1);
    if (hlen == 0) {
        conn_close(c);
        return;
    }
    iov[0].iov_base = c->http->hdr.p;
    iov[0].iov_len = hlen;
    iov[1].iov_base = (void *) msg;
    iov[1].iov_len = mlen;
    iov[2].iov_base = (void *) "\n";
    iov[2].iov_len = 1;
    if (conn_send(c, iov, head ? 1 : 3) == 0 && !c->in_parse) {
        conn_check_close(c);
    }
}

/* req->client: the peer, or, when the peer is a trusted proxy, the rightmost untrusted
 * hop of X-Forwarded-For (all its lines), or of Forwarded when there is no XFF. */
static void
set_client(struct nd_http *h, struct nd_req *req)
{
    struct nd_realip w;
    struct nd_ip     peer;
    int              i, fwd;

    nd_ip_from_sockaddr(&req->peer, &peer);
    nd_realip_init(&w, &peer, h->conf.trusted, h->conf.ntrusted);
    for (fwd = 0; fwd < 2 && !w.done; fwd++) {
        const char *name = fwd ? "forwarded" : "x-forwarded-for";
        size_t      nl = strlen(name);
        int         seen = 0;

        for (i = req->nheaders - 1; i >= 0 && !w.done; i--) {
            const struct nd_hdr *x = &req->headers[i];
            if (x->name_len == nl && strncasecmp(x->name, name, nl) == 0) {
                nd_realip_feed(&w, x->value, x->value_len, fwd);
                seen = 1;
            }
        }
        if (seen) {
            break;                          /* X-Forwarded-For wins over Forwarded */
        }
    }
    req->client = w.client;
}

/* ---- llhttp callbacks (inside llhttp_execute: no I/O, no frees) ---------- */

static int
cb_error(struct nd_conn *c, int status, const char *msg)
{
    if (c->err_status == 0) {
        c->err_status = status;
        c->err_msg = msg;
    }
    return -1;
}

/* A req_reserve that failed: past max_body_memory (503, the client may retry),
 * or malloc (500). */
static int
mem_error(struct nd_conn *c)
{
    struct nd_http *h = c->http;
    time_t          now;

    if (c->req == NULL || !c->req->over_mem) {
        return cb_error(c, 500, "Internal Server Error: out of memory");
    }
    now = time(NULL);
    if (now != h->mem_log_sec) {
        h->mem_log_sec = now;
        nd_log(ND_LOG_WARN, NULL, "max_body_memory (%lld bytes) reached by request buffers in "
               "flight: answering 503", (long long) h->conf.max_body_memory);
    }
    return cb_error(c, 503, "Service Unavailable: the server holds too much request data in "
                    "flight (max_body_memory); retry later");
}

#define OOM(c) mem_error(c)

static int
on_message_begin(llhttp_t *p)
{
    struct nd_conn *c = p->data;

    c->req = req_get(c->http);
    if (c->req == NULL) {
        return OOM(c);
    }
    return 0;
}

static int
on_url(llhttp_t *p, const char *at, size_t len)
{
    struct nd_conn *c = p->data;
    struct ireq    *r = c->req;
    int64_t         max = c->http->conf.max_url_size;
    size_t          i;

    if (max > 0 && (int64_t) (r->len + len) > max) {
        return cb_error(c, 414, "URI Too Long");
    }
    for (i = 0; i < len; i++) {
        if ((unsigned char) at[i] >= 0x80) {    /* llhttp 9 strict rejects it too */
            return cb_error(c, 400, "Bad Request: Invalid char in url path");
        }
    }
    return req_append(r, at, len) == 0 ? 0 : OOM(c);
}

static int
on_url_complete(llhttp_t *p)
{
    struct nd_conn *c = p->data;
    struct ireq    *r = c->req;

    r->req.target_len = r->len;
    r->url_done = 1;
    return req_append(r, "", 1) == 0 ? 0 : OOM(c);
}

static int
hdr_bytes_add(struct nd_conn *c, struct ireq *r, size_t n)
{
    int64_t max = c->http->conf.max_header_size;

    r->hdr_bytes += n;
    if (max > 0 && (int64_t) r->hdr_bytes > max) {
        return cb_error(c, 431, "Request Header Fields Too Large");
    }
    return 0;
}

static int
on_header_field(llhttp_t *p, const char *at, size_t len)
{
    struct nd_conn *c = p->data;
    struct ireq    *r = c->req;

    if (r->headers_done) {
        return hdr_bytes_add(c, r, len);    /* a trailer: counted, not kept */
    }
    if (r->hstate != HS_FIELD) {
        if (r->req.nheaders == r->hcap && req_grow_hdrs(r) == -1) {
            return OOM(c);
        }
        r->offs[2 * r->req.nheaders] = r->len;
        r->offs[2 * r->req.nheaders + 1] = r->len;
        r->req.nheaders++;
        r->hstate = HS_FIELD;
        if (hdr_bytes_add(c, r, 4) == -1) {    /* ": " and CRLF */
            return -1;
        }
    }
    if (hdr_bytes_add(c, r, len) == -1) {
        return -1;
    }
    return req_append(r, at, len) == 0 ? 0 : OOM(c);
}

static int
on_header_field_complete(llhttp_t *p)
{
    struct nd_conn *c = p->data;
    struct ireq    *r = c->req;
    int             i = r->req.nheaders - 1;

    if (r->headers_done) {
        return 0;
    }
    if (r->hstate != HS_FIELD) {
        return cb_error(c, 400, "Bad Request: empty header name");  /* llhttp rejects first */
    }
    r->hdrs[i].name_len = r->len - r->offs[2 * i];
    return req_append(r, "", 1) == 0 ? 0 : OOM(c);
}

static int
on_header_value(llhttp_t *p, const char *at, size_t len)
{
    struct nd_conn *c = p->data;
    struct ireq    *r = c->req;

    if (r->headers_done) {
        return hdr_bytes_add(c, r, len);
    }
    if (r->hstate != HS_VALUE) {
        r->offs[2 * (r->req.nheaders - 1) + 1] = r->len;
        r->hstate = HS_VALUE;
    }
    if (hdr_bytes_add(c, r, len) == -1) {
        return -1;
    }
    return req_append(r, at, len) == 0 ? 0 : OOM(c);
}

static int
on_header_value_complete(llhttp_t *p)
{
    struct nd_conn *c = p->data;
    struct ireq    *r = c->req;
    int             i = r->req.nheaders - 1;
    const char     *name, *s, *e;
    size_t          nlen;

    if (r->headers_done) {
        return 0;
    }
    if (i < 0) {
        return cb_error(c, 400, "Bad Request: header value without a name");
    }
    if (r->hstate != HS_VALUE) {
        r->offs[2 * i + 1] = r->len;    /* empty value: no on_header_value */
    }
    r->hstate = HS_NONE;
    s = r->buf + r->offs[2 * i + 1];
    e = r->buf + r->len;
    while (s < e && (*s == ' ' || *s == '\t')) {
        s++;
    }
    while (e > s && (e[-1] == ' ' || e[-1] == '\t')) {
        e--;
    }
    r->offs[2 * i + 1] = (size_t) (s - r->buf);
    r->hdrs[i].value_len = (size_t) (e - s);
    r->len = (size_t) (e - r->buf);
    if (req_append(r, "", 1) == -1) {
        return OOM(c);
    }
    name = r->buf + r->offs[2 * i];
    nlen = r->hdrs[i].name_len;
    if (nlen == 4 && strncasecmp(name, "host", 4) == 0) {
        r->nhost++;
        r->host_idx = i;
    } else if (nlen == 17 && strncasecmp(name, "transfer-encoding", 17) == 0) {
        r->te_seen = 1;
        if (r->hdrs[i].value_len == 0) {
            r->te_empty = 1;
        }
    } else if (nlen == 6 && strncasecmp(name, "expect", 6) == 0) {
        if (r->hdrs[i].value_len == 12
            && strncasecmp(r->buf + r->offs[2 * i + 1], "100-continue", 12) == 0) {
            r->expect_continue = 1;
        } else {
            r->expect_bad = 1;
        }
    }
    return 0;
}

static int
on_headers_complete(llhttp_t *p)
{
    struct nd_conn *c = p->data;
    struct nd_http *h = c->http;
    struct ireq    *r = c->req;
    int             has_body = (p->flags & F_CHUNKED) || p->content_length > 0;
    int64_t         max = h->conf.max_body_size;

    if (!r->url_done) {
        r->req.target_len = r->len;
        r->url_done = 1;
        if (req_append(r, "", 1) == -1) {
            return OOM(c);
        }
    }
    r->headers_done = 1;
    c->raw = 0;
    r->req.http_major = p->http_major;
    r->req.http_minor = p->http_minor;
    r->req.method = llhttp_method_name((llhttp_method_t) p->method);
    r->req.method_len = strlen(r->req.method);
    r->req.head = p->method == HTTP_HEAD;
    if (p->http_major != 1) {
        return cb_error(c, 505, "HTTP Version Not Supported");
    }
    if (r->nhost > 1) {
        return cb_error(c, 400, "Bad Request: multiple Host headers");
    }
    if (r->nhost == 0 && p->http_minor >= 1) {
        return cb_error(c, 400, "Bad Request: missing Host header");
    }
    if (p->method == HTTP_CONNECT) {
        return cb_error(c, 501, "Not Implemented: CONNECT");
    }
    /* llhttp 8.1 ignores an empty Transfer-Encoding and frames by Content-Length; a
     * proxy in front may not (Node answers 400): never guess the framing. */
    if (r->te_empty) {
        return cb_error(c, 400, "Bad Request: empty Transfer-Encoding header");
    }
    if (r->te_seen && (p->flags & F_CONTENT_LENGTH)) {
        return cb_error(c, 400, "Bad Request: both Content-Length and Transfer-Encoding");
    }
    if (r->expect_bad) {
        return cb_error(c, 417, "Expectation Failed: only 100-continue is supported");
    }
    if (max > 0 && (p->flags & F_CONTENT_LENGTH) && !(p->flags & F_CHUNKED)
        && p->content_length > (uint64_t) max) {
        return cb_error(c, 413, "Payload Too Large");
    }
    if (r->expect_continue && has_body && p->http_minor >= 1) {
        struct iovec iov = { (void *) resp_100, sizeof(resp_100) - 1 };
        /* Corked (we are in the parse loop): sent when this read is parsed. */
        conn_send(c, &iov, 1);
    }
    if ((p->flags & F_CONTENT_LENGTH) && !(p->flags & F_CHUNKED) && p->content_length > 0
        && req_reserve(r, (size_t) (p->content_length < BODY_PREALLOC_MAX
                                    ? p->content_length : BODY_PREALLOC_MAX)) == -1) {
        return OOM(c);
    }
    r->body_off = r->len;
    r->in_body = has_body != 0;
    r->req.start_us = mono_us();
    return 0;
}

static int
on_body(llhttp_t *p, const char *at, size_t len)
{
    struct nd_conn *c = p->data;
    struct ireq    *r = c->req;
    int64_t         max = c->http->conf.max_body_size;

    if (max > 0 && (int64_t) (r->len - r->body_off + len) > max) {
        return cb_error(c, 413, "Payload Too Large");
    }
    return req_append(r, at, len) == 0 ? 0 : OOM(c);
}

static int
on_message_complete(llhttp_t *p)
{
    struct nd_conn *c = p->data;
    struct nd_http *h = c->http;
    struct ireq    *r = c->req;
    int             i;

    if (req_reserve(r, 0) == -1) {
        return OOM(c);
    }
    r->buf[r->len] = '\0';
    r->req.body = r->buf + r->body_off;
    r->req.body_len = r->len - r->body_off;
    r->req.target = r->buf;
    for (i = 0; i < r->req.nheaders; i++) {
        r->hdrs[i].name = r->buf + r->offs[2 * i];
        r->hdrs[i].value = r->buf + r->offs[2 * i + 1];
    }
    r->req.headers = r->hdrs;
    if (r->host_idx >= 0) {
        r->req.host = r->hdrs[r->host_idx].value;
        r->req.host_len = r->hdrs[r->host_idx].value_len;
    }
    /* Must be asked here: llhttp clears the flags after this callback. An
     * upgrade is served as a plain request, then the connection closes. */
    r->keepalive = llhttp_should_keep_alive(p) && !p->upgrade;
    r->in_body = 0;
    r->req.id = ++h->next_id;
    r->req.peer = c->peer;
    set_client(h, &r->req);
    r->req.conn = c;
    c->ready = r;
    c->req = NULL;
    c->hscan = HSCAN_START;
    return HPE_PAUSED;
}

/* GLOBAL: read-only callback table; llhttp keeps a pointer to it. */
static const llhttp_settings_t parser_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
    .on_url_complete = on_url_complete,
    .on_header_field_complete = on_header_field_complete,
    .on_header_value_complete = on_header_value_complete,
};

/* ---- parsing ---------------------------------------------------------------- */

/* RFC 9112 2.2: a bare CR in the header section is invalid. llhttp 8.1 takes
 * CR + any byte as a line end in places (CR CR ends the headers, "x:\rT"
 * starts a header "ransfer-..."), a request-smuggling vector fixed in llhttp 9.
 * Scans the header section's bytes (not the body) for it; memchr skips the
 * rest. 0, or -1 on a bare CR. */
static int
hdr_scan(struct nd_conn *c, const char *p, size_t n)
{
    const char *e = p + n;
    int         s = c->hscan;

    while (p < e && s != HSCAN_END) {
        if (s == HSCAN_LINE) {
            const char *cr = memchr(p, '\r', (size_t) (e - p));
            if (cr == NULL) {
                break;
            }
            p = cr + 1;
            s = HSCAN_CR;
            continue;
        }
        switch (s) {
        case HSCAN_START:
            s = *p == '\r' ? HSCAN_START_CR : *p == '\n' ? HSCAN_START : HSCAN_LINE;
            break;
        case HSCAN_START_CR:
            if (*p != '\n') {
                return -1;
            }
            s = HSCAN_START;
            break;
        case HSCAN_CR:
            if (*p != '\n') {
                return -1;
            }
            s = HSCAN_LF;
            break;
        case HSCAN_LF:
            /* CRLF LF also ends the headers for llhttp 8.1 (RFC 9112 2.2 allows a bare
             * LF line end): stop there too, or the body would be scanned. */
            s = *p == '\r' ? HSCAN_LF_CR : *p == '\n' ? HSCAN_END : HSCAN_LINE;
            break;
        default:    /* HSCAN_LF_CR */
            if (*p != '\n') {
                return -1;
            }
            s = HSCAN_END;
            break;
        }
        p++;
    }
    c->hscan = s;
    return 0;
}

static void
conn_parse_error(struct nd_conn *c, enum llhttp_errno err)
{
    char msg[160];

    if (c->err_status != 0) {
        conn_fail(c, c->err_status, c->err_msg);
        return;
    }
    snprintf(msg, sizeof(msg), "Bad Request: %s",
             llhttp_get_error_reason(&c->parser) != NULL
             ? llhttp_get_error_reason(&c->parser) : llhttp_errno_name(err));
    conn_fail(c, 400, msg);
}

/* Parses data (c->in's unparsed bytes when from_in, else the shared read
 * buffer) and hands out complete requests, one at a time. */
static void
conn_parse(struct nd_conn *c, const char *data, size_t len, int from_in)
{
    struct nd_http *h = c->http;
    int64_t         raw_max = 0;
    int             failed = 0;

    if (h->conf.max_header_size > 0 && h->conf.max_url_size > 0) {
        raw_max = h->conf.max_header_size + h->conf.max_url_size + RAW_SLACK;
    }
    c->busy++;
    c->in_parse = 1;
    h->cork_conn = c;
    while (len > 0 && can_parse(c)) {
        int               hdr_phase = c->req == NULL || !c->req->headers_done;
        enum llhttp_errno err;
        size_t            used;

        if (hdr_phase && hdr_scan(c, data, len) == -1) {
            conn_fail(c, 400, "Bad Request: bare CR in the header section");
            failed = 1;
            break;
        }
        err = llhttp_execute(&c->parser, data, len);

        if (c->closed) {
            break;      /* a write inside a callback (100 Continue) found the client gone */
        }
        if (err == HPE_OK) {
            used = len;
        } else if (err == HPE_PAUSED && c->ready != NULL) {
            used = (size_t) (llhttp_get_error_pos(&c->parser) - data);
        } else {
            conn_parse_error(c, err);
            failed = 1;
            break;
        }
        if (hdr_phase && c->ready == NULL && (c->req == NULL || !c->req->headers_done)) {
            /* Bounds what the span counts miss (whitespace, blank lines). */
            c->raw += used;
            if (raw_max > 0 && (int64_t) c->raw > raw_max) {
                conn_fail(c, 431, "Request Header Fields Too Large");
                failed = 1;
                break;
            }
        }
        if (c->req != NULL && c->req->headers_done && c->tphase == T_BODY) {
            c->tphase = T_STALE;        /* body progress: restart the body timeout */
        }
        data += used;
        len -= used;
        if (c->ready != NULL) {
            struct ireq *r = c->ready;
            c->ready = NULL;
            c->pending = r;
            c->raw = 0;
            h->cb(&r->req, h->arg);
            if (c->closed) {
                break;
            }
        }
    }
    if (!c->closed) {
        if (failed || len == 0 || c->close_after_write) {
            if (len > 0 && c->close_after_write) {
                c->linger = 1;  /* unread requests: do not reset our last answer away */
            }
            if (from_in) {
                nd_buf_clear(&c->in, 0);
            }
        } else if (from_in) {
            c->in.off = (size_t) (data - c->in.p);
        } else if (nd_buf_add(&c->in, data, len) == -1) {
            conn_close(c);
        }
    }
    if (!c->closed && h->cork.len > 0) {
        conn_writev(c, NULL, 0);
    }
    h->cork_conn = NULL;
    nd_buf_reset(&h->cork);
    c->in_parse = 0;
    conn_check_close(c);
    c->busy--;
}

/* A connection refused on a proxy_protocol listener: one warning a second at most. */
static void
pp_refuse(struct nd_http *h, const struct sockaddr_storage *peer, const char *why)
{
    time_t       now = time(NULL);
    struct nd_ip ip;
    char         a[64];

    if (now == h->pp_log_sec) {
        return;
    }
    h->pp_log_sec = now;
    nd_ip_from_sockaddr(peer, &ip);
    nd_ip_format(&ip, a, sizeof(a));
    nd_log(ND_LOG_WARN, NULL, "proxy_protocol listener: closing the connection from %s: %s "
           "(further ones this second not logged)", a, why);
}

/* Edge-triggered reads (conn_new): whether the socket may hold more than one
 * recv() of `asked` bytes took. A full read may have left data; so may a recv
 * a signal interrupted before it read anything (its edge is spent). */
static int
read_again(ssize_t n, size_t asked)
{
    return n == (ssize_t) asked || (n == -1 && errno == EINTR);
}

/* Reads the PROXY header (and whatever follows, kept for the parser). Returns
 * recv()'s result, or -2 when the connection was closed here. */
static ssize_t
pp_read(struct nd_conn *c)
{
    struct nd_http     *h = c->http;
    struct nd_proxy_hdr ph;
    char                msg[160];
    size_t              room = PP_MAX - in_pending(c);
    ssize_t             n;
    int                 used;

    if (nd_buf_reserve(&c->in, room) == -1) {
        conn_close(c);
        return -2;
    }
    n = recv(c->fd, c->in.p + c->in.len, room, MSG_DONTWAIT);
    c->rready = read_again(n, room);
    if (n <= 0) {
        return n;
    }
    c->in.len += (size_t) n;
    used = nd_proxy_parse((const uint8_t *) c->in.p + c->in.off, in_pending(c), &ph, msg,
                          sizeof(msg));
    if (used == 0 && in_pending(c) >= PP_MAX) {
        snprintf(msg, sizeof(msg), "PROXY header longer than %d bytes", PP_MAX);
        used = -1;
    }
    if (used == -1) {
        pp_refuse(h, &c->peer, msg);
        conn_close(c);
        return -2;
    }
    if (used == 0) {
        return n;                           /* more to come, within the header timeout */
    }
    c->in.off += (size_t) used;
    c->pp_need = 0;
    if (!ph.local) {
        struct sockaddr_storage ss;

        memset(&ss, 0, sizeof(ss));
        if (ph.src.family == AF_INET) {
            struct sockaddr_in *sin = (struct sockaddr_in *) &ss;
            sin->sin_family = AF_INET;
            memcpy(&sin->sin_addr, ph.src.addr, 4);
            sin->sin_port = htons(ph.src_port);
        } else {
            struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;
            sin6->sin6_family = AF_INET6;
            memcpy(&sin6->sin6_addr, ph.src.addr, 16);
            sin6->sin6_port = htons(ph.src_port);
        }
        c->peer = ss;
    }
    if (in_pending(c) > 0) {
        conn_parse(c, c->in.p + c->in.off, in_pending(c), 1);
    } else {
        nd_buf_clear(&c->in, 0);
    }
    return n;
}

static void
conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
    struct nd_conn *c = arg;
    struct nd_http *h = c->http;
    ssize_t         n;

    /* Edge-triggered: a read shorter than asked saw all there was (more data
     * makes a new edge); a full one leaves c->rready set and conn_update
     * comes back through c->rkev (also when reading stopped for backpressure). */
    c->busy++;
    if (what & EV_CLOSED) {
        c->rdhup = 1;
    }
    c->rready = 1;
    if (c->pp_need) {
        n = pp_read(c);
        if (n == -2) {
            goto out;
        }
    } else if (c->lingering) {
        n = recv(fd, h->rbuf, sizeof(h->rbuf), MSG_DONTWAIT);
        c->rready = read_again(n, sizeof(h->rbuf));
    } else if (can_parse(c) && in_pending(c) == 0) {
        n = recv(fd, h->rbuf, sizeof(h->rbuf), MSG_DONTWAIT);
        c->rready = read_again(n, sizeof(h->rbuf));
        if (n > 0) {
            conn_parse(c, h->rbuf, (size_t) n, 0);
        }
    } else {
        /* Busy (a request is with the owner, or output is backed up): buffer a
         * little, which also notices a hang-up. */
        size_t room = in_pending(c) < IN_MAX ? IN_MAX - in_pending(c) : 0;

        if (room > 16384) {
            room = 16384;
        }
        if (room == 0) {
            goto out;
        }
        if (nd_buf_reserve(&c->in, room) == -1) {
            conn_close(c);
            goto out;
        }
        n = recv(fd, c->in.p + c->in.len, room, MSG_DONTWAIT);
        c->rready = read_again(n, room);
        if (n > 0) {
            c->in.len += (size_t) n;
            if (can_parse(c)) {
                conn_parse(c, c->in.p + c->in.off, in_pending(c), 1);
            }
        }
    }
    if (c->rdhup) {
        /* Data and the FIN came in one edge: a short read took the data, only
         * the next recv() sees the end, and no new edge will say so. */
        c->rready = 1;
    }
    if (n == 0 || (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        conn_close(c);      /* hang-up: silent; a pending request becomes aborted */
    }
out:
    conn_leave(c);
}

/* Reads on what an edge announced and one read did not take (c->rready). */
static void
conn_rresume_cb(evutil_socket_t fd, short what, void *arg)
{
    struct nd_conn *c = arg;

    if (!c->closed && c->rev_on && c->rready) {
        conn_read_cb(c->fd, EV_READ, c);
    }
}

/* Resumes parsing buffered input after an answer given outside the parse loop. */
static void
conn_kick_cb(evutil_socket_t fd, short what, void *arg)
{
    struct nd_conn *c = arg;

    c->busy++;
    if (c->closed) {
        /* A stream lost its client: let the producer find out (req->aborted;
         * its next write returns -1), waiting for on_writable or not. */
        if (c->pending != NULL && c->streaming && c->on_writable != NULL) {
            c->want_writable = 0;
            c->on_writable(&c->pending->req, c->wr_arg);
        }
    } else if (can_parse(c) && in_pending(c) > 0) {
        conn_parse(c, c->in.p + c->in.off, in_pending(c), 1);
    }
    conn_leave(c);
}

static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    struct nd_conn *c = arg;
    int             phase = c->tphase;
    char            peek[1];

    c->tphase = T_NONE;     /* fired: no longer pending */
    c->busy++;
    switch (phase) {
    case T_HEADER:
        conn_fail(c, 408, "Request Timeout");
        break;
    case T_BODY:
        /* Which timer this was, not a clock reading: libevent measures the
         * timeout from its cached loop time and may fire before mono_us()
         * reaches the deadline (a plain 408 then hid the reason). */
        if (c->tbody_rate) {
            conn_fail(c, 408, "Request Timeout: the request body came slower than "
                      "client_body_min_rate");
        } else {
            conn_fail(c, 408, "Request Timeout");
        }
        break;
    case T_FIRST:
    case T_IDLE:
        /* A request that arrived in this very loop turn is not reset away: the read
         * event takes it (and re-arms the timer). */
        if (recv(c->fd, peek, sizeof(peek), MSG_PEEK | MSG_DONTWAIT) > 0) {
            break;
        }
        conn_close(c);
        break;
    default:                /* send, linger: silent close */
        conn_close(c);
        break;
    }
    conn_leave(c);
}

/* ---- accepting ----------------------------------------------------------- */

static struct nd_conn *
conn_new(struct nd_http *h, int fd, const struct sockaddr_storage *peer)
{
    struct nd_conn *c = calloc(1, sizeof(*c));
    int             one = 1;

    if (c == NULL) {
        return NULL;
    }
    c->http = h;
    c->fd = fd;
    c->peer = *peer;
    c->tphase = T_NONE;
    /* Edge-triggered, like nginx: a level-triggered socket goes back on epoll's
     * ready list each time it is reported, so the connections served in one loop
     * turn come first again in the next, ahead of requests that waited longer
     * (README, "Many connections"). A read that fills its buffer, or reading
     * stopped for backpressure, leaves c->rready: conn_update resumes it. */
    event_assign(&c->rev, h->base, fd, EV_READ | EV_CLOSED | EV_PERSIST | EV_ET,
                 conn_read_cb, c);
    c->wfd = -1;        /* wev_add() points the write event at a dup of fd */
    event_assign(&c->wev, h->base, -1, EV_PERSIST, conn_write_cb, c);
    evtimer_assign(&c->tev, h->base, conn_timer_cb, c);
    evtimer_assign(&c->rkev, h->base, conn_rresume_cb, c);
    event_assign(&c->kev, h->base, -1, 0, conn_kick_cb, c);
    llhttp_init(&c->parser, HTTP_REQUEST, &parser_settings);
    c->parser.data = c;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));    /* fails on AF_UNIX: fine */
    list_push(&h->conns, c);
    h->nconns++;
    if (h->conf.nconns_out != NULL) {
        *h->conf.nconns_out = h->nconns;
    }
    conn_update(c);
    return c;
}

/* Closes the keep-alive connection that has been idle the longest, to make room
 * for a new client (nginx reuses such connections the same way). Only one
 * that has answered a request and waits for the next: a client that connected
 * and sent nothing yet keeps its header timeout. 0, or -1 when there is none. */
static int
shed_idle(struct nd_http *h)
{
    struct nd_conn *c, *best = NULL;
    time_t          now;

    for (c = h->conns; c != NULL; c = c->next) {
        if (c->tphase == T_IDLE && c->busy == 0 && (best == NULL
                                                    || c->idle_since < best->idle_since)) {
            best = c;
        }
    }
    if (best == NULL) {
        return -1;
    }
    conn_close(best);
    conn_maybe_free(best);
    now = time(NULL);
    if (now != h->shed_log_sec) {
        h->shed_log_sec = now;
        nd_log(ND_LOG_WARN, NULL, "out of connections (max_connections %d, or descriptors): "
               "closing idle keep-alive connections for new clients", h->conf.max_connections);
    }
    return 0;
}

/* Over max_connections: a canned 503, best effort, never blocking. */
static void
refuse(struct nd_http *h, int fd)
{
    time_t now = time(NULL);

    /* Take what already arrived so that close() sends FIN, not RST. */
    (void) !recv(fd, h->rbuf, sizeof(h->rbuf), MSG_DONTWAIT);
    (void) !send(fd, resp_503, sizeof(resp_503) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
    shutdown(fd, SHUT_WR);
    close(fd);
    if (now != h->refuse_log_sec) {
        h->refuse_log_sec = now;
        nd_log(ND_LOG_WARN, NULL, "max_connections (%d) reached: answering 503",
               h->conf.max_connections);
    }
}

static void
listeners_enable(struct nd_http *h, int on)
{
    int i;

    for (i = 0; i < h->nls; i++) {
        struct listener *l = h->ls[i];
        if (on && !l->on) {
            event_add(&l->ev, NULL);
        } else if (!on && l->on) {
            event_del(&l->ev);
        }
        l->on = on != 0;
    }
}

static void
pause_cb(evutil_socket_t fd, short what, void *arg)
{
    struct nd_http *h = arg;

    h->accept_paused = 0;
    if (!h->draining) {
        listeners_enable(h, 1);
    }
}

static void
accept_cb(evutil_socket_t lfd, short what, void *arg)
{
    struct listener *l = arg;
    struct nd_http  *h = l->http;
    struct nd_conn  *c;
    int              n, err;

    /* At most ACCEPT_BURST per wake-up, and accept_yield (asked after each one)
     * stops this worker once it holds more than its share: the listener is shared
     * by every worker. One accept per wake-up was too slow under load: a loop turn
     * serving 1,000 connections takes ~10 ms, and 2,000 new clients took 1-2 s to
     * be accepted (README, "Many connections: accepting and balance").
     * The event is level-triggered: what is left is taken on the next loop turn,
     * by this worker or another. */
    for (n = 0; n < ACCEPT_BURST; n++) {
        struct sockaddr_storage ss;
        socklen_t               sl = sizeof(ss);
        int                     fd;

        fd = accept4(lfd, (struct sockaddr *) &ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd == -1) {
            struct timeval tv = { 0, ACCEPT_PAUSE_MS * 1000 };

            err = errno;
            if ((err == EMFILE || err == ENFILE) && n > 0) {
                /* accept4 takes a descriptor before it looks at the queue: out of
                 * them, it fails whether or not a client waits. Shed an idle
                 * connection only on a fresh wake-up, which says one does. */
                return;
            }
            if ((err == EMFILE || err == ENFILE) && shed_idle(h) == 0) {
                continue;   /* a descriptor is free again */
            }
            switch (err) {
            case EAGAIN:
#if EWOULDBLOCK != EAGAIN
            case EWOULDBLOCK:
#endif
                return;
            case EINTR:
            case ECONNABORTED:
            case EPROTO:
            case ENETDOWN:
            case ENOPROTOOPT:
            case EHOSTDOWN:
            case ENONET:
            case EHOSTUNREACH:
            case ENETUNREACH:
                continue;   /* that connection failed, not the listener */
            case EMFILE:
            case ENFILE:
            case ENOBUFS:
            case ENOMEM:
                if (time(NULL) != h->emfile_log_sec) {
                    h->emfile_log_sec = time(NULL);
                    nd_log_errno(ND_LOG_ERROR, NULL, err, "accept4() failed on listener fd "
                                 "%d: pausing accepts for %d ms", lfd, ACCEPT_PAUSE_MS);
                }
                listeners_enable(h, 0);
                h->accept_paused = 1;
                evtimer_add(&h->pause_ev, &tv);
                return;
            default:
                nd_log_errno(ND_LOG_ERROR, NULL, err, "accept4() failed on listener fd %d",
                             lfd);
                return;
            }
        }
        if (h->conf.max_connections > 0 && h->nconns >= h->conf.max_connections
            && shed_idle(h) == -1) {
            refuse(h, fd);
            continue;
        }
        if (l->proxy_protocol) {
            struct nd_ip ip;

            nd_ip_from_sockaddr(&ss, &ip);
            if (!nd_ip_in(&ip, h->conf.trusted, h->conf.ntrusted)) {
                pp_refuse(h, &ss, "the peer is not in trusted_proxies");
                close(fd);
                continue;
            }
        }
        c = conn_new(h, fd, &ss);
        if (c == NULL) {
            nd_log(ND_LOG_ERROR, NULL, "out of memory accepting a connection");
            close(fd);
            continue;
        }
        c->pp_need = l->proxy_protocol;
        if (h->conf.accept_yield != NULL && h->conf.accept_yield(h->nconns, h->conf.yield_arg)) {
            struct timeval tv = { 0, ACCEPT_YIELD_MS * 1000 };

            listeners_enable(h, 0);
            h->accept_paused = 1;
            evtimer_add(&h->pause_ev, &tv);
            return;
        }
    }
}

static void
done_cb(evutil_socket_t fd, short what, void *arg)
{
    struct nd_http *h = arg;

    if (h->done_fired || h->nconns > 0) {
        return;
    }
    h->done_fired = 1;
    if (h->done != NULL) {
        h->done(h->done_arg);   /* may free h */
    }
}

/* ---- public API ----------------------------------------------------------- */

static void
common_tv(struct event_base *base, struct timeval *out, int64_t ms)
{
    const struct timeval *ct;
    struct timeval        tv;

    out->tv_sec = 0;
    out->tv_usec = -1;      /* disabled */
    if (ms <= 0) {
        return;
    }
    tv.tv_sec = (time_t) (ms / 1000);
    tv.tv_usec = (suseconds_t) (ms % 1000 * 1000);
    ct = event_base_init_common_timeout(base, &tv);
    *out = ct != NULL ? *ct : tv;
}

struct nd_http *
nd_http_new(struct event_base *base, const struct nd_http_conf *conf, nd_http_request_cb cb,
            void *arg)
{
    struct nd_http *h = calloc(1, sizeof(*h));

    if (h == NULL) {
        return NULL;
    }
    h->base = base;
    h->conf = *conf;
    h->cb = cb;
    h->arg = arg;
    evtimer_assign(&h->pause_ev, base, pause_cb, h);
    event_assign(&h->done_ev, base, -1, 0, done_cb, h);
    common_tv(base, &h->tv_header, conf->header_timeout_ms);
    common_tv(base, &h->tv_body, conf->body_timeout_ms);
    common_tv(base, &h->tv_keepalive, conf->keepalive_timeout_ms);
    common_tv(base, &h->tv_linger, LINGER_MS);
    h->date_sec = (time_t) -1;
    return h;
}

int
nd_http_listen(struct nd_http *http, int fd)
{
    return nd_http_listen_pp(http, fd, 0);
}

int
nd_http_listen_pp(struct nd_http *http, int fd, int proxy_protocol)
{
    struct listener  *l = NULL;
    struct listener **ls;
    int               fl;

    fl = fcntl(fd, F_GETFL);
    if (fl == -1) {
        nd_log_errno(ND_LOG_ERROR, NULL, errno, "fcntl(F_GETFL) failed on listener fd %d", fd);
        goto fail;
    }
    if (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1) {
        nd_log_errno(ND_LOG_ERROR, NULL, errno, "fcntl(O_NONBLOCK) failed on listener fd %d",
                     fd);
        goto fail;
    }
    l = calloc(1, sizeof(*l));
    ls = realloc(http->ls, (size_t) (http->nls + 1) * sizeof(*ls));
    if (l == NULL || ls == NULL) {
        if (ls != NULL) {
            http->ls = ls;
        }
        goto fail;
    }
    http->ls = ls;
    l->http = http;
    l->fd = fd;
    l->proxy_protocol = proxy_protocol != 0;
    event_assign(&l->ev, http->base, fd, EV_READ | EV_PERSIST, accept_cb, l);
    http->ls[http->nls++] = l;
    if (!http->draining && !http->accept_paused) {
        if (event_add(&l->ev, NULL) == -1) {
            http->nls--;
            goto fail;
        }
        l->on = 1;
    }
    return 0;

fail:
    free(l);
    return -1;
}

/* Finishes the answer to c's pending request (already detached). */
static void
request_done(struct nd_conn *c, int close)
{
    c->served++;
    c->streaming = 0;
    c->want_writable = 0;
    c->on_writable = NULL;
    if (close || c->http->draining) {
        c->close_after_write = 1;
        if (in_pending(c) > 0 || !close) {
            /* Unread pipelined requests, or a drain closing a connection the client
             * meant to keep (it may have sent more already): do not reset our answer. */
            c->linger = 1;
        }
        if (!c->in_parse) {
            conn_check_close(c);
        }
    } else {
        llhttp_resume(&c->parser);
        if (c->tphase == T_IDLE) {
            c->tphase = T_STALE;    /* restart the keep-alive timeout */
        }
    }
    if (!c->closed && !c->in_parse) {
        conn_update(c);
    }
}

int
nd_http_respond(struct nd_req *req, int status, const struct nd_hdr *hdrs, int nhdrs,
                const void *body, size_t len)
{
    return nd_http_respond_reason(req, status, NULL, 0, hdrs, nhdrs, body, len);
}

int
nd_http_respond_reason(struct nd_req *req, int status, const char *reason, size_t rlen,
                       const struct nd_hdr *hdrs, int nhdrs, const void *body, size_t len)
{
    struct ireq    *r = (struct ireq *) req;
    struct nd_conn *c = req->conn;
    struct nd_http *h = c->http;
    struct iovec    iov[2];
    int             n = 1, close, nobody, lenmode, rc;
    size_t          hlen;

    if (c->pending != r) {
        nd_log(ND_LOG_ERROR, NULL, "nd_http_respond() on a request that is not pending");
        return -1;
    }
    if (c->streaming) {
        nd_log(ND_LOG_ERROR, NULL, "nd_http_respond() after nd_http_stream_begin(): ending "
               "the stream");
        return nd_http_stream_end(req);
    }
    c->pending = NULL;
    if (c->closed) {
        req_release(h, r);
        conn_maybe_free(c);
        return -1;
    }
    if (status < 200 || status > 999) {
        nd_log(ND_LOG_ERROR, NULL, "invalid response status %d: answering 500", status);
        status = 500;
        nhdrs = 0;
        len = 0;
    }
    close = !r->keepalive || h->draining;
    nobody = req->head || status == 204 || status == 304;
    lenmode = status == 204 || (status == 304 && len == 0) ? LEN_NONE : LEN_CL;
    hlen = build_head(h, req, status, reason, rlen, hdrs, nhdrs, lenmode, len, close);
    if (hlen == 0) {
        req_release(h, r);
        conn_close(c);
        conn_maybe_free(c);
        return -1;
    }
    iov[0].iov_base = h->hdr.p;
    iov[0].iov_len = hlen;
    if (!nobody && len > 0) {
        iov[1].iov_base = (void *) body;
        iov[1].iov_len = len;
        n = 2;
    }
    /* Released after sending: body and hdrs may point into the request. */
    rc = conn_send(c, iov, n);
    if (h->conf.on_done != NULL) {
        struct nd_http_done d = { status, r->hdr_bytes + req->target_len + req->body_len,
                                  nobody ? 0 : len };
        h->conf.on_done(req, &d, h->conf.done_arg);
    }
    req_release(h, r);
    if (rc == -1) {
        conn_maybe_free(c);
        return -1;
    }
    request_done(c, close);
    if (c->closed) {
        conn_maybe_free(c);
    }
    return 0;
}

int
nd_http_stream_begin(struct nd_req *req, int status, const struct nd_hdr *hdrs, int nhdrs,
                     nd_http_writable_cb on_writable, void *arg)
{
    return nd_http_stream_begin_ex(req, status, NULL, 0, hdrs, nhdrs, -1, on_writable, arg);
}

int
nd_http_stream_begin_ex(struct nd_req *req, int status, const char *reason, size_t rlen,
                        const struct nd_hdr *hdrs, int nhdrs, int64_t len,
                        nd_http_writable_cb on_writable, void *arg)
{
    struct ireq    *r = (struct ireq *) req;
    struct nd_conn *c = req->conn;
    struct nd_http *h = c->http;
    struct iovec    iov;
    int             http10 = req->http_minor == 0;
    int             lenmode;
    size_t          hlen;

    if (c->pending != r || c->streaming) {
        return -1;
    }
    c->streaming = 1;
    c->on_writable = on_writable;
    c->wr_arg = arg;
    if (c->closed) {
        return -1;
    }
    if (status < 200 || status > 999) {
        status = 500;
    }
    c->st_nobody = req->head || status == 204 || status == 304;
    c->st_sized = len >= 0 && status != 204 && status != 304;
    c->st_len = c->st_sized ? (uint64_t) len : 0;
    c->st_chunked = !c->st_sized && !http10 && status != 204 && status != 304;
    c->st_close = !r->keepalive || h->draining || (http10 && !c->st_nobody && !c->st_sized);
    /* HEAD on 1.1 announces chunked like the GET would; no body follows. */
    lenmode = c->st_sized ? LEN_CL : c->st_chunked ? LEN_CHUNKED : LEN_NONE;
    hlen = build_head(h, req, status, reason, rlen, hdrs, nhdrs, lenmode, c->st_len,
                      c->st_close);
    c->st_status = status;
    c->st_bytes = 0;
    if (hlen == 0) {
        conn_close(c);
        return -1;
    }
    iov.iov_base = h->hdr.p;
    iov.iov_len = hlen;
    return conn_send(c, &iov, 1);
}

int
nd_http_stream_write(struct nd_req *req, const void *data, size_t len)
{
    struct nd_conn *c = req->conn;
    struct iovec    iov[3];
    char            size[24];
    int             n = 0;

    if (c->pending != (struct ireq *) req || !c->streaming || c->closed) {
        return -1;
    }
    if (len > 0 && !c->st_nobody) {
        if (c->st_sized && len > c->st_len - c->st_bytes) {
            nd_log(ND_LOG_ERROR, NULL, "a streamed body is longer than its Content-Length "
                   "(%llu): closing the connection", (unsigned long long) c->st_len);
            conn_close(c);
            return -1;
        }
        if (c->st_chunked) {
            static const char hex[] = "0123456789abcdef";
            char   *e = size + sizeof(size) - 2;
            char   *s = e;
            size_t  v = len;

            e[0] = '\r';
            e[1] = '\n';
            do {
                *--s = hex[v & 15];
                v >>= 4;
            } while (v > 0);
            iov[n].iov_base = s;
            iov[n++].iov_len = (size_t) (e + 2 - s);
        }
        iov[n].iov_base = (void *) data;
        iov[n++].iov_len = len;
        c->st_bytes += len;
        if (c->st_chunked) {
            iov[n].iov_base = (void *) "\r\n";
            iov[n++].iov_len = 2;
        }
        if (conn_send(c, iov, n) == -1) {
            return -1;
        }
    }
    if (out_pending(c) > OUT_HIGH) {
        c->want_writable = 1;
        return 1;
    }
    return 0;
}

int
nd_http_stream_end(struct nd_req *req)
{
    struct ireq    *r = (struct ireq *) req;
    struct nd_conn *c = req->conn;
    struct iovec    iov = { (void *) "0\r\n\r\n", 5 };
    int             rc = 0;

    if (c->pending != r) {
        nd_log(ND_LOG_ERROR, NULL, "nd_http_stream_end() on a request that is not pending");
        return -1;
    }
    c->pending = NULL;
    if (c->http != NULL && c->streaming && c->http->conf.on_done != NULL) {
        struct nd_http_done d = { c->st_status, r->hdr_bytes + req->target_len + req->body_len,
                                  c->st_bytes };
        c->http->conf.on_done(req, &d, c->http->conf.done_arg);
    }
    req_release(c->http, r);
    if (c->closed || !c->streaming) {
        if (!c->closed) {
            conn_close(c);      /* end without begin: nothing sensible was sent */
        }
        conn_maybe_free(c);
        return -1;
    }
    if (c->st_sized && !c->st_nobody && c->st_bytes != c->st_len) {
        /* Shorter than announced: only closing tells the client it is cut. */
        c->close_after_write = 1;
        c->st_close = 1;
    }
    if (c->st_chunked && !c->st_nobody) {
        rc = conn_send(c, &iov, 1);
    }
    if (rc == -1) {
        conn_maybe_free(c);
        return -1;
    }
    request_done(c, c->st_close);
    if (c->closed) {
        conn_maybe_free(c);
    }
    return 0;
}

int
nd_http_stream_abort(struct nd_req *req)
{
    struct nd_conn *c = req->conn;

    if (c->pending == (struct ireq *) req && c->streaming && !c->closed) {
        /* What is queued may still go out; the missing end says "cut short". */
        c->st_chunked = 0;
        c->st_sized = 0;
        c->st_close = 1;
        c->linger = 0;
        if (out_pending(c) == 0) {
            conn_close(c);
        }
    }
    nd_http_stream_end(req);
    return 0;
}

void
nd_http_drain(struct nd_http *http, void (*done)(void *arg), void *arg)
{
    struct nd_conn *c;
    int64_t         ms = DRAIN_IDLE_MS;

    if (http->conf.keepalive_timeout_ms > 0 && http->conf.keepalive_timeout_ms < ms) {
        ms = http->conf.keepalive_timeout_ms;
    }
    if (http->conf.header_timeout_ms > 0 && http->conf.header_timeout_ms < ms) {
        ms = http->conf.header_timeout_ms;
    }
    common_tv(http->base, &http->tv_drain, ms);
    http->draining = 1;
    http->done = done;
    http->done_arg = arg;
    listeners_enable(http, 0);
    event_del(&http->pause_ev);
    /*
     * Closing an idle keep-alive connection races with the client's next request
     * (already sent, or sent before our FIN arrives: the client sees a reset or EOF
     * on a request it made). So idle connections stay open for tv_drain: a request
     * that comes is answered with Connection: close (request_done); only one that
     * received nothing that long is closed (conn_timer_cb). Busy ones: their answer
     * says Connection: close. Output still queued: idle after it, same rule.
     */
    for (c = http->conns; c != NULL; c = c->next) {
        if (c->tphase == T_FIRST || c->tphase == T_IDLE) {
            c->tphase = T_STALE;
            conn_update(c);
        }
    }
    drain_check(http);
}

int
nd_http_nconns(const struct nd_http *http)
{
    return http->nconns;
}

size_t
nd_http_body_memory(const struct nd_http *http)
{
    return http->body_mem;
}

size_t
nd_http_take_freed(struct nd_http *http)
{
    size_t n = http->freed;

    http->freed = 0;
    return n;
}

void
nd_http_free(struct nd_http *http)
{
    struct nd_conn *c;
    struct ireq    *r;
    int             i;

    if (http == NULL) {
        return;
    }
    http->freeing = 1;
    for (i = 0; i < http->nls; i++) {
        event_del(&http->ls[i]->ev);
        free(http->ls[i]);
    }
    free(http->ls);
    event_del(&http->pause_ev);
    event_del(&http->done_ev);
    while (http->conns != NULL) {
        c = http->conns;
        conn_close(c);
        conn_maybe_free(c);
    }
    /* Requests still with their owners: their connections outlive us. */
    while (http->zombies != NULL) {
        c = http->zombies;
        list_unlink(&http->zombies, c);
        event_del(&c->kev);
        c->zombie = 0;
        c->http = NULL;
        req_release(NULL, c->req);
        c->req = NULL;
        req_release(NULL, c->ready);
        c->ready = NULL;
    }
    while ((r = http->free_reqs) != NULL) {
        http->free_reqs = r->next;
        free(r);
    }
    nd_buf_free(&http->cork);
    nd_buf_free(&http->hdr);
    free(http);
}
