// graphql 16 in a Worker: a POST /graphql endpoint reading {query, variables,
// operationName} as JSON (the shape of graphql-over-HTTP), a schema from SDL with
// a root value, and one built from GraphQLSchema objects with async resolvers,
// enums, input objects and a custom scalar; errors with locations and paths,
// validation errors, introspection, parse/print/printSchema.
import {
    buildSchema, graphql, GraphQLSchema, GraphQLObjectType, GraphQLString, GraphQLInt,
    GraphQLFloat, GraphQLBoolean, GraphQLList, GraphQLNonNull, GraphQLEnumType,
    GraphQLInputObjectType, GraphQLScalarType, GraphQLID, GraphQLError, Kind, parse, print,
    printSchema, validate, execute, getIntrospectionQuery, buildClientSchema,
    introspectionFromSchema, specifiedRules, NoSchemaIntrospectionCustomRule, lexicographicSortSchema,
} from "graphql";

// --- a schema from SDL, resolvers as a root value (the graphql.js docs' first example)
const sdlSchema = buildSchema(`
  """A book in the shop"""
  type Book {
    id: ID!
    title: String!
    year: Int
    price: Float
    tags: [String!]!
    author: Author
  }
  type Author { name: String! books: [Book!]! }
  enum Order { TITLE YEAR }
  type Query {
    hello(name: String = "world"): String
    books(order: Order = TITLE, minYear: Int): [Book!]!
    book(id: ID!): Book
    boom: String
    slow(ms: Int!): Int
  }
  type Mutation { addBook(title: String!, year: Int): Book! }
`);

interface Book { id: string; title: string; year: number | null; price: number; tags: string[];
                 author: string }

function seed(): Book[] {
    return [
        { id: "1", title: "Zazie dans le métro", year: 1959, price: 7.5, tags: ["novel", "fr"],
          author: "Queneau" },
        { id: "2", title: "Exercices de style", year: 1947, price: 0.1 + 0.2, tags: ["fr"],
          author: "Queneau" },
        { id: "3", title: "Ἰλιάς", year: null, price: 1e21, tags: [], author: "Ὅμηρος" },
        { id: "4", title: "こころ", year: 1914, price: 1234.5678, tags: ["novel", "ja"],
          author: "夏目漱石" },
    ];
}

function rootValue(books: Book[]) {
    const author = (name: string) => ({
        name, books: () => books.filter((b) => b.author === name).map(book),
    });
    const book = (b: Book) => ({ ...b, author: () => author(b.author) });
    return {
        hello: ({ name }: { name: string }) => `Hello, ${name}!`,
        books: ({ order, minYear }: { order: string; minYear?: number }) => {
            const list = books.filter((b) => minYear === undefined || (b.year ?? 0) >= minYear);
            list.sort((a, b) => order === "YEAR" ? (a.year ?? 0) - (b.year ?? 0)
                                                 : a.title < b.title ? -1 : a.title > b.title ? 1 : 0);
            return list.map(book);
        },
        book: ({ id }: { id: string }) => {
            const b = books.find((x) => x.id === id);
            return b ? book(b) : null;
        },
        boom: () => { throw new Error("the boom resolver failed"); },
        slow: ({ ms }: { ms: number }) => new Promise((r) => setTimeout(() => r(ms * 2), ms)),
        addBook: ({ title, year }: { title: string; year?: number }) => {
            const b = { id: String(books.length + 1), title, year: year ?? null, price: 0,
                        tags: [], author: "anon" };
            books.push(b);
            return book(b);
        },
    };
}

// --- a schema from GraphQLSchema objects (the constructor API)
const Color = new GraphQLEnumType({
    name: "Color",
    values: { RED: { value: "#f00" }, GREEN: { value: "#0f0" }, BLUE: { value: "#00f",
              deprecationReason: "use RED" } },
});

const DateScalar = new GraphQLScalarType({
    name: "Date",
    description: "An ISO date, YYYY-MM-DD",
    serialize(v) { return (v as Date).toISOString().slice(0, 10); },
    parseValue(v) {
        if (typeof v !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(v)) {
            throw new GraphQLError("Date must be YYYY-MM-DD, got " + JSON.stringify(v));
        }
        return new Date(v + "T00:00:00Z");
    },
    parseLiteral(ast) {
        if (ast.kind !== Kind.STRING) { throw new GraphQLError("Date must be a string", { nodes: ast }); }
        return new Date(ast.value + "T00:00:00Z");
    },
});

const Point = new GraphQLObjectType({
    name: "Point",
    fields: {
        x: { type: new GraphQLNonNull(GraphQLFloat) },
        y: { type: new GraphQLNonNull(GraphQLFloat) },
        norm: { type: GraphQLFloat, resolve: (p) => Math.sqrt(p.x * p.x + p.y * p.y) },
    },
});

const PointInput = new GraphQLInputObjectType({
    name: "PointInput",
    fields: { x: { type: new GraphQLNonNull(GraphQLFloat) }, y: { type: GraphQLFloat,
              defaultValue: 0 } },
});

const objSchema = new GraphQLSchema({
    query: new GraphQLObjectType({
        name: "Query",
        fields: {
            echo: { type: GraphQLString, args: { s: { type: new GraphQLNonNull(GraphQLString) } },
                    resolve: async (_, { s }) => { await null; return s.split("").reverse().join(""); } },
            color: { type: Color, args: { c: { type: Color } }, resolve: (_, { c }) => c },
            colors: { type: new GraphQLList(Color), resolve: () => ["#00f", "#f00"] },
            addDays: { type: DateScalar, args: { d: { type: new GraphQLNonNull(DateScalar) },
                       n: { type: GraphQLInt, defaultValue: 1 } },
                       resolve: (_, { d, n }) => new Date(d.getTime() + n * 86400000) },
            points: { type: new GraphQLList(Point), args: { ps: { type: new GraphQLList(PointInput) } },
                      resolve: async (_, { ps }) => Promise.all(ps.map(async (p: object) => p)) },
            fail: { type: new GraphQLNonNull(GraphQLString), resolve: () => Promise.reject(
                new GraphQLError("not allowed", { extensions: { code: "FORBIDDEN", http: 403 } })) },
            nullable: { type: GraphQLString, resolve: () => null },
            flag: { type: GraphQLBoolean, args: { b: { type: GraphQLBoolean } }, resolve: (_, a) => !a.b },
            id: { type: GraphQLID, args: { i: { type: GraphQLID } }, resolve: (_, a) => a.i },
            big: { type: GraphQLInt, resolve: () => 2 ** 31 },
            many: { type: new GraphQLList(GraphQLInt), args: { n: { type: GraphQLInt } },
                    resolve: async (_, { n }) => Array.from({ length: n }, (_, i) => i * i) },
        },
    }),
});

const books = seed();

async function body(request: Request) {
    const ct = request.headers.get("content-type") ?? "";
    if (request.method === "GET") {
        const u = new URL(request.url);
        const v = u.searchParams.get("variables");
        return { query: u.searchParams.get("query") ?? "", variables: v ? JSON.parse(v) : undefined,
                 operationName: u.searchParams.get("operationName") ?? undefined };
    }
    if (!ct.startsWith("application/json")) {
        throw new Error("content-type must be application/json");
    }
    return await request.json() as { query: string; variables?: Record<string, unknown>;
                                     operationName?: string };
}

export default {
    async fetch(request: Request): Promise<Response> {
        const url = new URL(request.url);
        if (url.pathname === "/graphql" || url.pathname === "/objects") {
            let req;
            try {
                req = await body(request);
            } catch (e) {
                return Response.json({ errors: [{ message: (e as Error).message }] }, { status: 415 });
            }
            const result = await graphql({
                schema: url.pathname === "/graphql" ? sdlSchema : objSchema,
                source: req.query,
                rootValue: url.pathname === "/graphql" ? rootValue(books) : undefined,
                variableValues: req.variables,
                operationName: req.operationName,
            });
            const status = result.errors && !result.data ? 400 : 200;
            return Response.json(result, { status });
        }
        if (url.pathname === "/introspection") {
            // The whole introspection result of both schemas, round-tripped through
            // buildClientSchema and printed: every type, field, arg and description.
            const r = await graphql({ schema: objSchema, source: getIntrospectionQuery(
                { descriptions: true, inputValueDeprecation: true, specifiedByUrl: true }) });
            const client = buildClientSchema(r.data as never);
            const sdl = introspectionFromSchema(sdlSchema);
            return Response.json({
                types: (r.data as any).__schema.types.map((t: any) => t.name + ":" + t.kind).sort(),
                printed: printSchema(lexicographicSortSchema(client)),
                sdlTypes: sdl.__schema.types.length,
                json: JSON.stringify(sdl).length,
            });
        }
        if (url.pathname === "/print") {
            // parse and print (the AST printer), plus the SDL schema printed back.
            const doc = parse(url.searchParams.get("q") ?? "{a}", { noLocation: false });
            return Response.json({ printed: print(doc), kinds: doc.definitions.map((d) => d.kind),
                                   loc: doc.loc ? [doc.loc.start, doc.loc.end] : null,
                                   schema: printSchema(sdlSchema) });
        }
        if (url.pathname === "/validate") {
            // validate() with the specified rules plus one custom rule, and a syntax error.
            const q = url.searchParams.get("q") ?? "";
            let doc;
            try {
                doc = parse(q);
            } catch (e) {
                const g = e as GraphQLError;
                return Response.json({ syntax: g.message, locations: g.locations, str: g.toString() },
                                     { status: 400 });
            }
            const errs = validate(sdlSchema, doc, [...specifiedRules, NoSchemaIntrospectionCustomRule]);
            const exec = errs.length ? null : await execute({ schema: sdlSchema, document: doc,
                                                              rootValue: rootValue(seed()) });
            return Response.json({ errors: errs.map((e) => e.toJSON()), exec });
        }
        return new Response("not found", { status: 404 });
    },
};
