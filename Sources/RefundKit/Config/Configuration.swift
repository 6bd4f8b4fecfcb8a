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
    /// The payment configurations of the business number (the `payment_configuration` of its
    /// `order_details` messages), in the order written: `payment_config_id = "x"` gives one,
    /// `payment_config_ids = ["a", "b"]` several. Never empty: the loader refuses an empty list,
    /// and the inits require at least one.
    public var paymentConfigIDs: [String]

    /// The first of `paymentConfigIDs` (the only one, for a file that writes `payment_config_id`).
    /// Setting it replaces the first and keeps the others.
    public var paymentConfigID: String {
        get { paymentConfigIDs.first ?? "" }
        set {
            if paymentConfigIDs.isEmpty { paymentConfigIDs = [newValue] } else { paymentConfigIDs[0] = newValue }
        }
    }

    /// One payment configuration.
    public init(baseURL: String, pod: KaleyraPod? = nil, sid: String, apiKey: Secret, phoneNumberID: String, paymentConfigID: String) {
        self.init(baseURL: baseURL, pod: pod, sid: sid, apiKey: apiKey, phoneNumberID: phoneNumberID, paymentConfigIDs: [paymentConfigID])
    }

    /// Several payment configurations, the first being `paymentConfigID`; `paymentConfigIDs` must
    /// not be empty.
    public init(baseURL: String, pod: KaleyraPod? = nil, sid: String, apiKey: Secret, phoneNumberID: String, paymentConfigIDs: [String]) {
        precondition(!paymentConfigIDs.isEmpty, "KaleyraSettings needs at least one payment configuration id")
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.pod = pod
        self.sid = sid
        self.apiKey = apiKey
        self.phoneNumberID = phoneNumberID
        self.paymentConfigIDs = paymentConfigIDs
    }
}

public enum PayUMethod: String, Sendable, Hashable {
    case post = "POST", get = "GET"
}

/// Which PayU: production, or PayU's test (UAT) environment. Chooses the default token URL.
public enum PayUEnvironment: String, Sendable, Hashable, CaseIterable {
    case production, test

    /// PayU's OAuth token endpoint on its accounts host.
    public var defaultTokenURL: String {
        switch self {
        case .production: "https://accounts.payu.in/oauth/token"
        case .test: "https://uat-accounts.payu.in/oauth/token"
        }
    }
}

/// `[payu.oauth]`: refundwatch renews PayU's access token itself with the refresh token a partner
/// got once from PayU's authorization-code step in a browser.
public struct PayUOAuthSettings: Sendable, Hashable {
    public var tokenURL: String
    public var clientID: String
    /// Sent with every token request; `[payu.oauth] client_secret`, else `[payu] client_secret`.
    public var clientSecret: Secret
    /// The refresh token as configured. After the first renewal the newest one PayU returned (kept
    /// in the token cache) is used instead, until this one changes.
    public var refreshToken: Secret
    /// Where the refresh token was read from, for `refundwatch payu token`: "refresh_token_env
    /// PAYU_REFRESH_TOKEN" or "refresh_token in FILE".
    public var refreshTokenOrigin: String

    public init(tokenURL: String, clientID: String, clientSecret: Secret, refreshToken: Secret, refreshTokenOrigin: String = "refresh_token") {
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.refreshToken = refreshToken
        self.refreshTokenOrigin = refreshTokenOrigin
    }
}

/// How PayU calls are authorized: a fixed bearer token (it expires, and a person replaces it), or
/// OAuth with a refresh token, renewed by refundwatch.
public enum PayUAuthorization: Sendable, Hashable {
    case bearerToken(Secret)
    case oauth(PayUOAuthSettings)
}

public struct PayUSettings: Sendable, Hashable {
    public var refundStatusURL: String
    public var method: PayUMethod
    public var environment: PayUEnvironment
    public var merchantID: String
    public var resellerID: String
    public var clientSecret: Secret
    public var authorization: PayUAuthorization

    public init(refundStatusURL: String, method: PayUMethod = .post, environment: PayUEnvironment = .production, merchantID: String, resellerID: String,
                clientSecret: Secret, authorization: PayUAuthorization) {
        self.refundStatusURL = refundStatusURL
        self.method = method
        self.environment = environment
        self.merchantID = merchantID
        self.resellerID = resellerID
        self.clientSecret = clientSecret
        self.authorization = authorization
    }

    public init(refundStatusURL: String, method: PayUMethod = .post, merchantID: String, resellerID: String, clientSecret: Secret, bearerToken: Secret) {
        self.init(refundStatusURL: refundStatusURL, method: method, merchantID: merchantID, resellerID: resellerID,
                  clientSecret: clientSecret, authorization: .bearerToken(bearerToken))
    }

    /// The fixed bearer token, when that is how PayU is authorized; setting one replaces OAuth.
    public var bearerToken: Secret? {
        get { if case .bearerToken(let token) = authorization { token } else { nil } }
        set { if let newValue { authorization = .bearerToken(newValue) } }
    }

    public var oauth: PayUOAuthSettings? {
        if case .oauth(let oauth) = authorization { oauth } else { nil }
    }
}

/// The default request budgets (`max_requests_per_second` in `[kaleyra]` and `[payu]`). Neither
/// Kaleyra nor Meta documents a limit for the payment lookup, and PayU none for refund status;
/// these stay well below what either has been seen to allow, and leave room for other programs
/// on the same account.
public enum RequestBudget {
    public static let kaleyraDefault: Double = 10
    public static let payuDefault: Double = 5
}

/// Everything refundwatch needs to talk to both APIs, read from `config.toml`.
public struct RefundConfiguration: Sendable, Hashable {
    /// Where it was read from, for messages; nil when built in code (demo mode).
    public var source: String?
    public var refreshInterval: Double
    /// `settled_interval`: how often an order that waits for nothing more is fetched (6 h).
    public var settledInterval: Double = PollPolicy.defaultSettledInterval
    /// `archive_after`: an order settled this long is no longer polled (14 days).
    public var archiveAfter: Double = PollPolicy.defaultArchiveAfter
    /// `[deadlines]` (and `arn_overdue_business_hours`): when each stage of a refund is late.
    public var deadlineRules = DeadlineRules()
    /// `[alerts]`: thresholds, user, notify.
    public var alerts = AlertSettings()
    /// `[alerts]` command and webhook: where a poller delivers alerts; nil when neither is set.
    public var alertDelivery: AlertDelivery?
    /// Timeouts, concurrency and `requestsPerSecond`: the loader fills `requestsPerSecond` with
    /// the first account's budgets (`accounts[0].requestsPerSecond`).
    public var http: HTTPSettings
    /// Every account the file names, never empty: `default` first when the file has `[kaleyra]` at
    /// the top, then the `[accounts.NAME]` accounts sorted by name (see `AccountSettings`).
    public var accounts: [AccountSettings]
    /// The first account's Kaleyra side (`accounts[0].kaleyra`): `[kaleyra]` in the single form.
    /// Setting it sets the first account's.
    public var kaleyra: KaleyraSettings {
        get { accounts[0].kaleyra }
        set { accounts[0].kaleyra = newValue }
    }
    /// The first account's PayU side (`accounts[0].payu`); nil when it has none (no `[payu]` table):
    /// PayU transactions then show without bank details. Setting it sets the first account's.
    public var payu: PayUSettings? {
        get { accounts[0].payu }
        set { accounts[0].payu = newValue }
    }
    /// `database_url`: the team's PostgreSQL database (`--db` and `REFUNDWATCH_DATABASE_URL` win);
    /// nil for the SQLite file of one person.
    public var databaseURL: String?
    /// `theme`: the dashboard's theme by name (`--theme` wins); nil for the default.
    public var theme: String?
    /// `mouse`: the dashboard takes clicks and the wheel (true, the default); false leaves the
    /// mouse to the terminal, for selecting text.
    public var mouse = true
    /// `braille`: the overview may draw finer lines in braille (true, the default).
    public var braille = true
    /// `start_screen = "overview"`: the dashboard opens on the overview instead of the watchlist.
    public var startOnOverview = false
    /// `[[views]]`: named filters, sorts and columns for the dashboard's keys `1`–`9`.
    public var views: [SavedView] = []
    /// `[listen]`: how `refundwatch listen` takes pushes; nil when the file has none.
    public var listen: ListenSettings?
    /// `budget_per_process = true`: on a team's database each process keeps each account's
    /// `max_requests_per_second` to itself, as before the budget was shared (the team's PayU
    /// tokens are still shared). false (the default): the budget is the account's, for every
    /// process on the database together.
    public var budgetPerProcess = false
    /// What a person should fix about the file although it works, e.g. secrets in a file others can
    /// read. Commands print these on stderr; the dashboard shows them in its flash line.
    public var warnings: [String] = []

    /// One account, `default`. Its budgets are `http.requestsPerSecond`'s, and for a service that
    /// has none there, `AccountSettings.defaultRequestsPerSecond`'s; `http` is kept as given.
    public init(source: String? = nil, refreshInterval: Double = 30,
                http: HTTPSettings = HTTPSettings(), kaleyra: KaleyraSettings, payu: PayUSettings?) {
        self.source = source
        self.refreshInterval = refreshInterval
        self.http = http
        let budgets = AccountSettings.defaultRequestsPerSecond.merging(http.requestsPerSecond) { _, configured in configured }
        self.accounts = [AccountSettings(name: AccountSettings.defaultName, kaleyra: kaleyra, payu: payu, requestsPerSecond: budgets)]
    }

    /// Several accounts, the first being `kaleyra` and `payu`; `accounts` must not be empty.
    /// `http.requestsPerSecond` becomes the first account's budgets.
    public init(source: String? = nil, refreshInterval: Double = 30, http: HTTPSettings = HTTPSettings(), accounts: [AccountSettings]) {
        precondition(!accounts.isEmpty, "RefundConfiguration needs at least one account")
        self.source = source
        self.refreshInterval = refreshInterval
        self.http = http
        self.http.requestsPerSecond = accounts[0].requestsPerSecond
        self.accounts = accounts
    }

    /// The account of that name, compared without regard to case; nil when there is none.
    public func account(named name: String) -> AccountSettings? {
        accounts.first { AccountSettings.sameName($0.name, name) }
    }

    public var pollPolicy: PollPolicy { PollPolicy(interval: refreshInterval, settledInterval: settledInterval, archiveAfter: archiveAfter) }
}

extension RefundConfiguration: CustomStringConvertible {
    /// The configuration as a person would check it, secrets redacted.
    public var description: String {
        var lines = [
            "source = \(source ?? "built in")",
            "refresh_interval = \(refreshInterval)",
            "settled_interval = \(settledInterval)",
            "archive_after = \(archiveAfter)",
            "arn_overdue_business_hours = \(deadlineRules.arn / 3600)",
            "[deadlines] holidays = \(deadlineRules.calendar.holidays.count)",
            "database_url = \(databaseURL ?? "none (the SQLite file)")",
            "theme = \(theme ?? "default")",
            "mouse = \(mouse)",
            "braille = \(braille)",
            "start_screen = \(startOnOverview ? "overview" : "watchlist")",
            "views = \(views.isEmpty ? "none" : views.map(\.name).joined(separator: ", "))",
            "budget_per_process = \(budgetPerProcess)",
            "concurrency = \(http.concurrency)",
            "request_timeout = \(http.requestTimeout)",
            "accounts = \(accounts.map(\.name).joined(separator: ", "))",
        ]
        for account in accounts { lines += Self.describe(account) }
        return lines.joined(separator: "\n")
    }

    /// One account's lines: its name, then its tables as the file names them (`[kaleyra]` for
    /// `default`, `[accounts.NAME.kaleyra]` for the others). Secrets print as `<redacted>`.
    private static func describe(_ account: AccountSettings) -> [String] {
        let table = account.name == AccountSettings.defaultName ? "" : "accounts.\(account.name)."
        func budget(_ service: Service) -> String { account.requestsPerSecond[service].map { "\($0)" } ?? "unlimited" }
        let kaleyra = account.kaleyra
        var lines = [
            "account = \(account.name)",
            "[\(table)kaleyra]",
            "base_url = \(kaleyra.baseURL)",
            "sid = \(kaleyra.sid)",
            "api_key = \(kaleyra.apiKey)",
            "phone_number_id = \(kaleyra.phoneNumberID)",
            kaleyra.paymentConfigIDs.count == 1 ? "payment_config_id = \(kaleyra.paymentConfigID)"
                : "payment_config_ids = \(kaleyra.paymentConfigIDs.joined(separator: ", "))",
            "max_requests_per_second = \(budget(.kaleyra))",
        ]
        guard let payu = account.payu else {
            return lines + ["[\(table)payu] none"]
        }
        lines += [
            "[\(table)payu]",
            "refund_status_url = \(payu.refundStatusURL)",
            "method = \(payu.method.rawValue)",
            "merchant_id = \(payu.merchantID)",
            "reseller_id = \(payu.resellerID)",
            "environment = \(payu.environment.rawValue)",
            "max_requests_per_second = \(budget(.payu))",
            "client_secret = \(payu.clientSecret)",
        ]
        switch payu.authorization {
        case .bearerToken(let token):
            lines.append("bearer_token = \(token)")
        case .oauth(let oauth):
            lines += [
                "[\(table)payu.oauth]",
                "token_url = \(oauth.tokenURL)",
                "client_id = \(oauth.clientID)",
                "client_secret = \(oauth.clientSecret)",
                "refresh_token = \(oauth.refreshToken)",
            ]
        }
        return lines
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
