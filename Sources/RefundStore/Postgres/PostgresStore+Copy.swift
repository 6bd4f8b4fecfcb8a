import Foundation
import Logging
import PostgresNIO
import RefundKit
import WatchlistModel

/// The PostgreSQL database as the source or the target of `refundwatch db copy`.
///
/// Every statement names its columns: the tables may gain columns in later migrations. The
/// summary's columns are named by `SummaryColumns`, the list the store's own reads and writes use.
/// Values are always bound, never written into the SQL.
extension PostgresStore: CopyableStore {
    public func copyOrders(afterID: Int64, limit: Int) async throws(StoreError) -> [OrderCopy] {
        try await transaction { connection, logger in
            // One snapshot for both queries (by default each statement sees its own), so each
            // order's state and history agree even while a poller writes.
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            var orders: [OrderCopy] = []
            let rows = try await connection.query("""
                SELECT t.id, t.reference_id, t.phone_number_id, t.payment_config_id, t.label, t.added_at,
                       s.order_id AS state_order_id, s.report, s.summary AS summary_json, s.fetched_at, s.changed_at, s.attempted_at,
                       s.error_category, s.error_service, s.error_message, s.failed_at, s.failures,
                       \(unescaped: SummaryColumns.selection)
                FROM tracked_order t LEFT JOIN order_state s ON s.order_id = t.id
                WHERE t.id > \(afterID) ORDER BY t.id LIMIT \(Int64(limit))
                """, logger: logger)
            for try await row in rows {
                let r = row.makeRandomAccess()
                var state: OrderCopy.State?
                if try r["state_order_id"].decode(Int64?.self) != nil {
                    state = OrderCopy.State(
                        report: try r["report"].decode(Data?.self), summaryJSON: try r["summary_json"].decode(Data?.self),
                        summary: try Self.summary(r), fetchedAt: try r["fetched_at"].decode(Date?.self),
                        changedAt: try r["changed_at"].decode(Date?.self), attemptedAt: try r["attempted_at"].decode(Date?.self),
                        errorCategory: try r["error_category"].decode(String?.self), errorService: try r["error_service"].decode(String?.self),
                        errorMessage: try r["error_message"].decode(String?.self), failedAt: try r["failed_at"].decode(Date?.self),
                        failures: Int(try r["failures"].decode(Int32?.self) ?? 0))
                }
                orders.append(OrderCopy(order: try Self.trackedOrder(r), state: state, history: []))
            }
            guard let first = orders.first?.order.id, let last = orders.last?.order.id else { return [] }
            var positions: [Int64: Int] = [:]
            for (index, order) in orders.enumerated() { positions[order.order.id ?? 0] = index }
            let history = try await connection.query("""
                SELECT order_id, seen_at, transaction_id, refund_id, field, old_value, new_value
                FROM history WHERE order_id BETWEEN \(first) AND \(last) ORDER BY order_id, seen_at, id
                """, logger: logger)
            for try await row in history {
                let r = row.makeRandomAccess()
                guard let index = positions[try r["order_id"].decode(Int64.self)] else { continue }
                orders[index].history.append(try Self.historyRow(r))
            }
            let facts = OverviewSQL.Query(sql: "SELECT order_id, \(OverviewSQL.factColumns.joined(separator: ", ")) FROM refund_fact WHERE order_id BETWEEN $1 AND $2",
                                          binds: [.bigint(first), .bigint(last)], columns: [.int] + OverviewSQL.factColumnTypes)
            for row in try await self.cells(facts, connection, logger) {
                guard let index = positions[row[0].int], let fact = OverviewSQL.fact(Array(row.dropFirst())) else { continue }
                orders[index].facts.append(fact)
            }
            return orders
        }
    }

    public func absorb(_ copy: OrderCopy) async throws(StoreError) -> AbsorbOutcome {
        try await absorb(page: [copy])[0]
    }

    /// A page of orders in one transaction: a commit each page instead of each order.
    public func absorb(page: [OrderCopy]) async throws(StoreError) -> [AbsorbOutcome] {
        try await transaction { connection, logger in
            var outcomes: [AbsorbOutcome] = []
            var written: [Int64] = []
            for copy in page {
                let (outcome, orderID) = try await self.absorb(copy, connection, logger)
                outcomes.append(outcome)
                if let orderID { written.append(orderID) }
            }
            if !written.isEmpty { try await self.markWritten(connection, logger, orders: written) }
            return outcomes
        }
    }

    /// One order of a page; the order's id when something of it was written.
    private func absorb(_ copy: OrderCopy, _ connection: PostgresConnection, _ logger: Logger) async throws -> (AbsorbOutcome, Int64?) {
        let order = copy.order
        // The same key as the unique index (a missing lookup id and an empty one are the same),
        // the row locked as `record` locks it, so a poller writing this order waits for us.
        let select: PostgresQuery = """
            SELECT id FROM tracked_order
            WHERE reference_id = \(order.referenceID) AND COALESCE(phone_number_id, '') = COALESCE(\(order.phoneNumberID), '')
              AND COALESCE(payment_config_id, '') = COALESCE(\(order.paymentConfigID), '')
            FOR UPDATE
            """
        var outcome: AbsorbOutcome.Order = .alreadyThere
        var orderID = try await Self.value(connection.query(select, logger: logger), Int64.self)
        if orderID == nil {
            orderID = try await Self.value(connection.query("""
                INSERT INTO tracked_order (reference_id, phone_number_id, payment_config_id, label, added_at)
                VALUES (\(order.referenceID), \(order.phoneNumberID), \(order.paymentConfigID), \(order.label), \(self.storedTime(order.addedAt)))
                ON CONFLICT DO NOTHING RETURNING id
                """, logger: logger), Int64.self)
            outcome = .added
            if orderID == nil {
                // Another process added it between the two statements.
                orderID = try await Self.value(connection.query(select, logger: logger), Int64.self)
                outcome = .alreadyThere
            }
        }
        guard let orderID else {
            throw StoreError(.other, file: self.location, problem: "the order \(order.referenceID) was added and removed by another process during the copy; run the copy again.")
        }
        var wrote = outcome == .added

        let here = try await Self.value(connection.query("SELECT attempted_at FROM order_state WHERE order_id = \(orderID)", logger: logger), Date?.self)
        if let state = copy.state, CopyWrite.replacesState(state, hereAttemptedAt: here) {
            try await self.run(StoreSQL.replaceState(.numbered), [.bigint(orderID)] + CopyWrite.stateValues(state), connection, logger)
            try await self.run(StoreSQL.summary(.numbered), StoreSQL.summaryValues(state.summary) + [.bigint(orderID)], connection, logger)
            try await self.replaceFacts(orderID: orderID, copy.facts, connection, logger)
            // A fetch stored: a poller's claim on the order made before it is stale.
            try await connection.query("UPDATE tracked_order SET attempts = attempts + 1 WHERE id = \(orderID)", logger: logger)
            wrote = true
            if outcome == .alreadyThere { outcome = .updated }
        }

        var stored: [OrderCopy.HistoryRow] = []
        let rows = try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT \(StoreSQL.historyColumns.joined(separator: ", ")) FROM history WHERE order_id = $1
            """, binds: try Self.binds(orderID)), logger: logger)
        for try await row in rows { stored.append(try Self.historyRow(row.makeRandomAccess())) }
        let (newRows, alreadyThere) = CopyWrite.newHistory(copy.history, here: stored)
        for row in newRows {
            try await self.run(StoreSQL.insertHistory(.numbered), [.bigint(orderID)] + StoreSQL.historyValues(row), connection, logger)
        }
        let copied = newRows.count
        if copied > 0 { wrote = true }
        return (AbsorbOutcome(order: outcome, historyCopied: copied, historyAlreadyThere: alreadyThere), wrote ? orderID : nil)
    }

    static func historyRow(_ r: PostgresRandomAccessRow) throws -> OrderCopy.HistoryRow {
        OrderCopy.HistoryRow(
            seenAt: try r["seen_at"].decode(Date.self), transactionID: try r["transaction_id"].decode(String?.self),
            refundID: try r["refund_id"].decode(String?.self), field: try r["field"].decode(String.self),
            oldValue: try r["old_value"].decode(String?.self), newValue: try r["new_value"].decode(String?.self))
    }

    /// Rounded to the microsecond, as `timestamptz` keeps it (see `StoredTime`).
    func storedTime(_ date: Date) -> Date {
        StoredTime.roundedToMicrosecond(date)
    }

    /// Opens a database that must already hold a watchlist (the source of a copy): one without
    /// refundwatch's tables is refused, and left without them.
    public static func openExisting(_ place: PostgresLocation,
                                    environment: [String: String] = ProcessInfo.processInfo.environment) async throws(StoreError) -> PostgresStore {
        let configuration = try PostgresConnector.configuration(for: place, environment: environment)
        let logger = Logger(label: "refundwatch.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
        let marked: String?
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
            do {
                marked = try await value(connection.query("SELECT to_regclass('public.refundwatch_meta')::text", logger: logger), String?.self) ?? nil
            } catch {
                try? await connection.close()
                throw error
            }
            try? await connection.close()
        } catch {
            throw PostgresConnector.storeError(error, location: place)
        }
        guard marked != nil else {
            throw StoreError(.notRefundwatch, file: place.description, problem: "this database holds no refundwatch watchlist (none of its tables), so there is nothing to copy from it. It was left untouched. Check the URL's database name.")
        }
        return try await open(place, environment: environment)
    }
}
