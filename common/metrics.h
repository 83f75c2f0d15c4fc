/*
 * Scoreboard -> text: Prometheus exposition (text format 0.0.4), the status
 * page as JSON and HTML. Pure over a struct nd_sb (any process; the admin
 * listener runs it in a worker). Per-app values are summed over every slot
 * that was ever used.
 */
#ifndef ND_METRICS_H
#define ND_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "common/scoreboard.h"

/* A growable text buffer; oom is set (and appends stop) when malloc fails. */
struct nd_text {
    char   *p;                      /* owned, NUL-terminated once anything was added */
    size_t  len;
    size_t  cap;
    int     oom;
};

void nd_text_add(struct nd_text *t, const char *s, size_t n);
#define ND_TEXT_ADDS(t, lit) nd_text_add((t), (lit), sizeof(lit) - 1)
void nd_text_printf(struct nd_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* s escaped for a JSON string / Prometheus label value / HTML text. */
void nd_text_json(struct nd_text *t, const char *s);
void nd_text_label(struct nd_text *t, const char *s);
void nd_text_html(struct nd_text *t, const char *s);
void nd_text_free(struct nd_text *t);

/* One app's counters summed over all used slots. */
void nd_metrics_sum_app(const struct nd_sb *sb, uint32_t ai, struct nd_sb_app *out);

/* Histogram lines: name_bucket{labels,le="..."} cumulative, _sum, _count.
 * bounds in us; div converts a bound/sum to the unit (1e6 seconds, 1e3 ms). */
void nd_metrics_histogram(struct nd_text *t, const char *name, const char *labels,
                          const uint64_t *buckets, const int64_t *bounds, uint64_t sum_us,
                          double div);

void nd_metrics_render(const struct nd_sb *sb, int64_t now_unix_ms, struct nd_text *t);
void nd_metrics_status_json(const struct nd_sb *sb, int64_t now_unix_ms, struct nd_text *t);
void nd_metrics_status_html(const struct nd_sb *sb, int64_t now_unix_ms, struct nd_text *t);

#endif
