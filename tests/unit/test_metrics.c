/* Scoreboard buckets and the Prometheus exposition. */
#include "common/metrics.c"
#include "common/scoreboard.c"
#include "tests/unit/t.h"

T_CASE(buckets)
{
    T_EQ_INT(nd_sb_bucket(nd_sb_dur_bounds_us, 0), 0);
    T_EQ_INT(nd_sb_bucket(nd_sb_dur_bounds_us, 1000), 0);
    T_EQ_INT(nd_sb_bucket(nd_sb_dur_bounds_us, 1001), 1);
    T_EQ_INT(nd_sb_bucket(nd_sb_dur_bounds_us, 999999999), ND_SB_NBUCKETS - 1);
}

T_CASE(histogram_cumulative)
{
    struct nd_buf t = { 0 };
    uint64_t       b[ND_SB_NBUCKETS] = { 1, 2, 0, 3 };

    nd_metrics_histogram(&t, "x", "app=\"a\"", b, nd_sb_dur_bounds_us, 1500000, 1e6);
    T_TRUE(strstr(nd_buf_str(&t), "x_bucket{app=\"a\",le=\"0.001\"} 1\n") != NULL);
    T_TRUE(strstr(nd_buf_str(&t), "x_bucket{app=\"a\",le=\"0.005\"} 3\n") != NULL);
    T_TRUE(strstr(nd_buf_str(&t), "x_bucket{app=\"a\",le=\"0.025\"} 6\n") != NULL);
    T_TRUE(strstr(nd_buf_str(&t), "x_bucket{app=\"a\",le=\"+Inf\"} 6\n") != NULL);
    T_TRUE(strstr(nd_buf_str(&t), "x_sum{app=\"a\"} 1.500000\n") != NULL);
    T_TRUE(strstr(nd_buf_str(&t), "x_count{app=\"a\"} 6\n") != NULL);
    nd_buf_free(&t);
}

T_CASE(render_sums_slots)
{
    struct nd_buf t = { 0 };
    int            a;

    T_EQ_INT(nd_sb_create(4, 8), 0);
    a = nd_sb_app_index("blog");
    T_EQ_INT(a, 0);
    T_EQ_INT(nd_sb_app_index("blog"), 0);
    T_EQ_INT(nd_sb_slot_take(1, 0), 0);
    T_EQ_INT(nd_sb_slot_take(1, 1), 1);
    nd_sb_self = 0;
    nd_sb_request(a, 200, 2000, 100, 10, 20);
    nd_sb_self = 1;
    nd_sb_request(a, 503, 2000000, 50000, 10, 20);
    nd_sb_request(a, 204, 10, 0, 10, 20);
    nd_sb_self = -1;
    nd_sb_slot_free(1);         /* a dead worker's counters still count */
    nd_metrics_render(nd_sb_map, nd_sb_now_unix_ms(), &t);
    T_TRUE(strstr(nd_buf_str(&t), "# TYPE nanod_requests_total counter\n") != NULL);
    T_TRUE(strstr(nd_buf_str(&t), "nanod_requests_total{app=\"blog\",code=\"2xx\"} 2\n") != NULL);
    T_TRUE(strstr(nd_buf_str(&t), "nanod_requests_total{app=\"blog\",code=\"5xx\"} 1\n") != NULL);
    T_TRUE(strstr(nd_buf_str(&t), "nanod_request_duration_seconds_count{app=\"blog\"} 3\n") != NULL);
    T_TRUE(strstr(nd_buf_str(&t), "nanod_sent_bytes_total{app=\"blog\"} 60\n") != NULL);
    nd_buf_free(&t);
    nd_sb_destroy();
}

T_CASE(label_escape)
{
    struct nd_buf t = { 0 };

    nd_metrics_label(&t, "a\"b\\c\nd");
    T_EQ_STR(nd_buf_str(&t), "a\\\"b\\\\c\\nd");
    nd_buf_free(&t);
}

int
main(void)
{
    T_RUN(buckets);
    T_RUN(histogram_cumulative);
    T_RUN(render_sums_slots);
    T_RUN(label_escape);
    return T_DONE();
}
