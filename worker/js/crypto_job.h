/*
 * Long crypto work off the event loop: RSA key generation and PBKDF2 run on
 * one job thread per worker process (created on first use), and their result
 * settles the caller's promise from the event loop (lib.cryptoDone), like a
 * fetch() completion. The thread's CPU time is charged to the request that
 * asked (nd_app_charge); the job stops once it has used what is left of that
 * request's cpu_limit, and the request then fails as any cpu_limit breach.
 * A heap that has no app (tests/js) runs the work inline instead.
 * Worker only.
 */
#ifndef ND_JS_CRYPTO_JOB_H
#define ND_JS_CRYPTO_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "duktape.h"

/*
 * native.crypto("job", id, io, op, args) -> the result now (inline), or undefined
 * when queued: lib.cryptoDone(id, errorOrUndefined, result) follows.
 *   op "pbkdf2": args [ hash, password, salt, iterations, bytes ] -> ArrayBuffer
 *   op "rsa":    args [ modulusBits, publicExponent ] -> [ pkcs8, spki ]
 *   op "rsaPrivate": args [ ND_RSA_*, hash, saltLength, pkcs8, data, label ] -> ArrayBuffer
 *                (signature or plaintext: RSA private-key operations of big keys, which
 *                take 30-200 ms past 4096 bits)
 */
duk_ret_t nd_crypto_job_native(duk_context *ctx);

/* The work itself (bind_crypto.c), thread-safe. keep_going (may be NULL) is
 * polled now and then; returning 0 stops the work (-1). 0 or -1. */
int nd_crypto_pbkdf2(const char *hash, const unsigned char *pw, size_t pwlen,
                     const unsigned char *salt, size_t slen, uint32_t iter, unsigned char *out,
                     size_t olen, int (*keep_going)(void *arg), void *arg);
enum { ND_RSA_PKCS1_SIGN, ND_RSA_PSS_SIGN, ND_RSA_OAEP_DECRYPT };
/* An RSA private-key operation (op ND_RSA_*) with the PKCS#8 key der; *out is
 * malloc'd (the caller frees). Not interruptible (bounded by OpenSSL's 16384-bit
 * modulus cap). 0 or -1. */
int nd_crypto_rsa_private(int op, const char *hash, int salt, const unsigned char *der,
                          size_t derlen, const unsigned char *data, size_t len,
                          const unsigned char *label, size_t llen, unsigned char **out,
                          size_t *olen);
/* *priv (PKCS#8 DER) and *pub (SPKI DER) are malloc'd: the caller frees. */
int nd_crypto_rsa_generate(unsigned bits, const unsigned char *e, size_t elen,
                           unsigned char **priv, size_t *priv_len, unsigned char **pub,
                           size_t *pub_len, int (*keep_going)(void *arg), void *arg);

/*
 * The same job thread for other modules' blocking work (SQLite bindings:
 * worker/js/bind_kv.c). ops->run(arg, keep_going, kg) runs on the thread (or
 * inline when the heap has no app) and may poll keep_going(kg); ops->push
 * runs on the loop inside a duk_safe_call and pushes [ err result ] (err
 * undefined on success); ops->free releases arg (loop side, always called
 * once). The promise settles through lib[ops->done](id, err, result).
 * Returns 1 when run inline (no app: arg is still the caller's, who pushes
 * the result), 0 when queued, -1 on failure (arg freed).
 */
struct nd_job_ops {
    void        (*run)(void *arg, int (*keep_going)(void *kg), void *kg);
    duk_ret_t   (*push)(duk_context *ctx, void *arg);
    void        (*free)(void *arg);
    const char   *done;         /* lib function name, e.g. "kvDone" */
};
int nd_job_submit(duk_context *ctx, double id, double io, const struct nd_job_ops *ops,
                  void *arg);

#endif
