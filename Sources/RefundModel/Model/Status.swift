/// Statuses are open sets: the APIs have sent values their documentation does not list, in any
/// casing. Each status type maps the values refundwatch understands to cases and keeps anything
/// else verbatim in `.other`, so a new value is shown rather than failing the decode.
public protocol OpenStatus: Sendable, Hashable, Codable, CustomStringConvertible {
    init(rawValue: String)
    var rawValue: String { get }
}

extension OpenStatus {
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self.init(rawValue: text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Normalises a wire value for matching: trimmed, lowercased, inner runs of `_`/`-`/space as one space.
func normalisedStatus(_ raw: String) -> String {
    raw.trimmed.lowercased()
        .split(whereSeparator: { $0 == "_" || $0 == "-" || $0 == " " })
        .joined(separator: " ")
}

/// Payment status. Meta documents `pending` and `captured`; older sources also show `new`,
/// `failed` and `canceled`.
public enum PaymentStatus: OpenStatus {
    case new, pending, captured, failed, canceled
    case other(String)

    public init(rawValue: String) {
        switch normalisedStatus(rawValue) {
        case "new": self = .new
        case "pending": self = .pending
        case "captured": self = .captured
        case "failed": self = .failed
        case "canceled", "cancelled": self = .canceled
        default: self = .other(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .new: "new"
        case .pending: "pending"
        case .captured: "captured"
        case .failed: "failed"
        case .canceled: "canceled"
        case .other(let raw): raw
        }
    }
}

/// Transaction status: `pending`, `success`, `failed`.
public enum TransactionStatus: OpenStatus {
    case pending, success, failed
    case other(String)

    public init(rawValue: String) {
        switch normalisedStatus(rawValue) {
        case "pending": self = .pending
        case "success", "succeeded", "successful": self = .success
        case "failed", "failure": self = .failed
        default: self = .other(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .pending: "pending"
        case .success: "success"
        case .failed: "failed"
        case .other(let raw): raw
        }
    }
}

/// WhatsApp-side refund status. Kaleyra's webhook and refund-initiation samples say `completed`
/// for success, so `completed` is read as `.success`.
public enum RefundStatus: OpenStatus {
    case pending, success, failed
    case other(String)

    public init(rawValue: String) {
        switch normalisedStatus(rawValue) {
        case "pending": self = .pending
        case "success", "completed", "succeeded": self = .success
        case "failed", "failure": self = .failed
        default: self = .other(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .pending: "pending"
        case .success: "success"
        case .failed: "failed"
        case .other(let raw): raw
        }
    }
}

/// PayU-side refund status: `queued`, `success`, `failure`, `in progress`, `requested`, `pending`.
public enum PayURefundStatus: OpenStatus {
    case requested, queued, inProgress, pending, success, failure
    case other(String)

    public init(rawValue: String) {
        switch normalisedStatus(rawValue) {
        case "requested": self = .requested
        case "queued": self = .queued
        case "in progress", "inprogress": self = .inProgress
        case "pending": self = .pending
        case "success", "completed": self = .success
        case "failure", "failed": self = .failure
        default: self = .other(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .requested: "requested"
        case .queued: "queued"
        case .inProgress: "in progress"
        case .pending: "pending"
        case .success: "success"
        case .failure: "failure"
        case .other(let raw): raw
        }
    }
}

/// The payment gateway behind a transaction.
public enum Gateway: OpenStatus {
    case payu, razorpay, billdesk, zaakpay
    case other(String)

    public init(rawValue: String) {
        switch normalisedStatus(rawValue) {
        case "payu": self = .payu
        case "razorpay": self = .razorpay
        case "billdesk": self = .billdesk
        case "zaakpay": self = .zaakpay
        default: self = .other(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .payu: "payu"
        case .razorpay: "razorpay"
        case .billdesk: "billdesk"
        case .zaakpay: "zaakpay"
        case .other(let raw): raw
        }
    }
}

/// `speed_processed`: what the gateway actually did, which may differ from what was asked.
public enum RefundSpeed: OpenStatus {
    case instant, normal
    case other(String)

    public init(rawValue: String) {
        switch normalisedStatus(rawValue) {
        case "instant", "optimum": self = .instant
        case "normal": self = .normal
        default: self = .other(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .instant: "instant"
        case .normal: "normal"
        case .other(let raw): raw
        }
    }
}
