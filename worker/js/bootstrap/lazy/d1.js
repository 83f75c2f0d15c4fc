/*
 * D1 databases (env.NAME for d1.NAME = path in apps.ini): the D1 client API
 * (prepare/bind/first/all/run/raw, batch, exec) on native.d1
 * (worker/js/bind_d1.c), whose statements run on the worker's job thread;
 * each call's promise settles through lib.d1Done with the results as JSON.
 * lib.d1Database(binding) builds one database object (app.c, per heap).
 *
 * provides: lib: d1Database d1Done
 */
function (native, global, lib) {
    "use strict";
    var pending = {}, nextId = 1;

    function call(b, mode, stmts) {
        var io = lib.currentRequest;
        return new Promise(function (resolve, reject) {
            var id = nextId++;
            native.d1(id, io, b, mode, stmts);
            pending[id] = { resolve: resolve, reject: reject, io: io };
        });
    }

    lib.d1Done = function (id, err, json) {
        var p = pending[id];
        if (p === undefined) {
            return;
        }
        delete pending[id];
        lib.currentRequest = p.io;
        if (err !== undefined) {
            p.reject(new Error(err));
        } else {
            try {
                p.resolve(JSON.parse(json));
            } catch (e) {
                p.reject(e);
            }
        }
    };

    function objects(r) {
        var out = [], i, k, o;
        for (i = 0; i < r.rows.length; i++) {
            o = {};
            for (k = 0; k < r.columns.length; k++) {
                o[r.columns[k]] = r.rows[i][k];
            }
            out.push(o);
        }
        return out;
    }

    function result(r) {
        r.meta.size_after = 0;
        return { success: true, meta: r.meta, results: objects(r) };
    }

    function guard(fn) {
        try {
            return fn();
        } catch (e) {
            return Promise.reject(e);
        }
    }

    function Statement(db, sql, params) {
        this._db = db;
        this._sql = sql;
        this._params = params;
    }
    Statement.prototype.bind = function () {
        var params = Array.prototype.slice.call(arguments), i, v;
        for (i = 0; i < params.length; i++) {
            v = params[i];
            if (v === undefined) {
                throw new Error("D1_TYPE_ERROR: Type 'undefined' not supported for value "
                                + "'undefined' at index " + i);
            }
            if (ArrayBuffer.isView(v)) {
                params[i] = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
            } else if (v !== null && typeof v === "object" && !(v instanceof ArrayBuffer)
                       && Object.prototype.toString.call(v) === "[object Array]") {
                params[i] = new Uint8Array(v);
            }
        }
        return new Statement(this._db, this._sql, params);
    };
    Statement.prototype._one = function () {
        return call(this._db, "one", [[this._sql, this._params]]).then(function (rs) {
            return rs[0];
        });
    };
    Statement.prototype.all = function () {
        var self = this;
        return guard(function () {
            return self._one().then(result);
        });
    };
    Statement.prototype.run = Statement.prototype.all;
    Statement.prototype.first = function (col) {
        var self = this;
        return guard(function () {
            return self._one().then(function (r) {
                var rows = objects(r);
                if (col === undefined) {
                    return rows.length > 0 ? rows[0] : null;
                }
                if (r.columns.indexOf(col) < 0) {
                    if (rows.length === 0) {
                        return null;
                    }
                    throw new Error("D1_COLUMN_NOTFOUND: Column not found (" + col + ")");
                }
                return rows.length > 0 ? rows[0][col] : null;
            });
        });
    };
    Statement.prototype.raw = function (opt) {
        var self = this;
        return guard(function () {
            return self._one().then(function (r) {
                return opt && opt.columnNames ? [r.columns].concat(r.rows) : r.rows;
            });
        });
    };

    lib.d1Database = function (b) {
        var db = {
            prepare: function (sql) {
                if (typeof sql !== "string") {
                    throw new TypeError("D1: prepare() takes an SQL string");
                }
                return new Statement(b, sql, []);
            },
            batch: function (stmts) {
                return guard(function () {
                    var list = [], i;
                    if (!stmts || typeof stmts.length !== "number") {
                        throw new TypeError("D1: batch() takes an array of statements");
                    }
                    for (i = 0; i < stmts.length; i++) {
                        if (!(stmts[i] instanceof Statement) || stmts[i]._db !== b) {
                            throw new TypeError("D1: batch() item " + i
                                                + " is not a statement of this database");
                        }
                        list.push([stmts[i]._sql, stmts[i]._params]);
                    }
                    if (list.length === 0) {
                        return Promise.resolve([]);
                    }
                    return call(b, "batch", list).then(function (rs) {
                        return rs.map(result);
                    });
                });
            },
            exec: function (sql) {
                return guard(function () {
                    if (typeof sql !== "string") {
                        throw new TypeError("D1: exec() takes an SQL string");
                    }
                    return call(b, "exec", [[sql, []]]).then(function (rs) {
                        var d = 0, i;
                        for (i = 0; i < rs.length; i++) {
                            d += rs[i].meta.duration;
                        }
                        return { count: rs.length, duration: d };
                    });
                });
            }
        };
        return Object.freeze(db);
    };
}
