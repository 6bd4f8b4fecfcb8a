import Foundation

/// Everything that shapes one simulator run. The defaults give a quiet, fault-free server on a
/// free local port whose catalogue is the one README.md and docs/ quote (seed 42).
public struct SimulatorOptions: Sendable {
    public var host: String
    /// 0 asks the system for a free port; read the chosen one from `RunningSimulator.port`.
    public var port: Int
    /// Fixes the catalogue (reference ids, amounts, gateway ids) and the fault draws.
    public var seed: UInt64
    /// Simulated seconds per real second: 60 makes a simulated minute pass every real second,
    /// so refund lifecycles that take simulated hours can be watched in real minutes.
    public var speed: Double
    /// Real (not simulated) delay added to every response.
    public var latency: LatencySpec
    public var faults: FaultSpec
    public var credentials: SimulatorCredentials
    /// Anchor of the simulated clock; nil means the wall-clock time at start. Fix it to get the
    /// same timestamps in every run.
    public var startDate: Date?
    /// How many orders the catalogue holds (`Catalogue.standardSize` by default).
    public var orders: Int
    /// Simulated seconds that have already passed when the server starts: with `startDate` set to
    /// an earlier run's start, the clock carries on where that run's would be now.
    public var elapsedAtStart: Double
    /// How far before the start date the clock may start (a year, in seconds).
    public static let longestPast: Double = 366 * 86_400
    /// Seconds an access token from the PayU token endpoint lasts (`expires_in`), on the
    /// simulated clock. PayU's samples say 7199.
    public var tokenLifetime: Int
    /// Per-account request budgets, enforced with 429 and `Retry-After` (none by default).
    public var rateLimits: RateLimitSpec = .none
    /// The secret `POST /webhook` checks alert deliveries' signatures with (the one the printed
    /// configuration signs with); nil: none checked.
    public var webhookSecret: String? = "demo-webhook-secret"
    /// What the simulator's time runs on: the simulated clock (times `speed`) and the rate limits'
    /// refills. nil is real time. A test passes a clock it moves itself and gives its client the
    /// same one, so that both agree on every moment whatever the machine's load. Latency and hung
    /// answers stay on real time: they stand for the network.
    public var clock: (any Clock<Duration>)?

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        seed: UInt64 = 42,
        speed: Double = 1,
        latency: LatencySpec = .none,
        faults: FaultSpec = .none,
        credentials: SimulatorCredentials = .demo,
        startDate: Date? = nil,
        orders: Int = Catalogue.standardSize,
        elapsedAtStart: Double = 0,
        tokenLifetime: Int = 7199
    ) {
        self.tokenLifetime = tokenLifetime
        self.host = host
        self.port = port
        self.seed = seed
        self.speed = speed
        self.latency = latency
        self.faults = faults
        self.credentials = credentials
        self.startDate = startDate
        self.orders = orders
        self.elapsedAtStart = elapsedAtStart
    }
}

/// A fixed delay plus uniform jitter, in real milliseconds.
public struct LatencySpec: Sendable, Equatable, CustomStringConvertible {
    public var fixedMilliseconds: Int
    public var jitterMilliseconds: Int

    public static let none = LatencySpec(fixedMilliseconds: 0, jitterMilliseconds: 0)

    public init(fixedMilliseconds: Int, jitterMilliseconds: Int) {
        self.fixedMilliseconds = max(0, fixedMilliseconds)
        self.jitterMilliseconds = max(0, jitterMilliseconds)
    }

    /// Accepts `"50"`, `"50+-20"`, `"50±20"` or `"50~20"` (milliseconds), and `"none"`.
    public static func parse(_ s: String) throws -> LatencySpec {
        let text = s.trimmingCharacters(in: .whitespaces)
        if text.isEmpty || text.lowercased() == "none" { return .none }
        var fixedText = Substring(text)
        var jitterText: Substring?
        for separator in ["+-", "±", "~"] {
            if let range = text.range(of: separator) {
                fixedText = text[..<range.lowerBound]
                jitterText = text[range.upperBound...]
                break
            }
        }
        func milliseconds(_ part: Substring) throws -> Int {
            guard let value = Int(part.trimmingCharacters(in: .whitespaces)), value >= 0 else {
                throw SimulatorError.invalidLatency(s)
            }
            return value
        }
        return LatencySpec(
            fixedMilliseconds: try milliseconds(fixedText),
            jitterMilliseconds: try jitterText.map(milliseconds) ?? 0
        )
    }

    public var description: String {
        if jitterMilliseconds == 0 { return "\(fixedMilliseconds)" }
        return "\(fixedMilliseconds)+-\(jitterMilliseconds)"
    }
}

/// The accounts the simulator accepts. Anything else gets the vendors' own auth errors.
public struct SimulatorCredentials: Sendable, Equatable {
    // Kaleyra
    public var sid: String
    public var apiKey: String
    public var phoneNumberID: String
    public var paymentConfigID: String
    // PayU
    public var merchantID: String
    public var resellerID: String
    public var clientSecret: String
    /// A long-lived token the refund status endpoint always accepts (a fixed `bearer_token`).
    public var bearerToken: String
    /// PayU OAuth: the client id, the refresh token a partner starts with, and the one-time
    /// authorization code the browser step would give.
    public var clientID: String
    public var refreshToken: String
    public var authorizationCode: String

    public init(
        sid: String, apiKey: String, phoneNumberID: String, paymentConfigID: String,
        merchantID: String, resellerID: String, clientSecret: String, bearerToken: String,
        clientID: String = "refundwatch-demo-client", refreshToken: String = "demo-refresh-token",
        authorizationCode: String = "demo-authorization-code"
    ) {
        self.clientID = clientID
        self.refreshToken = refreshToken
        self.authorizationCode = authorizationCode
        self.sid = sid
        self.apiKey = apiKey
        self.phoneNumberID = phoneNumberID
        self.paymentConfigID = paymentConfigID
        self.merchantID = merchantID
        self.resellerID = resellerID
        self.clientSecret = clientSecret
        self.bearerToken = bearerToken
    }

    /// Fixed, public demo values (they open nothing real). Shaped like the vendors' examples:
    /// Kaleyra SIDs are `HX…IN`, PayU's reseller id is the UUID-like one on PayU's page.
    public static let demo = SimulatorCredentials(
        sid: "HXDEMO0000000IN",
        apiKey: "Ademo0000000000000000000000000001",
        phoneNumberID: "919000000001",
        paymentConfigID: "refundwatch_demo_config",
        merchantID: "8244519",
        resellerID: "11ed-933c-ece48d50-a41d-023f883eb17c",
        clientSecret: "demo-client-secret",
        bearerToken: "demo-bearer-token"
    )
}

/// Bad simulator input, worded for the person who typed it.
public enum SimulatorError: Error, CustomStringConvertible, LocalizedError, Equatable {
    case invalidLatency(String)
    case invalidFaults(item: String, reason: String)
    case invalidOption(String)
    case serverFailedToStart(String)

    public var description: String {
        switch self {
        case .invalidLatency(let text):
            return "Invalid latency \"\(text)\": use milliseconds as \"50\", \"50+-20\" or \"50~20\" (fixed plus or minus jitter)."
        case .invalidFaults(let item, let reason):
            return "Invalid fault \"\(item)\": \(reason). \(FaultSpec.syntaxHelp)"
        case .invalidOption(let message):
            return message
        case .serverFailedToStart(let message):
            return "The simulator could not start: \(message)"
        }
    }

    public var errorDescription: String? { description }
}
