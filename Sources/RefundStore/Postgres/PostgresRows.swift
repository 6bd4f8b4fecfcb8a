import Foundation
import PostgresNIO
import RefundKit
import WatchlistModel

/// Rows of the watchlist as PostgreSQL gives them: a tracked order, a watchlist row with its
/// failure and its summary's columns. Read by name, so a column added by a later migration cannot
/// shift what is read.
extension PostgresStore {
    static func trackedOrder(_ row: PostgresRandomAccessRow) throws -> TrackedOrder {
        TrackedOrder(id: try row["id"].decode(Int64.self), referenceID: try row["reference_id"].decode(String.self),
                     account: try row["account"].decode(String?.self), phoneNumberID: try row["phone_number_id"].decode(String?.self), paymentConfigID: try row["payment_config_id"].decode(String?.self),
                     label: try row["label"].decode(String?.self), addedAt: try row["added_at"].decode(Date.self))
    }

    static func watchedOrder(_ row: PostgresRandomAccessRow) throws -> WatchedOrder {
        var failure: FetchFailure?
        if let message = try row["error_message"].decode(String?.self), let at = try row["failed_at"].decode(Date?.self) {
            let category = try row["error_category"].decode(String?.self).flatMap(ErrorCategory.init(rawValue:)) ?? .server
            let service = try row["error_service"].decode(String?.self).flatMap(Service.init(rawValue:))
            failure = FetchFailure(error: ReportedError(category: category, service: service, message: message), at: at)
        }
        return WatchedOrder(order: try trackedOrder(row), summary: try summary(row), fetchedAt: try row["fetched_at"].decode(Date?.self),
                            changedAt: try row["changed_at"].decode(Date?.self), failure: failure,
                            attemptedAt: try row["attempted_at"].decode(Date?.self), failures: Int(try row["failures"].decode(Int32?.self) ?? 0),
                            attempts: try row["attempts"].decode(Int64.self), requestedAt: try row["requested_at"].decode(Date?.self))
    }

    /// The summary from its columns; nil when the order was never fetched.
    static func summary(_ row: PostgresRandomAccessRow) throws -> OrderSummary? {
        guard let paymentStatus = try row["payment_status"].decode(String?.self) else { return nil }
        func integer(_ name: String) throws -> Int { Int(try row[name].decode(Int32?.self) ?? 0) }
        func money(_ amount: String, _ currency: String) throws -> Money? {
            guard let text = try row[amount].decode(String?.self), let code = try row[currency].decode(String?.self) else { return nil }
            return Money(decimalString: text, currency: code, minimumFractionDigits: 0)
        }
        var stages: [String: Int] = [:]
        for stage in RefundStage.allCases {
            let count = try integer(SummaryColumns.stageColumn(stage))
            if count > 0 { stages[stage.rawValue] = count }
        }
        let deadlines = SummaryColumns.decodeDeadlines(times: try row["deadlines"].decode(String?.self) ?? "",
                                                       stages: try row["deadline_stages"].decode(String?.self))
        let arns = try row["arns"].decode(String?.self) ?? ""
        return OrderSummary(
            paymentStatus: paymentStatus, amount: try money("amount", "amount_currency"), transactionCount: try integer("transaction_count"),
            refundCount: try integer("refund_count"), refundTotal: try money("refund_total", "refund_total_currency"), stages: stages,
            arnPresent: try integer("arn_present"), arnMissing: try integer("arn_missing"),
            deadlines: deadlines,
            payuErrors: try integer("payu_errors"),
            arns: arns.isEmpty ? [] : arns.split(separator: "\n", omittingEmptySubsequences: false).map(SummaryColumns.unescape),
            settledAt: try row["settled_at"].decode(Date?.self))
    }
}
