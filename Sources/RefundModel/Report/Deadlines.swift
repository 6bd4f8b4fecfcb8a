import Foundation

/// The stage a refund (or the payment) is in, for its deadline: each stage has a limit, counted
/// after creation (the payment's, for `.payment`).
public enum DeadlineStage: String, Sendable, Hashable, Codable, CaseIterable {
    /// The payment is still pending: a UPI collect request the customer never answered.
    case payment
    /// PayU accepted the refund and has not sent it to the bank yet (PayU `queued`).
    case queued
    /// The bank is processing it offline (PayU `requested` or `pending`).
    case bank
    /// Refunded, and the bank has not given its reference number (ARN) yet.
    case arn
    /// Not completed on WhatsApp's side: the customer has not been told the money is back.
    case credit

    /// For sentences: "ARN", "payment".
    public var name: String { self == .payment ? "payment" : short }

    /// A word for a narrow column: "ARN", "credit".
    public var short: String {
        switch self {
        case .payment: "pay"
        case .queued: "queued"
        case .bank: "bank"
        case .arn: "ARN"
        case .credit: "credit"
        }
    }

    /// The `[deadlines]` key that sets this stage's limit.
    public var configurationKey: String {
        switch self {
        case .payment: "payment_pending"
        case .queued: "payu_queued"
        case .bank: "bank_processing"
        case .arn: "arn"
        case .credit: "credit"
        }
    }
}

/// One refund's deadline for the stage it is in (or the payment's, `refundID` nil).
public struct StageDeadline: Sendable, Hashable, Codable {
    public var stage: DeadlineStage
    public var due: Date
    public var refundID: String?

    public init(stage: DeadlineStage, due: Date, refundID: String?) {
        self.stage = stage
        self.due = due
        self.refundID = refundID
    }

    public func isLate(at now: Date) -> Bool { now > due }

    /// "due in 5h", "late by 2d 3h": how far `now` is from the deadline.
    public func standing(at now: Date) -> String {
        isLate(at: now) ? "late by \(DurationText.short(now.timeIntervalSince(due)))" : "due in \(DurationText.short(due.timeIntervalSince(now)))"
    }

    private enum CodingKeys: String, CodingKey {
        case stage, due, refundID = "refund_id"
    }
}

/// When each stage of a refund is late: one model for the payment, PayU's queue, the bank, the
/// ARN and the customer's credit. Limits are business time (`calendar`) except the payment's,
/// which is plain minutes: a collect request expires by the clock, not by the bank's week.
///
/// The defaults, each set in `[deadlines]`:
/// - payment still pending: 30 minutes after the customer's first attempt to pay;
/// - PayU `queued` (accepted, not yet sent to the bank): 24 business hours;
/// - PayU `requested` or `pending` (offline bank processing; PayU says 5–7 business days): 7 business days;
/// - no ARN yet: 72 business hours (PayU: the bank issues it "within 24-72 business hours");
/// - not completed on WhatsApp's side: 7 business days, 1 for an instant refund.
public struct DeadlineRules: Sendable, Hashable {
    public static let defaultARNBusinessHours: Double = 72

    public var paymentPending: TimeInterval = 30 * 60
    public var payuQueued: TimeInterval = 24 * 3600
    public var bankProcessing: TimeInterval = 7 * 86_400
    public var arn: TimeInterval = DeadlineRules.defaultARNBusinessHours * 3600
    public var credit: TimeInterval = 7 * 86_400
    public var creditInstant: TimeInterval = 86_400
    public var calendar: BusinessCalendar

    public init(calendar: BusinessCalendar = BusinessCalendar()) {
        self.calendar = calendar
    }

    /// The rules with only the ARN limit changed (`arn_overdue_business_hours`).
    public init(arnBusinessHours: Double, calendar: BusinessCalendar = BusinessCalendar()) {
        self.init(calendar: calendar)
        arn = arnBusinessHours * 3600
    }

    /// A stage's limit: for `.credit`, the instant one when the refund was processed instantly.
    public func limit(_ stage: DeadlineStage, instant: Bool = false) -> TimeInterval {
        switch stage {
        case .payment: paymentPending
        case .queued: payuQueued
        case .bank: bankProcessing
        case .arn: arn
        case .credit: instant ? creditInstant : credit
        }
    }

    /// "72 business hours after creation" (the refund's): the rule behind a deadline, for people.
    public func ruleText(_ stage: DeadlineStage, instant: Bool = false) -> String {
        let limit = limit(stage, instant: instant)
        switch stage {
        case .payment: return "\(DurationText.short(limit)) after the first attempt to pay"
        case .credit: return "\(Self.business(limit)) after creation\(instant ? " (instant refund)" : "")"
        case .queued, .arn: return "\(Self.business(limit, inHours: true)) after creation"
        case .bank: return "\(Self.business(limit)) after creation"
        }
    }

    /// "72 business hours", "7 business days": PayU's queue and the ARN are counted in hours (as
    /// PayU states them), the other stages in days, each when the limit is a whole number of them.
    static func business(_ seconds: TimeInterval, inHours: Bool = false) -> String {
        let days = seconds / 86_400
        if !inHours, days >= 1, days == days.rounded() { return plural(Int(days), "business day") }
        let hours = seconds / 3600
        if hours == hours.rounded() { return plural(Int(hours), "business hour") }
        return DurationText.short(seconds) + " of business time"
    }

    /// The stage a refund is in and when that stage is late; nil when nothing more is expected of
    /// it: it failed on either side (that needs a person, not a deadline), it is complete, or its
    /// creation time is unknown.
    ///
    /// On a PayU transaction that PayU was asked about, the stages follow PayU's status: `queued`,
    /// then `requested`/`pending` (the bank), then the ARN, then WhatsApp's completion. Elsewhere
    /// only WhatsApp's completion is judged. When PayU could not be asked and gave no earlier
    /// answer, the ARN may well exist, so only WhatsApp's side is judged.
    public func deadline(for refund: RefundReport, in transaction: TransactionReport) -> StageDeadline? {
        let whatsapp = refund.refund.status
        if whatsapp == .failed || refund.payu?.status == .failure { return nil }
        guard let created = refund.refund.created.date else { return nil }
        let instant = refund.refund.speed == .instant
        func due(_ stage: DeadlineStage) -> StageDeadline {
            StageDeadline(stage: stage, due: calendar.adding(limit(stage, instant: instant), to: created), refundID: refund.refund.id)
        }
        let judgedByPayU = transaction.transaction.gateway == .payu && transaction.payuQueried
            && !(transaction.payuError != nil && refund.payu == nil)
        if judgedByPayU {
            switch refund.payu?.status {
            case .queued?: return due(.queued)
            case .requested?, .pending?: return due(.bank)
            default: break
            }
            if refund.payu?.bankARN == nil { return due(.arn) }
        }
        return whatsapp == .success ? nil : due(.credit)
    }

    /// The payment's deadline while it is still pending (or new), counted from the customer's
    /// first attempt to pay (its earliest transaction: Kaleyra gives the payment no time of its
    /// own); nil once it is anything else, or before the customer tried.
    public func deadline(for payment: Payment) -> StageDeadline? {
        switch payment.status {
        case .new, .pending:
            guard let made = payment.transactions.compactMap(\.created.date).min() else { return nil }
            return StageDeadline(stage: .payment, due: made.addingTimeInterval(paymentPending), refundID: nil)
        default:
            return nil
        }
    }

    /// Every deadline in the order, soonest first.
    public func deadlines(for report: OrderReport) -> [StageDeadline] {
        var all = deadline(for: report.payment).map { [$0] } ?? []
        for transaction in report.transactions {
            for refund in transaction.refunds {
                if let deadline = deadline(for: refund, in: transaction) { all.append(deadline) }
            }
        }
        return all.sorted { $0.due < $1.due }
    }
}
