/* Date strings as V8 (Workers, Node) writes and reads them (worker/js/duk_date.inc,
 * duk-patches/120): toString, toUTCString, toDateString, toTimeString, the en-US
 * toLocale* forms, and Date.parse of HTTP dates, of toString/toUTCString output and
 * of the legacy forms V8 reads. Expected values are Node 20's in UTC (as Workers
 * run; skipped when the process's time zone is not UTC).
 * Stock Duktape wrote toUTCString() as "2024-02-29 12:30:05.123Z" and read none of
 * the non-ISO strings below (NaN). */
(function () {
    var eq = T.eq;
    // [time value, toString, toUTCString, toDateString, toTimeString, toLocaleString,
    //  toLocaleDateString, toLocaleTimeString, Date.parse(toString), Date.parse(toUTCString)]
    var formats = [[0,"Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)","Thu, 01 Jan 1970 00:00:00 GMT","Thu Jan 01 1970","00:00:00 GMT+0000 (Coordinated Universal Time)","1/1/1970, 12:00:00 AM","1/1/1970","12:00:00 AM",0,0],
        [-1,"Wed Dec 31 1969 23:59:59 GMT+0000 (Coordinated Universal Time)","Wed, 31 Dec 1969 23:59:59 GMT","Wed Dec 31 1969","23:59:59 GMT+0000 (Coordinated Universal Time)","12/31/1969, 11:59:59 PM","12/31/1969","11:59:59 PM",-1000,-1000],
        [1709209805123,"Thu Feb 29 2024 12:30:05 GMT+0000 (Coordinated Universal Time)","Thu, 29 Feb 2024 12:30:05 GMT","Thu Feb 29 2024","12:30:05 GMT+0000 (Coordinated Universal Time)","2/29/2024, 12:30:05 PM","2/29/2024","12:30:05 PM",1709209805000,1709209805000],
        [253402300800000,"Sat Jan 01 10000 00:00:00 GMT+0000 (Coordinated Universal Time)","Sat, 01 Jan 10000 00:00:00 GMT","Sat Jan 01 10000","00:00:00 GMT+0000 (Coordinated Universal Time)","1/1/10000, 12:00:00 AM","1/1/10000","12:00:00 AM",253402300800000,253402300800000],
        [-62198755200000,"Fri Jan 01 -0001 00:00:00 GMT+0000 (Coordinated Universal Time)","Fri, 01 Jan -0001 00:00:00 GMT","Fri Jan 01 -0001","00:00:00 GMT+0000 (Coordinated Universal Time)","1/1/2, 12:00:00 AM","1/1/2","12:00:00 AM",null,null],
        [-8640000000000000,"Tue Apr 20 -271821 00:00:00 GMT+0000 (Coordinated Universal Time)","Tue, 20 Apr -271821 00:00:00 GMT","Tue Apr 20 -271821","00:00:00 GMT+0000 (Coordinated Universal Time)","4/20/271822, 12:00:00 AM","4/20/271822","12:00:00 AM",null,null],
        [8640000000000000,"Sat Sep 13 275760 00:00:00 GMT+0000 (Coordinated Universal Time)","Sat, 13 Sep 275760 00:00:00 GMT","Sat Sep 13 275760","00:00:00 GMT+0000 (Coordinated Universal Time)","9/13/275760, 12:00:00 AM","9/13/275760","12:00:00 AM",8640000000000000,8640000000000000],
        [1704067200000,"Mon Jan 01 2024 00:00:00 GMT+0000 (Coordinated Universal Time)","Mon, 01 Jan 2024 00:00:00 GMT","Mon Jan 01 2024","00:00:00 GMT+0000 (Coordinated Universal Time)","1/1/2024, 12:00:00 AM","1/1/2024","12:00:00 AM",1704067200000,1704067200000],
        [1704110400000,"Mon Jan 01 2024 12:00:00 GMT+0000 (Coordinated Universal Time)","Mon, 01 Jan 2024 12:00:00 GMT","Mon Jan 01 2024","12:00:00 GMT+0000 (Coordinated Universal Time)","1/1/2024, 12:00:00 PM","1/1/2024","12:00:00 PM",1704110400000,1704110400000],
        [1704153599000,"Mon Jan 01 2024 23:59:59 GMT+0000 (Coordinated Universal Time)","Mon, 01 Jan 2024 23:59:59 GMT","Mon Jan 01 2024","23:59:59 GMT+0000 (Coordinated Universal Time)","1/1/2024, 11:59:59 PM","1/1/2024","11:59:59 PM",1704153599000,1704153599000]];
    // [string, Date.parse] (null: NaN)
    var parses = [["Wed, 21 Oct 2015 07:28:00 GMT",1445412480000],
        ["Thu Feb 29 2024 12:30:05 GMT+0000 (Coordinated Universal Time)",1709209805000],
        ["Thu Feb 29 2024 12:30:05 GMT+0130",1709204405000],
        ["Sunday, 06-Nov-94 08:49:37 GMT",784111777000],
        ["Sun Nov  6 08:49:37 1994",784111777000],
        ["Oct 21, 2015",1445385600000],
        ["21 Oct 2015",1445385600000],
        ["2015/10/21",1445385600000],
        ["10/21/2015",1445385600000],
        ["10/21/2015 10:00 PM",1445464800000],
        ["Oct 21 2015 22:00:00 EST",1445482800000],
        ["Wed, 21 Oct 2015",1445385600000],
        ["21 Oct 2015 07:28:00 +0100",1445408880000],
        ["Wednesday, 21 October 2015 07:28:00 UTC",1445412480000],
        ["Thu, 01 Jan 1970 00:00:00 GMT",0],
        ["garbage",null],
        ["invalid",null],
        ["Tue, 32 Oct 2015 07:28:00 GMT",null],
        ["12:00",null],
        ["Oct 2015",1443657600000],
        ["Wed Oct 21 2015",1445385600000],
        ["1 2 3",1041465600000],
        ["Sat, 01 Jan 10000 00:00:00 GMT",253402300800000],
        ["Mon, 01 Jan -0001 00:00:00 GMT",null],
        ["x 2015-10-21",1445385600000],
        ["21 October 2015 7:28 am",1445412480000],
        ["2015-10-21 07:28:00 Z",1445412480000],
        ["2015-10-21 07:28:00 GMT-5",1445430480000],
        ["Oct 21",1003622400000],
        ["10/21",1003622400000],
        ["21.10.2015",null],
        ["2015.10.21",1445385600000],
        ["Junk 5 2015",1433462400000],
        ["Oct 21 2015 24:00",1445472000000],
        ["Oct 21 2015 24:01",null],
        ["Oct 21 2015 12:00 AM",1445385600000],
        ["Oct 21 2015 12:00 PM",1445428800000],
        ["Oct 21 2015 13:00 PM",null],
        ["Oct 21 2015 7:28:00.5",1445412480500],
        ["Oct 21 2015 7:28:00.123456789",1445412480123],
        ["Oct 21 2015 07:28:00 +01:30",1445407080000],
        ["Oct 21 2015 07:28:00 GMT+0130 (CET)",1445407080000],
        ["Oct 21 2015 07:28:00 PST",1445441280000],
        ["Oct 21 2015 07:28:00 PDT",1445437680000],
        ["Oct 21 2015 07:28:00 -12345",null],
        ["Oct 21 2015 07:28:00 +999999999:00",628010128000],
        ["Oct 21 2015 07:28:00 -999999999:59",2262818372000],
        ["Oct 21 2015 07:28:00 +596523:14",-702071160000],
        ["Oct 21 2015 07:28:00 +596523:15",null],
        ["Oct 21 2015 07:28:00 -1193046:28",null],
        ["Oct 21 2015 07:28:00 +1193047:00",1445410576000],
        ["Wed21 Oct 2015",null],
        ["Oct 21 2015 (comment (nested)) 10:00",1445421600000],
        ["Sat, 29 Feb 2025 00:00:00 GMT",1740787200000],
        ["Feb 30 2024",1709251200000],
        ["99 Jan 1",915148800000],
        ["Jan 1 49",2493072000000],
        ["Jan 1 50",-631152000000],
        ["1/2/3 4:5:6",1041480306000],
        ["2015-10-21 07:28:00 UTC+2",1445405280000],
        ["  Oct   21   2015  ",1445385600000],
        ["October 21, 2015 07:28:00 Z",1445412480000],
        ["Oct 21 2015 07:28:00 z",1445412480000],
        ["",null]];
    var i, d, f, got;

    if (new Date(0).getTimezoneOffset() !== 0) {
        T.skip("date strings", "the process's time zone is not UTC");
        return;
    }
    for (i = 0; i < formats.length; i++) {
        f = formats[i];
        d = new Date(f[0]);
        eq("formats of " + f[0], [d.toString(), d.toUTCString(), d.toDateString(), d.toTimeString(),
                                  d.toLocaleString(), d.toLocaleDateString(), d.toLocaleTimeString()],
           f.slice(1, 8));
        got = [Date.parse(d.toString()), Date.parse(d.toUTCString())];
        eq("parse back " + f[0], [isNaN(got[0]) ? null : got[0], isNaN(got[1]) ? null : got[1]],
           f.slice(8));
    }
    for (i = 0; i < parses.length; i++) {
        got = Date.parse(parses[i][0]);
        T.check("Date.parse(" + JSON.stringify(parses[i][0]) + ")", isNaN(got) ? null : got, parses[i][1]);
    }
    eq("new Date(string) takes the same path", new Date("Wed, 21 Oct 2015 07:28:00 GMT").getTime(),
       1445412480000);
    eq("Invalid Date", [String(new Date(NaN)), new Date(NaN).toUTCString(), new Date(NaN).toDateString(),
                        new Date(NaN).toLocaleString()],
       ["Invalid Date", "Invalid Date", "Invalid Date", "Invalid Date"]);
    eq("toISOString and toJSON unchanged", [new Date(1709209805123).toISOString(),
                                            JSON.stringify({ d: new Date(0) })],
       ["2024-02-29T12:30:05.123Z", "{\"d\":\"1970-01-01T00:00:00.000Z\"}"]);
    T.check("toISOString of an invalid date throws RangeError",
            T.errName(function () { new Date(NaN).toISOString(); }), "RangeError");
    eq("String(date) and template use toString", "" + new Date(0), formats[0][1]);
    // duk-patches/122: Date.UTC(year), ISO fields out of range, "+0100" offsets
    var iso = [["Date.UTC(2024)", Date.UTC(2024), 1704067200000], ["Date.UTC()", Date.UTC(), null],
               ["Date.UTC(99)", Date.UTC(99), 915148800000],
               ["2024-13-01", Date.parse("2024-13-01"), null], ["2024-00-10", Date.parse("2024-00-10"), null],
               ["+0100", Date.parse("2024-02-29T12:00:00.000+0100"), 1709204400000],
               ["-0530", Date.parse("2024-02-29T12:00:00-0530"), 1709227800000],
               ["T25:00", Date.parse("2015-10-21T25:00:00Z"), null],
               ["T24:00", Date.parse("2015-10-21T24:00:00Z"), 1445472000000],
               ["T24:00:01", Date.parse("2015-10-21T24:00:01Z"), null],
               ["T10:60", Date.parse("2015-10-21T10:60Z"), null], ["day 32", Date.parse("2015-10-32"), null],
               ["offset +24:00", Date.parse("2015-10-21T10:00+24:00"), null],
               ["offset +23:59", Date.parse("2015-10-21T10:00+23:59"), 1445335260000]];
    for (i = 0; i < iso.length; i++) {
        T.check("ISO " + iso[i][0], isNaN(iso[i][1]) ? null : iso[i][1], iso[i][2]);
    }
    eq("a long string does not overflow", Date.parse(new Array(2000).join("9 ") + "Oct"), NaN);
})();
