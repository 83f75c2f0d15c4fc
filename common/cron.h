/*
 * Cron expressions (pure: libc only, no clock of its own). Used by the config
 * loader to validate `cron = ...` and by the worker's scheduler (worker/scheduler.c).
 *
 * Standard 5 fields, UTC: minute hour day-of-month month day-of-week.
 * Each field: `*`, a number, a range `a-b`, a step (`*` then `/n`, `a-b/n`, `a/n`),
 * or a comma list of those; months `jan`-`dec`, days `sun`-`sat` (any case),
 * day-of-week 0-7 (0 and 7 are Sunday). As in Vixie cron, when both
 * day-of-month and day-of-week are restricted (neither starts with `*`), a day
 * matches if EITHER does. Macros: @yearly @annually @monthly @weekly @daily
 * @midnight @hourly.
 */
#ifndef ND_CRON_H
#define ND_CRON_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct nd_cron {
    uint64_t minute;        /* bit n: minute n, 0-59 */
    uint32_t hour;          /* 0-23 */
    uint32_t dom;           /* 1-31 */
    uint32_t month;         /* 1-12 */
    uint32_t dow;           /* 0-6, Sunday = 0 */
    int      dom_star;      /* the field started with '*' */
    int      dow_star;
};

/* One expression -> *c. 0, or -1 with msg ("field 2 (hour): 24 is out of range 0-23"). */
int nd_cron_parse(const char *expr, struct nd_cron *c, char *msg, size_t msgsize);

/*
 * A list of expressions as written in apps.ini: separated by commas that stand
 * apart from the fields ("0-59/5 * * * *, 0 12 * * 1"); a comma inside a field
 * ("0,30 * * * *") belongs to it. Each expression is checked with
 * nd_cron_parse(). 0 with *out (caller frees each string and the array) and
 * *n, or -1 with msg and nothing allocated.
 */
int nd_cron_split(const char *list, char ***out, int *n, char *msg, size_t msgsize);

/* 1 when the minute of tm (UTC, broken down by gmtime_r) matches. */
int nd_cron_match(const struct nd_cron *c, const struct tm *tm);

/* The first matching minute strictly after after_s (Unix seconds), as Unix
 * seconds; -1 when none within 5 years (e.g. "0 0 30 2 *"). */
int64_t nd_cron_next(const struct nd_cron *c, int64_t after_s);

#endif
