/* Unit tests: client address behind proxies and the PROXY protocol parser
 * (common/realip.c). */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "t.h"
#include "common/realip.c"

static struct nd_cidr g_tr[4];
static int            g_ntr;

static void
trust(const char *list)
{
    char buf[256], *tok, *save = NULL, msg[128];

    g_ntr = 0;
    snprintf(buf, sizeof(buf), "%s", list);
    for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        if (nd_parse_cidr(tok, &g_tr[g_ntr++], msg, sizeof(msg)) == -1) {
            fprintf(stderr, "bad cidr %s: %s\n", tok, msg);
        }
    }
}

/* The client seen from peer with the given X-Forwarded-For lines (or Forwarded). */
static const char *
walk(const char *peer, const char *h1, const char *h2, int forwarded)
{
    static char      out[64];
    struct nd_ip     p;
    struct nd_realip w;

    if (nd_ip_parse(peer, strlen(peer), &p) == -1) {
        return "bad peer";
    }
    nd_realip_init(&w, &p, g_tr, g_ntr);
    if (h2 != NULL) {
        nd_realip_feed(&w, h2, strlen(h2), forwarded);
    }
    if (h1 != NULL) {
        nd_realip_feed(&w, h1, strlen(h1), forwarded);
    }
    nd_ip_format(&w.client, out, sizeof(out));
    return out;
}

T_CASE(ip_parse_forms)
{
    struct nd_ip ip;
    char         s[64];

    T_EQ_INT(nd_ip_parse(" 10.1.2.3 ", 10, &ip), 0);
    T_EQ_INT(ip.family, AF_INET);
    nd_ip_format(&ip, s, sizeof(s));
    T_EQ_STR(s, "10.1.2.3");
    T_EQ_INT(nd_ip_parse("10.1.2.3:8080", 13, &ip), 0);
    T_EQ_INT(nd_ip_parse("[2001:db8::1]:443", 17, &ip), 0);
    nd_ip_format(&ip, s, sizeof(s));
    T_EQ_STR(s, "2001:db8::1");
    T_EQ_INT(nd_ip_parse("2001:db8::1", 11, &ip), 0);
    T_EQ_INT(nd_ip_parse("::ffff:1.2.3.4", 14, &ip), 0);
    T_EQ_INT(ip.family, AF_INET);           /* mapped -> IPv4 */
    T_EQ_INT(nd_ip_parse("unknown", 7, &ip), -1);
    T_EQ_INT(nd_ip_parse("1.2.3.4:99999", 13, &ip), -1);
    T_EQ_INT(nd_ip_parse("1.2.3", 5, &ip), -1);
    T_EQ_INT(nd_ip_parse("[::1", 4, &ip), -1);
    T_EQ_INT(nd_ip_parse("", 0, &ip), -1);
    T_EQ_INT(nd_ip_parse("1.2.3.4 5", 9, &ip), -1);
}

/* The IPv4 formatter (its own, not inet_ntop's sprintf) against inet_ntop, for
 * every octet value in every position, and a buffer too small for it. */
T_CASE(ip_format_v4_matches_inet_ntop)
{
    struct nd_ip ip;
    char         s[64], want[64];
    int          pos, v, bad = 0;

    memset(&ip, 0, sizeof(ip));
    ip.family = AF_INET;
    for (pos = 0; pos < 4; pos++) {
        for (v = 0; v < 256; v++) {
            memcpy(ip.addr, "\x7f\x00\x09\xff", 4);
            ip.addr[pos] = (uint8_t) v;
            inet_ntop(AF_INET, ip.addr, want, sizeof(want));
            if (nd_ip_format(&ip, s, sizeof(s)) != strlen(want) || strcmp(s, want) != 0) {
                bad++;
            }
        }
    }
    T_EQ_INT(bad, 0);
    memcpy(ip.addr, "\xff\xff\xff\xff", 4);
    T_EQ_INT((int) nd_ip_format(&ip, s, 16), 15);
    T_EQ_STR(s, "255.255.255.255");
    T_EQ_INT((int) nd_ip_format(&ip, s, 15), 0);      /* too small: "" as inet_ntop */
    T_EQ_STR(s, "");
    ip.family = 0;
    T_EQ_INT((int) nd_ip_format(&ip, s, sizeof(s)), 0);
}

T_CASE(cidr_membership_v4_v6)
{
    struct nd_ip ip;

    trust("10.0.0.0/8,fd00::/8,192.168.1.7");
    nd_ip_parse("10.200.0.1", 10, &ip);
    T_TRUE(nd_ip_in(&ip, g_tr, g_ntr));
    nd_ip_parse("11.0.0.1", 8, &ip);
    T_TRUE(!nd_ip_in(&ip, g_tr, g_ntr));
    nd_ip_parse("fd12::5", 7, &ip);
    T_TRUE(nd_ip_in(&ip, g_tr, g_ntr));
    nd_ip_parse("fe80::1", 7, &ip);
    T_TRUE(!nd_ip_in(&ip, g_tr, g_ntr));
    nd_ip_parse("192.168.1.7", 11, &ip);
    T_TRUE(nd_ip_in(&ip, g_tr, g_ntr));
    nd_ip_parse("192.168.1.8", 11, &ip);
    T_TRUE(!nd_ip_in(&ip, g_tr, g_ntr));
    nd_ip_parse("::ffff:10.0.0.1", 15, &ip);
    T_TRUE(nd_ip_in(&ip, g_tr, g_ntr));
    memset(&ip, 0, sizeof(ip));
    T_TRUE(!nd_ip_in(&ip, g_tr, g_ntr));
}

T_CASE(xff_untrusted_peer_is_the_client)
{
    trust("10.0.0.0/8");
    T_EQ_STR(walk("203.0.113.9", "1.1.1.1", NULL, 0), "203.0.113.9");
    T_EQ_STR(walk("203.0.113.9", "for=1.1.1.1", NULL, 1), "203.0.113.9");
    trust("");
    T_EQ_STR(walk("10.0.0.1", "1.1.1.1", NULL, 0), "10.0.0.1");
}

T_CASE(xff_rightmost_untrusted_wins)
{
    trust("10.0.0.0/8,127.0.0.1");
    T_EQ_STR(walk("10.0.0.1", "1.1.1.1", NULL, 0), "1.1.1.1");
    /* spoofed leftmost entry from the client is not believed */
    T_EQ_STR(walk("10.0.0.1", "6.6.6.6, 2.2.2.2, 10.0.0.5", NULL, 0), "2.2.2.2");
    T_EQ_STR(walk("127.0.0.1", "6.6.6.6,2.2.2.2", "10.9.9.9", 0), "2.2.2.2");
    /* all trusted: the leftmost */
    T_EQ_STR(walk("10.0.0.1", "10.0.0.3, 10.0.0.2", NULL, 0), "10.0.0.3");
    /* garbage stops at the last good hop */
    T_EQ_STR(walk("10.0.0.1", "1.1.1.1, garbage, 10.0.0.2", NULL, 0), "10.0.0.2");
    T_EQ_STR(walk("10.0.0.1", "garbage", NULL, 0), "10.0.0.1");
    /* empty items skipped, ports and brackets accepted */
    T_EQ_STR(walk("10.0.0.1", " , 3.3.3.3:1234 ,, ", NULL, 0), "3.3.3.3");
    T_EQ_STR(walk("10.0.0.1", "[2001:db8::7]:80", NULL, 0), "2001:db8::7");
    T_EQ_STR(walk("10.0.0.1", "", NULL, 0), "10.0.0.1");
}

T_CASE(forwarded_header)
{
    trust("10.0.0.0/8");
    T_EQ_STR(walk("10.0.0.1", "for=192.0.2.60;proto=http;by=203.0.113.43", NULL, 1),
             "192.0.2.60");
    T_EQ_STR(walk("10.0.0.1", "for=6.6.6.6, For=\"[2001:db8:cafe::17]:4711\"", NULL, 1),
             "2001:db8:cafe::17");
    T_EQ_STR(walk("10.0.0.1", "for=1.2.3.4, proto=https;for=10.0.0.9", NULL, 1), "1.2.3.4");
    T_EQ_STR(walk("10.0.0.1", "for=unknown", NULL, 1), "10.0.0.1");
    T_EQ_STR(walk("10.0.0.1", "for=5.5.5.5, by=10.0.0.2", NULL, 1), "10.0.0.1");
    T_EQ_STR(walk("10.0.0.1", "for=\"_hidden\", for=10.1.1.1", NULL, 1), "10.1.1.1");
}

static int
pp(const char *s, size_t len, struct nd_proxy_hdr *h)
{
    char msg[128];

    return nd_proxy_parse((const uint8_t *) s, len, h, msg, sizeof(msg));
}

T_CASE(proxy_v1)
{
    struct nd_proxy_hdr h;
    const char         *t4 = "PROXY TCP4 192.0.2.1 198.51.100.2 51000 80\r\nGET /";
    const char         *t6 = "PROXY TCP6 2001:db8::1 2001:db8::2 4000 443\r\n";
    char                s[64];
    size_t              i, l4 = strlen("PROXY TCP4 192.0.2.1 198.51.100.2 51000 80\r\n");

    T_EQ_INT(pp(t4, strlen(t4), &h), (int) l4);
    T_EQ_INT(h.version, 1);
    T_EQ_INT(h.local, 0);
    nd_ip_format(&h.src, s, sizeof(s));
    T_EQ_STR(s, "192.0.2.1");
    T_EQ_INT(h.src_port, 51000);
    T_EQ_INT(h.dst_port, 80);
    for (i = 0; i < l4; i++) {              /* every prefix: need more */
        T_EQ_INT(pp(t4, i, &h), 0);
    }
    T_EQ_INT(pp(t6, strlen(t6), &h), (int) strlen(t6));
    nd_ip_format(&h.src, s, sizeof(s));
    T_EQ_STR(s, "2001:db8::1");
    T_EQ_INT(pp("PROXY UNKNOWN\r\n", 15, &h), 15);
    T_EQ_INT(h.local, 1);
    T_EQ_INT(pp("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n", 35, &h), 35);
    T_EQ_INT(h.local, 1);
}

T_CASE(proxy_v1_bogus)
{
    struct nd_proxy_hdr h;
    char                big[200];

    T_EQ_INT(pp("GET / HTTP/1.1\r\n", 16, &h), -1);
    T_EQ_INT(pp("PROXZ", 5, &h), -1);
    T_EQ_INT(pp("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", 31, &h), -1);
    T_EQ_INT(pp("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", 30, &h), -1);
    T_EQ_INT(pp("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", 33, &h), -1);
    T_EQ_INT(pp("PROXY TCP4 ::1 ::2 1 2\r\n", 24, &h), -1);
    T_EQ_INT(pp("PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n", 32, &h), -1);
    T_EQ_INT(pp("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", 36, &h), -1);
    T_EQ_INT(pp("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", 33, &h), -1);
    T_EQ_INT(pp("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", 32, &h), -1);
    T_EQ_INT(pp("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", 34, &h), -1);
    T_EQ_INT(pp("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX", 32, &h), -1);
    memset(big, 'x', sizeof(big));
    memcpy(big, "PROXY TCP4 ", 11);
    T_EQ_INT(pp(big, sizeof(big), &h), -1);     /* no CRLF within 107 bytes */
    T_EQ_INT(pp(big, 107, &h), -1);
}

static size_t
v2(uint8_t *b, int cmd, int fam, const uint8_t *addr, size_t alen, size_t extra)
{
    static const uint8_t sig[12] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49,
                                     0x54, 0x0A };
    memcpy(b, sig, 12);
    b[12] = (uint8_t) (0x20 | cmd);
    b[13] = (uint8_t) fam;
    b[14] = (uint8_t) ((alen + extra) >> 8);
    b[15] = (uint8_t) (alen + extra);
    memcpy(b + 16, addr, alen);
    memset(b + 16 + alen, 0x7F, extra);     /* TLVs, skipped */
    return 16 + alen + extra;
}

T_CASE(proxy_v2)
{
    struct nd_proxy_hdr h;
    uint8_t             b[256];
    uint8_t a4[12] = { 192, 0, 2, 1, 198, 51, 100, 2, 0xC3, 0x50, 0, 80 };
    uint8_t a6[36] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9, [16] = 0x20, [17] = 1, [31] = 2,
                       [32] = 0x0F, [33] = 0xA0, [34] = 1, [35] = 0xBB };
    char    s[64];
    size_t  n, i;

    n = v2(b, 1, 0x11, a4, 12, 5);
    T_EQ_INT(nd_proxy_parse(b, n + 3, &h, s, sizeof(s)), (int) n);
    T_EQ_INT(h.version, 2);
    T_EQ_INT(h.local, 0);
    nd_ip_format(&h.src, s, sizeof(s));
    T_EQ_STR(s, "192.0.2.1");
    T_EQ_INT(h.src_port, 50000);
    for (i = 0; i < n; i++) {
        T_EQ_INT(nd_proxy_parse(b, i, &h, s, sizeof(s)), 0);
    }
    n = v2(b, 1, 0x21, a6, 36, 0);
    T_EQ_INT(nd_proxy_parse(b, n, &h, s, sizeof(s)), (int) n);
    nd_ip_format(&h.src, s, sizeof(s));
    T_EQ_STR(s, "2001:db8::9");
    T_EQ_INT(h.src_port, 4000);
    n = v2(b, 0, 0x00, a4, 0, 0);           /* LOCAL (health check) */
    T_EQ_INT(nd_proxy_parse(b, n, &h, s, sizeof(s)), 16);
    T_EQ_INT(h.local, 1);
    n = v2(b, 0, 0x11, a4, 12, 0);          /* LOCAL with addresses: ignored */
    T_EQ_INT(nd_proxy_parse(b, n, &h, s, sizeof(s)), 28);
    T_EQ_INT(h.local, 1);
}

T_CASE(proxy_v2_bogus)
{
    struct nd_proxy_hdr h;
    uint8_t             b[256];
    uint8_t             a4[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2 };
    char                m[128];
    size_t              n;

    n = v2(b, 1, 0x11, a4, 12, 0);
    b[12] = 0x11;                           /* version 1 in a v2 header */
    T_EQ_INT(nd_proxy_parse(b, n, &h, m, sizeof(m)), -1);
    n = v2(b, 2, 0x11, a4, 12, 0);          /* command 2 */
    T_EQ_INT(nd_proxy_parse(b, n, &h, m, sizeof(m)), -1);
    n = v2(b, 1, 0x11, a4, 8, 0);           /* length shorter than TCP4 addresses */
    T_EQ_INT(nd_proxy_parse(b, n, &h, m, sizeof(m)), -1);
    n = v2(b, 1, 0x12, a4, 12, 0);          /* UDP */
    T_EQ_INT(nd_proxy_parse(b, n, &h, m, sizeof(m)), -1);
    n = v2(b, 1, 0x11, a4, 12, 0);
    b[7] = 'X';                             /* broken signature */
    T_EQ_INT(nd_proxy_parse(b, n, &h, m, sizeof(m)), -1);
    T_EQ_INT(nd_proxy_parse(b, 8, &h, m, sizeof(m)), -1);
    T_EQ_INT(nd_proxy_parse((const uint8_t *) "\r\n\r\nX", 5, &h, m, sizeof(m)), -1);
}

int
main(void)
{
    T_RUN(ip_parse_forms);
    T_RUN(ip_format_v4_matches_inet_ntop);
    T_RUN(cidr_membership_v4_v6);
    T_RUN(xff_untrusted_peer_is_the_client);
    T_RUN(xff_rightmost_untrusted_wins);
    T_RUN(forwarded_header);
    T_RUN(proxy_v1);
    T_RUN(proxy_v1_bogus);
    T_RUN(proxy_v2);
    T_RUN(proxy_v2_bogus);
    return T_DONE();
}
