/*
 * The client's address behind proxies: forwarding headers and PROXY protocol.
 * Pure: no I/O, no allocation (see realip.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/realip.h"

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF };

static void
unmap(struct nd_ip *ip)
{
    if (ip->family == AF_INET6 && memcmp(ip->addr, v4mapped, 12) == 0) {
        memmove(ip->addr, ip->addr + 12, 4);
        memset(ip->addr + 4, 0, 12);
        ip->family = AF_INET;
    }
}

static int
is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Strict decimal port 0-65535 in s[0..len). */
static int
port_ok(const char *s, size_t len)
{
    unsigned long v = 0;
    size_t        i;

    if (len == 0 || len > 5) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        v = v * 10 + (unsigned long) (s[i] - '0');
    }
    return v <= 65535;
}

int
nd_ip_parse(const char *s, size_t len, struct nd_ip *out)
{
    char        buf[INET6_ADDRSTRLEN + 1];
    const char *colon;

    memset(out, 0, sizeof(*out));
    while (len > 0 && is_ows(s[0])) {
        s++;
        len--;
    }
    while (len > 0 && is_ows(s[len - 1])) {
        len--;
    }
    if (len == 0) {
        return -1;
    }
    if (s[0] == '[') {                      /* [v6] or [v6]:port */
        const char *close = memchr(s, ']', len);
        size_t      rest;

        if (close == NULL) {
            return -1;
        }
        rest = len - (size_t) (close + 1 - s);
        if (rest != 0 && (close[1] != ':' || !port_ok(close + 2, rest - 1))) {
            return -1;
        }
        s++;
        len = (size_t) (close - s);
        if (len == 0 || len >= sizeof(buf)) {
            return -1;
        }
        memcpy(buf, s, len);
        buf[len] = '\0';
        if (inet_pton(AF_INET6, buf, out->addr) != 1) {
            return -1;
        }
        out->family = AF_INET6;
        unmap(out);
        return 0;
    }
    colon = memchr(s, ':', len);
    if (colon != NULL && memchr(colon + 1, ':', len - (size_t) (colon + 1 - s)) == NULL) {
        /* exactly one colon: IPv4:port */
        if (!port_ok(colon + 1, len - (size_t) (colon + 1 - s))) {
            return -1;
        }
        len = (size_t) (colon - s);
        colon = NULL;
    }
    if (len >= sizeof(buf)) {
        return -1;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    out->family = colon == NULL ? AF_INET : AF_INET6;
    if (inet_pton(out->family, buf, out->addr) != 1) {
        out->family = 0;
        return -1;
    }
    unmap(out);
    return 0;
}

void
nd_ip_from_sockaddr(const void *sa, struct nd_ip *out)
{
    const struct sockaddr *s = sa;

    memset(out, 0, sizeof(*out));
    if (s->sa_family == AF_INET) {
        memcpy(out->addr, &((const struct sockaddr_in *) sa)->sin_addr, 4);
        out->family = AF_INET;
    } else if (s->sa_family == AF_INET6) {
        memcpy(out->addr, &((const struct sockaddr_in6 *) sa)->sin6_addr, 16);
        out->family = AF_INET6;
        unmap(out);
    }
}

size_t
nd_ip_format(const struct nd_ip *ip, char *buf, size_t size)
{
    if (size == 0) {
        return 0;
    }
    buf[0] = '\0';
    if (ip->family == AF_INET && size >= 16) {
        /* Every request formats the peer (headers for the app, access log):
         * inet_ntop's sprintf was 6% of a hello request's instructions. */
        char *p = buf;
        int   i;

        for (i = 0; i < 4; i++) {
            unsigned v = ip->addr[i];
            if (v >= 100) {
                *p++ = (char) ('0' + v / 100);
            }
            if (v >= 10) {
                *p++ = (char) ('0' + v / 10 % 10);
            }
            *p++ = (char) ('0' + v % 10);
            *p++ = '.';
        }
        p[-1] = '\0';
        return (size_t) (p - 1 - buf);
    }
    if (ip->family != 0 && inet_ntop(ip->family, ip->addr, buf, (socklen_t) size) == NULL) {
        buf[0] = '\0';
    }
    return strlen(buf);
}

int
nd_ip_in(const struct nd_ip *ip, const struct nd_cidr *list, int n)
{
    int i;

    if (ip->family == 0) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (nd_cidr_match(&list[i], ip->family, ip->addr)) {
            return 1;
        }
    }
    return 0;
}

void
nd_realip_init(struct nd_realip *w, const struct nd_ip *peer, const struct nd_cidr *trusted,
               int ntrusted)
{
    w->client = *peer;
    w->trusted = trusted;
    w->ntrusted = ntrusted;
    w->done = !nd_ip_in(peer, trusted, ntrusted);
}

/* One hop, rightmost first: it becomes the client; an untrusted one ends the walk. */
static void
hop(struct nd_realip *w, const char *s, size_t len)
{
    struct nd_ip ip;

    if (nd_ip_parse(s, len, &ip) == -1) {
        w->done = 1;                        /* keep the last good hop */
        return;
    }
    w->client = ip;
    w->done = !nd_ip_in(&ip, w->trusted, w->ntrusted);
}

/* The for= parameter of one Forwarded element, unquoted; -1 when none. */
static int
forwarded_for(const char *s, size_t len, const char **v, size_t *vlen)
{
    size_t i = 0;

    while (i < len) {
        size_t start, end;

        while (i < len && (is_ows(s[i]) || s[i] == ';')) {
            i++;
        }
        start = i;
        while (i < len && s[i] != ';') {
            if (s[i] == '"') {              /* a quoted value may hold ';' */
                for (i++; i < len && s[i] != '"'; i++) {
                    if (s[i] == '\\') {
                        i++;
                    }
                }
            }
            i++;
        }
        end = i < len ? i : len;
        if (end - start > 4 && strncasecmp(s + start, "for=", 4) == 0) {
            const char *p = s + start + 4;
            size_t      n = end - start - 4;

            while (n > 0 && is_ows(p[n - 1])) {
                n--;
            }
            if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
                p++;
                n -= 2;
            }
            *v = p;
            *vlen = n;
            return 0;
        }
    }
    return -1;
}

void
nd_realip_feed(struct nd_realip *w, const char *value, size_t len, int forwarded)
{
    size_t end = len;

    /* Elements right to left; ',' inside quotes (Forwarded) does not split. */
    while (!w->done) {
        size_t start = 0, i, n;
        int    inq = 0, blank = 1;

        for (i = 0; i < end; i++) {
            if (value[i] == '"') {
                inq = !inq;
            } else if (value[i] == ',' && !inq) {
                start = i + 1;
            }
        }
        n = end - start;
        for (i = start; i < end; i++) {
            blank &= is_ows(value[i]);
        }
        if (!blank) {                       /* empty list items are skipped (RFC 9110) */
            if (forwarded) {
                const char *v;
                size_t      vl;

                if (forwarded_for(value + start, n, &v, &vl) == -1) {
                    w->done = 1;
                    return;
                }
                hop(w, v, vl);
            } else {
                hop(w, value + start, n);
            }
        }
        if (start == 0) {
            return;
        }
        end = start - 1;
    }
}

/* --- PROXY protocol ------------------------------------------------------------- */

static const uint8_t v2sig[12] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49,
                                   0x54, 0x0A };

static int
v1_addr(const char *s, size_t len, int family, struct nd_ip *out)
{
    char buf[INET6_ADDRSTRLEN + 1];

    memset(out, 0, sizeof(*out));
    if (len == 0 || len >= sizeof(buf)) {
        return -1;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (inet_pton(family, buf, out->addr) != 1) {
        return -1;
    }
    out->family = family;
    unmap(out);
    return 0;
}

static int
v1_port(const char *s, size_t len, uint16_t *out)
{
    unsigned long v = 0;
    size_t        i;

    if (!port_ok(s, len) || (len > 1 && s[0] == '0')) {
        return -1;
    }
    for (i = 0; i < len; i++) {
        v = v * 10 + (unsigned long) (s[i] - '0');
    }
    *out = (uint16_t) v;
    return 0;
}

static int
parse_v1(const uint8_t *buf, size_t len, struct nd_proxy_hdr *out, char *msg, size_t msgsize)
{
    const char *s = (const char *) buf, *tok[6];
    size_t      tlen[6], i, eol, ntok = 0, p;
    int         family;

    for (eol = 0; eol < len && eol + 2 <= ND_PROXY_V1_MAX; eol++) {
        if (s[eol] == '\r') {
            break;
        }
        if (s[eol] == '\n' || s[eol] == '\0') {
            snprintf(msg, msgsize, "PROXY v1: bad character in the header line");
            return -1;
        }
    }
    if (eol + 2 > ND_PROXY_V1_MAX) {
        snprintf(msg, msgsize, "PROXY v1: header line longer than 107 bytes");
        return -1;
    }
    if (eol + 1 >= len) {
        if (len >= ND_PROXY_V1_MAX) {
            snprintf(msg, msgsize, "PROXY v1: header line longer than 107 bytes");
            return -1;
        }
        return 0;                           /* no CR yet */
    }
    if (s[eol] != '\r' || s[eol + 1] != '\n') {
        snprintf(msg, msgsize, "PROXY v1: line does not end with CRLF");
        return -1;
    }
    /* tokens separated by single spaces */
    p = 0;
    while (p <= eol && ntok < 6) {
        size_t q = p;
        while (q < eol && s[q] != ' ') {
            q++;
        }
        tok[ntok] = s + p;
        tlen[ntok++] = q - p;
        p = q + 1;
    }
    memset(out, 0, sizeof(*out));
    out->version = 1;
    if (ntok >= 2 && tlen[1] == 7 && memcmp(tok[1], "UNKNOWN", 7) == 0) {
        out->local = 1;                     /* the rest of the line is ignored */
        return (int) (eol + 2);
    }
    for (i = 0; i < ntok; i++) {
        if (tlen[i] == 0) {
            snprintf(msg, msgsize, "PROXY v1: empty field (two spaces in a row?)");
            return -1;
        }
    }
    if (ntok != 6 || p <= eol) {
        snprintf(msg, msgsize, "PROXY v1: expected \"PROXY TCP4|TCP6 SRC DST SPORT DPORT\"");
        return -1;
    }
    if (tlen[1] == 4 && memcmp(tok[1], "TCP4", 4) == 0) {
        family = AF_INET;
    } else if (tlen[1] == 4 && memcmp(tok[1], "TCP6", 4) == 0) {
        family = AF_INET6;
    } else {
        snprintf(msg, msgsize, "PROXY v1: unknown protocol \"%.*s\"", (int) tlen[1], tok[1]);
        return -1;
    }
    if (v1_addr(tok[2], tlen[2], family, &out->src) == -1
        || v1_addr(tok[3], tlen[3], family, &out->dst) == -1) {
        snprintf(msg, msgsize, "PROXY v1: bad %s address", family == AF_INET ? "TCP4" : "TCP6");
        return -1;
    }
    if (v1_port(tok[4], tlen[4], &out->src_port) == -1
        || v1_port(tok[5], tlen[5], &out->dst_port) == -1) {
        snprintf(msg, msgsize, "PROXY v1: bad port");
        return -1;
    }
    return (int) (eol + 2);
}

static int
parse_v2(const uint8_t *buf, size_t len, struct nd_proxy_hdr *out, char *msg, size_t msgsize)
{
    size_t need;
    int    cmd, fam;

    if (len < 16) {
        return 0;
    }
    if ((buf[12] >> 4) != 2) {
        snprintf(msg, msgsize, "PROXY v2: bad version %d", buf[12] >> 4);
        return -1;
    }
    cmd = buf[12] & 0x0F;
    if (cmd > 1) {
        snprintf(msg, msgsize, "PROXY v2: bad command %d", cmd);
        return -1;
    }
    need = 16 + (((size_t) buf[14] << 8) | buf[15]);
    fam = buf[13];
    memset(out, 0, sizeof(*out));
    out->version = 2;
    if (cmd == 0) {                         /* LOCAL: the proxy's own health check */
        out->local = 1;
    } else if (fam == 0x11 || fam == 0x21) {   /* TCP over IPv4 / IPv6 */
        size_t alen = fam == 0x11 ? 12 : 36, a = fam == 0x11 ? 4 : 16;
        if (need - 16 < alen) {
            snprintf(msg, msgsize, "PROXY v2: address block too short for its family");
            return -1;
        }
        if (len < 16 + alen) {
            return 0;
        }
        out->src.family = out->dst.family = fam == 0x11 ? AF_INET : AF_INET6;
        memcpy(out->src.addr, buf + 16, a);
        memcpy(out->dst.addr, buf + 16 + a, a);
        out->src_port = (uint16_t) ((buf[16 + 2 * a] << 8) | buf[16 + 2 * a + 1]);
        out->dst_port = (uint16_t) ((buf[16 + 2 * a + 2] << 8) | buf[16 + 2 * a + 3]);
        unmap(&out->src);
        unmap(&out->dst);
    } else if (fam == 0x00 || fam == 0x31 || fam == 0x32) {
        out->local = 1;                     /* UNSPEC or AF_UNIX: keep the TCP peer */
    } else {
        snprintf(msg, msgsize, "PROXY v2: unsupported address family/protocol 0x%02x", fam);
        return -1;
    }
    if (len < need) {
        return 0;                           /* TLVs are skipped, not interpreted */
    }
    return (int) need;
}

int
nd_proxy_parse(const uint8_t *buf, size_t len, struct nd_proxy_hdr *out, char *msg,
               size_t msgsize)
{
    size_t n;

    if (len == 0) {
        return 0;
    }
    if (buf[0] == 'P') {
        n = len < 6 ? len : 6;
        if (memcmp(buf, "PROXY ", n) != 0) {
            goto bogus;
        }
        return n < 6 ? 0 : parse_v1(buf, len, out, msg, msgsize);
    }
    if (buf[0] == v2sig[0]) {
        n = len < 12 ? len : 12;
        if (memcmp(buf, v2sig, n) != 0) {
            goto bogus;
        }
        return n < 12 ? 0 : parse_v2(buf, len, out, msg, msgsize);
    }
bogus:
    snprintf(msg, msgsize, "no PROXY protocol header (the listener has proxy_protocol on)");
    return -1;
}
