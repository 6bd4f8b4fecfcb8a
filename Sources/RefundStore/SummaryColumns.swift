import Foundation
import GRDB
import RefundKit

/// An order's summary as plain columns of `order_state` (schema v2). Lists read these instead of
/// decoding JSON: Foundation's JSONDecoder takes about 30 µs a summary on Linux, so a 10,000-order
/// watchlist spent half a second in it before the first frame; columns read in a few milliseconds.
enum SummaryColumns {
    /// Column names, in the order `values` gives and `summary(from:at:)` reads them.
    static let names: [String] = [
        "payment_status", "amount", "amount_currency", "transaction_count", "refund_count", "refund_total", "refund_total_currency",
    ] + RefundStage.allCases.map(stageColumn) + ["arn_present", "arn_missing", "arn_deadlines", "payu_errors", "arns"]

    /// "stage_no_arn_yet" for `.awaitingARN` ("no ARN yet").
    static func stageColumn(_ stage: RefundStage) -> String {
        "stage_" + stage.rawValue.lowercased().replacingOccurrences(of: " ", with: "_")
    }

    static func values(_ summary: OrderSummary) -> [(any DatabaseValueConvertible)?] {
        var values: [(any DatabaseValueConvertible)?] = [
            summary.paymentStatus, summary.amount?.plainString, summary.amount?.currency, summary.transactionCount, summary.refundCount,
            summary.refundTotal?.plainString, summary.refundTotal?.currency,
        ]
        for stage in RefundStage.allCases { values.append(summary.stages[stage.rawValue] ?? 0) }
        let deadlines = summary.arnDeadlines.map { String($0.timeIntervalSince1970) }.joined(separator: " ")
        let arns = (summary.arns ?? []).map(escape).joined(separator: "\n")
        values += [summary.arnPresent, summary.arnMissing, deadlines, summary.payuErrors, arns]
        return values
    }

    /// The summary whose columns start at `index` in `row`; nil when the order was never fetched.
    static func summary(from row: Row, at index: Int) -> OrderSummary? {
        guard let paymentStatus: String = row[index] else { return nil }
        func money(_ at: Int) -> Money? {
            guard let amount: String = row[at], let currency: String = row[at + 1] else { return nil }
            return Money(decimalString: amount, currency: currency, minimumFractionDigits: 0)
        }
        var stages: [String: Int] = [:]
        for (offset, stage) in RefundStage.allCases.enumerated() {
            let count: Int = row[index + 7 + offset] ?? 0
            if count > 0 { stages[stage.rawValue] = count }
        }
        let after = index + 7 + RefundStage.allCases.count
        let deadlines: String = row[after + 2] ?? ""
        let arns: String = row[after + 4] ?? ""
        return OrderSummary(
            paymentStatus: paymentStatus, amount: money(index + 1), transactionCount: row[index + 3] ?? 0, refundCount: row[index + 4] ?? 0,
            refundTotal: money(index + 5), stages: stages, arnPresent: row[after] ?? 0, arnMissing: row[after + 1] ?? 0,
            arnDeadlines: deadlines.split(separator: " ").compactMap { Double($0).map(Date.init(timeIntervalSince1970:)) },
            payuErrors: row[after + 3] ?? 0, arns: arns.isEmpty ? [] : arns.split(separator: "\n", omittingEmptySubsequences: false).map(unescape))
    }

    /// ARNs are one a line; the rare "%" or line break inside one is written %25 / %0A.
    static func escape(_ arn: String) -> String {
        guard arn.contains(where: { $0 == "%" || $0.isNewline }) else { return arn }
        return arn.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
    }

    static func unescape(_ line: Substring) -> String {
        guard line.contains("%") else { return String(line) }
        return line.replacingOccurrences(of: "%0A", with: "\n").replacingOccurrences(of: "%0D", with: "\r").replacingOccurrences(of: "%25", with: "%")
    }

    /// `SET payment_status = ?, …` for an UPDATE.
    static var assignments: String { names.map { "\($0) = ?" }.joined(separator: ", ") }

    /// `s.payment_status, …` for a SELECT from `order_state s`.
    static var selection: String { names.map { "s.\($0)" }.joined(separator: ", ") }
}
