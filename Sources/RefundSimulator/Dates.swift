/// Calendar arithmetic without `DateFormatter` or `Calendar`, whose output depends on the
/// machine's locale and time-zone database: the simulator's dates must be the same everywhere.
enum CivilDate {
    /// India Standard Time, where PayU's `value_date` and merchants' order dates are reckoned.
    static let istOffsetSeconds = 19_800

    /// Year, month and day for a count of days since 1970-01-01 (Howard Hinnant's algorithm).
    static func components(daysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `2026-11-06` for an epoch second, in IST.
    static func isoDateIST(epochSeconds: Int) -> String {
        let local = epochSeconds + istOffsetSeconds
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let parts = components(daysSinceEpoch: days)
        return "\(parts.year)-\(pad(parts.month))-\(pad(parts.day))"
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
