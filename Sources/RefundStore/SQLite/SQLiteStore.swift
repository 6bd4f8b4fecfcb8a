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

    private init(path: String, writer: any DatabaseWriter, clock: (@Sendable () -> Date)?) {
        self.path = path
        self.writer = writer
        self.clock = clock
    }

    /// Opens (or creates) the database at `path`. A file that is not refundwatch's, is damaged, is
    /// read-only or was written by a newer version is refused with a `StoreError`, never changed.
    ///
    /// `verifyingEveryPage: false` leaves reading every page for damage (`verify()`, about 2 ms a
    /// megabyte) to the caller, who must call it before writing; a file that needs a migration is
    /// still read whole first. The dashboard does this to draw its first frame sooner.
    ///
    /// `clock`: the time pollers' leases and heartbeats are reckoned by (nil: this machine's).
    public static func open(at path: String, verifyingEveryPage: Bool = true, clock: (@Sendable () -> Date)? = nil) throws(StoreError) -> SQLiteStore {
        // Turning a new file into a WAL database takes a lock SQLite does not wait for: when another
        // process is creating the same file at that moment, try again shortly.
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try openOnce(at: path, verifyingEveryPage: verifyingEveryPage, clock: clock)
            } catch where error.kind == .busy && attempt < 5 {
                Thread.sleep(forTimeInterval: 0.1 * Double(attempt))
            }
        }
    }

    private static func openOnce(at path: String, verifyingEveryPage: Bool, clock: (@Sendable () -> Date)?) throws(StoreError) -> SQLiteStore {
        try StoreFile.checkBeforeOpening(path)
        try inspect(path, verifyingEveryPage: verifyingEveryPage)
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreFile.storeError(error, file: path)
        }
        let store = SQLiteStore(path: path, writer: pool, clock: clock)
        try store.prepareSchema()
        return store
    }

    /// A database that lives as long as the process: for tests and throwaway demos. `clock` as
    /// for `open(at:)`.
    public static func inMemory(clock: (@Sendable () -> Date)? = nil) throws(StoreError) -> SQLiteStore {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue()
        } catch {
            throw StoreFile.storeError(error, file: ":memory:")
        }
        let store = SQLiteStore(path: ":memory:", writer: queue, clock: clock)
        try store.prepareSchema()
        return store
    }

    /// Looks at an existing file through a read-only connection before anything may write to it:
    /// opening in WAL mode or migrating would change the file, and a file that is someone else's,
    /// damaged or newer must be left byte for byte as it was.
    private static func inspect(_ path: String, verifyingEveryPage: Bool) throws(StoreError) {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size > 0 else { return }
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.read { db in try Self.check(db, path: path, verifyingEveryPage: verifyingEveryPage) }
            try queue.close()
        } catch {
            throw StoreFile.storeError(error, file: path)
        }
    }

    private static func check(_ db: Database, path: String, verifyingEveryPage: Bool) throws {
        let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        // GRDB creates its `grdb_migrations` table just before the first migration sets the
        // application id: a file caught in between is ours, being made by another process.
        let tables = try Int.fetchOne(db, sql: """
            SELECT count(*) FROM sqlite_master
            WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'
            """) ?? 0
        if applicationID != Schema.applicationID && (applicationID != 0 || tables > 0) {
            throw StoreError.notRefundwatch(path)
        }
        let migrator = Schema.migrator
        let unknown = try migrator.appliedIdentifiers(db).subtracting(migrator.migrations)
        if !unknown.isEmpty {
            throw StoreError.newerSchema(path, unknown: unknown.sorted())
        }
        // A migration writes: the file is read whole before, whatever the caller asked.
        let migrated = try migrator.hasCompletedMigrations(db)
        if verifyingEveryPage || !migrated {
            try quickCheck(db, path: path)
        }
    }

    /// Reads every page once: a damaged file is caught here, not in the middle of a refresh.
    private static func quickCheck(_ db: Database, path: String) throws {
        let verdict = try String.fetchOne(db, sql: "PRAGMA quick_check(1)") ?? "ok"
        if verdict != "ok" {
            throw StoreError.corrupt(path, detail: verdict)
        }
    }

    /// Reads every page for damage; see `open(at:verifyingEveryPage:)`.
    public func verify() throws(StoreError) {
        let path = self.path
        try read { db in try Self.quickCheck(db, path: path) }
    }

    /// Applies missing migrations. Two processes opening a new file at the same moment may both
    /// start the same migration (GRDB reads what is applied before its transaction begins); the
    /// loser's attempt fails and rolls back, and it then finds the schema complete.
    private func prepareSchema() throws(StoreError) {
        let migrator = Schema.migrator
        var attempt = 0
        while true {
            attempt += 1
            do {
                try migrator.migrate(writer)
                return
            } catch {
                let completed = (try? writer.read { try migrator.hasCompletedMigrations($0) }) ?? false
                if completed { return }
                if attempt >= 3 { throw StoreFile.storeError(error, file: path) }
                Thread.sleep(forTimeInterval: 0.05 * Double(attempt))
            }
        }
    }

    /// One write transaction; any failure becomes a `StoreError` naming this file.
    func run<T>(_ body: @Sendable (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.write(body)
        } catch {
            throw StoreFile.storeError(error, file: path)
        }
    }

    func read<T>(_ body: @Sendable (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.read(body)
        } catch {
            throw StoreFile.storeError(error, file: path)
        }
    }

    /// A number that changes whenever another connection (another process: a poller, a
    /// `track refresh`, another dashboard) has committed to the file since the last call; this
    /// process's own writes leave it as it is. SQLite's `PRAGMA data_version`, asked of the one
    /// connection this process writes with.
    public func externalChanges() throws(StoreError) -> Int {
        do {
            return try writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
        } catch {
            throw StoreFile.storeError(error, file: path)
        }
    }

    // MARK: - Watchlist

    /// Adds orders in one transaction. An order already tracked (same reference id and lookup ids),
    /// or given twice, is reported as a duplicate and not written again.
    public func add(_ orders: [TrackedOrder]) throws(StoreError) -> AddOutcome {
        try run { db in
            var outcome = AddOutcome()
            for order in orders {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO tracked_order (reference_id, phone_number_id, payment_config_id, label, added_at)
                        VALUES (?, ?, ?, ?, ?)
                        """,
                    arguments: [order.referenceID, order.phoneNumberID, order.paymentConfigID, order.label, order.addedAt])
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
    public func remove(referenceIDs: [String]) throws(StoreError) -> [String] {
        try run { db in
            var removed: [String] = []
            for id in referenceIDs {
                try db.execute(sql: "DELETE FROM tracked_order WHERE reference_id = ?", arguments: [id])
                if db.changesCount > 0 { removed.append(id) }
            }
            return removed
        }
    }

    public func trackedOrders() throws(StoreError) -> [TrackedOrder] {
        try read { db in try Row.fetchAll(db, sql: Self.orderSelection + " ORDER BY id").map(Self.trackedOrder) }
    }

    public func orders(referenceID: String) throws(StoreError) -> [TrackedOrder] {
        try read { db in try Row.fetchAll(db, sql: Self.orderSelection + " WHERE reference_id = ? ORDER BY id", arguments: [referenceID]).map(Self.trackedOrder) }
    }

    public func count() throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM tracked_order") ?? 0 }
    }

    /// Every tracked order with its summary, fetch times and last failure, in the order added.
    public func watchlist() throws(StoreError) -> [WatchedOrder] {
        try read { db in
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
    public func watchedOrder(id: Int64) throws(StoreError) -> WatchedOrder? {
        try read { db in
            let statement = try db.makeStatement(sql: Self.watchedSelection + " WHERE t.id = ?")
            guard let row = try Row.fetchOne(statement, arguments: [id]) else { return nil }
            return WatchedRowReader(statement).watched(row)
        }
    }

    public func watchedOrders(ids: [Int64]) throws(StoreError) -> [WatchedOrder] {
        guard !ids.isEmpty else { return [] }
        return try read { db in
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
    public func firstPage(limit: Int, now: Date) throws(StoreError) -> WatchlistPage {
        try read { db in
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
                                                                     neverFetched: totals?["never_fetched"] ?? 0))
        }
    }

    /// Another process's writes are noticed by asking the file (`externalChanges`) every
    /// `StoreChange.fileLatency`; SQLite cannot say which rows they were.
    public func watchChanges(_ changed: @escaping @Sendable (StoreChange) async -> Void) async throws(StoreError) {
        var seen = try externalChanges()
        while !Task.isCancelled {
            try? await Task.sleep(for: StoreChange.fileLatency)
            let now = try externalChanges()
            if now != seen {
                seen = now
                await changed(.everything)
            }
        }
    }

    static let orderSelection = "SELECT id, reference_id, phone_number_id, payment_config_id, label, added_at FROM tracked_order"

    static func trackedOrder(_ row: Row) -> TrackedOrder {
        TrackedOrder(id: row["id"], referenceID: row["reference_id"], phoneNumberID: row["phone_number_id"],
                     paymentConfigID: row["payment_config_id"], label: row["label"], addedAt: row["added_at"])
    }

    static func isTracked(_ db: Database, _ orderID: Int64) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM tracked_order WHERE id = ?)", arguments: [orderID]) ?? false
    }

    /// A watchlist row: the order, its fetch times and last failure, its summary's columns.
    static let watchedSelection = watchedColumns + "\n" + watchedFrom
    static let watchedColumns = """
        SELECT t.id, t.reference_id, t.phone_number_id, t.payment_config_id, t.label, t.added_at,
               s.fetched_at, s.changed_at, s.error_category, s.error_service, s.error_message, s.failed_at,
               s.attempted_at, s.failures, t.attempts, t.requested_at,
               \(SummaryColumns.selection)
        """
    static let watchedFrom = "FROM tracked_order t LEFT JOIN order_state s ON s.order_id = t.id"

    // MARK: - Reports

    /// The last good report of an order, nil if it was never fetched.
    public func report(orderID: Int64) throws(StoreError) -> OrderReport? {
        let path = self.path
        return try read { db in try Self.storedReport(db, orderID: orderID, file: path) }
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
    public func reports() throws(StoreError) -> [(order: TrackedOrder, report: OrderReport?)] {
        try reports(where: "", arguments: [])
    }

    public func reports(orderIDs: [Int64]) throws(StoreError) -> [(order: TrackedOrder, report: OrderReport?)] {
        var result: [(order: TrackedOrder, report: OrderReport?)] = []
        // SQLite takes at most 32,766 parameters a statement.
        for start in stride(from: 0, to: orderIDs.count, by: 10_000) {
            let some = Array(orderIDs[start..<min(orderIDs.count, start + 10_000)])
            result += try reports(where: "WHERE t.id IN (\(some.map { _ in "?" }.joined(separator: ",")))", arguments: StatementArguments(some))
        }
        return result.sorted { ($0.order.id ?? 0) < ($1.order.id ?? 0) }
    }

    private func reports(where condition: String, arguments: StatementArguments) throws(StoreError) -> [(order: TrackedOrder, report: OrderReport?)] {
        let path = self.path
        return try read { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT t.id, t.reference_id, t.phone_number_id, t.payment_config_id, t.label, t.added_at, s.report
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

    /// Stores a successful fetch: the report (with PayU's earlier answer kept where PayU failed),
    /// its summary, and every change from the previous report into the history, in one
    /// transaction. Returns nil if the order was removed meanwhile (by another process).
    ///
    /// A stored report that cannot be read stops this order here (`StoreError.unreadableReport`):
    /// taking it for "never fetched" would write a second set of "first seen" entries.
    public func record(_ fetched: OrderReport, orderID: Int64, rule: OverdueRule) throws(StoreError) -> RecordOutcome? {
        let path = self.path
        return try run { db in
            guard try Self.isTracked(db, orderID) else { return nil }
            try Self.markAttempted(db, orderID: orderID)
            let previous = try Self.storedReport(db, orderID: orderID, file: path)
            let report = fetched.keepingPayU(from: previous)
            let changes = OrderChange.between(previous, report)
            let summary = OrderSummary(report, rule: rule)
            let encoder = JSONEncoder()
            let changedAt: Date? = previous != nil && !changes.isEmpty ? report.fetchedAt : nil
            try db.execute(
                sql: """
                    INSERT INTO order_state (order_id, report, summary, fetched_at, changed_at, attempted_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT(order_id) DO UPDATE SET
                        report = excluded.report, summary = excluded.summary, fetched_at = excluded.fetched_at,
                        changed_at = COALESCE(excluded.changed_at, order_state.changed_at), attempted_at = excluded.attempted_at,
                        error_category = NULL, error_service = NULL, error_message = NULL, failed_at = NULL, failures = 0
                    """,
                arguments: [orderID, try report.jsonData(pretty: false), try encoder.encode(summary), report.fetchedAt, changedAt, report.fetchedAt])
            let insert = try db.makeStatement(sql: """
                INSERT INTO history (order_id, seen_at, transaction_id, refund_id, field, old_value, new_value)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for change in changes {
                try insert.execute(arguments: [orderID, report.fetchedAt, change.transactionID, change.refundID, change.field.rawValue, change.old, change.new])
            }
            try db.execute(sql: "UPDATE order_state SET \(SummaryColumns.assignments) WHERE order_id = ?",
                           arguments: StatementArguments(SummaryColumns.values(summary) + [orderID]))
            return RecordOutcome(report: report, changes: changes, summary: summary, isFirstFetch: previous == nil)
        }
    }

    /// One more fetch of the order stored: its lease and any request for it are done with.
    static func markAttempted(_ db: Database, orderID: Int64) throws {
        try db.execute(sql: """
            UPDATE tracked_order SET attempts = attempts + 1, lease_owner = NULL, lease_until = NULL, requested_at = NULL WHERE id = ?
            """, arguments: [orderID])
    }

    /// Stores a failed fetch. The last good report and its summary stay as they were.
    public func recordFailure(_ error: ReportedError, at date: Date, orderID: Int64) throws(StoreError) {
        try run { db in
            guard try Self.isTracked(db, orderID) else { return }
            try Self.markAttempted(db, orderID: orderID)
            try db.execute(
                sql: """
                    INSERT INTO order_state (order_id, attempted_at, error_category, error_service, error_message, failed_at, failures)
                    VALUES (?, ?, ?, ?, ?, ?, 1)
                    ON CONFLICT(order_id) DO UPDATE SET
                        attempted_at = excluded.attempted_at, error_category = excluded.error_category,
                        error_service = excluded.error_service, error_message = excluded.error_message, failed_at = excluded.failed_at,
                        failures = order_state.failures + 1
                    """,
                arguments: [orderID, date, error.category.rawValue, error.service?.rawValue, error.message, date])
        }
    }

    // MARK: - History

    /// The changes of one order, oldest first.
    public func history(orderID: Int64) throws(StoreError) -> [HistoryEntry] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM history WHERE order_id = ? ORDER BY seen_at, id", arguments: [orderID]).map { row in
                let field = OrderChange.Field(rawValue: row["field"]) ?? .status
                return HistoryEntry(
                    id: row["id"], orderID: row["order_id"], seenAt: row["seen_at"],
                    change: OrderChange(transactionID: row["transaction_id"], refundID: row["refund_id"], field: field,
                                        old: row["old_value"], new: row["new_value"]))
            }
        }
    }

    // MARK: - Facts about the file

    public func metadata(_ key: String) throws(StoreError) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = ?", arguments: [key]) }
    }

    public func setMetadata(_ key: String, _ value: String) throws(StoreError) {
        try run { db in
            try db.execute(sql: "INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", arguments: [key, value])
        }
    }
}
