/*
 * URL and URLSearchParams (WHATWG URL standard), loaded on first use.
 * The basic URL parser is the standard's state machine over UTF-16 code
 * units; byte-level work is native: percent-encoding (native.pctEncode, per
 * code point as UTF-8), percent-decoding + UTF-8 decoding (native.pctDecode)
 * and IDNA domain to ASCII (native.idnaToAscii, libidn2). An absolute
 * http(s)/ws(s) URL already in canonical form skips the state machine:
 * native.urlSplit cuts it in pieces (bind_url.c says exactly when).
 * Code points are percent-encoded a run at a time (a buffer of raw code
 * points encoded when it is flushed): encoding is per code point, so this is
 * the same as the standard's one at a time.
 *
 * provides: global: URL URLSearchParams
 */
function (native, global, lib) {
    "use strict";
    var pctEncode = native.pctEncode, pctDecode = native.pctDecode, urlSplit = native.urlSplit,
        urlCanonical = native.urlCanonical, urlPart = native.urlPart,
        formParse = native.urlencodedParse, queryParse = native.urlQueryParse;
    /* native.urlPart's pieces (bind_url.c's URL_*) are written as literals in
     * the getters, an outer variable being a slow scope lookup in Duktape:
     * protocol 0, host 1, hostname 2, port 3, pathname 4, search 5, hash 6,
     * origin 7, query 8. */
    /* Encode sets: the order of bind_encoding.c. */
    var C0 = 0, FRAGMENT = 1, QUERY = 2, SPECIAL_QUERY = 3, PATH = 4, USERINFO = 5,
        COMPONENT = 6, FORM = 7;
    var EOF = -1;
    var SCHEME_START = 1, SCHEME = 2, NO_SCHEME = 3, SPECIAL_RELATIVE_OR_AUTHORITY = 4,
        PATH_OR_AUTHORITY = 5, RELATIVE = 6, RELATIVE_SLASH = 7, SPECIAL_AUTHORITY_SLASHES = 8,
        SPECIAL_AUTHORITY_IGNORE_SLASHES = 9, AUTHORITY = 10, HOST = 11, HOSTNAME = 12,
        PORT = 13, FILE = 14, FILE_SLASH = 15, FILE_HOST = 16, PATH_START = 17, PATH_STATE = 18,
        OPAQUE_PATH = 19, QUERY_STATE = 20, FRAGMENT_STATE = 21;
    var SPECIAL = { "ftp": 21, "file": null, "http": 80, "https": 443, "ws": 80, "wss": 443 };
    var hasOwn = Object.prototype.hasOwnProperty;

    function isSpecialScheme(s) {
        return hasOwn.call(SPECIAL, s);
    }
    function defaultPort(s) {
        return hasOwn.call(SPECIAL, s) ? SPECIAL[s] : null;
    }
    function isAlpha(c) {
        return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    }
    function isDigit(c) {
        return c >= 48 && c <= 57;
    }
    function isHex(c) {
        return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
    }

    /* The URL record. path: array of segments, or a string (opaque path). */
    function Record() {
        this.scheme = "";
        this.username = "";
        this.password = "";
        this.host = null;
        this.port = null;
        this.path = [];
        this.query = null;
        this.fragment = null;
    }

    function isSpecial(url) {
        return hasOwn.call(SPECIAL, url.scheme);
    }
    function hasCredentials(url) {
        return url.username !== "" || url.password !== "";
    }
    function cannotHaveCredentialsOrPort(url) {
        return url.host === null || url.host === "" || url.scheme === "file";
    }
    function isWindowsDriveLetter(s, normalizedOnly) {
        return s.length === 2 && isAlpha(s.charCodeAt(0))
            && (s.charAt(1) === ":" || (!normalizedOnly && s.charAt(1) === "|"));
    }
    function startsWithWindowsDriveLetter(s, p) {
        var c;
        if (s.length - p < 2 || !isAlpha(s.charCodeAt(p))
            || (s.charAt(p + 1) !== ":" && s.charAt(p + 1) !== "|")) {
            return false;
        }
        if (s.length - p === 2) {
            return true;
        }
        c = s.charAt(p + 2);
        return c === "/" || c === "\\" || c === "?" || c === "#";
    }
    function shortenPath(url) {
        var path = url.path;
        if (url.scheme === "file" && path.length === 1 && isWindowsDriveLetter(path[0], true)) {
            return;
        }
        path.pop();
    }
    function isSingleDot(s) {
        return s === "." || s.toLowerCase() === "%2e";
    }
    function isDoubleDot(s) {
        s = s.toLowerCase();
        return s === ".." || s === ".%2e" || s === "%2e." || s === "%2e%2e";
    }

    /* --- hosts -------------------------------------------------------------- */

    function parseIPv4Number(s) {
        var r = 10, i;
        if (s === "") {
            return NaN;
        }
        if (s.length >= 2 && (s.substring(0, 2) === "0x" || s.substring(0, 2) === "0X")) {
            r = 16;
            s = s.substring(2);
        } else if (s.length >= 2 && s.charAt(0) === "0") {
            r = 8;
            s = s.substring(1);
        }
        if (s === "") {
            return 0;
        }
        for (i = 0; i < s.length; i++) {
            var c = s.charCodeAt(i);
            if (!(r === 16 ? isHex(c) : r === 10 ? isDigit(c) : (c >= 48 && c <= 55))) {
                return NaN;
            }
        }
        return parseInt(s, r);
    }

    function endsInANumber(s) {
        var parts = s.split("."), last, i;
        if (parts[parts.length - 1] === "") {
            if (parts.length === 1) {
                return false;
            }
            parts.pop();
        }
        last = parts[parts.length - 1];
        if (last !== "") {
            for (i = 0; i < last.length && isDigit(last.charCodeAt(i)); i++) {
            }
            if (i === last.length) {
                return true;
            }
        }
        return parseIPv4Number(last) === parseIPv4Number(last);     /* not NaN */
    }

    /* -> serialized IPv4 address, or null */
    function parseIPv4(s) {
        var parts = s.split("."), nums = [], i, n, ipv4;
        if (parts[parts.length - 1] === "" && parts.length > 1) {
            parts.pop();
        }
        if (parts.length > 4) {
            return null;
        }
        for (i = 0; i < parts.length; i++) {
            n = parseIPv4Number(parts[i]);
            if (n !== n) {
                return null;
            }
            nums.push(n);
        }
        for (i = 0; i < nums.length - 1; i++) {
            if (nums[i] > 255) {
                return null;
            }
        }
        if (nums[nums.length - 1] >= Math.pow(256, 5 - nums.length)) {
            return null;
        }
        ipv4 = nums[nums.length - 1];
        for (i = 0; i < nums.length - 1; i++) {
            ipv4 += nums[i] * Math.pow(256, 3 - i);
        }
        var out = [];
        for (i = 0; i < 4; i++) {
            out.unshift(String(ipv4 % 256));
            ipv4 = Math.floor(ipv4 / 256);
        }
        return out.join(".");
    }

    /* -> [8 pieces], or null */
    function parseIPv6(input) {
        var address = [0, 0, 0, 0, 0, 0, 0, 0], pieceIndex = 0, compress = null, p = 0,
            len = input.length, value, length, numbersSeen, ipv4Piece, swaps, tmp;
        function at(i) {
            return i < len ? input.charCodeAt(i) : EOF;
        }
        if (at(0) === 58) {
            if (at(1) !== 58) {
                return null;
            }
            p += 2;
            pieceIndex++;
            compress = pieceIndex;
        }
        while (at(p) !== EOF) {
            if (pieceIndex === 8) {
                return null;
            }
            if (at(p) === 58) {
                if (compress !== null) {
                    return null;
                }
                p++;
                pieceIndex++;
                compress = pieceIndex;
                continue;
            }
            value = 0;
            length = 0;
            while (length < 4 && isHex(at(p))) {
                value = value * 16 + parseInt(input.charAt(p), 16);
                p++;
                length++;
            }
            if (at(p) === 46) {
                if (length === 0) {
                    return null;
                }
                p -= length;
                if (pieceIndex > 6) {
                    return null;
                }
                numbersSeen = 0;
                while (at(p) !== EOF) {
                    ipv4Piece = null;
                    if (numbersSeen > 0) {
                        if (at(p) === 46 && numbersSeen < 4) {
                            p++;
                        } else {
                            return null;
                        }
                    }
                    if (!isDigit(at(p))) {
                        return null;
                    }
                    while (isDigit(at(p))) {
                        if (ipv4Piece === null) {
                            ipv4Piece = at(p) - 48;
                        } else if (ipv4Piece === 0) {
                            return null;
                        } else {
                            ipv4Piece = ipv4Piece * 10 + at(p) - 48;
                        }
                        if (ipv4Piece > 255) {
                            return null;
                        }
                        p++;
                    }
                    address[pieceIndex] = address[pieceIndex] * 256 + ipv4Piece;
                    numbersSeen++;
                    if (numbersSeen === 2 || numbersSeen === 4) {
                        pieceIndex++;
                    }
                }
                if (numbersSeen !== 4) {
                    return null;
                }
                break;
            } else if (at(p) === 58) {
                p++;
                if (at(p) === EOF) {
                    return null;
                }
            } else if (at(p) !== EOF) {
                return null;
            }
            address[pieceIndex] = value;
            pieceIndex++;
        }
        if (compress !== null) {
            swaps = pieceIndex - compress;
            pieceIndex = 7;
            while (pieceIndex !== 0 && swaps > 0) {
                tmp = address[compress + swaps - 1];
                address[compress + swaps - 1] = address[pieceIndex];
                address[pieceIndex] = tmp;
                pieceIndex--;
                swaps--;
            }
        } else if (pieceIndex !== 8) {
            return null;
        }
        return address;
    }

    function serializeIPv6(a) {
        var best = -1, bestLen = 1, i, j, out = "", ignore0 = false;
        for (i = 0; i < 8; i++) {
            if (a[i] !== 0) {
                continue;
            }
            for (j = i; j < 8 && a[j] === 0; j++) {
            }
            if (j - i > bestLen) {
                best = i;
                bestLen = j - i;
            }
            i = j;
        }
        for (i = 0; i < 8; i++) {
            if (ignore0 && a[i] === 0) {
                continue;
            }
            ignore0 = false;
            if (best === i) {
                out += i === 0 ? "::" : ":";
                ignore0 = true;
                continue;
            }
            out += a[i].toString(16);
            if (i !== 7) {
                out += ":";
            }
        }
        return out;
    }

    /* Forbidden host code points; domains also forbid C0 controls, % and DEL. */
    function forbiddenHost(c) {
        return c === 0 || c === 9 || c === 10 || c === 13 || c === 32 || c === 35 || c === 47
            || c === 58 || c === 60 || c === 62 || c === 63 || c === 64 || c === 91 || c === 92
            || c === 93 || c === 94 || c === 124;
    }
    function forbiddenDomain(c) {
        return forbiddenHost(c) || c <= 31 || c === 37 || c === 127;
    }

    function domainToAscii(domain) {
        var i, ascii = true;
        for (i = 0; i < domain.length; i++) {
            if (domain.charCodeAt(i) >= 128) {
                ascii = false;
                break;
            }
        }
        return ascii ? domain.toLowerCase() : native.idnaToAscii(domain);
    }

    /* -> serialized host, or null on failure */
    function parseHost(input, isOpaque) {
        var a, domain, i;
        if (input.charAt(0) === "[") {
            if (input.charAt(input.length - 1) !== "]") {
                return null;
            }
            a = parseIPv6(input.substring(1, input.length - 1));
            return a === null ? null : "[" + serializeIPv6(a) + "]";
        }
        if (isOpaque) {
            for (i = 0; i < input.length; i++) {
                if (forbiddenHost(input.charCodeAt(i))) {
                    return null;
                }
            }
            return pctEncode(input, C0, false);
        }
        domain = domainToAscii(pctDecode(input, false));
        if (domain === null || domain === "") {
            return null;
        }
        for (i = 0; i < domain.length; i++) {
            if (forbiddenDomain(domain.charCodeAt(i))) {
                return null;
            }
        }
        if (endsInANumber(domain)) {
            return parseIPv4(domain);
        }
        return domain;
    }

    /* --- the basic URL parser ------------------------------------------------ */

    function trimControlAndSpace(s) {
        var a = 0, b = s.length;
        while (a < b && s.charCodeAt(a) <= 32) {
            a++;
        }
        while (b > a && s.charCodeAt(b - 1) <= 32) {
            b--;
        }
        return a === 0 && b === s.length ? s : s.substring(a, b);
    }
    function removeTabNewline(s) {
        var i, c, out = "", start = 0;
        for (i = 0; i < s.length; i++) {
            c = s.charCodeAt(i);
            if (c === 9 || c === 10 || c === 13) {
                out += s.substring(start, i);
                start = i + 1;
            }
        }
        return start === 0 ? s : out + s.substring(start);
    }

    /* A record from native.urlSplit's pieces of a canonical URL. */
    function splitRecord(p) {
        var r = new Record();
        r.scheme = p[0];
        r.host = p[1];
        r.port = p[2];
        r.path = p[3];
        r.query = p[4];
        r.fragment = p[5];
        return r;
    }

    /* Returns url (possibly unchanged when a setter's value does not apply),
     * or null on failure. */
    function basicParse(input, base, url, override) {
        var state, buffer = "", atSignSeen = false, insideBrackets = false,
            passwordTokenSeen = false, p, c, len, special = false, sch = null, host, i, port,
            seg, j, ch;
        if (url === undefined || url === null) {
            /* An absolute http(s)/ws(s) URL already in canonical form (as
             * request.url always is) is just cut in pieces by C. */
            if (override === undefined && (p = urlSplit(input)) !== undefined) {
                return splitRecord(p);
            }
            url = new Record();
            input = trimControlAndSpace(input);
        }
        input = removeTabNewline(input);
        len = input.length;
        state = override || SCHEME_START;
        /* Case labels are literals (the state constants): Duktape evaluates
         * them in order, and an outer variable is a slow scope lookup. */
        for (p = 0; p <= len; p++) {
            c = p < len ? input.charCodeAt(p) : -1;
            if (url.scheme !== sch) {
                sch = url.scheme;
                special = hasOwn.call(SPECIAL, sch);
            }
            switch (state) {
            case 1: /* SCHEME_START */
                if (isAlpha(c)) {
                    buffer += String.fromCharCode(c).toLowerCase();
                    state = SCHEME;
                } else if (!override) {
                    state = NO_SCHEME;
                    p--;
                } else {
                    return null;
                }
                break;

            case 2: /* SCHEME */
                if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57)
                    || c === 43 || c === 45 || c === 46) {
                    for (j = p + 1; j < len; j++) {
                        ch = input.charCodeAt(j);
                        if (!((ch >= 97 && ch <= 122) || (ch >= 65 && ch <= 90)
                              || (ch >= 48 && ch <= 57) || ch === 43 || ch === 45 || ch === 46)) {
                            break;
                        }
                    }
                    buffer += input.substring(p, j).toLowerCase();
                    p = j - 1;
                } else if (c === 58) {
                    if (override) {
                        if (special !== isSpecialScheme(buffer)) {
                            return url;
                        }
                        if ((hasCredentials(url) || url.port !== null) && buffer === "file") {
                            return url;
                        }
                        if (url.scheme === "file" && url.host === "") {
                            return url;
                        }
                    }
                    url.scheme = buffer;
                    if (override) {
                        if (url.port === defaultPort(url.scheme)) {
                            url.port = null;
                        }
                        return url;
                    }
                    buffer = "";
                    if (url.scheme === "file") {
                        state = FILE;
                    } else if (isSpecial(url) && base && base.scheme === url.scheme) {
                        state = SPECIAL_RELATIVE_OR_AUTHORITY;
                    } else if (isSpecial(url)) {
                        state = SPECIAL_AUTHORITY_SLASHES;
                    } else if (input.charCodeAt(p + 1) === 47) {
                        state = PATH_OR_AUTHORITY;
                        p++;
                    } else {
                        url.path = "";
                        state = OPAQUE_PATH;
                    }
                } else if (!override) {
                    buffer = "";
                    state = NO_SCHEME;
                    p = -1;
                } else {
                    return null;
                }
                break;

            case 3: /* NO_SCHEME */
                if (!base || (typeof base.path === "string" && c !== 35)) {
                    return null;
                }
                if (typeof base.path === "string" && c === 35) {
                    url.scheme = base.scheme;
                    url.path = base.path;
                    url.query = base.query;
                    url.fragment = "";
                    state = FRAGMENT_STATE;
                } else if (base.scheme !== "file") {
                    state = RELATIVE;
                    p--;
                } else {
                    state = FILE;
                    p--;
                }
                break;

            case 4: /* SPECIAL_RELATIVE_OR_AUTHORITY */
                if (c === 47 && input.charCodeAt(p + 1) === 47) {
                    state = SPECIAL_AUTHORITY_IGNORE_SLASHES;
                    p++;
                } else {
                    state = RELATIVE;
                    p--;
                }
                break;

            case 5: /* PATH_OR_AUTHORITY */
                if (c === 47) {
                    state = AUTHORITY;
                } else {
                    state = PATH_STATE;
                    p--;
                }
                break;

            case 6: /* RELATIVE */
                url.scheme = base.scheme;
                sch = url.scheme;
                special = hasOwn.call(SPECIAL, sch);
                if (c === 47 || (special && c === 92)) {
                    state = RELATIVE_SLASH;
                } else {
                    url.username = base.username;
                    url.password = base.password;
                    url.host = base.host;
                    url.port = base.port;
                    url.path = base.path.slice();
                    url.query = base.query;
                    if (c === 63) {
                        url.query = "";
                        state = QUERY_STATE;
                    } else if (c === 35) {
                        url.fragment = "";
                        state = FRAGMENT_STATE;
                    } else if (c !== -1) {
                        url.query = null;
                        shortenPath(url);
                        state = PATH_STATE;
                        p--;
                    }
                }
                break;

            case 7: /* RELATIVE_SLASH */
                if (special && (c === 47 || c === 92)) {
                    state = SPECIAL_AUTHORITY_IGNORE_SLASHES;
                } else if (c === 47) {
                    state = AUTHORITY;
                } else {
                    url.username = base.username;
                    url.password = base.password;
                    url.host = base.host;
                    url.port = base.port;
                    state = PATH_STATE;
                    p--;
                }
                break;

            case 8: /* SPECIAL_AUTHORITY_SLASHES */
                if (c === 47 && input.charCodeAt(p + 1) === 47) {
                    state = SPECIAL_AUTHORITY_IGNORE_SLASHES;
                    p++;
                } else {
                    state = SPECIAL_AUTHORITY_IGNORE_SLASHES;
                    p--;
                }
                break;

            case 9: /* SPECIAL_AUTHORITY_IGNORE_SLASHES */
                if (c !== 47 && c !== 92) {
                    state = AUTHORITY;
                    p--;
                }
                break;

            case 10: /* AUTHORITY */
                if (c === 64) {
                    if (atSignSeen) {
                        buffer = "%40" + buffer;
                    }
                    atSignSeen = true;
                    i = passwordTokenSeen ? -1 : buffer.indexOf(":");
                    if (passwordTokenSeen) {
                        url.password += pctEncode(buffer, USERINFO, false);
                    } else if (i < 0) {
                        url.username += pctEncode(buffer, USERINFO, false);
                    } else {
                        passwordTokenSeen = true;
                        url.username += pctEncode(buffer.substring(0, i), USERINFO, false);
                        url.password += pctEncode(buffer.substring(i + 1), USERINFO, false);
                    }
                    buffer = "";
                } else if (c === -1 || c === 47 || c === 63 || c === 35
                           || (special && c === 92)) {
                    if (atSignSeen && buffer === "") {
                        return null;
                    }
                    p -= buffer.length + 1;
                    buffer = "";
                    state = HOST;
                } else {
                    for (j = p + 1; j < len; j++) {
                        ch = input.charCodeAt(j);
                        if (ch === 64 || ch === 47 || ch === 63 || ch === 35 || ch === 92) {
                            break;
                        }
                    }
                    buffer += input.substring(p, j);
                    p = j - 1;
                }
                break;

            case 11: /* HOST */
            case 12: /* HOSTNAME */
                if (override && url.scheme === "file") {
                    p--;
                    state = FILE_HOST;
                } else if (c === 58 && !insideBrackets) {
                    if (buffer === "") {
                        return null;
                    }
                    if (override === HOSTNAME) {
                        return url;
                    }
                    host = parseHost(buffer, !special);
                    if (host === null) {
                        return null;
                    }
                    url.host = host;
                    buffer = "";
                    state = PORT;
                } else if (c === -1 || c === 47 || c === 63 || c === 35
                           || (special && c === 92)) {
                    p--;
                    if (special && buffer === "") {
                        return null;
                    } else if (override && buffer === ""
                               && (hasCredentials(url) || url.port !== null)) {
                        return url;
                    }
                    host = parseHost(buffer, !special);
                    if (host === null) {
                        return null;
                    }
                    url.host = host;
                    buffer = "";
                    state = PATH_START;
                    if (override) {
                        return url;
                    }
                } else {
                    for (j = p; j < len; j++) {
                        ch = input.charCodeAt(j);
                        if (ch === 91) {
                            insideBrackets = true;
                        } else if (ch === 93) {
                            insideBrackets = false;
                        } else if ((ch === 58 && !insideBrackets) || ch === 47 || ch === 63
                                   || ch === 35 || ch === 92) {
                            break;
                        }
                    }
                    if (j === p) {
                        j = p + 1;
                    }
                    buffer += input.substring(p, j);
                    p = j - 1;
                }
                break;

            case 13: /* PORT */
                if (isDigit(c)) {
                    buffer += input.charAt(p);
                } else if (c === -1 || c === 47 || c === 63 || c === 35
                           || (special && c === 92) || override) {
                    if (buffer !== "") {
                        port = parseInt(buffer, 10);
                        if (port > 65535) {
                            return null;
                        }
                        url.port = port === defaultPort(url.scheme) ? null : port;
                        buffer = "";
                        if (override) {
                            return url;
                        }
                    }
                    if (override) {
                        return url;
                    }
                    state = PATH_START;
                    p--;
                } else {
                    return null;
                }
                break;

            case 14: /* FILE */
                url.scheme = "file";
                url.host = "";
                if (c === 47 || c === 92) {
                    state = FILE_SLASH;
                } else if (base && base.scheme === "file") {
                    url.host = base.host;
                    url.path = base.path.slice();
                    url.query = base.query;
                    if (c === 63) {
                        url.query = "";
                        state = QUERY_STATE;
                    } else if (c === 35) {
                        url.fragment = "";
                        state = FRAGMENT_STATE;
                    } else if (c !== -1) {
                        url.query = null;
                        if (!startsWithWindowsDriveLetter(input, p)) {
                            shortenPath(url);
                        } else {
                            url.path = [];
                        }
                        state = PATH_STATE;
                        p--;
                    }
                } else {
                    state = PATH_STATE;
                    p--;
                }
                break;

            case 15: /* FILE_SLASH */
                if (c === 47 || c === 92) {
                    state = FILE_HOST;
                } else {
                    if (base && base.scheme === "file") {
                        url.host = base.host;
                        if (!startsWithWindowsDriveLetter(input, p) && base.path.length > 0
                            && isWindowsDriveLetter(base.path[0], true)) {
                            url.path.push(base.path[0]);
                        }
                    }
                    state = PATH_STATE;
                    p--;
                }
                break;

            case 16: /* FILE_HOST */
                if (c === -1 || c === 47 || c === 92 || c === 63 || c === 35) {
                    p--;
                    if (!override && isWindowsDriveLetter(buffer, false)) {
                        state = PATH_STATE;
                    } else if (buffer === "") {
                        url.host = "";
                        if (override) {
                            return url;
                        }
                        state = PATH_START;
                    } else {
                        host = parseHost(buffer, !special);
                        if (host === null) {
                            return null;
                        }
                        if (host === "localhost") {
                            host = "";
                        }
                        url.host = host;
                        if (override) {
                            return url;
                        }
                        buffer = "";
                        state = PATH_START;
                    }
                } else {
                    buffer += input.charAt(p);
                }
                break;

            case 17: /* PATH_START */
                if (special) {
                    state = PATH_STATE;
                    if (c !== 47 && c !== 92) {
                        p--;
                    }
                } else if (!override && c === 63) {
                    url.query = "";
                    state = QUERY_STATE;
                } else if (!override && c === 35) {
                    url.fragment = "";
                    state = FRAGMENT_STATE;
                } else if (c !== -1) {
                    state = PATH_STATE;
                    if (c !== 47) {
                        p--;
                    }
                } else if (override && url.host === null) {
                    url.path.push("");
                }
                break;

            case 18: /* PATH_STATE */
                if (c === -1 || c === 47 || (special && c === 92)
                    || (!override && (c === 63 || c === 35))) {
                    seg = pctEncode(buffer, PATH, false);
                    if (isDoubleDot(seg)) {
                        shortenPath(url);
                        if (c !== 47 && !(special && c === 92)) {
                            url.path.push("");
                        }
                    } else if (isSingleDot(seg) && c !== 47 && !(special && c === 92)) {
                        url.path.push("");
                    } else if (!isSingleDot(seg)) {
                        if (url.scheme === "file" && url.path.length === 0
                            && isWindowsDriveLetter(seg, false)) {
                            seg = seg.charAt(0) + ":";
                        }
                        url.path.push(seg);
                    }
                    buffer = "";
                    if (c === 63) {
                        url.query = "";
                        state = QUERY_STATE;
                    } else if (c === 35) {
                        url.fragment = "";
                        state = FRAGMENT_STATE;
                    }
                } else {
                    /* Runs of plain characters at once. */
                    for (j = p + 1; j < len; j++) {
                        ch = input.charCodeAt(j);
                        if (ch === 47 || ch === 92 || ch === 63 || ch === 35) {
                            break;
                        }
                    }
                    buffer += input.substring(p, j);
                    p = j - 1;
                }
                break;

            case 19: /* OPAQUE_PATH */
                if (c === 63) {
                    url.path += pctEncode(buffer, C0, false);
                    buffer = "";
                    url.query = "";
                    state = QUERY_STATE;
                } else if (c === 35) {
                    url.path += pctEncode(buffer, C0, false);
                    buffer = "";
                    url.fragment = "";
                    state = FRAGMENT_STATE;
                } else if (c === 32) {
                    ch = input.charCodeAt(p + 1);
                    buffer += (ch === 63 || ch === 35) ? "%20" : " ";
                } else if (c !== -1) {
                    buffer += input.charAt(p);
                } else {
                    url.path += pctEncode(buffer, C0, false);
                    buffer = "";
                }
                break;

            case 20: /* QUERY_STATE */
                if ((!override && c === 35) || c === -1) {
                    url.query += pctEncode(buffer, special ? SPECIAL_QUERY : QUERY, false);
                    buffer = "";
                    if (c === 35) {
                        url.fragment = "";
                        state = FRAGMENT_STATE;
                    }
                } else {
                    for (j = p + 1; j < len && input.charCodeAt(j) !== 35; j++) {
                    }
                    buffer += input.substring(p, j);
                    p = j - 1;
                }
                break;

            case 21: /* FRAGMENT_STATE */
                if (c !== -1) {
                    buffer += input.substring(p);
                    p = len - 1;
                } else {
                    url.fragment += pctEncode(buffer, FRAGMENT, false);
                    buffer = "";
                }
                break;
            }
        }
        return url;
    }

    function serializePath(url) {
        var out = "", i;
        if (typeof url.path === "string") {
            return url.path;
        }
        for (i = 0; i < url.path.length; i++) {
            out += "/" + url.path[i];
        }
        return out;
    }

    function serialize(url, excludeFragment) {
        var out = url.scheme + ":";
        if (url.host !== null) {
            out += "//";
            if (url.username !== "" || url.password !== "") {
                out += url.username;
                if (url.password !== "") {
                    out += ":" + url.password;
                }
                out += "@";
            }
            out += url.host;
            if (url.port !== null) {
                out += ":" + url.port;
            }
        } else if (typeof url.path !== "string" && url.path.length > 1 && url.path[0] === "") {
            out += "/.";
        }
        out += serializePath(url);
        if (url.query !== null) {
            out += "?" + url.query;
        }
        if (!excludeFragment && url.fragment !== null) {
            out += "#" + url.fragment;
        }
        return out;
    }

    function origin(url) {
        var inner;
        switch (url.scheme) {
        case "blob":
            inner = basicParse(serializePath(url), null);
            if (inner !== null && (inner.scheme === "http" || inner.scheme === "https")) {
                return origin(inner);
            }
            return "null";
        case "ftp":
        case "http":
        case "https":
        case "ws":
        case "wss":
            return url.scheme + "://" + url.host + (url.port !== null ? ":" + url.port : "");
        default:
            return "null";
        }
    }

    function stripTrailingSpaces(url) {
        var s;
        if (typeof url.path !== "string" || url.fragment !== null || url.query !== null) {
            return;
        }
        s = url.path;
        while (s.length > 0 && s.charCodeAt(s.length - 1) === 32) {
            s = s.substring(0, s.length - 1);
        }
        url.path = s;
    }

    /* --- URL ------------------------------------------------------------------- */

    function parseWithBase(url, base) {
        var b = null;
        if (base !== undefined) {
            b = basicParse(String(base), null);
            if (b === null) {
                return undefined;
            }
        }
        return basicParse(String(url), b);
    }

    /* A URL is either lazy (_href: an input that is its own href, see
     * bind_url.c; _url null) or a parsed record (_url; _href null). Getters
     * read a lazy one's pieces with native.urlPart; anything that changes it
     * (or needs its record) parses it first (rec). No `arguments` here: a
     * function that reads it costs Duktape an object per call, so new URL()
     * and new URL(undefined) get the same TypeError. */
    function URL(url, base) {
        var rec;
        if (!(this instanceof URL)) {
            throw new TypeError("Failed to construct 'URL': Please use the 'new' operator, "
                                + "this DOM object constructor cannot be called as a function.");
        }
        if (typeof url === "string" && base === undefined && urlCanonical(url)) {
            this._href = url;
            return;
        }
        if (url === undefined && base === undefined) {
            throw new TypeError("Failed to construct 'URL': 1 argument required, but only 0 "
                                + "present (or it is undefined).");
        }
        rec = parseWithBase(url, base);
        if (rec === undefined) {
            throw new TypeError("Failed to construct 'URL': Invalid base URL");
        }
        if (rec === null) {
            throw new TypeError("Failed to construct 'URL': Invalid URL");
        }
        this._url = rec;
    }
    lib.define(URL.prototype, "_url", null);
    lib.define(URL.prototype, "_href", null);
    lib.define(URL.prototype, "_params", null);

    /* The record of URL u, parsed now if u is lazy. */
    function rec(u) {
        var r = u._url;
        if (r === null && typeof u._href === "string") {
            r = splitRecord(urlSplit(u._href));
            u._url = r;
            u._href = null;
        }
        return r;
    }

    function fromRecord(r) {
        var u = Object.create(URL.prototype);
        u._url = r;
        return u;
    }

    lib.define(URL, "canParse", function canParse(url, base) {
        if (arguments.length < 1) {
            throw new TypeError("Failed to execute 'canParse' on 'URL': 1 argument required, "
                                + "but only 0 present.");
        }
        var rec = parseWithBase(url, base);
        return rec !== undefined && rec !== null;
    });
    lib.define(URL, "parse", function parse(url, base) {
        if (arguments.length < 1) {
            throw new TypeError("Failed to execute 'parse' on 'URL': 1 argument required, but "
                                + "only 0 present.");
        }
        var rec = parseWithBase(url, base);
        return rec === undefined || rec === null ? null : fromRecord(rec);
    });

    function updateParams(u) {
        if (u._params !== null) {
            u._params._list = formParse(u._url.query === null ? "" : u._url.query);
        }
    }

    function accessor(name, get, set) {
        Object.defineProperty(URL.prototype, name, {
            get: get, set: set, enumerable: true, configurable: true
        });
    }

    accessor("href", function () {
        var h = this._href;
        return typeof h === "string" ? h : serialize(this._url, false);
    }, function (v) {
        var r = basicParse(String(v), null);
        if (r === null) {
            throw new TypeError("Failed to set the 'href' property on 'URL': Invalid URL");
        }
        this._url = r;
        this._href = null;
        updateParams(this);
    });
    accessor("origin", function () {
        var h = this._href;
        return typeof h === "string" ? urlPart(h, 7) : origin(this._url);
    });
    accessor("protocol", function () {
        var h = this._href;
        return typeof h === "string" ? urlPart(h, 0) : this._url.scheme + ":";
    }, function (v) {
        basicParse(String(v) + ":", null, rec(this), SCHEME_START);
    });
    accessor("username", function () {
        return typeof this._href === "string" ? "" : this._url.username;
    }, function (v) {
        var u = rec(this);
        if (!cannotHaveCredentialsOrPort(u)) {
            u.username = pctEncode(String(v), USERINFO, false);
        }
    });
    accessor("password", function () {
        return typeof this._href === "string" ? "" : this._url.password;
    }, function (v) {
        var u = rec(this);
        if (!cannotHaveCredentialsOrPort(u)) {
            u.password = pctEncode(String(v), USERINFO, false);
        }
    });
    accessor("host", function () {
        var u = this._href;
        if (typeof u === "string") {
            return urlPart(u, 1);
        }
        u = this._url;
        if (u.host === null) {
            return "";
        }
        return u.port === null ? u.host : u.host + ":" + u.port;
    }, function (v) {
        var u = rec(this);
        if (typeof u.path !== "string") {
            setWith(u, String(v), HOST);
        }
    });
    accessor("hostname", function () {
        var u = this._href;
        if (typeof u === "string") {
            return urlPart(u, 2);
        }
        u = this._url;
        return u.host === null ? "" : u.host;
    }, function (v) {
        var u = rec(this);
        if (typeof u.path !== "string") {
            setWith(u, String(v), HOSTNAME);
        }
    });
    accessor("port", function () {
        var u = this._href;
        if (typeof u === "string") {
            return urlPart(u, 3);
        }
        u = this._url;
        return u.port === null ? "" : String(u.port);
    }, function (v) {
        var u = rec(this);
        v = String(v);
        if (cannotHaveCredentialsOrPort(u)) {
            return;
        }
        if (v === "") {
            u.port = null;
        } else {
            setWith(u, v, PORT);
        }
    });
    accessor("pathname", function () {
        var h = this._href;
        return typeof h === "string" ? urlPart(h, 4) : serializePath(this._url);
    }, function (v) {
        var u = rec(this);
        if (typeof u.path === "string") {
            return;
        }
        u.path = [];
        basicParse(String(v), null, u, PATH_START);
    });
    accessor("search", function () {
        var q;
        if (typeof this._href === "string") {
            return urlPart(this._href, 5);
        }
        q = this._url.query;
        return q === null || q === "" ? "" : "?" + q;
    }, function (v) {
        var u = rec(this);
        v = String(v);
        if (v === "") {
            u.query = null;
            if (this._params !== null) {
                this._params._list = [];
            }
            stripTrailingSpaces(u);
            return;
        }
        if (v.charAt(0) === "?") {
            v = v.substring(1);
        }
        u.query = "";
        basicParse(v, null, u, QUERY_STATE);
        updateParams(this);
    });
    accessor("searchParams", function () {
        var p = this._params, q;
        if (p === null) {
            q = this._href;
            if (typeof q === "string") {
                q = queryParse(q);
            } else {
                q = this._url.query;
                q = q === null ? [] : formParse(q);
            }
            p = this._params = new OwnedParams(q, this);
        }
        return p;
    });
    accessor("hash", function () {
        var f;
        if (typeof this._href === "string") {
            return urlPart(this._href, 6);
        }
        f = this._url.fragment;
        return f === null || f === "" ? "" : "#" + f;
    }, function (v) {
        var u = rec(this);
        v = String(v);
        if (v === "") {
            u.fragment = null;
            stripTrailingSpaces(u);
            return;
        }
        if (v.charAt(0) === "#") {
            v = v.substring(1);
        }
        u.fragment = "";
        basicParse(v, null, u, FRAGMENT_STATE);
    });

    /* The standard's setters parse into the URL itself: what a failing parse
     * changed before it failed stays (host:port with a bad port). */
    function setWith(u, v, override) {
        basicParse(v, null, u, override);
    }

    lib.define(URL.prototype, "toString", function toString() {
        var h = this._href;
        return typeof h === "string" ? h : serialize(this._url, false);
    });
    lib.define(URL.prototype, "toJSON", function toJSON() {
        var h = this._href;
        return typeof h === "string" ? h : serialize(this._url, false);
    });
    Object.defineProperty(URL.prototype, Symbol.toStringTag, {
        value: "URL", configurable: true
    });

    /* --- URLSearchParams ------------------------------------------------------- */

    /* _list is flat: [name, value, name, value...] (native.urlencodedParse
     * makes it in one call). */
    function serializeUrlencoded(list) {
        var out = "", i;
        for (i = 0; i < list.length; i += 2) {
            if (i > 0) {
                out += "&";
            }
            out += pctEncode(list[i], FORM, true) + "=" + pctEncode(list[i + 1], FORM, true);
        }
        return out;
    }

    /* USVString: lone surrogates become U+FFFD. */
    function usv(v) {
        var s = String(v), i, c, d, out = null, start = 0;
        for (i = 0; i < s.length; i++) {
            c = s.charCodeAt(i);
            if (c < 0xD800 || c > 0xDFFF) {
                continue;
            }
            d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
            if (c <= 0xDBFF && d >= 0xDC00 && d <= 0xDFFF) {
                i++;
                continue;
            }
            out = (out === null ? "" : out) + s.substring(start, i) + "\ufffd";
            start = i + 1;
        }
        return out === null ? s : out + s.substring(start);
    }

    /* _owner: the URL whose query this is (OwnedParams), or null. */
    function URLSearchParams(init) {
        var list = [], i, pair, k;
        if (!(this instanceof URLSearchParams)) {
            throw new TypeError("Failed to construct 'URLSearchParams': Please use the 'new' "
                                + "operator, this DOM object constructor cannot be called as "
                                + "a function.");
        }
        if (init !== undefined && init !== null && (typeof init === "object"
                                                    || typeof init === "function")) {
            if (init instanceof URLSearchParams) {
                list = init._list.slice();
            } else if (typeof init[Symbol.iterator] === "function") {
                init = init instanceof Array ? init : lib.iterToArray(init);
                for (i = 0; i < init.length; i++) {
                    pair = init[i];
                    if (pair !== null && typeof pair === "object" && !(pair instanceof Array)
                        && typeof pair[Symbol.iterator] === "function") {
                        pair = lib.iterToArray(pair);
                    }
                    if (pair === null || typeof pair !== "object" || pair.length !== 2) {
                        throw new TypeError("Failed to construct 'URLSearchParams': "
                                            + "Sequence initializer must only contain pair "
                                            + "elements");
                    }
                    list.push(usv(pair[0]), usv(pair[1]));
                }
            } else {
                for (k in init) {
                    if (hasOwn.call(init, k)) {
                        list.push(usv(k), usv(init[k]));
                    }
                }
            }
        } else if (init !== undefined) {
            init = usv(init);
            if (init.charAt(0) === "?") {
                init = init.substring(1);
            }
            list = formParse(init);
        }
        this._list = list;
    }
    lib.define(URLSearchParams.prototype, "_owner", null);

    /* A URL's searchParams: list (flat) and owner given, no checks. */
    function OwnedParams(list, owner) {
        this._list = list;
        this._owner = owner;
    }
    OwnedParams.prototype = URLSearchParams.prototype;

    function update(sp) {
        var u, q;
        if (sp._owner === null) {
            return;
        }
        u = rec(sp._owner);
        q = serializeUrlencoded(sp._list);
        u.query = q === "" ? null : q;
        if (q === "") {
            stripTrailingSpaces(u);
        }
    }

    function need(n, args, method) {
        if (args.length < n) {
            throw new TypeError("Failed to execute '" + method + "' on 'URLSearchParams': " + n
                                + " argument" + (n > 1 ? "s" : "") + " required, but only "
                                + args.length + " present.");
        }
    }

    var SP = URLSearchParams.prototype;
    lib.define(SP, "append", function append(name, value) {
        need(2, arguments, "append");
        this._list.push(usv(name), usv(value));
        update(this);
    });
    lib.define(SP, "delete", function (name, value) {
        var l = this._list, out = [], i;
        need(1, arguments, "delete");
        name = usv(name);
        if (value !== undefined) {
            value = usv(value);
        }
        for (i = 0; i < l.length; i += 2) {
            if (!(l[i] === name && (value === undefined || l[i + 1] === value))) {
                out.push(l[i], l[i + 1]);
            }
        }
        this._list = out;
        update(this);
    });
    lib.define(SP, "get", function get(name) {
        var l = this._list, i;
        need(1, arguments, "get");
        name = usv(name);
        for (i = 0; i < l.length; i += 2) {
            if (l[i] === name) {
                return l[i + 1];
            }
        }
        return null;
    });
    lib.define(SP, "getAll", function getAll(name) {
        var l = this._list, out = [], i;
        need(1, arguments, "getAll");
        name = usv(name);
        for (i = 0; i < l.length; i += 2) {
            if (l[i] === name) {
                out.push(l[i + 1]);
            }
        }
        return out;
    });
    lib.define(SP, "has", function has(name, value) {
        var l = this._list, i;
        need(1, arguments, "has");
        name = usv(name);
        if (value !== undefined) {
            value = usv(value);
        }
        for (i = 0; i < l.length; i += 2) {
            if (l[i] === name && (value === undefined || l[i + 1] === value)) {
                return true;
            }
        }
        return false;
    });
    lib.define(SP, "set", function set(name, value) {
        var l = this._list, out = [], i, found = false;
        need(2, arguments, "set");
        name = usv(name);
        value = usv(value);
        for (i = 0; i < l.length; i += 2) {
            if (l[i] !== name) {
                out.push(l[i], l[i + 1]);
            } else if (!found) {
                out.push(name, value);
                found = true;
            }
        }
        if (!found) {
            out.push(name, value);
        }
        this._list = out;
        update(this);
    });
    lib.define(SP, "sort", function sort() {
        /* Stable, by code units (Array.prototype.sort may not be stable). */
        var l = this._list, idx = [], out = [], i;
        for (i = 0; i < l.length; i += 2) {
            idx.push(i);
        }
        idx.sort(function (a, b) {
            var x = l[a], y = l[b];
            return x < y ? -1 : x > y ? 1 : a - b;
        });
        for (i = 0; i < idx.length; i++) {
            out.push(l[idx[i]], l[idx[i] + 1]);
        }
        this._list = out;
        update(this);
    });
    lib.define(SP, "forEach", function forEach(callback, thisArg) {
        var l, i;
        if (typeof callback !== "function") {
            throw new TypeError("Failed to execute 'forEach' on 'URLSearchParams': parameter 1 "
                                + "is not of type 'Function'.");
        }
        /* Live: the callback may change the list (delete/set replace it). */
        for (i = 0; i < (l = this._list).length; i += 2) {
            if (thisArg === undefined) {
                callback(l[i + 1], l[i], this);
            } else {
                callback.call(thisArg, l[i + 1], l[i], this);
            }
        }
    });
    lib.define(SP, "toString", function toString() {
        return serializeUrlencoded(this._list);
    });
    Object.defineProperty(SP, "size", {
        get: function () { return this._list.length / 2; }, enumerable: true, configurable: true
    });

    /* Live iterators, like the standard's (they see changes made meanwhile);
     * _i indexes the flat list. */
    function ParamsIterator(sp, kind) {
        this._sp = sp;
        this._kind = kind;
        this._i = 0;
    }
    lib.define(ParamsIterator.prototype, "next", function next() {
        var l = this._sp._list, i = this._i;
        if (i >= l.length) {
            return { value: undefined, done: true };
        }
        this._i = i + 2;
        return { value: this._kind === 0 ? [l[i], l[i + 1]] : this._kind === 1 ? l[i] : l[i + 1],
                 done: false };
    });
    ParamsIterator.prototype[Symbol.iterator] = function () { return this; };
    Object.defineProperty(ParamsIterator.prototype, Symbol.toStringTag, {
        value: "URLSearchParams Iterator", configurable: true
    });
    lib.define(SP, "entries", function entries() { return new ParamsIterator(this, 0); });
    lib.define(SP, "keys", function keys() { return new ParamsIterator(this, 1); });
    lib.define(SP, "values", function values() { return new ParamsIterator(this, 2); });
    lib.define(SP, Symbol.iterator, SP.entries);
    Object.defineProperty(SP, Symbol.toStringTag, {
        value: "URLSearchParams", configurable: true
    });

    /* For Request/Response.redirect: the href of an absolute URL, else TypeError. */
    lib.parseURL = function (s, who) {
        var r;
        s = String(s);
        if (urlCanonical(s)) {
            return s;
        }
        r = basicParse(s, null);
        if (r === null) {
            throw new TypeError((who ? who + ": " : "") + "Invalid URL: " + s);
        }
        return serialize(r, false);
    };
    /* For tests (toascii.json): the host parser on a special URL's host. */
    lib.urlHostParse = function (s) {
        return parseHost(String(s), false);
    };
    /* For formData() (lazy/blob.js): [[name, value]...]. */
    lib.urlencodedParse = function (s) {
        var l = formParse(s), out = [], i;
        for (i = 0; i < l.length; i += 2) {
            out.push([l[i], l[i + 1]]);
        }
        return out;
    };
    lib.URL = URL;
    lib.URLSearchParams = URLSearchParams;
    lib.define(global, "URL", URL);
    lib.define(global, "URLSearchParams", URLSearchParams);
}
