import Foundation
import TOMLKit

/// Reads `[deadlines]`, and the older top-level `arn_overdue_business_hours`:
///
///     [deadlines]
///     payment_pending = "30m"   # plain time: a UPI collect expires by the clock
///     payu_queued = "24h"       # business time from here on
///     bank_processing = "7d"
///     arn = "72h"
///     credit = "7d"
///     credit_instant = "1d"
///     holidays = ["2026-12-25"]
///     holidays_file = "holidays-2026.txt"   # one date a line; # starts a comment
///
/// A relative `holidays_file` is found beside the configuration file.
struct DeadlineSettings {
    let reader: TableReader

    func rules() throws(ConfigurationError) -> DeadlineRules {
        var rules = DeadlineRules()
        let legacy = try reader.number("arn_overdue_business_hours", range: 1...10_000)
        if let legacy { rules.arn = legacy * 3600 }
        guard let table = try reader.table("deadlines") else { return rules }
        if legacy != nil, table.table["arn"] != nil {
            throw reader.error("arn_overdue_business_hours", "is set and so is [deadlines] arn; keep one (arn = \"\(DurationText.short(legacy! * 3600))\" in [deadlines] says the same)")
        }
        let stages: [(String, WritableKeyPath<DeadlineRules, TimeInterval>, ClosedRange<Double>)] = [
            ("payment_pending", \.paymentPending, 60...(30 * 86_400)),
            ("payu_queued", \.payuQueued, 3600...(365 * 86_400)),
            ("bank_processing", \.bankProcessing, 3600...(365 * 86_400)),
            ("arn", \.arn, 3600...(365 * 86_400)),
            ("credit", \.credit, 3600...(365 * 86_400)),
            ("credit_instant", \.creditInstant, 60...(365 * 86_400)),
        ]
        for (key, path, range) in stages {
            if let seconds = try table.duration(key, range: range) { rules[keyPath: path] = seconds }
        }
        var holidays = Set<BusinessCalendar.Day>()
        if let value = table.table["holidays"] {
            guard let array = value.array else {
                throw table.error("holidays", "expected a list of dates such as [\"2026-12-25\"], found \(value.type)")
            }
            for (position, element) in array.enumerated() {
                guard let text = element.string, let day = BusinessCalendar.Day(text) else {
                    throw table.error("holidays", "item \(position + 1) (\(element.string.map { "\"\(TerminalSafe.text($0))\"" } ?? "\(element.type)")) is not a date; expected YYYY-MM-DD, e.g. \"2026-12-25\"")
                }
                holidays.insert(day)
            }
        }
        if let name = try table.string("holidays_file") {
            holidays.formUnion(try holidaysFile(name, table: table))
        }
        rules.calendar.holidays = holidays
        return rules
    }

    /// One date a line (YYYY-MM-DD); blank lines and text after `#` are left out.
    private func holidaysFile(_ name: String, table: TableReader) throws(ConfigurationError) -> Set<BusinessCalendar.Day> {
        let base = reader.file.map { URL(fileURLWithPath: $0).deletingLastPathComponent() }
        let url = name.hasPrefix("/") || base == nil ? URL(fileURLWithPath: name) : base!.appendingPathComponent(name)
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw table.error("holidays_file", "\(url.path) cannot be read (\(FileManager.default.fileExists(atPath: url.path) ? "not UTF-8 text or not readable" : "no such file")); write one date a line, e.g. 2026-12-25")
        }
        var days = Set<BusinessCalendar.Day>()
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard !content.isEmpty else { continue }
            guard let day = BusinessCalendar.Day(content) else {
                throw table.error("holidays_file", "\(url.path), line \(number + 1): \"\(TerminalSafe.text(content))\" is not a date; expected YYYY-MM-DD, e.g. 2026-12-25")
            }
            days.insert(day)
        }
        return days
    }
}
