/*
 * The client's address behind proxies and load balancers (pure: libc only).
 *
 * - X-Forwarded-For / Forwarded: believed only from trusted_proxies, walked from the
 *   right; the first address that is not trusted is the client (nginx's
 *   real_ip_recursive on). An unparsable hop stops the walk at the last good one.
 * - PROXY protocol v1 (text) and v2 (binary) header parser.
 * Callable anywhere; nothing is allocated.
 */
#ifndef ND_REALIP_H
#define ND_REALIP_H

#include <stddef.h>
#include <stdint.h>

#include "common/config.h"

struct nd_ip {
    int     family;                 /* AF_INET, AF_INET6, or 0 = none */
    uint8_t addr[16];               /* network byte order (4 bytes used for AF_INET) */
};

/* "1.2.3.4", "1.2.3.4:80", "::1", "[::1]", "[::1]:80", surrounding spaces/tabs allowed.
 * An IPv4-mapped IPv6 address becomes IPv4. 0 or -1. */
int nd_ip_parse(const char *s, size_t len, struct nd_ip *out);
/* From a sockaddr (AF_INET/AF_INET6; other families give family 0). */
void nd_ip_from_sockaddr(const void *sa, struct nd_ip *out);
/* Text form into buf (>= 46 bytes); "" for none. Returns strlen. */
size_t nd_ip_format(const struct nd_ip *ip, char *buf, size_t size);
/* 1 when ip is in one of the n ranges. */
int nd_ip_in(const struct nd_ip *ip, const struct nd_cidr *list, int n);

/* The walk over forwarding headers. Start with nd_realip_init(peer), then feed
 * the header values from the LAST one received to the first. */
struct nd_realip {
    struct nd_ip          client;   /* the answer so far */
    const struct nd_cidr *trusted;  /* borrowed */
    int                   ntrusted;
    int                   done;     /* an untrusted (or unparsable) hop was reached */
};

void nd_realip_init(struct nd_realip *w, const struct nd_ip *peer,
                    const struct nd_cidr *trusted, int ntrusted);
/* One X-Forwarded-For value ("a, b, c") or, with forwarded = 1, one Forwarded value
 * ("for=a;proto=http, for=\"[b]:1\""). */
void nd_realip_feed(struct nd_realip *w, const char *value, size_t len, int forwarded);

/* PROXY protocol (https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt). */
#define ND_PROXY_V1_MAX 107         /* whole v1 line, CRLF included */
#define ND_PROXY_V2_MAX (16 + 65535)

struct nd_proxy_hdr {
    int          version;           /* 1 or 2 */
    int          local;             /* v2 LOCAL, or v1 UNKNOWN: keep the TCP peer */
    struct nd_ip src, dst;          /* when !local */
    uint16_t     src_port, dst_port;
};

/* Parses the header at the start of buf. Returns the bytes it takes (> 0), 0 when
 * more bytes are needed (buf is a valid prefix), or -1 when buf is not a valid
 * PROXY header (msg says why). */
int nd_proxy_parse(const uint8_t *buf, size_t len, struct nd_proxy_hdr *out, char *msg,
                   size_t msgsize);

#endif
