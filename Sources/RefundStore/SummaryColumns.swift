import Foundation
import GRDB
import RefundKit
import WatchlistModel

/// An order's summary as plain columns of `order_state` (added by migration v2). Lists read these instead of
/// decoding JSON: Foundation's JSONDecoder takes about 30 µs a summary on Linux, so a 10,000-order
/// watchlist spent half a second in it before the first frame; columns read in a few milliseconds.
enum SummaryColumns {
    /// Column names, in the order `values` gives them. (Migrations do not use this list: each
    /// writes its own columns out literally, so a stage added later cannot change what v2 did.)
    static let names: [String] = [
        "payment_status", "amount", "amount_currency", "transaction_count", "refund_count", "refund_total", "refund_total_currency",
    ] + RefundStage.allCases.map(stageColumn) + ["arn_present", "arn_missing", "deadlines", "deadline_stages", "payu_errors", "arns", "settled_at", "payment_due"]

    /// "stage_no_arn_yet" for `.awaitingARN` ("no ARN yet").
    static func stageColumn(_ stage: RefundStage) -> String {
        "stage_" + stage.rawValue.lowercased().replacingOccurrences(of: " ", with: "_")
    }

    /// The columns' values, in `names`' order, for both backends.
    static func values(_ summary: OrderSummary) -> [StoreValue] {
        var values: [StoreValue] = [
            .text(summary.paymentStatus), .text(summary.amount?.plainString), .text(summary.amount?.currency), .integer(summary.transactionCount),
            .integer(summary.refundCount), .text(summary.refundTotal?.plainString), .text(summary.refundTotal?.currency),
        ]
        for stage in RefundStage.allCases { values.append(.integer(summary.stages[stage.rawValue] ?? 0)) }
        let deadlines = encode(summary.deadlines)
        let arns = (summary.arns ?? []).map(escape).joined(separator: "\n")
        values += [.integer(summary.arnPresent), .integer(summary.arnMissing), .text(deadlines.times), .text(deadlines.stages), .integer(summary.payuErrors), .text(arns),
                   .time(summary.settledAt), .real(summary.deadlines.first { $0.stage == .payment }?.due.timeIntervalSince1970)]
        return values
    }

    /// Where each summary column is in a query's rows, found by name once per query (a 10,000-row
    /// watchlist reads 300,000 columns; looking each name up in each row would cost more than the
    /// read). A column the query does not have reads as empty.
    struct Positions {
        let paymentStatus, amount, amountCurrency, transactionCount, refundCount, refundTotal, refundTotalCurrency: Int?
        let stages: [(stage: RefundStage, position: Int?)]
        let arnPresent, arnMissing, deadlines, deadlineStages, payuErrors, arns, settledAt: Int?

        init(_ columns: ColumnPositions) {
            paymentStatus = columns["payment_status"]
            amount = columns["amount"]
            amountCurrency = columns["amount_currency"]
            transactionCount = columns["transaction_count"]
            refundCount = columns["refund_count"]
            refundTotal = columns["refund_total"]
            refundTotalCurrency = columns["refund_total_currency"]
            stages = RefundStage.allCases.map { ($0, columns[SummaryColumns.stageColumn($0)]) }
            arnPresent = columns["arn_present"]
            arnMissing = columns["arn_missing"]
            deadlines = columns["deadlines"]
            deadlineStages = columns["deadline_stages"]
            payuErrors = columns["payu_errors"]
            arns = columns["arns"]
            settledAt = columns["settled_at"]
        }
    }

    /// The summary in `row`; nil when the order was never fetched.
    static func summary(from row: Row, _ p: Positions) -> OrderSummary? {
        func value<T: DatabaseValueConvertible>(_ position: Int?) -> T? { position.flatMap { row[$0] } }
        guard let paymentStatus: String = value(p.paymentStatus) else { return nil }
        func money(_ amount: Int?, _ currency: Int?) -> Money? {
            guard let text: String = value(amount), let code: String = value(currency) else { return nil }
            return Money(decimalString: text, currency: code, minimumFractionDigits: 0)
        }
        var stages: [String: Int] = [:]
        for (stage, position) in p.stages {
            let count: Int = value(position) ?? 0
            if count > 0 { stages[stage.rawValue] = count }
        }
        let deadlines = decodeDeadlines(times: value(p.deadlines) ?? "", stages: value(p.deadlineStages))
        let arns: String = value(p.arns) ?? ""
        return OrderSummary(
            paymentStatus: paymentStatus, amount: money(p.amount, p.amountCurrency), transactionCount: value(p.transactionCount) ?? 0,
            refundCount: value(p.refundCount) ?? 0, refundTotal: money(p.refundTotal, p.refundTotalCurrency), stages: stages,
            arnPresent: value(p.arnPresent) ?? 0, arnMissing: value(p.arnMissing) ?? 0,
            deadlines: deadlines,
            payuErrors: value(p.payuErrors) ?? 0, arns: arns.isEmpty ? [] : arns.split(separator: "\n", omittingEmptySubsequences: false).map(unescape),
            settledAt: value(p.settledAt))
    }

    /// A summary's deadlines as two columns: `deadlines`, the times (seconds since 1970, a space
    /// apart, soonest first: the first screen's SQL compares the first with the clock), and
    /// `deadline_stages`, each one's stage and refund id ("arn\tREFUND-ID", the payment's with no
    /// id), one a line in the same order.
    static func encode(_ deadlines: [StageDeadline]) -> (times: String, stages: String) {
        (deadlines.map { String($0.due.timeIntervalSince1970) }.joined(separator: " "),
         deadlines.map { $0.stage.rawValue + ($0.refundID.map { "\t" + escape($0) } ?? "") }.joined(separator: "\n"))
    }

    /// The deadlines back; a row written before `deadline_stages` existed held only ARN deadlines.
    static func decodeDeadlines(times: String, stages: String?) -> [StageDeadline] {
        let dues = times.split(separator: " ").compactMap { Double($0).map(Date.init(timeIntervalSince1970:)) }
        let lines = stages.map { $0.isEmpty ? [] : $0.split(separator: "\n", omittingEmptySubsequences: false) } ?? []
        return dues.enumerated().map { index, due in
            guard index < lines.count else { return StageDeadline(stage: .arn, due: due, refundID: nil) }
            let parts = lines[index].split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            return StageDeadline(stage: DeadlineStage(rawValue: String(parts[0])) ?? .arn, due: due, refundID: parts.count > 1 ? unescape(parts[1]) : nil)
        }
    }

    /// ARNs are one a line; the rare "%" or line break inside one is written %25 / %0A.
    static func escape(_ arn: String) -> String {
        guard arn.contains(where: { $0 == "%" || $0.isNewline || $0 == "\t" }) else { return arn }
        return arn.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
            .replacingOccurrences(of: "\t", with: "%09")
    }

    static func unescape(_ line: Substring) -> String {
        guard line.contains("%") else { return String(line) }
        return line.replacingOccurrences(of: "%0A", with: "\n").replacingOccurrences(of: "%0D", with: "\r").replacingOccurrences(of: "%09", with: "\t")
            .replacingOccurrences(of: "%25", with: "%")
    }

    /// `s.payment_status, …` for a SELECT from `order_state s`.
    static var selection: String { names.map { "s.\($0)" }.joined(separator: ", ") }
}
