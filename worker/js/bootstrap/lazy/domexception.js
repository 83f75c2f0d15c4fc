/*
 * DOMException (WebIDL), loaded on first use.
 *
 * provides: global: DOMException
 */
function (native, global, lib) {
    "use strict";
    var NAMES = ["IndexSizeError", "DOMStringSizeError", "HierarchyRequestError",
                 "WrongDocumentError", "InvalidCharacterError", "NoDataAllowedError",
                 "NoModificationAllowedError", "NotFoundError", "NotSupportedError",
                 "InUseAttributeError", "InvalidStateError", "SyntaxError",
                 "InvalidModificationError", "NamespaceError", "InvalidAccessError",
                 "ValidationError", "TypeMismatchError", "SecurityError", "NetworkError",
                 "AbortError", "URLMismatchError", "QuotaExceededError", "TimeoutError",
                 "InvalidNodeTypeError", "DataCloneError"];
    var CONSTS = ["INDEX_SIZE_ERR", "DOMSTRING_SIZE_ERR", "HIERARCHY_REQUEST_ERR",
                  "WRONG_DOCUMENT_ERR", "INVALID_CHARACTER_ERR", "NO_DATA_ALLOWED_ERR",
                  "NO_MODIFICATION_ALLOWED_ERR", "NOT_FOUND_ERR", "NOT_SUPPORTED_ERR",
                  "INUSE_ATTRIBUTE_ERR", "INVALID_STATE_ERR", "SYNTAX_ERR",
                  "INVALID_MODIFICATION_ERR", "NAMESPACE_ERR", "INVALID_ACCESS_ERR",
                  "VALIDATION_ERR", "TYPE_MISMATCH_ERR", "SECURITY_ERR", "NETWORK_ERR",
                  "ABORT_ERR", "URL_MISMATCH_ERR", "QUOTA_EXCEEDED_ERR", "TIMEOUT_ERR",
                  "INVALID_NODE_TYPE_ERR", "DATA_CLONE_ERR"];
    var i;

    function DOMException(message, name) {
        var e;
        if (!(this instanceof DOMException)) {
            throw new TypeError("Failed to construct 'DOMException': Please use the 'new' "
                                + "operator, this DOM object constructor cannot be called as "
                                + "a function.");
        }
        lib.define(this, "_message", message === undefined ? "" : String(message));
        lib.define(this, "_name", name === undefined ? "Error" : String(name));
        e = new Error(this._message);
        if (e.stack !== undefined) {
            lib.define(this, "stack", String(e.stack).replace(/^Error/, this._name));
        }
    }
    DOMException.prototype = Object.create(Error.prototype);
    lib.define(DOMException.prototype, "constructor", DOMException);
    lib.getters(DOMException.prototype, {
        name: function () { return this._name; },
        message: function () { return this._message; },
        code: function () {
            var k = NAMES.indexOf(this._name);
            return k < 0 ? 0 : k + 1;
        }
    });
    for (i = 0; i < CONSTS.length; i++) {
        Object.defineProperty(DOMException, CONSTS[i], { value: i + 1, enumerable: true });
        Object.defineProperty(DOMException.prototype, CONSTS[i], { value: i + 1,
                                                                   enumerable: true });
    }
    Object.defineProperty(DOMException.prototype, Symbol.toStringTag, {
        value: "DOMException", configurable: true
    });
    lib.DOMException = DOMException;
    lib.define(global, "DOMException", DOMException);
}
