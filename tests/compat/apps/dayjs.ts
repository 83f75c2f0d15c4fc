// dayjs 1.11 in a Worker: parsing (ISO, timestamps, customParseFormat with
// strict mode and locales), arithmetic, startOf/endOf, format tokens, diff with
// and without float, comparisons, sorting, and the plugins utc, relativeTime,
// customParseFormat, advancedFormat, duration, isoWeek, weekOfYear, weekYear, dayOfYear,
// isBetween, isLeapYear, minMax, localizedFormat, objectSupport, with the fr and
// ja locales. Everything runs in UTC mode (dayjs.utc), so both runtimes agree
// whatever the machine's time zone.
// Left out: the timezone plugin (it needs Intl.DateTimeFormat, which the
// engine lacks) and fromNow()/toNow() against the real clock (checked by shape).
import dayjs from "dayjs";
import utc from "dayjs/plugin/utc";
import relativeTime from "dayjs/plugin/relativeTime";
import customParseFormat from "dayjs/plugin/customParseFormat";
import advancedFormat from "dayjs/plugin/advancedFormat";
import duration from "dayjs/plugin/duration";
import isoWeek from "dayjs/plugin/isoWeek";
import weekOfYear from "dayjs/plugin/weekOfYear";
import weekYear from "dayjs/plugin/weekYear";
import dayOfYear from "dayjs/plugin/dayOfYear";
import isBetween from "dayjs/plugin/isBetween";
import isLeapYear from "dayjs/plugin/isLeapYear";
import minMax from "dayjs/plugin/minMax";
import localizedFormat from "dayjs/plugin/localizedFormat";
import objectSupport from "dayjs/plugin/objectSupport";
import "dayjs/locale/fr";
import "dayjs/locale/ja";

dayjs.extend(utc);
dayjs.extend(relativeTime);
dayjs.extend(customParseFormat);
dayjs.extend(advancedFormat);
dayjs.extend(duration);
dayjs.extend(isoWeek);
dayjs.extend(weekOfYear);
dayjs.extend(weekYear);
dayjs.extend(dayOfYear);
dayjs.extend(isBetween);
dayjs.extend(isLeapYear);
dayjs.extend(minMax);
dayjs.extend(localizedFormat);
dayjs.extend(objectSupport);

const TOKENS = "YY YYYY M MM MMM MMMM D DD d dd ddd dddd H HH h hh m mm s ss SSS Z ZZ A a " +
               "[escaped] Q Do k kk X x w ww W WW DDDD gggg GGGG";

function describe(d: dayjs.Dayjs) {
    return {
        valid: d.isValid(),
        iso: d.isValid() ? d.toISOString() : null,
        ms: d.valueOf(),
        parts: [d.year(), d.month(), d.date(), d.day(), d.hour(), d.minute(), d.second(),
                d.millisecond()],
        fmt: d.format(TOKENS),
        defaultFmt: d.format(),
        json: d.toJSON(),
        str: d.toString(),
    };
}

export default {
    async fetch(request: Request): Promise<Response> {
        const url = new URL(request.url);
        const q = (k: string, dflt: string) => url.searchParams.get(k) ?? dflt;
        switch (url.pathname) {
        case "/parse": {
            // ISO strings, with and without offsets, a timestamp, and a custom format.
            const fmt = url.searchParams.get("fmt");
            const loc = url.searchParams.get("locale") ?? undefined;
            const strict = url.searchParams.has("strict");
            const s = q("d", "2024-02-29T13:45:30.123Z");
            const d = fmt ? dayjs.utc(s, fmt, loc, strict)
                          : /^\d+$/.test(s) ? dayjs.utc(Number(s)) : dayjs.utc(s);
            return Response.json(describe(d));
        }
        case "/math": {
            const d = dayjs.utc(q("d", "2024-01-31T23:59:59.999Z"));
            const units = ["year", "month", "week", "day", "hour", "minute", "second",
                           "millisecond"] as const;
            const out: Record<string, unknown> = {};
            for (const u of units) {
                out[u] = [d.add(1, u).toISOString(), d.subtract(13, u).toISOString(),
                          d.startOf(u).toISOString(), d.endOf(u).toISOString()];
            }
            out.isoWeek = [d.startOf("isoWeek").toISOString(), d.endOf("isoWeek").toISOString()];
            out.quarter = d.add(1, "quarter" as dayjs.ManipulateType).toISOString();
            out.fractional = [d.add(1.5, "day").toISOString(), d.add(-0.5, "hour").toISOString()];
            out.set = [d.set("month", 1).toISOString(), d.date(0).toISOString(),
                       d.set("hour", 25).toISOString(), d.month(13).toISOString()];
            out.dayOfYear = [d.dayOfYear(), d.dayOfYear(366).toISOString()];
            out.weeks = [d.week(), d.isoWeek(), d.isoWeekday(), d.isoWeekYear()];
            out.leap = [d.isLeapYear(), d.add(1, "year").isLeapYear(), dayjs.utc("2000-06-01").isLeapYear(),
                        dayjs.utc("1900-06-01").isLeapYear()];
            out.daysInMonth = [d.daysInMonth(), d.add(1, "month").daysInMonth()];
            return Response.json(out);
        }
        case "/diff": {
            const a = dayjs.utc(q("a", "2024-03-31T10:00:00Z"));
            const b = dayjs.utc(q("b", "2023-02-28T22:30:15.500Z"));
            const units = ["year", "month", "quarter", "week", "day", "hour", "minute", "second",
                           "millisecond"] as const;
            return Response.json({
                diff: units.map((u) => [u, a.diff(b, u), a.diff(b, u, true), b.diff(a, u)]),
                cmp: [a.isBefore(b), a.isAfter(b), a.isSame(b, "year"), a.isSame(a.add(1, "hour"), "day"),
                      a.isBetween(b, a.add(1, "ms")), a.isBetween(b, a, null, "[]"),
                      a.isBetween(b, a, "day", "()")],
                minmax: [dayjs.min(a, b)!.toISOString(), dayjs.max([a, b, a.add(1, "s")])!.toISOString()],
                sorted: [a, b, a.subtract(1, "day"), b.add(2, "year"), b]
                    .sort((x, y) => x.valueOf() - y.valueOf()).map((x) => x.format("YYYY-MM-DD HH:mm")),
                from: [a.from(b), b.from(a), a.to(b), a.from(b, true), a.add(44, "s").from(a),
                       a.add(45, "s").from(a), a.add(89, "s").from(a), a.add(90, "m").from(a),
                       a.add(21, "h").from(a), a.add(26, "d").from(a), a.add(11, "month").from(a),
                       a.add(18, "month").from(a), a.subtract(3, "year").from(a)],
                fromFr: a.locale("fr").from(b),
                fromJa: a.locale("ja").to(b),
                nowShape: /^\d+ years ago$/.test(dayjs.utc("2001-01-01").fromNow()),
            });
        }
        case "/format": {
            const d = dayjs.utc(q("d", "2024-07-04T05:06:07.089Z"));
            const loc = q("locale", "en");
            const l = d.locale(loc);
            return Response.json({
                tokens: l.format(TOKENS),
                localized: ["LT", "LTS", "L", "LL", "LLL", "LLLL", "l", "ll", "lll", "llll"]
                    .map((t) => l.format(t)),
                months: [0, 5, 11].map((m) => l.month(m).format("MMMM MMM")),
                weekdays: [0, 3, 6].map((w) => l.day(w).format("dddd ddd dd")),
                offset: [d.utcOffset(), d.utcOffset(330).format(), d.utcOffset(-90).format("Z ZZ HH:mm"),
                         d.local().isUTC(), d.isUTC()],
                weekStart: l.startOf("week").format("YYYY-MM-DD dddd"),
                yearEdge: dayjs.utc("2027-01-01").locale(loc).format("gggg-ww GGGG-WW"),
            });
        }
        case "/duration": {
            const ms = Number(q("ms", "93784005"));
            const d = dayjs.duration(ms);
            const iso = dayjs.duration(q("iso", "P1Y2M3DT4H5M6.5S"));
            return Response.json({
                parts: [d.days(), d.hours(), d.minutes(), d.seconds(), d.milliseconds()],
                as: [d.asDays(), d.asHours(), d.asMinutes(), d.asWeeks(), d.asMonths()],
                iso: [d.toISOString(), iso.toISOString(), iso.asSeconds(), iso.months()],
                fmt: d.format("D[d] HH:mm:ss.SSS"),
                human: [d.humanize(), d.humanize(true), dayjs.duration(-ms).humanize(true),
                        d.locale("fr").humanize(true)],
                obj: dayjs.duration({ hours: 1.5, minutes: 75 }).asMinutes(),
                math: d.add(1, "day").subtract(dayjs.duration(30, "minutes")).asHours(),
            });
        }
        case "/object": {
            const d = dayjs.utc({ year: 2010, month: 1, day: 14, hour: 15, minute: 25, second: 50,
                                  millisecond: 125 });
            return Response.json({
                d: d.toISOString(),
                overflow: dayjs.utc({ year: 2021, month: 13, day: 32 }).toISOString(),
                arr: dayjs.utc([2019, 0, 25] as never).isValid(),
                clone: d.clone().add(1, "y").year() - d.year(),
                unix: [dayjs.unix(1700000000.5).utc().toISOString(), d.unix(), d.valueOf()],
                negative: dayjs.utc(-86400000 * 365.25 * 70).toISOString(),
                farPast: dayjs.utc("0099-06-15T00:00:00Z").format("YYYY-MM-DD"),
                far: dayjs.utc("9999-12-31T23:59:59.999Z").add(1, "ms").toISOString(),
                invalid: [dayjs.utc("2024-13-45").isValid(), dayjs.utc("garbage").format(),
                          String(dayjs.utc(NaN).toISOString === undefined)],
            });
        }
        }
        return new Response("not found", { status: 404 });
    },
};
