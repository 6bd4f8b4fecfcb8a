import Foundation
import GRDB
import RefundKit
import WatchlistModel

/// Pollers sharing the work on one SQLite file (several `refundwatch poll` on one machine): the
/// same leases and heartbeats as on PostgreSQL, each a write transaction, so one claim waits for
/// another and never takes the same order. Times are this machine's clock, or the clock the store
/// was opened with.
extension SQLiteStore {
    /// Now, for leases, heartbeats and fetch requests.
    private var pollerNow: Date { clock?() ?? Date() }

    /// Pollers not seen for this long are forgotten (their leases ran out long before).
    static let forgetPollersAfter: TimeInterval = 3_600

    public func claim(_ candidates: [WatchedOrder], poller: String, lease: TimeInterval) async throws(StoreError) -> [TrackedOrder] {
        try await run { db in
            let now = self.pollerNow
            let until = now.addingTimeInterval(lease)
            let statement = try db.makeStatement(sql: """
                UPDATE tracked_order SET lease_owner = ?, lease_until = ?
                WHERE id = ? AND attempts = ? AND (lease_until IS NULL OR lease_until < ? OR lease_owner = ?)
                """)
            var claimed: [TrackedOrder] = []
            for candidate in candidates {
                guard let id = candidate.order.id else { continue }
                try statement.execute(arguments: [poller, until, id, candidate.attempts, now, poller])
                if db.changesCount == 1 { claimed.append(candidate.order) }
            }
            return claimed
        }
    }

    public func beat(poller: String, host: String, pid: Int, cycleEnded: Bool, lease: TimeInterval) async throws(StoreError) {
        try await run { db in
            let now = self.pollerNow
            try db.execute(sql: """
                INSERT INTO poller (id, host, pid, started_at, beat_at, cycle_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET beat_at = excluded.beat_at, cycle_at = COALESCE(excluded.cycle_at, poller.cycle_at)
                """, arguments: [poller, host, pid, now, now, cycleEnded ? now : nil])
            try db.execute(sql: "UPDATE tracked_order SET lease_until = ? WHERE lease_owner = ?", arguments: [now.addingTimeInterval(lease), poller])
            try db.execute(sql: "DELETE FROM poller WHERE beat_at < ?", arguments: [now.addingTimeInterval(-Self.forgetPollersAfter)])
        }
    }

    public func retire(poller: String) async throws(StoreError) {
        try await run { db in
            try db.execute(sql: "DELETE FROM poller WHERE id = ?", arguments: [poller])
            try db.execute(sql: "UPDATE tracked_order SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?", arguments: [poller])
        }
    }

    public func pollers(seenWithin: TimeInterval) async throws(StoreError) -> [PollerPresence] {
        try await read { db in
            let now = self.pollerNow
            return try Row.fetchAll(db, sql: "SELECT id, host, pid, beat_at, cycle_at FROM poller WHERE beat_at >= ? ORDER BY started_at, id",
                                    arguments: [now.addingTimeInterval(-seenWithin)]).map { row in
                let beat: Date = row["beat_at"]
                let cycle: Date? = row["cycle_at"]
                return PollerPresence(id: row["id"], host: row["host"], pid: row["pid"], sinceBeat: max(0, now.timeIntervalSince(beat)),
                                      sinceCycle: cycle.map { max(0, now.timeIntervalSince($0)) })
            }
        }
    }

    public func requestFetch(orderIDs: [Int64]) async throws(StoreError) {
        try await run { db in
            let statement = try db.makeStatement(sql: "UPDATE tracked_order SET requested_at = COALESCE(requested_at, ?) WHERE id = ?")
            let now = self.pollerNow
            for id in orderIDs { try statement.execute(arguments: [now, id]) }
        }
    }

    public func waitingCount() async throws(StoreError) -> Int {
        try await read { db in
            try Int.fetchOne(db, sql: Self.waitingSQL, arguments: [self.pollerNow]) ?? 0
        }
    }

    /// A sleeping poller asks this up to ten times a second. Its first term is, word for word, the
    /// condition of the partial index `tracked_order_waiting` (schema v3), which SQLite uses only
    /// then: a scan of that index's few rows, not of the watchlist (14 µs against 4 ms at 100,000 orders).
    static let waitingSQL = """
        SELECT count(*) FROM tracked_order
        WHERE (requested_at IS NOT NULL OR attempts = 0) AND (lease_until IS NULL OR lease_until < ?)
        """
}
