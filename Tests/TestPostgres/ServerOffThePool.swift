import Foundation

/// The server's slow steps for async tests, each waited for on a thread of its own.
///
/// `start()` runs initdb and pg_ctl, seconds each on a busy machine, and `psql` another program.
/// Waited for on one of Swift concurrency's cooperative threads (there are as many as cores, two
/// here), they stop every other test of the process from running, the simulators those tests talk
/// to included: with two servers starting at once, nothing else moved for tens of seconds and
/// lookups in unrelated tests timed out.
extension PostgresServer {
    /// A fresh server, as `start()` makes it.
    package static func launch() async throws -> PostgresServer {
        try await onThreadOfItsOwn { try start() }
    }

    /// Runs SQL as the superuser, as `psql(_:database:)` does.
    @discardableResult
    package func run(sql: String, database: String = "postgres") async throws -> String {
        try await onThreadOfItsOwn { try self.psql(sql, database: database) }
    }
}

/// Runs `body` on a new thread and waits for it without holding a cooperative thread.
private func onThreadOfItsOwn<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
