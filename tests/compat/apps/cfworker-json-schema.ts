// @cfworker/json-schema in a Worker (the validator written for Workers: no code
// generation): Validator with drafts 4, 7, 2019-09 and 2020-12, short-circuit on
// and off, formats, $ref/$defs/$anchor/$dynamicRef, addSchema across ids,
// unevaluatedProperties, patternProperties, if/then/else, dependentRequired,
// Unicode lengths, and the errors list (keyword, keywordLocation,
// instanceLocation, error) a Worker returns to its client.
import { Validator, dereference, encodePointer, escapePointer, deepCompareStrict, ucs2length,
         type Schema, type SchemaDraft } from "@cfworker/json-schema";

const order: Schema = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://shop.example/order",
    type: "object",
    required: ["id", "customer", "items", "placed"],
    properties: {
        id: { type: "string", format: "uuid" },
        customer: { $ref: "customer" },
        items: { type: "array", minItems: 1, maxItems: 5, uniqueItems: true,
                 items: { $ref: "#/$defs/item" }, prefixItems: [{ type: "object" }] },
        placed: { type: "string", format: "date-time" },
        ship: { type: "string", format: "date" },
        coupon: { type: "string", pattern: "^[A-Z]{3}-\\d{2}$" },
        note: { type: "string", maxLength: 10 },
        total: { type: "number", exclusiveMinimum: 0, maximum: 1e6 },
        status: { enum: ["new", "paid", "sent"] },
        express: { const: true },
    },
    dependentRequired: { express: ["ship"] },
    unevaluatedProperties: false,
    $defs: {
        item: {
            type: "object", required: ["sku", "qty"],
            properties: { sku: { type: "string", minLength: 3 },
                          qty: { type: "integer", minimum: 1, maximum: 99 } },
            additionalProperties: false,
        },
    },
};

const customer: Schema = {
    $id: "https://shop.example/customer",
    type: "object",
    required: ["email"],
    properties: {
        email: { type: "string", format: "email" },
        site: { type: "string", format: "uri" },
        ip: { anyOf: [{ type: "string", format: "ipv4" }, { type: "string", format: "ipv6" }] },
        host: { type: "string", format: "hostname" },
        kind: { type: "string" },
        vat: { type: "string" },
    },
    if: { properties: { kind: { const: "business" } }, required: ["kind"] },
    then: { required: ["vat"] },
    else: { not: { required: ["vat"] } },
};

// draft-07: definitions, additionalProperties as a schema, patternProperties,
// propertyNames, contains, dependencies, oneOf.
const config7: Schema = {
    $schema: "http://json-schema.org/draft-07/schema#",
    definitions: { port: { type: "integer", minimum: 1, maximum: 65535 } },
    type: "object",
    properties: { port: { $ref: "#/definitions/port" }, mode: { oneOf: [
        { type: "string", enum: ["a", "b"] }, { type: "string", minLength: 1, maxLength: 1 }] } },
    patternProperties: { "^x-": { type: "string" } },
    propertyNames: { maxLength: 8 },
    additionalProperties: { type: "number" },
    dependencies: { tls: ["cert"] },
    minProperties: 1,
};

// 2019-09: $recursiveRef trees, unevaluatedItems, dependentSchemas, contains with min/max.
const tree: Schema = {
    $schema: "https://json-schema.org/draft/2019-09/schema",
    $id: "https://example.com/tree",
    $recursiveAnchor: true,
    type: "object",
    properties: { value: { type: "number" },
                  children: { type: "array", items: { $recursiveRef: "#" },
                              contains: { required: ["value"] }, minContains: 1, maxContains: 2 } },
    dependentSchemas: { children: { required: ["value"] } },
    required: ["value"],
};

// 2020-12: $dynamicRef / $dynamicAnchor (an extensible list), $anchor.
const list: Schema = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://example.com/strlist",
    $ref: "https://example.com/list",
    $defs: { item: { $dynamicAnchor: "item", type: "string" } },
};
const listBase: Schema = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://example.com/list",
    type: "array",
    items: { $dynamicRef: "#item" },
    $defs: { item: { $dynamicAnchor: "item" }, short: { $anchor: "short", maxLength: 3 } },
};

const draft4: Schema = {
    type: "object",
    properties: { n: { type: "number", minimum: 0, exclusiveMinimum: true, maximum: 10 } },
    required: ["n"],
};

function validator(name: string, short: boolean): Validator {
    switch (name) {
    case "order": {
        const v = new Validator(order, "2020-12", short);
        v.addSchema(customer);
        return v;
    }
    case "config7": return new Validator(config7, "7", short);
    case "tree": return new Validator(tree, "2019-09", short);
    case "list": {
        const v = new Validator(list, "2020-12", short);
        v.addSchema(listBase);
        return v;
    }
    case "draft4": return new Validator(draft4, "4" as SchemaDraft, short);
    case "bool": return new Validator(false, "2020-12", short);
    }
    throw new Error("no schema " + name);
}

export default {
    async fetch(request: Request): Promise<Response> {
        const url = new URL(request.url);
        if (url.pathname === "/misc") {
            // The library's helpers: JSON pointers, strict deep compare, UCS-2 lengths,
            // dereference's lookup table.
            const lookup = dereference(order);
            return Response.json({
                pointer: encodePointer("/a~b/c d/é#ü"),
                escaped: escapePointer("x~/y"),
                compare: [deepCompareStrict({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }),
                          deepCompareStrict({ a: 1, b: 2 }, { b: 2, a: 1 }),
                          deepCompareStrict([1, 2], [2, 1]), deepCompareStrict(1, 1.0)],
                ucs2: [ucs2length("abc"), ucs2length("😀"), ucs2length("é"), ucs2length("👍🏽x")],
                lookup: Object.keys(lookup).sort(),
            });
        }
        const name = url.pathname.slice(1);
        const short = url.searchParams.get("all") === null;
        let v: Validator;
        try {
            v = validator(name, short);
        } catch (e) {
            return Response.json({ error: (e as Error).message }, { status: 404 });
        }
        const instance = await request.json();
        const r = v.validate(instance);
        return Response.json(r, { status: r.valid ? 200 : 422 });
    },
};
