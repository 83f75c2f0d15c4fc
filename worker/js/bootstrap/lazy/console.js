/*
 * console.*: to the JSON error log, tagged with the app (never stdout).
 *
 * provides: global: console
 */
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
    function cell(v) {
        if (typeof v === "string") {
            return "'" + v + "'";
        }
        if (v !== null && typeof v === "object") {
            try {
                return JSON.stringify(v);
            } catch (e) {
                return String(v);
            }
        }
        return String(v);
    }
    function pad(s, n) {
        while (s.length < n) {
            s += " ";
        }
        return s;
    }
    /* console.table(rows[, columns]): a box-drawn table as Node prints it,
     * one log line. Not tabular data: logged as console.log would. */
    function table(data, columns) {
        var keys = [], heads, rows = [], widths, i, j, r, k, line, out, hasValues = false;
        if (data === null || typeof data !== "object") {
            native.log(1, fmt(arguments), lib.currentRequest);
            return;
        }
        for (k in data) {
            if (Object.prototype.hasOwnProperty.call(data, k)) {
                r = data[k];
                line = [String(k)];
                if (r !== null && typeof r === "object") {
                    for (j in r) {
                        if (Object.prototype.hasOwnProperty.call(r, j) && keys.indexOf(j) === -1
                            && (columns === undefined || columns.indexOf(j) !== -1)) {
                            keys.push(j);
                        }
                    }
                }
                rows.push([k, r]);
            }
        }
        if (columns !== undefined) {
            keys = columns.slice();
        }
        heads = ["(index)"].concat(keys);
        for (i = 0; i < rows.length; i++) {
            if (rows[i][1] === null || typeof rows[i][1] !== "object") {
                hasValues = true;
            }
        }
        if (hasValues) {
            heads.push("Values");
        }
        out = [];
        for (i = 0; i < rows.length; i++) {
            r = rows[i][1];
            line = [rows[i][0]];
            for (j = 0; j < keys.length; j++) {
                line.push(r !== null && typeof r === "object"
                          && Object.prototype.hasOwnProperty.call(r, keys[j]) ? cell(r[keys[j]])
                          : "");
            }
            if (hasValues) {
                line.push(r !== null && typeof r === "object" ? "" : cell(r));
            }
            out.push(line);
        }
        widths = heads.map(function (h, c) {
            var w = h.length;
            out.forEach(function (l) { w = Math.max(w, l[c].length); });
            return w + 2;
        });
        function rule(a, b, c) {
            return a + widths.map(function (w) { return new Array(w + 1).join("\u2500"); })
                .join(b) + c;
        }
        function row(l) {
            return "\u2502" + l.map(function (v, c) { return " " + pad(v, widths[c] - 1); })
                .join("\u2502") + "\u2502";
        }
        native.log(1, [rule("\u250c", "\u252c", "\u2510"), row(heads),
                       rule("\u251c", "\u253c", "\u2524")].concat(out.map(row),
                       [rule("\u2514", "\u2534", "\u2518")]).join("\n"),
                   lib.currentRequest);
    }
    var console = {
        debug: logger(0), log: logger(1), info: logger(1), warn: logger(2), error: logger(3),
        trace: logger(0), table: table
    };
    lib.define(global, "console", console);
}
