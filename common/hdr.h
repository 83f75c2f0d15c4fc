/*
 * One HTTP header field as pointers into someone else's buffer: what the
 * HTTP layer parses (worker/http.h), a response the engine hands to its host
 * (worker/js/host.h) and a fetch() splice pass around. Header only.
 */
#ifndef ND_HDR_H
#define ND_HDR_H

#include <stddef.h>

struct nd_hdr {
    const char *name;               /* as received (case kept), not NUL-terminated */
    size_t      name_len;
    const char *value;              /* trimmed of surrounding OWS */
    size_t      value_len;
};

#endif
