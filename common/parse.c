/*
 * Value parsers of apps.ini, shared with the modules that take the same
 * syntax (router: host names; fetch and realip: CIDRs; listen: addresses).
 * Pure: no allocation except nd_parse_listen's spec->text, no globals.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/parse.h"

static int
to_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int
nd_parse_digits(const char **sp, int64_t *v)
{
    const char *s = *sp;
    int64_t     n = 0;

    if (!nd_is_digit((unsigned char) *s)) {
        return -1;
    }
    while (nd_is_digit((unsigned char) *s)) {
        int d = *s++ - '0';
        if (n > (INT64_MAX - d) / 10) {
            return -1;
        }
        n = n * 10 + d;
    }
    *sp = s;
    *v = n;
    return 0;
}

int
nd_parse_size(const char *s, int64_t *bytes)
{
    int64_t v, mult;

    if (nd_parse_digits(&s, &v) == -1) {
        return -1;
    }
    switch (to_lower((unsigned char) *s)) {
    case '\0': mult = 1; break;
    case 'k':  mult = 1024; break;
    case 'm':  mult = 1024 * 1024; break;
    case 'g':  mult = 1024 * 1024 * 1024; break;
    default:   return -1;
    }
    if (*s != '\0' && s[1] != '\0') {
        return -1;
    }
    if (v > INT64_MAX / mult) {
        return -1;
    }
    *bytes = v * mult;
    return 0;
}

int
nd_parse_duration(const char *s, int64_t *ms)
{
    int64_t v, mult;

    if (nd_parse_digits(&s, &v) == -1) {
        return -1;
    }
    if (*s == '\0' || strcasecmp(s, "s") == 0) {
        mult = 1000;
    } else if (strcasecmp(s, "ms") == 0) {
        mult = 1;
    } else if (strcasecmp(s, "m") == 0) {
        mult = 60 * 1000;
    } else if (strcasecmp(s, "h") == 0) {
        mult = 3600 * 1000;
    } else {
        return -1;
    }
    if (v > INT64_MAX / mult) {
        return -1;
    }
    *ms = v * mult;
    return 0;
}

int
nd_parse_bool(const char *s, int *b)
{
    static const char *const yes[] = { "yes", "on", "true", "1" };
    static const char *const no[] = { "no", "off", "false", "0" };
    size_t                   i;

    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *b = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *b = 0;
            return 0;
        }
    }
    return -1;
}

/* "1".."65535": digits only. */
static int
parse_port(const char *s, const char *end, int min, int *port)
{
    int v = 0;

    if (s == end || end - s > 5) {
        return -1;
    }
    for (; s < end; s++) {
        if (!nd_is_digit((unsigned char) *s)) {
            return -1;
        }
        v = v * 10 + (*s - '0');
    }
    if (v < min || v > 65535) {
        return -1;
    }
    *port = v;
    return 0;
}

int
nd_parse_listen(const char *s, struct nd_listen_spec *spec, char *msg, size_t msgsize)
{
    char        host[INET6_ADDRSTRLEN];
    const char *colon, *port_s, *end = s + strlen(s);
    size_t      hlen;
    int         port;

    memset(&spec->addr, 0, sizeof(spec->addr));
    spec->addrlen = 0;
    if (*s == '[') {
        const char          *close = strchr(s, ']');
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &spec->addr;

        if (close == NULL) {
            snprintf(msg, msgsize, "missing \"]\" after the IPv6 address");
            return -1;
        }
        hlen = (size_t) (close - s - 1);
        if (close[1] == '\0') {
            snprintf(msg, msgsize, "missing port (use e.g. [::1]:8080)");
            return -1;
        }
        if (close[1] != ':') {
            snprintf(msg, msgsize, "expected \":PORT\" after \"]\"");
            return -1;
        }
        if (hlen == 0 || hlen >= sizeof(host)) {
            snprintf(msg, msgsize, "bad IPv6 address");
            return -1;
        }
        memcpy(host, s + 1, hlen);
        host[hlen] = '\0';
        if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
            snprintf(msg, msgsize, "bad IPv6 address \"%s\"", host);
            return -1;
        }
        port_s = close + 2;
        sin6->sin6_family = AF_INET6;
        spec->addrlen = sizeof(*sin6);
    } else {
        struct sockaddr_in *sin = (struct sockaddr_in *) &spec->addr;
        size_t              i;

        colon = strrchr(s, ':');
        if (colon == NULL) {
            snprintf(msg, msgsize, "missing port (use e.g. 127.0.0.1:8080)");
            return -1;
        }
        if (memchr(s, ':', (size_t) (colon - s)) != NULL) {
            snprintf(msg, msgsize, "IPv6 addresses need brackets (use e.g. [::1]:8080)");
            return -1;
        }
        hlen = (size_t) (colon - s);
        if (hlen == 0 || (hlen == 1 && s[0] == '*')) {
            sin->sin_addr.s_addr = htonl(INADDR_ANY);
        } else {
            int letters = 0;

            for (i = 0; i < hlen; i++) {
                letters |= (to_lower((unsigned char) s[i]) >= 'a' &&
                            to_lower((unsigned char) s[i]) <= 'z');
            }
            if (hlen >= sizeof(host)) {
                hlen = sizeof(host) - 1;
            }
            memcpy(host, s, hlen);
            host[hlen] = '\0';
            if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
                if (letters) {
                    snprintf(msg, msgsize, "host names are not allowed (use an IP address, "
                             "e.g. 127.0.0.1:8080)");
                } else {
                    snprintf(msg, msgsize, "bad IPv4 address \"%s\"", host);
                }
                return -1;
            }
        }
        port_s = colon + 1;
        sin->sin_family = AF_INET;
        spec->addrlen = sizeof(*sin);
    }
    if (*port_s == '\0') {
        snprintf(msg, msgsize, "missing port after \":\"");
        return -1;
    }
    if (parse_port(port_s, end, 1, &port) == -1) {
        snprintf(msg, msgsize, "bad port \"%s\" (use 1-65535)", port_s);
        return -1;
    }
    if (spec->addr.ss_family == AF_INET6) {
        ((struct sockaddr_in6 *) &spec->addr)->sin6_port = htons((uint16_t) port);
    } else {
        ((struct sockaddr_in *) &spec->addr)->sin_port = htons((uint16_t) port);
    }
    spec->text = strdup(s);
    if (spec->text == NULL) {
        snprintf(msg, msgsize, "out of memory");
        return -1;
    }
    return 0;
}

size_t
nd_host_normalize(const char *in, size_t len, char *out, size_t outsize)
{
    const char *end = in + len, *colon = NULL, *p;
    size_t      n = 0;
    int         ncolons = 0, port;

    while (in < end && (*in == ' ' || *in == '\t')) {
        in++;
    }
    while (end > in && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }
    if (in == end || outsize == 0) {
        return 0;
    }
    if (*in == '[') {
        const char *close = memchr(in, ']', (size_t) (end - in));

        if (close == NULL) {
            return 0;
        }
        if (close + 1 < end && (close[1] != ':' || parse_port(close + 2, end, 0, &port) == -1)) {
            return 0;
        }
        in++;
        end = close;
    } else {
        for (p = in; p < end; p++) {
            if (*p == ':') {
                ncolons++;
                colon = p;
            }
        }
        if (ncolons == 1) {
            if (parse_port(colon + 1, end, 0, &port) == -1) {
                return 0;
            }
            end = colon;
        }
    }
    if (end > in && end[-1] == '.') {
        end--;
    }
    if (end == in || end - in > ND_HOST_MAX || (size_t) (end - in) >= outsize) {
        return 0;
    }
    for (p = in; p < end; p++) {
        int c = to_lower((unsigned char) *p);

        if (!((c >= 'a' && c <= 'z') || nd_is_digit(c) || c == '.' || c == '-' || c == '_' ||
              c == '*' || c == ':')) {
            return 0;
        }
        out[n++] = (char) c;
    }
    out[n] = '\0';
    return n;
}

int
nd_parse_cidr(const char *s, struct nd_cidr *out, char *msg, size_t msgsize)
{
    char        addr[INET6_ADDRSTRLEN + 3];
    const char *slash = strchr(s, '/');
    size_t      alen = slash != NULL ? (size_t) (slash - s) : strlen(s);
    int64_t     bits;
    int         max, i;

    memset(out, 0, sizeof(*out));
    if (alen >= 2 && s[0] == '[' && s[alen - 1] == ']') {
        s++;
        alen -= 2;
    }
    if (alen == 0 || alen >= sizeof(addr)) {
        snprintf(msg, msgsize, "bad address \"%s\" (use e.g. 127.0.0.1, 10.0.0.0/8, ::1, "
                 "fc00::/7)", s);
        return -1;
    }
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    if (inet_pton(AF_INET, addr, out->addr) == 1) {
        out->family = AF_INET;
        max = 32;
    } else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
        out->family = AF_INET6;
        max = 128;
    } else {
        snprintf(msg, msgsize, "bad address \"%s\" (use e.g. 127.0.0.1, 10.0.0.0/8, ::1, "
                 "fc00::/7; host names are not allowed)", addr);
        return -1;
    }
    bits = max;
    if (slash != NULL) {
        const char *p = slash + 1;
        if (nd_parse_digits(&p, &bits) == -1 || *p != '\0' || bits > max) {
            snprintf(msg, msgsize, "bad prefix length \"%s\" (use 0-%d)", slash + 1, max);
            return -1;
        }
    }
    out->bits = (int) bits;
    for (i = 0; i < max / 8; i++) {         /* clear the host bits */
        int keep = (int) bits - i * 8;
        if (keep <= 0) {
            out->addr[i] = 0;
        } else if (keep < 8) {
            out->addr[i] &= (uint8_t) (0xFF00u >> keep);
        }
    }
    return 0;
}

int
nd_cidr_match(const struct nd_cidr *c, int family, const uint8_t *addr)
{
    static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF };
    int                  i, bits = c->bits;

    if (family == AF_INET6 && c->family == AF_INET && memcmp(addr, mapped, 12) == 0) {
        family = AF_INET;
        addr += 12;
    }
    if (family != c->family) {
        return 0;
    }
    for (i = 0; bits > 0; i++, bits -= 8) {
        uint8_t mask = bits >= 8 ? 0xFF : (uint8_t) (0xFF00u >> bits);
        if ((addr[i] & mask) != c->addr[i]) {
            return 0;
        }
    }
    return 1;
}

int
nd_hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}
