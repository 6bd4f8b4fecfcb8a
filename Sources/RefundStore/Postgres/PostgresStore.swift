import Foundation
import Logging
import NIOSSL
import PostgresNIO
import RefundKit
import WatchlistModel

/// The watchlist in a PostgreSQL database, for a team: the same behaviour as `SQLiteStore`'s
/// SQLite file (`WatchlistStoreContractTests` runs against both), through PostgresNIO's pooled
/// client. Every order's report, summary and history are written in one transaction, with the
/// order's row locked, so two processes recording the same order one after the other never write
/// its history twice.
public final class PostgresStore: WatchlistStore, @unchecked Sendable {
    public let location: String
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger = Logger(label: "refundwatch.postgres")
    /// This process, in `store_change`: another's writes change `externalChanges`, ours do not.
    private let writer = UUID().uuidString
    /// The time pollers' leases, heartbeats and fetch requests are reckoned by, bound into the
    /// queries; nil is the server's clock, so that machines whose clocks differ agree. A test
    /// passes a clock it moves itself, to let a lease run out without waiting for it.
    let clock: (@Sendable () -> Date)?

    private init(location: String, client: PostgresClient, runner: Task<Void, Never>, clock: (@Sendable () -> Date)?) {
        self.location = location
        self.client = client
        self.runner = runner
        self.clock = clock
    }

    deinit { runner.cancel() }

    /// Connects, checks the database is refundwatch's and not newer, and creates or upgrades the
    /// schema (under an advisory lock, so two processes starting together do it once). `clock`:
    /// the time pollers' leases and heartbeats are reckoned by (nil: the server's).
    public static func open(_ place: PostgresLocation, environment: [String: String] = ProcessInfo.processInfo.environment,
                            clock: (@Sendable () -> Date)? = nil) async throws(StoreError) -> PostgresStore {
        // One plain connection first: its failures are the clearest (wrong password, unreachable).
        _ = try await PostgresConnector.serverVersion(place, environment: environment)
        let client = PostgresClient(configuration: try clientConfiguration(place, environment: environment),
                                    backgroundLogger: Logger(label: "refundwatch.postgres", factory: { _ in SwiftLogNoOpLogHandler() }))
        let runner = Task { await client.run() }
        let store = PostgresStore(location: place.description, client: client, runner: runner, clock: clock)
        do {
            try await store.prepareSchema(place)
            try await store.backfillFacts()
            try await store.backfillTransactions()
        } catch {
            runner.cancel()
            throw error
        }
        return store
    }

    /// Closes the pool's connections.
    public func close() async {
        runner.cancel()
        _ = await runner.value
    }

    private static func clientConfiguration(_ place: PostgresLocation, environment: [String: String]) throws(StoreError) -> PostgresClient.Configuration {
        let password = place.password(environment: environment)
        var configuration: PostgresClient.Configuration
        switch place.endpoint {
        case .socket(let folder, let port):
            configuration = PostgresClient.Configuration(unixSocketPath: folder + "/.s.PGSQL.\(port)", username: place.user, password: password, database: place.database)
        case .tcp(let host, let port):
            let tls: PostgresClient.Configuration.TLS = PostgresConnector.tlsSettings(place.sslMode)
                .map { $0.required ? .require($0.settings) : .prefer($0.settings) } ?? .disable
            configuration = PostgresClient.Configuration(host: host, port: port, username: place.user, password: password, database: place.database, tls: tls)
        }
        configuration.options.connectTimeout = .milliseconds(Int64(place.connectTimeout * 1000))
        return configuration
    }

    private func prepareSchema(_ place: PostgresLocation) async throws(StoreError) {
        try await transaction { connection, logger in
            // refundwatch's lock number: "RFWC".
            try await connection.query("SELECT pg_advisory_xact_lock(1380341571)", logger: logger)
            let marked = try await Self.value(connection.query("SELECT to_regclass('public.refundwatch_meta')::text", logger: logger), String?.self) ?? nil
            var version = 0
            if marked != nil {
                let text = try await Self.value(connection.query("SELECT value FROM refundwatch_meta WHERE key = 'schema_version'", logger: logger), String.self)
                version = text.flatMap(Int.init) ?? 0
            } else {
                let tables = try await Self.value(connection.query("SELECT count(*)::bigint FROM pg_tables WHERE schemaname = 'public'", logger: logger), Int64.self) ?? 0
                if tables > 0 { throw Refusal.notRefundwatch }
            }
            if version > PostgresSchema.latest { throw Refusal.newer(version) }
            for migration in PostgresSchema.migrations where migration.version > version {
                // One statement a query: the extended protocol takes no more.
                for statement in migration.sql.components(separatedBy: ";\n") where !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("""
                    INSERT INTO refundwatch_meta (key, value) VALUES ('schema_version', \(String(migration.version)))
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value
                    """, logger: logger)
            }
        }
    }

    private enum Refusal: Error {
        case notRefundwatch
        case newer(Int)
    }

    // MARK: - Running queries

    /// One transaction on a pooled connection; any failure becomes a `StoreError` naming the server.
    func transaction<T: Sendable>(_ body: (PostgresConnection, Logger) async throws -> T) async throws(StoreError) -> T {
        do {
            let logger = self.logger
            return try await client.withTransaction(logger: logger) { connection in try await body(connection, logger) }
        } catch {
            throw storeError(error)
        }
    }

    /// Reads on a pooled connection of its own, outside a transaction (each statement sees what
    /// was committed when it began); failures as they come, for the caller to say.
    func onConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        let logger = self.logger
        return try await client.withConnection { connection in try await body(connection, logger) }
    }

    func storeError(_ error: any Error) -> StoreError {
        if let failed = error as? PostgresTransactionError, let cause = failed.closureError ?? failed.beginError ?? failed.commitError {
            return storeError(cause)
        }
        switch error {
        case let error as StoreError:
            return error
        case Refusal.notRefundwatch:
            return StoreError(.notRefundwatch, file: location, problem: "this database is not one of refundwatch's (it holds other tables). It was left untouched. Create an empty database for refundwatch (createdb refundwatch) and name it in the URL.")
        case Refusal.newer(let version):
            return StoreError(.newerSchema, file: location, problem: "it was written by a newer refundwatch (schema \(version), this version knows up to \(PostgresSchema.latest)). It was left untouched. Upgrade refundwatch.")
        default:
            if let place = try? PostgresLocation(url: location, environment: [:]) { return PostgresConnector.storeError(error, location: place) }
            return StoreError(.other, file: location, problem: "\(error)")
        }
    }

    static func value<T: PostgresDecodable>(_ rows: PostgresRowSequence, _ type: T.Type) async throws -> T? {
        for try await row in rows { return try row.makeRandomAccess()[0].decode(T.self) }
        return nil
    }

    /// The channel every write is announced on, for dashboards to LISTEN to.
    static let changeChannel = "refundwatch_changes"

    /// Marks a write by this process, so others' `externalChanges` move and ours does not, and
    /// announces the orders it changed (nil: any of them) on `changeChannel`, in the same
    /// transaction: PostgreSQL delivers the notification when, and only if, the write commits.
    /// The payload is `WRITER:ID,ID,…` or `WRITER:*`, at most 8000 bytes as PostgreSQL allows.
    func markWritten(_ connection: PostgresConnection, _ logger: Logger, orders: [Int64]? = nil) async throws {
        try await connection.query("""
            INSERT INTO store_change (writer, seq) VALUES (\(writer), nextval('store_change_seq'))
            ON CONFLICT (writer) DO UPDATE SET seq = excluded.seq, at = now()
            """, logger: logger)
        if let orders, orders.isEmpty { return }
        var list = orders.map { $0.map(String.init).joined(separator: ",") } ?? "*"
        if list.utf8.count > 7_000 { list = "*" }
        try await connection.query("SELECT pg_notify(\(Self.changeChannel), \(writer + ":" + list))", logger: logger)
    }

    // MARK: - Watchlist

    public func add(_ orders: [TrackedOrder]) async throws(StoreError) -> AddOutcome {
        try await transaction { connection, logger in
            var outcome = AddOutcome()
            for order in orders {
                let rows = try await connection.query("""
                    INSERT INTO tracked_order (reference_id, account, phone_number_id, payment_config_id, label, added_at)
                    VALUES (\(order.referenceID), \(order.account), \(order.phoneNumberID), \(order.paymentConfigID), \(order.label), \(order.addedAt))
                    ON CONFLICT DO NOTHING RETURNING id
                    """, logger: logger)
                if let id = try await Self.value(rows, Int64.self) {
                    var added = order
                    added.id = id
                    outcome.added.append(added)
                } else {
                    outcome.duplicates.append(order)
                }
            }
            try await self.markWritten(connection, logger, orders: outcome.added.compactMap(\.id))
            return outcome
        }
    }

    public func remove(referenceIDs: [String]) async throws(StoreError) -> [String] {
        try await transaction { connection, logger in
            var removed: [String] = []
            var orders: [Int64] = []
            for id in referenceIDs {
                let rows = try await connection.query("DELETE FROM tracked_order WHERE reference_id = \(id) RETURNING id", logger: logger)
                let gone = try await rows.collect().map { try $0.decode(Int64.self) }
                if !gone.isEmpty { removed.append(id) }
                orders += gone
            }
            try await self.markWritten(connection, logger, orders: orders)
            return removed
        }
    }

    static let orderColumns = "t.id, t.reference_id, t.account, t.phone_number_id, t.payment_config_id, t.label, t.added_at"

    func orders(where condition: PostgresQuery) async throws(StoreError) -> [TrackedOrder] {
        try await transaction { connection, logger in
            var sql = "SELECT \(Self.orderColumns) FROM tracked_order t "
            sql += condition.sql + " ORDER BY t.id"
            var found: [TrackedOrder] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: condition.binds), logger: logger) {
                found.append(try Self.trackedOrder(row.makeRandomAccess()))
            }
            return found
        }
    }

    public func place(orderID: Int64, at place: OrderPlace) async throws(StoreError) -> Int64? {
        try await transaction { connection, logger in
            guard try await Self.value(connection.query("SELECT id FROM tracked_order WHERE id = \(orderID) FOR UPDATE", logger: logger), Int64.self) != nil else {
                return nil
            }
            let other = try await Self.value(connection.query("""
                SELECT o.id FROM tracked_order o JOIN tracked_order t ON t.id = \(orderID)
                WHERE o.id != t.id AND o.reference_id = t.reference_id AND COALESCE(o.account, '') = \(place.account)
                  AND COALESCE(o.phone_number_id, '') = COALESCE(\(place.phoneNumberID), '')
                  AND COALESCE(o.payment_config_id, '') = COALESCE(\(place.paymentConfigID), '')
                """, logger: logger), Int64.self)
            if let other {
                try await connection.query("DELETE FROM tracked_order WHERE id = \(orderID)", logger: logger)
                try await self.markWritten(connection, logger, orders: [orderID, other])
                return other
            }
            try await connection.query("""
                UPDATE tracked_order SET account = \(place.account), phone_number_id = \(place.phoneNumberID), payment_config_id = \(place.paymentConfigID)
                WHERE id = \(orderID)
                """, logger: logger)
            try await self.markWritten(connection, logger, orders: [orderID])
            return orderID
        }
    }

    public func trackedOrders() async throws(StoreError) -> [TrackedOrder] {
        try await orders(where: "")
    }

    public func orders(referenceID: String) async throws(StoreError) -> [TrackedOrder] {
        try await orders(where: "WHERE t.reference_id = \(referenceID)")
    }

    public func count() async throws(StoreError) -> Int {
        try await transaction { connection, logger in
            Int(try await Self.value(connection.query("SELECT count(*)::bigint FROM tracked_order", logger: logger), Int64.self) ?? 0)
        }
    }

    static let watchedSQL = watchedColumns + "\n" + watchedFrom
    static let watchedColumns = """
        SELECT \(orderColumns), s.fetched_at, s.changed_at, s.error_category, s.error_service, s.error_message, s.failed_at,
               s.attempted_at, s.failures, t.attempts, t.requested_at, \(SummaryColumns.selection)
        """
    static let watchedFrom = "FROM tracked_order t LEFT JOIN order_state s ON s.order_id = t.id"

    public func firstPage(limit: Int, now: Date) async throws(StoreError) -> WatchlistPage {
        let moment = now.timeIntervalSince1970
        return try await transaction { connection, logger in
            var rows: [WatchedOrder] = []
            let query = PostgresQuery(unsafeSQL: """
                \(Self.watchedColumns), \(AttentionSQL.postgres) AS attention_rank
                \(Self.watchedFrom)
                ORDER BY \(AttentionSQL.postgresOrder) LIMIT $2
                """, binds: try Self.binds(moment, Int64(limit)))
            for try await row in try await connection.query(query, logger: logger) {
                rows.append(try Self.watchedOrder(row.makeRandomAccess()))
            }
            var page = WatchlistPage(rows: rows, totals: WatchlistTotals())
            let totals = PostgresQuery(unsafeSQL: AttentionSQL.postgresTotals, binds: try Self.binds(moment))
            for try await row in try await connection.query(totals, logger: logger) {
                let r = row.makeRandomAccess()
                page.totals = WatchlistTotals(orders: Int(try r["orders"].decode(Int64.self)), pending: Int(try r["pending"].decode(Int64.self)),
                                              overdue: Int(try r["overdue"].decode(Int64.self)), failing: Int(try r["failing"].decode(Int64.self)),
                                              neverFetched: Int(try r["never_fetched"].decode(Int64.self)),
                                              partlyFailing: Int(try r["partly_failing"].decode(Int64.self)))
            }
            return page
        }
    }

    static func binds(_ values: any PostgresEncodable...) throws -> PostgresBindings {
        var binds = PostgresBindings()
        for value in values { try binds.append(value, context: .default) }
        return binds
    }

    public func watchlist() async throws(StoreError) -> [WatchedOrder] {
        try await watched(where: "")
    }

    public func watchedOrder(id: Int64) async throws(StoreError) -> WatchedOrder? {
        try await watched(where: "WHERE t.id = \(id)").first
    }

    public func watchedOrders(ids: [Int64]) async throws(StoreError) -> [WatchedOrder] {
        guard !ids.isEmpty else { return [] }
        return try await watched(where: "WHERE t.id = ANY(\(ids)::bigint[])")
    }

    func watched(where condition: PostgresQuery) async throws(StoreError) -> [WatchedOrder] {
        try await transaction { connection, logger in
            var result: [WatchedOrder] = []
            let query = PostgresQuery(unsafeSQL: Self.watchedSQL + " " + condition.sql + " ORDER BY t.id", binds: condition.binds)
            for try await row in try await connection.query(query, logger: logger) {
                result.append(try Self.watchedOrder(row.makeRandomAccess()))
            }
            return result
        }
    }

    // MARK: - Storing fetches

    /// As `SQLiteStore.record`: `RecordWrite` decides what is written; the order's row is locked
    /// first, so that a second process recording it waits, then sees this report.
    public func record(_ fetched: OrderReport, orderID: Int64, rules: DeadlineRules) async throws(StoreError) -> RecordOutcome? {
        try await transaction { connection, logger in
            guard try await self.lockOrder(orderID, connection, logger) else { return nil }
            let pushedBy = try await Self.value(connection.query("SELECT pushed_by FROM tracked_order WHERE id = \(orderID)", logger: logger), String?.self) ?? nil
            try await self.run(StoreSQL.markAttempted(.numbered), [.bigint(orderID)], connection, logger)
            try await connection.query("UPDATE tracked_order SET pushed_by = NULL WHERE id = \(orderID)", logger: logger)
            let write = RecordWrite(fetched: fetched, previous: try await self.storedReport(connection, logger, orderID: orderID),
                                    previousFacts: try await self.facts(orderID: orderID, connection, logger), rules: rules, pushedBy: pushedBy)
            try await self.run(StoreSQL.recordState(.numbered), [.bigint(orderID)] + write.stateValues(), connection, logger)
            for row in write.history {
                try await self.run(StoreSQL.insertHistory(.numbered), [.bigint(orderID)] + row, connection, logger)
            }
            try await self.run(StoreSQL.summary(.numbered), StoreSQL.summaryValues(write.summary) + [.bigint(orderID)], connection, logger)
            try await self.replaceFacts(orderID: orderID, write.facts, connection, logger)
            try await self.replaceTransactions(orderID: orderID, write.transactionIDs, connection, logger)
            try await self.markWritten(connection, logger, orders: [orderID])
            return write.outcome
        }
    }

    public func recordFailure(_ error: ReportedError, at date: Date, orderID: Int64) async throws(StoreError) {
        try await transaction { connection, logger in
            guard try await self.lockOrder(orderID, connection, logger) else { return }
            try await self.run(StoreSQL.markAttempted(.numbered), [.bigint(orderID)], connection, logger)
            try await self.run(StoreSQL.recordFailure(.numbered), [.bigint(orderID)] + FailureWrite(error: error, at: date).values, connection, logger)
            try await self.markWritten(connection, logger, orders: [orderID])
        }
    }

    /// Locks the order's row for the rest of the transaction; false when it is not tracked.
    func lockOrder(_ orderID: Int64, _ connection: PostgresConnection, _ logger: Logger) async throws -> Bool {
        try await Self.value(connection.query("SELECT id FROM tracked_order WHERE id = \(orderID) FOR UPDATE", logger: logger), Int64.self) != nil
    }

    /// Runs one of `StoreSQL`'s statements with `values` bound: times rounded to the microsecond
    /// `timestamptz` keeps (`StoredTime`), `integer` columns as 32-bit.
    func run(_ sql: String, _ values: [StoreValue], _ connection: PostgresConnection, _ logger: Logger) async throws {
        _ = try await rows(sql, values, connection, logger)
    }

    /// As `run`, for a statement whose rows are wanted.
    func rows(_ sql: String, _ values: [StoreValue], _ connection: PostgresConnection, _ logger: Logger) async throws -> PostgresRowSequence {
        var binds = PostgresBindings()
        for value in values {
            switch value {
            case .text(let text): binds.append(text)
            case .integer(let number): binds.append(number.map { Int32($0) })
            case .bigint(let number): binds.append(number)
            case .time(let date): binds.append(date.map(StoredTime.roundedToMicrosecond))
            case .bytes(let data): try binds.append(data, context: .default)
            case .real(let number): binds.append(number)
            }
        }
        return try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
    }

    // MARK: - History and facts

    /// The changes of one order, oldest first; a field this version does not know is kept as it
    /// was written.
    public func history(orderID: Int64) async throws(StoreError) -> [HistoryEntry] {
        try await transaction { connection, logger in
            var entries: [HistoryEntry] = []
            let rows = try await connection.query(PostgresQuery(unsafeSQL: """
                SELECT id, order_id, \(StoreSQL.historyColumns.joined(separator: ", "))
                FROM history WHERE order_id = $1 ORDER BY seen_at, id
                """, binds: try Self.binds(orderID)), logger: logger)
            for try await row in rows {
                let r = row.makeRandomAccess()
                entries.append(StoreSQL.historyEntry(id: try r["id"].decode(Int64.self), orderID: try r["order_id"].decode(Int64.self),
                                                     try Self.historyRow(r)))
            }
            return entries
        }
    }

    public func metadata(_ key: String) async throws(StoreError) -> String? {
        try await transaction { connection, logger in
            try await Self.value(connection.query("SELECT value FROM store_meta WHERE key = \(key)", logger: logger), String.self)
        }
    }

    public func setMetadata(_ key: String, _ value: String) async throws(StoreError) {
        try await transaction { connection, logger in
            try await connection.query("""
                INSERT INTO store_meta (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """, logger: logger)
            try await self.markWritten(connection, logger, orders: [])
        }
    }

    /// A server keeps its own pages whole; there is nothing to read through here.
    public func verify() async throws(StoreError) {}

    public func externalChanges() async throws(StoreError) -> Int {
        try await transaction { connection, logger in
            Int(try await Self.value(connection.query("SELECT COALESCE(max(seq), 0)::bigint FROM store_change WHERE writer <> \(self.writer)", logger: logger), Int64.self) ?? 0)
        }
    }

    /// LISTENs on `changeChannel` on a connection of its own. Writes by this process (its own
    /// `writer` in the payload) are left out: it knows them already.
    public func watchChanges(after mark: Int?, _ changed: @escaping @Sendable (StoreChange) async -> Void) async throws(StoreError) {
        let writer = self.writer
        do {
            try await client.withConnection { connection in
                try await connection.listen(on: Self.changeChannel) { notifications in
                    // LISTEN is in force here: what others wrote since `mark` and before it is
                    // read once, whole.
                    if let mark, try await self.externalChanges() != mark { await changed(.everything) }
                    for try await notification in notifications {
                        guard let colon = notification.payload.firstIndex(of: ":"),
                              notification.payload[..<colon] != writer else { continue }
                        let list = notification.payload[notification.payload.index(after: colon)...]
                        if list == "*" {
                            await changed(.everything)
                        } else {
                            await changed(.orders(Set(list.split(separator: ",").compactMap { Int64($0) })))
                        }
                    }
                }
            }
        } catch is CancellationError {
            return
        } catch {
            if Task.isCancelled { return }
            throw storeError(error)
        }
    }
}
