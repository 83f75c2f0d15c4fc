/*
 * Cron expressions: parse, match, next. Pure (libc only): see cron.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cron.h"

#define CRON_EXPR_MAX   256         /* bytes of one expression */
#define CRON_LIST_MAX   64          /* expressions per app */
#define NEXT_DAYS_MAX   (5 * 366)

struct field {
    const char         *name;
    int                 min, max;
    const char *const  *names;      /* names[i] is value min + i, or NULL */
};

static const char *const month_names[] = {
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", NULL
};
static const char *const dow_names[] = {
    "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL
};

static const struct field fields[5] = {
    { "minute", 0, 59, NULL },
    { "hour", 0, 23, NULL },
    { "day of month", 1, 31, NULL },
    { "month", 1, 12, month_names },
    { "day of week", 0, 7, dow_names },
};

static const struct {
    const char *name;
    const char *expr;
} macros[] = {
    { "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" }, { "@monthly", "0 0 1 * *" },
    { "@weekly", "0 0 * * 0" }, { "@daily", "0 0 * * *" }, { "@midnight", "0 0 * * *" },
    { "@hourly", "0 * * * *" },
};

static int
is_space(int c)
{
    return c == ' ' || c == '\t';
}

/* A number or a name at *sp (moves past it). -1 when neither. */
static int
parse_value(const struct field *f, const char **sp, int *v)
{
    const char *s = *sp;
    int         n = 0, i;

    if (*s >= '0' && *s <= '9') {
        while (*s >= '0' && *s <= '9') {
            n = n * 10 + (*s++ - '0');
            if (n > 1000) {
                return -1;
            }
        }
        *sp = s;
        *v = n;
        return 0;
    }
    for (i = 0; f->names != NULL && f->names[i] != NULL; i++) {
        if (strncasecmp(s, f->names[i], 3) == 0) {
            *sp = s + 3;
            *v = f->min + i;
            return 0;
        }
    }
    return -1;
}

/* One field (s .. end) -> bits. */
static int
parse_field(const struct field *f, int idx, const char *s, const char *end, uint64_t *bits,
            char *msg, size_t msgsize)
{
    const char *field = s;
    int         fieldno = idx + 1;

    *bits = 0;
    while (s < end) {
        const char *item = s;
        int         lo, hi, step = 1, v;

        if (*s == '*') {
            lo = f->min;
            hi = f->max;
            s++;
        } else {
            if (parse_value(f, &s, &lo) == -1) {
                goto bad;
            }
            hi = lo;
            if (*s == '-') {
                s++;
                if (parse_value(f, &s, &hi) == -1) {
                    goto bad;
                }
            }
        }
        if (*s == '/') {
            s++;
            if (!(*s >= '0' && *s <= '9')) {
                goto bad;
            }
            step = 0;
            while (*s >= '0' && *s <= '9') {
                step = step * 10 + (*s++ - '0');
                if (step > 1000) {
                    break;
                }
            }
            if (step == 0 || step > f->max) {
                snprintf(msg, msgsize, "field %d (%s): bad step in \"%.*s\"", fieldno, f->name,
                         (int) (end - item), item);
                return -1;
            }
            if (hi == lo && item[0] != '*') {
                hi = f->max;        /* "a/n": from a to the end */
            }
        }
        if (s < end && *s != ',') {
            goto bad;
        }
        if (lo < f->min || lo > f->max || hi < f->min || hi > f->max) {
            snprintf(msg, msgsize, "field %d (%s): \"%.*s\" is out of range %d-%d", fieldno,
                     f->name, (int) (s - item), item, f->min, f->max);
            return -1;
        }
        if (hi < lo) {
            snprintf(msg, msgsize, "field %d (%s): range \"%.*s\" goes backwards", fieldno,
                     f->name, (int) (s - item), item);
            return -1;
        }
        for (v = lo; v <= hi; v += step) {
            *bits |= 1ull << v;
        }
        if (s < end) {
            s++;                    /* ',' */
            if (s == end) {
                goto bad;
            }
        }
    }
    return 0;

bad:
    snprintf(msg, msgsize, "field %d (%s): cannot parse \"%.*s\"", fieldno, f->name,
             (int) (end - field > 40 ? 40 : end - field), field);
    return -1;
}

int
nd_cron_parse(const char *expr, struct nd_cron *c, char *msg, size_t msgsize)
{
    const char *s = expr, *start[5], *end[5];
    uint64_t    bits[5];
    size_t      i;
    int         n = 0;

    while (is_space((unsigned char) *s)) {
        s++;
    }
    if (*s == '@') {
        size_t len = strcspn(s, " \t");
        for (i = 0; i < sizeof(macros) / sizeof(macros[0]); i++) {
            if (strlen(macros[i].name) == len && strncasecmp(s, macros[i].name, len) == 0) {
                const char *t = s + len;
                while (is_space((unsigned char) *t)) {
                    t++;
                }
                if (*t != '\0') {
                    break;
                }
                return nd_cron_parse(macros[i].expr, c, msg, msgsize);
            }
        }
        snprintf(msg, msgsize, "unknown macro \"%.*s\" (use @yearly, @monthly, @weekly, @daily "
                 "or @hourly)", (int) (len > 40 ? 40 : len), s);
        return -1;
    }
    while (*s != '\0') {
        if (n == 5) {
            snprintf(msg, msgsize, "more than 5 fields in \"%s\" (minute hour day-of-month month "
                     "day-of-week; separate expressions with \", \")", expr);
            return -1;
        }
        start[n] = s;
        while (*s != '\0' && !is_space((unsigned char) *s)) {
            s++;
        }
        end[n++] = s;
        while (is_space((unsigned char) *s)) {
            s++;
        }
    }
    if (n != 5) {
        snprintf(msg, msgsize, "%d field%s in \"%s\", want 5 (minute hour day-of-month month "
                 "day-of-week)", n, n == 1 ? "" : "s", expr);
        return -1;
    }
    for (i = 0; i < 5; i++) {
        if (parse_field(&fields[i], (int) i, start[i], end[i], &bits[i], msg, msgsize) == -1) {
            return -1;
        }
    }
    memset(c, 0, sizeof(*c));
    c->minute = bits[0];
    c->hour = (uint32_t) bits[1];
    c->dom = (uint32_t) bits[2];
    c->month = (uint32_t) bits[3];
    c->dow = (uint32_t) ((bits[4] | (bits[4] >> 7)) & 0x7F);     /* 7 -> Sunday */
    c->dom_star = *start[2] == '*';
    c->dow_star = *start[4] == '*';
    return 0;
}

static void
free_list(char **list, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        free(list[i]);
    }
    free(list);
}

/* Parses buf[0..*blen) and appends it to *v. */
static int
flush(char *buf, size_t *blen, char ***v, int *nv, char *msg, size_t msgsize)
{
    struct nd_cron c;
    char         **nvp;

    if (*blen == 0) {
        snprintf(msg, msgsize, "empty cron expression");
        return -1;
    }
    buf[*blen] = '\0';
    if (nd_cron_parse(buf, &c, msg, msgsize) == -1) {
        return -1;
    }
    if (*nv == CRON_LIST_MAX) {
        snprintf(msg, msgsize, "more than %d cron expressions", CRON_LIST_MAX);
        return -1;
    }
    nvp = realloc(*v, (size_t) (*nv + 1) * sizeof(**v));
    if (nvp == NULL) {
        snprintf(msg, msgsize, "out of memory");
        return -1;
    }
    *v = nvp;
    nvp[*nv] = strdup(buf);
    if (nvp[*nv] == NULL) {
        snprintf(msg, msgsize, "out of memory");
        return -1;
    }
    (*nv)++;
    *blen = 0;
    return 0;
}

int
nd_cron_split(const char *list, char ***out, int *n, char *msg, size_t msgsize)
{
    char      **v = NULL, buf[CRON_EXPR_MAX];
    const char *s = list;
    size_t      blen = 0;
    int         nv = 0;

    for (;;) {
        const char *tok, *tend;

        while (is_space((unsigned char) *s)) {
            s++;
        }
        if (*s == '\0') {
            break;
        }
        tok = s;
        while (*s != '\0' && !is_space((unsigned char) *s)) {
            s++;
        }
        tend = s;
        if (*tok == ',') {          /* a separator before this token */
            if (flush(buf, &blen, &v, &nv, msg, msgsize) == -1) {
                goto fail;
            }
            tok++;
        }
        if (tend > tok && tend[-1] == ',') {
            tend--;
            if (tend == tok) {      /* a lone "," after ",": nothing between */
                snprintf(msg, msgsize, "empty cron expression between commas");
                goto fail;
            }
        }
        if (tend > tok) {
            size_t len = (size_t) (tend - tok);
            if (blen + len + 2 > sizeof(buf)) {
                snprintf(msg, msgsize, "cron expression too long (max %d bytes)",
                         CRON_EXPR_MAX - 2);
                goto fail;
            }
            if (blen > 0) {
                buf[blen++] = ' ';
            }
            memcpy(buf + blen, tok, len);
            blen += len;
        }
        if (s[-1] == ',' && s - 1 >= tok) {   /* a separator after this token */
            if (flush(buf, &blen, &v, &nv, msg, msgsize) == -1) {
                goto fail;
            }
            while (is_space((unsigned char) *s)) {
                s++;
            }
            if (*s == '\0' || *s == ',') {
                snprintf(msg, msgsize, "empty cron expression after \",\"");
                goto fail;
            }
        }
    }
    if (flush(buf, &blen, &v, &nv, msg, msgsize) == -1) {
        goto fail;
    }
    *out = v;
    *n = nv;
    return 0;

fail:
    free_list(v, nv);
    return -1;
}

/* The day of tm matches (month, day of month, day of week). */
static int
day_match(const struct nd_cron *c, const struct tm *tm)
{
    int dom_ok = (int) (c->dom >> tm->tm_mday & 1), dow_ok = (int) (c->dow >> tm->tm_wday & 1);

    if (!(c->month >> (tm->tm_mon + 1) & 1)) {
        return 0;
    }
    return c->dom_star || c->dow_star ? dom_ok && dow_ok : dom_ok || dow_ok;
}

int
nd_cron_match(const struct nd_cron *c, const struct tm *tm)
{
    return (c->minute >> tm->tm_min & 1) && (c->hour >> tm->tm_hour & 1) && day_match(c, tm);
}

int64_t
nd_cron_next(const struct nd_cron *c, int64_t after_s)
{
    time_t    t = (time_t) (after_s - (after_s % 60 + 60) % 60 + 60);
    struct tm tm;
    int       day, h, m;

    for (day = 0; day < NEXT_DAYS_MAX; day++) {
        gmtime_r(&t, &tm);
        if (day_match(c, &tm)) {
            for (h = tm.tm_hour; h < 24; h++) {
                if (!(c->hour >> h & 1)) {
                    continue;
                }
                for (m = h == tm.tm_hour ? tm.tm_min : 0; m < 60; m++) {
                    if (c->minute >> m & 1) {
                        return (int64_t) t + (int64_t) (h - tm.tm_hour) * 3600
                            + (int64_t) (m - tm.tm_min) * 60;
                    }
                }
            }
        }
        t += (time_t) ((24 - tm.tm_hour) * 3600 - tm.tm_min * 60);    /* next midnight */
    }
    return -1;
}
