/*
 * Value parsers of apps.ini (common/parse.c), used by config.c and by every
 * module that takes the same syntax: sizes, durations, booleans, listen
 * addresses, host names, CIDRs. Pure functions: callable anywhere.
 */
#ifndef ND_PARSE_H
#define ND_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define ND_HOST_MAX 253     /* bytes of a host name (RFC 1035), without port or dot */

/* One fetch_allow entry: addresses fetch() may connect to despite the SSRF guard. */
struct nd_cidr {
    int     family;                 /* AF_INET or AF_INET6 */
    uint8_t addr[16];               /* network byte order; host bits cleared */
    int     bits;                   /* prefix length: 0-32 or 0-128 */
};

struct nd_listen_spec {
    char                   *text;   /* owned: as written, e.g. "[::1]:8080" */
    struct sockaddr_storage addr;
    socklen_t               addrlen;
    int                     line;   /* apps.ini line */
    int                     proxy_protocol; /* "ADDR proxy_protocol": a PROXY v1/v2 header
                                               first, from trusted_proxies only */
};

/* Pure parsers, 0 on success, -1 on bad input. */
/* Decimal digits -> *v; *sp moves past them. -1 when none or on overflow. */
int nd_parse_digits(const char **sp, int64_t *v);
int nd_parse_size(const char *s, int64_t *bytes);     /* "123", "1k", "32K", "1m", "2g" (1024-based) */
int nd_parse_duration(const char *s, int64_t *ms);    /* "250ms", "30s", "5m", "1h"; bare number = seconds */
int nd_parse_bool(const char *s, int *b);             /* yes/no, on/off, true/false, 1/0 */
/* "127.0.0.1:8080", "[::1]:8080", "*:8080" (= 0.0.0.0), ":8080"; msg filled on error. */
int nd_parse_listen(const char *s, struct nd_listen_spec *spec, char *msg, size_t msgsize);
/* Normalizes a host name or pattern in place semantics: lowercase, strip ":port"
 * (not for bare IPv6), strip "[...]" brackets, one trailing dot. Returns length
 * written to out (NUL-terminated) or 0 when empty/invalid/too long. */
size_t nd_host_normalize(const char *in, size_t len, char *out, size_t outsize);
/* "10.0.0.0/8", "127.0.0.1", "::1", "fc00::/7" (host bits are cleared); msg on error. */
int nd_parse_cidr(const char *s, struct nd_cidr *out, char *msg, size_t msgsize);
/* 1 when addr (4 or 16 bytes of family) is inside c. IPv4-mapped IPv6 matches IPv4. */
int nd_cidr_match(const struct nd_cidr *c, int family, const uint8_t *addr);

static inline int
nd_is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* The value of hex digit c (0-9, a-f, A-F), or -1. */
int nd_hexval(int c);

#endif
