import Foundation

/// When each order is next fetched, from what it is waiting for (`OrderSummary.settledAt`):
///
/// - An order that can still change soon (a payment not yet paid, a refund pending, queued, in
///   progress or without its ARN, a PayU refund without its settlement) is due every `interval`
///   (`refresh_interval`).
/// - A settled order (its refunds all failed or done with their ARN, and settled for PayU; or no
///   refund on a finished payment) is due every `settledInterval` (`settled_interval`, 6 h): a new
///   refund on it is still noticed the same day.
/// - An order settled longer than `archiveAfter` (`archive_after`, 14 days) is archived: not
///   polled at all until someone asks (`r`, `R`, `track refresh --all`).
/// - A failed fetch backs off: due again after 1, 2, 4 … intervals, at most `settledInterval`.
/// - An order never fetched is due at once.
public struct PollPolicy: Sendable, Hashable {
    public var interval: TimeInterval
    public var settledInterval: TimeInterval
    public var archiveAfter: TimeInterval

    public static let defaultSettledInterval: TimeInterval = 6 * 3600
    public static let defaultArchiveAfter: TimeInterval = 14 * 86_400

    public init(interval: TimeInterval = 30, settledInterval: TimeInterval = defaultSettledInterval, archiveAfter: TimeInterval = defaultArchiveAfter) {
        self.interval = interval
        self.settledInterval = max(interval, settledInterval)
        self.archiveAfter = archiveAfter
    }

    public enum Due: Sendable, Hashable {
        /// Due at this time (now or earlier: due now).
        case at(Date)
        /// Settled longer than `archiveAfter`: not polled.
        case archived
    }

    /// - Parameters:
    ///   - fetchedAt: the last good fetch; nil if never fetched.
    ///   - attemptedAt: the last attempt, failed or not.
    ///   - failures: failed attempts since the last good fetch.
    ///   - settledAt: from the last good report's summary; nil while it can still change soon.
    public func due(fetchedAt: Date?, attemptedAt: Date?, failures: Int, settledAt: Date?, now: Date) -> Due {
        if let settledAt, now.timeIntervalSince(settledAt) >= archiveAfter { return .archived }
        if failures > 0, let attemptedAt {
            let backoff = min(settledInterval, interval * pow(2, Double(min(failures, 30) - 1)))
            return .at(attemptedAt.addingTimeInterval(backoff))
        }
        guard let fetchedAt else { return .at(.distantPast) }
        return .at(fetchedAt.addingTimeInterval(settledAt == nil ? interval : settledInterval))
    }
}
