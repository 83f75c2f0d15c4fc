/* new Date(date) copies the time value (ES2015; duk-patches/47): with V8's
 * toString() (no milliseconds) the ES5 path, ToPrimitive + parse, dropped
 * them, so dayjs' clones (add, startOf, set...) answered .000 where Node
 * answers .999. Expected values are Node 20's. */
(function () {
    var check = T.check;
    var d = new Date(Date.UTC(2024, 0, 31, 23, 59, 59, 999));

    check("milliseconds kept", new Date(d).getTime(), 1706745599999);
    check("a negative time value", new Date(new Date(-500)).getTime(), -500);
    check("the largest time value", new Date(new Date(8.64e15)).getTime(), 8.64e15);
    check("an invalid date stays invalid", isNaN(new Date(new Date(NaN)).getTime()), true);
    d.toString = function () { return "not a date"; };
    d.valueOf = function () { return 0; };
    check("neither toString nor valueOf is called", new Date(d).getTime(), 1706745599999);
    check("a subclass-like date (prototype swapped)", new Date(Object.setPrototypeOf(
        new Date(123), Object.prototype)).getTime(), 123);
    check("a date-like object still goes through valueOf",
          new Date({ valueOf: function () { return 5; } }).getTime(), 5);
    check("a string still parses", new Date("2024-01-31T23:59:59.999Z").getTime(), 1706745599999);
    check("a number", new Date(1706745599999).getUTCMilliseconds(), 999);
})();
