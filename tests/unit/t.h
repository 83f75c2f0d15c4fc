/*
 * Minimal unit-test harness. Each test binary's last line is exactly
 * "N passed, N failed"; the exit status is 1 when anything failed.
 *
 *   T_CASE(name) { T_EQ_INT(1 + 1, 2); T_EQ_STR(s, "x"); T_TRUE(p != NULL); }
 *   int main(void) { T_RUN(name); return T_DONE(); }
 */
#ifndef ND_T_H
#define ND_T_H

#include <stdio.h>
#include <string.h>

static int t_passed, t_failed, t_case_failed;

#define T_FAIL_(fmt, ...) do { \
    t_case_failed = 1; \
    fprintf(stderr, "  FAIL %s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__); \
} while (0)

#define T_TRUE(c) do { if (!(c)) T_FAIL_("%s", #c); } while (0)
#define T_EQ_INT(a, b) do { \
    long long t_a_ = (long long) (a), t_b_ = (long long) (b); \
    if (t_a_ != t_b_) T_FAIL_("%s == %lld, want %lld", #a, t_a_, t_b_); \
} while (0)
#define T_EQ_STR(a, b) do { \
    const char *t_a_ = (a), *t_b_ = (b); \
    if (t_a_ == NULL || t_b_ == NULL || strcmp(t_a_, t_b_) != 0) \
        T_FAIL_("%s == \"%s\", want \"%s\"", #a, t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)"); \
} while (0)

#define T_CASE(name) static void t_case_##name(void)
#define T_RUN(name) do { \
    t_case_failed = 0; \
    t_case_##name(); \
    if (t_case_failed) { t_failed++; fprintf(stderr, "not ok %s\n", #name); } \
    else { t_passed++; printf("ok %s\n", #name); } \
} while (0)
#define T_DONE() (printf("%d passed, %d failed\n", t_passed, t_failed), t_failed ? 1 : 0)

#endif
