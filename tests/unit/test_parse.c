/* Unit tests: the value parsers of apps.ini (common/parse.c). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "common/parse.c"

T_CASE(parse_size)
{
    static const struct { const char *in; int rc; int64_t want; } cases[] = {
        { "0", 0, 0 }, { "123", 0, 123 }, { "1k", 0, 1024 }, { "32K", 0, 32768 },
        { "1m", 0, 1048576 }, { "1M", 0, 1048576 }, { "2g", 0, 2147483648LL },
        { "8G", 0, 8589934592LL },
        { "", -1, 0 }, { "k", -1, 0 }, { "1kb", -1, 0 }, { "-1", -1, 0 }, { "+1", -1, 0 },
        { "1.5k", -1, 0 }, { " 1", -1, 0 }, { "1 ", -1, 0 }, { "1 k", -1, 0 }, { "1t", -1, 0 },
        { "0x10", -1, 0 }, { "99999999999999999999", -1, 0 }, { "9223372036854775807k", -1, 0 },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t v = -7;
        int     rc = nd_parse_size(cases[i].in, &v);

        if (rc != cases[i].rc || (rc == 0 && v != cases[i].want)) {
            T_FAIL_("nd_parse_size(\"%s\") = %d, %lld", cases[i].in, rc, (long long) v);
        }
    }
}

T_CASE(parse_duration)
{
    static const struct { const char *in; int rc; int64_t want; } cases[] = {
        { "250ms", 0, 250 }, { "30s", 0, 30000 }, { "5m", 0, 300000 }, { "1h", 0, 3600000 },
        { "7", 0, 7000 }, { "0", 0, 0 }, { "0ms", 0, 0 }, { "10MS", 0, 10 }, { "2S", 0, 2000 },
        { "", -1, 0 }, { "3x", -1, 0 }, { "ms", -1, 0 }, { "1.5s", -1, 0 }, { "-1s", -1, 0 },
        { "1 s", -1, 0 }, { "1d", -1, 0 }, { "1sec", -1, 0 }, { "1m30s", -1, 0 },
        { "9223372036854775807h", -1, 0 }, { "s", -1, 0 },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t v = -7;
        int     rc = nd_parse_duration(cases[i].in, &v);

        if (rc != cases[i].rc || (rc == 0 && v != cases[i].want)) {
            T_FAIL_("nd_parse_duration(\"%s\") = %d, %lld", cases[i].in, rc, (long long) v);
        }
    }
}

T_CASE(parse_bool)
{
    static const struct { const char *in; int rc; int want; } cases[] = {
        { "yes", 0, 1 }, { "no", 0, 0 }, { "on", 0, 1 }, { "off", 0, 0 }, { "true", 0, 1 },
        { "false", 0, 0 }, { "1", 0, 1 }, { "0", 0, 0 }, { "YES", 0, 1 }, { "Off", 0, 0 },
        { "", -1, 0 }, { "2", -1, 0 }, { "y", -1, 0 }, { "maybe", -1, 0 }, { "yes ", -1, 0 },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int b = -7;
        int rc = nd_parse_bool(cases[i].in, &b);

        if (rc != cases[i].rc || (rc == 0 && b != cases[i].want)) {
            T_FAIL_("nd_parse_bool(\"%s\") = %d, %d", cases[i].in, rc, b);
        }
    }
}

T_CASE(parse_listen_ok)
{
    static const struct { const char *in; int family; const char *addr; int port; } cases[] = {
        { "127.0.0.1:8080", AF_INET, "127.0.0.1", 8080 },
        { "*:8080", AF_INET, "0.0.0.0", 8080 },
        { ":9000", AF_INET, "0.0.0.0", 9000 },
        { "0.0.0.0:1", AF_INET, "0.0.0.0", 1 },
        { "10.1.2.3:65535", AF_INET, "10.1.2.3", 65535 },
        { "[::1]:8080", AF_INET6, "::1", 8080 },
        { "[::]:80", AF_INET6, "::", 80 },
        { "[2001:db8::42]:443", AF_INET6, "2001:db8::42", 443 },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct nd_listen_spec spec;
        char                  msg[256], addr[INET6_ADDRSTRLEN] = "";
        int                   port = -1;

        memset(&spec, 0, sizeof(spec));
        if (nd_parse_listen(cases[i].in, &spec, msg, sizeof(msg)) == -1) {
            T_FAIL_("nd_parse_listen(\"%s\"): %s", cases[i].in, msg);
            continue;
        }
        T_EQ_INT(spec.addr.ss_family, cases[i].family);
        if (spec.addr.ss_family == AF_INET) {
            struct sockaddr_in *sin = (struct sockaddr_in *) &spec.addr;
            inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
            port = ntohs(sin->sin_port);
            T_EQ_INT(spec.addrlen, sizeof(struct sockaddr_in));
        } else {
            struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &spec.addr;
            inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr));
            port = ntohs(sin6->sin6_port);
            T_EQ_INT(spec.addrlen, sizeof(struct sockaddr_in6));
        }
        T_EQ_STR(addr, cases[i].addr);
        T_EQ_INT(port, cases[i].port);
        T_EQ_STR(spec.text, cases[i].in);
        free(spec.text);
    }
}

T_CASE(parse_listen_bad)
{
    static const struct { const char *in; const char *msg; } cases[] = {
        { "127.0.0.1", "missing port (use e.g. 127.0.0.1:8080)" },
        { "127.0.0.1:", "missing port after \":\"" },
        { "127.0.0.1:0", "bad port \"0\" (use 1-65535)" },
        { "127.0.0.1:65536", "bad port \"65536\" (use 1-65535)" },
        { "127.0.0.1:80a", "bad port \"80a\" (use 1-65535)" },
        { "127.0.0.1:-80", "bad port \"-80\" (use 1-65535)" },
        { "localhost:8080", "host names are not allowed (use an IP address, e.g. 127.0.0.1:8080)" },
        { "example.com:80", "host names are not allowed (use an IP address, e.g. 127.0.0.1:8080)" },
        { "256.0.0.1:80", "bad IPv4 address \"256.0.0.1\"" },
        { "::1:8080", "IPv6 addresses need brackets (use e.g. [::1]:8080)" },
        { "[::1]", "missing port (use e.g. [::1]:8080)" },
        { "[::1]8080", "expected \":PORT\" after \"]\"" },
        { "[::1:8080", "missing \"]\" after the IPv6 address" },
        { "[zz]:80", "bad IPv6 address \"zz\"" },
        { "[]:80", "bad IPv6 address" },
        { "[127.0.0.1]:80", "bad IPv6 address \"127.0.0.1\"" },
        { "", "missing port (use e.g. 127.0.0.1:8080)" },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct nd_listen_spec spec;
        char                  msg[256] = "";

        memset(&spec, 0, sizeof(spec));
        if (nd_parse_listen(cases[i].in, &spec, msg, sizeof(msg)) != -1) {
            T_FAIL_("nd_parse_listen(\"%s\") accepted", cases[i].in);
            free(spec.text);
            continue;
        }
        T_EQ_STR(msg, cases[i].msg);
        T_TRUE(spec.text == NULL);
    }
}

T_CASE(host_normalize)
{
    static char long_ok[254], long_bad[255];
    static const struct { const char *in; const char *want; } cases[] = {
        { "Example.COM", "example.com" },
        { "example.com:8080", "example.com" },
        { "example.com.", "example.com" },
        { "example.com.:80", "example.com" },
        { "example.com..", "example.com." },    /* only ONE trailing dot goes */
        { "[::1]:8080", "::1" },
        { "[::1]", "::1" },
        { "[FE80::1]", "fe80::1" },
        { "::1", "::1" },                       /* bare IPv6 kept as is */
        { "fe80::a:1", "fe80::a:1" },
        { "xn--bcher-kva.example", "xn--bcher-kva.example" },
        { "a_b-c.example", "a_b-c.example" },
        { "*.Example.com", "*.example.com" },
        { "127.0.0.1:80", "127.0.0.1" },
        { " a.com\t", "a.com" },
        { "", NULL },
        { ".", NULL },
        { ":80", NULL },
        { "a.com:", NULL },
        { "a.com:80x", NULL },
        { "a.com:123456", NULL },
        { "a.com:99999", NULL },
        { "a b", NULL },
        { "a/b", NULL },
        { "a@b", NULL },
        { "\xc3\xa9.com", NULL },
        { "[::1", NULL },
        { "[::1]x", NULL },
        { "[::1]:", NULL },
        { "[]", NULL },
        { long_ok, long_ok },
        { long_bad, NULL },
    };
    size_t i;

    memset(long_ok, 'a', 253);
    memset(long_bad, 'a', 254);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char   out[300];
        size_t n = nd_host_normalize(cases[i].in, strlen(cases[i].in), out, sizeof(out));

        if (cases[i].want == NULL) {
            if (n != 0) {
                T_FAIL_("nd_host_normalize(\"%s\") = \"%s\", want invalid", cases[i].in, out);
            }
        } else if (n == 0 || strcmp(out, cases[i].want) != 0 || n != strlen(cases[i].want)) {
            T_FAIL_("nd_host_normalize(\"%s\") = %zu \"%s\", want \"%s\"", cases[i].in, n,
                    n ? out : "", cases[i].want);
        }
    }
    {
        char out[4];    /* too small for the result */
        T_EQ_INT(nd_host_normalize("abcd", 4, out, sizeof(out)), 0);
        T_EQ_INT(nd_host_normalize("abc:80", 3, out, sizeof(out)), 3);  /* len, not strlen */
        T_EQ_STR(out, "abc");
    }
}

T_CASE(parse_digits)
{
    const char *s = "0042x", *e = "", *big = "9223372036854775808";
    int64_t     v = -1;

    T_EQ_INT(nd_parse_digits(&s, &v), 0);
    T_EQ_INT(v, 42);
    T_EQ_STR(s, "x");                               /* moved past the digits only */
    T_EQ_INT(nd_parse_digits(&e, &v), -1);          /* none */
    T_EQ_INT(nd_parse_digits(&big, &v), -1);        /* INT64_MAX + 1 */
    s = "9223372036854775807";
    T_EQ_INT(nd_parse_digits(&s, &v), 0);
    T_EQ_INT(v, INT64_MAX);
}

T_CASE(parse_cidr_and_match)
{
    static const struct { const char *in; int family; int bits; const char *addr; } ok[] = {
        { "10.1.2.3/8", AF_INET, 8, "10.0.0.0" },   /* host bits cleared */
        { "127.0.0.1", AF_INET, 32, "127.0.0.1" },
        { "::1", AF_INET6, 128, "::1" },
        { "fc00::/7", AF_INET6, 7, "fc00::" },
        { "0.0.0.0/0", AF_INET, 0, "0.0.0.0" },
    };
    static const char *bad[] = { "", "example.com", "10.0.0.0/33", "::/129", "10.0.0.0/",
                                 "10.0.0.0/8x", "1.2.3", "10.0.0.0/-1" };
    struct nd_cidr c;
    char           msg[256], text[INET6_ADDRSTRLEN];
    uint8_t        a4[4], a6[16];
    size_t         i;

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        msg[0] = '\0';
        T_EQ_INT(nd_parse_cidr(ok[i].in, &c, msg, sizeof(msg)), 0);
        T_EQ_INT(c.family, ok[i].family);
        T_EQ_INT(c.bits, ok[i].bits);
        T_TRUE(inet_ntop(c.family, c.addr, text, sizeof(text)) != NULL);
        T_EQ_STR(text, ok[i].addr);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        msg[0] = '\0';
        T_EQ_INT(nd_parse_cidr(bad[i], &c, msg, sizeof(msg)), -1);
        if (msg[0] == '\0') {
            T_FAIL_("no message for \"%s\"", bad[i]);
        }
    }
    T_EQ_INT(nd_parse_cidr("10.0.0.0/8", &c, msg, sizeof(msg)), 0);
    inet_pton(AF_INET, "10.200.3.4", a4);
    T_EQ_INT(nd_cidr_match(&c, AF_INET, a4), 1);
    inet_pton(AF_INET, "11.0.0.1", a4);
    T_EQ_INT(nd_cidr_match(&c, AF_INET, a4), 0);
    inet_pton(AF_INET6, "::ffff:10.9.9.9", a6);         /* IPv4-mapped matches IPv4 */
    T_EQ_INT(nd_cidr_match(&c, AF_INET6, a6), 1);
    T_EQ_INT(nd_parse_cidr("fc00::/7", &c, msg, sizeof(msg)), 0);
    inet_pton(AF_INET6, "fd12::1", a6);
    T_EQ_INT(nd_cidr_match(&c, AF_INET6, a6), 1);
    inet_pton(AF_INET6, "fe80::1", a6);
    T_EQ_INT(nd_cidr_match(&c, AF_INET6, a6), 0);
    inet_pton(AF_INET, "252.0.0.1", a4);
    T_EQ_INT(nd_cidr_match(&c, AF_INET, a4), 0);       /* other family */
}

int
main(void)
{
    T_RUN(parse_size);
    T_RUN(parse_duration);
    T_RUN(parse_bool);
    T_RUN(parse_digits);
    T_RUN(parse_listen_ok);
    T_RUN(parse_listen_bad);
    T_RUN(host_normalize);
    T_RUN(parse_cidr_and_match);
    return T_DONE();
}
