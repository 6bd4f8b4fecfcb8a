import Foundation
import GRDB
import RefundKit
import WatchlistModel

/// The watchlist, the last known report of each order, and the history of every change, in one
/// SQLite file.
///
/// Several processes may use one file at once (a dashboard and a `track refresh` from cron): the
/// database is in WAL mode, waits up to `busyTimeout` for a lock, and every write that touches more
/// than one row is one transaction, so a process killed at any moment leaves whole orders only.
public final class SQLiteStore: WatchlistStore, Sendable {
    public var location: String { path }

    /// Seconds a write waits for another process's lock before giving up.
    public static let busyTimeout: TimeInterval = 10

    /// The file, or ":memory:".
    public let path: String
    let writer: any DatabaseWriter
    /// The time pollers' leases, heartbeats and fetch requests are reckoned by; nil is this
    /// machine's clock. A test passes a clock it moves itself, to let a lease run out without
    /// waiting for it.
    let clock: (@Sendable () -> Date)?

    init(path: String, writer: any DatabaseWriter, clock: (@Sendable () -> Date)?) {
        self.path = path
        self.writer = writer
        self.clock = clock
    }

    /// One write transaction, on GRDB's writer queue; any failure becomes a `StoreError` naming
    /// this file.
    func run<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do {
            return try await writer.write(body)
        } catch {
            throw StoreFile.storeError(error, file: path)
        }
    }

    /// One read, on one of GRDB's reader queues.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do {
            return try await writer.read(body)
        } catch {
            throw StoreFile.storeError(error, file: path)
        }
    }

    /// A number that changes whenever another connection (another process: a poller, a
    /// `track refresh`, another dashboard) has committed to the file since the last call; this
    /// process's own writes leave it as it is. SQLite's `PRAGMA data_version`, asked of the one
    /// connection this process writes with.
    public func externalChanges() async throws(StoreError) -> Int {
        do {
            return try await writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
        } catch {
            throw StoreFile.storeError(error, file: path)
        }
    }

    // MARK: - Watchlist

    /// Adds orders in one transaction. An order already tracked (same reference id and lookup ids),
    /// or given twice, is reported as a duplicate and not written again.
    public func add(_ orders: [TrackedOrder]) async throws(StoreError) -> AddOutcome {
        try await run { db in
            var outcome = AddOutcome()
            for order in orders {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO tracked_order (reference_id, account, phone_number_id, payment_config_id, label, added_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [order.referenceID, order.account, order.phoneNumberID, order.paymentConfigID, order.label, order.addedAt])
                if db.changesCount == 1 {
                    var added = order
                    added.id = db.lastInsertedRowID
                    outcome.added.append(added)
                } else {
                    outcome.duplicates.append(order)
                }
            }
            return outcome
        }
    }

    /// Removes every entry with one of these reference ids, with its report and history. Returns the
    /// ids that were removed (those not tracked are absent).
    public func remove(referenceIDs: [String]) async throws(StoreError) -> [String] {
        try await run { db in
            var removed: [String] = []
            for id in referenceIDs {
                try db.execute(sql: "DELETE FROM tracked_order WHERE reference_id = ?", arguments: [id])
                if db.changesCount > 0 { removed.append(id) }
            }
            return removed
        }
    }

    public func place(orderID: Int64, at place: OrderPlace) async throws(StoreError) -> Int64? {
        try await run { db in
            guard try Self.isTracked(db, orderID) else { return nil }
            let other = try Int64.fetchOne(db, sql: """
                SELECT o.id FROM tracked_order o JOIN tracked_order t ON t.id = ?
                WHERE o.id != t.id AND o.reference_id = t.reference_id AND IFNULL(o.account, '') = ?
                  AND IFNULL(o.phone_number_id, '') = IFNULL(?, '') AND IFNULL(o.payment_config_id, '') = IFNULL(?, '')
                """, arguments: [orderID, place.account, place.phoneNumberID, place.paymentConfigID])
            if let other {
                try db.execute(sql: "DELETE FROM tracked_order WHERE id = ?", arguments: [orderID])
                return other
            }
            try db.execute(sql: "UPDATE tracked_order SET account = ?, phone_number_id = ?, payment_config_id = ? WHERE id = ?",
                           arguments: [place.account, place.phoneNumberID, place.paymentConfigID, orderID])
            return orderID
        }
    }

    public func trackedOrders() async throws(StoreError) -> [TrackedOrder] {
        try await read { db in try Row.fetchAll(db, sql: Self.orderSelection + " ORDER BY id").map(Self.trackedOrder) }
    }

    public func orders(referenceID: String) async throws(StoreError) -> [TrackedOrder] {
        try await read { db in try Row.fetchAll(db, sql: Self.orderSelection + " WHERE reference_id = ? ORDER BY id", arguments: [referenceID]).map(Self.trackedOrder) }
    }

    public func count() async throws(StoreError) -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM tracked_order") ?? 0 }
    }

    /// Every tracked order with its summary, fetch times and last failure, in the order added.
    public func watchlist() async throws(StoreError) -> [WatchedOrder] {
        try await read { db in
            let statement = try db.makeStatement(sql: Self.watchedSelection + " ORDER BY t.id")
            let reader = WatchedRowReader(statement)
            let rows = try Row.fetchCursor(statement)
            var result: [WatchedOrder] = []
            while let row = try rows.next() {
                result.append(reader.watched(row))
            }
            return result
        }
    }

    /// One watchlist row, after its order was fetched (the dashboard updates rows one by one).
    public func watchedOrder(id: Int64) async throws(StoreError) -> WatchedOrder? {
        try await read { db in
            let statement = try db.makeStatement(sql: Self.watchedSelection + " WHERE t.id = ?")
            guard let row = try Row.fetchOne(statement, arguments: [id]) else { return nil }
            return WatchedRowReader(statement).watched(row)
        }
    }

    public func watchedOrders(ids: [Int64]) async throws(StoreError) -> [WatchedOrder] {
        guard !ids.isEmpty else { return [] }
        return try await read { db in
            var found: [WatchedOrder] = []
            // SQLite takes at most 32,766 parameters a statement.
            for start in stride(from: 0, to: ids.count, by: 10_000) {
                let some = Array(ids[start..<min(ids.count, start + 10_000)])
                let marks = Array(repeating: "?", count: some.count).joined(separator: ",")
                let statement = try db.makeStatement(sql: Self.watchedSelection + " WHERE t.id IN (\(marks)) ORDER BY t.id")
                let reader = WatchedRowReader(statement)
                found += try Row.fetchAll(statement, arguments: StatementArguments(some)).map(reader.watched)
            }
            return found.sorted { $0.order.id! < $1.order.id! }
        }
    }

    /// Ranks every order on `order_state_attention` alone (schema v5), then reads the whole rows
    /// of the first `limit`.
    public func firstPage(limit: Int, now: Date) async throws(StoreError) -> WatchlistPage {
        try await read { db in
            let ids = try Int64.fetchAll(db, sql: """
                SELECT t.id, \(AttentionSQL.sqlite) AS attention_rank
                FROM tracked_order t LEFT JOIN order_state s INDEXED BY order_state_attention ON s.order_id = t.id
                ORDER BY \(AttentionSQL.sqliteOrder) LIMIT :limit
                """, arguments: ["now": now.timeIntervalSince1970, "limit": limit])
            var rows: [WatchedOrder] = []
            for start in stride(from: 0, to: ids.count, by: 500) {
                let some = Array(ids[start..<min(ids.count, start + 500)])
                let statement = try db.makeStatement(sql: Self.watchedSelection + " WHERE t.id IN (\(some.map { _ in "?" }.joined(separator: ",")))")
                let reader = WatchedRowReader(statement)
                rows += try Row.fetchAll(statement, arguments: StatementArguments(some)).map(reader.watched)
            }
            let position = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
            rows.sort { position[$0.order.id!]! < position[$1.order.id!]! }
            let totals = try Row.fetchOne(db, sql: AttentionSQL.sqliteTotals, arguments: ["now": now.timeIntervalSince1970])
            return WatchlistPage(rows: rows, totals: WatchlistTotals(orders: totals?["orders"] ?? 0, pending: totals?["pending"] ?? 0,
                                                                     overdue: totals?["overdue"] ?? 0, failing: totals?["failing"] ?? 0,
                                                                     neverFetched: totals?["never_fetched"] ?? 0, partlyFailing: totals?["partly_failing"] ?? 0))
        }
    }

    /// Another process's writes are noticed by asking the file (`externalChanges`) every
    /// `StoreChange.fileLatency`; SQLite cannot say which rows they were.
    public func watchChanges(after mark: Int?, _ changed: @escaping @Sendable (StoreChange) async -> Void) async throws(StoreError) {
        var seen = try await externalChanges()
        if let mark, mark != seen { await changed(.everything) }
        while !Task.isCancelled {
            try? await Task.sleep(for: StoreChange.fileLatency)
            let now = try await externalChanges()
            if now != seen {
                seen = now
                await changed(.everything)
            }
        }
    }

    static let orderSelection = "SELECT id, reference_id, account, phone_number_id, payment_config_id, label, added_at FROM tracked_order"

    static func trackedOrder(_ row: Row) -> TrackedOrder {
        TrackedOrder(id: row["id"], referenceID: row["reference_id"], account: row["account"], phoneNumberID: row["phone_number_id"],
                     paymentConfigID: row["payment_config_id"], label: row["label"], addedAt: row["added_at"])
    }

    static func isTracked(_ db: Database, _ orderID: Int64) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM tracked_order WHERE id = ?)", arguments: [orderID]) ?? false
    }

    /// A watchlist row: the order, its fetch times and last failure, its summary's columns.
    static let watchedSelection = watchedColumns + "\n" + watchedFrom
    static let watchedColumns = """
        SELECT t.id, t.reference_id, t.account, t.phone_number_id, t.payment_config_id, t.label, t.added_at,
               s.fetched_at, s.changed_at, s.error_category, s.error_service, s.error_message, s.failed_at,
               s.attempted_at, s.failures, t.attempts, t.requested_at,
               \(SummaryColumns.selection)
        """
    static let watchedFrom = "FROM tracked_order t LEFT JOIN order_state s ON s.order_id = t.id"

    // MARK: - Reports

    /// The last good report of an order, nil if it was never fetched.
    public func report(orderID: Int64) async throws(StoreError) -> OrderReport? {
        let path = self.path
        return try await read { db in try Self.storedReport(db, orderID: orderID, file: path) }
    }

    /// nil when the order was never fetched; a report that is stored but cannot be decoded is an
    /// error (`StoreError.unreadableReport`), never taken for "not fetched yet".
    static func storedReport(_ db: Database, orderID: Int64, file: String) throws -> OrderReport? {
        guard let data = try Data.fetchOne(db, sql: "SELECT report FROM order_state WHERE order_id = ?", arguments: [orderID]) else { return nil }
        return try decodeReport(data, db: db, orderID: orderID, file: file)
    }

    static func decodeReport(_ data: Data, db: Database, orderID: Int64, file: String) throws -> OrderReport {
        do {
            return try JSONDecoder().decode(OrderReport.self, from: data)
        } catch {
            let referenceID = try String.fetchOne(db, sql: "SELECT reference_id FROM tracked_order WHERE id = ?", arguments: [orderID])
            throw StoreError.unreadableReport(file, referenceID: referenceID ?? "order \(orderID)", detail: StoredJSON.describe(error))
        }
    }

    /// Every tracked order with its last good report (nil if never fetched), in the order added.
    /// A stored report that cannot be read is an error naming its order.
    public func reports() async throws(StoreError) -> [(order: TrackedOrder, report: OrderReport?)] {
        try await reports(where: "", arguments: [])
    }

    public func reports(orderIDs: [Int64]) async throws(StoreError) -> [(order: TrackedOrder, report: OrderReport?)] {
        var result: [(order: TrackedOrder, report: OrderReport?)] = []
        // SQLite takes at most 32,766 parameters a statement.
        for start in stride(from: 0, to: orderIDs.count, by: 10_000) {
            let some = Array(orderIDs[start..<min(orderIDs.count, start + 10_000)])
            result += try await reports(where: "WHERE t.id IN (\(some.map { _ in "?" }.joined(separator: ",")))", arguments: StatementArguments(some))
        }
        return result.sorted { ($0.order.id ?? 0) < ($1.order.id ?? 0) }
    }

    private func reports(where condition: String, arguments: StatementArguments) async throws(StoreError) -> [(order: TrackedOrder, report: OrderReport?)] {
        let path = self.path
        return try await read { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT t.id, t.reference_id, t.account, t.phone_number_id, t.payment_config_id, t.label, t.added_at, s.report
                FROM tracked_order t LEFT JOIN order_state s ON s.order_id = t.id \(condition) ORDER BY t.id
                """, arguments: arguments)
            var result: [(order: TrackedOrder, report: OrderReport?)] = []
            while let row = try rows.next() {
                let order = Self.trackedOrder(row)
                let stored: Data? = row["report"]
                result.append((order, try stored.map { try Self.decodeReport($0, db: db, orderID: order.id ?? 0, file: path) }))
            }
            return result
        }
    }

    /// Stores a successful fetch (`RecordWrite`: the report with PayU's earlier answer kept where
    /// PayU failed, its summary, every change from the previous report into the history) in one
    /// transaction. Returns nil if the order was removed meanwhile (by another process).
    ///
    /// A stored report that cannot be read stops this order here (`StoreError.unreadableReport`):
    /// taking it for "never fetched" would write a second set of "first seen" entries.
    public func record(_ fetched: OrderReport, orderID: Int64, rules: DeadlineRules) async throws(StoreError) -> RecordOutcome? {
        let path = self.path
        return try await run { db in
            guard try Self.isTracked(db, orderID) else { return nil }
            let pushedBy = try String.fetchOne(db, sql: "SELECT pushed_by FROM tracked_order WHERE id = ?", arguments: [orderID])
            try db.execute(sql: StoreSQL.markAttempted(.question), arguments: [orderID])
            try db.execute(sql: "UPDATE tracked_order SET pushed_by = NULL WHERE id = ?", arguments: [orderID])
            let write = RecordWrite(fetched: fetched, previous: try Self.storedReport(db, orderID: orderID, file: path),
                                    previousFacts: try Self.facts(db, orderID: orderID), rules: rules, pushedBy: pushedBy)
            try db.execute(sql: StoreSQL.recordState(.question), arguments: Self.arguments([.bigint(orderID)] + write.stateValues()))
            let insert = try db.makeStatement(sql: StoreSQL.insertHistory(.question))
            for row in write.history { try insert.execute(arguments: Self.arguments([.bigint(orderID)] + row)) }
            try db.execute(sql: StoreSQL.summary(.question), arguments: Self.arguments(StoreSQL.summaryValues(write.summary) + [.bigint(orderID)]))
            try Self.replaceFacts(db, orderID: orderID, write.facts)
            try Self.replaceTransactions(db, orderID: orderID, write.transactionIDs)
            return write.outcome
        }
    }

    /// Stores a failed fetch (`FailureWrite`). The last good report and its summary stay as they were.
    public func recordFailure(_ error: ReportedError, at date: Date, orderID: Int64) async throws(StoreError) {
        try await run { db in
            guard try Self.isTracked(db, orderID) else { return }
            try db.execute(sql: StoreSQL.markAttempted(.question), arguments: [orderID])
            try db.execute(sql: StoreSQL.recordFailure(.question), arguments: Self.arguments([.bigint(orderID)] + FailureWrite(error: error, at: date).values))
        }
    }

    /// `values` as GRDB binds them.
    static func arguments(_ values: [StoreValue]) -> StatementArguments {
        StatementArguments(values.map { value -> (any DatabaseValueConvertible)? in
            switch value {
            case .text(let text): text
            case .integer(let number): number
            case .bigint(let number): number
            case .time(let date): date
            case .bytes(let data): data
            case .real(let number): number
            }
        })
    }

    // MARK: - History

    /// The changes of one order, oldest first; a field this version does not know is kept as it
    /// was written.
    public func history(orderID: Int64) async throws(StoreError) -> [HistoryEntry] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT id, order_id, \(StoreSQL.historyColumns.joined(separator: ", ")) FROM history WHERE order_id = ? ORDER BY seen_at, id",
                             arguments: [orderID]).map { row in
                StoreSQL.historyEntry(id: row["id"], orderID: row["order_id"], Self.historyRow(row))
            }
        }
    }

    static func historyRow(_ row: Row) -> OrderCopy.HistoryRow {
        OrderCopy.HistoryRow(seenAt: row["seen_at"], transactionID: row["transaction_id"], refundID: row["refund_id"], field: row["field"],
                             oldValue: row["old_value"], newValue: row["new_value"])
    }

    // MARK: - Facts about the file

    public func metadata(_ key: String) async throws(StoreError) -> String? {
        try await read { db in try String.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = ?", arguments: [key]) }
    }

    public func setMetadata(_ key: String, _ value: String) async throws(StoreError) {
        try await run { db in
            try db.execute(sql: "INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", arguments: [key, value])
        }
    }
}
