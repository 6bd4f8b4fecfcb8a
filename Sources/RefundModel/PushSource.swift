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
