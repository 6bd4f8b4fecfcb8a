import Foundation

/// When a refund with no ARN counts as overdue: more than `businessHours` business hours (Monday to
/// Friday, all day; weekends do not count) since the refund was created. PayU says the bank issues
/// the ARN "within 24-72 business hours", hence the default of 72.
///
/// Weekdays are those of `timeZone`, India's by default, because the banks that issue ARNs work on
/// Indian days: the same refund is overdue at the same moment whatever the operator's own zone.
/// Bank holidays are not known to the rule.
public struct OverdueRule: Sendable, Hashable {
    public static let defaultBusinessHours: Double = 72

    public var businessHours: Double
    public var timeZone: TimeZone

    public init(businessHours: Double = OverdueRule.defaultBusinessHours, timeZone: TimeZone = .india) {
        self.businessHours = businessHours
        self.timeZone = timeZone
    }

    /// The moment a refund created at `created` becomes overdue if it still has no ARN: `created`
    /// plus `businessHours` counted on weekdays only.
    public func deadline(after created: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var remaining = businessHours * 3600
        var cursor = created
        while true {
            let dayStart = calendar.startOfDay(for: cursor)
            guard let nextDay = calendar.date(byAdding: .day, value: 1, to: dayStart) else { return cursor }
            let weekday = calendar.component(.weekday, from: cursor) // 1 = Sunday … 7 = Saturday
            if (2...6).contains(weekday) {
                let available = nextDay.timeIntervalSince(cursor)
                if remaining <= available { return cursor.addingTimeInterval(remaining) }
                remaining -= available
            }
            cursor = nextDay
        }
    }

    /// Business hours between two moments (weekday time only); 0 when `end` is not after `start`.
    public func businessHours(from start: Date, to end: Date) -> Double {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var total: TimeInterval = 0
        var cursor = start
        while cursor < end {
            guard let nextDay = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: cursor)) else { break }
            let segmentEnd = min(nextDay, end)
            if (2...6).contains(calendar.component(.weekday, from: cursor)) {
                total += segmentEnd.timeIntervalSince(cursor)
            }
            cursor = segmentEnd
        }
        return total / 3600
    }

    /// The ARN deadline of one refund, or nil when the rule does not apply to it: the ARN comes from
    /// PayU, so only refunds on PayU transactions that PayU was asked about are judged; a refund that
    /// failed on either side, or that has its ARN, or whose creation time is unknown, is never overdue.
    public func arnDeadline(for refund: RefundReport, in transaction: TransactionReport) -> Date? {
        guard transaction.transaction.gateway == .payu, transaction.payuQueried else { return nil }
        // PayU failed and there is no earlier answer to go by: the ARN may well exist.
        if transaction.payuError != nil && refund.payu == nil { return nil }
        if refund.refund.status == .failed || refund.payu?.status == .failure { return nil }
        if refund.payu?.bankARN != nil { return nil }
        guard let created = refund.refund.created.date else { return nil }
        return deadline(after: created)
    }

    public func isOverdue(_ refund: RefundReport, in transaction: TransactionReport, at now: Date) -> Bool {
        arnDeadline(for: refund, in: transaction).map { now > $0 } ?? false
    }
}

extension TimeZone {
    /// Asia/Kolkata (UTC+05:30, no daylight saving).
    public static let india = TimeZone(identifier: "Asia/Kolkata") ?? TimeZone(secondsFromGMT: 19_800)!
}
