// crypto-js 4.2 in a Worker (its README's usage): hashes (MD5, SHA-1/224/256/
// 384/512, SHA-3 with output lengths, RIPEMD-160), HMACs, PBKDF2 and EvpKDF,
// AES/TripleDES/Rabbit/RC4 with a passphrase (OpenSSL-compatible "Salted__",
// random salt: checked by round trip and shape) and with an explicit key/iv in
// the CBC, CFB, CTR, OFB and ECB modes and several paddings; the encodings
// Hex, Base64, Base64url, Latin1, Utf8, Utf16 (BE/LE); WordArray from typed
// arrays; progressive hashing; big inputs; wrong keys and malformed input.
import CryptoJS from "crypto-js";

const E = CryptoJS.enc;

function wordsFromBytes(b: Uint8Array) {
    return CryptoJS.lib.WordArray.create(b as unknown as number[]);
}

export default {
    async fetch(request: Request): Promise<Response> {
        const url = new URL(request.url);
        const m = url.searchParams.get("m") ?? "Message in a bottle: ünïcödé 😀";
        switch (url.pathname) {
        case "/hashes":
            return Response.json({
                md5: CryptoJS.MD5(m).toString(),
                sha1: CryptoJS.SHA1(m).toString(),
                sha224: CryptoJS.SHA224(m).toString(),
                sha256: CryptoJS.SHA256(m).toString(),
                sha384: CryptoJS.SHA384(m).toString(),
                sha512: CryptoJS.SHA512(m).toString(),
                sha3: CryptoJS.SHA3(m).toString(),
                sha3_256: CryptoJS.SHA3(m, { outputLength: 256 }).toString(),
                sha3_224b64: CryptoJS.SHA3(m, { outputLength: 224 }).toString(E.Base64),
                ripemd160: CryptoJS.RIPEMD160(m).toString(),
                hmac: [CryptoJS.HmacMD5(m, "key").toString(), CryptoJS.HmacSHA1(m, "key").toString(),
                       CryptoJS.HmacSHA256(m, "key").toString(E.Base64),
                       CryptoJS.HmacSHA512(m, "a much longer key than the block size of the hash, " +
                                          "which forces the key to be hashed first; ".repeat(3)).toString(),
                       CryptoJS.HmacSHA3(m, "key").toString(), CryptoJS.HmacRIPEMD160(m, "").toString()],
                progressive: (() => {
                    const h = CryptoJS.algo.SHA256.create();
                    h.update("Message ");
                    h.update(E.Utf8.parse("in a bottle"));
                    const hm = CryptoJS.algo.HMAC.create(CryptoJS.algo.SHA512, "key");
                    for (let i = 0; i < 100; i++) {
                        hm.update(String(i));
                    }
                    return [h.finalize().toString(), hm.finalize().toString()];
                })(),
            });
        case "/big": {
            // 1 MB of text and 256 KiB of bytes from a typed array.
            const text = "0123456789abcdefé".repeat(60000);
            const bytes = new Uint8Array(262144);
            for (let i = 0; i < bytes.length; i++) {
                bytes[i] = (i * 131 + 7) & 0xff;
            }
            const wa = wordsFromBytes(bytes);
            return Response.json({
                len: [text.length, wa.sigBytes],
                sha256: CryptoJS.SHA256(text).toString(),
                md5: CryptoJS.MD5(wa).toString(),
                sha512: CryptoJS.SHA512(wa).toString(),
                sha3: CryptoJS.SHA3(wa, { outputLength: 256 }).toString(),
                aes: CryptoJS.SHA1(CryptoJS.AES.encrypt(wa, E.Hex.parse("000102030405060708090a0b0c0d0e0f"),
                                                        { iv: E.Hex.parse("0f0e0d0c0b0a09080706050403020100") })
                    .ciphertext).toString(),
            });
        }
        case "/kdf":
            return Response.json({
                pbkdf2: CryptoJS.PBKDF2("password", "salt", { keySize: 8, iterations: 2,
                                                              hasher: CryptoJS.algo.SHA256 }).toString(),
                pbkdf2sha1: CryptoJS.PBKDF2("password", "salt", { keySize: 512 / 32, iterations: 10 }).toString(),
                pbkdf2Salt: CryptoJS.PBKDF2(m, E.Hex.parse("a1b2c3d4e5f60718"),
                                            { keySize: 4, iterations: 50, hasher: CryptoJS.algo.SHA512 }).toString(),
                evp: CryptoJS.EvpKDF("password", "saltsalt", { keySize: 8, iterations: 1 }).toString(),
            });
        case "/aes-key": {
            // An explicit key and iv: deterministic output, every mode and padding.
            const key = E.Hex.parse(url.searchParams.get("key") ?? "2b7e151628aed2a6abf7158809cf4f3c");
            const iv = E.Hex.parse("000102030405060708090a0b0c0d0e0f");
            const modes = { CBC: CryptoJS.mode.CBC, CFB: CryptoJS.mode.CFB, CTR: CryptoJS.mode.CTR,
                            OFB: CryptoJS.mode.OFB, ECB: CryptoJS.mode.ECB };
            const pads = { Pkcs7: CryptoJS.pad.Pkcs7, AnsiX923: CryptoJS.pad.AnsiX923,
                           Iso97971: CryptoJS.pad.Iso97971, ZeroPadding: CryptoJS.pad.ZeroPadding,
                           NoPadding: CryptoJS.pad.NoPadding };
            const out: Record<string, unknown> = {};
            for (const [mn, mode] of Object.entries(modes)) {
                for (const [pn, padding] of Object.entries(pads)) {
                    const msg = pn === "NoPadding" ? "exactly 32 bytes of plaintext!!!" : m;
                    const c = CryptoJS.AES.encrypt(msg, key, { iv, mode, padding });
                    const d = CryptoJS.AES.decrypt(c.toString(), key, { iv, mode, padding });
                    out[mn + "/" + pn] = [c.ciphertext.toString(E.Base64), d.toString(E.Utf8) === msg];
                }
            }
            // FIPS-197 / SP 800-38A vectors
            out.vector = CryptoJS.AES.encrypt(E.Hex.parse("6bc1bee22e409f96e93d7e117393172a"), key,
                                              { mode: CryptoJS.mode.ECB, padding: CryptoJS.pad.NoPadding })
                .ciphertext.toString();
            out.aes256 = CryptoJS.AES.encrypt(m, E.Hex.parse("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4"),
                                              { iv }).toString();
            out.tripleDes = CryptoJS.TripleDES.encrypt(m, E.Hex.parse("0123456789abcdeffedcba987654321089abcdef01234567"),
                                                       { iv: E.Hex.parse("0001020304050607") }).toString();
            out.des = CryptoJS.DES.encrypt(m, E.Hex.parse("0123456789abcdef"), { iv: E.Hex.parse("0001020304050607") })
                .toString();
            out.rabbit = CryptoJS.Rabbit.encrypt(m, key, { iv: E.Hex.parse("0001020304050607") }).toString();
            out.rc4 = CryptoJS.RC4.encrypt(m, key).toString();
            out.rc4drop = CryptoJS.RC4Drop.encrypt(m, key, { drop: 3072 / 4 }).toString();
            out.blowfish = CryptoJS.Blowfish.encrypt(m, E.Utf8.parse("blowfish key"),
                                                     { iv: E.Hex.parse("0001020304050607") }).toString();
            return Response.json(out);
        }
        case "/aes-pass": {
            // A passphrase: a random 8-byte salt each time, OpenSSL's format.
            const pass = url.searchParams.get("pass") ?? "correct horse battery staple";
            const c1 = CryptoJS.AES.encrypt(m, pass).toString();
            const c2 = CryptoJS.AES.encrypt(m, pass).toString();
            const raw = E.Base64.parse(c1);
            const parsed = CryptoJS.format.OpenSSL.parse(c1);
            // A wrong passphrase on the fixed-salt ciphertext (the random salt of c1
            // would make the garbage, and whether it decodes as UTF-8, random).
            const fixed = CryptoJS.AES.encrypt(m, pass, { salt: E.Hex.parse("0102030405060708") } as never).toString();
            const wrong = CryptoJS.AES.decrypt(fixed, pass + "x");
            let wrongKey: unknown;
            try {
                wrongKey = ["decoded", wrong.sigBytes, E.Utf8.stringify(wrong) === m];
            } catch (e) {
                wrongKey = ["error", wrong.sigBytes, (e as Error).message];
            }
            return Response.json({
                roundTrip: CryptoJS.AES.decrypt(c1, pass).toString(E.Utf8) === m,
                differ: c1 !== c2,
                prefix: raw.toString(E.Latin1).slice(0, 8),
                saltLen: parsed.salt.sigBytes,
                ctLen: parsed.ciphertext.sigBytes,
                b64: /^[A-Za-z0-9+/]+=*$/.test(c1),
                wrongKey,
                tripleDes: CryptoJS.TripleDES.decrypt(CryptoJS.TripleDES.encrypt(m, pass), pass).toString(E.Utf8) === m,
                rabbit: CryptoJS.Rabbit.decrypt(CryptoJS.Rabbit.encrypt(m, pass), pass).toString(E.Utf8) === m,
                fixedSalt: fixed,
                fixedDecrypt: CryptoJS.AES.decrypt(fixed, pass).toString(E.Utf8),
                random: [CryptoJS.lib.WordArray.random(16).sigBytes, CryptoJS.lib.WordArray.random(5).toString().length],
            });
        }
        case "/encodings": {
            const w = E.Utf8.parse(m);
            const bytes = new Uint8Array([0, 1, 127, 128, 255, 254, 65, 0xe9]);
            let bad: string;
            try {
                bad = E.Utf8.stringify(E.Hex.parse("c328ff"));
            } catch (e) {
                bad = (e as Error).name + ": " + (e as Error).message;
            }
            return Response.json({
                hex: w.toString(E.Hex), b64: w.toString(E.Base64), b64url: E.Base64url.stringify(w),
                b64urlNoPad: E.Base64url.stringify(E.Utf8.parse("ab?>"), true),
                latin1: E.Latin1.stringify(E.Hex.parse("48e9ff41")),
                utf16: E.Utf16.stringify(E.Utf8.parse("hé😀")), utf16be: E.Hex.stringify(E.Utf16.parse("hé😀")),
                utf16le: E.Hex.stringify(E.Utf16LE.parse("hé😀")),
                back: [E.Utf8.stringify(E.Base64.parse(w.toString(E.Base64))) === m,
                       E.Utf8.stringify(E.Base64url.parse(E.Base64url.stringify(w))) === m],
                typed: [wordsFromBytes(bytes).toString(), wordsFromBytes(bytes.subarray(1, 6)).toString(),
                        CryptoJS.lib.WordArray.create(new Int16Array([-1, 256]) as never).toString()],
                concat: E.Hex.parse("0102").concat(E.Hex.parse("030405")).toString(),
                clamp: (() => { const x = E.Hex.parse("0102030405"); x.sigBytes = 3; x.clamp(); return [x.toString(), x.words]; })(),
                words: E.Hex.parse("deadbeefcafe").words,
                badUtf8: bad,
                hexOdd: E.Hex.parse("abc").toString(),
                b64junk: E.Base64.parse("QUJD!!RE").toString(E.Hex),
            });
        }
        }
        return new Response("not found", { status: 404 });
    },
};
