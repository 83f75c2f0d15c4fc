/* Unit tests: Host -> app routing (worker/router.c). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "t.h"
#include "worker/router.h"

static int A, B, C, D, E, V6;      /* targets: only their addresses matter */

static void *
match(const struct nd_router *r, const char *host)
{
    return nd_router_match(r, host, strlen(host));
}

static const char *
name_of(void *p)
{
    return p == &A ? "A" : p == &B ? "B" : p == &C ? "C" : p == &D ? "D" : p == &E ? "E"
         : p == &V6 ? "V6" : p == NULL ? "NULL" : "?";
}

static struct nd_router *
fixture(void)
{
    struct nd_router *r = nd_router_new();

    if (r == NULL) {
        return NULL;
    }
    T_EQ_INT(nd_router_add(r, "*.example.com", &A), 0);
    T_EQ_INT(nd_router_add(r, "*.b.example.com", &B), 0);
    T_EQ_INT(nd_router_add(r, "x.b.example.com", &C), 0);
    T_EQ_INT(nd_router_add(r, "example.com", &E), 0);
    T_EQ_INT(nd_router_add(r, "::1", &V6), 0);
    return r;
}

T_CASE(exact_wildcard_default)
{
    static const struct { const char *host; void *want; } cases[] = {
        { "example.com", &E },                  /* exact, not the wildcard */
        { "q.example.com", &A },
        { "q.r.example.com", &A },              /* a wildcard spans labels */
        { "b.example.com", &A },                /* "*.b" needs one more label */
        { "y.b.example.com", &B },              /* longest suffix wins */
        { "z.y.b.example.com", &B },
        { "x.b.example.com", &C },              /* exact beats every wildcard */
        { "w.x.b.example.com", &B },
        { "example.org", &D },                  /* unknown: the default */
        { "com", &D },
        { "xexample.com", &D },                 /* a suffix only at a label boundary */
        { "", &D },                             /* no Host */
        { "bad host", &D },                     /* unusable Host */
        /* normalization */
        { "X.B.Example.COM", &C },
        { "x.b.example.com.", &C },
        { "x.b.example.com:8080", &C },
        { "X.B.EXAMPLE.COM.:8080", &C },
        { "Q.Example.Com:443", &A },
        { "[::1]:8080", &V6 },
        { "[::1]", &V6 },
        { "::1", &V6 },
        { "example.com:bad", &D },
        { "example.com..", &D },                /* only one trailing dot is dropped */
    };
    struct nd_router *r = fixture();
    size_t            i;

    T_TRUE(r != NULL);
    if (r == NULL) {
        return;
    }
    nd_router_set_default(r, &D);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        void *got = match(r, cases[i].host);

        if (got != cases[i].want) {
            T_FAIL_("match(\"%s\") = %s, want %s", cases[i].host, name_of(got),
                    name_of(cases[i].want));
        }
    }
    /* len is honoured: no NUL needed */
    T_TRUE(nd_router_match(r, "example.comXYZ", 11) == &E);
    nd_router_free(r);
}

T_CASE(no_default_is_null)
{
    struct nd_router *r = fixture();

    T_TRUE(r != NULL);
    if (r == NULL) {
        return;
    }
    T_TRUE(match(r, "example.org") == NULL);
    T_TRUE(match(r, "") == NULL);
    T_TRUE(match(r, "q.example.com") == &A);
    nd_router_free(r);

    r = nd_router_new();                        /* empty router */
    T_TRUE(match(r, "example.com") == NULL);
    nd_router_set_default(r, &D);
    T_TRUE(match(r, "example.com") == &D);
    nd_router_set_default(r, NULL);
    T_TRUE(match(r, "example.com") == NULL);
    nd_router_free(r);
    nd_router_free(NULL);
}

T_CASE(duplicates_and_invalid)
{
    struct nd_router *r = fixture();

    T_TRUE(r != NULL);
    if (r == NULL) {
        return;
    }
    T_EQ_INT(nd_router_add(r, "example.com", &B), -1);
    T_EQ_INT(nd_router_add(r, "EXAMPLE.com.", &B), -1);     /* same after normalization */
    T_EQ_INT(nd_router_add(r, "example.com:80", &B), -1);
    T_EQ_INT(nd_router_add(r, "*.example.com", &B), -1);
    T_EQ_INT(nd_router_add(r, "*.EXAMPLE.COM", &B), -1);
    T_EQ_INT(nd_router_add(r, "[::1]", &B), -1);
    T_EQ_INT(nd_router_add(r, "", &B), -1);
    T_EQ_INT(nd_router_add(r, "*", &B), -1);
    T_EQ_INT(nd_router_add(r, "*.", &B), -1);
    T_EQ_INT(nd_router_add(r, "a.*.com", &B), -1);
    T_EQ_INT(nd_router_add(r, "*a.com", &B), -1);
    T_EQ_INT(nd_router_add(r, "*.*.com", &B), -1);
    T_EQ_INT(nd_router_add(r, "a b.com", &B), -1);
    /* the failed adds changed nothing */
    T_TRUE(match(r, "example.com") == &E);
    T_TRUE(match(r, "q.example.com") == &A);
    /* an exact host and a wildcard on the same name are different keys */
    T_EQ_INT(nd_router_add(r, "q.example.com", &D), 0);
    T_TRUE(match(r, "q.example.com") == &D);
    T_TRUE(match(r, "r.example.com") == &A);
    nd_router_free(r);
}

T_CASE(ten_thousand_apps)
{
    enum { N = 10000 };
    static int        apps[N];
    struct nd_router *r = nd_router_new();
    char              host[128];
    int               i, bad = 0;
    long              lookups = 0;
    struct timespec   t0, t1;
    double            ns;

    T_TRUE(r != NULL);
    if (r == NULL) {
        return;
    }
    nd_router_set_default(r, &D);
    for (i = 0; i < N; i++) {
        snprintf(host, sizeof(host), "app%d.example.com", i);
        bad += nd_router_add(r, host, &apps[i]) != 0;
        snprintf(host, sizeof(host), "*.w%d.example.com", i);
        bad += nd_router_add(r, host, &apps[i]) != 0;
    }
    T_EQ_INT(bad, 0);
    for (i = 0; i < N; i++) {
        snprintf(host, sizeof(host), "APP%d.example.com:8080", i);
        bad += match(r, host) != &apps[i];
        snprintf(host, sizeof(host), "a.b.c.w%d.example.com", i);
        bad += match(r, host) != &apps[i];
        snprintf(host, sizeof(host), "w%d.example.com", i);             /* bare suffix */
        bad += match(r, host) != &D;
    }
    T_EQ_INT(bad, 0);
    T_TRUE(match(r, "app10000.example.com") == &D);

    /* O(labels): 1,000,000 lookups must be quick even in the sanitizer build
     * (the process's CPU time, not wall time: a loaded box took it past 5 s of
     * wall; a scan of the 10,000 apps per lookup would take minutes of CPU) */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    for (i = 0; i < 1000000; i++) {
        snprintf(host, sizeof(host), "x.y.w%d.example.com", i % N);
        lookups += match(r, host) == &apps[i % N];
    }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    ns = (double) (t1.tv_sec - t0.tv_sec) * 1e9 + (double) (t1.tv_nsec - t0.tv_nsec);
    T_EQ_INT(lookups, 1000000);
    printf("# 1e6 lookups: %.0f ns of CPU each (including snprintf)\n", ns / 1e6);
    T_TRUE(ns < 5e9);
    nd_router_free(r);
}

int
main(void)
{
    T_RUN(exact_wildcard_default);
    T_RUN(no_default_is_null);
    T_RUN(duplicates_and_invalid);
    T_RUN(ten_thousand_apps);
    return T_DONE();
}
