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
                SELECT t.id, t.reference_id, t.account, t.phone_number_id, t.payment_config_id, t.label, t.added_at,
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
            let transactions = try await connection.query("""
                SELECT order_id, transaction_id FROM order_transaction WHERE order_id BETWEEN \(first) AND \(last) ORDER BY order_id, transaction_id
                """, logger: logger)
            for try await (orderID, transactionID) in transactions.decode((Int64, String).self) {
                guard let index = positions[orderID] else { continue }
                orders[index].transactions.append(transactionID)
            }
            return orders
        }
    }

    public func absorb(_ copy: OrderCopy) async throws(StoreError) -> AbsorbOutcome {
        try await absorb(page: [copy])[0]
    }

    /// A page of orders in one transaction, each table written by a handful of statements for the
    /// whole page (multi-row inserts, `= ANY(array)` reads) instead of a dozen an order: the round
    /// trips, not the rows, are what a copy into PostgreSQL waits on.
    ///
    /// The same decisions as one order at a time: an order the target lacks is added; a state is
    /// replaced only by a later attempt; history rows the target has already are not written again,
    /// so a copy broken off and run again copies nothing twice.
    public func absorb(page: [OrderCopy]) async throws(StoreError) -> [AbsorbOutcome] {
        guard !page.isEmpty else { return [] }
        // The source's keys are unique (its own index is the same as ours); a page that repeats one
        // could only be hand-made, and is taken in two parts so each part's keys are unique.
        let keys = page.map { Self.key($0.order) }
        if Set(keys).count != keys.count {
            let half = page.count / 2
            return try await absorb(page: Array(page[..<half])) + absorb(page: Array(page[half...]))
        }
        return try await transaction { connection, logger in
            try await self.absorb(page, keys: keys, connection, logger)
        }
    }

    /// The key of `tracked_order_key`: a missing lookup id (or account) and an empty one are the same.
    private static func key(_ order: TrackedOrder) -> [String] {
        [order.referenceID, order.phoneNumberID ?? "", order.paymentConfigID ?? "", order.account ?? ""]
    }

    private func absorb(_ page: [OrderCopy], keys: [[String]], _ connection: PostgresConnection, _ logger: Logger) async throws -> [AbsorbOutcome] {
        // 1. Add the orders the target lacks; those there already (or added meanwhile by another
        //    process) are left to the unique index.
        let orderColumns = ["reference_id", "phone_number_id", "payment_config_id", "account", "label", "added_at"]
        var added = Set<[String]>()
        for chunk in Self.chunks(page, columns: orderColumns.count) {
            let rows = try await rows("""
                INSERT INTO tracked_order (\(orderColumns.joined(separator: ", "))) VALUES \(Self.tuples(chunk.count, orderColumns.count))
                ON CONFLICT DO NOTHING RETURNING reference_id, COALESCE(phone_number_id, ''), COALESCE(payment_config_id, ''), COALESCE(account, '')
                """, chunk.flatMap { copy in
                    [.text(copy.order.referenceID), .text(copy.order.phoneNumberID), .text(copy.order.paymentConfigID), .text(copy.order.account), .text(copy.order.label),
                     .time(copy.order.addedAt)] as [StoreValue]
                }, connection, logger)
            for try await (reference, phone, config, account) in rows.decode((String, String, String, String).self) { added.insert([reference, phone, config, account]) }
        }

        // 2. Every order's id and stored attempt, its row locked as `record` locks it, so a poller
        //    writing one of these orders waits for this page.
        var found: [[String]: (id: Int64, attemptedAt: Date??)] = [:]
        for chunk in Self.chunks(keys, columns: 4) {
            let rows = try await rows("""
                SELECT t.id, t.reference_id, COALESCE(t.phone_number_id, ''), COALESCE(t.payment_config_id, ''), COALESCE(t.account, ''),
                       s.order_id, s.attempted_at
                FROM tracked_order t
                JOIN (VALUES \(Self.tuples(chunk.count, 4))) AS k (reference_id, phone_number_id, payment_config_id, account)
                  ON t.reference_id = k.reference_id AND COALESCE(t.phone_number_id, '') = k.phone_number_id
                 AND COALESCE(t.payment_config_id, '') = k.payment_config_id AND COALESCE(t.account, '') = k.account
                LEFT JOIN order_state s ON s.order_id = t.id
                FOR UPDATE OF t
                """, chunk.flatMap { $0.map { StoreValue.text($0) } }, connection, logger)
            for try await (id, reference, phone, config, account, stateID, attemptedAt) in rows.decode((Int64, String, String, String, String, Int64?, Date?).self) {
                found[[reference, phone, config, account]] = (id, stateID == nil ? nil : .some(attemptedAt))
            }
        }

        // 3. What each order needs, decided as for one order.
        var outcomes: [AbsorbOutcome] = []
        var replaced: [(id: Int64, copy: OrderCopy)] = []
        var ids: [Int64] = []
        for (copy, key) in zip(page, keys) {
            guard let here = found[key] else {
                throw StoreError(.other, file: self.location, problem: "the order \(copy.order.referenceID) was added and removed by another process during the copy; run the copy again.")
            }
            ids.append(here.id)
            var outcome: AbsorbOutcome.Order = added.contains(key) ? .added : .alreadyThere
            if CopyWrite.replacesState(copy.state, hereAttemptedAt: here.attemptedAt) {
                replaced.append((here.id, copy))
                if outcome == .alreadyThere { outcome = .updated }
            }
            outcomes.append(AbsorbOutcome(order: outcome, historyCopied: 0, historyAlreadyThere: 0))
        }

        // 4. The states replaced, their summaries and facts with them; a fetch stored, so a
        //    poller's claim on the order made before it is stale.
        let stateColumns = StoreSQL.stateColumns + SummaryColumns.names
        for chunk in Self.chunks(replaced, columns: stateColumns.count + 1) {
            try await run("""
                INSERT INTO order_state (order_id, \(stateColumns.joined(separator: ", "))) VALUES \(Self.tuples(chunk.count, stateColumns.count + 1))
                ON CONFLICT (order_id) DO UPDATE SET \(stateColumns.map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
                """, chunk.flatMap { entry -> [StoreValue] in
                    let state = entry.copy.state!
                    return [.bigint(entry.id)] + CopyWrite.stateValues(state) + StoreSQL.summaryValues(state.summary)
                }, connection, logger)
        }
        // An order this page added has no facts and no history here yet: neither is read nor
        // deleted for it (on a copy into an empty database, that is every order).
        let addedIDs = Set(zip(page, keys).compactMap { added.contains($0.1) ? found[$0.1]?.id : nil })
        if !replaced.isEmpty {
            let replacedIDs = replaced.map(\.id)
            let factsHere = replacedIDs.filter { !addedIDs.contains($0) }
            if !factsHere.isEmpty {
                try await connection.query("DELETE FROM refund_fact WHERE order_id = ANY(\(factsHere)::bigint[])", logger: logger)
                try await connection.query("DELETE FROM order_transaction WHERE order_id = ANY(\(factsHere)::bigint[])", logger: logger)
            }
            let transactions = replaced.flatMap { entry in entry.copy.transactions.map { (entry.id, $0) } }
            if !transactions.isEmpty {
                try await connection.query("""
                    INSERT INTO order_transaction (order_id, transaction_id)
                    SELECT * FROM unnest(\(transactions.map(\.0))::bigint[], \(transactions.map(\.1))::text[]) ON CONFLICT DO NOTHING
                    """, logger: logger)
            }
            let facts = replaced.flatMap { entry in entry.copy.facts.map { (entry.id, $0) } }
            for chunk in Self.chunks(facts, columns: OverviewSQL.factColumns.count + 1) {
                try await run("""
                    INSERT INTO refund_fact (order_id, \(OverviewSQL.factColumns.joined(separator: ", "))) VALUES \(Self.tuples(chunk.count, OverviewSQL.factColumns.count + 1))
                    """, chunk.flatMap { [.bigint($0.0)] + OverviewSQL.values($0.1) }, connection, logger)
            }
            try await connection.query("UPDATE tracked_order SET attempts = attempts + 1 WHERE id = ANY(\(replacedIDs)::bigint[])", logger: logger)
        }

        // 5. History: the page's stored rows read at once, the missing ones written at once.
        var stored: [Int64: [OrderCopy.HistoryRow]] = [:]
        let historyHere = ids.filter { !addedIDs.contains($0) }
        if !historyHere.isEmpty {
            // Joined to the ids rather than `= ANY`: a table just filled has no statistics yet,
            // and the planner scanned all of it for each page (40 ms a page at a million rows).
            let historyRows = try await connection.query(PostgresQuery(unsafeSQL: """
                SELECT h.order_id, \(StoreSQL.historyColumns.map { "h.\($0)" }.joined(separator: ", "))
                FROM unnest($1::bigint[]) AS k (id) JOIN history h ON h.order_id = k.id ORDER BY h.order_id, h.seen_at, h.id
                """, binds: try Self.binds(historyHere)), logger: logger)
            for try await (orderID, seenAt, transactionID, refundID, field, oldValue, newValue)
                in historyRows.decode((Int64, Date, String?, String?, String, String?, String?).self) {
                stored[orderID, default: []].append(OrderCopy.HistoryRow(seenAt: seenAt, transactionID: transactionID, refundID: refundID,
                                                                          field: field, oldValue: oldValue, newValue: newValue))
            }
        }
        var newHistory: [(Int64, OrderCopy.HistoryRow)] = []
        for (index, (copy, id)) in zip(page, ids).enumerated() {
            let (rows, alreadyThere) = CopyWrite.newHistory(copy.history, here: stored[id] ?? [])
            outcomes[index].historyCopied = rows.count
            outcomes[index].historyAlreadyThere = alreadyThere
            newHistory += rows.map { (id, $0) }
        }
        for chunk in Self.chunks(newHistory, columns: StoreSQL.historyColumns.count + 1) {
            try await run("""
                INSERT INTO history (order_id, \(StoreSQL.historyColumns.joined(separator: ", "))) VALUES \(Self.tuples(chunk.count, StoreSQL.historyColumns.count + 1))
                """, chunk.flatMap { [.bigint($0.0)] + StoreSQL.historyValues($0.1) }, connection, logger)
        }

        let written = zip(outcomes, ids).filter { $0.0.order != .alreadyThere || $0.0.historyCopied > 0 }.map(\.1)
        if !written.isEmpty { try await markWritten(connection, logger, orders: written) }
        return outcomes
    }

    /// `rows` rows of `columns` numbered placeholders each: "($1, $2), ($3, $4)".
    private static func tuples(_ rows: Int, _ columns: Int) -> String {
        (0..<rows).map { "(" + Placeholders.numbered.list(columns, from: $0 * columns + 1) + ")" }.joined(separator: ", ")
    }

    /// Slices of `items` whose statements stay under PostgreSQL's 65,535 bound values.
    private static func chunks<T>(_ items: [T], columns: Int) -> [ArraySlice<T>] {
        let size = max(1, 30_000 / columns)
        return stride(from: 0, to: items.count, by: size).map { items[$0..<min($0 + size, items.count)] }
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
