/*
 * crypto natives on OpenSSL 3's libcrypto: random bytes, digests, HMAC, a
 * constant-time comparison, and the asymmetric, cipher and KDF primitives of
 * Web Crypto (bootstrap/lazy/crypto.js wraps them: promises, CryptoKey,
 * algorithm dictionaries, usages).
 *
 * Keys cross into C as DER bytes kept in the CryptoKey (PKCS#8 for private,
 * SubjectPublicKeyInfo for public keys) and are parsed for each operation:
 * the heap holds no OpenSSL object, so nothing needs a finalizer and the key
 * counts against the app's memory_limit.
 *
 * Errors: a native throws an Error whose message is "DOMName|text" (DataError,
 * OperationError...); crypto.js turns it into that DOMException.
 *
 * Duktape errors longjmp: OpenSSL objects of the current call live in g_tmp,
 * freed at its end or, after a longjmp, at the start of the next call.
 *
 * Long work (RSA key generation, PBKDF2 beyond a few ms) runs on a thread
 * (crypto_job.c); so do the same functions below (rsa_generate, pbkdf2),
 * which therefore use no Duktape and no g_tmp.
 */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worker/js/bind.h"
#include "worker/js/bind_webapi.h"
#include "worker/js/crypto_job.h"

/* GLOBAL: OpenSSL objects of the native call in progress (single-threaded
 * worker): freed by tmp_reset() when it returns, or by the next call when a
 * Duktape error longjmped out of it. */
static struct {
    EVP_PKEY       *pk[2];
    EVP_PKEY_CTX   *pctx;
    EVP_MD_CTX     *mctx;
    EVP_CIPHER_CTX *cctx;
    OSSL_PARAM_BLD *bld;
    OSSL_PARAM     *params;
    BIGNUM         *bn[8];
    ECDSA_SIG      *sig;
    PKCS8_PRIV_KEY_INFO *p8;
    unsigned char  *mem;
    EVP_KDF_CTX    *kctx;
} g_tmp;

static void
tmp_reset(void)
{
    int i;

    EVP_PKEY_free(g_tmp.pk[0]);
    EVP_PKEY_free(g_tmp.pk[1]);
    EVP_PKEY_CTX_free(g_tmp.pctx);
    EVP_MD_CTX_free(g_tmp.mctx);
    EVP_CIPHER_CTX_free(g_tmp.cctx);
    OSSL_PARAM_BLD_free(g_tmp.bld);
    OSSL_PARAM_free(g_tmp.params);
    for (i = 0; i < 8; i++) {
        BN_clear_free(g_tmp.bn[i]);
    }
    ECDSA_SIG_free(g_tmp.sig);
    PKCS8_PRIV_KEY_INFO_free(g_tmp.p8);
    OPENSSL_free(g_tmp.mem);
    EVP_KDF_CTX_free(g_tmp.kctx);
    memset(&g_tmp, 0, sizeof(g_tmp));
    ERR_clear_error();
}

/* Throws Error("name|message"): crypto.js makes it a DOMException. */
static duk_ret_t
dom_error(duk_context *ctx, const char *name, const char *msg)
{
    tmp_reset();
    return duk_error(ctx, DUK_ERR_ERROR, "%s|%s", name, msg);
}

static const EVP_MD *
md_named(const char *name)
{
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
    return NULL;
}

static const EVP_MD *
digest_of(duk_context *ctx, duk_idx_t idx)
{
    const char   *name = duk_require_string(ctx, idx);
    const EVP_MD *md = md_named(name);

    if (md == NULL) {
        (void) duk_error(ctx, DUK_ERR_TYPE_ERROR, "unsupported digest: %s", name);
    }
    return md;
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

static void
push_bytes(duk_context *ctx, const void *p, size_t len)
{
    unsigned char *d = push_array_buffer(ctx, len);

    if (len > 0) {
        memcpy(d, p, len);
    }
}

/* Buffer data at idx (any buffer object; NULL/undefined -> len 0). */
static const unsigned char *
bytes_at(duk_context *ctx, duk_idx_t idx, size_t *len)
{
    static const unsigned char empty[1];
    duk_size_t                 n = 0;
    const unsigned char       *p;

    if (duk_is_null_or_undefined(ctx, idx)) {
        *len = 0;
        return empty;
    }
    p = duk_require_buffer_data(ctx, idx, &n);
    *len = n;
    return p != NULL ? p : empty;
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
    size_t         len;
    const void    *data = bytes_at(ctx, 1, &len);
    unsigned char  out[EVP_MAX_MD_SIZE];
    unsigned int   olen = 0;

    if (EVP_Digest(data, len, out, &olen, md, NULL) != 1) {
        return duk_error(ctx, DUK_ERR_ERROR, "EVP_Digest failed");
    }
    push_bytes(ctx, out, olen);
    return 1;
}

/* native.hmac(name, key, data) -> ArrayBuffer */
static duk_ret_t
native_hmac(duk_context *ctx)
{
    const EVP_MD  *md = digest_of(ctx, 0);
    size_t         klen, len;
    const void    *key = bytes_at(ctx, 1, &klen);
    const void    *data = bytes_at(ctx, 2, &len);
    unsigned char  out[EVP_MAX_MD_SIZE];
    unsigned int   olen = 0;

    if (HMAC(md, key, (int) klen, data, len, out, &olen) == NULL) {
        return duk_error(ctx, DUK_ERR_ERROR, "HMAC failed");
    }
    push_bytes(ctx, out, olen);
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
    size_t      la, lb;
    const void *a = bytes_at(ctx, 0, &la);
    const void *b = bytes_at(ctx, 1, &lb);

    duk_push_boolean(ctx, la == lb && (la == 0 || CRYPTO_memcmp(a, b, la) == 0));
    return 1;
}

/* ---- asymmetric keys ---- */

/* Web Crypto curve name <-> OpenSSL group name. */
static const struct {
    const char *web, *group;
    int         nid, bytes;
} g_curves[] = {
    { "P-256", "prime256v1", NID_X9_62_prime256v1, 32 },
    { "P-384", "secp384r1", NID_secp384r1, 48 },
    { "P-521", "secp521r1", NID_secp521r1, 66 },
};

static int
curve_index_web(const char *web)
{
    int i;

    for (i = 0; i < 3; i++) {
        if (strcmp(g_curves[i].web, web) == 0) {
            return i;
        }
    }
    return -1;
}

/* The curve of an EC key, or -1. */
static int
curve_index_key(EVP_PKEY *pk)
{
    char   name[64];
    size_t len = 0;
    int    i;

    if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name),
                                       &len) != 1) {
        return -1;
    }
    for (i = 0; i < 3; i++) {
        if (strcmp(g_curves[i].group, name) == 0) {
            return i;
        }
    }
    return -1;
}

/* Parses stored DER (PKCS#8 when priv, else SPKI). NULL when it does not parse. */
static EVP_PKEY *
parse_der(const unsigned char *der, size_t len, int priv)
{
    const unsigned char *p = der;
    EVP_PKEY            *pk = NULL;

    if (priv) {
        PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long) len);
        if (p8 != NULL && p == der + len) {
            pk = EVP_PKCS82PKEY(p8);
        }
        PKCS8_PRIV_KEY_INFO_free(p8);
    } else {
        pk = d2i_PUBKEY(NULL, &p, (long) len);
        if (pk != NULL && p != der + len) {
            EVP_PKEY_free(pk);
            pk = NULL;
        }
    }
    return pk;
}

/* The key at idx (DER) of type priv, kept in g_tmp.pk[slot]; throws if bad. */
static EVP_PKEY *
key_at(duk_context *ctx, duk_idx_t idx, int priv, int slot)
{
    size_t               len;
    const unsigned char *der = bytes_at(ctx, idx, &len);

    g_tmp.pk[slot] = parse_der(der, len, priv);
    if (g_tmp.pk[slot] == NULL) {
        dom_error(ctx, "OperationError", "the key's stored DER does not parse");
    }
    return g_tmp.pk[slot];
}

/* -> [ ... ArrayBuffer ]: pk as PKCS#8 (priv) or SPKI DER. Throws on failure. */
static void
push_der(duk_context *ctx, EVP_PKEY *pk, int priv)
{
    int            len;
    unsigned char *p;

    if (priv) {
        g_tmp.p8 = EVP_PKEY2PKCS8(pk);
        len = g_tmp.p8 != NULL ? i2d_PKCS8_PRIV_KEY_INFO(g_tmp.p8, NULL) : -1;
    } else {
        len = i2d_PUBKEY(pk, NULL);
    }
    if (len <= 0) {
        dom_error(ctx, "OperationError", "cannot encode the key");
    }
    p = push_array_buffer(ctx, (size_t) len);
    if (priv) {
        i2d_PKCS8_PRIV_KEY_INFO(g_tmp.p8, &p);
        PKCS8_PRIV_KEY_INFO_free(g_tmp.p8);
        g_tmp.p8 = NULL;
    } else {
        i2d_PUBKEY(pk, &p);
    }
}

/* -> [ ... info ]: { kind: "RSA"|"RSA-PSS"|"EC"|"Ed25519"|"X25519", curve, bits,
 * e (ArrayBuffer) }. */
static void
push_info(duk_context *ctx, EVP_PKEY *pk)
{
    int id = EVP_PKEY_get_base_id(pk), c;

    duk_push_bare_object(ctx);
    if (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) {
        BIGNUM *e = NULL;
        int     n;
        duk_push_string(ctx, id == EVP_PKEY_RSA ? "RSA" : "RSA-PSS");
        duk_put_prop_string(ctx, -2, "kind");
        duk_push_int(ctx, EVP_PKEY_get_bits(pk));
        duk_put_prop_string(ctx, -2, "bits");
        if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) == 1) {
            unsigned char buf[64];
            n = BN_num_bytes(e);
            if (n <= (int) sizeof(buf)) {
                BN_bn2bin(e, buf);
                push_bytes(ctx, buf, (size_t) n);
                duk_put_prop_string(ctx, -2, "e");
            }
            BN_free(e);
        }
    } else if (id == EVP_PKEY_EC) {
        duk_push_string(ctx, "EC");
        duk_put_prop_string(ctx, -2, "kind");
        c = curve_index_key(pk);
        if (c >= 0) {
            duk_push_string(ctx, g_curves[c].web);
            duk_put_prop_string(ctx, -2, "curve");
        }
    } else if (id == EVP_PKEY_ED25519) {
        duk_push_string(ctx, "Ed25519");
        duk_put_prop_string(ctx, -2, "kind");
    } else if (id == EVP_PKEY_X25519) {
        duk_push_string(ctx, "X25519");
        duk_put_prop_string(ctx, -2, "kind");
    } else {
        duk_push_string(ctx, OBJ_nid2sn(id));
        duk_put_prop_string(ctx, -2, "kind");
    }
}

/* A BIGNUM in g_tmp.bn[i] from the Uint8Array member name of the object at idx
 * (NULL when absent). */
static BIGNUM *
bn_member(duk_context *ctx, duk_idx_t idx, const char *name, int i)
{
    size_t               len;
    const unsigned char *p;

    duk_get_prop_string(ctx, idx, name);
    if (duk_is_undefined(ctx, -1)) {
        duk_pop(ctx);
        return NULL;
    }
    p = bytes_at(ctx, -1, &len);
    g_tmp.bn[i] = BN_bin2bn(p, (int) len, NULL);
    duk_pop(ctx);
    if (g_tmp.bn[i] == NULL) {
        dom_error(ctx, "OperationError", "out of memory");
    }
    return g_tmp.bn[i];
}

/* Builds a key from OSSL params (g_tmp.bld) of type name ("RSA", "EC"). */
static EVP_PKEY *
key_fromdata(duk_context *ctx, const char *type, int selection)
{
    EVP_PKEY *pk = NULL;

    g_tmp.params = OSSL_PARAM_BLD_to_param(g_tmp.bld);
    g_tmp.pctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (g_tmp.params == NULL || g_tmp.pctx == NULL || EVP_PKEY_fromdata_init(g_tmp.pctx) != 1
        || EVP_PKEY_fromdata(g_tmp.pctx, &pk, selection, g_tmp.params) != 1) {
        dom_error(ctx, "DataError", "the key data is not a valid key");
    }
    g_tmp.pk[0] = pk;
    return pk;
}

/* JWK {n,e,d,p,q,dp,dq,qi} (Uint8Arrays) at idx -> RSA key. */
static EVP_PKEY *
rsa_from_jwk(duk_context *ctx, duk_idx_t idx)
{
    static const char *names[] = { "n", "e", "d", "p", "q", "dp", "dq", "qi" };
    static const char *params[] = {
        OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
        OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
        OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
        OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
    };
    BIGNUM *bn[8];
    int     i, priv, crt = 1;

    for (i = 0; i < 8; i++) {
        bn[i] = bn_member(ctx, idx, names[i], i);
        if (i >= 3 && bn[i] == NULL) {
            crt = 0;
        }
    }
    if (bn[0] == NULL || bn[1] == NULL) {
        return dom_error(ctx, "DataError", "JWK member n or e is missing"), NULL;
    }
    priv = bn[2] != NULL;
    if (priv && !crt) {
        return dom_error(ctx, "NotSupportedError", "an RSA JWK private key needs p, q, dp, "
                         "dq and qi"), NULL;
    }
    g_tmp.bld = OSSL_PARAM_BLD_new();
    if (g_tmp.bld == NULL) {
        return dom_error(ctx, "OperationError", "out of memory"), NULL;
    }
    for (i = 0; i < (priv ? 8 : 2); i++) {
        if (OSSL_PARAM_BLD_push_BN(g_tmp.bld, params[i], bn[i]) != 1) {
            return dom_error(ctx, "OperationError", "out of memory"), NULL;
        }
    }
    return key_fromdata(ctx, "RSA", priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY);
}

/* An EC key of curve c from the point octets (and d, NULL if public). */
static EVP_PKEY *
ec_from_parts(duk_context *ctx, int c, const unsigned char *pt, size_t ptlen, BIGNUM *d)
{
    g_tmp.bld = OSSL_PARAM_BLD_new();
    if (g_tmp.bld == NULL
        || OSSL_PARAM_BLD_push_utf8_string(g_tmp.bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                           g_curves[c].group, 0) != 1
        || (pt != NULL && OSSL_PARAM_BLD_push_octet_string(g_tmp.bld, OSSL_PKEY_PARAM_PUB_KEY,
                                                           pt, ptlen) != 1)
        || (d != NULL && OSSL_PARAM_BLD_push_BN(g_tmp.bld, OSSL_PKEY_PARAM_PRIV_KEY, d) != 1)) {
        return dom_error(ctx, "OperationError", "out of memory"), NULL;
    }
    return key_fromdata(ctx, "EC", d != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY);
}

/* Checks that an EC public point is on its curve (and a private key matches). */
static void
ec_check(duk_context *ctx, EVP_PKEY *pk, int priv)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
    int           ok = c != NULL && (priv ? EVP_PKEY_pairwise_check(c) == 1
                                          : EVP_PKEY_public_check(c) == 1);

    EVP_PKEY_CTX_free(c);
    if (!ok) {
        dom_error(ctx, "DataError", "the EC key is not valid on its curve");
    }
}

/* Uint8Array member of the object at idx, which must be exactly n bytes
 * (n = 0: any length). NULL when absent. */
static const unsigned char *
octets_member(duk_context *ctx, duk_idx_t idx, const char *name, size_t n, size_t *len)
{
    const unsigned char *p;

    duk_get_prop_string(ctx, idx, name);
    if (duk_is_undefined(ctx, -1)) {
        duk_pop(ctx);
        return NULL;
    }
    p = bytes_at(ctx, -1, len);
    duk_pop(ctx);               /* the object still holds the buffer */
    if (n > 0 && *len != n) {
        (void) duk_error(ctx, DUK_ERR_ERROR, "DataError|JWK member %s must be %d bytes",
                         name, (int) n);
    }
    return p;
}

/*
 * native.keyImport(format, data, kind, curve) -> [ type, der, info ]
 *   format "spki"|"pkcs8": data is DER; kind/curve ignored (info says).
 *   "raw": data is the public key (EC point, or 32 bytes for OKP keys).
 *   "jwk": data is { n, e, d, p, q, dp, dq, qi, x, y } as Uint8Arrays.
 * kind for raw/jwk: "RSA", "EC", "Ed25519", "X25519"; curve for EC.
 */
static duk_ret_t
native_key_import(duk_context *ctx)
{
    const char          *format = duk_require_string(ctx, 0);
    const char          *kind = duk_get_string(ctx, 2);
    const char          *curve = duk_get_string(ctx, 3);
    EVP_PKEY            *pk = NULL;
    int                  priv = 0, c = -1;
    size_t               len, xlen, ylen, dlen;
    const unsigned char *p, *x, *y, *d;

    tmp_reset();
    kind = kind != NULL ? kind : "";
    if (strcmp(kind, "EC") == 0) {
        c = curve_index_web(curve != NULL ? curve : "");
        if (c < 0) {
            return dom_error(ctx, "NotSupportedError", "unsupported namedCurve");
        }
    }
    if (strcmp(format, "spki") == 0 || strcmp(format, "pkcs8") == 0) {
        priv = format[0] == 'p';
        p = bytes_at(ctx, 1, &len);
        pk = parse_der(p, len, priv);
        if (pk == NULL) {
            return dom_error(ctx, "DataError", priv ? "the key data is not a PKCS#8 private key"
                             : "the key data is not a SubjectPublicKeyInfo");
        }
        g_tmp.pk[0] = pk;
    } else if (strcmp(format, "raw") == 0) {
        p = bytes_at(ctx, 1, &len);
        if (c >= 0) {
            pk = ec_from_parts(ctx, c, p, len, NULL);
        } else if (strcmp(kind, "Ed25519") == 0 || strcmp(kind, "X25519") == 0) {
            if (len != 32) {
                return dom_error(ctx, "DataError", "a raw Ed25519/X25519 public key is 32 bytes");
            }
            pk = g_tmp.pk[0] = EVP_PKEY_new_raw_public_key(
                kind[0] == 'E' ? EVP_PKEY_ED25519 : EVP_PKEY_X25519, NULL, p, len);
        } else {
            return dom_error(ctx, "NotSupportedError", "raw import is for EC and OKP keys");
        }
    } else if (strcmp(format, "jwk") == 0) {
        duk_require_object(ctx, 1);
        if (strcmp(kind, "RSA") == 0) {
            pk = rsa_from_jwk(ctx, 1);
        } else if (c >= 0) {
            size_t         n = (size_t) g_curves[c].bytes;
            unsigned char  pt[1 + 2 * 66];
            x = octets_member(ctx, 1, "x", n, &xlen);
            y = octets_member(ctx, 1, "y", n, &ylen);
            d = octets_member(ctx, 1, "d", n, &dlen);
            if (x == NULL || y == NULL) {
                return dom_error(ctx, "DataError", "JWK member x or y is missing");
            }
            pt[0] = 4;
            memcpy(pt + 1, x, n);
            memcpy(pt + 1 + n, y, n);
            if (d != NULL) {
                g_tmp.bn[0] = BN_bin2bn(d, (int) n, NULL);
                if (g_tmp.bn[0] == NULL) {
                    return dom_error(ctx, "OperationError", "out of memory");
                }
            }
            pk = ec_from_parts(ctx, c, pt, 1 + 2 * n, g_tmp.bn[0]);
        } else if (strcmp(kind, "Ed25519") == 0 || strcmp(kind, "X25519") == 0) {
            int id = kind[0] == 'E' ? EVP_PKEY_ED25519 : EVP_PKEY_X25519;
            x = octets_member(ctx, 1, "x", 32, &xlen);
            d = octets_member(ctx, 1, "d", 32, &dlen);
            if (x == NULL) {
                return dom_error(ctx, "DataError", "JWK member x is missing");
            }
            if (d != NULL) {
                unsigned char pub[32];
                size_t        plen = sizeof(pub);
                pk = g_tmp.pk[0] = EVP_PKEY_new_raw_private_key(id, NULL, d, 32);
                if (pk == NULL || EVP_PKEY_get_raw_public_key(pk, pub, &plen) != 1
                    || CRYPTO_memcmp(pub, x, 32) != 0) {
                    return dom_error(ctx, "DataError", "JWK member x does not match d");
                }
            } else {
                pk = g_tmp.pk[0] = EVP_PKEY_new_raw_public_key(id, NULL, x, 32);
            }
        } else {
            return dom_error(ctx, "NotSupportedError", "unsupported JWK key type");
        }
    } else {
        return dom_error(ctx, "NotSupportedError", "unsupported key format");
    }
    if (pk == NULL) {
        return dom_error(ctx, "DataError", "the key data is not a valid key");
    }
    priv = EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_D, &g_tmp.bn[7]) == 1
        || EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &g_tmp.bn[6]) == 1;
    if (!priv && (EVP_PKEY_get_base_id(pk) == EVP_PKEY_ED25519
                  || EVP_PKEY_get_base_id(pk) == EVP_PKEY_X25519)) {
        unsigned char k[32];
        size_t        klen = sizeof(k);
        priv = EVP_PKEY_get_raw_private_key(pk, k, &klen) == 1;
        OPENSSL_cleanse(k, sizeof(k));
    }
    ERR_clear_error();
    if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC) {
        ec_check(ctx, pk, priv);
    }
    duk_push_array(ctx);
    duk_push_string(ctx, priv ? "private" : "public");
    duk_put_prop_index(ctx, -2, 0);
    push_der(ctx, pk, priv);
    duk_put_prop_index(ctx, -2, 1);
    push_info(ctx, pk);
    duk_put_prop_index(ctx, -2, 2);
    tmp_reset();
    return 1;
}

/* Puts bn as a big-endian ArrayBuffer of pad bytes (0: minimal) on obj[-2]. */
static void
put_bn(duk_context *ctx, const char *name, const BIGNUM *bn, int pad)
{
    int            n = pad > 0 ? pad : BN_num_bytes(bn);
    unsigned char *p = push_array_buffer(ctx, (size_t) (n > 0 ? n : 1));

    if (n == 0) {
        p[0] = 0;
    } else {
        BN_bn2binpad(bn, p, n);
    }
    duk_put_prop_string(ctx, -2, name);
}

/*
 * native.keyExport(der, priv, format) -> ArrayBuffer (spki, pkcs8, raw) or
 * { n, e, d... | x, y, d } of ArrayBuffers (jwk).
 */
static duk_ret_t
native_key_export(duk_context *ctx)
{
    int         priv = duk_to_boolean(ctx, 1);
    const char *format = duk_require_string(ctx, 2);
    EVP_PKEY   *pk;
    int         id, i, c;

    tmp_reset();
    pk = key_at(ctx, 0, priv, 0);
    id = EVP_PKEY_get_base_id(pk);
    if (strcmp(format, "spki") == 0 || strcmp(format, "pkcs8") == 0) {
        push_der(ctx, pk, priv);
    } else if (strcmp(format, "raw") == 0) {
        if (id == EVP_PKEY_EC) {
            size_t         n = 0;
            unsigned char *p;
            EVP_PKEY_set_utf8_string_param(pk, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                           OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED);
            if (EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, NULL, 0, &n) != 1) {
                return dom_error(ctx, "OperationError", "cannot get the EC public point");
            }
            p = push_array_buffer(ctx, n);
            EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, p, n, &n);
        } else {
            size_t n = 32;
            if (EVP_PKEY_get_raw_public_key(pk, push_array_buffer(ctx, 32), &n) != 1 || n != 32) {
                return dom_error(ctx, "OperationError", "cannot get the raw public key");
            }
        }
    } else if (strcmp(format, "jwk") == 0) {
        duk_push_bare_object(ctx);
        if (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) {
            static const char *names[] = { "n", "e", "d", "p", "q", "dp", "dq", "qi" };
            static const char *params[] = {
                OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
                OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
                OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
                OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
            };
            for (i = 0; i < (priv ? 8 : 2); i++) {
                if (EVP_PKEY_get_bn_param(pk, params[i], &g_tmp.bn[i]) != 1) {
                    return dom_error(ctx, "OperationError", "cannot export this RSA key as JWK");
                }
                put_bn(ctx, names[i], g_tmp.bn[i], 0);
            }
        } else if (id == EVP_PKEY_EC) {
            c = curve_index_key(pk);
            if (c < 0 || EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &g_tmp.bn[0]) != 1
                || EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &g_tmp.bn[1]) != 1
                || (priv && EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY,
                                                  &g_tmp.bn[2]) != 1)) {
                return dom_error(ctx, "OperationError", "cannot export this EC key as JWK");
            }
            put_bn(ctx, "x", g_tmp.bn[0], g_curves[c].bytes);
            put_bn(ctx, "y", g_tmp.bn[1], g_curves[c].bytes);
            if (priv) {
                put_bn(ctx, "d", g_tmp.bn[2], g_curves[c].bytes);
            }
        } else {
            size_t n = 32;
            if (EVP_PKEY_get_raw_public_key(pk, push_array_buffer(ctx, 32), &n) != 1) {
                return dom_error(ctx, "OperationError", "cannot export this key as JWK");
            }
            duk_put_prop_string(ctx, -2, "x");
            if (priv) {
                if (EVP_PKEY_get_raw_private_key(pk, push_array_buffer(ctx, 32), &n) != 1) {
                    return dom_error(ctx, "OperationError", "cannot export this key as JWK");
                }
                duk_put_prop_string(ctx, -2, "d");
            }
        }
    } else {
        return dom_error(ctx, "NotSupportedError", "unsupported key format");
    }
    tmp_reset();
    return 1;
}

/* native.keyPublic(privDer) -> SPKI DER of its public half */
static duk_ret_t
native_key_public(duk_context *ctx)
{
    EVP_PKEY *pk;

    tmp_reset();
    pk = key_at(ctx, 0, 1, 0);
    push_der(ctx, pk, 0);
    tmp_reset();
    return 1;
}

/* Sets padding for RSA algorithms on a sign/verify context. */
static int
set_padding(EVP_PKEY_CTX *pctx, const char *alg, const EVP_MD *md, int salt)
{
    if (strcmp(alg, "RSA-PSS") == 0) {
        return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1
            && EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) == 1
            && EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1;
    }
    if (strcmp(alg, "RSASSA-PKCS1-V1_5") == 0) {
        return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
    }
    return 1;
}

/* Prepares g_tmp.mctx for sign (verify = 0) or verify with alg/hash on pk. */
static void
sigctx(duk_context *ctx, EVP_PKEY *pk, const char *alg, const char *hash, int salt, int verify)
{
    const EVP_MD *md = NULL;
    int           ok;

    if (strcmp(alg, "ED25519") != 0) {
        md = md_named(hash);
        if (md == NULL) {
            dom_error(ctx, "NotSupportedError", "unsupported hash");
        }
    }
    g_tmp.mctx = EVP_MD_CTX_new();
    if (g_tmp.mctx == NULL) {
        dom_error(ctx, "OperationError", "out of memory");
    }
    ok = verify ? EVP_DigestVerifyInit(g_tmp.mctx, &g_tmp.pctx, md, NULL, pk)
                : EVP_DigestSignInit(g_tmp.mctx, &g_tmp.pctx, md, NULL, pk);
    g_tmp.pctx = NULL;          /* owned by mctx */
    if (ok != 1) {
        dom_error(ctx, "InvalidAccessError", "the key cannot be used with this algorithm");
    }
    if (!set_padding(EVP_MD_CTX_get_pkey_ctx(g_tmp.mctx), alg, md, salt)) {
        dom_error(ctx, "OperationError", "bad RSA parameters (saltLength too large?)");
    }
}

/* native.sign(alg, hash, privDer, data, saltLength) -> ArrayBuffer (ECDSA: r || s) */
static duk_ret_t
native_sign(duk_context *ctx)
{
    const char          *alg = duk_require_string(ctx, 0);
    const char          *hash = duk_get_string(ctx, 1);
    size_t               len, slen = 0;
    const unsigned char *data;
    EVP_PKEY            *pk;
    int                  n, c;

    tmp_reset();
    pk = key_at(ctx, 2, 1, 0);
    data = bytes_at(ctx, 3, &len);
    sigctx(ctx, pk, alg, hash != NULL ? hash : "", duk_get_int(ctx, 4), 0);
    if (EVP_DigestSign(g_tmp.mctx, NULL, &slen, data, len) != 1) {
        return dom_error(ctx, "OperationError", "signing failed");
    }
    g_tmp.mem = OPENSSL_malloc(slen > 0 ? slen : 1);
    if (g_tmp.mem == NULL || EVP_DigestSign(g_tmp.mctx, g_tmp.mem, &slen, data, len) != 1) {
        return dom_error(ctx, "OperationError", "signing failed (key too small for the hash?)");
    }
    if (strcmp(alg, "ECDSA") == 0) {
        const unsigned char *p = g_tmp.mem;
        const BIGNUM        *r, *s;
        unsigned char       *out;
        c = curve_index_key(pk);
        g_tmp.sig = d2i_ECDSA_SIG(NULL, &p, (long) slen);
        if (c < 0 || g_tmp.sig == NULL) {
            return dom_error(ctx, "OperationError", "ECDSA signature encoding");
        }
        n = g_curves[c].bytes;
        ECDSA_SIG_get0(g_tmp.sig, &r, &s);
        out = push_array_buffer(ctx, (size_t) (2 * n));
        BN_bn2binpad(r, out, n);
        BN_bn2binpad(s, out + n, n);
    } else {
        push_bytes(ctx, g_tmp.mem, slen);
    }
    tmp_reset();
    return 1;
}

/* native.verify(alg, hash, pubDer, signature, data, saltLength) -> boolean */
static duk_ret_t
native_verify(duk_context *ctx)
{
    const char          *alg = duk_require_string(ctx, 0);
    const char          *hash = duk_get_string(ctx, 1);
    size_t               len, slen;
    const unsigned char *data, *sig;
    EVP_PKEY            *pk;
    int                  ok, n, c;

    tmp_reset();
    pk = key_at(ctx, 2, 0, 0);
    sig = bytes_at(ctx, 3, &slen);
    data = bytes_at(ctx, 4, &len);
    sigctx(ctx, pk, alg, hash != NULL ? hash : "", duk_get_int(ctx, 5), 1);
    if (strcmp(alg, "ECDSA") == 0) {
        BIGNUM *r, *s;
        int     dlen;
        c = curve_index_key(pk);
        n = c >= 0 ? g_curves[c].bytes : 0;
        if (n == 0 || slen != (size_t) (2 * n)) {
            tmp_reset();
            duk_push_false(ctx);
            return 1;
        }
        g_tmp.sig = ECDSA_SIG_new();
        r = BN_bin2bn(sig, n, NULL);
        s = BN_bin2bn(sig + n, n, NULL);
        if (g_tmp.sig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(g_tmp.sig, r, s) != 1) {
            BN_free(r);
            BN_free(s);
            return dom_error(ctx, "OperationError", "out of memory");
        }
        dlen = i2d_ECDSA_SIG(g_tmp.sig, &g_tmp.mem);
        if (dlen <= 0) {
            return dom_error(ctx, "OperationError", "out of memory");
        }
        ok = EVP_DigestVerify(g_tmp.mctx, g_tmp.mem, (size_t) dlen, data, len);
    } else {
        ok = EVP_DigestVerify(g_tmp.mctx, sig, slen, data, len);
    }
    tmp_reset();
    duk_push_boolean(ctx, ok == 1);
    return 1;
}

/* native.rsaOaep(encrypt, hash, der, data, label) -> ArrayBuffer */
static duk_ret_t
native_rsa_oaep(duk_context *ctx)
{
    int                  enc = duk_to_boolean(ctx, 0);
    const EVP_MD        *md = md_named(duk_require_string(ctx, 1));
    size_t               len, llen, olen = 0;
    const unsigned char *data, *label;
    EVP_PKEY            *pk;
    unsigned char       *lcopy = NULL;

    tmp_reset();
    pk = key_at(ctx, 2, !enc, 0);
    data = bytes_at(ctx, 3, &len);
    label = bytes_at(ctx, 4, &llen);
    if (md == NULL) {
        return dom_error(ctx, "NotSupportedError", "unsupported hash");
    }
    g_tmp.pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
    if (g_tmp.pctx == NULL
        || (enc ? EVP_PKEY_encrypt_init(g_tmp.pctx) : EVP_PKEY_decrypt_init(g_tmp.pctx)) != 1
        || EVP_PKEY_CTX_set_rsa_padding(g_tmp.pctx, RSA_PKCS1_OAEP_PADDING) != 1
        || EVP_PKEY_CTX_set_rsa_oaep_md(g_tmp.pctx, md) != 1
        || EVP_PKEY_CTX_set_rsa_mgf1_md(g_tmp.pctx, md) != 1) {
        return dom_error(ctx, "InvalidAccessError", "the key cannot be used for RSA-OAEP");
    }
    if (llen > 0) {
        lcopy = OPENSSL_memdup(label, llen);
        if (lcopy == NULL || EVP_PKEY_CTX_set0_rsa_oaep_label(g_tmp.pctx, lcopy,
                                                              (int) llen) != 1) {
            OPENSSL_free(lcopy);
            return dom_error(ctx, "OperationError", "out of memory");
        }
    }
    if ((enc ? EVP_PKEY_encrypt(g_tmp.pctx, NULL, &olen, data, len)
             : EVP_PKEY_decrypt(g_tmp.pctx, NULL, &olen, data, len)) != 1) {
        return dom_error(ctx, "OperationError", enc ? "RSA-OAEP: the data is too long for "
                         "the key" : "RSA-OAEP decryption failed");
    }
    g_tmp.mem = OPENSSL_malloc(olen > 0 ? olen : 1);
    if (g_tmp.mem == NULL
        || (enc ? EVP_PKEY_encrypt(g_tmp.pctx, g_tmp.mem, &olen, data, len)
                : EVP_PKEY_decrypt(g_tmp.pctx, g_tmp.mem, &olen, data, len)) != 1) {
        return dom_error(ctx, "OperationError", enc ? "RSA-OAEP: the data is too long for "
                         "the key" : "RSA-OAEP decryption failed");
    }
    push_bytes(ctx, g_tmp.mem, olen);
    tmp_reset();
    return 1;
}

/* native.derive(privDer, pubDer) -> ArrayBuffer: the ECDH/X25519 shared secret */
static duk_ret_t
native_derive(duk_context *ctx)
{
    EVP_PKEY *priv, *pub;
    size_t    olen = 0;

    tmp_reset();
    priv = key_at(ctx, 0, 1, 0);
    pub = key_at(ctx, 1, 0, 1);
    g_tmp.pctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
    if (g_tmp.pctx == NULL || EVP_PKEY_derive_init(g_tmp.pctx) != 1
        || EVP_PKEY_derive_set_peer(g_tmp.pctx, pub) != 1) {
        return dom_error(ctx, "InvalidAccessError", "the public key does not match the "
                         "private key's algorithm or curve");
    }
    if (EVP_PKEY_derive(g_tmp.pctx, NULL, &olen) != 1
        || (g_tmp.mem = OPENSSL_malloc(olen > 0 ? olen : 1)) == NULL
        || EVP_PKEY_derive(g_tmp.pctx, g_tmp.mem, &olen) != 1) {
        return dom_error(ctx, "OperationError", "key agreement failed");
    }
    push_bytes(ctx, g_tmp.mem, olen);
    tmp_reset();
    return 1;
}

/* native.ecGenerate(kind, curve) -> [ privDer, pubDer ] (EC, Ed25519, X25519: fast) */
static duk_ret_t
native_ec_generate(duk_context *ctx)
{
    const char *kind = duk_require_string(ctx, 0);
    EVP_PKEY   *pk = NULL;
    int         c;

    tmp_reset();
    if (strcmp(kind, "EC") == 0) {
        c = curve_index_web(duk_require_string(ctx, 1));
        if (c < 0) {
            return dom_error(ctx, "NotSupportedError", "unsupported namedCurve");
        }
        pk = EVP_EC_gen(g_curves[c].group);
    } else if (strcmp(kind, "Ed25519") == 0 || strcmp(kind, "X25519") == 0) {
        pk = EVP_PKEY_Q_keygen(NULL, NULL, kind);
    }
    if (pk == NULL) {
        return dom_error(ctx, "OperationError", "key generation failed");
    }
    g_tmp.pk[0] = pk;
    duk_push_array(ctx);
    push_der(ctx, pk, 1);
    duk_put_prop_index(ctx, -2, 0);
    push_der(ctx, pk, 0);
    duk_put_prop_index(ctx, -2, 1);
    tmp_reset();
    return 1;
}

/* ---- AES ---- */

static const EVP_CIPHER *
aes_cipher(const char *mode, size_t klen)
{
    int bits = (int) klen * 8;

    if (strcmp(mode, "AES-GCM") == 0) {
        return bits == 128 ? EVP_aes_128_gcm() : bits == 192 ? EVP_aes_192_gcm()
               : bits == 256 ? EVP_aes_256_gcm() : NULL;
    }
    if (strcmp(mode, "AES-CBC") == 0) {
        return bits == 128 ? EVP_aes_128_cbc() : bits == 192 ? EVP_aes_192_cbc()
               : bits == 256 ? EVP_aes_256_cbc() : NULL;
    }
    if (strcmp(mode, "AES-CTR") == 0) {
        return bits == 128 ? EVP_aes_128_ctr() : bits == 192 ? EVP_aes_192_ctr()
               : bits == 256 ? EVP_aes_256_ctr() : NULL;
    }
    if (strcmp(mode, "AES-KW") == 0) {
        return bits == 128 ? EVP_aes_128_wrap() : bits == 192 ? EVP_aes_192_wrap()
               : bits == 256 ? EVP_aes_256_wrap() : NULL;
    }
    return NULL;
}

/* Runs cipher c over in[0..len) into out (which holds len + 16 bytes); *olen. */
static int
run_cipher(const EVP_CIPHER *c, int enc, const unsigned char *key, const unsigned char *iv,
           const unsigned char *in, size_t len, unsigned char *out, size_t *olen)
{
    int n = 0, m = 0;

    EVP_CIPHER_CTX_reset(g_tmp.cctx);
    if (EVP_CipherInit_ex(g_tmp.cctx, c, NULL, key, iv, enc) != 1
        || (len > 0 && EVP_CipherUpdate(g_tmp.cctx, out, &n, in, (int) len) != 1)
        || EVP_CipherFinal_ex(g_tmp.cctx, out + n, &m) != 1) {
        return -1;
    }
    *olen = (size_t) n + (size_t) m;
    return 0;
}

/*
 * native.aes(mode, encrypt, key, iv, data, aad, tagBits|ctrBits) -> ArrayBuffer
 *   AES-GCM: iv any length, aad, tag of tagBits appended (encrypt) / expected at the end.
 *   AES-CBC: iv 16 bytes, PKCS#7 padding.  AES-CTR: iv is the 16-byte counter block
 *   whose rightmost ctrBits bits count (and wrap).  AES-KW: RFC 3394, no iv.
 */
static duk_ret_t
native_aes(duk_context *ctx)
{
    const char          *mode = duk_require_string(ctx, 0);
    int                  enc = duk_to_boolean(ctx, 1);
    size_t               klen, ivlen, len, alen, olen = 0;
    const unsigned char *key = bytes_at(ctx, 2, &klen);
    const unsigned char *iv = bytes_at(ctx, 3, &ivlen);
    const unsigned char *in = bytes_at(ctx, 4, &len);
    const unsigned char *aad = bytes_at(ctx, 5, &alen);
    int                  bits = duk_get_int(ctx, 6), n = 0, m = 0;
    const EVP_CIPHER    *c = aes_cipher(mode, klen);
    unsigned char       *out;

    tmp_reset();
    if (c == NULL) {
        return dom_error(ctx, "OperationError", "the key is not 128, 192 or 256 bits");
    }
    if (len > (size_t) INT32_MAX - 32) {
        return dom_error(ctx, "OperationError", "the data is too large");
    }
    g_tmp.cctx = EVP_CIPHER_CTX_new();
    g_tmp.mem = OPENSSL_malloc(len + 32);
    if (g_tmp.cctx == NULL || g_tmp.mem == NULL) {
        return dom_error(ctx, "OperationError", "out of memory");
    }
    out = g_tmp.mem;
    if (strcmp(mode, "AES-GCM") == 0) {
        size_t tlen = (size_t) bits / 8;
        if (!enc && len < tlen) {
            return dom_error(ctx, "OperationError", "AES-GCM: the data is shorter than the tag");
        }
        if (!enc) {
            len -= tlen;
        }
        if (EVP_CipherInit_ex(g_tmp.cctx, c, NULL, NULL, NULL, enc) != 1
            || EVP_CIPHER_CTX_ctrl(g_tmp.cctx, EVP_CTRL_GCM_SET_IVLEN, (int) ivlen, NULL) != 1
            || EVP_CipherInit_ex(g_tmp.cctx, NULL, NULL, key, iv, enc) != 1
            || (!enc && EVP_CIPHER_CTX_ctrl(g_tmp.cctx, EVP_CTRL_GCM_SET_TAG, (int) tlen,
                                            (void *) (in + len)) != 1)
            || (alen > 0 && EVP_CipherUpdate(g_tmp.cctx, NULL, &n, aad, (int) alen) != 1)
            || (len > 0 && EVP_CipherUpdate(g_tmp.cctx, out, &n, in, (int) len) != 1)) {
            return dom_error(ctx, "OperationError", "AES-GCM failed");
        }
        if (len == 0) {
            n = 0;
        }
        if (EVP_CipherFinal_ex(g_tmp.cctx, out + n, &m) != 1) {
            return dom_error(ctx, "OperationError", "AES-GCM: the data or tag is not authentic");
        }
        olen = (size_t) n + (size_t) m;
        if (enc && EVP_CIPHER_CTX_ctrl(g_tmp.cctx, EVP_CTRL_GCM_GET_TAG, (int) tlen,
                                       out + olen) != 1) {
            return dom_error(ctx, "OperationError", "AES-GCM tag");
        }
        olen += enc ? tlen : 0;
    } else if (strcmp(mode, "AES-CTR") == 0) {
        /* OpenSSL counts over all 128 bits; Web Crypto's counter is the
         * rightmost ctrBits bits and wraps: split where it would wrap. */
        unsigned char ctr[16], ctr2[16];
        size_t        blocks = (len + 15) / 16, first = blocks, o2 = 0;
        int           i;
        if (ivlen != 16 || bits < 1 || bits > 128) {
            return dom_error(ctx, "OperationError", "AES-CTR: counter must be 16 bytes, "
                             "length 1..128");
        }
        memcpy(ctr, iv, 16);
        if (bits < 64) {
            uint64_t low = 0, space = (uint64_t) 1 << bits, mask = space - 1;
            for (i = 8; i < 16; i++) {
                low = (low << 8) | ctr[i];
            }
            if (blocks > space) {
                return dom_error(ctx, "OperationError", "AES-CTR: the data is longer than the "
                                 "counter allows");
            }
            if ((low & mask) + blocks > space) {
                first = (size_t) (space - (low & mask));
            }
        } else if (bits < 128) {
            /* 2^64 blocks never fit in memory: only the low 64 bits can wrap. */
            uint64_t low = 0;
            for (i = 8; i < 16; i++) {
                low = (low << 8) | ctr[i];
            }
            if (bits == 64 && low + blocks < low) {
                first = (size_t) (0 - low);
            }
        }
        c = aes_cipher("AES-CTR", klen);
        if (run_cipher(c, 1, key, ctr, in, first * 16 < len ? first * 16 : len, out,
                       &olen) != 0) {
            return dom_error(ctx, "OperationError", "AES-CTR failed");
        }
        if (first < blocks) {
            memcpy(ctr2, ctr, 16);
            for (i = 15; i >= 0; i--) {     /* zero the counter bits */
                int b = 15 - i;             /* byte index from the right */
                if (b * 8 + 8 <= bits) {
                    ctr2[i] = 0;
                } else if (b * 8 < bits) {
                    ctr2[i] &= (unsigned char) (0xFF << (bits - b * 8));
                }
            }
            if (run_cipher(c, 1, key, ctr2, in + first * 16, len - first * 16, out + olen,
                           &o2) != 0) {
                return dom_error(ctx, "OperationError", "AES-CTR failed");
            }
            olen += o2;
        }
    } else if (strcmp(mode, "AES-CBC") == 0) {
        if (ivlen != 16) {
            return dom_error(ctx, "OperationError", "AES-CBC: iv must be 16 bytes");
        }
        if (run_cipher(c, enc, key, iv, in, len, out, &olen) != 0) {
            return dom_error(ctx, "OperationError", enc ? "AES-CBC failed"
                             : "AES-CBC: bad padding or length (wrong key?)");
        }
    } else {                        /* AES-KW */
        EVP_CIPHER_CTX_set_flags(g_tmp.cctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
        if (len < (enc ? 16u : 24u) || len % 8 != 0
            || EVP_CipherInit_ex(g_tmp.cctx, c, NULL, key, NULL, enc) != 1
            || EVP_CipherUpdate(g_tmp.cctx, out, &n, in, (int) len) != 1 || n < 0) {
            return dom_error(ctx, "OperationError", enc ? "AES-KW: the data must be a multiple "
                             "of 8 bytes, at least 16" : "AES-KW: the data is not authentic");
        }
        olen = (size_t) n;
    }
    push_bytes(ctx, out, olen);
    tmp_reset();
    return 1;
}

/* native.hkdf(hash, ikm, salt, info, bytes) -> ArrayBuffer */
static duk_ret_t
native_hkdf(duk_context *ctx)
{
    const char          *hash = duk_require_string(ctx, 0);
    size_t               klen, slen, ilen, olen = (size_t) duk_require_uint(ctx, 4);
    const unsigned char *ikm = bytes_at(ctx, 1, &klen);
    const unsigned char *salt = bytes_at(ctx, 2, &slen);
    const unsigned char *info = bytes_at(ctx, 3, &ilen);
    static const unsigned char zero[1];
    EVP_KDF             *kdf;
    OSSL_PARAM           p[5];
    unsigned char       *out;

    tmp_reset();
    if (md_named(hash) == NULL) {
        return dom_error(ctx, "NotSupportedError", "unsupported hash");
    }
    kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    g_tmp.kctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
    EVP_KDF_free(kdf);
    g_tmp.mem = OPENSSL_malloc(olen > 0 ? olen : 1);
    if (g_tmp.kctx == NULL || g_tmp.mem == NULL) {
        return dom_error(ctx, "OperationError", "out of memory");
    }
    /* HKDF with an empty key: HMAC pads keys with zeros, so one zero byte is
     * the same key (OpenSSL refuses an empty one). */
    p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                            (char *) EVP_MD_get0_name(md_named(hash)), 0);
    p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                             (void *) (klen > 0 ? ikm : zero),
                                             klen > 0 ? klen : 1);
    p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *) salt, slen);
    p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *) info, ilen);
    p[4] = OSSL_PARAM_construct_end();
    if (olen > 0 && EVP_KDF_derive(g_tmp.kctx, g_tmp.mem, olen, p) != 1) {
        return dom_error(ctx, "OperationError", "HKDF: the length is too large for the hash");
    }
    out = push_array_buffer(ctx, olen);
    if (olen > 0) {
        memcpy(out, g_tmp.mem, olen);
    }
    tmp_reset();
    return 1;
}

/* ---- long work: usable from the job thread (no Duktape, no g_tmp) ---- */

int
nd_crypto_pbkdf2(const char *hash, const unsigned char *pw, size_t pwlen,
                 const unsigned char *salt, size_t slen, uint32_t iter, unsigned char *out,
                 size_t olen, int (*keep_going)(void *arg), void *arg)
{
    const EVP_MD  *md = md_named(hash);
    EVP_MAC       *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX   *mc = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM     p[2];
    unsigned char  u[EVP_MAX_MD_SIZE], t[EVP_MAX_MD_SIZE], be[4];
    static const unsigned char zero[1];
    size_t         hlen, done = 0, n, k;
    uint32_t       block, j;
    int            rc = -1;

    if (md == NULL || mc == NULL) {
        goto fail;
    }
    hlen = (size_t) EVP_MD_get_size(md);
    p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                            (char *) EVP_MD_get0_name(md), 0);
    p[1] = OSSL_PARAM_construct_end();
    /* An empty password is the same HMAC key as one zero byte. */
    if (EVP_MAC_init(mc, pwlen > 0 ? pw : zero, pwlen > 0 ? pwlen : 1, p) != 1) {
        goto fail;
    }
    for (block = 1; done < olen; block++) {
        be[0] = (unsigned char) (block >> 24);
        be[1] = (unsigned char) (block >> 16);
        be[2] = (unsigned char) (block >> 8);
        be[3] = (unsigned char) block;
        if ((block > 1 && EVP_MAC_init(mc, NULL, 0, NULL) != 1)
            || EVP_MAC_update(mc, salt, slen) != 1 || EVP_MAC_update(mc, be, 4) != 1
            || EVP_MAC_final(mc, u, &n, sizeof(u)) != 1) {
            goto fail;
        }
        memcpy(t, u, hlen);
        for (j = 1; j < iter; j++) {
            if ((j & 1023) == 0 && keep_going != NULL && !keep_going(arg)) {
                goto fail;
            }
            if (EVP_MAC_init(mc, NULL, 0, NULL) != 1 || EVP_MAC_update(mc, u, hlen) != 1
                || EVP_MAC_final(mc, u, &n, sizeof(u)) != 1) {
                goto fail;
            }
            for (k = 0; k < hlen; k++) {
                t[k] ^= u[k];
            }
        }
        n = olen - done < hlen ? olen - done : hlen;
        memcpy(out + done, t, n);
        done += n;
    }
    rc = 0;
fail:
    OPENSSL_cleanse(u, sizeof(u));
    OPENSSL_cleanse(t, sizeof(t));
    EVP_MAC_CTX_free(mc);
    EVP_MAC_free(mac);
    return rc;
}

struct gen_cb {
    int (*keep_going)(void *arg);
    void *arg;
};

static int
gen_progress(EVP_PKEY_CTX *pctx)
{
    struct gen_cb *cb = EVP_PKEY_CTX_get_app_data(pctx);

    return cb->keep_going == NULL || cb->keep_going(cb->arg);
}

int
nd_crypto_rsa_generate(unsigned bits, const unsigned char *e, size_t elen,
                       unsigned char **priv, size_t *priv_len, unsigned char **pub,
                       size_t *pub_len, int (*keep_going)(void *arg), void *arg)
{
    EVP_PKEY_CTX        *pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY            *pk = NULL;
    BIGNUM              *bn = BN_bin2bn(e, (int) elen, NULL);
    PKCS8_PRIV_KEY_INFO *p8 = NULL;
    struct gen_cb        cb = { keep_going, arg };
    unsigned char       *p;
    int                  n, rc = -1;

    *priv = *pub = NULL;
    if (pctx == NULL || bn == NULL || EVP_PKEY_keygen_init(pctx) != 1
        || EVP_PKEY_CTX_set_rsa_keygen_bits(pctx, (int) bits) != 1
        || EVP_PKEY_CTX_set1_rsa_keygen_pubexp(pctx, bn) != 1) {
        goto fail;
    }
    EVP_PKEY_CTX_set_app_data(pctx, &cb);
    EVP_PKEY_CTX_set_cb(pctx, gen_progress);
    if (EVP_PKEY_generate(pctx, &pk) != 1 || (p8 = EVP_PKEY2PKCS8(pk)) == NULL) {
        goto fail;
    }
    n = i2d_PKCS8_PRIV_KEY_INFO(p8, NULL);
    if (n <= 0 || (*priv = malloc((size_t) n)) == NULL) {
        goto fail;
    }
    p = *priv;
    *priv_len = (size_t) i2d_PKCS8_PRIV_KEY_INFO(p8, &p);
    n = i2d_PUBKEY(pk, NULL);
    if (n <= 0 || (*pub = malloc((size_t) n)) == NULL) {
        goto fail;
    }
    p = *pub;
    *pub_len = (size_t) i2d_PUBKEY(pk, &p);
    rc = 0;
fail:
    if (rc != 0) {
        free(*priv);
        free(*pub);
        *priv = *pub = NULL;
    }
    PKCS8_PRIV_KEY_INFO_free(p8);
    EVP_PKEY_free(pk);
    BN_free(bn);
    EVP_PKEY_CTX_free(pctx);
    ERR_clear_error();
    return rc;
}

int
nd_crypto_rsa_private(int op, const char *hash, int salt, const unsigned char *der,
                      size_t derlen, const unsigned char *data, size_t len,
                      const unsigned char *label, size_t llen, unsigned char **out,
                      size_t *olen)
{
    EVP_PKEY      *pk = parse_der(der, derlen, 1);
    const EVP_MD  *md = md_named(hash);
    EVP_MD_CTX    *mctx = NULL;
    EVP_PKEY_CTX  *pctx = NULL;
    unsigned char *lcopy = NULL;
    size_t         n = 0;
    int            rc = -1;

    *out = NULL;
    if (pk == NULL || md == NULL) {
        goto fail;
    }
    if (op == ND_RSA_OAEP_DECRYPT) {
        pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
        if (pctx == NULL || EVP_PKEY_decrypt_init(pctx) != 1
            || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_OAEP_PADDING) != 1
            || EVP_PKEY_CTX_set_rsa_oaep_md(pctx, md) != 1
            || EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1) {
            goto fail;
        }
        if (llen > 0) {
            lcopy = OPENSSL_memdup(label, llen);
            if (lcopy == NULL || EVP_PKEY_CTX_set0_rsa_oaep_label(pctx, lcopy, (int) llen) != 1) {
                OPENSSL_free(lcopy);
                goto fail;
            }
        }
        if (EVP_PKEY_decrypt(pctx, NULL, &n, data, len) != 1
            || (*out = malloc(n > 0 ? n : 1)) == NULL
            || EVP_PKEY_decrypt(pctx, *out, &n, data, len) != 1) {
            goto fail;
        }
    } else {
        mctx = EVP_MD_CTX_new();
        if (mctx == NULL || EVP_DigestSignInit(mctx, &pctx, md, NULL, pk) != 1
            || !set_padding(pctx, op == ND_RSA_PSS_SIGN ? "RSA-PSS" : "RSASSA-PKCS1-V1_5", md,
                            salt)) {
            pctx = NULL;
            goto fail;
        }
        pctx = NULL;            /* owned by mctx */
        if (EVP_DigestSign(mctx, NULL, &n, data, len) != 1
            || (*out = malloc(n > 0 ? n : 1)) == NULL
            || EVP_DigestSign(mctx, *out, &n, data, len) != 1) {
            goto fail;
        }
    }
    *olen = n;
    rc = 0;
fail:
    if (rc != 0) {
        free(*out);
        *out = NULL;
    }
    EVP_PKEY_CTX_free(pctx);
    EVP_MD_CTX_free(mctx);
    EVP_PKEY_free(pk);
    ERR_clear_error();
    return rc;
}

/* GLOBAL (const): native.crypto's operations. */
static const struct {
    const char  *name;
    duk_c_function fn;
} g_ops[] = {
    { "digest", native_digest },
    { "digestSize", native_digest_size },
    { "hmac", native_hmac },
    { "timingSafeEqual", native_timing_safe_equal },
    { "keyImport", native_key_import },
    { "keyExport", native_key_export },
    { "keyPublic", native_key_public },
    { "sign", native_sign },
    { "verify", native_verify },
    { "rsaOaep", native_rsa_oaep },
    { "derive", native_derive },
    { "ecGenerate", native_ec_generate },
    { "aes", native_aes },
    { "hkdf", native_hkdf },
    { "job", nd_crypto_job_native },
};

/* native.crypto(op, args...): one native for every operation above, so that a
 * heap that never touches crypto pays for one property, not fifteen. */
static duk_ret_t
native_crypto(duk_context *ctx)
{
    const char *op = duk_require_string(ctx, 0);
    size_t      i;

    for (i = 0; i < sizeof(g_ops) / sizeof(g_ops[0]); i++) {
        if (strcmp(g_ops[i].name, op) == 0) {
            duk_remove(ctx, 0);
            return g_ops[i].fn(ctx);
        }
    }
    return duk_error(ctx, DUK_ERR_TYPE_ERROR, "native.crypto: unknown operation %s", op);
}

void
nd_bind_crypto(duk_context *ctx, duk_idx_t native)
{
    static const duk_function_list_entry funcs[] = {
        { "randomFill", native_random_fill, 1 },
        { "crypto", native_crypto, DUK_VARARGS },
        { NULL, NULL, 0 },
    };

    nd_bind_put_list(ctx, native, funcs);
}
