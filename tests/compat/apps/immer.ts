// immer 11 in a Worker, used as its docs show: produce on nested objects and
// arrays, a recipe returning a new value, structural sharing (nothing changed
// -> the same reference), auto-freeze, original/current, Map and Set drafts
// (enableMapSet), patches (enablePatches: produceWithPatches, applyPatches,
// inverse patches), createDraft/finishDraft, curried producers, errors.
// Every draft is a Proxy from Proxy.revocable.
import {
    produce, produceWithPatches, applyPatches, enableMapSet, enablePatches, original,
    current, isDraft, createDraft, finishDraft, freeze, nothing, setAutoFreeze,
} from "immer";

enableMapSet();
enablePatches();

interface Todo { id: number; title: string; done: boolean; tags: string[] }
interface State { user: { name: string; address: { city: string; zip: string } }; todos: Todo[];
    meta: { version: number } }

function base(): State {
    return {
        user: { name: "ada", address: { city: "London", zip: "N1" } },
        todos: [
            { id: 1, title: "write", done: false, tags: ["a"] },
            { id: 2, title: "test", done: false, tags: [] },
            { id: 3, title: "ship", done: true, tags: ["b", "c"] },
        ],
        meta: { version: 1 },
    };
}

function nested() {
    const state = base();
    const next = produce(state, (draft) => {
        draft.user.address.city = "Paris";
        draft.todos[1].done = true;
        draft.todos.push({ id: 4, title: "rest", done: false, tags: [] });
        draft.todos[0].tags.push("x");
        draft.meta.version += 1;
    });
    return {
        next,
        base: state,
        sharedMeta: next.meta === state.meta,
        sharedUntouchedTodo: next.todos[2] === state.todos[2],
        sharedTags: next.todos[1].tags === state.todos[1].tags,
        changedTodo: next.todos[1] !== state.todos[1],
        changedUser: next.user !== state.user,
        frozen: [Object.isFrozen(next), Object.isFrozen(next.todos), Object.isFrozen(next.todos[3]),
            Object.isFrozen(next.user.address)],
        baseFrozenToo: Object.isFrozen(state.todos[2]),
        isArray: Array.isArray(next.todos),
    };
}

function unchanged() {
    const state = base();
    const same = produce(state, (draft) => {
        draft.user.name = "ada";            // same value: no change
        void draft.todos.map((t) => t.title); // reads only
    });
    const emptyRecipe = produce(state, () => {});
    return { same: same === state, empty: emptyRecipe === state };
}

function replace() {
    const state = base();
    const replaced = produce(state, (draft) => {
        return { ...draft, todos: draft.todos.filter((t) => !t.done) };
    }) as State;
    const toNothing = produce({ a: 1 } as { a: number } | undefined, () => nothing);
    const fromPrimitive = produce(3, (n) => n * 2);
    return {
        titles: replaced.todos.map((t) => t.title),
        sharedUser: replaced.user === state.user,
        toNothing: toNothing === undefined,
        fromPrimitive,
    };
}

function arrays() {
    const next = produce([1, 2, 3, 4, 5], (draft) => {
        draft.splice(1, 2, 9);
        draft.reverse();
        draft.sort((a, b) => a - b);
        draft.unshift(0);
        draft.length = 4;
    });
    const removed = produce(base(), (draft) => {
        const i = draft.todos.findIndex((t) => t.id === 2);
        draft.todos.splice(i, 1);
        delete (draft.user as { name?: string }).name;
    });
    return {
        next,
        removed: removed.todos.map((t) => t.id),
        userKeys: Object.keys(removed.user),
        hasName: "name" in removed.user,
    };
}

function draftsInside() {
    const seen: Record<string, unknown> = {};
    const state = base();
    const next = produce(state, (draft) => {
        draft.todos[0].title = "rewrite";
        seen.isDraft = isDraft(draft.todos[0]);
        seen.originalTitle = original(draft.todos[0])!.title;
        seen.currentTitle = current(draft.todos[0]).title;
        seen.currentIsDraft = isDraft(current(draft));
        seen.keys = Object.keys(draft.todos[0]);
        seen.entries = Object.entries(draft.user.address);
        seen.json = JSON.stringify(draft.meta);
        seen.has = ["title" in draft.todos[0], "nope" in draft.todos[0]];
        seen.own = Object.prototype.hasOwnProperty.call(draft.user, "name");
        seen.desc = Object.getOwnPropertyDescriptor(draft.user, "name");
        seen.proto = Object.getPrototypeOf(draft.user) === Object.prototype;
        seen.arrayProto = Object.getPrototypeOf(draft.todos) === Array.prototype;
        seen.instanceOfArray = draft.todos instanceof Array;
        seen.isArray = Array.isArray(draft.todos);
        seen.length = draft.todos.length;
        seen.spread = { ...draft.user.address };
        seen.forIn = (() => { const k: string[] = []; for (const x in draft.user) { k.push(x); } return k; })();
        seen.mapped = draft.todos.map((t) => t.id);
        seen.defineThrows = (() => {
            try { Object.defineProperty(draft.user, "x", { value: 1 }); return false; } catch (e) {
                return (e as Error).constructor.name;
            }
        })();
        seen.setProtoThrows = (() => {
            try { Object.setPrototypeOf(draft.user, null); return false; } catch (e) {
                return (e as Error).constructor.name;
            }
        })();
    });
    return { seen, title: next.todos[0].title, notDraft: isDraft(next) };
}

function mapSet() {
    const state = {
        users: new Map([["a", { name: "ada", age: 36 }], ["b", { name: "bob", age: 40 }]]),
        tags: new Set(["x", "y"]),
    };
    const next = produce(state, (draft) => {
        draft.users.get("a")!.age = 37;
        draft.users.set("c", { name: "cy", age: 20 });
        draft.users.delete("b");
        draft.tags.add("z");
        draft.tags.delete("x");
    });
    const same = produce(state, (draft) => {
        draft.users.get("a");
        draft.tags.has("x");
    });
    return {
        users: Array.from(next.users.entries()),
        tags: Array.from(next.tags),
        baseUsers: Array.from(state.users.keys()),
        baseTags: Array.from(state.tags),
        same: same === state,
        mapFrozen: Object.isFrozen(next.users),
        setThrowsAfter: (() => {
            try { (next.users as Map<string, unknown>).set("d", 1); return "no"; } catch (e) {
                return (e as Error).constructor.name;
            }
        })(),
    };
}

function patches() {
    const state = base();
    const [next, forward, inverse] = produceWithPatches(state, (draft) => {
        draft.user.name = "grace";
        draft.todos.push({ id: 9, title: "new", done: false, tags: [] });
        draft.todos[0].done = true;
        delete (draft.meta as { version?: number }).version;
    });
    const replayed = applyPatches(state, forward);
    const undone = applyPatches(next, inverse);
    return {
        forward,
        inverse,
        replayedEqual: JSON.stringify(replayed) === JSON.stringify(next),
        undoneEqual: JSON.stringify(undone) === JSON.stringify(state),
        mapPatches: produceWithPatches(new Map([["k", 1]]), (d) => { d.set("k", 2); d.set("j", 3); })[1],
    };
}

function manualDrafts() {
    const state = base();
    const draft = createDraft(state);
    draft.todos[2].title = "shipped";
    draft.user.name = "lin";
    const drafted = isDraft(draft);
    const next = finishDraft(draft);
    const reused = (() => {
        try { draft.user.name = "again"; return "no error"; } catch (e) {
            return (e as Error).constructor.name;
        }
    })();
    return { drafted, name: next.user.name, title: next.todos[2].title,
        shared: next.todos[0] === state.todos[0], revokedDraftThrows: reused };
}

function curried() {
    const toggle = produce((draft: Todo[], id: number) => {
        const t = draft.find((x) => x.id === id);
        if (t) { t.done = !t.done; }
    });
    const todos = base().todos;
    const once = toggle(todos, 1);
    return { once: once.map((t) => t.done), twice: toggle(once, 1).map((t) => t.done),
        orig: todos[0].done };
}

function errors() {
    const out: Record<string, unknown> = {};
    try {
        produce(base(), (draft) => { draft.user.name = "x"; return { other: 1 } as unknown as State; });
    } catch (e) {
        out.modifyAndReturn = (e as Error).message.slice(0, 60);
    }
    const frozen = freeze({ a: { b: 1 } }, true);
    out.deepFrozen = Object.isFrozen(frozen.a);
    setAutoFreeze(false);
    const loose = produce({ a: { b: 1 } }, (d) => { d.a.b = 2; });
    out.noAutoFreeze = Object.isFrozen(loose);
    setAutoFreeze(true);
    return out;
}

class Point {
    x = 0;
    y = 0;
    constructor(x: number, y: number) { this.x = x; this.y = y; }
}

function classes() {
    // a class instance is not draftable by default: the recipe sees it as is
    const p = new Point(1, 2);
    const next = produce({ p, list: [p] }, (d) => { d.list.push(new Point(3, 4)); });
    return { same: next.p === p, len: next.list.length, isPoint: next.list[1] instanceof Point };
}

const routes: Record<string, () => unknown> = {
    "/nested": nested, "/unchanged": unchanged, "/replace": replace, "/arrays": arrays,
    "/drafts": draftsInside, "/mapset": mapSet, "/patches": patches, "/manual": manualDrafts,
    "/curried": curried, "/errors": errors, "/classes": classes,
};

export default {
    fetch(request: Request): Response {
        const path = new URL(request.url).pathname;
        const route = routes[path];
        if (!route) {
            return new Response("not found", { status: 404 });
        }
        try {
            return Response.json(route());
        } catch (e) {
            const err = e as Error;
            return Response.json({ error: err.constructor.name, message: err.message }, { status: 500 });
        }
    },
};
