/*
 * Admin listener: /healthz, /metrics, /status (see admin.h).
 */
#include <event2/event.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/metrics.h"
#include "common/scoreboard.h"
#include "worker/admin.h"

/* GLOBAL: the admin listener of this worker. */
static struct {
    struct nd_http *http;
    const char     *token;          /* borrowed: the worker's config */
} g_admin;

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
