import Foundation

/// Who pushes, one route each on `refundwatch listen`. A push is a hint, never the truth: what it
/// names is looked up through the APIs refundwatch already trusts (neither Kaleyra nor PayU
/// documents a signature on these calls, and Meta tells businesses not to rely on payment
/// webhooks alone).
public enum PushSource: String, Sendable, Hashable, CaseIterable {
    /// Kaleyra's message-status webhook carrying a WhatsApp payment update (`type: "payment"`,
    /// `payment.reference_id`, one `transaction` object), or Meta's own Cloud API webhook
    /// (`entry[].changes[].value.statuses[]` of type `payment`) for a business receiving it directly.
    case kaleyra
    /// The PayU dashboard's webhook for the Refund event (on success and on failure), form-encoded
    /// as PayU's payment webhooks are, or JSON.
    case payuWebhook = "payu-webhook"
    /// PayU's refund status callback (the final status only; PayU enables it on request): JSON
    /// with `mihpayid`, `request_id`, `merchantTxnId`, `status`, `bank_arn`, `amt`, `refund_mode`.
    case payuRefundStatus = "payu-refund-status"
    /// PayU's bulk ARN callback: JSON keyed by the merchant's transaction id, each a list of
    /// refunds with `PayuID`, `RequestID`, `bank_arn`.
    case payuARN = "payu-arn"

    /// The route it is received on: `/push/kaleyra`, `/push/payu-webhook`, …
    public var path: String { "/push/\(rawValue)" }

    /// How the docs, the status line and the log name it.
    public var title: String {
        switch self {
        case .kaleyra: "Kaleyra"
        case .payuWebhook: "PayU webhook"
        case .payuRefundStatus: "PayU refund status"
        case .payuARN: "PayU ARN"
        }
    }

    /// The table of its settings in the configuration: `[listen.kaleyra]`, `[listen.payu-webhook]`, …
    public var settingsKey: String { rawValue }
}

/// What one push names, and so what to look up: WhatsApp reference ids (Kaleyra), or PayU's ids
/// (a PayU push knows nothing of WhatsApp's reference id: the order is the one whose PayU
/// transaction it is). Each list is in the order met, without repeats.
public struct PushNames: Sendable, Hashable, Codable {
    /// WhatsApp payment reference ids.
    public var referenceIDs: [String] = []
    /// PayU's payment ids (`mihpayid`, `PayuID`): the id of a WhatsApp transaction of type `payu`.
    public var payuIDs: [String] = []
    /// PayU's refund request ids (`request_id`, `RequestID`).
    public var requestIDs: [String] = []
    /// The merchant's sale transaction ids (`txnid`, `merchantTxnId`, the ARN callback's keys).
    public var merchantTxnIDs: [String] = []
    /// The statuses the push says, for the record (`captured`, `success`, `failure`): never used
    /// as the order's state, which comes from the lookup.
    public var statuses: [String] = []
    /// A push that names nothing to look up on purpose: a message-status webhook of another type
    /// on Kaleyra's URL (a delivery receipt). Accepted and counted, nothing is fetched.
    public var ignored: String?

    public init() {}

    public var isEmpty: Bool { referenceIDs.isEmpty && payuIDs.isEmpty && requestIDs.isEmpty && merchantTxnIDs.isEmpty }

    /// Adds `value` to one of the lists unless it is there already.
    public mutating func add(_ value: String, to list: WritableKeyPath<PushNames, [String]>) {
        if !self[keyPath: list].contains(value) { self[keyPath: list].append(value) }
    }
}
