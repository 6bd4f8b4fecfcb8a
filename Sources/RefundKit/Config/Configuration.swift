import Foundation

/// Kaleyra's regional pods.
public enum KaleyraPod: String, Sendable, CaseIterable, Hashable {
    case `in`, sg, eu, na

    public var apiDomain: String {
        switch self {
        case .in: "api.in.kaleyra.io"
        case .sg: "api.kaleyra.io"
        case .eu: "api.eu.kaleyra.io"
        case .na: "api.na.kaleyra.ai"
        }
    }
}

/// A secret value. Its description is always redacted, so printing a configuration, an error or a
/// log line that holds one cannot leak it.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    /// `dump()` and debuggers see no children, so not the value either.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

public struct KaleyraSettings: Sendable, Hashable {
    /// Where the API lives: from `base_url`, else `https://<pod domain>`. No trailing slash.
    public var baseURL: String
    public var pod: KaleyraPod?
    public var sid: String
    public var apiKey: Secret
    public var phoneNumberID: String
    public var paymentConfigID: String

    public init(baseURL: String, pod: KaleyraPod? = nil, sid: String, apiKey: Secret, phoneNumberID: String, paymentConfigID: String) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.pod = pod
        self.sid = sid
        self.apiKey = apiKey
        self.phoneNumberID = phoneNumberID
        self.paymentConfigID = paymentConfigID
    }
}

public enum PayUMethod: String, Sendable, Hashable {
    case post = "POST", get = "GET"
}

public struct PayUSettings: Sendable, Hashable {
    public var refundStatusURL: String
    public var method: PayUMethod
    public var merchantID: String
    public var resellerID: String
    public var clientSecret: Secret
    public var bearerToken: Secret

    public init(refundStatusURL: String, method: PayUMethod = .post, merchantID: String, resellerID: String, clientSecret: Secret, bearerToken: Secret) {
        self.refundStatusURL = refundStatusURL
        self.method = method
        self.merchantID = merchantID
        self.resellerID = resellerID
        self.clientSecret = clientSecret
        self.bearerToken = bearerToken
    }
}

/// Everything refundwatch needs to talk to both APIs, read from `config.toml`.
public struct RefundConfiguration: Sendable, Hashable {
    /// Where it was read from, for messages; nil when built in code (demo mode).
    public var source: String?
    public var refreshInterval: Double
    /// `arn_overdue_business_hours`: a refund with no ARN after this many business hours is overdue.
    public var arnOverdueBusinessHours: Double
    public var http: HTTPSettings
    public var kaleyra: KaleyraSettings
    /// nil when the file has no `[payu]` table: PayU transactions then show without bank details.
    public var payu: PayUSettings?
    /// `theme`: the dashboard's theme by name (`--theme` wins); nil for the default.
    public var theme: String?
    /// `mouse`: the dashboard takes clicks and the wheel (true, the default); false leaves the
    /// mouse to the terminal, for selecting text.
    public var mouse = true
    /// What a person should fix about the file although it works, e.g. secrets in a file others can
    /// read. Commands print these on stderr; the dashboard shows them in its flash line.
    public var warnings: [String] = []

    public init(source: String? = nil, refreshInterval: Double = 30, arnOverdueBusinessHours: Double = OverdueRule.defaultBusinessHours,
                http: HTTPSettings = HTTPSettings(), kaleyra: KaleyraSettings, payu: PayUSettings?) {
        self.source = source
        self.refreshInterval = refreshInterval
        self.arnOverdueBusinessHours = arnOverdueBusinessHours
        self.http = http
        self.kaleyra = kaleyra
        self.payu = payu
    }

    public var overdueRule: OverdueRule { OverdueRule(businessHours: arnOverdueBusinessHours) }
}

extension RefundConfiguration: CustomStringConvertible {
    /// The configuration as a person would check it, secrets redacted.
    public var description: String {
        var lines = [
            "source = \(source ?? "built in")",
            "refresh_interval = \(refreshInterval)",
            "arn_overdue_business_hours = \(arnOverdueBusinessHours)",
            "theme = \(theme ?? "default")",
            "mouse = \(mouse)",
            "concurrency = \(http.concurrency)",
            "request_timeout = \(http.requestTimeout)",
            "[kaleyra]",
            "base_url = \(kaleyra.baseURL)",
            "sid = \(kaleyra.sid)",
            "api_key = \(kaleyra.apiKey)",
            "phone_number_id = \(kaleyra.phoneNumberID)",
            "payment_config_id = \(kaleyra.paymentConfigID)",
        ]
        if let payu {
            lines += [
                "[payu]",
                "refund_status_url = \(payu.refundStatusURL)",
                "method = \(payu.method.rawValue)",
                "merchant_id = \(payu.merchantID)",
                "reseller_id = \(payu.resellerID)",
                "client_secret = \(payu.clientSecret)",
                "bearer_token = \(payu.bearerToken)",
            ]
        }
        return lines.joined(separator: "\n")
    }
}

/// A configuration problem: which file, which key, what is wrong and what is expected.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
    public var file: String?
    public var key: String?
    public var problem: String

    public init(file: String?, key: String?, problem: String) {
        self.file = file
        self.key = key
        self.problem = problem
    }

    public var description: String {
        var where_ = file ?? "configuration"
        if let key { where_ += ": \(key)" }
        return "\(where_): \(problem)"
    }

    public var errorDescription: String? { description }
}
