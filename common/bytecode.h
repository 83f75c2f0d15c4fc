/*
 * A compiled app script on its way from the compile check (a child of the
 * supervisor) to the workers: our header, then the Duktape bytecode dump
 * (duk_dump_function) of that compile. Duktape's loader trusts its input (a
 * damaged or crafted dump is memory corruption), so a worker hands a dump to
 * duk_load_function only when nd_bytecode_open says it is whole and was made
 * from the very source the worker is about to run: length, checksum, source
 * hash and engine version. The hash detects damage (a truncated copy, a
 * flipped bit, bytecode of another version of the script); it is not a MAC:
 * no path a tenant controls ever carries bytecode (SECURITY.md). Pure.
 */
#ifndef ND_BYTECODE_H
#define ND_BYTECODE_H

#include <stddef.h>
#include <stdint.h>

#define ND_BYTECODE_VERSION 1
#define ND_BYTECODE_MAX ((size_t) 256 << 20)   /* bytes: more is refused */

struct nd_bytecode_hdr {
    char     magic[4];          /* "NDBC" */
    uint32_t version;           /* ND_BYTECODE_VERSION */
    uint32_t engine;            /* the engine's version (DUK_VERSION) that compiled it */
    uint32_t pad;               /* 0 */
    uint64_t src_len;           /* bytes of the source it was compiled from */
    uint64_t src_hash;          /* nd_bytecode_hash of that source */
    uint64_t dump_len;          /* bytes of the dump that follows */
    uint64_t dump_hash;         /* nd_bytecode_hash of the dump */
};

/* 64 bits of a byte string (not cryptographic: detects damage). */
uint64_t nd_bytecode_hash(const void *p, size_t n);

/* Header + dump in one malloc'd block (*outlen bytes), or NULL (out of
 * memory, or an empty dump). Caller frees. */
void *nd_bytecode_wrap(const void *dump, size_t dump_len, const char *src, size_t src_len,
                       uint32_t engine, size_t *outlen);

/* 0 with *dump (inside blob) and *dump_len when blob (len bytes) is whole
 * and was made from src by engine; else -1 with *why (a static string, for
 * a log line). */
int nd_bytecode_open(const void *blob, size_t len, const char *src, size_t src_len,
                     uint32_t engine, const void **dump, size_t *dump_len, const char **why);

#endif
