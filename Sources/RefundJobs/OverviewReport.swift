import Foundation
import RefundKit
import WatchlistModel

/// What `refundwatch report` prints: the overview's numbers (`Overview`, counted by the store) for
/// a lead's morning mail or a cron job, as text, JSON, CSV or one HTML page. Every renderer is a
/// pure function of this value, so a fixed watchlist prints the same bytes every time.
///
/// Text from outside (gateway and payment-method names, error categories: they come from the
/// APIs) is made safe for each format: control characters shown visibly in text, escaped in
/// HTML and JSON, and CSV cells that a spreadsheet would run as a formula guarded.
public struct OverviewReport: Sendable {
    public var overview: Overview
    /// The deadline rules, for the words of each stage's rule.
    public var rules: DeadlineRules
    /// When the report was made (the store's data may be older).
    public var generatedAt: Date
    /// Where the store is, for the header (a file's path or a server's URL without password).
    public var source: String

    public init(overview: Overview, rules: DeadlineRules, generatedAt: Date, source: String) {
        self.overview = overview
        self.rules = rules
        self.generatedAt = generatedAt
        self.source = source
    }

    public enum Format: String, Sendable, CaseIterable {
        case text, json, csv, html
    }

    public func render(_ format: Format) throws -> String {
        switch format {
        case .text: text
        case .json: try json
        case .csv: csv
        case .html: html
        }
    }

    /// India's time, as the whole report gives times: "5 Dec 2026 14:05 IST".
    static func india(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: Int(OverviewStep.indiaOffset)) ?? .gmt
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func two(_ n: Int?) -> String { String(format: "%02d", n ?? 0) }
        return "\(c.day ?? 1) \(OverviewWords.month(c.month ?? 1)) \(c.year ?? 1970) \(two(c.hour)):\(two(c.minute)) IST"
    }

    /// "12345.67": paise as a decimal amount of rupees, as the project's JSON and CSV write money.
    static func amount(_ paise: Int64) -> String {
        let sign = paise < 0 ? "-" : ""
        let magnitude = paise.magnitude
        return "\(sign)\(magnitude / 100).\(String(format: "%02d", Int(magnitude % 100)))"
    }

    /// A label of a bucket of the timeline: "5 Dec" (days) or "5 Dec 14:00" (hours).
    static func bucketLabel(_ start: Date) -> String { OverviewSelection.format(start) }
}
