/*
 * HTTP/1.1 server connections on llhttp (our own layer, not evhttp).
 *
 * Worker only, on the worker's event_base. Accepts on inherited listener fds
 * (a few accept4 per wake-up), parses with llhttp in strict mode, and hands each
 * complete request (headers + whole body, capped) to one callback. The
 * callback answers now or later with nd_http_respond(); pipelined requests are
 * answered in order (the parser is paused while a response is pending).
 *
 * Errors the layer answers itself, plain text, then close:
 *   400 parse error / missing Host on 1.1, 408 header or body timeout (or a
 *   body slower than body_min_rate), 413 body > max_body_size, 414 target >
 *   max_url_size, 431 headers > max_header_size, 503 over max_connections
 *   (no idle keep-alive connection to close) or over max_body_memory.
 */
#ifndef ND_HTTP_H
#define ND_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/hdr.h"
#include "common/realip.h"

struct event_base;
struct nd_http;
struct nd_conn;
struct nd_req;

/* A response was handed to the layer in full (nd_http_respond, or
 * nd_http_stream_end): for metrics and the access log. req is still valid.
 * bytes_out counts the body (not the head); bytes_in the header lines and the
 * body. Not called for the layer's own error answers (400, 408, 413...). */
struct nd_http_done {
    int      status;
    uint64_t bytes_in;
    uint64_t bytes_out;
};
typedef void (*nd_http_done_cb)(struct nd_req *req, const struct nd_http_done *d, void *arg);

struct nd_http_conf {
    int64_t max_header_size;        /* bytes of all header lines -> 431 */
    int64_t max_url_size;           /* bytes of the request target -> 414 */
    int64_t max_body_size;          /* bytes -> 413 (the layer-wide cap; apps may lower) */
    int64_t header_timeout_ms;      /* first byte to end of headers -> 408 */
    int64_t body_timeout_ms;        /* between body reads -> 408 */
    int64_t body_min_rate;          /* bytes/s a body must average once body_timeout_ms
                                       of grace are over (Apache MinRate) -> 408; 0 = off */
    int64_t max_body_memory;        /* bytes of request buffers (target, headers, body)
                                       held per worker, parsed or with the owner -> 503
                                       for the request that would go past it; 0 = off */
    int64_t keepalive_timeout_ms;   /* idle between requests -> silent close */
    int     max_connections;        /* open connections per worker: an idle keep-alive
                                       one is closed to make room, else 503 + close */
    /* Or NULL: asked after each accepted connection with the open count; 1 = other
     * workers are much less loaded, so stop accepting for a moment (ms) and let
     * them take the next ones. */
    int   (*accept_yield)(int nconns, void *arg);
    void   *yield_arg;
    /* Or NULL: the open count is stored here on every accept and close (the worker's
     * scoreboard slot, which accept_yield of the other workers reads). Borrowed. */
    int32_t *nconns_out;
    const struct nd_cidr *trusted;  /* borrowed: trusted_proxies (whose X-Forwarded-For,
                                       Forwarded and PROXY headers are believed) */
    int             ntrusted;
    nd_http_done_cb on_done;        /* or NULL */
    void           *done_arg;
};

/* One request. Owned by the layer; valid from the callback until
 * nd_http_respond() returns, never after. All strings are NUL-terminated too. */
struct nd_req {
    const char          *method;        /* "GET", ... */
    size_t               method_len;
    const char          *target;        /* request target as received, "/p?q" */
    size_t               target_len;
    const char          *host;          /* Host header value or NULL */
    size_t               host_len;
    int                  http_major, http_minor;
    struct nd_hdr       *headers;       /* in order received */
    int                  nheaders;
    const char          *body;          /* "" when none */
    size_t               body_len;
    int                  head;          /* method is HEAD: the layer drops the body */
    int                  aborted;       /* client hung up; the response will be discarded */
    uint64_t             id;            /* per worker, increasing */
    int64_t              start_us;      /* monotonic, headers complete */
    struct sockaddr_storage peer;       /* the connection's: TCP peer, or the source a
                                           PROXY header from a trusted proxy gave */
    struct nd_ip         client;        /* the client: peer, or what trusted proxies say
                                           in X-Forwarded-For (else Forwarded) */
    void                *udata;         /* for the callback's owner */
    int64_t              cpu_us;        /* the owner's: JS CPU, for on_done */
    uint32_t             subrequests;   /* the owner's: fetch() calls, for on_done */
    uint32_t             binding_calls; /* the owner's: KV/D1 calls, for on_done */
    uint8_t              rid_len;       /* > 0: "x-request-id: rid" is added to the response
                                           (one the owner set in hdrs is dropped) */
    char                 rid[65];       /* the owner's: request id, NUL-terminated */
    struct nd_conn      *conn;          /* internal */
};

/* Called once per complete request. Must lead to exactly one nd_http_respond()
 * on this req, now or later (also when req->aborted becomes true). */
typedef void (*nd_http_request_cb)(struct nd_req *req, void *arg);

struct nd_http *nd_http_new(struct event_base *base, const struct nd_http_conf *conf,
                            nd_http_request_cb cb, void *arg);
/* Starts accepting on fd (non-blocking listener, not owned: never closed). */
int nd_http_listen(struct nd_http *http, int fd);
/* The same; proxy_protocol: every connection starts with a PROXY v1/v2 header and
 * comes from conf.trusted, else it is closed. */
int nd_http_listen_pp(struct nd_http *http, int fd, int proxy_protocol);

/* Answers req and releases it. hdrs must not include Content-Length,
 * Transfer-Encoding, Connection or Date (the layer writes those). body is
 * copied; len is its size (Content-Length). Returns 0, or -1 if the
 * connection is gone (req is released either way). */
int nd_http_respond(struct nd_req *req, int status, const struct nd_hdr *hdrs, int nhdrs,
                    const void *body, size_t len);
/* The same with a reason phrase for the status line (rlen bytes; NULL, empty,
 * or with a control character: the standard one). */
int nd_http_respond_reason(struct nd_req *req, int status, const char *reason, size_t rlen,
                           const struct nd_hdr *hdrs, int nhdrs, const void *body, size_t len);

/* Streaming form, for bodies of unknown length: chunked on HTTP/1.1, close-
 * delimited on 1.0. begin, then any number of writes, then end (which releases
 * req). write returns 1 when the connection's output is over its high-water
 * mark: stop producing until on_writable(arg) is called. */
typedef void (*nd_http_writable_cb)(struct nd_req *req, void *arg);
int nd_http_stream_begin(struct nd_req *req, int status, const struct nd_hdr *hdrs, int nhdrs,
                         nd_http_writable_cb on_writable, void *arg);
int nd_http_stream_write(struct nd_req *req, const void *data, size_t len);
int nd_http_stream_end(struct nd_req *req);
/* The same with a reason phrase (as nd_http_respond_reason) and, when len >= 0,
 * Content-Length: len instead of chunked (writing more closes the connection;
 * ending with fewer closes it after what was written). on_writable is also
 * called once when the client hangs up (req->aborted is then 1). */
int nd_http_stream_begin_ex(struct nd_req *req, int status, const char *reason, size_t rlen,
                            const struct nd_hdr *hdrs, int nhdrs, int64_t len,
                            nd_http_writable_cb on_writable, void *arg);
/* Ends a stream that failed: what was queued is still sent, then the
 * connection closes without the terminating chunk (the client sees a cut
 * body, never a complete one). Releases req like nd_http_stream_end. */
int nd_http_stream_abort(struct nd_req *req);

/* Graceful: stop accepting; a busy connection closes after its current response
 * (Connection: close); an idle one is answered the same way if a request comes
 * within a short grace (1 s, or the keep-alive / header timeout when shorter),
 * else closed then, so that a request already on its way is never reset. done()
 * runs once when no connection is left, from the loop (never inside this call,
 * also when none is open now). */
void nd_http_drain(struct nd_http *http, void (*done)(void *arg), void *arg);

int nd_http_nconns(const struct nd_http *http);
/* Bytes of request buffers held now (what max_body_memory bounds). */
size_t nd_http_body_memory(const struct nd_http *http);
/* Bytes of big request buffers freed since the last call (to decide on a
 * malloc_trim). */
size_t nd_http_take_freed(struct nd_http *http);
/* Closes every connection. Not from this layer's callbacks. A request still
 * with its owner stays valid (aborted) until nd_http_respond() returns -1. */
void nd_http_free(struct nd_http *http);

const char *nd_http_reason(int status);    /* "Not Found"; "" when unknown */

#endif
