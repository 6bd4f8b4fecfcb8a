import Foundation
import Logging
import PostgresNIO
import RefundKit
import WatchlistModel

/// The team's request budget in `rate_budget` (migration 7): one row per account and API, the
/// moment from which the next request may go (`next_free`, seconds since 1970 on the database's
/// clock) and the pace now (`rate`). Each reservation is one statement, so processes on any
/// number of machines take turns through the row's lock and never overlap.
extension PostgresStore: TeamLedger {
    public var ledgerLocation: String { location }

    public func reserveRequests(account: String, service: Service, count: Int, rate: Double) async throws -> BudgetReservation {
        let count = max(1, count)
        for _ in 0..<2 {
            // The pace: the budget (or the budget as configured now, if it was lowered); after
            // throttling the row's lower pace, up by a quarter for every 30 s without throttling.
            // The reservation starts at `next_free` or now, whichever is later.
            let rows = try await onConnection { connection, logger in
                try await connection.query("""
                    UPDATE rate_budget AS b SET
                        rate = p.pace,
                        raised_at = p.raised,
                        next_free = GREATEST(p.now, b.next_free) + \(Double(count)) / p.pace
                    FROM (
                        SELECT c.now,
                               CASE WHEN r.rate >= \(rate) THEN \(rate)::float8
                                    WHEN c.now - GREATEST(COALESCE(r.throttled_at, 0), COALESCE(r.raised_at, 0)) >= 30 THEN LEAST(\(rate), r.rate * 1.25)
                                    ELSE r.rate END AS pace,
                               CASE WHEN r.rate < \(rate) AND c.now - GREATEST(COALESCE(r.throttled_at, 0), COALESCE(r.raised_at, 0)) >= 30 THEN c.now
                                    ELSE r.raised_at END AS raised
                        FROM rate_budget r, (SELECT extract(epoch FROM clock_timestamp())::float8 AS now) c
                        WHERE r.account = \(account) AND r.service = \(service.rawValue)
                    ) AS p
                    WHERE b.account = \(account) AND b.service = \(service.rawValue)
                    RETURNING b.next_free - \(Double(count)) / b.rate - p.now, b.rate, GREATEST(0, COALESCE(b.paused_until, 0) - p.now)
                    """, logger: logger).collect()
            }
            if let row = rows.first {
                let (startsIn, pace, pausedFor) = try row.decode((Double, Double, Double).self)
                return BudgetReservation(startsIn: startsIn, pace: pace, count: count, pausedFor: pausedFor)
            }
            // The account's first reservation: its row, then the reservation again.
            try await onConnection { connection, logger in
                try await connection.query("""
                    INSERT INTO rate_budget (account, service, next_free, rate)
                    VALUES (\(account), \(service.rawValue), extract(epoch FROM clock_timestamp())::float8, \(rate))
                    ON CONFLICT DO NOTHING
                    """, logger: logger)
            }
        }
        throw StoreError(.other, file: location, problem: "the request budget of \(account) could not be reserved: its row in rate_budget is missing.")
    }

    public func requestsThrottled(account: String, service: Service, pause: Double, rate: Double) async throws {
        // Answers to requests already in flight when the pause began belong to the same episode:
        // while a pause lasts the pace is not halved again, and a shorter pause does not shorten it.
        try await onConnection { connection, logger in
            try await connection.query("""
                UPDATE rate_budget AS b SET
                    next_free = GREATEST(b.next_free, c.now + \(pause)),
                    paused_until = GREATEST(COALESCE(b.paused_until, 0), c.now + \(pause)),
                    rate = CASE WHEN COALESCE(b.paused_until, 0) <= c.now THEN GREATEST(\(rate) / 8, b.rate / 2) ELSE b.rate END,
                    consecutive = CASE WHEN b.throttled_at IS NOT NULL AND c.now - b.throttled_at < 90 THEN b.consecutive + 1 ELSE 1 END,
                    throttled_at = c.now,
                    throttles = b.throttles + 1
                FROM (SELECT extract(epoch FROM clock_timestamp())::float8 AS now) c
                WHERE b.account = \(account) AND b.service = \(service.rawValue)
                """, logger: logger)
        }
    }
}
