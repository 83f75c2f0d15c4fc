/*
 * Scoreboard -> Prometheus text, status JSON and HTML (see metrics.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/metrics.h"
#include "common/sys.h"

/* --- escapers ------------------------------------------------------------- */

void
nd_metrics_label(struct nd_buf *t, const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '"' || *s == '\\') {
            ND_BUF_ADDS(t, "\\");
            nd_buf_add(t, s, 1);
        } else if (*s == '\n') {
            ND_BUF_ADDS(t, "\\n");
        } else {
            nd_buf_add(t, s, 1);
        }
    }
}

void
nd_metrics_html(struct nd_buf *t, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '<': ND_BUF_ADDS(t, "&lt;"); break;
        case '>': ND_BUF_ADDS(t, "&gt;"); break;
        case '&': ND_BUF_ADDS(t, "&amp;"); break;
        case '"': ND_BUF_ADDS(t, "&quot;"); break;
        default: nd_buf_add(t, s, 1); break;
        }
    }
}

/* --- sums -------------------------------------------------------------------- */

void
nd_metrics_sum_app(const struct nd_sb *sb, uint32_t ai, struct nd_sb_app *out)
{
    uint32_t s;
    int      i;

    memset(out, 0, sizeof(*out));
    for (s = 0; s < sb->hdr->nslots; s++) {
        const struct nd_sb_app *a;
        if (!sb->slots[s].used) {
            continue;
        }
        a = &sb->apps[(size_t) s * sb->hdr->app_cap + ai];
        for (i = 0; i < 5; i++) {
            out->status[i] += a->status[i];
        }
        for (i = 0; i < ND_SB_NBUCKETS; i++) {
            out->dur[i] += a->dur[i];
            out->cpu[i] += a->cpu[i];
        }
        out->dur_sum_us += a->dur_sum_us;
        out->cpu_sum_us += a->cpu_sum_us;
        out->bytes_in += a->bytes_in;
        out->bytes_out += a->bytes_out;
        out->exceptions += a->exceptions;
        out->kill_cpu += a->kill_cpu;
        out->kill_memory += a->kill_memory;
        out->kill_timeout += a->kill_timeout;
        out->heap_builds += a->heap_builds;
        if (sb->slots[s].state != ND_SB_FREE) {
            out->loaded_heaps += a->loaded_heaps;
            out->load_failed += a->load_failed;
        }
        out->subrequests += a->subrequests;
        out->shed_backoff += a->shed_backoff;
        out->shed_concurrency += a->shed_concurrency;
        out->log_dropped += a->log_dropped;
        out->log_truncated += a->log_truncated;
        out->script_compiles += a->script_compiles;
    }
}

static const char *
app_name(const struct nd_sb *sb, uint32_t ai)
{
    return sb->names + (size_t) ai * ND_SB_NAME_MAX;
}

/* Copies the last reload text consistently (seqlock against the supervisor). */
static void
reload_text(const struct nd_sb *sb, char *out, size_t size)
{
    const struct nd_sb_header *h = sb->hdr;
    uint32_t                   s1, s2;
    int                        tries = 0;

    do {
        s1 = __atomic_load_n(&h->text_seq, __ATOMIC_ACQUIRE);
        memcpy(out, h->last_reload_text, size < ND_SB_TEXT_MAX ? size : ND_SB_TEXT_MAX);
        out[size - 1] = '\0';
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        s2 = __atomic_load_n(&h->text_seq, __ATOMIC_ACQUIRE);
    } while ((s1 != s2 || (s1 & 1)) && ++tries < 100);
}

/* A worker's RSS now (/proc/PID/statm, readable by any user), not the value
 * its slot got at its last refresh (every 2 s, and long ago for an idle
 * worker whose loop sleeps): the slot's value only when /proc says nothing. */
static int64_t
slot_rss(const struct nd_sb_slot *w)
{
    int64_t rss = w->pid > 0 ? nd_sys_rss((pid_t) w->pid) : -1;

    return rss > 0 ? rss : w->rss;
}

/* "ok", "stale", "failed" or "removed" (not in the serving config). */
static const char *
state_name(int state)
{
    static const char *const names[] = { "removed", "ok", "stale", "failed" };

    return state >= 0 && state <= 3 ? names[state] : "removed";
}

/* --- Prometheus ---------------------------------------------------------------- */

static void
family(struct nd_buf *t, const char *name, const char *type, const char *help)
{
    nd_buf_printf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void
nd_metrics_histogram(struct nd_buf *t, const char *name, const char *labels,
                     const uint64_t *buckets, const int64_t *bounds, uint64_t sum_us, double div)
{
    uint64_t cum = 0;
    int      i;
    const char *sep = labels[0] != '\0' ? "," : "";

    for (i = 0; i < ND_SB_NBUCKETS; i++) {
        cum += buckets[i];
        if (i < ND_SB_NBUCKETS - 1) {
            nd_buf_printf(t, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep,
                           (double) bounds[i] / div, (unsigned long long) cum);
        } else {
            nd_buf_printf(t, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
                           (unsigned long long) cum);
        }
    }
    nd_buf_printf(t, "%s_sum{%s} %.6f\n", name, labels, (double) sum_us / div);
    nd_buf_printf(t, "%s_count{%s} %llu\n", name, labels, (unsigned long long) cum);
}

static void
app_counter(struct nd_buf *t, const struct nd_sb *sb, const struct nd_sb_app *sums,
            const char *name, const char *type, const char *help, size_t off)
{
    uint32_t ai;

    family(t, name, type, help);
    for (ai = 0; ai < sb->hdr->napps; ai++) {
        const char *base = (const char *) &sums[ai];
        uint64_t    v;
        memcpy(&v, base + off, sizeof(v));
        nd_buf_printf(t, "%s{app=\"", name);
        nd_metrics_label(t, app_name(sb, ai));
        nd_buf_printf(t, "\"} %lld\n", (long long) v);
    }
}

/* app="NAME" into labels (cut to its size). */
static void
app_label(const struct nd_sb *sb, uint32_t ai, char *labels, size_t size)
{
    struct nd_buf l;

    nd_buf_init_fixed(&l, labels, size - 1);
    ND_BUF_ADDS(&l, "app=\"");
    nd_metrics_label(&l, app_name(sb, ai));
    ND_BUF_ADDS(&l, "\"");
    labels[l.len] = '\0';
}

#define OFF(f) offsetof(struct nd_sb_app, f)

static int
bind_cmp(const void *a, const void *b)
{
    const struct nd_sb_bind *x = a, *y = b;
    int                      c = x->ai - y->ai;

    if (c == 0) {
        c = strcmp(x->name, y->name);
    }
    return c != 0 ? c : x->kind - y->kind;
}

/* app="A",binding="B",kind="K",store="S" of a binding's row. */
static void
bind_labels(struct nd_buf *t, const struct nd_sb *sb, const struct nd_sb_bind *r)
{
    ND_BUF_ADDS(t, "app=\"");
    nd_metrics_label(t, app_name(sb, (uint32_t) r->ai));
    nd_buf_printf(t, "\",binding=\"%s\",kind=\"%s\",store=\"%s\"", r->name,
                  nd_sb_bind_kind_names[r->kind], nd_sb_bind_store_names[r->kind]);
}

/* nanod_binding_*: each binding's entries summed over the used slots. */
static void
binding_metrics(const struct nd_sb *sb, struct nd_buf *t)
{
    static const struct {
        const char *name, *help;
        size_t      off;
    } counters[2] = {
        { "nanod_binding_operations_total",
          "Binding calls (KV, D1) that ended, by app, binding, kind and store.",
          offsetof(struct nd_sb_bind, ops) },
        { "nanod_binding_errors_total",
          "Binding calls that failed (the app saw an error), by app, binding, kind and store.",
          offsetof(struct nd_sb_bind, errors) },
    };
    const struct nd_sb_header *h = sb->hdr;
    struct nd_sb_bind         *all = NULL, *tmp;
    size_t                     n = 0, cap = 0, i, k;
    uint32_t                   s;
    int                        b, c;

    for (s = 0; sb->binds != NULL && s < h->nslots; s++) {
        const struct nd_sb_bind *tb = &sb->binds[(size_t) s * ND_SB_BINDS];
        if (!sb->slots[s].used) {
            continue;
        }
        for (k = 0; k < ND_SB_BINDS && __atomic_load_n(&tb[k].used, __ATOMIC_ACQUIRE); k++) {
            const struct nd_sb_bind *e = &tb[k];
            if (e->ai < 0 || (uint32_t) e->ai >= h->napps || e->kind < 0
                || e->kind >= ND_SB_BIND_NKINDS || memchr(e->name, 0, sizeof(e->name)) == NULL) {
                continue;
            }
            for (i = 0; i < n; i++) {
                if (all[i].ai == e->ai && all[i].kind == e->kind
                    && strcmp(all[i].name, e->name) == 0) {
                    break;
                }
            }
            if (i == n) {
                if (n == cap) {
                    cap = cap > 0 ? cap * 2 : 16;
                    tmp = realloc(all, cap * sizeof(*all));
                    if (tmp == NULL) {
                        free(all);
                        t->failed = 1;
                        return;
                    }
                    all = tmp;
                }
                memset(&all[n], 0, sizeof(all[n]));
                all[n].ai = e->ai;
                all[n].kind = e->kind;
                memcpy(all[n].name, e->name, sizeof(e->name));
                n++;
            }
            all[i].ops += e->ops;
            all[i].errors += e->errors;
            all[i].dur_sum_us += e->dur_sum_us;
            for (b = 0; b < ND_SB_NBUCKETS; b++) {
                all[i].dur[b] += e->dur[b];
            }
        }
    }
    if (n > 1) {
        qsort(all, n, sizeof(*all), bind_cmp);
    }
    for (c = 0; c < 2; c++) {
        family(t, counters[c].name, "counter", counters[c].help);
        for (i = 0; i < n; i++) {
            uint64_t v;
            memcpy(&v, (const char *) &all[i] + counters[c].off, sizeof(v));
            nd_buf_printf(t, "%s{", counters[c].name);
            bind_labels(t, sb, &all[i]);
            nd_buf_printf(t, "} %llu\n", (unsigned long long) v);
        }
    }
    family(t, "nanod_binding_duration_seconds", "histogram",
           "Time from a binding call to its result on the event loop, in seconds.");
    for (i = 0; i < n; i++) {
        char          labels[ND_SB_NAME_MAX * 2 + ND_SB_BIND_NAME_MAX + 64];
        struct nd_buf l;
        nd_buf_init_fixed(&l, labels, sizeof(labels) - 1);
        bind_labels(&l, sb, &all[i]);
        labels[l.len] = '\0';
        nd_metrics_histogram(t, "nanod_binding_duration_seconds", labels, all[i].dur,
                             nd_sb_cpu_bounds_us, all[i].dur_sum_us, 1e6);
    }
    free(all);
}

void
nd_metrics_render(const struct nd_sb *sb, int64_t now_unix_ms, struct nd_buf *t)
{
    const struct nd_sb_header *h = sb->hdr;
    struct nd_sb_app          *sums;
    uint32_t                   ai, s;
    int                        i, nup = 0;
    char                       labels[ND_SB_NAME_MAX * 2 + 16];
    static const char *const   kills[] = { "cpu", "memory", "timeout" };

    sums = calloc(h->napps > 0 ? h->napps : 1, sizeof(*sums));
    if (sums == NULL) {
        t->failed = 1;
        return;
    }
    for (ai = 0; ai < h->napps; ai++) {
        nd_metrics_sum_app(sb, ai, &sums[ai]);
    }
    for (s = 0; s < h->nslots; s++) {
        nup += sb->slots[s].state == ND_SB_READY;
    }

    family(t, "nanod_requests_total", "counter", "Requests answered, by app and status class.");
    for (ai = 0; ai < h->napps; ai++) {
        for (i = 0; i < 5; i++) {
            ND_BUF_ADDS(t, "nanod_requests_total{app=\"");
            nd_metrics_label(t, app_name(sb, ai));
            nd_buf_printf(t, "\",code=\"%dxx\"} %llu\n", i + 1,
                           (unsigned long long) sums[ai].status[i]);
        }
    }
    family(t, "nanod_request_duration_seconds", "histogram",
           "Time from the end of the request headers to the response, in seconds.");
    for (ai = 0; ai < h->napps; ai++) {
        app_label(sb, ai, labels, sizeof(labels));
        nd_metrics_histogram(t, "nanod_request_duration_seconds", labels, sums[ai].dur,
                             nd_sb_dur_bounds_us, sums[ai].dur_sum_us, 1e6);
    }
    family(t, "nanod_request_cpu_milliseconds", "histogram",
           "JavaScript CPU time per request, in milliseconds.");
    for (ai = 0; ai < h->napps; ai++) {
        app_label(sb, ai, labels, sizeof(labels));
        nd_metrics_histogram(t, "nanod_request_cpu_milliseconds", labels, sums[ai].cpu,
                             nd_sb_cpu_bounds_us, sums[ai].cpu_sum_us, 1e3);
    }
    app_counter(t, sb, sums, "nanod_received_bytes_total", "counter",
                "Request bytes received (header lines and body).", OFF(bytes_in));
    app_counter(t, sb, sums, "nanod_sent_bytes_total", "counter",
                "Response body bytes sent.", OFF(bytes_out));
    app_counter(t, sb, sums, "nanod_exceptions_total", "counter",
                "Uncaught JavaScript errors.", OFF(exceptions));
    family(t, "nanod_limit_kills_total", "counter",
           "Heaps discarded (cpu, memory) or requests cut (timeout) by a limit.");
    for (ai = 0; ai < h->napps; ai++) {
        uint64_t v[3] = { sums[ai].kill_cpu, sums[ai].kill_memory, sums[ai].kill_timeout };
        for (i = 0; i < 3; i++) {
            ND_BUF_ADDS(t, "nanod_limit_kills_total{app=\"");
            nd_metrics_label(t, app_name(sb, ai));
            nd_buf_printf(t, "\",limit=\"%s\"} %llu\n", kills[i], (unsigned long long) v[i]);
        }
    }
    app_counter(t, sb, sums, "nanod_heap_builds_total", "counter",
                "Duktape heaps built (first use, after a limit kill or eviction).",
                OFF(heap_builds));
    app_counter(t, sb, sums, "nanod_script_compiles_total", "counter",
                "Heaps whose script a worker compiled itself instead of loading the compile "
                "check's bytecode (missing or refused; 0 when all is well).",
                OFF(script_compiles));
    app_counter(t, sb, sums, "nanod_loaded_heaps", "gauge",
                "Heaps alive, summed over workers.", OFF(loaded_heaps));
    app_counter(t, sb, sums, "nanod_subrequests_total", "counter",
                "fetch() calls started.", OFF(subrequests));
    family(t, "nanod_app_state", "gauge", "1 for the state each configured app is in: ok (its "
           "script), stale (its last good version: the script is broken), failed (503).");
    for (ai = 0; ai < h->napps; ai++) {
        static const char *const st[] = { "ok", "stale", "failed" };
        struct nd_sb_appinfo     info;
        nd_sb_get_app_state(sb, ai, &info);
        for (i = 0; info.state > 0 && i < 3; i++) {
            ND_BUF_ADDS(t, "nanod_app_state{app=\"");
            nd_metrics_label(t, app_name(sb, ai));
            nd_buf_printf(t, "\",state=\"%s\"} %d\n", st[i], info.state == i + 1);
        }
    }
    app_counter(t, sb, sums, "nanod_app_load_failed_workers", "gauge",
                "Workers in which the app failed to load although it compiled (its top-level "
                "code threw, or ran out of time or memory): it answers 503 there until its "
                "script changes.", OFF(load_failed));
    family(t, "nanod_app_last_good_build_timestamp_seconds", "gauge",
           "Unix time when the version each app runs was built (0: none, failed).");
    for (ai = 0; ai < h->napps; ai++) {
        struct nd_sb_appinfo info;
        nd_sb_get_app_state(sb, ai, &info);
        if (info.state > 0) {
            ND_BUF_ADDS(t, "nanod_app_last_good_build_timestamp_seconds{app=\"");
            nd_metrics_label(t, app_name(sb, ai));
            nd_buf_printf(t, "\"} %.3f\n", (double) info.good_built_unix_ms / 1e3);
        }
    }
    family(t, "nanod_app_error_info", "gauge",
           "Why an app is stale or failed: its script's error (file:line: message).");
    for (ai = 0; ai < h->napps; ai++) {
        struct nd_sb_appinfo info;
        nd_sb_get_app_state(sb, ai, &info);
        if (info.state > 1 && info.error[0] != '\0') {
            ND_BUF_ADDS(t, "nanod_app_error_info{app=\"");
            nd_metrics_label(t, app_name(sb, ai));
            ND_BUF_ADDS(t, "\",error=\"");
            nd_metrics_label(t, info.error);
            ND_BUF_ADDS(t, "\"} 1\n");
        }
    }
    family(t, "nanod_shed_requests_total", "counter",
           "Requests refused with 503 without running the app, by reason.");
    for (ai = 0; ai < h->napps; ai++) {
        uint64_t v[2] = { sums[ai].shed_backoff, sums[ai].shed_concurrency };
        static const char *const why[2] = { "cpu_backoff", "max_concurrent_requests" };
        for (i = 0; i < 2; i++) {
            ND_BUF_ADDS(t, "nanod_shed_requests_total{app=\"");
            nd_metrics_label(t, app_name(sb, ai));
            nd_buf_printf(t, "\",reason=\"%s\"} %llu\n", why[i], (unsigned long long) v[i]);
        }
    }
    app_counter(t, sb, sums, "nanod_log_lines_dropped_total", "counter",
                "App log lines dropped by log_rate.", OFF(log_dropped));
    app_counter(t, sb, sums, "nanod_log_lines_truncated_total", "counter",
                "App log lines cut to log_line_max.", OFF(log_truncated));
    binding_metrics(sb, t);

    family(t, "nanod_workers", "gauge", "Worker processes accepting (READY).");
    nd_buf_printf(t, "nanod_workers %d\n", nup);
    family(t, "nanod_generation", "gauge", "Configuration generation serving.");
    nd_buf_printf(t, "nanod_generation %d\n", h->generation);
    family(t, "nanod_reloads_total", "counter", "Reloads, by result.");
    nd_buf_printf(t, "nanod_reloads_total{result=\"ok\"} %lld\n", (long long) h->reloads_ok);
    nd_buf_printf(t, "nanod_reloads_total{result=\"failed\"} %lld\n",
                   (long long) h->reloads_failed);
    family(t, "nanod_last_reload_timestamp_seconds", "gauge",
           "Unix time of the last reload (0: none).");
    nd_buf_printf(t, "nanod_last_reload_timestamp_seconds %.3f\n",
                   (double) h->last_reload_unix_ms / 1e3);
    family(t, "nanod_uptime_seconds", "gauge", "Seconds since the supervisor started.");
    nd_buf_printf(t, "nanod_uptime_seconds %.3f\n",
                   (double) (now_unix_ms - h->start_unix_ms) / 1e3);
    family(t, "nanod_worker_rss_bytes", "gauge", "Resident set size of each live worker.");
    for (s = 0; s < h->nslots; s++) {
        const struct nd_sb_slot *w = &sb->slots[s];
        if (w->state != ND_SB_FREE && w->pid > 0) {
            nd_buf_printf(t, "nanod_worker_rss_bytes{pid=\"%d\"} %lld\n", w->pid,
                           (long long) slot_rss(w));
        }
    }
    family(t, "nanod_worker_requests_total", "counter", "Requests taken by each live worker.");
    for (s = 0; s < h->nslots; s++) {
        const struct nd_sb_slot *w = &sb->slots[s];
        if (w->state != ND_SB_FREE && w->pid > 0) {
            nd_buf_printf(t, "nanod_worker_requests_total{pid=\"%d\"} %llu\n", w->pid,
                           (unsigned long long) w->requests);
        }
    }
    free(sums);
}

/* --- status ----------------------------------------------------------------- */

static void
iso_time(int64_t unix_ms, char *out, size_t size)
{
    time_t    sec = (time_t) (unix_ms / 1000);
    struct tm tm;

    if (unix_ms <= 0) {
        snprintf(out, size, "%s", "");
        return;
    }
    gmtime_r(&sec, &tm);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int) (unix_ms % 1000));
}

void
nd_metrics_status_json(const struct nd_sb *sb, int64_t now_unix_ms, struct nd_buf *t)
{
    const struct nd_sb_header *h = sb->hdr;
    char                       ts[40], text[ND_SB_TEXT_MAX];
    uint32_t                   s, ai;
    int                        first = 1;

    iso_time(h->start_unix_ms, ts, sizeof(ts));
    nd_buf_printf(t, "{\"start_time\":\"%s\",\"uptime_s\":%.3f,\"generation\":%d,"
                   "\"workers_configured\":%d,\"workers_up\":%d,\"full\":%s,"
                   "\"reloads\":{\"ok\":%lld,\"failed\":%lld},", ts,
                   (double) (now_unix_ms - h->start_unix_ms) / 1e3, h->generation,
                   h->workers_conf, h->workers_up, h->full ? "true" : "false",
                   (long long) h->reloads_ok, (long long) h->reloads_failed);
    iso_time(h->last_reload_unix_ms, ts, sizeof(ts));
    reload_text(sb, text, sizeof(text));
    nd_buf_printf(t, "\"last_reload\":{\"time\":\"%s\",\"ok\":%s,\"text\":\"", ts,
                   h->last_reload_unix_ms == 0 ? "null" : h->last_reload_ok ? "true" : "false");
    nd_buf_json(t, text, strlen(text));
    ND_BUF_ADDS(t, "\"},\"workers\":[");
    for (s = 0; s < h->nslots; s++) {
        const struct nd_sb_slot *w = &sb->slots[s];
        if (w->state == ND_SB_FREE) {
            continue;
        }
        iso_time(w->started_unix_ms, ts, sizeof(ts));
        nd_buf_printf(t, "%s{\"slot\":%u,\"pid\":%d,\"generation\":%d,\"index\":%d,"
                       "\"state\":\"%s\",\"started\":\"%s\",\"requests\":%llu,"
                       "\"rss_bytes\":%lld}", first ? "" : ",", s, w->pid, w->generation,
                       w->index, nd_sb_wstate_names[w->state & 3], ts,
                       (unsigned long long) w->requests, (long long) slot_rss(w));
        first = 0;
    }
    ND_BUF_ADDS(t, "],\"apps\":{");
    for (ai = 0; ai < h->napps; ai++) {
        struct nd_sb_app     a;
        struct nd_sb_appinfo info;
        uint64_t             n = 0;
        int                  i;
        nd_metrics_sum_app(sb, ai, &a);
        nd_sb_get_app_state(sb, ai, &info);
        for (i = 0; i < 5; i++) {
            n += a.status[i];
        }
        nd_buf_printf(t, "%s\"", ai == 0 ? "" : ",");
        nd_buf_json(t, app_name(sb, ai), strlen(app_name(sb, ai)));
        iso_time(info.good_built_unix_ms, ts, sizeof(ts));
        if (info.state == 1 && a.load_failed > 0) {
            info.state = 3;     /* compiles, but fails to load in the workers */
            snprintf(info.error, sizeof(info.error), "the script compiles but failed to load "
                     "in %lld worker(s) (its top-level code threw, or ran out of time or "
                     "memory): see the error log", (long long) a.load_failed);
        }
        nd_buf_printf(t, "\":{\"state\":\"%s\",\"error\":", state_name(info.state));
        if (info.error[0] != '\0') {
            ND_BUF_ADDS(t, "\"");
            nd_buf_json(t, info.error, strlen(info.error));
            ND_BUF_ADDS(t, "\"");
        } else {
            ND_BUF_ADDS(t, "null");
        }
        if (info.good_built_unix_ms > 0) {
            nd_buf_printf(t, ",\"last_good_built\":\"%s\",", ts);
        } else {
            ND_BUF_ADDS(t, ",\"last_good_built\":null,");
        }
        nd_buf_printf(t, "\"requests\":%llu,\"1xx\":%llu,\"2xx\":%llu,\"3xx\":%llu,"
                       "\"4xx\":%llu,\"5xx\":%llu,\"duration_ms_avg\":%.3f,"
                       "\"cpu_ms_avg\":%.3f,\"bytes_in\":%llu,\"bytes_out\":%llu,"
                       "\"exceptions\":%llu,\"kills\":{\"cpu\":%llu,\"memory\":%llu,"
                       "\"timeout\":%llu},\"heap_builds\":%llu,\"loaded_heaps\":%lld,"
                       "\"subrequests\":%llu}",
                       (unsigned long long) n, (unsigned long long) a.status[0],
                       (unsigned long long) a.status[1], (unsigned long long) a.status[2],
                       (unsigned long long) a.status[3], (unsigned long long) a.status[4],
                       n > 0 ? (double) a.dur_sum_us / 1e3 / (double) n : 0.0,
                       n > 0 ? (double) a.cpu_sum_us / 1e3 / (double) n : 0.0,
                       (unsigned long long) a.bytes_in, (unsigned long long) a.bytes_out,
                       (unsigned long long) a.exceptions, (unsigned long long) a.kill_cpu,
                       (unsigned long long) a.kill_memory, (unsigned long long) a.kill_timeout,
                       (unsigned long long) a.heap_builds, (long long) a.loaded_heaps,
                       (unsigned long long) a.subrequests);
    }
    ND_BUF_ADDS(t, "}}\n");
}

void
nd_metrics_status_html(const struct nd_sb *sb, int64_t now_unix_ms, struct nd_buf *t)
{
    const struct nd_sb_header *h = sb->hdr;
    char                       ts[40], text[ND_SB_TEXT_MAX];
    uint32_t                   s, ai;

    iso_time(h->start_unix_ms, ts, sizeof(ts));
    nd_buf_printf(t, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                   "<title>nanod status</title><style>body{font-family:sans-serif}"
                   "td,th{padding:2px 8px;text-align:right}</style></head><body>\n"
                   "<h1>nanod status</h1>\n<p>Started %s, up %.0f s. Generation %d: %d of %d "
                   "workers ready. Reloads: %lld ok, %lld failed.</p>\n", ts,
                   (double) (now_unix_ms - h->start_unix_ms) / 1e3, h->generation,
                   h->workers_up, h->workers_conf, (long long) h->reloads_ok,
                   (long long) h->reloads_failed);
    iso_time(h->last_reload_unix_ms, ts, sizeof(ts));
    reload_text(sb, text, sizeof(text));
    nd_buf_printf(t, "<p>Last reload: %s %s</p><pre>", h->last_reload_unix_ms == 0 ? "none"
                   : h->last_reload_ok ? "ok" : "FAILED", ts);
    nd_metrics_html(t, text);
    ND_BUF_ADDS(t, "</pre>\n<h2>Workers</h2>\n<table><tr><th>pid</th><th>gen</th><th>index</th>"
                "<th>state</th><th>started</th><th>requests</th><th>RSS KiB</th></tr>\n");
    for (s = 0; s < h->nslots; s++) {
        const struct nd_sb_slot *w = &sb->slots[s];
        if (w->state == ND_SB_FREE) {
            continue;
        }
        iso_time(w->started_unix_ms, ts, sizeof(ts));
        nd_buf_printf(t, "<tr><td>%d</td><td>%d</td><td>%d</td><td>%s</td><td>%s</td>"
                       "<td>%llu</td><td>%lld</td></tr>\n", w->pid, w->generation, w->index,
                       nd_sb_wstate_names[w->state & 3], ts, (unsigned long long) w->requests,
                       (long long) (slot_rss(w) / 1024));
    }
    ND_BUF_ADDS(t, "</table>\n<h2>Apps</h2>\n<table><tr><th>app</th><th>state</th>"
                "<th>last good build</th><th>error</th><th>requests</th>"
                "<th>2xx</th><th>4xx</th><th>5xx</th><th>exceptions</th><th>cpu kills</th>"
                "<th>memory kills</th><th>timeouts</th><th>heap builds</th></tr>\n");
    for (ai = 0; ai < h->napps; ai++) {
        struct nd_sb_app     a;
        struct nd_sb_appinfo info;
        uint64_t             n = 0;
        int                  i;
        nd_metrics_sum_app(sb, ai, &a);
        nd_sb_get_app_state(sb, ai, &info);
        for (i = 0; i < 5; i++) {
            n += a.status[i];
        }
        if (info.state == 1 && a.load_failed > 0) {
            info.state = 3;
            snprintf(info.error, sizeof(info.error), "the script compiles but failed to load "
                     "in %lld worker(s): see the error log", (long long) a.load_failed);
        }
        ND_BUF_ADDS(t, "<tr><td style=\"text-align:left\">");
        nd_metrics_html(t, app_name(sb, ai));
        iso_time(info.good_built_unix_ms, ts, sizeof(ts));
        nd_buf_printf(t, "</td><td>%s</td><td>%s</td><td style=\"text-align:left\">",
                       state_name(info.state), ts);
        nd_metrics_html(t, info.error);
        nd_buf_printf(t, "</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td>"
                       "<td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td>"
                       "</tr>\n", (unsigned long long) n, (unsigned long long) a.status[1],
                       (unsigned long long) a.status[3], (unsigned long long) a.status[4],
                       (unsigned long long) a.exceptions, (unsigned long long) a.kill_cpu,
                       (unsigned long long) a.kill_memory, (unsigned long long) a.kill_timeout,
                       (unsigned long long) a.heap_builds);
    }
    ND_BUF_ADDS(t, "</table>\n</body></html>\n");
}
