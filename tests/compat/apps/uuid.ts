// uuid in a Worker: v4/v7 by shape, v5/v3 (name-based) and parse/stringify by value.
import { v1, v3, v4, v5, v6, v7, validate, version, parse, stringify, NIL, MAX } from "uuid";

const NS = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"; // the URL namespace

export default {
    fetch(request: Request): Response {
        const url = new URL(request.url);
        const name = url.searchParams.get("name") ?? "https://example.com/";
        const ids = [v4(), v7(), v1(), v6()];
        const bytes = parse(v5(name, NS));
        return Response.json({
            v5: v5(name, NS),
            v3: v3(name, v3.URL),
            versions: ids.map((id) => validate(id) && version(id)),
            bytes: Array.from(bytes),
            roundTrip: stringify(bytes),
            v4opts: v4({ random: Uint8Array.from({ length: 16 }, (_, i) => i * 16) }),
            v7opts: v7({ msecs: 1700000000000, random: new Uint8Array(16).fill(7) }),
            nil: validate(NIL),
            max: MAX,
        });
    },
};
