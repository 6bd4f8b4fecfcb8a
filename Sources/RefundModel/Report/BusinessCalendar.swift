import Foundation

/// Business time, as the banks that move refunds count it: every hour of Monday to Friday counts,
/// Saturdays, Sundays and the listed bank holidays do not. A business day is 24 business hours,
/// so "7 business days" and "168 business hours" are one deadline.
///
/// Days are those of `timeZone`, India's by default, because the banks work on Indian days: the
/// same refund is late at the same moment whatever the operator's own zone. A holiday is a date
/// in that zone ("2026-12-25"); refundwatch ships none, so each year's RBI bank holidays are put
/// into the configuration (`[deadlines] holidays` or `holidays_file`).
///
/// The arithmetic works on whole days numbered from 1970-01-01 rather than through `Calendar`
/// (which costs microseconds a call on Linux): a cycle of 10,000 orders decides about 30,000
/// deadlines, each crossing a week or two of days.
public struct BusinessCalendar: Sendable, Hashable {
    public var timeZone: TimeZone
    public var holidays: Set<Day>

    public init(timeZone: TimeZone = .india, holidays: Set<Day> = []) {
        self.timeZone = timeZone
        self.holidays = holidays
    }

    /// A date in the calendar's zone, as days since 1970-01-01.
    public struct Day: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var number: Int

        public init(number: Int) { self.number = number }

        /// "2026-12-25"; nil for anything else (including dates that do not exist, 2026-02-30).
        public init?(_ text: String) {
            let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
                  let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
                  (1...12).contains(month), (1...Self.daysIn(month, of: year)).contains(day) else { return nil }
            number = Self.daysFromCivil(year, month, day)
        }

        /// 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday).
        public var weekday: Int { ((number % 7) + 11) % 7 }

        /// Year, month and day in the proleptic Gregorian calendar.
        public var components: (year: Int, month: Int, day: Int) { Self.civil(from: number) }

        public var description: String {
            let (y, m, d) = components
            return String(format: "%04d-%02d-%02d", y, m, d)
        }

        public static func < (a: Day, b: Day) -> Bool { a.number < b.number }

        static func daysIn(_ month: Int, of year: Int) -> Int {
            switch month {
            case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
            case 4, 6, 9, 11: 30
            default: 31
            }
        }

        /// Howard Hinnant's days_from_civil: the proleptic Gregorian date as days since 1970-01-01.
        static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
            let y = month <= 2 ? year - 1 : year
            let era = (y >= 0 ? y : y - 399) / 400
            let yoe = y - era * 400
            let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
            return era * 146_097 + doe - 719_468
        }

        static func civil(from days: Int) -> (Int, Int, Int) {
            let z = days + 719_468
            let era = (z >= 0 ? z : z - 146_096) / 146_097
            let doe = z - era * 146_097
            let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
            let mp = (5 * doy + 2) / 153
            let day = doy - (153 * mp + 2) / 5 + 1
            let month = mp + (mp < 10 ? 3 : -9)
            return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
        }
    }

    /// The day `date` falls on in the calendar's zone.
    public func day(of date: Date) -> Day {
        let local = date.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: date))
        return Day(number: Int((local / 86_400).rounded(.down)))
    }

    /// The first moment of `day` in the calendar's zone (for a zone with daylight saving, the
    /// offset is the one in force at that moment).
    public func start(of day: Day) -> Date {
        let midnight = Double(day.number) * 86_400
        let guess = midnight - Double(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: midnight)))
        return Date(timeIntervalSince1970: midnight - Double(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: guess))))
    }

    public func isBusinessDay(_ day: Day) -> Bool {
        (1...5).contains(day.weekday) && !holidays.contains(day)
    }

    /// `start` plus `seconds` of business time. Counting starts at `start` on a business day and at
    /// the next business day's first moment otherwise, so a refund made on Saturday is due, 72
    /// business hours later, at Thursday's midnight.
    public func adding(_ seconds: TimeInterval, to start: Date) -> Date {
        var remaining = max(0, seconds)
        var cursor = start
        var day = self.day(of: start)
        // A calendar whose every day is a holiday would never end; ten years is beyond any deadline.
        for _ in 0..<3_660 {
            let next = self.start(of: Day(number: day.number + 1))
            if isBusinessDay(day) {
                let available = next.timeIntervalSince(cursor)
                if remaining <= available { return cursor.addingTimeInterval(remaining) }
                remaining -= available
            }
            cursor = next
            day = Day(number: day.number + 1)
        }
        return .distantFuture
    }

    /// Business time between two moments; 0 when `end` is not after `start`.
    public func businessSeconds(from start: Date, to end: Date) -> TimeInterval {
        var total: TimeInterval = 0
        var cursor = start
        var day = self.day(of: start)
        while cursor < end {
            let next = self.start(of: Day(number: day.number + 1))
            let segmentEnd = min(next, end)
            if isBusinessDay(day) { total += segmentEnd.timeIntervalSince(cursor) }
            cursor = segmentEnd
            day = Day(number: day.number + 1)
        }
        return total
    }
}

extension TimeZone {
    /// Asia/Kolkata (UTC+05:30, no daylight saving).
    public static let india = TimeZone(identifier: "Asia/Kolkata") ?? TimeZone(secondsFromGMT: 19_800)!
}
