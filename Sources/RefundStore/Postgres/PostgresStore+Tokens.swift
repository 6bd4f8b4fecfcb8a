import Foundation
import Logging
import PostgresNIO
import RefundKit
import WatchlistModel

/// The team's PayU tokens in `payu_token` (migration 7): one row per PayU client (`key`, a digest
/// of the token URL and client id), holding the access token, its times and PayU's newest refresh
/// token, so that processes on any machine renew one chain of rotating refresh tokens. Renewals
/// take turns through a transaction-scoped advisory lock: PostgreSQL releases it at the end of the
/// transaction, or when the connection of a process that died closes.
///
/// The tokens are stored as PayU gave them, not encrypted: any role that can read the table can
/// read them (docs/team.md).
///
/// A PayU call must never hang on the database: each of these waits at most
/// `payuTokenConnectWait` for a connection (the pool of an unreachable server would otherwise
/// keep a request waiting for a minute), the lock at most `payuTokenLockWait`.
extension PostgresStore {
    /// The first half of the advisory lock's two-number key: "PAYU". (Two-number keys are apart
    /// from the one-number key the schema's upgrade locks.)
    static let payuTokenLockSpace: Int32 = 0x5041_5955
    /// How long a renewal waits for another process's before giving up on the lock.
    static let payuTokenLockWait = "30s"
    /// How long a token read, write or lock waits for a connection of the pool.
    static let payuTokenConnectWait: Duration = .seconds(10)

    public func readPayUToken(key: String) async throws -> PayUTokenRecord? {
        try await onConnectionSoon { connection, logger in
            let rows = try await connection.query("""
                SELECT configured_refresh_token, access_token, obtained_at, expires_at, refresh_token FROM payu_token WHERE key = \(key)
                """, logger: logger)
            for try await row in rows {
                let (configured, access, obtained, expires, refresh) = try row.decode((String, String, Double, Double, String).self)
                return PayUTokenRecord(key: key, configuredRefreshToken: configured, accessToken: Secret(access),
                                       obtainedAt: Date(timeIntervalSince1970: obtained), expiresAt: Date(timeIntervalSince1970: expires),
                                       refreshToken: Secret(refresh))
            }
            return nil
        }
    }

    public func writePayUToken(_ record: PayUTokenRecord) async throws {
        try await onConnectionSoon { connection, logger in
            try await connection.query("""
                INSERT INTO payu_token (key, configured_refresh_token, access_token, obtained_at, expires_at, refresh_token)
                VALUES (\(record.key), \(record.configuredRefreshToken), \(record.accessToken.value), \(record.obtainedAt.timeIntervalSince1970),
                        \(record.expiresAt.timeIntervalSince1970), \(record.refreshToken.value))
                ON CONFLICT (key) DO UPDATE SET
                    configured_refresh_token = excluded.configured_refresh_token, access_token = excluded.access_token,
                    obtained_at = excluded.obtained_at, expires_at = excluded.expires_at, refresh_token = excluded.refresh_token,
                    updated_at = now()
                """, logger: logger)
        }
    }

    /// A transaction that takes `pg_advisory_xact_lock("PAYU", hashtext(key))`, waiting at most
    /// `payuTokenLockWait` for another process's, runs `body`, and ends. `body` reads and writes
    /// through other connections of the pool (what it writes is committed at once, lock or not).
    ///
    /// The transaction is begun and ended here rather than by the pool's `withTransaction`: a
    /// connection the server closed while `body` ran (the server restarted, or ended the session)
    /// would leave that COMMIT waiting for ever, so it is only sent on a connection still open. The
    /// lock went with the closed one, and `body`'s result stands.
    public func withPayUTokenLock<T: Sendable>(key: String, _ body: @Sendable () async -> T) async throws -> T {
        try await withoutActuallyEscaping(body) { body in
            try await onConnectionSoon { connection, logger in
                try await connection.query("BEGIN", logger: logger)
                do {
                    try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL lock_timeout = '\(Self.payuTokenLockWait)'"), logger: logger)
                    try await connection.query("SELECT pg_advisory_xact_lock(\(Self.payuTokenLockSpace), hashtext(\(key)))", logger: logger)
                } catch {
                    if !connection.isClosed { _ = try? await connection.query("ROLLBACK", logger: logger) }
                    throw error
                }
                let result = await body()
                if !connection.isClosed { _ = try? await connection.query("COMMIT", logger: logger) }
                return result
            }
        }
    }

    /// `operation` on a connection of the pool, if one is had within `payuTokenConnectWait`;
    /// otherwise the wait is given up and this throws. Once `operation` has begun it runs to its
    /// end. Failures are `StoreError`s naming the database (never its password).
    private func onConnectionSoon<T: Sendable>(_ operation: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        let lease = LeaseWait()
        let location = self.location
        do {
            return try await withThrowingTaskGroup(of: LeaseWait.Outcome<T>.self) { group in
                group.addTask {
                    .value(try await self.onConnection { connection, logger in
                        guard lease.begin() else { throw CancellationError() }
                        return try await operation(connection, logger)
                    })
                }
                group.addTask {
                    try? await Task.sleep(for: Self.payuTokenConnectWait)
                    guard lease.giveUp() else { return .waitOver }
                    throw StoreError(.unreachable, file: location,
                                     problem: "no connection to the server within \(Self.payuTokenConnectWait.components.seconds) s. Is the server running and reachable?")
                }
                while let next = try await group.next() {
                    if case .value(let value) = next {
                        group.cancelAll()
                        return value
                    }
                }
                throw CancellationError()
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw storeError(error)
        }
    }
}

/// Whether an operation got its connection before its wait was given up: exactly one of the two.
private final class LeaseWait: @unchecked Sendable {
    enum Outcome<T: Sendable>: Sendable {
        case value(T)
        case waitOver
    }

    private let lock = NSLock()
    private var begun = false
    private var givenUp = false

    /// The connection came: true unless the wait was given up already.
    func begin() -> Bool {
        lock.withLock {
            guard !givenUp else { return false }
            begun = true
            return true
        }
    }

    /// The wait is over: true (given up) unless the operation has begun.
    func giveUp() -> Bool {
        lock.withLock {
            guard !begun else { return false }
            givenUp = true
            return true
        }
    }
}
