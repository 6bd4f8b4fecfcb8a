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
    /// The accounts the simulator serves (`[.demo]` by default). Each catalogue order belongs to one
    /// account and one of its payment configurations; with one account with one configuration,
    /// every order belongs to it. Names, SIDs, phone number ids, PayU merchant ids, OAuth client
    /// ids and bearer tokens must differ between accounts (`RunningSimulator.start` checks).
    public var accounts: [SimulatorCredentials]
    /// The first account (`accounts[0]`): what callers written for a one-account simulator read
    /// and set.
    public var credentials: SimulatorCredentials {
        get { accounts.first ?? .demo }
        set {
            if accounts.isEmpty { accounts = [newValue] } else { accounts[0] = newValue }
        }
    }
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
    /// Per-account request budgets, enforced with 429 and `Retry-After` (none by default): each
    /// account (per SID for Kaleyra, per merchant for PayU) has the whole budget to itself, and
    /// requests that authenticate as no account share one more.
    public var rateLimits: RateLimitSpec = .none
    /// The secret `POST /webhook` checks alert deliveries' signatures with (the one the printed
    /// configuration signs with); nil: none checked.
    public var webhookSecret: String? = "demo-webhook-secret"
    /// Where to push when an order moves (`refundwatch simulate --webhook URL`); nil: no pushes.
    public var push: PushTarget?
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
        tokenLifetime: Int = 7199,
        accounts: [SimulatorCredentials]? = nil
    ) {
        self.tokenLifetime = tokenLifetime
        self.host = host
        self.port = port
        self.seed = seed
        self.speed = speed
        self.latency = latency
        self.faults = faults
        self.accounts = accounts ?? [credentials]
        self.startDate = startDate
        self.orders = orders
        self.elapsedAtStart = elapsedAtStart
    }
}

extension SimulatorOptions {
    /// How many demo accounts `useDemoAccounts(_:)` (and `refundwatch simulate --accounts N`) accepts.
    public static let demoAccountCounts: ClosedRange<Int> = 1...20

    /// Serves the first `count` demo accounts (`SimulatorCredentials.demoAccount(0..<count)`):
    /// "default" (today's `.demo`), "north" (two payment configurations), "south", ….
    public mutating func useDemoAccounts(_ count: Int) throws(SimulatorError) {
        guard Self.demoAccountCounts.contains(count) else {
            throw SimulatorError.invalidOption("Invalid account count \(count): use \(Self.demoAccountCounts.lowerBound) to \(Self.demoAccountCounts.upperBound).")
        }
        accounts = SimulatorCredentials.demoAccounts(count)
    }

    /// Reads the value of an `--accounts N` option: a whole number in `demoAccountCounts`.
    public static func parseAccountCount(_ text: String) throws(SimulatorError) -> Int {
        guard let count = Int(text.trimmingCharacters(in: .whitespaces)), demoAccountCounts.contains(count) else {
            throw SimulatorError.invalidOption("Invalid account count \"\(text)\": use a whole number from \(demoAccountCounts.lowerBound) to \(demoAccountCounts.upperBound).")
        }
        return count
    }

    /// Why these accounts cannot be served together, or nil when they can.
    func accountsProblem() -> String? {
        guard !accounts.isEmpty else { return "Invalid accounts: give at least one." }
        func duplicated(_ values: [String]) -> String? {
            var seen = Set<String>()
            return values.first { !seen.insert($0).inserted }
        }
        for account in accounts {
            if account.name.isEmpty { return "Invalid accounts: every account needs a name." }
            if account.paymentConfigIDs.isEmpty { return "Invalid account \"\(account.name)\": give at least one payment configuration id." }
            if let twice = duplicated(account.paymentConfigIDs) {
                return "Invalid account \"\(account.name)\": payment configuration id \"\(twice)\" is given twice."
            }
        }
        let distinct: [(String, KeyPath<SimulatorCredentials, String>)] = [
            ("name", \.name), ("SID", \.sid), ("phone number id", \.phoneNumberID), ("PayU merchant id", \.merchantID),
            ("PayU client id", \.clientID), ("PayU bearer token", \.bearerToken),
        ]
        for (what, path) in distinct {
            if let twice = duplicated(accounts.map { $0[keyPath: path] }) {
                return "Invalid accounts: two accounts have the \(what) \"\(twice)\"."
            }
        }
        return nil
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

/// One account the simulator accepts (`SimulatorOptions.accounts`): a Kaleyra SID with its api key,
/// WhatsApp number and payment configurations, and a PayU merchant with its OAuth client. Anything
/// else gets the vendors' own auth errors.
public struct SimulatorCredentials: Sendable, Equatable {
    /// The account's name as refundwatch's configuration calls it: "default" for the top-level
    /// `[kaleyra]`/`[payu]` tables, NAME for `[accounts.NAME.…]`.
    public var name: String
    // Kaleyra
    public var sid: String
    public var apiKey: String
    public var phoneNumberID: String
    /// The account's payment configurations (at least one): an order asked under another one is
    /// not found.
    public var paymentConfigIDs: [String]
    /// The first payment configuration; setting it replaces the first one (or adds it).
    public var paymentConfigID: String {
        get { paymentConfigIDs.first ?? "" }
        set {
            if paymentConfigIDs.isEmpty { paymentConfigIDs = [newValue] } else { paymentConfigIDs[0] = newValue }
        }
    }
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
        authorizationCode: String = "demo-authorization-code", name: String = "default"
    ) {
        self.init(name: name, sid: sid, apiKey: apiKey, phoneNumberID: phoneNumberID, paymentConfigIDs: [paymentConfigID],
                  merchantID: merchantID, resellerID: resellerID, clientSecret: clientSecret, bearerToken: bearerToken,
                  clientID: clientID, refreshToken: refreshToken, authorizationCode: authorizationCode)
    }

    public init(
        name: String, sid: String, apiKey: String, phoneNumberID: String, paymentConfigIDs: [String],
        merchantID: String, resellerID: String, clientSecret: String, bearerToken: String,
        clientID: String, refreshToken: String, authorizationCode: String
    ) {
        self.name = name
        self.clientID = clientID
        self.refreshToken = refreshToken
        self.authorizationCode = authorizationCode
        self.sid = sid
        self.apiKey = apiKey
        self.phoneNumberID = phoneNumberID
        self.paymentConfigIDs = paymentConfigIDs
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

    /// Names of the fixed demo accounts after "default", in order: `demoAccount(1)` is "north".
    /// Further indexes are named "account7", "account8", ….
    public static let demoAccountNames = ["north", "south", "east", "west", "central"]

    /// Fixed, public demo accounts (they open nothing real). Index 0 is exactly `.demo`. Index
    /// `i` ≥ 1, named `demoAccountNames[i - 1]` (else "account\(i + 1)"), has, for "north" (i = 1):
    ///
    /// - SID `HXDEMO0000001IN` (`HXDEMO` + i in seven digits + `IN`), api key `Ademo…0002` (i + 1 in
    ///   28 digits), phone number id `919000000002` (919000000001 + i);
    /// - payment configurations `refundwatch_north_config`, and for north only a second one,
    ///   `refundwatch_north_config_2` (a merchant with several);
    /// - PayU merchant id `8244520` (8244519 + i), reseller id `11ed-933c-ece48d50-a41d-023f883e0001`
    ///   (i in the last four digits), client secret `north-client-secret`, bearer token
    ///   `north-bearer-token`, OAuth client `refundwatch-north-client`, refresh token
    ///   `north-refresh-token`, authorization code `north-authorization-code`.
    public static func demoAccount(_ index: Int) -> SimulatorCredentials {
        precondition(index >= 0, "demo account indexes start at 0")
        if index == 0 { return .demo }
        let name = index <= demoAccountNames.count ? demoAccountNames[index - 1] : "account\(index + 1)"
        func padded(_ number: Int, _ width: Int) -> String {
            let digits = String(number)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        var configs = ["refundwatch_\(name)_config"]
        if index == 1 { configs.append("refundwatch_\(name)_config_2") }
        return SimulatorCredentials(
            name: name,
            sid: "HXDEMO\(padded(index, 7))IN",
            apiKey: "Ademo\(padded(index + 1, 28))",
            phoneNumberID: String(919_000_000_001 + index),
            paymentConfigIDs: configs,
            merchantID: String(8_244_519 + index),
            resellerID: "11ed-933c-ece48d50-a41d-023f883e\(padded(index, 4))",
            clientSecret: "\(name)-client-secret",
            bearerToken: "\(name)-bearer-token",
            clientID: "refundwatch-\(name)-client",
            refreshToken: "\(name)-refresh-token",
            authorizationCode: "\(name)-authorization-code"
        )
    }

    /// The first `count` demo accounts, `demoAccount(0)` first.
    public static func demoAccounts(_ count: Int) -> [SimulatorCredentials] {
        (0..<max(1, count)).map(demoAccount)
    }
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
