// async/await edge cases, as nanod-build lowers them (promise calls, not
// regenerator; class-field arrows; the Promise polyfill's fast paths): each
// route returns what ran, in which order, and what was thrown or returned.
// Compared with Node running the very same bundle, and so with its native
// Promise and microtask queue.

type Log = unknown[];

const tick = (v?: unknown) => Promise.resolve(v);

// A thenable whose then() does something odd.
function thenable(kind: string): PromiseLike<unknown> {
    return {
        then(res: (v: unknown) => void, rej: (e: unknown) => void) {
            if (kind === "resolve") {
                res("t-ok");
            } else if (kind === "reject") {
                rej(new Error("t-rejected"));
            } else if (kind === "throw") {
                throw new TypeError("t-then-threw");
            } else if (kind === "both") {
                res("t-first");
                rej(new Error("t-second"));
                res("t-third");
            } else if (kind === "late-throw") {
                res("t-before-throw");
                throw new Error("t-ignored");
            } else if (kind === "nested") {
                res(thenable("resolve"));
            }
        },
    } as PromiseLike<unknown>;
}

async function throwAfterAwait(log: Log, n: number): Promise<number> {
    log.push("before");
    await tick();
    log.push("after " + n);
    if (n > 1) {
        throw new RangeError("thrown after await " + n);
    }
    return n;
}

async function finallies(log: Log, mode: string): Promise<unknown> {
    try {
        log.push("try");
        await tick();
        if (mode === "throw") {
            throw new Error("from try");
        }
        if (mode === "return") {
            return "from try";
        }
        log.push("try end");
    } catch (e) {
        log.push("catch " + (e as Error).message);
        await tick();
        if (mode === "throw") {
            throw new Error("from catch");
        }
    } finally {
        log.push("finally");
        await tick();
        log.push("finally after await");
        if (mode === "override") {
            // eslint-disable-next-line no-unsafe-finally
            return "from finally";
        }
    }
    return "end";
}

async function loops(log: Log): Promise<unknown> {
    const fns: (() => number)[] = [];
    for (let i = 0; i < 4; i++) {
        if (i === 1) {
            continue;
        }
        await tick();
        fns.push(() => i);          // a fresh `i` per iteration, also after await
        log.push("for " + i);
    }
    for (const x of ["a", "b", "c"]) {
        const v = await tick(x);
        if (v === "c") {
            break;
        }
        log.push("of " + v);
    }
    for (const k in { p: 1, q: 2 }) {
        log.push("in " + (await tick(k)));
    }
    let n = 0;
    while (n < 3) {
        n += (await tick(1)) as number;
    }
    do {
        n--;
        await null;
    } while (n > 1);
    log.push("while " + n);
    const found = await (async () => {
        for (const y of [1, 2, 3, 4]) {
            if ((await tick(y)) === 3) {
                return "found " + y;       // return from inside a loop
            }
        }
        return "none";
    })();
    log.push(found);
    const sum = await [1, 2, 3].reduce(async (acc, x) => (await acc) + x, Promise.resolve(0));
    log.push("reduce " + sum);
    return fns.map((f) => f());
}

async function thenables(log: Log): Promise<void> {
    for (const kind of ["resolve", "reject", "throw", "both", "late-throw", "nested"]) {
        try {
            log.push(kind + ": " + (await thenable(kind)));
        } catch (e) {
            log.push(kind + " threw " + (e as Error).name + ": " + (e as Error).message);
        }
    }
    try {
        await Promise.reject(new Error("plain rejection"));
    } catch (e) {
        log.push("caught " + (e as Error).message);
    }
    const settled = await Promise.allSettled([thenable("reject"), thenable("resolve"), 7,
                                              Promise.reject(new Error("r"))]);
    log.push(settled.map((s) => s.status + ":" + (s.status === "fulfilled" ? s.value
                                                  : (s.reason as Error).message)).join(","));
    const rejectedThen = Promise.reject(new Error("late")).then(() => "no", (e: Error) => "handled " + e.message);
    log.push(await rejectedThen);
}

// Who runs first: plain then() chains, async functions and awaits of
// promises, non-promises and thenables, interleaved in one microtask queue.
async function order(log: Log): Promise<void> {
    const p = Promise.resolve("p");
    async function a() {
        log.push("a1");
        await null;
        log.push("a2");
        await p;
        log.push("a3");
    }
    async function b() {
        log.push("b1");
        const v = await p;
        log.push("b2 " + v);
        return "b-done";
    }
    async function c() {
        log.push("c1");
        throw new Error("c-threw");
    }
    p.then(() => log.push("t1")).then(() => log.push("t2")).then(() => log.push("t3"));
    const pa = a();
    const pb = b().then((v) => log.push(v));
    c().catch((e: Error) => log.push(e.message));
    queueMicrotask(() => log.push("qm"));
    Promise.resolve().then(() => log.push("r1")).then(() => log.push("r2"));
    log.push("sync end");
    await Promise.all([pa, pb]);
    log.push("all");
    await Promise.race([new Promise((r) => setTimeout(() => r("slow"), 20)), tick("fast")])
        .then((v) => log.push("race " + v));
}

class Counter {
    count = 0;
    #step = 1;
    inc = () => {
        this.count += this.#step;
        return this;
    };
    add = async (n: number) => {
        await tick();
        this.count += n * this.#step;
        return this.count;
    };
    // a field named like the module's `tick`, which it calls: a function
    // declaration named tick in the constructor would call itself
    tick = () => tick("outer tick");
    static make(step: number) {
        const c = new Counter();
        c.#step = step;
        return c;
    }
}

async function classes(log: Log): Promise<void> {
    const c = Counter.make(2);
    const inc = c.inc;                       // arrow: `this` stays the instance
    inc().inc();
    log.push("count " + c.count);
    log.push("added " + (await c.add(5)));
    log.push("tick " + (await c.tick()) + " " + c.tick.name);
    log.push(["inc", "add", "tick"].map((k) => (c as unknown as Record<string, () => void>)[k].name).join(","));
    log.push(typeof (c as unknown as Record<string, unknown>).inc);
    log.push(Object.keys(c).sort().join(","));
    log.push(JSON.stringify(c));
}

// rest parameters read by index (lowered to named parameters) and otherwise
const pick = (a: unknown, ...rest: unknown[]) => [a, rest[1], rest[0], rest[3]];
function count(...rest: unknown[]) {
    return rest.length + ":" + rest[0];
}
async function later(first: unknown, ...more: unknown[]) {
    await tick();
    return [first, more[0], more[2]];
}

export default {
    async fetch(request: Request): Promise<Response> {
        const url = new URL(request.url);
        const log: Log = [];
        let result: unknown;
        try {
            switch (url.pathname) {
            case "/throw-after-await":
                result = [await throwAfterAwait(log, 1)];
                result = await throwAfterAwait(log, 2);
                break;
            case "/finally":
                for (const mode of ["ok", "throw", "return", "override"]) {
                    try {
                        log.push(mode + " -> " + (await finallies(log, mode)));
                    } catch (e) {
                        log.push(mode + " threw " + (e as Error).message);
                    }
                }
                break;
            case "/loops":
                result = await loops(log);
                break;
            case "/thenables":
                await thenables(log);
                break;
            case "/order":
                await order(log);
                break;
            case "/classes":
                await classes(log);
                break;
            case "/rest":
                log.push(pick(1), pick(1, 2), pick(1, 2, 3, 4, 5, 6), count(), count(7, 8));
                log.push(await later("f"), await later("f", "g", "h", "i"));
                break;
            default:
                return new Response("no such case", { status: 404 });
            }
        } catch (e) {
            result = "threw " + (e as Error).name + ": " + (e as Error).message;
        }
        return Response.json({ log, result });
    },
};
