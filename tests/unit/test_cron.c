/* Unit tests: cron expressions (common/cron.c). */
#include <stdlib.h>
#include <time.h>

#include "t.h"
#include "common/cron.c"

static int64_t
utc(int y, int mon, int d, int h, int mi)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    return (int64_t) timegm(&tm);
}

static int
matches(const char *expr, int64_t t)
{
    struct nd_cron c;
    struct tm      tm;
    time_t         tt = (time_t) t;
    char           msg[256];

    if (nd_cron_parse(expr, &c, msg, sizeof(msg)) == -1) {
        fprintf(stderr, "  parse(\"%s\"): %s\n", expr, msg);
        return -1;
    }
    gmtime_r(&tt, &tm);
    return nd_cron_match(&c, &tm);
}

static int64_t
next(const char *expr, int64_t after)
{
    struct nd_cron c;
    char           msg[256];

    if (nd_cron_parse(expr, &c, msg, sizeof(msg)) == -1) {
        return -2;
    }
    return nd_cron_next(&c, after);
}

T_CASE(parse_fields)
{
    struct nd_cron c;
    char           msg[256];

    T_EQ_INT(nd_cron_parse("*/5 * * * *", &c, msg, sizeof(msg)), 0);
    T_EQ_INT(c.minute, 0x0084210842108421ull);
    T_EQ_INT(c.hour, 0xFFFFFF);
    T_EQ_INT(nd_cron_parse("0,30 9-17/2 1,15 jan-MAR,dec mon-fri", &c, msg, sizeof(msg)), 0);
    T_EQ_INT(c.minute, (1ull << 0) | (1ull << 30));
    T_EQ_INT(c.hour, (1 << 9) | (1 << 11) | (1 << 13) | (1 << 15) | (1 << 17));
    T_EQ_INT(c.dom, (1 << 1) | (1 << 15));
    T_EQ_INT(c.month, (1 << 1) | (1 << 2) | (1 << 3) | (1 << 12));
    T_EQ_INT(c.dow, 0x3E);
    T_EQ_INT(c.dom_star, 0);
    T_EQ_INT(nd_cron_parse("5/20 * * * 7", &c, msg, sizeof(msg)), 0);
    T_EQ_INT(c.minute, (1ull << 5) | (1ull << 25) | (1ull << 45));
    T_EQ_INT(c.dow, 1);                 /* 7 is Sunday */
    T_EQ_INT(nd_cron_parse("  @daily ", &c, msg, sizeof(msg)), 0);
    T_EQ_INT(c.minute, 1);
    T_EQ_INT(c.hour, 1);
}

T_CASE(parse_errors)
{
    static const struct { const char *in; const char *msg; } cases[] = {
        { "* * * *", "4 fields in \"* * * *\", want 5 (minute hour day-of-month month "
          "day-of-week)" },
        { "", "0 fields in \"\", want 5 (minute hour day-of-month month day-of-week)" },
        { "60 * * * *", "field 1 (minute): \"60\" is out of range 0-59" },
        { "* 24 * * *", "field 2 (hour): \"24\" is out of range 0-23" },
        { "* * 0 * *", "field 3 (day of month): \"0\" is out of range 1-31" },
        { "* * * 13 *", "field 4 (month): \"13\" is out of range 1-12" },
        { "* * * * 8", "field 5 (day of week): \"8\" is out of range 0-7" },
        { "5-1 * * * *", "field 1 (minute): range \"5-1\" goes backwards" },
        { "*/0 * * * *", "field 1 (minute): bad step in \"*/0\"" },
        { "a * * * *", "field 1 (minute): cannot parse \"a\"" },
        { "1, * * * *", "field 1 (minute): cannot parse \"1,\"" },
        { "1-x * * * *", "field 1 (minute): cannot parse \"1-x\"" },
        { "* * * foo *", "field 4 (month): cannot parse \"foo\"" },
        { "@often", "unknown macro \"@often\" (use @yearly, @monthly, @weekly, @daily or "
          "@hourly)" },
        { "* * * * * *", "more than 5 fields in \"* * * * * *\" (minute hour day-of-month "
          "month day-of-week; separate expressions with \", \")" },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct nd_cron c;
        char           msg[256] = "";

        if (nd_cron_parse(cases[i].in, &c, msg, sizeof(msg)) != -1) {
            T_FAIL_("nd_cron_parse(\"%s\") accepted", cases[i].in);
            continue;
        }
        T_EQ_STR(msg, cases[i].msg);
    }
}

T_CASE(match_dom_dow)
{
    /* 2026-11-25 is a Wednesday */
    T_EQ_INT(matches("*/5 * * * *", utc(2026, 11, 25, 10, 5)), 1);
    T_EQ_INT(matches("*/5 * * * *", utc(2026, 11, 25, 10, 6)), 0);
    T_EQ_INT(matches("0 12 * * 3", utc(2026, 11, 25, 12, 0)), 1);
    T_EQ_INT(matches("0 12 * * wed", utc(2026, 11, 26, 12, 0)), 0);
    /* both restricted: either matches (Vixie) */
    T_EQ_INT(matches("0 0 1 * 3", utc(2026, 11, 25, 0, 0)), 1);
    T_EQ_INT(matches("0 0 1 * 3", utc(2026, 12, 1, 0, 0)), 1);
    T_EQ_INT(matches("0 0 1 * 3", utc(2026, 11, 24, 0, 0)), 0);
    /* one starts with '*': both must */
    T_EQ_INT(matches("0 0 */2 * 3", utc(2026, 11, 25, 0, 0)), 1);
    T_EQ_INT(matches("0 0 */2 * 3", utc(2026, 11, 26, 0, 0)), 0);
    T_EQ_INT(matches("0 0 */2 * 4", utc(2026, 11, 26, 0, 0)), 0);
}

T_CASE(next_fire)
{
    int64_t t = utc(2026, 11, 25, 10, 3);

    T_EQ_INT(next("*/5 * * * *", t), utc(2026, 11, 25, 10, 5));
    T_EQ_INT(next("*/5 * * * *", t + 59), utc(2026, 11, 25, 10, 5));
    T_EQ_INT(next("* * * * *", utc(2026, 11, 25, 10, 5)), utc(2026, 11, 25, 10, 6));
    T_EQ_INT(next("0 0 * * *", t), utc(2026, 11, 26, 0, 0));
    T_EQ_INT(next("30 8 1 1 *", t), utc(2027, 1, 1, 8, 30));
    T_EQ_INT(next("0 0 29 2 *", t), utc(2028, 2, 29, 0, 0));
    T_EQ_INT(next("0 0 30 2 *", t), -1);
    T_EQ_INT(next("59 23 31 12 *", utc(2026, 12, 31, 23, 58)), utc(2026, 12, 31, 23, 59));
}

T_CASE(split_lists)
{
    static const struct { const char *in; int n; const char *first, *last; } ok[] = {
        { "*/5 * * * *", 1, "*/5 * * * *", "*/5 * * * *" },
        { "*/5 * * * *, 0 12 * * 1", 2, "*/5 * * * *", "0 12 * * 1" },
        { "0,30 * * * *", 1, "0,30 * * * *", "0,30 * * * *" },
        { "0,30 * * * * , @hourly ,1 2 3 4 5", 3, "0,30 * * * *", "1 2 3 4 5" },
        { "  1   2  3 4 5  ", 1, "1 2 3 4 5", "1 2 3 4 5" },
    };
    static const char *const bad[] = {
        "", ",", "* * * * *,", ", * * * * *", "* * * * *, , 1 * * * *", "* * * * *,0 12 * * 1",
        "* * * *",
    };
    size_t i;

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        char **v = NULL, msg[256] = "";
        int    n = 0, j;

        if (nd_cron_split(ok[i].in, &v, &n, msg, sizeof(msg)) == -1) {
            T_FAIL_("nd_cron_split(\"%s\"): %s", ok[i].in, msg);
            continue;
        }
        T_EQ_INT(n, ok[i].n);
        T_EQ_STR(v[0], ok[i].first);
        T_EQ_STR(v[n - 1], ok[i].last);
        for (j = 0; j < n; j++) {
            free(v[j]);
        }
        free(v);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char **v = NULL, msg[256] = "";
        int    n = 0;

        if (nd_cron_split(bad[i], &v, &n, msg, sizeof(msg)) != -1) {
            T_FAIL_("nd_cron_split(\"%s\") accepted", bad[i]);
        }
    }
}

int
main(void)
{
    T_RUN(parse_fields);
    T_RUN(parse_errors);
    T_RUN(match_dom_dow);
    T_RUN(next_fire);
    T_RUN(split_lists);
    return T_DONE();
}
