/* Error.captureStackTrace and Error.stackTraceLimit, as V8/workerd have them
 * (lazy/core-globals.js): libraries call captureStackTrace unguarded in their
 * error classes (drizzle's DrizzleQueryError, graphql's GraphQLError when it
 * exists), so a failing D1 query surfaced as "undefined not callable". */
(function () {
    var check = T.check;

    check("captureStackTrace is a function", typeof Error.captureStackTrace, "function");
    check("stackTraceLimit is 10", Error.stackTraceLimit, 10);
    check("not enumerable", Object.keys(Error).indexOf("captureStackTrace"), -1);

    var o = { name: "Custom", message: "went wrong" };
    Error.captureStackTrace(o);
    check("a plain object gets a stack", typeof o.stack, "string");
    check("its first line names it", o.stack.split("\n")[0], "Custom: went wrong");
    check("stack is not enumerable", Object.keys(o).join(), "name,message");
    o.stack = "replaced";
    check("stack is writable", o.stack, "replaced");

    function QueryError(msg, cause) {
        var e = new Error(msg);
        Object.setPrototypeOf(e, QueryError.prototype);
        e.cause = cause;
        Error.captureStackTrace(e, QueryError);
        return e;
    }
    QueryError.prototype = Object.create(Error.prototype);
    QueryError.prototype.name = "QueryError";
    function inner() {
        return new QueryError("Failed query: begin", new Error("D1_ERROR: x"));
    }
    var q = inner();
    T.eq("an error subclass keeps its message and cause",
          [q.message, q.cause.message, q instanceof QueryError], ["Failed query: begin",
                                                                "D1_ERROR: x", true]);
    check("its stack starts with name: message", q.stack.split("\n")[0],
          "QueryError: Failed query: begin");
    check("frames below the constructor stay", q.stack.indexOf("inner") > 0, true);
    check("the constructor's own frame is cut", q.stack.indexOf("at QueryError (") < 0, true);

    check("a non-object is a TypeError", T.throwsType(function () {
        Error.captureStackTrace(1);
    }), true);
    // Through a subclass constructor (Babel's _inherits: Object.setPrototypeOf):
    // inherited, and an assignment makes the subclass's own property (Node's answers).
    function Sub() {}
    Object.setPrototypeOf(Sub, Error);
    check("a subclass sees captureStackTrace", typeof Sub.captureStackTrace, "function");
    Sub.stackTraceLimit = 5;
    T.eq("a subclass's own stackTraceLimit", [Object.prototype.hasOwnProperty.call(Sub,
         "stackTraceLimit"), Sub.stackTraceLimit, Error.stackTraceLimit], [true, 5, 10]);
    T.eq("Object.keys(Error)", Object.keys(Error), ["stackTraceLimit"]);
    Error.stackTraceLimit = Infinity;
    check("stackTraceLimit is assignable", Error.stackTraceLimit, Infinity);
})();
