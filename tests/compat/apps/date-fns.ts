// date-fns 4 in a Worker: parsing, arithmetic and formatting of fixed dates
// (UTC, so both runtimes agree whatever the machine's time zone).
import { addDays, differenceInCalendarDays, formatISO, parseISO, isValid, isWeekend,
         eachDayOfInterval, startOfMonth, endOfMonth, formatDistanceStrict,
         getISOWeek, addMonths, compareAsc, max, min, intervalToDuration } from "date-fns";

export default {
    fetch(request: Request): Response {
        const url = new URL(request.url);
        const d = parseISO(url.searchParams.get("d") ?? "2024-02-27T10:00:00Z");
        if (!isValid(d)) {
            return Response.json({ error: "invalid date" }, { status: 400 });
        }
        const e = addDays(d, 5);
        const days = eachDayOfInterval({ start: d, end: e });
        return Response.json({
            plus5: e.toISOString(),
            diff: differenceInCalendarDays(e, d),
            days: days.map((x) => x.getTime()),
            weekends: days.filter((x) => isWeekend(x)).length,
            month: [startOfMonth(d).getTime(), endOfMonth(d).getTime()],
            week: getISOWeek(d),
            nextMonth: addMonths(d, 1).getTime(),
            sorted: [e, d, addDays(d, -3)].sort(compareAsc).map((x) => x.getTime()),
            range: [min([d, e]).getTime(), max([d, e]).getTime()],
            distance: formatDistanceStrict(d, e),
            duration: intervalToDuration({ start: d, end: addMonths(e, 14) }),
            iso: formatISO(new Date(Date.UTC(2020, 0, 1)), { representation: "date" }).length,
        });
    },
};
