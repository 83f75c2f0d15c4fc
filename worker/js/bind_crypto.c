/*
 * crypto natives on OpenSSL's libcrypto: random bytes, digests, HMAC and a
 * constant-time comparison. Synchronous; bootstrap/lazy/crypto.js wraps them
 * in the Web Crypto API (promises, CryptoKey, algorithm names).
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>

#include "worker/js/bind.h"
#include "worker/js/bind_webapi.h"

static const EVP_MD *
digest_of(duk_context *ctx, duk_idx_t idx)
{
    const char *name = duk_require_string(ctx, idx);

    if (strcmp(name, "SHA-1") == 0) {
        return EVP_sha1();
    }
    if (strcmp(name, "SHA-256") == 0) {
        return EVP_sha256();
    }
    if (strcmp(name, "SHA-384") == 0) {
        return EVP_sha384();
    }
    if (strcmp(name, "SHA-512") == 0) {
        return EVP_sha512();
    }
    if (strcmp(name, "MD5") == 0) {
        return EVP_md5();
    }
    (void) duk_error(ctx, DUK_ERR_TYPE_ERROR, "unsupported digest: %s", name);
    return NULL;
}

/* -> [ ... ArrayBuffer ] holding len bytes; returns its data. */
static unsigned char *
push_array_buffer(duk_context *ctx, size_t len)
{
    unsigned char *p = duk_push_fixed_buffer(ctx, len);

    duk_push_buffer_object(ctx, -1, 0, len, DUK_BUFOBJ_ARRAYBUFFER);
    duk_remove(ctx, -2);
    return p;
}

/* native.randomFill(view): fills a buffer object's bytes in place. */
static duk_ret_t
native_random_fill(duk_context *ctx)
{
    duk_size_t len;
    void      *p = duk_require_buffer_data(ctx, 0, &len);

    if (len > 0 && RAND_bytes(p, (int) len) != 1) {
        return duk_error(ctx, DUK_ERR_ERROR, "RAND_bytes failed");
    }
    return 0;
}

/* native.digest(name, data) -> ArrayBuffer */
static duk_ret_t
native_digest(duk_context *ctx)
{
    const EVP_MD  *md = digest_of(ctx, 0);
    duk_size_t     len;
    const void    *data = duk_require_buffer_data(ctx, 1, &len);
    unsigned char  out[EVP_MAX_MD_SIZE];
    unsigned int   olen = 0;

    if (EVP_Digest(data, len, out, &olen, md, NULL) != 1) {
        return duk_error(ctx, DUK_ERR_ERROR, "EVP_Digest failed");
    }
    memcpy(push_array_buffer(ctx, olen), out, olen);
    return 1;
}

/* native.hmac(name, key, data) -> ArrayBuffer */
static duk_ret_t
native_hmac(duk_context *ctx)
{
    const EVP_MD  *md = digest_of(ctx, 0);
    duk_size_t     klen, len;
    const void    *key = duk_require_buffer_data(ctx, 1, &klen);
    const void    *data = duk_require_buffer_data(ctx, 2, &len);
    unsigned char  out[EVP_MAX_MD_SIZE];
    unsigned int   olen = 0;
    static const unsigned char empty[1];

    if (HMAC(md, klen > 0 ? key : empty, (int) klen, len > 0 ? data : empty, len, out,
             &olen) == NULL) {
        return duk_error(ctx, DUK_ERR_ERROR, "HMAC failed");
    }
    memcpy(push_array_buffer(ctx, olen), out, olen);
    return 1;
}

/* native.digestSize(name) -> bytes */
static duk_ret_t
native_digest_size(duk_context *ctx)
{
    duk_push_int(ctx, EVP_MD_get_size(digest_of(ctx, 0)));
    return 1;
}

/* native.timingSafeEqual(a, b) -> boolean (false when the lengths differ) */
static duk_ret_t
native_timing_safe_equal(duk_context *ctx)
{
    duk_size_t  la, lb;
    const void *a = duk_require_buffer_data(ctx, 0, &la);
    const void *b = duk_require_buffer_data(ctx, 1, &lb);

    duk_push_boolean(ctx, la == lb && (la == 0 || CRYPTO_memcmp(a, b, la) == 0));
    return 1;
}

void
nd_bind_crypto(duk_context *ctx, duk_idx_t native)
{
    static const duk_function_list_entry funcs[] = {
        { "randomFill", native_random_fill, 1 },
        { "digest", native_digest, 2 },
        { "digestSize", native_digest_size, 1 },
        { "hmac", native_hmac, 3 },
        { "timingSafeEqual", native_timing_safe_equal, 2 },
        { NULL, NULL, 0 },
    };

    nd_bind_put_list(ctx, native, funcs);
}
