import Foundation
import PostgresNIO
import RefundKit
import WatchlistModel

/// Pollers sharing the work on one PostgreSQL database, from any number of machines. A claim locks
/// the candidate rows it can take with `FOR UPDATE SKIP LOCKED` (rows another poller is claiming
/// at that moment are passed over, not waited for) and leases them; lease times and heartbeat ages
/// are the server's clock, so machines whose clocks differ still agree on who is alive.
///
/// A store opened with a clock binds its time instead (`COALESCE($n, now())`, the parameter NULL
/// without one), so that a test moves time for leases and heartbeats rather than sleeping.
extension PostgresStore {
    public func claim(_ candidates: [WatchedOrder], poller: String, lease: TimeInterval) async throws(StoreError) -> [TrackedOrder] {
        let wanted = candidates.filter { $0.order.id != nil }
        guard !wanted.isEmpty else { return [] }
        let ids = wanted.map { $0.order.id! }
        let attempts = wanted.map(\.attempts)
        let at = clock?()
        return try await transaction { connection, logger in
            let rows = try await connection.query("""
                WITH picked AS (
                    SELECT t.id FROM tracked_order t
                    JOIN unnest(\(ids)::bigint[], \(attempts)::bigint[]) AS c(id, attempts) ON c.id = t.id AND c.attempts = t.attempts
                    WHERE t.lease_until IS NULL OR t.lease_until < COALESCE(\(at), clock_timestamp()) OR t.lease_owner = \(poller)
                    ORDER BY t.id
                    FOR UPDATE OF t SKIP LOCKED)
                UPDATE tracked_order t SET lease_owner = \(poller), lease_until = COALESCE(\(at), clock_timestamp()) + make_interval(secs => \(lease))
                FROM picked WHERE t.id = picked.id
                RETURNING t.id, t.reference_id, t.account, t.phone_number_id, t.payment_config_id, t.label, t.added_at
                """, logger: logger)
            var claimed: [TrackedOrder] = []
            for try await row in rows { claimed.append(try Self.trackedOrder(row.makeRandomAccess())) }
            return claimed.sorted { $0.id! < $1.id! }
        }
    }

    public func beat(poller: String, host: String, pid: Int, cycleEnded: Bool, lease: TimeInterval) async throws(StoreError) {
        let at = clock?()
        try await transaction { connection, logger in
            try await connection.query("""
                INSERT INTO poller (id, host, pid, started_at, beat_at, cycle_at)
                VALUES (\(poller), \(host), \(Int32(clamping: pid)), COALESCE(\(at), now()), COALESCE(\(at), now()),
                        CASE WHEN \(cycleEnded) THEN COALESCE(\(at), now()) END)
                ON CONFLICT (id) DO UPDATE SET beat_at = excluded.beat_at, cycle_at = COALESCE(excluded.cycle_at, poller.cycle_at)
                """, logger: logger)
            try await connection.query("""
                UPDATE tracked_order SET lease_until = COALESCE(\(at), clock_timestamp()) + make_interval(secs => \(lease)) WHERE lease_owner = \(poller)
                """, logger: logger)
            try await connection.query("""
                DELETE FROM poller WHERE beat_at < COALESCE(\(at), now()) - make_interval(secs => \(SQLiteStore.forgetPollersAfter))
                """, logger: logger)
        }
    }

    public func retire(poller: String) async throws(StoreError) {
        try await transaction { connection, logger in
            try await connection.query("DELETE FROM poller WHERE id = \(poller)", logger: logger)
            try await connection.query("UPDATE tracked_order SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = \(poller)", logger: logger)
        }
    }

    public func pollers(seenWithin: TimeInterval) async throws(StoreError) -> [PollerPresence] {
        let at = clock?()
        return try await transaction { connection, logger in
            let rows = try await connection.query("""
                SELECT id, host, pid, extract(epoch FROM COALESCE(\(at), now()) - beat_at)::float8 AS since_beat,
                       extract(epoch FROM COALESCE(\(at), now()) - cycle_at)::float8 AS since_cycle
                FROM poller WHERE beat_at >= COALESCE(\(at), now()) - make_interval(secs => \(seenWithin)) ORDER BY started_at, id
                """, logger: logger)
            var found: [PollerPresence] = []
            for try await row in rows {
                let r = row.makeRandomAccess()
                found.append(PollerPresence(id: try r["id"].decode(String.self), host: try r["host"].decode(String.self),
                                            pid: Int(try r["pid"].decode(Int32.self)), sinceBeat: max(0, try r["since_beat"].decode(Double.self)),
                                            sinceCycle: try r["since_cycle"].decode(Double?.self).map { max(0, $0) }))
            }
            return found
        }
    }

    public func requestFetch(orderIDs: [Int64]) async throws(StoreError) {
        guard !orderIDs.isEmpty else { return }
        let at = clock?()
        try await transaction { connection, logger in
            try await connection.query("""
                UPDATE tracked_order SET requested_at = COALESCE(requested_at, \(at), now()) WHERE id = ANY(\(orderIDs)::bigint[])
                """, logger: logger)
            try await self.markWritten(connection, logger, orders: orderIDs)
        }
    }

    public func waitingCount() async throws(StoreError) -> Int {
        let at = clock?()
        return try await transaction { connection, logger in
            Int(try await Self.value(connection.query("""
                SELECT count(*)::bigint FROM tracked_order
                WHERE (requested_at IS NOT NULL OR attempts = 0) AND (lease_until IS NULL OR lease_until < COALESCE(\(at), clock_timestamp()))
                """, logger: logger), Int64.self) ?? 0)
        }
    }
}
