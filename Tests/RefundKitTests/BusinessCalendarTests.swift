import Foundation
import Testing
import RefundModel
import TestReports

/// 2026-11-20 is a Friday, 2026-11-21/22 the weekend.
@Suite struct BusinessCalendarTests {
    let india = BusinessCalendar()
    let hours = 3600.0

    @Test func fridayEveningCountsSixHoursThenSkipsTheWeekend() {
        // Fri 6 h + Mon 24 + Tue 24 + Wed 18 = 72.
        #expect(india.adding(72 * hours, to: moment(2026, 11, 20, 18)) == moment(2026, 11, 25, 18))
    }

    @Test func aRefundMadeOnSaturdayStartsCountingOnMonday() {
        #expect(india.adding(72 * hours, to: moment(2026, 11, 21, 10)) == moment(2026, 11, 26, 0))
        #expect(india.adding(72 * hours, to: moment(2026, 11, 22, 23, 59)) == moment(2026, 11, 26, 0))
    }

    @Test func aBankHolidayIsSkippedLikeASunday() {
        // Friday 2026-12-25 is a holiday: Thursday 18:00 + 24 business hours is Monday 18:00, not Friday's.
        let christmas = BusinessCalendar(holidays: [BusinessCalendar.Day("2026-12-25")!])
        #expect(india.adding(24 * hours, to: moment(2026, 12, 24, 18)) == moment(2026, 12, 25, 18))
        #expect(christmas.adding(24 * hours, to: moment(2026, 12, 24, 18)) == moment(2026, 12, 28, 18))
        #expect(christmas.businessSeconds(from: moment(2026, 12, 24, 0), to: moment(2026, 12, 29, 0)) == 48 * hours)
        // A refund made on the holiday starts counting on the next business day.
        #expect(christmas.adding(1 * hours, to: moment(2026, 12, 25, 9)) == moment(2026, 12, 28, 1))
    }

    @Test func businessTimeBetweenTwoMomentsLeavesOutTheWeekend() {
        #expect(india.businessSeconds(from: moment(2026, 11, 20, 18), to: moment(2026, 11, 23, 6)) == 12 * hours)
        #expect(india.businessSeconds(from: moment(2026, 11, 21, 0), to: moment(2026, 11, 23, 0)) == 0)
        #expect(india.businessSeconds(from: moment(2026, 11, 16, 0), to: moment(2026, 11, 30, 0)) == 240 * hours)
        #expect(india.businessSeconds(from: moment(2026, 11, 23, 0), to: moment(2026, 11, 20, 0)) == 0)
    }

    @Test func weekendsAreIndiasWhateverZoneTheMomentIsWrittenIn() {
        // Friday 20:00 UTC is already Saturday 01:30 in India: India's calendar starts on Monday.
        let utc = TimeZone(identifier: "UTC")!
        let fridayEveningUTC = moment(2026, 11, 20, 20, in: utc)
        #expect(india.adding(72 * hours, to: fridayEveningUTC) == moment(2026, 11, 26, 0))
        // A calendar kept in UTC counts Friday's last 4 hours: a different answer, on purpose.
        #expect(BusinessCalendar(timeZone: utc).adding(72 * hours, to: fridayEveningUTC) == moment(2026, 11, 25, 20, in: utc))
        // New York's daylight saving ends on 2026-11-01: a 25-hour Sunday does not count, Monday's 24 do.
        let newYork = TimeZone(identifier: "America/New_York")!
        let friday = moment(2026, 10, 30, 12, in: newYork)
        #expect(BusinessCalendar(timeZone: newYork).adding(24 * hours, to: friday) == moment(2026, 11, 2, 12, in: newYork))
    }

    @Test func datesAreReadStrictly() {
        #expect(BusinessCalendar.Day("2026-12-25")?.description == "2026-12-25")
        #expect(BusinessCalendar.Day("2028-02-29")?.description == "2028-02-29")
        for bad in ["2026-02-29", "2026-13-01", "2026-12-32", "25-12-2026", "2026/12/25", "2026-12-5", "", "christmas"] {
            #expect(BusinessCalendar.Day(bad) == nil, "\(bad) is not a date")
        }
        #expect(BusinessCalendar.Day("1970-01-01")?.weekday == 4, "a Thursday")
        #expect(BusinessCalendar.Day("2026-12-05")?.weekday == 6, "a Saturday")
    }

    /// The fast arithmetic against a plain one written with Foundation's Calendar, on random
    /// moments, limits, zones and holidays. SEED=<n> repeats a failure.
    @Test func agreesWithAPlainCalendarOnRandomDeadlines() {
        let seed = SeededRandom.seedFromEnvironment()
        var random = SeededRandom(seed: seed)
        let zones = ["Asia/Kolkata", "UTC", "America/New_York", "Europe/London"].map { TimeZone(identifier: $0)! }
        let start2026 = moment(2026, 1, 1, 0).timeIntervalSince1970
        var failures = 0
        for round in 0..<400 where failures < 5 {
            let zone = zones[Int(random.next() % UInt64(zones.count))]
            // Holidays: a few random days of the two years, weekends among them on purpose.
            var holidays = Set<BusinessCalendar.Day>()
            let firstDay = BusinessCalendar.Day("2026-01-01")!.number
            for _ in 0..<Int(random.next() % 30) { holidays.insert(BusinessCalendar.Day(number: firstDay + Int(random.next() % 730))) }
            let calendar = BusinessCalendar(timeZone: zone, holidays: holidays)
            let reference = PlainBusinessCalendar(timeZone: zone, holidays: Set(holidays.map(\.description)))
            let start = Date(timeIntervalSince1970: start2026 + Double(random.next() % (700 * 86_400)))
            let limit = Double(random.next() % (10 * 86_400))
            let fast = calendar.adding(limit, to: start)
            let plain = reference.adding(limit, to: start)
            let between = calendar.businessSeconds(from: start, to: plain)
            let plainBetween = reference.businessSeconds(from: start, to: plain)
            if fast != plain || between != plainBetween || abs(plainBetween - limit) > 0.001 {
                failures += 1
                Issue.record("round \(round), seed \(seed) (SEED=\(seed) repeats it): \(zone.identifier), start \(start), limit \(limit) s, holidays \(holidays.sorted()): fast \(fast), plain \(plain); between \(between) vs \(plainBetween)")
            }
        }
    }
}

/// Business time the slow, obvious way: Foundation's Calendar for each day's start, weekday and date.
struct PlainBusinessCalendar {
    let timeZone: TimeZone
    let holidays: Set<String>

    var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    func isBusinessDay(_ date: Date) -> Bool {
        let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: date)
        let text = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        return (2...6).contains(parts.weekday!) && !holidays.contains(text)
    }

    func adding(_ seconds: TimeInterval, to start: Date) -> Date {
        var remaining = seconds
        var cursor = start
        while true {
            let nextDay = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: cursor))!
            if isBusinessDay(cursor) {
                let available = nextDay.timeIntervalSince(cursor)
                if remaining <= available { return cursor.addingTimeInterval(remaining) }
                remaining -= available
            }
            cursor = nextDay
        }
    }

    func businessSeconds(from start: Date, to end: Date) -> TimeInterval {
        var total: TimeInterval = 0
        var cursor = start
        while cursor < end {
            let nextDay = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: cursor))!
            let segmentEnd = min(nextDay, end)
            if isBusinessDay(cursor) { total += segmentEnd.timeIntervalSince(cursor) }
            cursor = segmentEnd
        }
        return total
    }
}
