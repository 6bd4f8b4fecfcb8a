import Foundation
import RefundModel

/// The watchlist sorted by what `PollPolicy` says of each order at one moment: which are due, and
/// when the others will be. What `track refresh`, `poll` and the dashboard's status line go by.
public struct PollPlan: Sendable, Hashable {
    /// Orders due now, in watchlist order.
    public var due: [TrackedOrder] = []
    /// Orders that can still change soon but are not due yet, and when the first of them is.
    public var waiting = 0
    public var nextWaiting: Date?
    /// When each waiting order is due, soonest first.
    public var upcoming: [Date] = []
    /// Orders that wait for nothing more (not archived), and when the first of them is due.
    public var settled = 0
    public var nextSettled: Date?
    /// Orders settled longer than `archive_after`: not polled.
    public var archived = 0

    /// `ahead`: orders due within this many seconds count as due now, so that orders fetched a
    /// moment apart are fetched together next time instead of one by one.
    public init(_ rows: [WatchedOrder], policy: PollPolicy, now: Date, ahead: TimeInterval = 0) {
        let by = now.addingTimeInterval(ahead)
        for row in rows {
            switch row.due(policy, now: now) {
            case .archived:
                archived += 1
            case .at(let date) where date <= by:
                due.append(row.order)
            case .at(let date):
                if row.summary?.settledAt != nil && row.failures == 0 {
                    settled += 1
                    nextSettled = min(nextSettled ?? date, date)
                } else {
                    waiting += 1
                    upcoming.append(date)
                }
            }
        }
        upcoming.sort()
        nextWaiting = upcoming.first
    }

    /// Orders due by `date`: those due now and the waiting ones due by then.
    public func dueCount(by date: Date) -> Int {
        var low = 0, high = upcoming.count
        while low < high {
            let mid = (low + high) / 2
            if upcoming[mid] <= date { low = mid + 1 } else { high = mid }
        }
        return due.count + low
    }

    /// Everything not archived, due or not.
    public var polled: Int { due.count + waiting + settled }
}
