import Foundation

/// One thing that changed in an order between two fetches: a status of the payment, a transaction
/// or a refund, or one of PayU's bank-side fields of a refund. The store keeps these as the order's
/// history; the dashboard highlights the rows they touch.
public struct OrderChange: Sendable, Hashable, Codable {
    /// What changed. A history kept by a newer refundwatch may hold a field this version does not
    /// know: it is kept as it was written (never read as another one) and shown by its name.
    public struct Field: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
        public let rawValue: String

        public init(rawValue: String) { self.rawValue = rawValue }

        /// The payment, transaction or refund was seen for the first time; `new` is its status.
        public static let appeared = Field(rawValue: "appeared")
        /// It was in the previous report and is not in this one; `old` is its last status.
        public static let disappeared = Field(rawValue: "disappeared")
        /// WhatsApp's status (payment, transaction or refund).
        public static let status = Field(rawValue: "status")
        /// PayU's refund status.
        public static let payuStatus = Field(rawValue: "payu_status")
        public static let arn = Field(rawValue: "arn")
        public static let settlementID = Field(rawValue: "settlement_id")
        public static let amountSettled = Field(rawValue: "amount_settled")
        public static let utr = Field(rawValue: "utr")
        public static let valueDate = Field(rawValue: "value_date")
        /// The fetch that found the changes beside it was asked for by a push (`refundwatch
        /// listen`); `new` is the source (`PushSource`'s raw value).
        public static let pushed = Field(rawValue: "pushed")

        /// The fields this version writes.
        public static let known: [Field] = [.appeared, .disappeared, .status, .payuStatus, .arn, .settlementID, .amountSettled, .utr, .valueDate, .pushed]

        public var isKnown: Bool { Self.known.contains(self) }

        /// For people: "ARN", "PayU status"; a field this version does not know, by its name.
        public var title: String {
            switch self {
            case .appeared: "first seen"
            case .disappeared: "no longer reported"
            case .status: "status"
            case .payuStatus: "PayU status"
            case .arn: "ARN"
            case .settlementID: "settlement id"
            case .amountSettled: "amount settled"
            case .utr: "UTR"
            case .valueDate: "value date"
            case .pushed: "pushed"
            default: rawValue
            }
        }

        public var description: String { rawValue }
    }

    /// nil for the payment itself.
    public var transactionID: String?
    /// nil for the payment or a transaction.
    public var refundID: String?
    public var field: Field
    public var old: String?
    public var new: String?

    public init(transactionID: String? = nil, refundID: String? = nil, field: Field, old: String?, new: String?) {
        self.transactionID = transactionID
        self.refundID = refundID
        self.field = field
        self.old = old
        self.new = new
    }

    private enum CodingKeys: String, CodingKey {
        case transactionID = "transaction_id", refundID = "refund_id", field, old, new
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(transactionID, forKey: .transactionID)
        try container.encode(refundID, forKey: .refundID)
        try container.encode(field, forKey: .field)
        try container.encode(old, forKey: .old)
        try container.encode(new, forKey: .new)
    }

    /// The change in words, without its subject: "status: pending → success", "first seen: queued".
    public var words: String {
        switch field {
        case .appeared: "first seen: \(new ?? "—")"
        case .disappeared: "no longer reported (was \(old ?? "—"))"
        case .pushed: "pushed by \(new.flatMap(PushSource.init(rawValue:))?.title ?? new ?? "—"), confirmed by lookup"
        default: "\(field.title): \(old ?? "—") → \(new ?? "—")"
        }
    }

    /// What changed: "payment", "transaction T", "refund R".
    public var subject: String {
        if let refundID { return "refund \(refundID)" }
        if let transactionID { return "transaction \(transactionID)" }
        return "payment"
    }
}

extension OrderChange {
    /// Every change from `previous` to `current`. With no previous report, everything in `current`
    /// "appears", with the PayU fields it already has, so the history starts with the first sighting.
    ///
    /// Transactions are matched by id, refunds by transaction and refund id. The order is stable:
    /// payment, then each transaction in the report's order followed by its refunds.
    public static func between(_ previous: OrderReport?, _ current: OrderReport) -> [OrderChange] {
        var changes: [OrderChange] = []
        let oldStatus = previous?.payment.status.rawValue
        if previous == nil {
            changes.append(OrderChange(field: .appeared, old: nil, new: current.payment.status.rawValue))
        } else if oldStatus != current.payment.status.rawValue {
            changes.append(OrderChange(field: .status, old: oldStatus, new: current.payment.status.rawValue))
        }
        let before = Dictionary((previous?.transactions ?? []).map { ($0.transaction.id, $0) }, uniquingKeysWith: { first, _ in first })
        for report in current.transactions {
            changes += transactionChanges(before[report.transaction.id], report)
        }
        let now = Set(current.transactions.map(\.transaction.id))
        for report in previous?.transactions ?? [] where !now.contains(report.transaction.id) {
            changes.append(OrderChange(transactionID: report.transaction.id, field: .disappeared, old: report.transaction.status.rawValue, new: nil))
        }
        return changes
    }

    private static func transactionChanges(_ old: TransactionReport?, _ new: TransactionReport) -> [OrderChange] {
        let id = new.transaction.id
        var changes: [OrderChange] = []
        if let old {
            if old.transaction.status.rawValue != new.transaction.status.rawValue {
                changes.append(OrderChange(transactionID: id, field: .status, old: old.transaction.status.rawValue, new: new.transaction.status.rawValue))
            }
        } else {
            changes.append(OrderChange(transactionID: id, field: .appeared, old: nil, new: new.transaction.status.rawValue))
        }
        let before = Dictionary((old?.refunds ?? []).map { ($0.refund.id, $0) }, uniquingKeysWith: { first, _ in first })
        for refund in new.refunds {
            changes += refundChanges(transactionID: id, before[refund.refund.id], refund)
        }
        let now = Set(new.refunds.map(\.refund.id))
        for refund in old?.refunds ?? [] where !now.contains(refund.refund.id) {
            changes.append(OrderChange(transactionID: id, refundID: refund.refund.id, field: .disappeared, old: refund.refund.status.rawValue, new: nil))
        }
        return changes
    }

    private static func refundChanges(transactionID: String, _ old: RefundReport?, _ new: RefundReport) -> [OrderChange] {
        let id = new.refund.id
        var changes: [OrderChange] = []
        func note(_ field: Field, _ before: String?, _ after: String?) {
            if before != after {
                changes.append(OrderChange(transactionID: transactionID, refundID: id, field: field, old: before, new: after))
            }
        }
        if let old {
            note(.status, old.refund.status.rawValue, new.refund.status.rawValue)
        } else {
            changes.append(OrderChange(transactionID: transactionID, refundID: id, field: .appeared, old: nil, new: new.refund.status.rawValue))
        }
        let before = old?.payu
        let after = new.payu
        note(.payuStatus, before?.status?.rawValue, after?.status?.rawValue)
        note(.arn, before?.bankARN, after?.bankARN)
        note(.settlementID, before?.settlementID, after?.settlementID)
        note(.amountSettled, before?.amountSettled?.plainString, after?.amountSettled?.plainString)
        note(.utr, before?.utr, after?.utr)
        note(.valueDate, before?.valueDate, after?.valueDate)
        return changes
    }
}
