/// The internal description of each order: fixed facts plus the simulated times (seconds
/// relative to the start of the run; negative means before it) at which things change.
/// `Lifecycle.swift` turns these into what the vendors would answer at a given moment.

enum Gateway: String, Sendable {
    case payu, razorpay, billdesk, zaakpay

    var displayName: String {
        switch self {
        case .payu: return "PayU"
        case .razorpay: return "Razorpay"
        case .billdesk: return "BillDesk"
        case .zaakpay: return "Zaakpay"
        }
    }
}

/// How a refund ends, and when (seconds relative to start).
enum Outcome: Sendable, Equatable {
    /// Never resolves during the run.
    case pending
    case success(at: Int)
    case failure(at: Int)

    var resolvedAt: Int? {
        switch self {
        case .pending: return nil
        case .success(let at), .failure(let at): return at
        }
    }
}

/// Wire-format variants seen in the wild, spread over the orders so the client's tolerance is exercised.
struct WireVariants: Sendable {
    /// `amount` (Meta's current docs) or `total_amount` (Kaleyra's seed page).
    var amountKey = "amount"
    /// Epoch seconds as numeric strings instead of numbers.
    var stringTimestamps = false
    /// Money `value`/`offset` as strings.
    var stringMoney = false
    /// `amount` and `currency` on each transaction, as in newer Meta examples.
    var perTransactionAmount = false
    /// PayU transactions carry `pg_transaction_id` (the payu_id) and a different `id`.
    var pgTransactionID = false
    /// PayU's `mihpayid` as a string with surrounding spaces instead of a number.
    var spacedMihpayid = false
    /// The WhatsApp word for a successful refund: `success`, `completed` or `Success`.
    var refundSuccessWord = "success"
    var payuWords = PayUWords.standard
}

/// PayU's refund status words for one order; casing varies in the wild.
struct PayUWords: Sendable {
    var requested, queued, inProgress, success, failure: String

    static let standard = PayUWords(requested: "requested", queued: "queued", inProgress: "in progress", success: "success", failure: "failure")
    static let shouting = PayUWords(requested: "requested", queued: "QUEUED", inProgress: "IN PROGRESS", success: "Success", failure: "FAILURE")
    static let pendingFirst = PayUWords(requested: "pending", queued: "queued", inProgress: "in progress", success: "success", failure: "failure")
}

struct PaymentPlan: Sendable {
    var referenceID: String
    var status: String
    var amountPaise: Int
    var gateway: Gateway
    /// nil: the `transactions` key is absent (the customer has not tried to pay).
    var transactions: [TransactionPlan]?
    /// Gateway echo fields (`udf1`…, `receipt`, `notes`, …) in the order they are sent.
    var echo: [(String, JSONValue)]
    var wire: WireVariants
}

struct TransactionPlan: Sendable {
    var id: String
    /// The payu_id when the transaction also carries `pg_transaction_id`.
    var pgTransactionID: String?
    var gateway: Gateway
    var succeeded: Bool
    var created: Int
    var updated: Int
    /// `upi`, `card`, `netbanking`, `wallet`; nil on failed attempts, which Meta sends without `method`.
    var method: String?
    var error: (code: String, reason: String)?
    var amountPaise: Int
    var refunds: [RefundPlan]

    /// The id the client sends to PayU: `pg_transaction_id` when present, else `id`.
    var payuID: String { pgTransactionID ?? id }
}

/// A refund as WhatsApp (Kaleyra) reports it.
struct RefundPlan: Sendable {
    var id: String
    var amountPaise: Int
    /// `instant` or `normal`.
    var speed: String
    var created: Int
    var outcome: Outcome
}

/// What PayU knows about one payu_id.
struct PayUTransactionPlan: Sendable {
    var payuID: String
    var records: [PayURecordPlan]
    /// PayU answers its keyed 400 error with this description instead of the records.
    var refusal: String? = nil
}

/// One PayU refund record and the times its fields become known.
struct PayURecordPlan: Sendable {
    var requestID: String
    var amountPaise: Int
    var token: String
    var mode: String
    var refundMode: String
    var created: Int
    var outcome: Outcome
    var arnAt: Int?
    var settledAt: Int?
    var arn: String
    var bankRefNum: String
    var settlementID: String
    var utr: String
    var mihpayid: String
    var spacedMihpayid: Bool
    var words: PayUWords
}
