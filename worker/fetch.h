/*
 * Outbound fetch(): libcurl's multi socket interface on the worker's
 * event_base (the shape of curl's hiperfifo.c). Worker only.
 *
 *   native.fetchStart -> nd_fetch_start -> (queued while the invocation has
 *   max_concurrent_subrequests in flight) -> curl_multi_add_handle -> socket
 *   and timer events -> CURLMSG_DONE: the handle leaves the multi, the transfer
 *   goes on a done list -> a deferred event: the next redirect hop, or
 *   lib.fetchDone(...) through nd_app_enter() (never JS, never curl_multi_*
 *   inside a curl callback).
 *
 * Redirects are followed here, not by curl: redirect modes, the 20-hop limit,
 * method/body/Authorization rules of the Fetch standard. The SSRF guard checks
 * the resolved address of every connection (CURLOPT_OPENSOCKETFUNCTION), so
 * every hop and every DNS answer; apps with different fetch_allow lists use
 * different CURLMs so that no connection is reused across policies.
 */
#ifndef ND_FETCH_H
#define ND_FETCH_H

#include <stddef.h>

#include "duktape.h"
#include "worker/app.h"
#include "worker/js/host.h"     /* struct nd_fetch_req */

/*
 * Starts (or queues) a transfer. -1 when it cannot even start: *is_type_error
 * and msg say how to reject (a bad URL, too many subrequests...).
 */
int nd_fetch_start(struct nd_app *app, const struct nd_fetch_req *r, int *is_type_error,
                   char *msg, size_t size);
/* AbortSignal: drops transfer id. 1 when it was pending. */
int nd_fetch_abort(struct nd_app *app, double id);
int nd_fetch_pending(struct nd_app *app, double id);

/*
 * Streamed response bodies. fetch() resolves when the final response's body
 * begins (lib.fetchDone with body null, its Content-Length or -1); a body
 * that ends first is handed over whole, as before. C keeps up to 256 KiB of
 * it and pauses the transfer above that.
 * nd_fetch_read: pushes the next bytes (at most max) as a Uint8Array, null
 * when none yet (lib.fetchData(id) is called when there are), an empty
 * array at the end, or [errorName, message] if the transfer failed.
 * nd_fetch_splice: the body goes straight to request rq_id's response
 * (nd_app_stream_begin with status, headers, len) with no JS per chunk:
 * the transfer pauses while the client's connection is over its high-water
 * mark; the client leaving aborts the transfer. -1 when id is not a
 * streaming body (or rq_id is gone).
 */
void nd_fetch_read(struct nd_app *app, double id, size_t max, duk_context *ctx);
int nd_fetch_splice(struct nd_app *app, double id, double rq_id, int status, const char *reason,
                    size_t rlen, const struct nd_hdr *hdrs, int n, int64_t len);

/* Worker exit, after every app's resources were cancelled. */
void nd_fetch_cleanup(struct nd_worker *w);

/* Why the SSRF guard refuses addr (4 or 16 bytes of family), or NULL. Pure. */
const char *nd_fetch_blocked(int family, const unsigned char *addr);

#endif
