import Foundation

/// One refund as PayU's WhatsApp Refund Status API reports it: the bank side (ARN, settlement, UTR).
/// Every field may be null; `mihpayid` is kept exactly as a string whatever its JSON type.
public struct PayURefundRecord: Sendable, Hashable, Codable {
    /// The key of this record in PayU's response (the refund request id).
    public var key: String
    public var mihpayid: String?
    public var requestID: String?
    public var amount: Money?
    public var amountSettled: Money?
    public var token: String?
    public var bankARN: String?
    public var mode: String?
    public var refundMode: String?
    public var action: String?
    public var bankRefNum: String?
    public var status: PayURefundStatus?
    public var settlementID: String?
    public var utr: String?
    /// "2021-10-10" as PayU sends it: a bank date, shown as is.
    public var valueDate: String?

    public init(key: String, mihpayid: String? = nil, requestID: String? = nil, amount: Money? = nil,
                amountSettled: Money? = nil, token: String? = nil, bankARN: String? = nil, mode: String? = nil,
                refundMode: String? = nil, action: String? = nil, bankRefNum: String? = nil,
                status: PayURefundStatus? = nil, settlementID: String? = nil, utr: String? = nil, valueDate: String? = nil) {
        self.key = key
        self.mihpayid = mihpayid
        self.requestID = requestID
        self.amount = amount
        self.amountSettled = amountSettled
        self.token = token
        self.bankARN = bankARN
        self.mode = mode
        self.refundMode = refundMode
        self.action = action
        self.bankRefNum = bankRefNum
        self.status = status
        self.settlementID = settlementID
        self.utr = utr
        self.valueDate = valueDate
    }

    private enum CodingKeys: String, CodingKey {
        case key, mihpayid, requestID = "request_id", amount = "amt", amountSettled = "amount_settled"
        case token, bankARN = "bank_arn", mode, refundMode = "refund_mode", action
        case bankRefNum = "bank_ref_num", status, settlementID = "settlement_id", utr = "UTR_no"
        case valueDate = "value_date"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func text(_ key: CodingKeys) -> String? {
            container.lenientString(key).map(\.trimmed).flatMap { $0.isEmpty ? nil : $0 }
        }
        key = text(.key) ?? decoder.codingPath.last?.stringValue ?? ""
        mihpayid = text(.mihpayid)
        requestID = text(.requestID)
        amount = container.payuMoney(.amount)
        amountSettled = container.payuMoney(.amountSettled)
        token = text(.token)
        bankARN = text(.bankARN)
        mode = text(.mode)
        refundMode = text(.refundMode)
        action = text(.action)
        bankRefNum = text(.bankRefNum)
        status = text(.status).map(PayURefundStatus.init(rawValue:))
        settlementID = text(.settlementID)
        utr = text(.utr)
        valueDate = text(.valueDate)
    }
}

extension PayURefundRecord {
    /// Every field, null where unknown: a stable shape for scripts and spreadsheets.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
        try container.encode(mihpayid, forKey: .mihpayid)
        try container.encode(requestID, forKey: .requestID)
        try container.encode(amount, forKey: .amount)
        try container.encode(amountSettled, forKey: .amountSettled)
        try container.encode(token, forKey: .token)
        try container.encode(bankARN, forKey: .bankARN)
        try container.encode(mode, forKey: .mode)
        try container.encode(refundMode, forKey: .refundMode)
        try container.encode(action, forKey: .action)
        try container.encode(bankRefNum, forKey: .bankRefNum)
        try container.encode(status, forKey: .status)
        try container.encode(settlementID, forKey: .settlementID)
        try container.encode(utr, forKey: .utr)
        try container.encode(valueDate, forKey: .valueDate)
    }
}

extension KeyedDecodingContainer {
    /// PayU amounts: decimal strings ("2.12"), sometimes numbers; our own JSON writes Money objects.
    func payuMoney(_ key: Key) -> Money? {
        if let text = lenientString(key) { return Money(decimalString: text) }
        return (try? decodeIfPresent(Money.self, forKey: key)) ?? nil
    }
}
