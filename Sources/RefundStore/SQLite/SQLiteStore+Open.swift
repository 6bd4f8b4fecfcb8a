import Foundation
import GRDB
import RefundKit
import WatchlistModel

/// Opening a file: what is checked before SQLite may write to it (someone else's, damaged, newer:
/// refused untouched), and the migrations applied once it passed.
extension SQLiteStore {
    /// Opens (or creates) the database at `path`. A file that is not refundwatch's, is damaged, is
    /// read-only or was written by a newer version is refused with a `StoreError`, never changed.
    ///
    /// `verifyingEveryPage: false` leaves reading every page for damage (`verify()`, about 2 ms a
    /// megabyte) to the caller, who must call it before writing; a file that needs a migration is
    /// still read whole first. The dashboard does this to draw its first frame sooner.
    ///
    /// `clock`: the time pollers' leases and heartbeats are reckoned by (nil: this machine's).
    public static func open(at path: String, verifyingEveryPage: Bool = true, clock: (@Sendable () -> Date)? = nil) async throws(StoreError) -> SQLiteStore {
        // Turning a new file into a WAL database takes a lock SQLite does not wait for: when another
        // process is creating the same file at that moment, try again shortly.
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await openOnce(at: path, verifyingEveryPage: verifyingEveryPage, clock: clock)
            } catch where error.kind == .busy && attempt < 5 {
                try? await Task.sleep(for: .milliseconds(100 * attempt))
            }
        }
    }

    static func openOnce(at path: String, verifyingEveryPage: Bool, clock: (@Sendable () -> Date)?) async throws(StoreError) -> SQLiteStore {
        try StoreFile.checkBeforeOpening(path)
        try await inspect(path, verifyingEveryPage: verifyingEveryPage)
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreFile.storeError(error, file: path)
        }
        let store = SQLiteStore(path: path, writer: pool, clock: clock)
        try await store.prepareSchema()
        return store
    }

    /// A database that lives as long as the process: for tests and throwaway demos. `clock` as
    /// for `open(at:)`.
    public static func inMemory(clock: (@Sendable () -> Date)? = nil) async throws(StoreError) -> SQLiteStore {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue()
        } catch {
            throw StoreFile.storeError(error, file: ":memory:")
        }
        let store = SQLiteStore(path: ":memory:", writer: queue, clock: clock)
        try await store.prepareSchema()
        return store
    }

    /// Looks at an existing file through a read-only connection before anything may write to it:
    /// opening in WAL mode or migrating would change the file, and a file that is someone else's,
    /// damaged or newer must be left byte for byte as it was.
    static func inspect(_ path: String, verifyingEveryPage: Bool) async throws(StoreError) {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size > 0 else { return }
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            try await queue.read { db in try Self.check(db, path: path, verifyingEveryPage: verifyingEveryPage) }
            try queue.close()
        } catch {
            throw StoreFile.storeError(error, file: path)
        }
    }

    static func check(_ db: Database, path: String, verifyingEveryPage: Bool) throws {
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
    static func quickCheck(_ db: Database, path: String) throws {
        let verdict = try String.fetchOne(db, sql: "PRAGMA quick_check(1)") ?? "ok"
        if verdict != "ok" {
            throw StoreError.corrupt(path, detail: verdict)
        }
    }

    /// Reads every page for damage; see `open(at:verifyingEveryPage:)`.
    public func verify() async throws(StoreError) {
        let path = self.path
        try await read { db in try Self.quickCheck(db, path: path) }
    }

    /// Applies missing migrations. Two processes opening a new file at the same moment may both
    /// start the same migration (GRDB reads what is applied before its transaction begins); the
    /// loser's attempt fails and rolls back, and it then finds the schema complete.
    func prepareSchema() async throws(StoreError) {
        let migrator = Schema.migrator
        let writer = self.writer
        var attempt = 0
        while true {
            attempt += 1
            do {
                // On GRDB's own queue, as every access here: no thread of the concurrency pool
                // (two on these machines) is blocked waiting for SQLite.
                try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
                    migrator.asyncMigrate(writer) { result in done.resume(with: result.map { _ in () }) }
                }
                break
            } catch {
                let completed = (try? await writer.read { try migrator.hasCompletedMigrations($0) }) ?? false
                if completed { break }
                if attempt >= 3 { throw StoreFile.storeError(error, file: path) }
                try? await Task.sleep(for: .milliseconds(50 * attempt))
            }
        }
        try await backfillFacts()
        try await backfillTransactions()
    }
}
