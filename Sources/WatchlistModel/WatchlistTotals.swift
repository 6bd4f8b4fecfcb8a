import Foundation
import RefundModel

/// The watchlist's counts, as the dashboard's title bar, `track list` and its JSON show them:
/// the one type for them, whether counted in Swift over rows or by a store in SQL (`firstPage`).
public struct WatchlistTotals: Sendable, Hashable, Encodable {
    public var orders = 0
    /// Refunds not done yet (pending, queued, in progress, waiting for an ARN).
    public var pending = 0
    /// Refunds past their deadline for an ARN.
    public var overdue = 0
    /// Orders whose last fetch failed.
    public var failing = 0
    /// Orders never fetched successfully.
    public var neverFetched = 0
    /// Orders whose last good fetch lacks PayU's side of a transaction (PayU could not be asked).
    public var partlyFailing = 0

    public init(orders: Int = 0, pending: Int = 0, overdue: Int = 0, failing: Int = 0, neverFetched: Int = 0, partlyFailing: Int = 0) {
        self.orders = orders
        self.pending = pending
        self.overdue = overdue
        self.failing = failing
        self.neverFetched = neverFetched
        self.partlyFailing = partlyFailing
    }

    /// The counts of `rows` at `now` (the data's clock).
    public init(_ rows: [WatchedOrder], now: Date) {
        for row in rows { add(row, now: now) }
    }

    public mutating func add(_ row: WatchedOrder, now: Date) { count(row, now: now, sign: 1) }
    public mutating func remove(_ row: WatchedOrder, now: Date) { count(row, now: now, sign: -1) }

    private mutating func count(_ row: WatchedOrder, now: Date, sign: Int) {
        orders += sign
        pending += sign * (row.summary?.pendingRefunds ?? 0)
        overdue += sign * (row.summary?.overdueCount(at: now) ?? 0)
        if row.failure != nil { failing += sign }
        if row.fetchedAt == nil { neverFetched += sign }
        if (row.summary?.payuErrors ?? 0) > 0 { partlyFailing += sign }
    }

    enum CodingKeys: String, CodingKey {
        case orders, pending = "refunds_pending", overdue, failing, neverFetched = "never_fetched", partlyFailing = "partly_failing"
    }
}
