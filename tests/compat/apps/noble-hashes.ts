// @noble/hashes 2 in a Worker (pure-JS hashes, no Web Crypto): SHA-256/224,
// BLAKE2b/2s, BLAKE3 (keyed, derive-key, XOF), RIPEMD-160, SHA-1 and MD5 from
// legacy, HMAC, HKDF, PBKDF2 (small iteration counts, sync and async), streaming
// update() over chunk boundaries, big inputs (64 KiB and the request body), and
// the argument errors each throws.
// Left out: SHA-384/512/512_256 and sha3.js (SHA-3, Keccak, SHAKE): those modules
// compute their round constants with BigInt arithmetic when they load, which the
// engine does not have (the app then fails to load with a TypeError saying so).
import { sha256, sha224 } from "@noble/hashes/sha2.js";
import { blake2b, blake2s } from "@noble/hashes/blake2.js";
import { blake3 } from "@noble/hashes/blake3.js";
import { ripemd160, sha1, md5 } from "@noble/hashes/legacy.js";
import { hmac } from "@noble/hashes/hmac.js";
import { hkdf, extract, expand } from "@noble/hashes/hkdf.js";
import { pbkdf2, pbkdf2Async } from "@noble/hashes/pbkdf2.js";
import { bytesToHex as hex, hexToBytes, utf8ToBytes, concatBytes, randomBytes }
    from "@noble/hashes/utils.js";

const enc = (s: string) => utf8ToBytes(s);

function pattern(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
        b[i] = (i * 31 + (i >>> 8)) & 0xff;
    }
    return b;
}

function err(f: () => unknown): string {
    try {
        f();
        return "no error";
    } catch (e) {
        return (e as Error).constructor.name + ": " + (e as Error).message;
    }
}

export default {
    async fetch(request: Request): Promise<Response> {
        const url = new URL(request.url);
        const msg = enc(url.searchParams.get("m") ?? "abc");
        switch (url.pathname) {
        case "/digests":
            return Response.json({
                sha256: hex(sha256(msg)), sha224: hex(sha224(msg)),
                blake2b: hex(blake2b(msg)), blake2b16: hex(blake2b(msg, { dkLen: 16 })),
                blake2bKeyed: hex(blake2b(msg, { key: enc("secret key"), salt: new Uint8Array(16).fill(1),
                                                 personalization: enc("nanod-personal!!") })),
                blake2s: hex(blake2s(msg)),
                blake3: hex(blake3(msg)), blake3Xof: hex(blake3(msg, { dkLen: 100 })),
                blake3Keyed: hex(blake3(msg, { key: new Uint8Array(32).fill(7) })),
                blake3Derive: hex(blake3(msg, { context: enc("nanod 2026-12-05 compat test") })),
                ripemd160: hex(ripemd160(msg)), sha1: hex(sha1(msg)), md5: hex(md5(msg)),
                sizes: [sha256.outputLen, sha256.blockLen, blake2b.blockLen, blake2s.outputLen,
                        blake3.outputLen],
            });
        case "/big": {
            // 64 KiB, hashed at once and in uneven chunks (update() across block boundaries):
            // 12 s of CPU at 256 KiB under the ASan build, too close to the limits of make test.
            const n = Number(url.searchParams.get("n") ?? 1 << 16);
            const big = pattern(n);
            const chunked = (h: { create: (o?: object) => { update(b: Uint8Array): unknown;
                                                            digest(): Uint8Array } }) => {
                const s = h.create();
                for (let i = 0, step = 1; i < n; i += step, step = (step * 7 + 3) % 8191 + 1) {
                    s.update(big.subarray(i, Math.min(n, i + step)));
                }
                return hex(s.digest());
            };
            return Response.json({
                sha256: [hex(sha256(big)), chunked(sha256)],
                sha224: [hex(sha224(big)), chunked(sha224)],
                blake2s: [hex(blake2s(big)), chunked(blake2s)],
                blake2b: [hex(blake2b(big)), chunked(blake2b)],
                blake3: [hex(blake3(big)), chunked(blake3)],
                hmac: hex(hmac(sha256, enc("k"), big)),
            });
        }
        case "/body": {
            // Hash the raw request body (binary, any size) as a Worker would an upload.
            const body = new Uint8Array(await request.arrayBuffer());
            const mac = hmac.create(blake2b, enc("upload key"));
            mac.update(body.subarray(0, 5)).update(body.subarray(5));
            return Response.json({ len: body.length, sha256: hex(sha256(body)),
                                   blake3: hex(blake3(body)), hmac: hex(mac.digest()) });
        }
        case "/kdf": {
            const pw = enc(url.searchParams.get("pw") ?? "password");
            const salt = enc("salt");
            const prk = extract(sha256, hexToBytes("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
                                hexToBytes("000102030405060708090a0b0c"));
            return Response.json({
                hmac256: hex(hmac(sha256, enc("key"), enc("The quick brown fox jumps over the lazy dog"))),
                hmacBlake2b: hex(hmac(blake2b, pw, msg)),
                hmacLongKey: hex(hmac(sha224, new Uint8Array(200).fill(0xaa), msg)),
                hkdf: hex(hkdf(sha256, pw, salt, enc("info"), 42)),
                hkdfNoSalt: hex(hkdf(blake2s, pw, undefined, undefined, 64)),
                rfc5869: [hex(prk), hex(expand(sha256, prk, hexToBytes("f0f1f2f3f4f5f6f7f8f9"), 42))],
                pbkdf2: hex(pbkdf2(sha256, pw, salt, { c: 1, dkLen: 32 })),
                pbkdf2b: hex(pbkdf2(sha256, pw, salt, { c: 2, dkLen: 32 })),
                pbkdf2c: hex(pbkdf2(sha224, pw, salt, { c: 100, dkLen: 80 })),
                pbkdf2Async: hex(await pbkdf2Async(sha256, pw, salt, { c: 50, dkLen: 20, asyncTick: 1 })),
            });
        }
        case "/utils": {
            const r = randomBytes(32);
            return Response.json({
                hex: hex(new Uint8Array([0, 1, 15, 16, 127, 128, 254, 255])),
                fromHex: Array.from(hexToBytes("00FFa0")),
                utf8: Array.from(enc("é€😀")),
                concat: hex(concatBytes(enc("a"), new Uint8Array(0), hexToBytes("ff"))),
                random: [r.length, r instanceof Uint8Array, hex(r) !== hex(randomBytes(32))],
                clone: hex(sha256.create().update(enc("ab")).clone().update(enc("c")).digest()),
                errors: [
                    err(() => hexToBytes("abc")),
                    err(() => hexToBytes("zz")),
                    err(() => sha256("abc" as never)),
                    err(() => pbkdf2(sha256, enc("p"), enc("s"), { c: 0, dkLen: 32 })),
                    err(() => hkdf(sha256, enc("k"), undefined, undefined, 255 * 32 + 1)),
                    err(() => blake3(enc("x"), { key: new Uint8Array(31) })),
                    err(() => { const h = sha256.create(); h.digest(); h.update(enc("x")); }),
                    err(() => blake2b(enc("x"), { dkLen: 65 })),
                ],
            });
        }
        }
        return new Response("not found", { status: 404 });
    },
};
