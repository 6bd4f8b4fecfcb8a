import RefundKit

/// Calendar arithmetic without `DateFormatter` or `Calendar`, whose output depends on the
/// machine's locale and time-zone database: the simulator's dates must be the same everywhere.
enum CivilDate {
    /// India Standard Time, where PayU's `value_date` and merchants' order dates are reckoned.
    static let istOffsetSeconds = 19_800

    /// Year, month and day for a count of days since 1970-01-01 (`BusinessCalendar.Day`'s
    /// arithmetic: Howard Hinnant's algorithm).
    static func components(daysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
        BusinessCalendar.Day(number: days).components
    }

    /// `2026-11-06` for an epoch second, in IST.
    static func isoDateIST(epochSeconds: Int) -> String {
        let local = epochSeconds + istOffsetSeconds
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let parts = components(daysSinceEpoch: days)
        return "\(parts.year)-\(pad(parts.month))-\(pad(parts.day))"
    }

    /// `2026-12-01 12:37:43` for an epoch second, in IST: how PayU's ARN callback writes its times.
    static func dateTimeIST(epochSeconds: Int) -> String {
        let local = epochSeconds + istOffsetSeconds
        let second = ((local % 86_400) + 86_400) % 86_400
        return "\(isoDateIST(epochSeconds: epochSeconds)) \(pad(second / 3_600)):\(pad(second / 60 % 60)):\(pad(second % 60))"
    }

    /// `20261104` for a count of days since 1970-01-01, as merchants put dates in order ids.
    static func compact(daysSinceEpoch days: Int) -> String {
        let parts = components(daysSinceEpoch: days)
        return "\(parts.year)\(pad(parts.month))\(pad(parts.day))"
    }

    private static func pad(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
