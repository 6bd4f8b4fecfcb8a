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

    public init(transaction: Transaction, refunds: [RefundReport], unmatchedPayU: [PayURefundRecord] = [], payuQueried: Bool = false, payuError: ReportedError? = nil) {
        self.transaction = transaction
        self.refunds = refunds
        self.unmatchedPayU = unmatchedPayU
        self.payuQueried = payuQueried
        self.payuError = payuError
    }

    private enum CodingKeys: String, CodingKey {
        case transaction, refunds, unmatchedPayU = "unmatched_payu_records", payuQueried = "payu_queried", payuError = "payu_error"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(transaction, forKey: .transaction)
        try container.encode(refunds, forKey: .refunds)
        try container.encode(unmatchedPayU, forKey: .unmatchedPayU)
        try container.encode(payuQueried, forKey: .payuQueried)
        try container.encode(payuError, forKey: .payuError)
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
