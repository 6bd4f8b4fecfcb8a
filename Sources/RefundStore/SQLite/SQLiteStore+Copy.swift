import Foundation
import GRDB
import RefundKit
import WatchlistModel

/// The SQLite file as the source or the target of `refundwatch db copy`.
///
/// Every statement names its columns: the tables may gain columns in later migrations. The
/// summary's columns are named by `SummaryColumns`, the list the store's own reads and writes use.
extension SQLiteStore: CopyableStore {
    public func copyOrders(afterID: Int64, limit: Int) throws(StoreError) -> [OrderCopy] {
        // One read transaction: a snapshot of the file, so each order's state and history agree.
        try read { db in
            let statement = try db.makeStatement(sql: """
                SELECT t.id, t.reference_id, t.phone_number_id, t.payment_config_id, t.label, t.added_at,
                       s.order_id AS state_order_id, s.report, s.summary AS summary_json, s.fetched_at, s.changed_at, s.attempted_at,
                       s.error_category, s.error_service, s.error_message, s.failed_at, s.failures,
                       \(SummaryColumns.selection)
                FROM tracked_order t LEFT JOIN order_state s ON s.order_id = t.id
                WHERE t.id > ? ORDER BY t.id LIMIT ?
                """)
            let summaryPositions = SummaryColumns.Positions(ColumnPositions(statement))
            var orders: [OrderCopy] = []
            let rows = try Row.fetchCursor(statement, arguments: [afterID, limit])
            while let row = try rows.next() {
                let order = TrackedOrder(id: row["id"], referenceID: row["reference_id"], phoneNumberID: row["phone_number_id"],
                                         paymentConfigID: row["payment_config_id"], label: row["label"], addedAt: row["added_at"])
                var state: OrderCopy.State?
                if (row["state_order_id"] as Int64?) != nil {
                    state = OrderCopy.State(
                        report: row["report"], summaryJSON: row["summary_json"], summary: SummaryColumns.summary(from: row, summaryPositions),
                        fetchedAt: row["fetched_at"], changedAt: row["changed_at"], attemptedAt: row["attempted_at"],
                        errorCategory: row["error_category"], errorService: row["error_service"], errorMessage: row["error_message"],
                        failedAt: row["failed_at"], failures: row["failures"] ?? 0)
                }
                orders.append(OrderCopy(order: order, state: state, history: []))
            }
            guard let first = orders.first?.order.id, let last = orders.last?.order.id else { return [] }
            var positions: [Int64: Int] = [:]
            for (index, order) in orders.enumerated() { positions[order.order.id ?? 0] = index }
            let history = try Row.fetchCursor(db, sql: """
                SELECT order_id, seen_at, transaction_id, refund_id, field, old_value, new_value
                FROM history WHERE order_id BETWEEN ? AND ? ORDER BY order_id, seen_at, id
                """, arguments: [first, last])
            while let row = try history.next() {
                guard let index = positions[row["order_id"]] else { continue }
                orders[index].history.append(OrderCopy.HistoryRow(
                    seenAt: row["seen_at"], transactionID: row["transaction_id"], refundID: row["refund_id"], field: row["field"],
                    oldValue: row["old_value"], newValue: row["new_value"]))
            }
            return orders
        }
    }

    public func absorb(_ copy: OrderCopy) throws(StoreError) -> AbsorbOutcome {
        try run { db in
            let order = copy.order
            // The same key as the unique index: a missing lookup id and an empty one are the same.
            let found = try Int64.fetchOne(db, sql: """
                SELECT id FROM tracked_order
                WHERE reference_id = ? AND IFNULL(phone_number_id, '') = IFNULL(?, '') AND IFNULL(payment_config_id, '') = IFNULL(?, '')
                """, arguments: [order.referenceID, order.phoneNumberID, order.paymentConfigID])
            let orderID: Int64
            var outcome: AbsorbOutcome.Order
            if let found {
                orderID = found
                outcome = .alreadyThere
            } else {
                try db.execute(sql: """
                    INSERT INTO tracked_order (reference_id, phone_number_id, payment_config_id, label, added_at)
                    VALUES (?, ?, ?, ?, ?)
                    """, arguments: [order.referenceID, order.phoneNumberID, order.paymentConfigID, order.label, order.addedAt])
                orderID = db.lastInsertedRowID
                outcome = .added
            }

            if let state = copy.state {
                // The later attempt wins; a state here without one (never the case in practice) loses.
                let here = try Row.fetchOne(db, sql: "SELECT attempted_at FROM order_state WHERE order_id = ?", arguments: [orderID])
                let hereAttempted: Date? = here?["attempted_at"]
                let replace = here == nil || StoredTime.isLater(state.attemptedAt, than: hereAttempted)
                if replace {
                    try db.execute(sql: """
                        INSERT INTO order_state (order_id, report, summary, fetched_at, changed_at, attempted_at,
                                                 error_category, error_service, error_message, failed_at, failures)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT(order_id) DO UPDATE SET
                            report = excluded.report, summary = excluded.summary, fetched_at = excluded.fetched_at,
                            changed_at = excluded.changed_at, attempted_at = excluded.attempted_at,
                            error_category = excluded.error_category, error_service = excluded.error_service,
                            error_message = excluded.error_message, failed_at = excluded.failed_at, failures = excluded.failures
                        """, arguments: [orderID, state.report, state.summaryJSON, state.fetchedAt, state.changedAt, state.attemptedAt,
                                         state.errorCategory, state.errorService, state.errorMessage, state.failedAt, state.failures])
                    let values = state.summary.map(SummaryColumns.values)
                        ?? Array(repeating: nil, count: SummaryColumns.names.count)
                    try db.execute(sql: "UPDATE order_state SET \(SummaryColumns.assignments) WHERE order_id = ?",
                                   arguments: StatementArguments(values + [orderID]))
                    // A fetch stored: a poller's claim on the order made before it is stale.
                    try db.execute(sql: "UPDATE tracked_order SET attempts = attempts + 1 WHERE id = ?", arguments: [orderID])
                    if outcome == .alreadyThere { outcome = .updated }
                }
            }

            // Rows already here are matched one for one, so that rows the source holds twice are
            // copied twice, and only once whatever the number of runs.
            var here: [OrderCopy.HistoryRow.Key: Int] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT seen_at, transaction_id, refund_id, field, old_value, new_value FROM history WHERE order_id = ?
                """, arguments: [orderID])
            while let row = try rows.next() {
                let stored = OrderCopy.HistoryRow(seenAt: row["seen_at"], transactionID: row["transaction_id"], refundID: row["refund_id"],
                                                  field: row["field"], oldValue: row["old_value"], newValue: row["new_value"])
                here[stored.key, default: 0] += 1
            }
            var copied = 0
            var alreadyThere = 0
            let insert = try db.makeStatement(sql: """
                INSERT INTO history (order_id, seen_at, transaction_id, refund_id, field, old_value, new_value)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for entry in copy.history {
                let key = entry.key
                if let count = here[key], count > 0 {
                    here[key] = count - 1
                    alreadyThere += 1
                } else {
                    try insert.execute(arguments: [orderID, entry.seenAt, entry.transactionID, entry.refundID, entry.field,
                                                   entry.oldValue, entry.newValue])
                    copied += 1
                }
            }
            return AbsorbOutcome(order: outcome, historyCopied: copied, historyAlreadyThere: alreadyThere)
        }
    }

    /// Opens a file that must already be a watchlist (the source of a copy): a missing or empty
    /// file is refused, never created.
    public static func openExisting(at path: String) throws(StoreError) -> SQLiteStore {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        guard let size else {
            throw StoreError(.cannotOpen, file: path, problem: "there is no such file. Check the path: the watchlist to copy from must exist already.")
        }
        if size == 0 {
            throw StoreError(.cannotOpen, file: path, problem: "the file is empty, so there is no watchlist in it to copy. Check the path.")
        }
        return try open(at: path)
    }
}
