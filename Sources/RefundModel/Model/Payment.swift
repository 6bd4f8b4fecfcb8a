import Foundation

/// One WhatsApp Pay order as Kaleyra's Get Payment Status API reports it.
///
/// Decoding accepts the variants seen on the wire (`amount` or `total_amount`, numbers or numeric
/// strings for money and times, a missing `transactions` key, echo fields of any gateway); encoding writes the same field names (amounts as
/// `{"amount": "210.00", "currency": "INR"}`, times as ISO 8601), which the decoder reads back.
public struct Payment: Sendable, Hashable, Codable {
    public var referenceID: String
    public var status: PaymentStatus
    public var currency: String
    public var amount: Money?
    /// Empty until the customer has tried to pay (the API omits the key).
    public var transactions: [Transaction]
    /// Razorpay echo fields.
    public var receipt: String?
    public var notes: [String: String]
    /// Gateway echo fields that are present: `udf1`..`udf4` (PayU), `additional_info1`..`7`
    /// (BillDesk), `extra1`..`extra2` (Zaakpay), in that order.
    public var merchantFields: [MerchantField]

    public init(referenceID: String, status: PaymentStatus, currency: String = "INR", amount: Money?,
                transactions: [Transaction] = [], receipt: String? = nil, notes: [String: String] = [:],
                merchantFields: [MerchantField] = []) {
        self.referenceID = referenceID
        self.status = status
        self.currency = currency
        self.amount = amount
        self.transactions = transactions
        self.receipt = receipt
        self.notes = notes
        self.merchantFields = merchantFields
    }

    static let merchantFieldNames: [String] =
        (1...4).map { "udf\($0)" } + (1...7).map { "additional_info\($0)" } + (1...2).map { "extra\($0)" }

    private enum CodingKeys: String, CodingKey {
        case referenceID = "reference_id", status, currency, amount, totalAmount = "total_amount"
        case transactions, receipt, notes
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        referenceID = container.lenientString(.referenceID) ?? ""
        status = PaymentStatus(rawValue: container.lenientString(.status) ?? "")
        currency = container.lenientString(.currency) ?? "INR"
        amount = container.money(.amount, currency: currency) ?? container.money(.totalAmount, currency: currency)
        transactions = try container.decodeIfPresent([Transaction].self, forKey: .transactions) ?? []
        receipt = container.lenientString(.receipt)
        notes = (try? container.decodeIfPresent([String: LenientString].self, forKey: .notes))??.mapValues(\.value) ?? [:]
        let extras = try decoder.container(keyedBy: AnyKey.self)
        merchantFields = Payment.merchantFieldNames.compactMap { name in
            extras.lenientString(AnyKey(name)).map { MerchantField(name: name, value: $0) }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(referenceID, forKey: .referenceID)
        try container.encode(status, forKey: .status)
        try container.encode(currency, forKey: .currency)
        try container.encodeIfPresent(amount, forKey: .amount)
        try container.encode(transactions, forKey: .transactions)
        try container.encodeIfPresent(receipt, forKey: .receipt)
        if !notes.isEmpty { try container.encode(notes, forKey: .notes) }
        var extras = encoder.container(keyedBy: AnyKey.self)
        for field in merchantFields { try extras.encode(field.value, forKey: AnyKey(field.name)) }
    }
}

/// A merchant echo field such as `udf1` or `additional_info3`.
public struct MerchantField: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// One attempt to pay, at one gateway.
public struct Transaction: Sendable, Hashable, Codable {
    /// The gateway's transaction id (`id` on the wire).
    public var id: String
    /// Meta's `pg_transaction_id`, when sent; for PayU it is the payu_id.
    public var pgTransactionID: String?
    public var gateway: Gateway
    public var status: TransactionStatus
    public var created: Timestamp
    public var updated: Timestamp
    /// `method.type`: upi, card, netbanking, wallet. Often missing on failed attempts.
    public var method: String?
    public var error: GatewayError?
    public var amount: Money?
    public var refunds: [Refund]

    public init(id: String, pgTransactionID: String? = nil, gateway: Gateway, status: TransactionStatus,
                created: Timestamp, updated: Timestamp, method: String? = nil, error: GatewayError? = nil,
                amount: Money? = nil, refunds: [Refund] = []) {
        self.id = id
        self.pgTransactionID = pgTransactionID
        self.gateway = gateway
        self.status = status
        self.created = created
        self.updated = updated
        self.method = method
        self.error = error
        self.amount = amount
        self.refunds = refunds
    }

    /// The id PayU's refund status API takes: `pg_transaction_id` when present, else `id`.
    public var payuID: String? {
        guard gateway == .payu else { return nil }
        let candidate = (pgTransactionID?.isEmpty == false ? pgTransactionID : id) ?? id
        let trimmed = candidate.trimmed
        return trimmed.isEmpty ? nil : trimmed
    }

    private enum CodingKeys: String, CodingKey {
        case id, pgTransactionID = "pg_transaction_id", type, status
        case created = "created_timestamp", updated = "updated_timestamp"
        case method, error, amount, currency, refunds
    }

    private struct Method: Codable { var type: String? }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = container.lenientString(.id) ?? ""
        pgTransactionID = container.lenientString(.pgTransactionID)
        gateway = Gateway(rawValue: container.lenientString(.type) ?? "")
        status = TransactionStatus(rawValue: container.lenientString(.status) ?? "")
        created = (try? container.decodeIfPresent(Timestamp.self, forKey: .created)) ?? .unknown("")
        updated = (try? container.decodeIfPresent(Timestamp.self, forKey: .updated)) ?? .unknown("")
        method = (try? container.decodeIfPresent(Method.self, forKey: .method))??.type
        error = try? container.decodeIfPresent(GatewayError.self, forKey: .error)
        amount = container.money(.amount, currency: container.lenientString(.currency) ?? "INR")
        refunds = try container.decodeIfPresent([Refund].self, forKey: .refunds) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encodeIfPresent(pgTransactionID, forKey: .pgTransactionID)
        try container.encode(gateway, forKey: .type)
        try container.encode(status, forKey: .status)
        try container.encode(created, forKey: .created)
        try container.encode(updated, forKey: .updated)
        try container.encodeIfPresent(method.map { Method(type: $0) }, forKey: .method)
        try container.encodeIfPresent(error, forKey: .error)
        try container.encodeIfPresent(amount, forKey: .amount)
        try container.encode(refunds, forKey: .refunds)
    }
}

/// The gateway's reason for a failed attempt.
public struct GatewayError: Sendable, Hashable, Codable {
    public var code: String?
    public var reason: String?

    public init(code: String?, reason: String?) {
        self.code = code
        self.reason = reason
    }

    private enum CodingKeys: String, CodingKey { case code, reason }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = container.lenientString(.code)
        reason = container.lenientString(.reason)
    }
}

/// A refund of part or all of a transaction, as WhatsApp reports it.
public struct Refund: Sendable, Hashable, Codable {
    public var id: String
    public var amount: Money?
    public var speed: RefundSpeed?
    public var status: RefundStatus
    public var created: Timestamp
    public var updated: Timestamp

    public init(id: String, amount: Money?, speed: RefundSpeed?, status: RefundStatus, created: Timestamp, updated: Timestamp) {
        self.id = id
        self.amount = amount
        self.speed = speed
        self.status = status
        self.created = created
        self.updated = updated
    }

    private enum CodingKeys: String, CodingKey {
        case id, amount, speed = "speed_processed", status
        case created = "created_timestamp", updated = "updated_timestamp"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = container.lenientString(.id) ?? ""
        amount = container.money(.amount, currency: "INR")
        speed = container.lenientString(.speed).map(RefundSpeed.init(rawValue:))
        status = RefundStatus(rawValue: container.lenientString(.status) ?? "")
        created = (try? container.decodeIfPresent(Timestamp.self, forKey: .created)) ?? .unknown("")
        updated = (try? container.decodeIfPresent(Timestamp.self, forKey: .updated)) ?? .unknown("")
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encodeIfPresent(amount, forKey: .amount)
        try container.encodeIfPresent(speed, forKey: .speed)
        try container.encode(status, forKey: .status)
        try container.encode(created, forKey: .created)
        try container.encode(updated, forKey: .updated)
    }
}

/// A coding key for field names known only at run time (echo fields, PayU's keyed objects).
package struct AnyKey: CodingKey, Hashable {
    package var stringValue: String
    package var intValue: Int? { nil }
    package init(_ string: String) { stringValue = string }
    package init?(stringValue: String) { self.stringValue = stringValue }
    package init?(intValue: Int) { stringValue = String(intValue) }
}

extension KeyedDecodingContainer {
    /// An amount in either wire form (`{value, offset}`) or our own (`{amount, currency}`); nil when
    /// absent or unreadable, so one odd amount never loses the rest of the order.
    package func money(_ key: Key, currency: String) -> Money? {
        if let wire = try? decodeIfPresent(WireAmount.self, forKey: key) { return wire.money(currency: currency) }
        return (try? decodeIfPresent(Money.self, forKey: key)) ?? nil
    }
}
