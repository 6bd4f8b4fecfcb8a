import Foundation

/// Where a refund is, in the words the overview counts by: the open stages an operator chases
/// (nothing known yet, PayU's queue, the bank, the ARN, the settlement), then the ends.
public enum RefundProgress: String, Sendable, Hashable, Codable, CaseIterable {
    /// Not complete on WhatsApp's side, and no PayU status says where it is (another gateway, or
    /// PayU not asked).
    case pending
    /// PayU accepted it and has not sent it to the bank (`queued`).
    case queued
    /// At the bank: PayU `requested`, `pending` or `in progress`.
    case bank
    /// Refunded, and the bank's reference number (ARN) has not come.
    case arn
    /// PayU gave the ARN; the settlement (settlement id or UTR) has not come.
    case unsettled
    /// Complete: WhatsApp success and, for a PayU refund PayU was asked about, its ARN (and no
    /// settlement to wait for, or not a PayU refund).
    case done
    /// PayU reports the settlement.
    case settled
    case failed

    /// The stages still moving, in the order a refund goes through them.
    public static let open: [RefundProgress] = [.pending, .queued, .bank, .arn, .unsettled]

    public var isOpen: Bool { Self.open.contains(self) }

    /// For a legend: "queued", "at the bank", "no ARN yet", "ARN, not settled".
    public var label: String {
        switch self {
        case .pending: "pending"
        case .queued: "queued"
        case .bank: "at the bank"
        case .arn: "no ARN yet"
        case .unsettled: "ARN, not settled"
        case .done: "done"
        case .settled: "settled"
        case .failed: "failed"
        }
    }

    public init(_ refund: RefundReport, in transaction: TransactionReport) {
        let payu = refund.payu
        let askedPayU = transaction.transaction.gateway == .payu && transaction.payuQueried
        switch RefundStage(refund, in: transaction) {
        case .failed: self = .failed
        case .settled: self = .settled
        case .done: self = askedPayU && payu?.bankARN != nil ? .unsettled : .done
        case .awaitingARN: self = .arn
        case .queued, .inProgress, .pending:
            switch payu?.status {
            case .queued?: self = .queued
            case .requested?, .pending?, .inProgress?: self = .bank
            default: self = .pending
            }
        }
    }
}

/// One refund as the overview counts it: its gateway and payment method, its amount in the
/// currency's smallest unit, where it is, and when it reached each milestone. The store keeps one
/// row of these a refund (`refund_fact`), rewritten with each fetch of its order, so that the
/// overview's numbers are sums and counts in SQL instead of decoded reports.
///
/// Kaleyra gives a refund's creation time; nobody gives the time its ARN came or it completed, so
/// those are when refundwatch first saw them: the fetch that saw the change. A refund seen for the
/// first time (its order's first fetch, or a refund new since the last one) that had already moved
/// gets WhatsApp's last update time of the refund instead, kept between its creation and that
/// fetch: the best estimate there is.
public struct RefundFact: Sendable, Hashable {
    public var transactionID: String
    public var refundID: String
    public var gateway: String
    /// The payment method of the transaction ("upi", "card"); nil when Kaleyra did not say.
    public var method: String?
    /// The amount in the smallest unit (paise for INR); nil when unknown.
    public var amountMinor: Int64?
    public var currency: String?
    public var progress: RefundProgress
    public var createdAt: Date?
    /// Since when it is at `progress`.
    public var progressSince: Date
    public var arnAt: Date?
    public var completedAt: Date?
    public var failedAt: Date?
    /// The deadline of the stage it is in (`DeadlineRules`); nil when none applies.
    public var deadline: StageDeadline?

    public init(transactionID: String, refundID: String, gateway: String, method: String?, amountMinor: Int64?, currency: String?,
                progress: RefundProgress, createdAt: Date?, progressSince: Date, arnAt: Date?, completedAt: Date?, failedAt: Date?,
                deadline: StageDeadline?) {
        self.transactionID = transactionID
        self.refundID = refundID
        self.gateway = gateway
        self.method = method
        self.amountMinor = amountMinor
        self.currency = currency
        self.progress = progress
        self.createdAt = createdAt
        self.progressSince = progressSince
        self.arnAt = arnAt
        self.completedAt = completedAt
        self.failedAt = failedAt
        self.deadline = deadline
    }

    /// What identifies a refund within its order.
    public struct Key: Hashable, Sendable {
        public var transactionID: String
        public var refundID: String

        public init(transactionID: String, refundID: String) {
            self.transactionID = transactionID
            self.refundID = refundID
        }
    }

    public var key: Key { Key(transactionID: transactionID, refundID: refundID) }

    /// Seconds from creation to the ARN, and to completion; nil while either end is unknown.
    public var toARN: TimeInterval? { span(to: arnAt) }
    public var toCompletion: TimeInterval? { span(to: completedAt) }

    private func span(to end: Date?) -> TimeInterval? {
        guard let createdAt, let end else { return nil }
        return max(0, end.timeIntervalSince(createdAt))
    }

    /// The facts of every refund in `report`, carrying each milestone's time over from `previous`
    /// (the facts stored with the order's last fetch; empty for a first fetch).
    public static func of(_ report: OrderReport, previous: [RefundFact], rules: DeadlineRules) -> [RefundFact] {
        let before = Dictionary(previous.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let seen = report.fetchedAt
        return report.transactions.flatMap { transaction in
            transaction.refunds.map { refund in
                let key = Key(transactionID: transaction.transaction.id, refundID: refund.refund.id)
                let old = before[key]
                let created = refund.refund.created.date
                // When a change was first seen: this fetch, or for a refund never seen before, its
                // last update on WhatsApp's side within [created, this fetch].
                let firstSeen: Date = {
                    guard old == nil else { return seen }
                    let updated = refund.refund.updated.date ?? seen
                    return min(seen, max(created ?? updated, updated))
                }()
                let progress = RefundProgress(refund, in: transaction)
                let hasARN = refund.payu?.bankARN != nil
                let complete = progress == .done || progress == .settled
                return RefundFact(
                    transactionID: key.transactionID, refundID: key.refundID, gateway: transaction.transaction.gateway.rawValue,
                    method: transaction.transaction.method, amountMinor: refund.refund.amount.flatMap(minorUnits),
                    currency: refund.refund.amount?.currency, progress: progress, createdAt: created,
                    progressSince: old?.progress == progress ? old!.progressSince : (old == nil && (progress == .pending || progress == .queued) ? created ?? seen : firstSeen),
                    arnAt: hasARN ? (old?.arnAt ?? firstSeen) : nil,
                    completedAt: complete ? (old?.completedAt ?? firstSeen) : nil,
                    failedAt: progress == .failed ? (old?.failedAt ?? firstSeen) : nil,
                    deadline: rules.deadline(for: refund, in: transaction))
            }
        }
    }

    /// ₹12.50 as 1250: the amount in hundredths, rounded; nil beyond what 64 bits hold.
    static func minorUnits(_ money: Money) -> Int64? {
        var scaled = money.amount * 100
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        let number = NSDecimalNumber(decimal: rounded)
        guard abs(number.doubleValue) < 9e18 else { return nil }
        return number.int64Value
    }
}
