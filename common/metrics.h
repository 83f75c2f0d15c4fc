/*
 * Scoreboard -> text: Prometheus exposition (text format 0.0.4), the status
 * page as JSON and HTML. Pure over a struct nd_sb (any process; the admin
 * listener runs it in a worker). Per-app values are summed over every slot
 * that was ever used. Text goes into a growable struct nd_buf: check its
 * failed flag (out of memory) before use.
 */
#ifndef ND_METRICS_H
#define ND_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/scoreboard.h"

/* s escaped for a Prometheus label value / HTML text (JSON: nd_buf_json). */
void nd_metrics_label(struct nd_buf *t, const char *s);
void nd_metrics_html(struct nd_buf *t, const char *s);

/* One app's counters summed over all used slots. */
void nd_metrics_sum_app(const struct nd_sb *sb, uint32_t ai, struct nd_sb_app *out);

/* Histogram lines: name_bucket{labels,le="..."} cumulative, _sum, _count.
 * bounds in us; div converts a bound/sum to the unit (1e6 seconds, 1e3 ms). */
void nd_metrics_histogram(struct nd_buf *t, const char *name, const char *labels,
                          const uint64_t *buckets, const int64_t *bounds, uint64_t sum_us,
                          double div);

void nd_metrics_render(const struct nd_sb *sb, int64_t now_unix_ms, struct nd_buf *t);
void nd_metrics_status_json(const struct nd_sb *sb, int64_t now_unix_ms, struct nd_buf *t);
void nd_metrics_status_html(const struct nd_sb *sb, int64_t now_unix_ms, struct nd_buf *t);

#endif
