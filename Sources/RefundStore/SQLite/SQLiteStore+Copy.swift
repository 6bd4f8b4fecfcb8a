import Foundation
import GRDB
import RefundKit
import WatchlistModel

/// The SQLite file as the source or the target of `refundwatch db copy`.
///
/// Every statement names its columns: the tables may gain columns in later migrations. The
/// summary's columns are named by `SummaryColumns`, the list the store's own reads and writes use.
extension SQLiteStore: CopyableStore {
    public func copyOrders(afterID: Int64, limit: Int) async throws(StoreError) -> [OrderCopy] {
        // One read transaction: a snapshot of the file, so each order's state and history agree.
        try await read { db in
            let statement = try db.makeStatement(sql: """
                SELECT t.id, t.reference_id, t.account, t.phone_number_id, t.payment_config_id, t.label, t.added_at,
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
                let order = TrackedOrder(id: row["id"], referenceID: row["reference_id"], account: row["account"], phoneNumberID: row["phone_number_id"],
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
                SELECT order_id, \(StoreSQL.historyColumns.joined(separator: ", "))
                FROM history WHERE order_id BETWEEN ? AND ? ORDER BY order_id, seen_at, id
                """, arguments: [first, last])
            while let row = try history.next() {
                guard let index = positions[row["order_id"]] else { continue }
                orders[index].history.append(Self.historyRow(row))
            }
            let facts = OverviewSQL.Query(sql: "SELECT order_id, \(OverviewSQL.factColumns.joined(separator: ", ")) FROM refund_fact WHERE order_id BETWEEN ? AND ?",
                                          binds: [.bigint(first), .bigint(last)], columns: [.int] + OverviewSQL.factColumnTypes)
            for row in try Self.cells(db, facts) {
                guard let index = positions[row[0].int], let fact = OverviewSQL.fact(Array(row.dropFirst())) else { continue }
                orders[index].facts.append(fact)
            }
            let transactions = try Row.fetchCursor(db, sql: """
                SELECT order_id, transaction_id FROM order_transaction WHERE order_id BETWEEN ? AND ? ORDER BY order_id, transaction_id
                """, arguments: [first, last])
            while let row = try transactions.next() {
                guard let index = positions[row["order_id"]] else { continue }
                orders[index].transactions.append(row["transaction_id"])
            }
            return orders
        }
    }

    public func absorb(_ copy: OrderCopy) async throws(StoreError) -> AbsorbOutcome {
        try await absorb(page: [copy])[0]
    }

    /// A page of orders in one write transaction: a commit each page instead of each order.
    public func absorb(page: [OrderCopy]) async throws(StoreError) -> [AbsorbOutcome] {
        try await run { db in try page.map { try Self.absorb($0, db) } }
    }

    /// One order of a page.
    private static func absorb(_ copy: OrderCopy, _ db: Database) throws -> AbsorbOutcome {
        let order = copy.order
        // The same key as the unique index: a missing lookup id and an empty one are the same.
        let found = try Int64.fetchOne(db, sql: """
            SELECT id FROM tracked_order
            WHERE reference_id = ? AND IFNULL(phone_number_id, '') = IFNULL(?, '') AND IFNULL(payment_config_id, '') = IFNULL(?, '')
              AND IFNULL(account, '') = IFNULL(?, '')
            """, arguments: [order.referenceID, order.phoneNumberID, order.paymentConfigID, order.account])
        let orderID: Int64
        var outcome: AbsorbOutcome.Order
        if let found {
            orderID = found
            outcome = .alreadyThere
        } else {
            try db.execute(sql: """
                INSERT INTO tracked_order (reference_id, account, phone_number_id, payment_config_id, label, added_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [order.referenceID, order.account, order.phoneNumberID, order.paymentConfigID, order.label, order.addedAt])
            orderID = db.lastInsertedRowID
            outcome = .added
        }

        let hereAttempted: Date?? = try Row.fetchOne(db, sql: "SELECT attempted_at FROM order_state WHERE order_id = ?", arguments: [orderID])
            .map { $0["attempted_at"] as Date? }
        if let state = copy.state, CopyWrite.replacesState(state, hereAttemptedAt: hereAttempted) {
            try db.execute(sql: StoreSQL.replaceState(.question), arguments: Self.arguments([.bigint(orderID)] + CopyWrite.stateValues(state)))
            try db.execute(sql: StoreSQL.summary(.question), arguments: Self.arguments(StoreSQL.summaryValues(state.summary) + [.bigint(orderID)]))
            try Self.replaceFacts(db, orderID: orderID, copy.facts)
            try Self.replaceTransactions(db, orderID: orderID, copy.transactions)
            // A fetch stored: a poller's claim on the order made before it is stale.
            try db.execute(sql: "UPDATE tracked_order SET attempts = attempts + 1 WHERE id = ?", arguments: [orderID])
            if outcome == .alreadyThere { outcome = .updated }
        }

        let here = try Row.fetchAll(db, sql: "SELECT \(StoreSQL.historyColumns.joined(separator: ", ")) FROM history WHERE order_id = ?",
                                    arguments: [orderID]).map(Self.historyRow)
        let (rows, alreadyThere) = CopyWrite.newHistory(copy.history, here: here)
        let insert = try db.makeStatement(sql: StoreSQL.insertHistory(.question))
        for row in rows { try insert.execute(arguments: Self.arguments([.bigint(orderID)] + StoreSQL.historyValues(row))) }
        let copied = rows.count
        return AbsorbOutcome(order: outcome, historyCopied: copied, historyAlreadyThere: alreadyThere)
    }

    /// Opens a file that must already be a watchlist (the source of a copy): a missing or empty
    /// file is refused, never created.
    public static func openExisting(at path: String) async throws(StoreError) -> SQLiteStore {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        guard let size else {
            throw StoreError(.cannotOpen, file: path, problem: "there is no such file. Check the path: the watchlist to copy from must exist already.")
        }
        if size == 0 {
            throw StoreError(.cannotOpen, file: path, problem: "the file is empty, so there is no watchlist in it to copy. Check the path.")
        }
        return try await open(at: path)
    }
}
