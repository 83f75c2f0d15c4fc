/*
 * Fuzz target: the HTTP/1.1 request path (worker/http.c on llhttp).
 * One input = the bytes a client sends on one connection, then half-close.
 * The server side runs the real connection code on a socketpair; the
 * request callback answers at once (echoing the body) or, for every third
 * request, on a later loop turn, to exercise pipelining and pausing.
 * Invariant checked: never more final responses than requests plus one
 * error (interim 100 Continue responses are not counted).
 *
 * libFuzzer (make fuzz) or the corpus driver (driver.c, in make test).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "worker/http.c"

struct fz {
    struct event_base *base;
    struct nd_http    *http;
    struct nd_req     *later[64];
    int                nlater;
    int                requests;
};

static struct fz g;

static void
on_req(struct nd_req *req, void *arg)
{
    static const struct nd_hdr h = { "content-type", 12, "text/plain", 10 };

    g.requests++;
    if (g.requests % 3 == 0 && g.nlater < 64) {
        g.later[g.nlater++] = req;
        return;
    }
    nd_http_respond(req, 200, &h, 1, req->body, req->body_len);
}

static void
setup(void)
{
    struct nd_http_conf conf = {
        .max_header_size = 4096, .max_url_size = 1024, .max_body_size = 8192,
        .header_timeout_ms = 1000, .body_timeout_ms = 1000, .keepalive_timeout_ms = 1000,
        .max_connections = 16,
    };

    signal(SIGPIPE, SIG_IGN);
    g.base = event_base_new();
    g.http = nd_http_new(g.base, &conf, on_req, NULL);
    nd_log_set_level(ND_LOG_ERROR + 1);
}

static size_t
count_responses(const char *buf, size_t n)
{
    size_t i, c = 0;

    for (i = 0; i + 9 <= n; i++) {
        /* Final responses only: "100 Continue" is an interim one. */
        if (memcmp(buf + i, "HTTP/1.1 ", 9) == 0 && (i == 0 || buf[i - 1] == '\n')
            && !(i + 12 <= n && memcmp(buf + i + 9, "100", 3) == 0)) {
            c++;
        }
    }
    return c;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sockaddr_storage peer;
    static char             out[1 << 20];
    size_t                  got = 0;
    int                     sv[2], i, spins;

    if (g.base == NULL) {
        setup();
    }
    if (size > 65536) {
        return 0;
    }
    g.requests = 0;
    g.nlater = 0;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == -1) {
        abort();
    }
    memset(&peer, 0, sizeof(peer));
    peer.ss_family = AF_UNIX;
    if (conn_new(g.http, sv[0], &peer) == NULL) {
        abort();
    }
    (void) !write(sv[1], data, size);
    shutdown(sv[1], SHUT_WR);
    for (spins = 0; spins < 200 && nd_http_nconns(g.http) > 0; spins++) {
        ssize_t n;
        event_base_loop(g.base, EVLOOP_NONBLOCK);
        for (i = 0; i < g.nlater; i++) {
            nd_http_respond(g.later[i], 204, NULL, 0, NULL, 0);
        }
        g.nlater = 0;
        while ((n = read(sv[1], out + got, sizeof(out) - got)) > 0) {
            got += (size_t) n;
            if (got == sizeof(out)) {
                got = 0;
            }
        }
        if (n == 0) {
            break;          /* the server closed: done */
        }
    }
    close(sv[1]);
    /* Let the server side see the close and free the connection. */
    for (spins = 0; spins < 50 && nd_http_nconns(g.http) > 0; spins++) {
        event_base_loop(g.base, EVLOOP_NONBLOCK);
        for (i = 0; i < g.nlater; i++) {
            nd_http_respond(g.later[i], 204, NULL, 0, NULL, 0);
        }
        g.nlater = 0;
    }
    if (got < sizeof(out) && count_responses(out, got) > (size_t) g.requests + 1) {
        fprintf(stderr, "fuzz_http: %zu responses for %d requests\n",
                count_responses(out, got), g.requests);
        abort();
    }
    return 0;
}
