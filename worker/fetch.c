/*
 * fetch(): CURLM on libevent (see fetch.h for the flow).
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/buf.h"
#include "common/idmap.h"
#include "common/log.h"
#include "common/sys.h"
#include "worker/fetch.h"
#include "worker/js/heap.h"
#include "worker/invocation.h"

#define MAX_REDIRECTS       20
#define MAX_HEADER_BYTES    (256 * 1024)    /* response header block, each hop */
#define EASY_CACHE          32
/* Streamed bodies: what C keeps of a response body the app has not read yet.
 * Above BUF_HIGH the transfer is paused (CURL_WRITEFUNC_PAUSE); it resumes
 * when the app (or the client, for a body spliced into a response) has taken
 * it down to BUF_LOW. */
#define BUF_HIGH            (256 * 1024)
#define BUF_LOW             (64 * 1024)

/* FE_ENDED: the transfer is over (out of the multi, its result kept) while the
 * app still reads the streamed body; in no list. */
enum { FE_QUEUED, FE_ACTIVE, FE_DONE, FE_ENDED };

struct nd_pool;

struct nd_fetch {
    struct nd_app_res      res;     /* first; rq_id = the invocation */
    struct nd_fetcher     *f;
    struct nd_pool        *pool;
    struct nd_app         *app;
    double                 id;
    int                    state;
    CURL                  *easy;    /* owned while FE_ACTIVE / FE_DONE */
    char                  *method;  /* owned */
    char                  *url;     /* owned: the current hop, normalized, no fragment */
    struct curl_slist     *hdrs;    /* owned: "name: value" */
    unsigned char         *body;    /* owned, or NULL */
    size_t                 body_len;
    enum nd_fetch_redirect redirect;
    int                    hops;
    int64_t                deadline_ms;
    int64_t                max_size;
    struct nd_buf          resp;    /* response body */
    struct nd_buf          rhdrs;   /* "name\0value\0" per header, in order */
    int                    nrhdrs;
    int                    hdrs_done;
    size_t                 hdr_bytes;
    char                   status_text[128];
    CURLcode               result;
    int                    too_big, hdrs_too_big, oom;
    const char            *blocked;         /* why the guard refused, or NULL */
    char                   blocked_addr[INET6_ADDRSTRLEN];
    char                   errbuf[CURL_ERROR_SIZE];
    struct nd_fetch       *next, *prev;     /* done list, or the invocation's queue */
    struct nd_fetch       *hnext;           /* id hash */
    /* Streaming (the final response's body started before the transfer
     * ended): fetch() resolves at the headers, the body is read from resp
     * (from roff) by native.fetchRead, or written to a response by the
     * splice (sink_rq >= 0). */
    struct event          *kick;            /* owned: deferred work for the states below */
    size_t                 roff;            /* resp bytes already taken */
    unsigned               hdr_ready:1;     /* the final response's body began */
    unsigned               streaming:1;     /* JS has the headers: the body streams */
    unsigned               paused:1;        /* on_write returned CURL_WRITEFUNC_PAUSE */
    unsigned               js_waiting:1;    /* a JS pull waits for lib.fetchData */
    unsigned               sink_blocked:1;  /* the client's connection is over its mark */
    double                 sink_rq;         /* splice: the request answered, or -1 */
    const char            *end_type;        /* FE_ENDED: "TypeError"/"Error", or NULL */
    char                   end_msg[256];
};

/* One CURLM per distinct fetch_allow list, with its libevent glue. */
struct nd_pool {
    struct nd_fetcher     *f;
    CURLM                 *multi;   /* owned */
    struct event          *timer;   /* owned */
    const struct nd_cidr  *allow;   /* borrowed: an app's config (same contents for all) */
    int                    nallow;
    struct nd_pool        *next;
};

struct sock {
    struct event          *ev;      /* owned */
    struct nd_pool        *pool;
};

struct nd_fetcher {
    struct nd_worker      *w;
    struct nd_pool        *pools;   /* owned */
    struct event          *done_ev; /* owned: deferred completion */
    struct nd_fetch       *done_head, *done_tail;
    struct nd_idmap        ids;     /* (app, id) -> nd_fetch */
    CURL                  *easy_cache[EASY_CACHE];
    int                    neasy;
    struct nd_buf          scratch; /* header conversion */
};

static void fetch_cancel(struct nd_app_res *res);
static void on_done(evutil_socket_t fd, short what, void *arg);
static void on_kick(evutil_socket_t fd, short what, void *arg);
static void drop(struct nd_fetch *fe, int start_next);

/* --- small helpers ---------------------------------------------------------------- */

static struct nd_fetch *
fetch_find(struct nd_fetcher *f, const struct nd_app *app, double id)
{
    return f != NULL ? nd_idmap_find(&f->ids, app, id) : NULL;
}

/* --- the SSRF guard ------------------------------------------------------------------ */

static const char *
blocked_v4(const unsigned char *a)
{
    if (a[0] == 0) {
        return "an unspecified (0.0.0.0/8)";
    }
    if (a[0] == 127) {
        return "a loopback";
    }
    if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xF0) == 16) || (a[0] == 192 && a[1] == 168)) {
        return "a private (RFC 1918)";
    }
    if (a[0] == 169 && a[1] == 254) {
        return "a link-local";
    }
    if (a[0] == 100 && (a[1] & 0xC0) == 64) {
        return "a shared (CGNAT, 100.64.0.0/10)";
    }
    if ((a[0] & 0xF0) == 224) {
        return "a multicast";
    }
    if ((a[0] & 0xF0) == 240) {
        return "a reserved (240.0.0.0/4, broadcast)";
    }
    if (a[0] == 192 && a[1] == 0 && a[2] == 0) {
        return "a reserved (192.0.0.0/24)";
    }
    if (a[0] == 198 && (a[1] & 0xFE) == 18) {
        return "a reserved (198.18.0.0/15)";
    }
    return NULL;
}

/* The IPv4 address an IPv6 address stands for (mapped, compatible, NAT64, 6to4), or NULL. */
static const unsigned char *
embedded_v4(const unsigned char *a)
{
    static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF };
    static const unsigned char nat64[12] = { 0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0 };
    static const unsigned char zero[12];

    if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0 || memcmp(a, zero, 12) == 0) {
        return a + 12;
    }
    if (a[0] == 0x20 && a[1] == 0x02) {
        return a + 2;
    }
    return NULL;
}

const char *
nd_fetch_blocked(int family, const unsigned char *a)
{
    static const unsigned char zero[16];
    const unsigned char       *v4;

    if (family == AF_INET) {
        return blocked_v4(a);
    }
    if (family != AF_INET6) {
        return "a non-IP";
    }
    if (memcmp(a, zero, 16) == 0) {
        return "an unspecified (::)";
    }
    if (memcmp(a, zero, 15) == 0 && a[15] == 1) {
        return "a loopback";
    }
    if ((a[0] & 0xFE) == 0xFC) {
        return "a unique local (fc00::/7)";
    }
    if (a[0] == 0xFE && (a[1] & 0xC0) == 0x80) {
        return "a link-local";
    }
    if (a[0] == 0xFE && (a[1] & 0xC0) == 0xC0) {
        return "a site-local (fec0::/10)";
    }
    if (a[0] == 0xFF) {
        return "a multicast";
    }
    v4 = embedded_v4(a);
    return v4 != NULL ? blocked_v4(v4) : NULL;
}

static int
allowed(const struct nd_pool *pool, int family, const unsigned char *a)
{
    const unsigned char *v4 = family == AF_INET6 ? embedded_v4(a) : NULL;
    int                  i;

    for (i = 0; i < pool->nallow; i++) {
        if (nd_cidr_match(&pool->allow[i], family, a)
            || (v4 != NULL && nd_cidr_match(&pool->allow[i], AF_INET, v4))) {
            return 1;
        }
    }
    return 0;
}

/* CURLOPT_OPENSOCKETFUNCTION: every connection, after DNS, every hop. */
static curl_socket_t
on_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *sa)
{
    struct nd_fetch     *fe = clientp;
    const unsigned char *a = NULL;
    const char          *why;

    if (sa->family == AF_INET) {
        a = (const unsigned char *) &((struct sockaddr_in *) &sa->addr)->sin_addr;
    } else if (sa->family == AF_INET6) {
        a = (const unsigned char *) &((struct sockaddr_in6 *) &sa->addr)->sin6_addr;
    } else {
        fe->blocked = "a non-IP";
        return CURL_SOCKET_BAD;
    }
    why = nd_fetch_blocked(sa->family, a);
    if (why != NULL && !allowed(fe->pool, sa->family, a)) {
        fe->blocked = why;
        inet_ntop(sa->family, a, fe->blocked_addr, sizeof(fe->blocked_addr));
        return CURL_SOCKET_BAD;
    }
    return socket(sa->family, sa->socktype | SOCK_CLOEXEC, sa->protocol);
}

/* --- curl data callbacks (no JS, no curl_multi_* here) ---------------------------------- */

static int follows(struct nd_fetch *fe, long status);
static int splice_write(struct nd_fetch *fe, const void *data, size_t len);

static size_t
on_write(char *ptr, size_t size, size_t n, void *arg)
{
    struct nd_fetch *fe = arg;
    size_t           total = size * n;

    if (!fe->hdr_ready) {
        long status = 0;
        curl_easy_getinfo(fe->easy, CURLINFO_RESPONSE_CODE, &status);
        if (!follows(fe, status)) {
            /* The final response's body begins: fetch() may resolve now. */
            fe->hdr_ready = 1;
            event_active(fe->kick, EV_TIMEOUT, 1);
        }
    }
    if (fe->hdr_ready) {
        if (fe->sink_rq >= 0 && !fe->sink_blocked && fe->resp.len == fe->roff) {
            int rc = splice_write(fe, ptr, total);
            if (rc == -1) {
                return 0;                   /* the client is gone: abort */
            }
            fe->sink_blocked = rc == 1;
            return total;
        }
        if (fe->resp.len - fe->roff >= BUF_HIGH || fe->sink_blocked) {
            fe->paused = 1;
            return CURL_WRITEFUNC_PAUSE;    /* delivered again on unpause */
        }
        if (fe->roff >= BUF_LOW || (fe->roff > 0 && fe->roff == fe->resp.len)) {
            memmove(fe->resp.p, fe->resp.p + fe->roff, fe->resp.len - fe->roff);
            fe->resp.len -= fe->roff;
            fe->roff = 0;
        }
        if (nd_buf_add(&fe->resp, ptr, total) == -1) {
            fe->oom = 1;
            return 0;
        }
        if (fe->js_waiting || fe->sink_rq >= 0) {
            event_active(fe->kick, EV_TIMEOUT, 1);
        }
        return total;
    }
    if ((int64_t) (fe->resp.len + total) > fe->max_size) {
        fe->too_big = 1;
        return 0;
    }
    if (nd_buf_add(&fe->resp, ptr, total) == -1) {
        fe->oom = 1;
        return 0;
    }
    return total;
}

static size_t
trim_end(const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == '\n' || s[n - 1] == ' '
                     || s[n - 1] == '\t')) {
        n--;
    }
    return n;
}

static size_t
on_header(char *line, size_t size, size_t n, void *arg)
{
    struct nd_fetch *fe = arg;
    size_t           total = size * n, len = trim_end(line, total), i;
    const char      *colon;
    char             zero = '\0';

    fe->hdr_bytes += total;
    if (fe->hdr_bytes > MAX_HEADER_BYTES) {
        fe->hdrs_too_big = 1;
        return 0;
    }
    if (total >= 5 && memcmp(line, "HTTP/", 5) == 0) {
        /* A status line: a new header block (after 1xx), "HTTP/1.1 200 OK". */
        const char *p = memchr(line, ' ', len), *end = line + len;
        fe->rhdrs.len = 0;
        fe->nrhdrs = 0;
        fe->hdrs_done = 0;
        fe->status_text[0] = '\0';
        if (p != NULL && end - p > 4) {
            p += 4;             /* " 200" */
            while (p < end && *p == ' ') {
                p++;
            }
            snprintf(fe->status_text, sizeof(fe->status_text), "%.*s", (int) (end - p), p);
        }
        return total;
    }
    if (len == 0) {
        fe->hdrs_done = 1;
        return total;
    }
    if (fe->hdrs_done) {
        return total;           /* trailers */
    }
    if ((line[0] == ' ' || line[0] == '\t') && fe->nrhdrs > 0) {
        /* obs-fold: continues the previous value. */
        size_t s = 0;
        while (s < len && (line[s] == ' ' || line[s] == '\t')) {
            s++;
        }
        fe->rhdrs.len--;        /* the value's NUL */
        if (nd_buf_add(&fe->rhdrs, " ", 1) == -1 || nd_buf_add(&fe->rhdrs, line + s, len - s) == -1
            || nd_buf_add(&fe->rhdrs, &zero, 1) == -1) {
            fe->oom = 1;
            return 0;
        }
        return total;
    }
    colon = memchr(line, ':', len);
    if (colon == NULL || colon == line) {
        return total;
    }
    {
        size_t      nlen = (size_t) (colon - line), vs = nlen + 1;
        size_t      start = fe->rhdrs.len;
        while (nlen > 0 && (line[nlen - 1] == ' ' || line[nlen - 1] == '\t')) {
            nlen--;
        }
        while (vs < len && (line[vs] == ' ' || line[vs] == '\t')) {
            vs++;
        }
        if (nd_buf_add(&fe->rhdrs, line, nlen) == -1 || nd_buf_add(&fe->rhdrs, &zero, 1) == -1
            || nd_buf_add(&fe->rhdrs, line + vs, len - vs) == -1
            || nd_buf_add(&fe->rhdrs, &zero, 1) == -1) {
            fe->oom = 1;
            return 0;
        }
        for (i = start; i < start + nlen; i++) {
            unsigned char c = fe->rhdrs.p[i];
            if (c >= 'A' && c <= 'Z') {
                fe->rhdrs.p[i] = (unsigned char) (c + 32);
            }
        }
        fe->nrhdrs++;
    }
    return total;
}

/* --- libevent glue (hiperfifo.c) ----------------------------------------------------------- */

static void check_done(struct nd_pool *pool);

static void
on_sock_event(evutil_socket_t fd, short what, void *arg)
{
    struct nd_pool *pool = arg;
    int             running, action = 0;

    action |= what & EV_READ ? CURL_CSELECT_IN : 0;
    action |= what & EV_WRITE ? CURL_CSELECT_OUT : 0;
    curl_multi_socket_action(pool->multi, fd, action, &running);
    check_done(pool);
}

static void
on_pool_timer(evutil_socket_t fd, short what, void *arg)
{
    struct nd_pool *pool = arg;
    int             running;

    curl_multi_socket_action(pool->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(pool);
}

/* CURLMOPT_SOCKETFUNCTION: only events are touched here. */
static int
on_curl_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct nd_pool *pool = userp;
    struct sock    *sk = socketp;
    short           kind;

    if (what == CURL_POLL_REMOVE) {
        if (sk != NULL) {
            event_free(sk->ev);
            free(sk);
        }
        return 0;
    }
    kind = (short) ((what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0)
                    | EV_PERSIST);
    if (sk == NULL) {
        sk = calloc(1, sizeof(*sk));
        if (sk == NULL) {
            return -1;
        }
        sk->pool = pool;
        sk->ev = event_new(pool->f->w->base, s, kind, on_sock_event, pool);
        if (sk->ev == NULL) {
            free(sk);
            return -1;
        }
        curl_multi_assign(pool->multi, s, sk);
    } else {
        event_del(sk->ev);
        event_assign(sk->ev, pool->f->w->base, s, kind, on_sock_event, pool);
    }
    event_add(sk->ev, NULL);
    return 0;
}

/* CURLMOPT_TIMERFUNCTION: -1 = delete, 0 = on the next loop turn. */
static int
on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct nd_pool *pool = userp;
    struct timeval  tv;

    if (timeout_ms < 0) {
        evtimer_del(pool->timer);
        return 0;
    }
    tv.tv_sec = timeout_ms / 1000;
    tv.tv_usec = (timeout_ms % 1000) * 1000;
    evtimer_add(pool->timer, &tv);
    return 0;
}

static void
done_push(struct nd_fetcher *f, struct nd_fetch *fe)
{
    static const struct timeval zero = { 0, 0 };

    fe->state = FE_DONE;
    fe->next = NULL;
    fe->prev = f->done_tail;
    if (f->done_tail != NULL) {
        f->done_tail->next = fe;
    } else {
        f->done_head = fe;
    }
    f->done_tail = fe;
    evtimer_add(f->done_ev, &zero);
}

static void
done_unlink(struct nd_fetcher *f, struct nd_fetch *fe)
{
    if (fe->prev != NULL) {
        fe->prev->next = fe->next;
    } else {
        f->done_head = fe->next;
    }
    if (fe->next != NULL) {
        fe->next->prev = fe->prev;
    } else {
        f->done_tail = fe->prev;
    }
    fe->next = fe->prev = NULL;
}

/* After socket_action (not inside a curl callback): finished transfers leave the multi. */
static void
check_done(struct nd_pool *pool)
{
    CURLMsg *m;
    int      left;

    while ((m = curl_multi_info_read(pool->multi, &left)) != NULL) {
        struct nd_fetch *fe = NULL;
        CURL            *easy = m->easy_handle;

        if (m->msg != CURLMSG_DONE) {
            continue;
        }
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **) &fe);
        fe->result = m->data.result;
        curl_multi_remove_handle(pool->multi, easy);
        done_push(pool->f, fe);
    }
}

/* --- pools and handles --------------------------------------------------------------------- */

static struct nd_pool *
pool_for(struct nd_fetcher *f, const struct nd_app_conf *conf)
{
    struct nd_pool *p;

    for (p = f->pools; p != NULL; p = p->next) {
        if (p->nallow == conf->nfetch_allow
            && (p->nallow == 0 || memcmp(p->allow, conf->fetch_allow,
                                         (size_t) p->nallow * sizeof(*p->allow)) == 0)) {
            return p;
        }
    }
    p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return NULL;
    }
    p->f = f;
    p->allow = conf->fetch_allow;
    p->nallow = conf->nfetch_allow;
    p->multi = curl_multi_init();
    p->timer = evtimer_new(f->w->base, on_pool_timer, p);
    if (p->multi == NULL || p->timer == NULL) {
        if (p->multi != NULL) {
            curl_multi_cleanup(p->multi);
        }
        if (p->timer != NULL) {
            event_free(p->timer);
        }
        free(p);
        return NULL;
    }
    curl_multi_setopt(p->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(p->multi, CURLMOPT_SOCKETDATA, p);
    curl_multi_setopt(p->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(p->multi, CURLMOPT_TIMERDATA, p);
    curl_multi_setopt(p->multi, CURLMOPT_MAXCONNECTS, 256L);
    p->next = f->pools;
    f->pools = p;
    return p;
}

static struct nd_fetcher *
fetcher(struct nd_worker *w)
{
    struct nd_fetcher *f = w->fetcher;

    if (f != NULL) {
        return f;
    }
    f = calloc(1, sizeof(*f));
    if (f == NULL) {
        return NULL;
    }
    f->w = w;
    f->ids = (struct nd_idmap) ND_IDMAP_INIT(struct nd_fetch, app, id, hnext);
    f->done_ev = evtimer_new(w->base, on_done, f);
    if (f->done_ev == NULL) {
        free(f);
        return NULL;
    }
    w->fetcher = f;
    return f;
}

static void
fetch_free(struct nd_fetch *fe)
{
    struct nd_fetcher *f = fe->f;

    nd_idmap_remove(&f->ids, fe);
    nd_app_res_remove(fe->app, &fe->res);
    if (fe->easy != NULL) {
        if (f->neasy < EASY_CACHE) {
            f->easy_cache[f->neasy++] = fe->easy;
        } else {
            curl_easy_cleanup(fe->easy);
        }
    }
    curl_slist_free_all(fe->hdrs);
    free(fe->method);
    free(fe->url);
    free(fe->body);
    nd_buf_free(&fe->resp);
    nd_buf_free(&fe->rhdrs);
    if (fe->kick != NULL) {
        event_free(fe->kick);
    }
    free(fe);
}

/* Sets every option for the current hop and adds the handle. 0 or -1. */
static int
activate(struct nd_fetch *fe)
{
    struct nd_fetcher *f = fe->f;
    int64_t            left = fe->deadline_ms - nd_sys_now_ms();
    CURL              *e = fe->easy;
    int                get = strcmp(fe->method, "GET") == 0, head = strcmp(fe->method, "HEAD") == 0;

    if (e == NULL) {
        e = f->neasy > 0 ? f->easy_cache[--f->neasy] : curl_easy_init();
        if (e == NULL) {
            return -1;
        }
        fe->easy = e;
    }
    curl_easy_reset(e);     /* keeps connections and the DNS cache */
    fe->errbuf[0] = '\0';
    curl_easy_setopt(e, CURLOPT_URL, fe->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, (char *) fe);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROXY, "");        /* no http_proxy from the environment */
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, fe);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, fe);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, fe);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, fe->errbuf);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long) (left > 1 ? left : 1));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, fe->hdrs);
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    if (f->w->conf->server.fetch_ca_pem != NULL) {
        struct curl_blob ca;    /* the config outlives every handle */
        ca.data = f->w->conf->server.fetch_ca_pem;
        ca.len = f->w->conf->server.fetch_ca_len;
        ca.flags = CURL_BLOB_NOCOPY;
        curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &ca);
    }
    if (head) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (get && fe->body == NULL) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (fe->body != NULL || strcmp(fe->method, "POST") == 0
               || strcmp(fe->method, "PUT") == 0 || strcmp(fe->method, "PATCH") == 0) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) fe->body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, fe->body != NULL ? (char *) fe->body : "");
        if (strcmp(fe->method, "POST") != 0) {
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, fe->method);
        }
    } else {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, fe->method);
    }
    fe->resp.len = 0;
    fe->roff = 0;
    fe->rhdrs.len = 0;
    fe->nrhdrs = 0;
    fe->hdrs_done = 0;
    fe->hdr_bytes = 0;
    fe->status_text[0] = '\0';
    if (curl_multi_add_handle(fe->pool->multi, e) != CURLM_OK) {
        return -1;
    }
    fe->state = FE_ACTIVE;
    return 0;
}

/* --- requests: URL, headers, body ---------------------------------------------------------- */

/* 1 when u has a non-empty part (user, password...). */
static int
url_has_part(CURLU *u, CURLUPart what)
{
    char *v = NULL;
    int   has = curl_url_get(u, what, &v, 0) == CURLUE_OK && v != NULL && v[0] != '\0';

    curl_free(v);
    return has;
}

/* Normalized absolute http(s) URL without fragment (caller frees), or NULL with msg. */
static char *
check_url(const char *url, int *is_type_error, char *msg, size_t size)
{
    CURLU *u = curl_url();
    char  *scheme = NULL, *out = NULL;

    *is_type_error = 1;
    if (u == NULL) {
        snprintf(msg, size, "fetch: out of memory");
        *is_type_error = 0;
        return NULL;
    }
    if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
        snprintf(msg, size, "fetch: invalid URL \"%.200s\"", url);
        goto out;
    }
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK
        || (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
        snprintf(msg, size, "fetch: unsupported URL scheme \"%s\" in \"%.200s\" (only http and "
                 "https)", scheme != NULL ? scheme : "", url);
        goto out;
    }
    /* Fetch spec: a URL that includes credentials is a TypeError (new Request()
     * throws). curl would send them as Basic auth, to a redirect's target too, and
     * response.url would show the password. Refused on every hop. */
    if (url_has_part(u, CURLUPART_USER) || url_has_part(u, CURLUPART_PASSWORD)) {
        snprintf(msg, size, "fetch: URL includes credentials (user:password@), which fetch "
                 "does not allow: send an Authorization header instead");
        goto out;
    }
    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
    if (curl_url_get(u, CURLUPART_URL, &out, 0) != CURLUE_OK) {
        snprintf(msg, size, "fetch: invalid URL \"%.200s\"", url);
        out = NULL;
    }

out:
    curl_free(scheme);
    curl_url_cleanup(u);
    if (out != NULL) {
        char *copy = strdup(out);
        curl_free(out);
        if (copy == NULL) {
            snprintf(msg, size, "fetch: out of memory");
            *is_type_error = 0;
        }
        return copy;
    }
    return NULL;
}

/* Request headers curl computes or that make no sense to forward. */
static int
skip_header(const char *name, size_t len)
{
    static const char *const skip[] = {
        "host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade",
        "expect", "te", "trailer", "proxy-connection", NULL
    };
    int i;

    for (i = 0; skip[i] != NULL; i++) {
        if (strlen(skip[i]) == len && strncasecmp(name, skip[i], len) == 0) {
            return 1;
        }
    }
    return 0;
}

static struct curl_slist *
slist_add(struct curl_slist *list, const char *line, int *ok)
{
    struct curl_slist *n = curl_slist_append(list, line);

    if (n == NULL) {
        *ok = 0;
        return list;
    }
    return n;
}

/* Rebuilds fe->hdrs without the headers unwanted(name) says to drop. */
static int
filter_headers(struct nd_fetch *fe, int (*unwanted)(const char *name, size_t len))
{
    struct curl_slist *n = NULL, *s;
    int                ok = 1;

    for (s = fe->hdrs; s != NULL; s = s->next) {
        size_t len = strcspn(s->data, ":;");
        if (!unwanted(s->data, len)) {
            n = slist_add(n, s->data, &ok);
        }
    }
    if (!ok) {
        curl_slist_free_all(n);
        return -1;
    }
    curl_slist_free_all(fe->hdrs);
    fe->hdrs = n;
    return 0;
}

static int
drop_body_header(const char *name, size_t len)
{
    return (len == 16 && strncasecmp(name, "content-encoding", len) == 0)
        || (len == 16 && strncasecmp(name, "content-language", len) == 0)
        || (len == 16 && strncasecmp(name, "content-location", len) == 0)
        || (len == 12 && strncasecmp(name, "content-type", len) == 0);
}

static int
drop_auth_header(const char *name, size_t len)
{
    return (len == 13 && strncasecmp(name, "authorization", len) == 0)
        || (len == 19 && strncasecmp(name, "proxy-authorization", len) == 0)
        || (len == 6 && strncasecmp(name, "cookie", len) == 0);
}

/* scheme://host:port of an absolute URL (borrowed prefix length). */
static size_t
origin_len(const char *url)
{
    const char *p = strstr(url, "://");

    if (p == NULL) {
        return strlen(url);
    }
    p += 3;
    return (size_t) (p - url) + strcspn(p, "/?#");
}

/* --- completion -------------------------------------------------------------------------------- */

static void start_queued(struct nd_ioctx *c);

/* Leaves the invocation's in-flight count; the next queued transfer may start. */
static void
leave_active(struct nd_fetch *fe, int start_next)
{
    struct nd_ioctx *c = nd_ioctx_find(fe->app, fe->res.rq_id);

    if (c == NULL) {
        return;
    }
    c->subreq_active--;
    if (start_next) {
        start_queued(c);
    }
}

static void
queue_unlink(struct nd_fetch *fe)
{
    struct nd_ioctx *c = nd_ioctx_find(fe->app, fe->res.rq_id);

    if (c == NULL) {
        return;
    }
    if (fe->prev != NULL) {
        fe->prev->next = fe->next;
    } else {
        c->queue_head = fe->next;
    }
    if (fe->next != NULL) {
        fe->next->prev = fe->prev;
    } else {
        c->queue_tail = fe->prev;
    }
    fe->next = fe->prev = NULL;
}

/* -> [ ... 8 values ]: the arguments of lib.fetchDone (in a safe call: may throw). */
struct result {
    struct nd_fetch *fe;
    const char      *etype;         /* NULL on success */
    const char      *emsg;
    long             status;
};

static size_t
isomorphic(const unsigned char *in, size_t len, unsigned char *out)
{
    size_t i, o = 0;

    for (i = 0; i < len; i++) {
        if (in[i] < 0x80) {
            out[o++] = in[i];
        } else {
            out[o++] = (unsigned char) (0xC0 | (in[i] >> 6));
            out[o++] = (unsigned char) (0x80 | (in[i] & 0x3F));
        }
    }
    return o;
}

static duk_ret_t
push_result(duk_context *ctx, void *udata)
{
    struct result   *r = udata;
    struct nd_fetch *fe = r->fe;
    size_t           off = 0, n;
    duk_uarridx_t    i = 0;
    void            *p;

    duk_push_number(ctx, fe->id);
    if (r->etype != NULL) {
        duk_push_array(ctx);
        duk_push_string(ctx, r->etype);
        duk_put_prop_index(ctx, -2, 0);
        duk_push_string(ctx, r->emsg);
        duk_put_prop_index(ctx, -2, 1);
        return 2;
    }
    duk_push_null(ctx);
    duk_push_int(ctx, (duk_int_t) r->status);
    duk_push_lstring(ctx, fe->f->scratch.p,
                     isomorphic((const unsigned char *) fe->status_text, strlen(fe->status_text),
                                (unsigned char *) fe->f->scratch.p));
    duk_push_string(ctx, fe->url);
    duk_push_boolean(ctx, fe->hops > 0);
    duk_push_array(ctx);
    while (off < fe->rhdrs.len) {
        const unsigned char *s = (const unsigned char *) fe->rhdrs.p + off;
        size_t               len = strlen((const char *) s);
        n = isomorphic(s, len, (unsigned char *) fe->f->scratch.p);
        duk_push_lstring(ctx, fe->f->scratch.p, n);
        duk_put_prop_index(ctx, -2, i++);
        off += len + 1;
    }
    if (fe->streaming) {
        curl_off_t cl = -1;
        duk_push_null(ctx);
        curl_easy_getinfo(fe->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
        duk_push_number(ctx, cl >= 0 ? (double) cl : -1);
        duk_push_number(ctx, (double) fe->max_size);
        return 10;
    }
    p = duk_push_fixed_buffer(ctx, fe->resp.len);
    if (fe->resp.len > 0) {
        memcpy(p, fe->resp.p, fe->resp.len);
    }
    duk_push_buffer_object(ctx, -1, 0, fe->resp.len, DUK_BUFOBJ_UINT8ARRAY);
    duk_remove(ctx, -2);
    duk_push_number(ctx, (double) fe->resp.len);
    duk_push_number(ctx, (double) fe->max_size);
    return 10;
}

/* Why a finished hop failed, or NULL (etype: "TypeError" or "Error"). */
static const char *
failure(struct nd_fetch *fe, const char **etype, char *msg, size_t size)
{
    *etype = "TypeError";
    if (fe->blocked != NULL) {
        snprintf(msg, size, "fetch to %s blocked: %s is %s address (nanod's SSRF guard; "
                 "fetch_allow = %s opens it)", fe->url, fe->blocked_addr, fe->blocked,
                 fe->blocked_addr[0] != '\0' ? fe->blocked_addr : "ADDRESS");
        return msg;
    }
    *etype = "Error";
    if (fe->too_big || fe->result == CURLE_FILESIZE_EXCEEDED
        || (!fe->streaming && (int64_t) fe->resp.len > fe->max_size)) {
        snprintf(msg, size, "fetch %s: the response body is larger than "
                 "fetch_max_response_size (%lld bytes)", fe->url, (long long) fe->max_size);
        return msg;
    }
    if (fe->hdrs_too_big) {
        snprintf(msg, size, "fetch %s: the response headers are larger than %d bytes", fe->url,
                 MAX_HEADER_BYTES);
        return msg;
    }
    if (fe->oom) {
        snprintf(msg, size, "fetch %s: out of memory", fe->url);
        return msg;
    }
    if (fe->result == CURLE_OPERATION_TIMEDOUT) {
        snprintf(msg, size, "fetch %s: no complete response within fetch_timeout (%lld ms)",
                 fe->url, (long long) fe->app->conf->limits.fetch_timeout_ms);
        return msg;
    }
    if (fe->result != CURLE_OK) {
        *etype = "TypeError";
        snprintf(msg, size, "fetch %s failed: %s", fe->url, fe->errbuf[0] != '\0' ? fe->errbuf
                 : curl_easy_strerror(fe->result));
        return msg;
    }
    return NULL;
}

/* 1 when a response with this status is a redirect that will be followed. */
static int
follows(struct nd_fetch *fe, long status)
{
    char *loc = NULL;

    return (status == 301 || status == 302 || status == 303 || status == 307 || status == 308)
           && fe->redirect != ND_REDIRECT_MANUAL
           && curl_easy_getinfo(fe->easy, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK
           && loc != NULL;
}

/* The hop is over: follow a redirect (0), or the transfer is finished (1, msg set on error). */
static int
next_hop(struct nd_fetch *fe, long status, const char **etype, char *msg, size_t size)
{
    char *loc = NULL, *url;
    int   te;

    if (!(status == 301 || status == 302 || status == 303 || status == 307 || status == 308)
        || fe->redirect == ND_REDIRECT_MANUAL
        || curl_easy_getinfo(fe->easy, CURLINFO_REDIRECT_URL, &loc) != CURLE_OK
        || loc == NULL) {
        return 1;
    }
    *etype = "TypeError";
    if (fe->redirect == ND_REDIRECT_ERROR) {
        snprintf(msg, size, "fetch %s: redirected (%ld) to %.200s, and redirect is \"error\"",
                 fe->url, status, loc);
        return 1;
    }
    if (++fe->hops > MAX_REDIRECTS) {
        snprintf(msg, size, "fetch %s: more than %d redirects", fe->url, MAX_REDIRECTS);
        return 1;
    }
    url = check_url(loc, &te, msg, size);
    if (url == NULL) {
        return 1;
    }
    if ((((status == 301 || status == 302) && strcmp(fe->method, "POST") == 0)
         || (status == 303 && strcmp(fe->method, "GET") != 0
             && strcmp(fe->method, "HEAD") != 0))) {
        char *get = strdup("GET");
        if (get == NULL || filter_headers(fe, drop_body_header) == -1) {
            free(get);
            free(url);
            snprintf(msg, size, "fetch: out of memory");
            return 1;
        }
        free(fe->method);
        fe->method = get;
        free(fe->body);
        fe->body = NULL;
        fe->body_len = 0;
    }
    if ((origin_len(url) != origin_len(fe->url)
         || strncasecmp(url, fe->url, origin_len(url)) != 0)
        && filter_headers(fe, drop_auth_header) == -1) {
        free(url);
        snprintf(msg, size, "fetch: out of memory");
        return 1;
    }
    free(fe->url);
    fe->url = url;
    if (nd_sys_now_ms() >= fe->deadline_ms) {
        fe->result = CURLE_OPERATION_TIMEDOUT;
        *etype = "Error";
        snprintf(msg, size, "fetch %s: no complete response within fetch_timeout (%lld ms)",
                 fe->url, (long long) fe->app->conf->limits.fetch_timeout_ms);
        return 1;
    }
    fe->blocked = NULL;
    if (activate(fe) == -1) {
        snprintf(msg, size, "fetch %s: cannot start the transfer", fe->url);
        return 1;
    }
    return 0;
}

/* Settles transfer fe in JS (if its invocation is still live) and frees it. */
static void
settle(struct nd_fetch *fe, const char *etype, const char *emsg, long status)
{
    struct nd_app *app = fe->app;
    struct nd_js  *js = app->js;
    struct result  r;
    double         io = fe->res.rq_id;
    size_t         need = sizeof(fe->status_text) * 2, off;

    if (!fe->streaming) {
        leave_active(fe, 1);
    }
    if (js == NULL || !nd_ioctx_live(app, io) || nd_js_push_lib_fn(js, "fetchDone") == -1) {
        if (fe->streaming) {
            drop(fe, 1);        /* the invocation is over: nobody reads the body */
            return;
        }
        fetch_free(fe);         /* the invocation is over: nobody waits */
        nd_ioctx_done(app, io);
        return;
    }
    for (off = 0; off < fe->rhdrs.len;) {
        size_t len = strlen((const char *) fe->rhdrs.p + off);
        need = len * 2 > need ? len * 2 : need;
        off += len + 1;
    }
    if (nd_buf_scratch(&fe->f->scratch, need) == NULL) {
        etype = "Error";
        emsg = "fetch: out of memory";
    }
    r.fe = fe;
    r.etype = etype;
    r.emsg = emsg;
    r.status = status;
    if (duk_safe_call(js->ctx, push_result, &r, 0, 10) != DUK_EXEC_SUCCESS) {
        duk_pop_n(js->ctx, 10);
        r.etype = "Error";
        r.emsg = "fetch: the response does not fit in the app's memory_limit";
        fe->streaming = 0;
        if (duk_safe_call(js->ctx, push_result, &r, 0, 10) != DUK_EXEC_SUCCESS) {
            duk_pop_n(js->ctx, 12);
            fetch_free(fe);
            return;
        }
    }
    if (fe->streaming && r.etype == NULL) {
        /* The body streams on: fe lives until it is read, aborted or cancelled. */
        nd_app_enter(app, io, 10);
        return;
    }
    fetch_free(fe);
    nd_app_enter(app, io, 10);
    nd_ioctx_done(app, io);
}

/* Deferred: finished hops, out of any curl callback. */
static void
on_done(evutil_socket_t fd, short what, void *arg)
{
    struct nd_fetcher *f = arg;
    struct nd_fetch   *fe;

    while ((fe = f->done_head) != NULL) {
        const char *etype = NULL, *emsg;
        char        msg[1024];
        long        status = 0;

        done_unlink(f, fe);
        if (fe->streaming) {
            /* The body was streaming: keep the result for the reader. */
            leave_active(fe, 1);
            fe->state = FE_ENDED;
            fe->end_type = NULL;
            emsg = failure(fe, &etype, msg, sizeof(msg));
            if (emsg != NULL) {
                fe->end_type = etype;
                snprintf(fe->end_msg, sizeof(fe->end_msg), "%s", emsg);
            }
            event_active(fe->kick, EV_TIMEOUT, 1);
            continue;
        }
        emsg = failure(fe, &etype, msg, sizeof(msg));
        if (emsg == NULL) {
            curl_easy_getinfo(fe->easy, CURLINFO_RESPONSE_CODE, &status);
            etype = NULL;
            if (next_hop(fe, status, &etype, msg, sizeof(msg)) == 0) {
                continue;       /* the next hop runs */
            }
            emsg = etype != NULL ? msg : NULL;
        }
        settle(fe, emsg != NULL ? etype : NULL, emsg, status);
    }
}

/* Starts queued transfers of c while it has room. */
static void
start_queued(struct nd_ioctx *c)
{
    while (c->queue_head != NULL
           && c->subreq_active < c->app->conf->limits.max_concurrent_subrequests) {
        struct nd_fetch *fe = c->queue_head;

        queue_unlink(fe);
        c->subreq_active++;
        if (activate(fe) == -1) {
            fe->result = CURLE_OUT_OF_MEMORY;
            fe->oom = 1;
            done_push(fe->f, fe);   /* fails from the deferred event */
        }
    }
}

int
nd_fetch_start(struct nd_app *app, const struct nd_fetch_req *r, int *is_type_error,
               char *msg, size_t size)
{
    const struct nd_limits *lim = &app->conf->limits;
    struct nd_fetcher      *f = fetcher(app->w);
    struct nd_ioctx        *c;
    struct nd_fetch        *fe = NULL;
    char                   *url = NULL, line[64];
    int                     i, ok = 1;

    *is_type_error = 0;
    if (f == NULL || (c = nd_ioctx_get(app, r->io)) == NULL) {
        snprintf(msg, size, "fetch: out of memory");
        return -1;
    }
    if (!nd_ioctx_live(app, r->io)) {
        snprintf(msg, size, "fetch: the request this code runs for is over (use "
                 "ctx.waitUntil() to keep work going after the response)");
        goto fail;
    }
    if (c->subreq_total >= lim->max_subrequests) {
        snprintf(msg, size, "fetch: too many subrequests: at most %lld per request "
                 "(max_subrequests)", (long long) lim->max_subrequests);
        goto fail;
    }
    url = check_url(r->url, is_type_error, msg, size);
    if (url == NULL) {
        goto fail;
    }
    fe = calloc(1, sizeof(*fe));
    if (fe == NULL) {
        snprintf(msg, size, "fetch: out of memory");
        goto fail;
    }
    fe->res.cancel = fetch_cancel;
    fe->res.rq_id = r->io;
    fe->sink_rq = -1;
    fe->kick = event_new(app->w->base, -1, 0, on_kick, fe);
    fe->f = f;
    fe->app = app;
    fe->id = r->id;
    fe->url = url;
    url = NULL;
    fe->redirect = r->redirect;
    fe->max_size = lim->fetch_max_response_size;
    fe->deadline_ms = nd_sys_now_ms() + lim->fetch_timeout_ms;
    fe->method = strdup(r->method);
    fe->pool = pool_for(f, app->conf);
    if (fe->method == NULL || fe->pool == NULL || fe->kick == NULL) {
        snprintf(msg, size, "fetch: out of memory");
        goto fail;
    }
    if (r->body != NULL) {
        fe->body = malloc(r->body_len + 1);
        if (fe->body == NULL) {
            snprintf(msg, size, "fetch: out of memory");
            goto fail;
        }
        memcpy(fe->body, r->body, r->body_len);
        fe->body_len = r->body_len;
    }
    for (i = 0; i < r->nhdrs; i++) {
        const char *name = r->hdrs[2 * i], *value = r->hdrs[2 * i + 1];
        size_t      nlen = r->hdr_lens[2 * i], vlen = r->hdr_lens[2 * i + 1];
        char       *h;

        if (skip_header(name, nlen)) {
            continue;
        }
        h = malloc(nlen + vlen + 3);
        if (h == NULL) {
            ok = 0;
            break;
        }
        memcpy(h, name, nlen);
        if (vlen == 0) {
            h[nlen] = ';';      /* curl: "name;" sends an empty header */
            h[nlen + 1] = '\0';
        } else {
            h[nlen] = ':';
            h[nlen + 1] = ' ';
            memcpy(h + nlen + 2, value, vlen);
            h[nlen + 2 + vlen] = '\0';
        }
        fe->hdrs = slist_add(fe->hdrs, h, &ok);
        free(h);
    }
    snprintf(line, sizeof(line), "Expect:");     /* no 100-continue round trip */
    fe->hdrs = slist_add(fe->hdrs, line, &ok);
    if (!ok) {
        snprintf(msg, size, "fetch: out of memory");
        goto fail;
    }
    if (nd_idmap_add(&f->ids, fe) == -1) {
        snprintf(msg, size, "fetch: out of memory");
        goto fail;
    }
    nd_app_res_add(app, &fe->res);
    c->subreq_total++;
    nd_app_subrequest(app, r->io);
    fe->state = FE_QUEUED;
    fe->prev = c->queue_tail;
    if (c->queue_tail != NULL) {
        c->queue_tail->next = fe;
    } else {
        c->queue_head = fe;
    }
    c->queue_tail = fe;
    start_queued(c);
    return 0;

fail:
    free(url);
    if (fe != NULL) {
        if (fe->kick != NULL) {
            event_free(fe->kick);
        }
        curl_slist_free_all(fe->hdrs);
        free(fe->method);
        free(fe->url);
        free(fe->body);
        free(fe);
    }
    nd_ioctx_release(c);
    return -1;
}

/* Drops fe wherever it is. start_next: let a queued transfer of its invocation start. */
static void
drop(struct nd_fetch *fe, int start_next)
{
    struct nd_app *app = fe->app;
    double         io = fe->res.rq_id;
    struct nd_rq  *rq = fe->sink_rq >= 0 ? nd_app_stream_rq(app, fe->sink_rq) : NULL;

    if (rq != NULL && rq->stream_arg == fe) {
        /* Spliced into a response that cannot be finished now: cut it. */
        rq->on_stream = NULL;
        rq->stream_arg = NULL;
        nd_app_stream_end(app, fe->sink_rq, 1);
    }
    switch (fe->state) {
    case FE_QUEUED:
        queue_unlink(fe);
        break;
    case FE_ENDED:
        break;
    case FE_ACTIVE:
        curl_multi_remove_handle(fe->pool->multi, fe->easy);
        leave_active(fe, start_next);
        break;
    default:
        done_unlink(fe->f, fe);
        leave_active(fe, start_next);
        break;
    }
    fetch_free(fe);
    if (start_next) {
        nd_ioctx_done(app, io);
    }
}

/* Worker exit: the map has unlinked fe already. */
static void
drop_quietly(void *fe)
{
    drop(fe, 0);
}

/* Request timeout, heap discarded, invocation over: never from a curl callback. */
static void
fetch_cancel(struct nd_app_res *res)
{
    drop((struct nd_fetch *) res, 0);
}

/* --- streamed bodies ----------------------------------------------------------------------- */

/* Resumes a paused transfer once its buffer is down to BUF_LOW. curl may
 * deliver what it held right away (on_write, which may pause again). */
static void
maybe_resume(struct nd_fetch *fe)
{
    if (fe->paused && fe->state == FE_ACTIVE && !fe->sink_blocked
        && fe->resp.len - fe->roff <= BUF_LOW) {
        fe->paused = 0;
        curl_easy_pause(fe->easy, CURLPAUSE_CONT);
    }
}

static int
splice_write(struct nd_fetch *fe, const void *data, size_t len)
{
    return nd_app_stream_write(fe->app, fe->sink_rq, data, len);
}

/* The spliced body is over (abort: cut the client's response). */
static void
splice_end(struct nd_fetch *fe, int abort)
{
    struct nd_app *app = fe->app;
    double         rq_id = fe->sink_rq;
    struct nd_rq  *rq = nd_app_stream_rq(app, rq_id);

    if (rq != NULL && rq->stream_arg == fe) {
        rq->on_stream = NULL;
        rq->stream_arg = NULL;
    }
    fe->sink_rq = -1;
    if (abort && fe->end_type != NULL) {
        nd_log(ND_LOG_ERROR, app->conf->name, "the proxied body failed, the response is cut "
               "short: %s", fe->end_msg);
    }
    drop(fe, 1);
    nd_app_stream_end(app, rq_id, abort);
}

/* Moves what is buffered to the client; ends the response with the body. */
static void
splice_pump(struct nd_fetch *fe)
{
    size_t avail = fe->resp.len - fe->roff;

    if (avail > 0 && !fe->sink_blocked) {
        int rc = splice_write(fe, fe->resp.p + fe->roff, avail);
        if (rc == -1) {
            splice_end(fe, 1);
            return;
        }
        fe->resp.len = fe->roff = 0;
        fe->sink_blocked = rc == 1;
    }
    if (fe->state == FE_ENDED && fe->resp.len == fe->roff) {
        splice_end(fe, fe->end_type != NULL);
        return;
    }
    maybe_resume(fe);
}

/* The client's connection drained (gone = 0) or the client left. */
static void
splice_on_stream(struct nd_rq *rq, int gone, void *arg)
{
    struct nd_fetch *fe = arg;

    if (gone) {
        splice_end(fe, 1);      /* aborts the upstream transfer */
        return;
    }
    fe->sink_blocked = 0;
    splice_pump(fe);
}

/* Deferred work of a transfer: resolve fetch() at the headers, wake a
 * waiting reader, feed a splice. */
static void
on_kick(evutil_socket_t fd, short what, void *arg)
{
    struct nd_fetch *fe = arg;
    struct nd_js    *js;

    if (!fe->streaming) {
        if (fe->hdr_ready && fe->state == FE_ACTIVE) {
            long status = 0;
            fe->streaming = 1;
            curl_easy_getinfo(fe->easy, CURLINFO_RESPONSE_CODE, &status);
            settle(fe, NULL, NULL, status);
        }
        return;                 /* FE_DONE: on_done settles the whole body */
    }
    if (fe->sink_rq >= 0) {
        splice_pump(fe);
        return;
    }
    js = fe->app->js;
    if (fe->js_waiting && (fe->resp.len > fe->roff || fe->state == FE_ENDED) && js != NULL
        && nd_js_push_lib_fn(js, "fetchData") == 0) {
        fe->js_waiting = 0;
        duk_push_number(js->ctx, fe->id);
        nd_app_enter(fe->app, fe->res.rq_id, 1);
    }
}

void
nd_fetch_read(struct nd_app *app, double id, size_t max, duk_context *ctx)
{
    struct nd_fetch *fe = fetch_find(app->w->fetcher, app, id);
    size_t           avail;

    if (fe == NULL || !fe->streaming || fe->sink_rq >= 0) {
        duk_push_array(ctx);
        duk_push_string(ctx, "TypeError");
        duk_put_prop_index(ctx, -2, 0);
        duk_push_string(ctx, "fetch: the response body was aborted");
        duk_put_prop_index(ctx, -2, 1);
        return;
    }
    avail = fe->resp.len - fe->roff;
    if (avail > 0) {
        size_t n = avail < max ? avail : max;
        void  *p = duk_push_fixed_buffer(ctx, n);

        memcpy(p, fe->resp.p + fe->roff, n);
        duk_push_buffer_object(ctx, -1, 0, n, DUK_BUFOBJ_UINT8ARRAY);
        duk_remove(ctx, -2);
        fe->roff += n;
        if (fe->roff == fe->resp.len) {
            fe->resp.len = fe->roff = 0;
        }
        maybe_resume(fe);
        return;
    }
    if (fe->state == FE_ENDED) {
        duk_push_array(ctx);
        if (fe->end_type != NULL) {
            duk_push_string(ctx, fe->end_type);
            duk_put_prop_index(ctx, -2, 0);
            duk_push_string(ctx, fe->end_msg);
            duk_put_prop_index(ctx, -2, 1);
        }
        drop(fe, 1);
        return;
    }
    fe->js_waiting = 1;
    duk_push_null(ctx);
}

int
nd_fetch_splice(struct nd_app *app, double id, double rq_id, int status, const char *reason,
                size_t rlen, const struct nd_hdr *hdrs, int n, int64_t len)
{
    struct nd_fetch *fe = fetch_find(app->w->fetcher, app, id);
    struct nd_rq    *rq;

    if (fe == NULL || !fe->streaming) {
        return -1;
    }
    if (fe->state == FE_ENDED && fe->end_type != NULL && fe->resp.len == fe->roff) {
        len = -1;               /* failed before a byte: no promise of a length */
    }
    if (nd_app_stream_begin(app, rq_id, status, reason, rlen, hdrs, n, len) == -1) {
        drop(fe, 1);
        return -1;
    }
    rq = nd_app_stream_rq(app, rq_id);
    if (rq == NULL) {
        drop(fe, 1);
        return -1;
    }
    rq->on_stream = splice_on_stream;
    rq->stream_arg = fe;
    fe->sink_rq = rq_id;
    fe->js_waiting = 0;
    if (rq->req->head) {
        splice_end(fe, 0);      /* the head is all the client wants */
        return 0;
    }
    splice_pump(fe);
    return 0;
}

int
nd_fetch_abort(struct nd_app *app, double id)
{
    struct nd_fetch *fe = fetch_find(app->w->fetcher, app, id);

    if (fe == NULL) {
        return 0;
    }
    drop(fe, 1);
    return 1;
}

int
nd_fetch_pending(struct nd_app *app, double id)
{
    return fetch_find(app->w->fetcher, app, id) != NULL;
}

void
nd_fetch_cleanup(struct nd_worker *w)
{
    struct nd_fetcher *f = w->fetcher;

    if (f == NULL) {
        return;
    }
    nd_idmap_sweep(&f->ids, NULL, drop_quietly);
    while (f->pools != NULL) {
        struct nd_pool *p = f->pools;
        f->pools = p->next;
        curl_multi_cleanup(p->multi);
        event_free(p->timer);
        free(p);
    }
    while (f->neasy > 0) {
        curl_easy_cleanup(f->easy_cache[--f->neasy]);
    }
    event_free(f->done_ev);
    nd_idmap_free(&f->ids);
    nd_buf_free(&f->scratch);
    free(f);
    w->fetcher = NULL;
}
