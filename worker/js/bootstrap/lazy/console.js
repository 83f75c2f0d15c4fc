/* console.*: to the JSON error log, tagged with the app (never stdout). */
function (native, global, lib) {
    "use strict";
    function fmt(args) {
        var out = [], i, a;
        for (i = 0; i < args.length; i++) {
            a = args[i];
            if (typeof a === "string") {
                out.push(a);
            } else if (a instanceof Error) {
                out.push(a.stack ? String(a.stack) : String(a));
            } else if (a !== null && typeof a === "object") {
                try {
                    out.push(JSON.stringify(a));
                } catch (e) {
                    out.push(String(a));
                }
            } else {
                out.push(String(a));
            }
        }
        return out.join(" ");
    }
    function logger(level) {
        return function () { native.log(level, fmt(arguments), lib.currentRequest); };
    }
    var console = {
        debug: logger(0), log: logger(1), info: logger(1), warn: logger(2), error: logger(3),
        trace: logger(0)
    };
    lib.define(global, "console", console);
}
