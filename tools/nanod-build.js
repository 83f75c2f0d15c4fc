/*
 * nanod-build (run through scripts/nanod-build): entry .js/.mjs/.ts with its
 * relative imports -> one ES5 file for Duktape.
 *
 * 1. esbuild bundles (and strips TypeScript types) into an IIFE whose value
 *    is the module's exports; 2. Babel (preset-env for an ES5 engine,
 *    regenerator for async/await and generators) lowers the whole bundle, with
 *    its helpers inlined once; 3. `module.exports = <default export>` at the
 *    end, the form worker/js/loader.c accepts. An app that only calls
 *    addEventListener("fetch") exports nothing and that is fine too.
 *
 * OUT.manifest lists every input (size, mtime in ms, path relative to OUT's
 * directory): common/config.c refuses a `source =` app whose build is stale.
 */
"use strict";

var fs = require("fs");
var path = require("path");
var esbuild = require("esbuild");
var babel = require("@babel/core");

var GLOBAL = "__nanod_app";

/*
 * Duktape's Reflect.get/set throw "unsupported" when given a receiver, which
 * Babel's helpers pass for `super.x` (a getter on the parent class). Built
 * apps get this ES5 fallback, only when the engine needs it.
 */
var PRELUDE = "(function () {\n"
    + "    var get = Reflect.get, set = Reflect.set;\n"
    + "    function find(o, k) {\n"
    + "        var d;\n"
    + "        for (; o !== null && o !== undefined; o = Object.getPrototypeOf(o)) {\n"
    + "            d = Object.getOwnPropertyDescriptor(o, k);\n"
    + "            if (d !== undefined) { return d; }\n"
    + "        }\n"
    + "    }\n"
    + "    try { get({}, \"x\", {}); } catch (e) {\n"
    + "        Reflect.get = function (t, k, r) {\n"
    + "            var d;\n"
    + "            if (arguments.length < 3 || r === t) { return get(t, k); }\n"
    + "            d = find(t, k);\n"
    + "            return d === undefined ? undefined : d.get ? d.get.call(r) : d.value;\n"
    + "        };\n"
    + "    }\n"
    + "    try { set({}, \"x\", 1, {}); } catch (e) {\n"
    + "        Reflect.set = function (t, k, v, r) {\n"
    + "            var d;\n"
    + "            if (arguments.length < 4 || r === t) { return set(t, k, v); }\n"
    + "            d = find(t, k);\n"
    + "            if (d !== undefined && d.set) { d.set.call(r, v); return true; }\n"
    + "            if (d !== undefined && (d.get || !d.writable)) { return false; }\n"
    + "            r[k] = v;\n"
    + "            return true;\n"
    + "        };\n"
    + "    }\n"
    + "})();\n";

/*
 * Syntax ES5 lacks that preset-env leaves alone. import(x) left by esbuild (x not a bundled module, or not a literal):
 * ES5 has no such syntax, so the whole app would fail to parse. It becomes a
 * rejected promise saying why, at run time, only where it is reached
 * (hono/logger probes `await import("cloudflare:workers")` and copes).
 */
function dynamicImport(api) {
    var t = api.types;

    return {
        name: "nanod-dynamic-import",
        visitor: {
            /* 10n: Duktape has no BigInt literal; BigInt("10") is nanod's
             * BigInt, which keeps the digits and refuses arithmetic. */
            BigIntLiteral: function (p) {
                p.replaceWith(t.callExpression(t.identifier("BigInt"),
                                               [t.stringLiteral(p.node.value)]));
            },
            CallExpression: function (p) {
                if (p.node.callee.type !== "Import") {
                    return;
                }
                p.replaceWith(t.callExpression(
                    t.functionExpression(null, [t.identifier("s")], t.blockStatement([
                        t.returnStatement(t.callExpression(
                            t.memberExpression(t.identifier("Promise"), t.identifier("reject")),
                            [t.newExpression(t.identifier("TypeError"), [t.binaryExpression("+",
                                t.binaryExpression("+", t.stringLiteral("import(\""),
                                                   t.identifier("s")),
                                t.stringLiteral("\"): not in the bundle; nanod-build bundles "
                                    + "only modules imported by a literal path it can find"))])]))
                    ])), p.node.arguments.slice(0, 1)));
            }
        }
    };
}

/*
 * Babel assumptions: lowered code an interpreter runs fast, where the
 * difference from the spec cannot show in working code. Each one was kept
 * because the profile of a hono app or tests/compat showed it (README
 * "Performance"); tests/compat checks the apps still answer as in Node.
 * - privateFieldsAsProperties: `#x` -> a non-enumerable property with a
 *   unique key, not a WeakMap (hono touches 11 on every request). A
 *   non-instance still gets a TypeError (the key is checked with hasOwn).
 * - setPublicClassFields: `x = 1` in a class body is an assignment, not
 *   Object.defineProperty (differs only when a parent class has a setter x).
 * - noClassCalls: no _classCallCheck per `new` (calling a class without new
 *   is a bug either way; it no longer throws).
 * - noDocumentAll: `a ?? b`, `a?.b` test `!= null` (there is no document.all).
 * - ignoreFunctionLength: default parameters read their own name, not
 *   `arguments` (f.length then counts them).
 * - ignoreToPrimitiveHint: template literals use `+`, not String.prototype.concat.
 * - objectRestNoSymbols, setSpreadProperties: `{...o}` is Object.assign (own
 *   symbol keys of a rest are not copied; spread sets instead of defining).
 * - skipForOfIteratorClosing: for-of over an iterator that is left early
 *   does not call its return() (arrays, Maps and Sets have none).
 */
var ASSUMPTIONS = {
    privateFieldsAsProperties: true,
    setPublicClassFields: true,
    noClassCalls: true,
    noDocumentAll: true,
    ignoreFunctionLength: true,
    ignoreToPrimitiveHint: true,
    objectRestNoSymbols: true,
    setSpreadProperties: true,
    skipForOfIteratorClosing: true
};

/*
 * async/await: babel-plugin-transform-async-to-promises turns an async
 * function into calls on promises (`_await(x, function (v) {...})`) instead
 * of regenerator's state machine, which ran every `await` of hono's
 * middleware chain through a switch, a context object and
 * asyncGeneratorStep (the profile: over half of a hono request). A pass of
 * its own, before preset-env. It has a bug: a for-of with an `await` in the
 * `else` of an `if` nested in an `if` gets its `_exitN` flag declared in the
 * wrong function (hono's basicAuth: "_exit6 is not defined"). So its output
 * is checked: a function where it left an `_exitN`/`_interruptN` unbound is
 * compiled again, that function through regenerator instead.
 * NANOD_BUILD_REGENERATOR=1 uses regenerator everywhere (to compare).
 * inlineHelpers: `await x` becomes `Promise.resolve(x).then(function (v)
 * {...})` in place and an async function's body its own try/catch, not
 * calls of `_await`/`_call`/`_invoke`/`_async`: per await one call and one
 * by-name lookup of a global helper less, and no `arguments` copy per call
 * (hono request: -3.0% instructions, README "Performance"). `_catch` and
 * the loop helpers stay functions.
 */
var ASYNC_TO_PROMISES = process.env.NANOD_BUILD_REGENERATOR !== "1";
var ATP_FLAG = /^_(exit|interrupt)\d*$/;

/* transform-async-to-promises without async generators (`async function*`:
 * it fails on jose's `yield await` inside try in a for-of, "Path was
 * expected to have a container"): preset-env lowers those as before. */
function atpNoGenerators(api, opts) {
    var plugin = require("babel-plugin-transform-async-to-promises")(api, opts), v = plugin.visitor;

    ["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression", "ClassMethod",
     "ObjectMethod"].forEach(function (k) {
        var h = v[k];
        if (typeof h !== "function") {
            throw new Error("transform-async-to-promises: unexpected visitor for " + k);
        }
        v[k] = function (p) {
            if (p.node.async && p.node.generator) {
                return undefined;
            }
            return h.apply(this, arguments);
        };
    });
    return plugin;
}

/*
 * Class fields are lowered in the same pass, before the async functions:
 * a field's initializer then sits in the constructor when
 * transform-async-to-promises sees it. Otherwise it hoists the `var _this =
 * this` of an async arrow field (`add = async () => { this.n++ }`) to the
 * function around the class, whose `this` is another object (the bundle's
 * top level): tests/compat/apps/async.ts `/classes`. The same assumptions
 * as preset-env's pass (privateFieldsAsProperties...).
 */
var CLASS_FIELDS = ["@babel/plugin-transform-class-static-block",
                    "@babel/plugin-transform-class-properties",
                    "@babel/plugin-transform-private-methods",
                    "@babel/plugin-transform-private-property-in-object"].map(presetPlugin);

/* The options every Babel pass of the build shares: no config files, a
 * script, the source map carried from the pass before. */
function babelOptions(filename, map, more) {
    return Object.assign({
        babelrc: false,
        configFile: false,
        filename: filename,
        sourceType: "script",
        compact: false,
        comments: false,
        sourceMaps: true,
        inputSourceMap: map
    }, more);
}

/* A plugin of preset-env's own (pinned by its entry in package-lock.json),
 * found from preset-env's directory, wherever npm put it. */
function presetPlugin(m) {
    return require.resolve(m, { paths: [path.dirname(require.resolve("@babel/preset-env"))] });
}

function asyncToPromises(code, map, filename) {
    var remap = require("@babel/helper-remap-async-to-generator");
    var asyncFns = [], broken = {}, res, attempt, nBroken, m, best;

    function pos(loc) {
        return loc.line * 1e6 + loc.column;
    }

    /* Before transform-async-to-promises on the same node: records every
     * async function's range, and hands the flagged ones to regenerator. */
    function guard(api) {
        return {
            name: "nanod-async-guard",
            visitor: {
                Function: function (p, state) {
                    var n = p.node;
                    if (!n.async || n.generator || !n.loc) {
                        return;
                    }
                    if (broken[pos(n.loc.start)]) {
                        remap.default(p, { wrapAsync: state.addHelper("asyncToGenerator") },
                                      true, true);
                        return;
                    }
                    asyncFns.push([pos(n.loc.start), pos(n.loc.end)]);
                }
            }
        };
    }

    function transform() {
        return babel.transformSync(code, babelOptions(filename, map, {
            ast: true,
            assumptions: ASSUMPTIONS,
            plugins: CLASS_FIELDS.concat([guard, [atpNoGenerators, { inlineHelpers: true,
                                                                     externalHelpers: false }]])
        }));
    }

    /* The innermost async function around line `line` of code. */
    function around(line) {
        var i, best = null;
        for (i = 0; i < asyncFns.length; i++) {
            if (asyncFns[i][0] <= line * 1e6 + 999999 && asyncFns[i][1] >= line * 1e6
                && (best === null || asyncFns[i][0] >= best[0])) {
                best = asyncFns[i];
            }
        }
        return best;
    }

    for (attempt = 0; attempt < 6; attempt++) {
        asyncFns = [];
        try {
            res = transform();
        } catch (e) {
            /* The plugin threw on one function (e.g. "Path was expected to
             * have a container!" for some `switch` with an `await` in a
             * `try`): that function goes through regenerator instead. The
             * code frame of Babel's error says where ("> 228 |"), in
             * colours where picocolors sees a terminal, FORCE_COLOR or a CI
             * variable (as on the CI machine): the escapes go first. */
            m = /\n> *(\d+) \|/.exec(String(e && e.message).replace(/\x1b\[[0-9;]*m/g, ""));
            best = m ? around(Number(m[1])) : null;
            if (best === null || broken[best[0]]) {
                throw e;
            }
            broken[best[0]] = true;
            continue;
        }
        nBroken = 0;
        babel.traverse.cache.clear();   /* the plugin's moves left stale scopes */
        babel.traverse(res.ast, {
            ReferencedIdentifier: function (p) {
                var at, k, best = null, i;
                if (!ATP_FLAG.test(p.node.name) || p.scope.hasBinding(p.node.name)) {
                    return;
                }
                at = p.findParent(function (q) {
                    return q.node.loc !== undefined && q.node.loc !== null;
                });
                k = at ? pos(at.node.loc.start) : -1;
                for (i = 0; i < asyncFns.length; i++) {   /* the innermost one around k */
                    if (asyncFns[i][0] <= k && k <= asyncFns[i][1]
                        && (best === null || asyncFns[i][0] >= best[0])) {
                        best = asyncFns[i];
                    }
                }
                if (best === null) {
                    throw new Error("transform-async-to-promises left " + p.node.name
                                    + " unbound outside any async function (a nanod-build bug)");
                }
                if (!broken[best[0]]) {
                    broken[best[0]] = true;
                    nBroken++;
                }
            }
        });
        if (nBroken === 0) {
            return res;
        }
    }
    throw new Error("transform-async-to-promises: still failing after 6 passes");
}

/*
 * Closures shaped for Duktape (a pass after preset-env, on its AST).
 * esbuild's keepNames wraps a named function in `__name(fn, "x")`, an
 * Object.defineProperty per closure. An ES2015 method (`{ x(a) {...} }.x`,
 * which Duktape runs) gets its name from its key instead: a lowered arrow
 * named by __name becomes one (arrows are not constructable and have no
 * .prototype; a method has neither either). An object literal and a
 * property read per closure are cheaper than that defineProperty, but not
 * free: since Duktape makes a function's `.prototype` only when it is looked
 * at (duk-patches/50), a plain function expression is cheaper than a method
 * (2,967 against 4,622 instructions per closure, callgrind), so unnamed
 * arrows and the async continuations stay function expressions (hono
 * request: -3.7%, README "Performance"; they were methods before
 * duk-patches/50, when that saved the .prototype object). Their `this` and
 * `arguments` behave in a method as in a function expression.
 */
var ATP_HELPERS = ["_async", "_await", "_awaitIgnored", "_continue", "_continueIgnored",
                   "_forTo", "_forIn", "_forOwn", "_forOf", "_forAwaitOf", "_for", "_do",
                   "_switch", "_call", "_callIgnored", "_invoke", "_invokeIgnored", "_catch",
                   "_finallyRethrows", "_finally", "_rethrow"].reduce(function (o, k) {
                       o[k] = true;
                       return o;
                   }, {});

/*
 * A rest parameter read only as rest[0], rest[1]... (hono's `fetch =
 * (request, ...rest) => this.#dispatch(request, rest[1], rest[0], ...)`,
 * called once per request): Babel lowers each read to
 * `arguments.length <= 2 ? undefined : arguments[2]`, and an `arguments`
 * object per call costs Duktape more than the rest of such a call. Named
 * parameters instead (`fetch(request, _rest$0, _rest$1)`): the same
 * values, no `arguments`; f.length counts them (ignoreFunctionLength).
 */
function restToParams(q) {
    var params = q.node.params, last = params[params.length - 1], b, max = -1, ok, names, i;
    var t = babel.types;
    if (last === undefined || last.type !== "RestElement" || last.argument.type !== "Identifier") {
        return;
    }
    b = q.scope.getBinding(last.argument.name);
    if (b === undefined || b.constantViolations.length > 0 || b.referencePaths.length === 0) {
        return;
    }
    ok = b.referencePaths.every(function (r) {
        var m = r.parentPath, k;
        if (!m.isMemberExpression() || m.node.object !== r.node || !m.node.computed
            || m.node.property.type !== "NumericLiteral") {
            return false;
        }
        k = m.node.property.value;
        if (k !== Math.floor(k) || k < 0 || k > 7 || (m.parentPath.isAssignmentExpression()
            && m.parentPath.node.left === m.node) || m.parentPath.isUpdateExpression()
            || (m.parentPath.isUnaryExpression() && m.parentPath.node.operator === "delete")
            || (m.parentPath.isCallExpression() && m.parentPath.node.callee === m.node)) {
            return false;
        }
        max = Math.max(max, k);
        return true;
    });
    if (!ok) {
        return;
    }
    names = [];
    for (i = 0; i <= max; i++) {
        names.push(q.scope.generateUidIdentifier(last.argument.name + "$" + i));
    }
    b.referencePaths.forEach(function (r) {
        r.parentPath.replaceWith(t.identifier(names[r.parentPath.node.property.value].name));
    });
    q.node.params = params.slice(0, -1).concat(names);
    q.scope.crawl();
}

function tagArrows() {
    return {
        name: "nanod-tag-arrows",
        visitor: {
            Program: function (p) {
                p.traverse({
                    ArrowFunctionExpression: function (q) {
                        q.node._nanodArrow = true;
                    },
                    Function: restToParams
                });
            }
        }
    };
}

/* The top-level function declaration `name` (one of the async helpers)? */
function isTopHelper(p, name) {
    var b;
    if (!ATP_HELPERS[name]) {
        return false;
    }
    b = p.scope.getBinding(name);
    return b !== undefined && b.kind === "hoisted" && b.scope.path.isProgram();
}

/* Is `id` only ever assigned _classPrivateFieldLooseKey(...) (Babel's key of
 * a lowered #private member)? */
function isPrivateKey(p, id) {
    var b = id.type === "Identifier" ? p.scope.getBinding(id.name) : undefined, inits;
    function isKeyCall(n) {
        return n && n.type === "CallExpression" && n.callee.type === "Identifier"
            && n.callee.name === "_classPrivateFieldLooseKey";
    }
    if (b === undefined) {
        return false;
    }
    inits = b.constantViolations.map(function (q) {
        return q.isAssignmentExpression() && q.node.operator === "=" ? q.node.right : null;
    });
    if (b.path.isVariableDeclarator()) {
        inits.push(b.path.node.init);
    } else if (!b.path.isIdentifier()) {   /* a parameter of the class's IIFE */
        return false;
    }
    return inits.length > 0 && inits.every(function (n) {
        return n === undefined || isKeyCall(n);
    }) && inits.some(isKeyCall);
}

/* Is `id` a constant alias of `this` (`var _this7 = this`, lowered arrows')? */
function isThisAlias(p, id) {
    var b = id.type === "Identifier" ? p.scope.getBinding(id.name) : undefined;
    return b !== undefined && b.constant && b.path.isVariableDeclarator()
        && b.path.node.init !== null && b.path.node.init.type === "ThisExpression";
}

/*
 * #private members, lowered by Babel (privateFieldsAsProperties) to
 * Object.defineProperty(this, _x, { writable: true, value: v }) with a
 * string key: an object literal and a defineProperty per field and
 * instance (hono's Context: 14 per request). Here the key is a Symbol
 * (`_classPrivateFieldLooseKey` returns one) and the field a plain
 * assignment, `this[_x] = v`: as invisible to for-in, Object.keys and
 * JSON.stringify as the non-enumerable string was, and a plain property
 * write. (Object.getOwnPropertySymbols and Object.assign see it, as
 * getOwnPropertyNames saw the string.) A member read or written through
 * `this` (or a lowered arrow's `_thisN = this`) skips the helper's brand
 * check, `_classPrivateFieldLooseBase(this, _x)` -> `this`: only a method
 * called on a foreign object could fail it, which is already a bug; any
 * other receiver is still checked and gets the TypeError.
 */
function privateFields(api) {
    var t = api.types;

    return {
        name: "nanod-private-fields",
        visitor: {
            FunctionDeclaration: function (p) {
                if (p.node.id.name === "_classPrivateFieldLooseKey" && p.scope.parent !== undefined
                    && p.parentPath.isProgram()) {
                    p.get("body").replaceWith(t.blockStatement([t.returnStatement(
                        t.callExpression(t.identifier("Symbol"), [p.node.params[0]]))]));
                    p.skip();
                }
            },
            CallExpression: function (p) {
                var n = p.node, c = n.callee, a = n.arguments, props;
                if (c.type === "Identifier" && c.name === "_classPrivateFieldLooseBase"
                    && a.length === 2 && (a[0].type === "ThisExpression" || isThisAlias(p, a[0]))
                    && isPrivateKey(p, a[1])) {
                    p.replaceWith(a[0]);
                    return;
                }
                if (c.type !== "MemberExpression" || c.computed || c.object.type !== "Identifier"
                    || c.object.name !== "Object" || c.property.name !== "defineProperty"
                    || p.scope.getBinding("Object") !== undefined || a.length !== 3
                    || a[0].type !== "ThisExpression" || a[2].type !== "ObjectExpression"
                    || !p.parentPath.isExpressionStatement() || !isPrivateKey(p, a[1])) {
                    return;
                }
                props = {};
                a[2].properties.forEach(function (q) {
                    if (q.type === "ObjectProperty" && !q.computed && q.key.type === "Identifier") {
                        props[q.key.name] = q.value;
                    } else {
                        props["?"] = true;
                    }
                });
                if (props["?"] || props.get || props.set || props.enumerable
                    || props.configurable || !props.value
                    || !(props.writable === undefined
                         || (props.writable.type === "BooleanLiteral" && props.writable.value))) {
                    return;
                }
                p.replaceWith(t.assignmentExpression("=", t.memberExpression(a[0], a[1], true),
                                                     props.value));
            }
        }
    };
}

/* transform-async-to-promises' _async(f) copies `arguments` into an array,
 * one by-name lookup of `arguments` per element, before f.apply: apply
 * takes the arguments object itself. (A method: see methodize.) */
var ASYNC_HELPER = "function _async(f) {\n"
    + "  return {\n"
    + "    \"\"() {\n"
    + "      try {\n"
    + "        return Promise.resolve(f.apply(this, arguments));\n"
    + "      } catch (e) {\n"
    + "        return Promise.reject(e);\n"
    + "      }\n"
    + "    }\n"
    + "  }[\"\"];\n"
    + "}";

/*
 * `this.x = __name(function () {...}, "x")` (a class field holding an arrow,
 * lowered), a statement of its own at the top level of a function's body:
 * the function can be a declaration `function x() {...}` at the top of that
 * body and the statement `this.x = x`, named by its declaration, created once
 * per call of the enclosing function as before (a straight-line statement
 * of its body runs at most once per call), and cheaper than the method form
 * (no object literal, no property read: 4,910 -> 2,967 instructions per
 * closure). Only when `x` names nothing else anywhere inside that function
 * (no own binding, no reference: the new binding would shadow it), and the
 * function is not a program-level helper. hono's Context makes ~20 per request.
 */
function hoistable(p, call, name) {
    var st = call.parentPath, fn, seen = false;
    if (!st.isAssignmentExpression() || st.node.operator !== "=" || st.node.right !== call.node
        || st.node.left.type !== "MemberExpression" || st.node.left.object.type !== "ThisExpression"
        || !st.parentPath.isExpressionStatement() || name === "arguments" || name === "eval") {
        return false;
    }
    fn = call.getFunctionParent();
    if (fn === null || st.parentPath.parentPath !== fn.get("body")
        || !(fn.isFunctionDeclaration() || fn.isFunctionExpression())
        || fn.scope.hasOwnBinding(name) || fn.node.generator || fn.node.async) {
        return false;
    }
    /* A use of `name` whose binding is declared inside a function nested in
     * fn (the arrow's own parameter `text` of `text = (text) => ...`) is
     * not captured by the new declaration; any other (fn's own, an outer
     * one, a global) would be. */
    fn.traverse({
        Identifier: function (q) {
            var b;
            if (q.node.name !== name || !(q.isReferencedIdentifier() || q.isBindingIdentifier()
                                          || q.parentPath.isAssignmentExpression())) {
                return;
            }
            b = q.scope.getBinding(name);
            if (b === undefined || b.scope === fn.scope
                || !b.scope.path.findParent(function (r) { return r === fn; })) {
                seen = true;
                q.stop();
            }
        }
    });
    return !seen;
}

/*
 * `return _catch(function () { return EXPR; }, RECOVER)` (an `await` inside
 * `try`, lowered by transform-async-to-promises; hono's compose and
 * dispatch run three per request) calls the helper, which calls the body
 * closure: one closure and two calls per run. Inlined, in the function
 * itself, as the helper does it:
 *   var _r, _rec = RECOVER, _f = false;
 *   try { _r = EXPR; } catch (_e) { _f = true; _r = _rec(_e); }
 *   if (!_f && _r && _r.then) { _r = _r.then(void 0, _rec); }
 *   return _r;
 * Only where the body is that one return, and EXPR reads neither `this`
 * nor `arguments` (the body function's own, not the enclosing one's); also
 * inside `return Promise.resolve(...)` (the helper's result passed on).
 */
function ownThisOrArguments(path) {
    var found = false;
    path.traverse({
        Function: function (q) {
            q.skip();
        },
        ThisExpression: function (q) {
            found = true;
            q.stop();
        },
        Identifier: function (q) {
            if (q.node.name === "arguments" && q.isReferencedIdentifier()) {
                found = true;
                q.stop();
            }
        }
    });
    return found;
}

function inlineCatch(api) {
    var t = api.types;

    return {
        name: "nanod-inline-catch",
        visitor: {
            CallExpression: function (p) {
                var n = p.node, body, ret, wrap = null, r, rec, f, e, out;
                if (n.callee.type !== "Identifier" || n.callee.name !== "_catch"
                    || n.arguments.length !== 2 || !isTopHelper(p, "_catch")
                    || n.arguments[0].type !== "FunctionExpression"
                    || n.arguments[0].params.length !== 0 || n.arguments[0].id
                    || n.arguments[0].generator || n.arguments[0].async) {
                    return;
                }
                body = n.arguments[0].body.body;
                if (body.length !== 1 || body[0].type !== "ReturnStatement" || !body[0].argument
                    || ownThisOrArguments(p.get("arguments.0.body"))) {
                    return;
                }
                ret = p.parentPath;
                if (ret.isCallExpression() && ret.node.arguments.length === 1
                    && ret.node.arguments[0] === n && t.isMemberExpression(ret.node.callee)
                    && !ret.node.callee.computed
                    && t.isIdentifier(ret.node.callee.object, { name: "Promise" })
                    && t.isIdentifier(ret.node.callee.property, { name: "resolve" })
                    && !p.scope.getBinding("Promise")) {
                    wrap = ret.node.callee;
                    ret = ret.parentPath;
                }
                if (!ret.isReturnStatement() || p.getFunctionParent() === null) {
                    return;
                }
                r = p.scope.generateUidIdentifier("r");
                rec = p.scope.generateUidIdentifier("rec");
                f = p.scope.generateUidIdentifier("f");
                e = p.scope.generateUidIdentifier("e");
                out = [
                    t.variableDeclaration("var", [
                        t.variableDeclarator(r),
                        t.variableDeclarator(rec, n.arguments[1]),
                        t.variableDeclarator(f, t.booleanLiteral(false))]),
                    t.tryStatement(
                        t.blockStatement([t.expressionStatement(
                            t.assignmentExpression("=", r, body[0].argument))]),
                        t.catchClause(e, t.blockStatement([
                            t.expressionStatement(t.assignmentExpression("=", f,
                                                                         t.booleanLiteral(true))),
                            t.expressionStatement(t.assignmentExpression("=", r,
                                t.callExpression(rec, [e])))]))),
                    t.ifStatement(
                        t.logicalExpression("&&", t.logicalExpression("&&", t.unaryExpression("!", f),
                                                                      r),
                                            t.memberExpression(r, t.identifier("then"))),
                        t.blockStatement([t.expressionStatement(t.assignmentExpression("=", r,
                            t.callExpression(t.memberExpression(r, t.identifier("then")),
                                             [t.unaryExpression("void", t.numericLiteral(0)),
                                              rec])))])),
                    t.returnStatement(wrap ? t.callExpression(wrap, [r]) : r)
                ];
                ret.replaceWith(t.blockStatement(out));
            }
        }
    };
}

/*
 * `var x = function () { BODY }();` inside a function (transform-async-to-
 * promises' `_tempN`: hono's compose makes two per middleware level) is a
 * closure and a call. In place, as a labeled block, each `return v` of
 * BODY an assignment and a break out of it:
 *   var x = void 0; _iife: { ... { x = v; break _iife; } ... }
 * Only when BODY reads neither `this` nor `arguments` (its own), declares
 * no function (a declaration in a block is not ES5), never reads x, and
 * its own variables are not bound or used anywhere around it (they move
 * into the enclosing function: names transform-async-to-promises and
 * inlineCatch generated).
 */
/* Can the body of fnPath (a function expression called in place) move into
 * encl, the function around it? No own `this`/`arguments`, no function
 * declaration, never reads x (when not null), and its own variables (by
 * text: Babel's scope data is stale after the other rewrites of the pass)
 * used nowhere else in encl and not globals (a catch parameter stays the
 * catch clause's own). */
function movableBody(fnPath, encl, x) {
    var names = {}, bad = false, prog = fnPath.scope.getProgramParent();

    if (ownThisOrArguments(fnPath.get("body"))) {
        return false;
    }
    fnPath.get("body").traverse({
        Function: function (q) {
            if (q.isFunctionDeclaration()) {
                bad = true;
                q.stop();
            }
            q.skip();
        },
        Identifier: function (q) {
            if (x !== null && q.node.name === x && (q.isReferencedIdentifier()
                                                    || q.isBindingIdentifier())) {
                bad = true;
                q.stop();
            }
        },
        VariableDeclarator: function (q) {
            if (q.node.id.type !== "Identifier") {
                bad = true;
            } else {
                names[q.node.id.name] = true;
            }
        }
    });
    if (bad || (x !== null && names[x]) || names.arguments) {
        return false;
    }
    encl.traverse({
        Function: function (q) {
            if (q === fnPath) {
                q.skip();
            }
        },
        Identifier: function (q) {
            var m = q.parentPath;
            if (names[q.node.name] === true
                && !(m.isMemberExpression() && m.node.property === q.node && !m.node.computed)
                && !(m.isObjectProperty() && m.node.key === q.node && !m.node.computed)) {
                bad = true;
                q.stop();
            }
        }
    });
    return !bad && !Object.keys(names).some(function (n) { return prog.hasGlobal(n); });
}

/* Is p inside a loop of encl? Each run of a function called in place had
 * fresh variables (closures returned from it keep their own, a `var v;`
 * starts undefined again); moved into encl they would be one binding for
 * every run: a loop around the call (or around a `return` of it in a try
 * that catches and goes round again) ran it more than once per call of encl
 * (test_build function_called_in_place_inside_a_loop). */
function inLoop(p, encl) {
    return p.findParent(function (q) {
        return q.node === encl.node || q.isLoop();
    }).node !== encl.node;
}

function inlineIife(api) {
    var t = api.types;

    return {
        name: "nanod-inline-iife",
        visitor: {
            /* `return function () { BODY }();` -> `{ BODY; return; }`: BODY's
             * returns are the enclosing function's own */
            ReturnStatement: { exit: function (p) {
                var a = p.node.argument, fnPath;
                if (!a || a.type !== "CallExpression" || a.arguments.length !== 0
                    || a.callee.type !== "FunctionExpression" || a.callee.id
                    || a.callee.params.length !== 0 || a.callee.generator || a.callee.async
                    || p.getFunctionParent() === null) {
                    return;
                }
                fnPath = p.get("argument.callee");
                if (inLoop(p, p.getFunctionParent())
                    || !movableBody(fnPath, p.getFunctionParent(), null)) {
                    return;
                }
                p.replaceWith(t.blockStatement(a.callee.body.body.concat([t.returnStatement()])));
                p.getFunctionParent().scope.crawl();
            } },
            /* on exit: what is inside (inlineCatch's return) is done first */
            VariableDeclaration: { exit: function (p) {
                var d, fn, fnPath, x, label, encl;
                if (p.node.kind !== "var" || p.node.declarations.length !== 1
                    || !(p.parentPath.isBlockStatement() || p.parentPath.isProgram())
                    || p.getFunctionParent() === null) {
                    return;
                }
                d = p.node.declarations[0];
                if (d.id.type !== "Identifier" || !d.init || d.init.type !== "CallExpression"
                    || d.init.arguments.length !== 0
                    || d.init.callee.type !== "FunctionExpression") {
                    return;
                }
                fn = d.init.callee;
                if (fn.id || fn.params.length !== 0 || fn.generator || fn.async) {
                    return;
                }
                fnPath = p.get("declarations.0.init.callee");
                x = d.id.name;
                encl = p.getFunctionParent();
                if (inLoop(p, encl) || !movableBody(fnPath, encl, x)) {
                    return;
                }
                label = p.scope.generateUidIdentifier("iife");
                fnPath.get("body").traverse({
                    Function: function (q) {
                        q.skip();
                    },
                    ReturnStatement: function (q) {
                        q.replaceWith(t.blockStatement([
                            t.expressionStatement(t.assignmentExpression("=", t.identifier(x),
                                q.node.argument || t.unaryExpression("void", t.numericLiteral(0)))),
                            t.breakStatement(t.identifier(label.name))]));
                        q.skip();
                    }
                });
                p.replaceWithMultiple([
                    t.variableDeclaration("var", [t.variableDeclarator(t.identifier(x),
                        t.unaryExpression("void", t.numericLiteral(0)))]),
                    t.labeledStatement(label, fn.body)]);
                encl.scope.crawl();
            } }
        }
    };
}

function methodize(api) {
    var t = api.types;

    return {
        name: "nanod-methodize",
        visitor: {
            FunctionDeclaration: function (p) {
                if (p.node.id.name === "_async" && p.parentPath.isProgram()
                    && isTopHelper(p, "_async") && !p.node._nanodHelper) {
                    p.replaceWith(api.template.statement.ast(ASYNC_HELPER));
                    p.node._nanodHelper = true;
                    p.skip();
                }
            },
            FunctionExpression: function (p) {
                var n = p.node, parent = p.parentPath, name, fn;
                if (n.id || n.generator || n.async || !n._nanodArrow
                    || !parent.isCallExpression() || parent.node.callee.type !== "Identifier"
                    || parent.node.callee.name !== "__name" || parent.node.arguments[0] !== n
                    || parent.node.arguments.length !== 2
                    || parent.node.arguments[1].type !== "StringLiteral") {
                    return;
                }
                name = parent.node.arguments[1].value;
                if (!t.isValidIdentifier(name) || name === "__proto__") {
                    return;
                }
                if (hoistable(p, parent, name)) {
                    fn = parent.getFunctionParent();
                    fn.get("body").unshiftContainer("body", t.functionDeclaration(
                        t.identifier(name), n.params, n.body));
                    fn.scope.registerDeclaration(fn.get("body.body.0"));
                    parent.replaceWith(t.identifier(name));
                    return;
                }
                /* Duktape names a method after an identifier key only
                 * (`"a-b"() {}`, `default() {}` get ""), and parses
                 * `get(...) {` and `set(...) {` as the start of an
                 * accessor: those names keep __name (a declaration,
                 * above, is fine). */
                if (name === "get" || name === "set") {
                    return;
                }
                parent.replaceWith(t.memberExpression(
                    t.objectExpression([t.objectMethod("method", t.identifier(name), n.params,
                                                       n.body)]),
                    t.identifier(name)));
            }
        }
    };
}

function usage() {
    process.stderr.write("usage: scripts/nanod-build SRC OUT\n"
                         + "       scripts/nanod-build -c apps.ini   (every app with source =)\n");
    process.exit(2);
}

/* Base64 VLQ (source map "mappings") -> [[genLine, srcIndex, srcLine]], the
 * first mapped segment of each generated line, lines from 0. */
function firstSegments(mappings) {
    var B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    var out = [], lines = mappings.split(";"), src = 0, srcLine = 0, g, segs, i, vals, v, shift,
        c, d, seg, done;

    for (g = 0; g < lines.length; g++) {
        segs = lines[g] === "" ? [] : lines[g].split(",");
        done = false;
        for (i = 0; i < segs.length; i++) {
            seg = segs[i];
            vals = [];
            v = 0;
            shift = 0;
            for (c = 0; c < seg.length; c++) {
                d = B64.indexOf(seg.charAt(c));
                v += (d & 31) << shift;
                if (d & 32) {
                    shift += 5;
                } else {
                    vals.push(v & 1 ? -(v >>> 1) : v >>> 1);
                    v = 0;
                    shift = 0;
                }
            }
            if (vals.length >= 4) {
                src += vals[1];
                srcLine += vals[2];
                if (!done) {
                    out.push([g, src, srcLine]);
                    done = true;
                }
            }
        }
    }
    return out;
}

/*
 * OUT.lines: which source line each line of OUT comes from, for nanod to
 * show src/index.ts:12 instead of OUT:2247 in stack traces (worker/srcmap.c).
 * Text: "nanod-build lines 1", then "F path" per source (relative to base,
 * the apps.ini directory or the current one), then "outLine fileIndex line"
 * (1-based) for each line of OUT that maps somewhere.
 */
function lineTable(map, out, base, skip) {
    var outDir = path.dirname(path.resolve(out));
    var text = "nanod-build lines 1\n" + map.sources.map(function (s) {
        return "F " + path.relative(base, path.resolve(outDir, s)) + "\n";
    }).join("");
    firstSegments(map.mappings).forEach(function (e) {
        text += (e[0] + 1 + skip) + " " + e[1] + " " + (e[2] + 1) + "\n";
    });
    return text;
}

function build(src, out, base) {
    var t0 = Date.now(), r, code, res, inputs, manifest, outDir = path.dirname(path.resolve(out)),
        js, map;

    if (!fs.existsSync(src)) {
        throw new Error(src + ": no such file");
    }
    try {
        r = esbuild.buildSync({
            entryPoints: [src],
            bundle: true,
            format: "iife",
            globalName: GLOBAL,
            /* As wrangler: the Workers entry points of packages (nanoid,
             * uuid pick their Node one otherwise), names as written
             * (class.name, fn.name: jose's error names), a production
             * process.env.NODE_ENV for libraries that look at it. The
             * browser platform also honours a package's "browser" map:
             * object-inspect (under qs, so stripe...) maps its
             * require("util") to false there ("Could not resolve" under
             * "neutral"). */
            platform: "browser",
            conditions: ["workerd", "worker", "browser"],
            mainFields: ["browser", "module", "main"],
            keepNames: true,
            define: { "process.env.NODE_ENV": "\"production\"" },
            /* es2022: class fields and #private reach Babel, which lowers
             * them with ASSUMPTIONS (esbuild's own lowering of #x is a
             * WeakMap per field: core-js's polyfill on every access). */
            target: "es2022",
            resolveExtensions: [".ts", ".mjs", ".js", ".json"],
            charset: "utf8",
            write: false,
            outfile: path.resolve(out),
            sourcemap: "external",
            sourcesContent: false,
            metafile: true,
            logLevel: "silent"
        });
    } catch (e) {
        /* esbuild errors: "file:line:col: message" */
        throw new Error((e.errors || []).map(function (m) {
            var l = m.location;
            return (l ? l.file + ":" + l.line + ":" + (l.column + 1) + ": " : "") + m.text;
        }).join("\n") || String(e));
    }
    r.outputFiles.forEach(function (f) {
        if (/\.map$/.test(f.path)) {
            map = JSON.parse(f.text);
        } else {
            js = f.text;
        }
    });
    /* The prelude's lines come first: shift the map by as many lines. */
    map.mappings = new Array(PRELUDE.split("\n").length).join(";") + map.mappings;
    code = PRELUDE + js + "\nmodule.exports = " + GLOBAL + " && " + GLOBAL
        + ".default !== undefined ? " + GLOBAL + ".default : " + GLOBAL + ";\n";
    if (ASYNC_TO_PROMISES) {
        /* let/const first: transform-async-to-promises turns a loop with an
         * `await` into calls of a loop helper whose `let i` is one variable
         * for all iterations (closures made in the body after an await all
         * saw its last value: tests/compat/apps/async.ts `/loops`).
         * block-scoping gives each iteration its own, as the language does. */
        res = babel.transformSync(code, babelOptions(path.basename(out), map, {
            assumptions: ASSUMPTIONS,
            plugins: [presetPlugin("@babel/plugin-transform-block-scoping")]
        }));
        code = res.code;
        map = res.map;
        res = asyncToPromises(code, map, path.basename(out));
        code = res.code;
        map = res.map;
    }
    res = babel.transformSync(code, babelOptions(path.basename(out), map, {
        ast: true,
        assumptions: ASSUMPTIONS,
        presets: [[require.resolve("@babel/preset-env"), {
            targets: { ie: "11" },
            modules: false,
            bugfixes: false,
            /* function-name: esbuild's keepNames already names every
             * function (and it took 91% of a 1 MB bundle's build time).
             * The regexp plugins: nanod's RegExp (PCRE2, worker/js/regexp.c)
             * runs named groups, the s/y/u flags and \p{...} itself, so
             * literals stay as written (lowered, a named group became a
             * _wrapRegExp helper and \p{L} hundreds of ranges). The v flag,
             * duplicate names and modifiers, which it lacks, are lowered. */
            exclude: ["transform-typeof-symbol", "transform-function-name",
                      "transform-named-capturing-groups-regex", "transform-dotall-regex",
                      "transform-sticky-regex", "transform-unicode-regex",
                      "transform-unicode-property-regex"]
        }]],
        plugins: [dynamicImport, tagArrows]
    }));
    babel.traverse.cache.clear();
    res = babel.transformFromAstSync(res.ast, res.code, babelOptions(path.basename(out), map, {
        plugins: [methodize, privateFields, inlineCatch, inlineIife]
    }));
    inputs = Object.keys(r.metafile.inputs).filter(function (p) {
        return !/^\(disabled\):/.test(p);     /* a "browser": false module: no file */
    }).map(function (p) {
        var abs = path.resolve(p), st = fs.statSync(abs);
        return st.size + " " + Math.floor(st.mtimeMs) + " " + path.relative(outDir, abs);
    });
    manifest = "# nanod-build manifest 1: size mtime_ms path (relative to this file)\n"
        + inputs.join("\n") + "\n";
    fs.mkdirSync(outDir, { recursive: true });
    /* Atomic, output first: a reader that sees the manifest sees this output. */
    fs.writeFileSync(out + ".tmp", "/* built by scripts/nanod-build from "
                     + path.relative(outDir, path.resolve(src)) + ": do not edit */\n"
                     + res.code + "\n");
    fs.renameSync(out + ".tmp", out);
    fs.writeFileSync(out + ".lines.tmp", lineTable(res.map, out, base || process.cwd(), 1));
    fs.renameSync(out + ".lines.tmp", out + ".lines");
    fs.writeFileSync(out + ".manifest.tmp", manifest);
    fs.renameSync(out + ".manifest.tmp", out + ".manifest");
    process.stderr.write("nanod-build: " + src + " -> " + out + " ("
                         + fs.statSync(out).size + " bytes, " + inputs.length + " inputs, "
                         + (Date.now() - t0) + " ms)\n");
}

/* [app:x] sections with source = ...: [[name, src]] (a small INI reader). */
function appsOf(ini) {
    var apps = [], app = null;
    fs.readFileSync(ini, "utf8").split("\n").forEach(function (line) {
        var m;
        line = line.replace(/^\s+|\s+$/g, "");
        if ((m = /^\[app:([^\]]+)\]$/.exec(line)) !== null) {
            app = m[1].trim();
        } else if (/^\[/.test(line)) {
            app = null;
        } else if (app !== null && (m = /^source\s*=\s*(.*?)\s*(?:[;#].*)?$/.exec(line))) {
            apps.push([app, m[1]]);
        }
    });
    return apps;
}

function main(argv) {
    var dir;

    if (argv.length === 2 && argv[0] === "-c") {
        dir = path.dirname(path.resolve(argv[1]));
        appsOf(argv[1]).forEach(function (a) {
            build(path.resolve(dir, a[1]), path.join(dir, ".nanod-build", a[0] + ".js"), dir);
        });
    } else if (argv.length === 2 && argv[0][0] !== "-") {
        build(argv[0], argv[1]);
    } else {
        usage();
    }
}

try {
    main(process.argv.slice(2));
} catch (e) {
    process.stderr.write("nanod-build: " + (e && e.message ? e.message : String(e)) + "\n");
    process.exit(1);
}
