// nanoid 5 in a Worker: random IDs (checked by shape) and custom generators
// (checked by value, fed a fixed byte source).
import { nanoid, customAlphabet, customRandom, urlAlphabet } from "nanoid";

function fixedBytes(size: number): Uint8Array {
    const a = new Uint8Array(size);
    for (let i = 0; i < size; i++) {
        a[i] = (i * 37 + 11) & 255;
    }
    return a;
}

export default {
    fetch(request: Request): Response {
        const url = new URL(request.url);
        const size = Number(url.searchParams.get("size") ?? "21");
        const ids = Array.from({ length: 50 }, () => nanoid(size));
        const hex = customAlphabet("0123456789abcdef", 12);
        const fixed = customRandom(urlAlphabet, 16, fixedBytes);
        const digits = customRandom("0123456789", 10, fixedBytes);
        return Response.json({
            length: ids.every((id) => id.length === size),
            alphabet: ids.every((id) => /^[A-Za-z0-9_-]+$/.test(id)),
            unique: new Set(ids).size === ids.length,
            hex: /^[0-9a-f]{12}$/.test(hex()),
            fixed: fixed(),
            digits: digits(),
            urlAlphabet,
        });
    },
};
