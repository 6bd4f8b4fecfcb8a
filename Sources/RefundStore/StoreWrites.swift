import Foundation
import RefundKit
import WatchlistModel

/// What the store writes, decided once for both backends: each backend reads what a decision
/// needs, asks the functions here, and runs the statements here with its own placeholders and
/// bindings. Nothing in this file touches a database.
///
/// The statements are the same text in both dialects (SQLite and PostgreSQL share `INSERT … ON
/// CONFLICT … DO UPDATE`, `COALESCE`, `excluded`); only the placeholders differ (`?` or `$n`).

/// A value to bind, whatever the backend: each maps it to its own types (`integer` columns are
/// 32-bit on PostgreSQL; times are rounded there to the microsecond it keeps).
enum StoreValue: Sendable {
    case text(String?)
    case integer(Int?)
    case bigint(Int64?)
    case time(Date?)
    case bytes(Data?)
    /// Seconds since 1970 (`refund_fact`'s and `payment_due`'s times: arithmetic in SQL, the
    /// same in both dialects).
    case real(Double?)
}

/// How a dialect writes placeholders: `?` each (SQLite), or `$1`, `$2`, … (PostgreSQL).
enum Placeholders {
    case question
    case numbered

    /// `count` placeholders from the `first`th (1-based), comma-separated.
    func list(_ count: Int, from first: Int = 1) -> String {
        (first..<(first + count)).map(mark).joined(separator: ", ")
    }

    func mark(_ position: Int) -> String {
        switch self {
        case .question: "?"
        case .numbered: "$\(position)"
        }
    }
}

/// The one list of `order_state`'s own columns (the summary's are `SummaryColumns.names`) and of
/// `history`'s, and the statements that write them.
enum StoreSQL {
    /// `order_state` but the order id and the summary's columns.
    static let stateColumns = ["report", "summary", "fetched_at", "changed_at", "attempted_at",
                               "error_category", "error_service", "error_message", "failed_at", "failures"]
    /// `history` but its id and the order id.
    static let historyColumns = ["seen_at", "transaction_id", "refund_id", "field", "old_value", "new_value"]

    /// One more fetch of the order stored (good or failed): its lease and any request for it are
    /// done with, and a poller's claim made before it goes stale. Binds: the order id.
    static func markAttempted(_ p: Placeholders) -> String {
        "UPDATE tracked_order SET attempts = attempts + 1, lease_owner = NULL, lease_until = NULL, requested_at = NULL WHERE id = \(p.mark(1))"
    }

    /// A good fetch (`RecordWrite.stateValues`): the report, its summary and the fetch times; the
    /// last failure cleared; the time of the last change kept when this fetch changed nothing.
    /// Binds: the order id, then `RecordWrite.stateValues`.
    static func recordState(_ p: Placeholders) -> String {
        """
        INSERT INTO order_state (order_id, report, summary, fetched_at, changed_at, attempted_at)
        VALUES (\(p.list(6)))
        ON CONFLICT (order_id) DO UPDATE SET
            report = excluded.report, summary = excluded.summary, fetched_at = excluded.fetched_at,
            changed_at = COALESCE(excluded.changed_at, order_state.changed_at), attempted_at = excluded.attempted_at,
            error_category = NULL, error_service = NULL, error_message = NULL, failed_at = NULL, failures = 0
        """
    }

    /// A failed fetch (`FailureWrite.values`): the last good report and its summary stay.
    /// Binds: the order id, then `FailureWrite.values`.
    static func recordFailure(_ p: Placeholders) -> String {
        """
        INSERT INTO order_state (order_id, attempted_at, error_category, error_service, error_message, failed_at, failures)
        VALUES (\(p.list(6)), 1)
        ON CONFLICT (order_id) DO UPDATE SET
            attempted_at = excluded.attempted_at, error_category = excluded.error_category,
            error_service = excluded.error_service, error_message = excluded.error_message, failed_at = excluded.failed_at,
            failures = order_state.failures + 1
        """
    }

    /// An order's whole state as another store kept it (`db copy`). Binds: the order id, then
    /// `CopyWrite.stateValues`.
    static func replaceState(_ p: Placeholders) -> String {
        """
        INSERT INTO order_state (order_id, \(stateColumns.joined(separator: ", ")))
        VALUES (\(p.list(stateColumns.count + 1)))
        ON CONFLICT (order_id) DO UPDATE SET
            \(stateColumns.map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
        """
    }

    /// The summary's columns. Binds: `SummaryColumns.values` (or as many NULLs), then the order id.
    static func summary(_ p: Placeholders) -> String {
        let names = SummaryColumns.names
        let assignments = names.enumerated().map { "\($0.element) = \(p.mark($0.offset + 1))" }.joined(separator: ", ")
        return "UPDATE order_state SET \(assignments) WHERE order_id = \(p.mark(names.count + 1))"
    }

    /// One history row. Binds: the order id, then `historyValues`.
    static func insertHistory(_ p: Placeholders) -> String {
        "INSERT INTO history (order_id, \(historyColumns.joined(separator: ", "))) VALUES (\(p.list(historyColumns.count + 1)))"
    }

    static func historyValues(_ row: OrderCopy.HistoryRow) -> [StoreValue] {
        [.time(row.seenAt), .text(row.transactionID), .text(row.refundID), .text(row.field), .text(row.oldValue), .text(row.newValue)]
    }

    /// The summary's columns, or NULL in each when there is none (never fetched successfully).
    static func summaryValues(_ summary: OrderSummary?) -> [StoreValue] {
        summary.map(SummaryColumns.values) ?? Array(repeating: .text(nil), count: SummaryColumns.names.count)
    }

    /// A history row as a store reads it back: the field as it was written, known or not.
    static func historyEntry(id: Int64, orderID: Int64, _ row: OrderCopy.HistoryRow) -> HistoryEntry {
        HistoryEntry(id: id, orderID: orderID, seenAt: row.seenAt,
                     change: OrderChange(transactionID: row.transactionID, refundID: row.refundID, field: OrderChange.Field(rawValue: row.field),
                                         old: row.oldValue, new: row.newValue))
    }
}

/// What storing one good fetch writes, from the fetched report and the report stored before it
/// (nil: never fetched): the report to keep (PayU's earlier answer kept where PayU failed this
/// time), the changes for the history, the summary, and when the order last changed.
struct RecordWrite {
    let report: OrderReport
    let changes: [OrderChange]
    let summary: OrderSummary
    /// This fetch's time when it changed something after the first fetch; nil keeps the time of
    /// the last change as stored.
    let changedAt: Date?
    let isFirstFetch: Bool
    /// Each refund's row of `refund_fact`, its milestones' times carried over from the last fetch's.
    let facts: [RefundFact]
    /// The source whose push asked for this fetch (`tracked_order.pushed_by`); nil for any other.
    let pushedBy: String?

    init(fetched: OrderReport, previous: OrderReport?, previousFacts: [RefundFact], rules: DeadlineRules, pushedBy: String? = nil) {
        report = fetched.keepingPayU(from: previous)
        changes = OrderChange.between(previous, report)
        summary = OrderSummary(report, rules: rules)
        facts = RefundFact.of(report, previous: previousFacts, rules: rules)
        changedAt = previous != nil && !changes.isEmpty ? report.fetchedAt : nil
        isFirstFetch = previous == nil
        self.pushedBy = pushedBy
    }

    /// The ids a push may name this order by (`order_transaction`): each transaction's id, and
    /// PayU's payment id where WhatsApp gives it apart (`pg_transaction_id`).
    var transactionIDs: [String] { PushSQL.transactionIDs(report) }

    /// After the order id, for `StoreSQL.recordState`.
    func stateValues() throws -> [StoreValue] {
        [.bytes(try report.jsonData(pretty: false)), .bytes(try JSONEncoder().encode(summary)), .time(report.fetchedAt), .time(changedAt),
         .time(report.fetchedAt)]
    }

    /// The history rows, each after the order id, for `StoreSQL.insertHistory`: the changes, and
    /// when a push asked for the fetch that found them, a row saying so.
    var history: [[StoreValue]] {
        var rows = changes
        if let pushedBy, !changes.isEmpty { rows.append(OrderChange(field: .pushed, old: nil, new: pushedBy)) }
        return rows.map { change in
            StoreSQL.historyValues(OrderCopy.HistoryRow(seenAt: report.fetchedAt, transactionID: change.transactionID, refundID: change.refundID,
                                                        field: change.field.rawValue, oldValue: change.old, newValue: change.new))
        }
    }

    /// The facts' rows, each after the order id, for `OverviewSQL.insertFact`.
    var factRows: [[StoreValue]] { facts.map(OverviewSQL.values) }

    var outcome: RecordOutcome {
        RecordOutcome(report: report, changes: changes, summary: summary, isFirstFetch: isFirstFetch)
    }
}

/// What storing one failed fetch writes: the error, when, and one more failure.
struct FailureWrite {
    let error: ReportedError
    let at: Date

    /// After the order id, for `StoreSQL.recordFailure`.
    var values: [StoreValue] {
        [.time(at), .text(error.category.rawValue), .text(error.service?.rawValue), .text(error.message), .time(at)]
    }
}

/// What `db copy` writes for one order the target may already have, decided from what the target
/// holds: whether the copied state replaces the target's, and which history rows are new.
struct CopyWrite {
    /// The later attempt wins (to the millisecond, as the coarser store keeps times); no state
    /// here, or a state here without an attempt, loses to the copied one.
    static func replacesState(_ copied: OrderCopy.State?, hereAttemptedAt: Date??) -> Bool {
        guard let copied else { return false }
        guard let here = hereAttemptedAt else { return true }
        return StoredTime.isLater(copied.attemptedAt, than: here)
    }

    /// The copied rows the target does not have, matched one for one (by everything but the
    /// ids, the time to the millisecond) so that a row the source holds twice is copied twice,
    /// and only once whatever the number of runs; and how many were there already.
    static func newHistory(_ copied: [OrderCopy.HistoryRow], here: [OrderCopy.HistoryRow]) -> (rows: [OrderCopy.HistoryRow], alreadyThere: Int) {
        var count: [OrderCopy.HistoryRow.Key: Int] = [:]
        for row in here { count[row.key, default: 0] += 1 }
        var rows: [OrderCopy.HistoryRow] = []
        var alreadyThere = 0
        for row in copied {
            if let left = count[row.key], left > 0 {
                count[row.key] = left - 1
                alreadyThere += 1
            } else {
                rows.append(row)
            }
        }
        return (rows, alreadyThere)
    }

    /// After the order id, for `StoreSQL.replaceState`, in `StoreSQL.stateColumns`' order.
    static func stateValues(_ state: OrderCopy.State) -> [StoreValue] {
        [.bytes(state.report), .bytes(state.summaryJSON), .time(state.fetchedAt), .time(state.changedAt), .time(state.attemptedAt),
         .text(state.errorCategory), .text(state.errorService), .text(state.errorMessage), .time(state.failedAt), .integer(state.failures)]
    }
}
