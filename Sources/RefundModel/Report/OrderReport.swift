import Foundation

/// An error kept inside a report (a PayU failure beside the WhatsApp data), in a form that can be
/// stored and shown later.
public struct ReportedError: Sendable, Hashable, Codable {
    public var category: ErrorCategory
    public var service: Service?
    public var message: String

    public init(_ error: RefundWatchError) {
        category = error.category
        service = error.service
        message = error.message
    }

    public init(category: ErrorCategory, service: Service?, message: String) {
        self.category = category
        self.service = service
        self.message = message
    }
}

/// How a PayU record was tied to a WhatsApp refund.
public enum MatchKind: String, Sendable, Hashable, Codable {
    /// PayU's `request_id` equals the WhatsApp refund id.
    case requestID = "request_id"
    /// PayU's `token` equals the WhatsApp refund id.
    case token
    /// Neither id matched; the amount did, and only one record had it.
    case amount
}

/// One refund with both sides joined.
public struct RefundReport: Sendable, Hashable, Codable {
    public var refund: Refund
    public var payu: PayURefundRecord?
    public var match: MatchKind?

    public init(refund: Refund, payu: PayURefundRecord? = nil, match: MatchKind? = nil) {
        self.refund = refund
        self.payu = payu
        self.match = match
    }

    private enum CodingKeys: String, CodingKey { case refund = "whatsapp", payu, match }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(refund, forKey: .refund)
        try container.encode(payu, forKey: .payu)
        try container.encode(match, forKey: .match)
    }
}

/// One transaction, its refunds joined with PayU's records, PayU records that matched nothing, and
/// the PayU error if PayU could not be asked.
public struct TransactionReport: Sendable, Hashable, Codable {
    public var transaction: Transaction
    public var refunds: [RefundReport]
    public var unmatchedPayU: [PayURefundRecord]
    /// True when PayU was called for this transaction (it is a `payu` one and PayU is configured).
    public var payuQueried: Bool
    public var payuError: ReportedError?
    /// When PayU failed this time but had answered before, its earlier records are kept in the
    /// refunds (see `OrderReport.keepingPayU(from:)`) and this says when they were fetched.
    public var payuCarriedFrom: Date?

    public init(transaction: Transaction, refunds: [RefundReport], unmatchedPayU: [PayURefundRecord] = [], payuQueried: Bool = false,
                payuError: ReportedError? = nil, payuCarriedFrom: Date? = nil) {
        self.transaction = transaction
        self.refunds = refunds
        self.unmatchedPayU = unmatchedPayU
        self.payuQueried = payuQueried
        self.payuError = payuError
        self.payuCarriedFrom = payuCarriedFrom
    }

    private enum CodingKeys: String, CodingKey {
        case transaction, refunds, unmatchedPayU = "unmatched_payu_records", payuQueried = "payu_queried", payuError = "payu_error"
        case payuCarriedFrom = "payu_carried_from"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        transaction = try container.decode(Transaction.self, forKey: .transaction)
        refunds = try container.decode([RefundReport].self, forKey: .refunds)
        unmatchedPayU = try container.decodeIfPresent([PayURefundRecord].self, forKey: .unmatchedPayU) ?? []
        payuQueried = try container.decodeIfPresent(Bool.self, forKey: .payuQueried) ?? false
        payuError = try container.decodeIfPresent(ReportedError.self, forKey: .payuError)
        payuCarriedFrom = try container.decodeIfPresent(Timestamp.self, forKey: .payuCarriedFrom)?.date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(transaction, forKey: .transaction)
        try container.encode(refunds, forKey: .refunds)
        try container.encode(unmatchedPayU, forKey: .unmatchedPayU)
        try container.encode(payuQueried, forKey: .payuQueried)
        try container.encode(payuError, forKey: .payuError)
        try container.encode(payuCarriedFrom.map(Timestamp.known), forKey: .payuCarriedFrom)
    }
}

/// Everything known about one order: the WhatsApp payment and, per transaction, the joined refunds.
/// Its JSON (snake_case, amounts as decimal strings with their currency) is what `lookup --json`
/// prints and what the store keeps.
public struct OrderReport: Sendable, Hashable, Codable {
    public var referenceID: String
    public var fetchedAt: Date
    public var payment: Payment
    public var transactions: [TransactionReport]

    public init(referenceID: String, fetchedAt: Date, payment: Payment, transactions: [TransactionReport]) {
        self.referenceID = referenceID
        self.fetchedAt = fetchedAt
        self.payment = payment
        self.transactions = transactions
    }

    private enum CodingKeys: String, CodingKey {
        case referenceID = "reference_id", fetchedAt = "fetched_at", payment, transactions
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(referenceID, forKey: .referenceID)
        try container.encode(Timestamp.known(fetchedAt), forKey: .fetchedAt)
        try container.encode(payment, forKey: .payment)
        try container.encode(transactions, forKey: .transactions)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        referenceID = try container.decode(String.self, forKey: .referenceID)
        fetchedAt = try container.decode(Timestamp.self, forKey: .fetchedAt).date ?? Date(timeIntervalSince1970: 0)
        payment = try container.decode(Payment.self, forKey: .payment)
        transactions = try container.decode([TransactionReport].self, forKey: .transactions)
    }

    /// Every refund of the order, with its transaction.
    public var allRefunds: [(transaction: Transaction, refund: RefundReport)] {
        transactions.flatMap { report in report.refunds.map { (report.transaction, $0) } }
    }

    /// The project's JSON form: sorted keys, so the same report always prints the same bytes.
    public func jsonData(pretty: Bool = true) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

extension OrderReport {
    /// This report, with PayU's earlier answer kept where PayU failed this time.
    ///
    /// A PayU failure (an expired token, a 5xx) says nothing about the refunds themselves: dropping
    /// the ARN and settlement we already knew would blank the operator's screen and write "ARN
    /// removed, ARN added back" into the history. So for each transaction whose PayU call failed,
    /// the previous report's PayU records are copied in (by refund id), the error stays beside them,
    /// and `payuCarriedFrom` says how old they are.
    public func keepingPayU(from previous: OrderReport?) -> OrderReport {
        guard let previous, transactions.contains(where: { $0.payuError != nil }) else { return self }
        let earlier = Dictionary(previous.transactions.map { ($0.transaction.id, $0) }, uniquingKeysWith: { first, _ in first })
        var result = self
        for index in result.transactions.indices where result.transactions[index].payuError != nil {
            guard let old = earlier[result.transactions[index].transaction.id],
                  old.payuQueried, old.payuError == nil || old.payuCarriedFrom != nil else { continue }
            let oldRefunds = Dictionary(old.refunds.map { ($0.refund.id, $0) }, uniquingKeysWith: { first, _ in first })
            for refundIndex in result.transactions[index].refunds.indices {
                let id = result.transactions[index].refunds[refundIndex].refund.id
                if let kept = oldRefunds[id], kept.payu != nil {
                    result.transactions[index].refunds[refundIndex].payu = kept.payu
                    result.transactions[index].refunds[refundIndex].match = kept.match
                }
            }
            result.transactions[index].unmatchedPayU = old.unmatchedPayU
            result.transactions[index].payuCarriedFrom = old.payuCarriedFrom ?? previous.fetchedAt
        }
        return result
    }
}
