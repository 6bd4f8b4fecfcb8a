import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// A simulator serving both vendors' APIs on one local port, until `stop()`.
///
/// Start it from the CLI (`refundwatch simulate`) or from tests; everything it says goes to
/// HTTP clients, nothing to stdout or stderr.
public final class RunningSimulator: Sendable {
    /// Where the Kaleyra client points: it appends `/v1/<sid>/wrapper/…`.
    public let kaleyraBaseURL: String
    /// The full URL of the PayU refund status endpoint.
    public let payuRefundStatusURL: String
    /// PayU's OAuth token endpoint (`POST`, form-encoded).
    public let payuTokenURL: String
    /// A receiver for refundwatch's alert webhook (`WebhookReceiver`).
    public let webhookURL: String
    public let port: Int
    public let options: SimulatorOptions
    public let catalogue: Catalogue

    private let core: SimulatorCore
    private let serviceGroup: ServiceGroup
    private let runTask: Task<Void, Never>
    private let runFinished: Locked<Bool>
    private let stopRequested = Locked(false)
    private let pusher: Pusher?
    private let pushing: Task<Void, Never>?

    private init(core: SimulatorCore, port: Int, serviceGroup: ServiceGroup, runTask: Task<Void, Never>, runFinished: Locked<Bool>) {
        self.core = core
        pusher = core.options.push.map { Pusher(core: core, target: $0) }
        pushing = pusher.map { pusher in Task { await pusher.run() } }
        self.port = port
        self.options = core.options
        self.catalogue = core.catalogue
        self.serviceGroup = serviceGroup
        self.runTask = runTask
        self.runFinished = runFinished
        let host = Self.urlHost(core.options.host)
        kaleyraBaseURL = "http://\(host):\(port)"
        payuRefundStatusURL = "http://\(host):\(port)\(SimulatorCore.payuPath)"
        payuTokenURL = "http://\(host):\(port)\(PayUTokenAuthority.path)"
        webhookURL = "http://\(host):\(port)\(WebhookReceiver.path)"
    }

    /// Binds the port and returns once the server accepts connections.
    public static func start(_ options: SimulatorOptions) async throws -> RunningSimulator {
        guard options.speed.isFinite, options.speed > 0 else {
            throw SimulatorError.invalidOption("Invalid speed \(options.speed): use a number above 0 (60 makes a simulated minute pass each second).")
        }
        guard (1...1_000_000).contains(options.orders) else {
            throw SimulatorError.invalidOption("Invalid order count \(options.orders): use 1 to 1,000,000.")
        }
        // Below zero the clock starts before the start date: the demo replays its month of history so.
        guard options.elapsedAtStart.isFinite, options.elapsedAtStart >= -SimulatorOptions.longestPast else {
            throw SimulatorError.invalidOption("Invalid elapsed time at start \(options.elapsedAtStart): use at least -\(Int(SimulatorOptions.longestPast)) seconds (a year back).")
        }
        guard (0...65_535).contains(options.port) else {
            throw SimulatorError.invalidOption("Invalid port \(options.port): use 1-65535, or 0 for any free port.")
        }
        guard !options.host.isEmpty else {
            throw SimulatorError.invalidOption("Invalid host: give an address to listen on, such as 127.0.0.1.")
        }
        if let problem = options.accountsProblem() { throw SimulatorError.invalidOption(problem) }
        let core = SimulatorCore(options: options)
        let logger = Logger(label: "refundwatch.simulator") { _ in SwiftLogNoOpLogHandler() }
        let started = StartSignal()
        let application = Application(
            responder: CallbackResponder<BasicRequestContext> { request, _ in
                try await core.respond(to: request)
            },
            configuration: .init(address: .hostname(options.host, port: options.port)),
            onServerRunning: { channel in
                started.resolve(.success(channel.localAddress?.port ?? options.port))
            },
            logger: logger
        )
        let group = ServiceGroup(services: [application], logger: logger)
        let runFinished = Locked(false)
        let task = Task {
            do {
                try await group.run()
                started.resolve(.failure(SimulatorError.serverFailedToStart("the server stopped before it was running")))
            } catch {
                started.resolve(.failure(SimulatorError.serverFailedToStart("\(error)")))
            }
            runFinished.withLock { $0 = true }
        }
        do {
            let port = try await started.wait()
            return RunningSimulator(core: core, port: port, serviceGroup: group, runTask: task, runFinished: runFinished)
        } catch {
            task.cancel()
            throw error
        }
    }

    /// What was pushed to `options.push` so far (the latest 10,000 or more), oldest first.
    public func sentPushes() -> [SentPush] { pusher?.pushes ?? [] }

    /// The webhook receiver: what it accepted, and how it answers.
    public var webhook: WebhookReceiver { core.webhook }

    /// Changes the injected faults while running (counts start afresh).
    public func setFaults(_ faults: FaultSpec) { core.faults.replace(with: faults) }

    /// The faults in force now.
    public var faults: FaultSpec { core.faults.spec }

    /// The requests seen (the most recent 10,000), in arrival order, including rejected and faulted ones.
    public func receivedRequests() -> [ReceivedRequest] { core.receivedRequests() }

    /// Requests answered since start, by API, however many (the log keeps only the latest 10,000).
    public func requestCounts() -> (kaleyra: Int, payu: Int) {
        let counts = core.requestCounts()
        return (counts[.kaleyra] ?? 0, counts[.payu] ?? 0)
    }

    public func clearReceivedRequests() { core.clearReceivedRequests() }

    /// Requests answered since start, by API, of the account with this name (`SimulatorCredentials.name`),
    /// or (nil) of requests that authenticated as no account: each request counts for the account
    /// it authenticated as (`ReceivedRequest.account`). An unknown name counts nothing.
    public func requestCounts(account name: String?) -> (kaleyra: Int, payu: Int) {
        guard let index = name.map(core.accountIndex(named:)) else {
            let counts = core.requestCounts(account: nil)
            return (counts[.kaleyra] ?? 0, counts[.payu] ?? 0)
        }
        guard let index else { return (0, 0) }
        let counts = core.requestCounts(account: index)
        return (counts[.kaleyra] ?? 0, counts[.payu] ?? 0)
    }

    /// Requests to the PayU token endpoint since start, refused ones included.
    public func tokenRequestCount() -> Int { core.tokens.requestCount }

    /// Refuses every PayU refresh token, of every account, from now on (a partner's access revoked).
    public func revokeRefreshTokens() { core.tokens.revokeRefreshTokens() }

    /// Refuses the PayU refresh tokens of the account with this name only (an unknown name: none).
    public func revokeRefreshTokens(account name: String) {
        guard let index = core.accountIndex(named: name) else { return }
        core.tokens.revokeRefreshTokens(account: index)
    }

    // MARK: - Accounts

    /// The accounts served (`options.accounts`): the first is the one `options.credentials` names.
    public var accounts: [SimulatorCredentials] { options.accounts }

    /// The account (by name) and payment configuration a catalogue order belongs to: Kaleyra
    /// answers it only under that account's SID, number and that configuration, and PayU answers
    /// its transactions only to that account's merchant. nil for a reference id not in the
    /// catalogue. With one account with one configuration, every order belongs to it.
    public func owner(of referenceID: String) -> (account: String, paymentConfigID: String)? {
        core.ownership.slot(ofOrder: referenceID).map { (options.accounts[$0.account].name, $0.paymentConfigID) }
    }

    /// The catalogue's orders belonging to the account with this name, in catalogue order; only
    /// those under one of its payment configurations when `paymentConfigID` is given.
    public func orders(ofAccount name: String, paymentConfigID: String? = nil) -> [CatalogueOrder] {
        catalogue.orders.filter { order in
            guard let owner = owner(of: order.referenceID) else { return false }
            return owner.account == name && (paymentConfigID == nil || owner.paymentConfigID == paymentConfigID)
        }
    }

    /// The simulated clock: start date plus the time elapsed since start (real, or on the options'
    /// `clock`) times `speed`, plus what `advanceClock(by:)` added.
    public func now() -> Date { core.now() }

    /// When each request over the `rateLimits` budget of `api` arrived (answered 429), as time
    /// since the simulator started on its clock.
    public func overBudgetRequests(_ api: SimulatedAPI) -> [Duration] { core.rateLimiter.refusals(api) }

    /// The same, for the account with this name only (nil: requests that authenticated as no
    /// account). Each account has a budget of its own.
    public func overBudgetRequests(_ api: SimulatedAPI, account name: String?) -> [Duration] {
        guard let name else { return core.rateLimiter.refusals(api, account: nil) }
        guard let index = core.accountIndex(named: name) else { return [] }
        return core.rateLimiter.refusals(api, account: index)
    }

    /// Moves the simulated clock forward by this many simulated seconds, at once: for tests that
    /// must see a refund move at an exact point, however slow the machine is.
    public func advanceClock(by seconds: Double) { core.advance(by: seconds) }

    /// Stops accepting, lets ordinary responses finish, drops hung ones. Returns within about
    /// two seconds whatever the clients do; calling it again is harmless.
    public func stop() async {
        let first = stopRequested.withLock { requested in
            defer { requested = true }
            return !requested
        }
        if first {
            pushing?.cancel()
            await pushing?.value
            await pusher?.shutdown()
            core.beginStopping()
            await serviceGroup.triggerGracefulShutdown()
            let deadline = ContinuousClock.now + .seconds(2)
            while !runFinished.withLock({ $0 }) && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(10))
            }
            if !runFinished.withLock({ $0 }) { runTask.cancel() }
        }
        await runTask.value
    }

    /// A refundwatch configuration pointing at this server with its credentials. PayU is
    /// authorized through `[payu.oauth]` against this server's token endpoint, as a real account
    /// would be (the fixed bearer token is accepted too, for curl).
    ///
    /// The first account is the top-level `[kaleyra]`, `[payu]` and `[payu.oauth]` (the account
    /// "default"); each further one follows as `[accounts.NAME.kaleyra]`, `[accounts.NAME.payu]`
    /// and `[accounts.NAME.payu.oauth]` with the same keys. An account with several payment
    /// configurations has `payment_config_ids = [...]` instead of `payment_config_id`. With one
    /// account the text is what it has always been.
    public func demoConfigurationTOML() -> String {
        var text = "refresh_interval = 30\nconcurrency = 8\n"
        text += accountTables(options.credentials, prefix: "")
        text += """
            [alerts]
            webhook_url = \(Self.toml(webhookURL))
            webhook_secret = \(Self.toml(options.webhookSecret ?? "unchecked"))

            """
        for account in options.accounts.dropFirst() {
            text += accountTables(account, prefix: "accounts.\(Self.tomlKey(account.name)).")
        }
        if let push = options.push {
            // The receiver the simulator pushes to: `refundwatch listen` on the URL's port, each
            // route checking the simulator's header secret.
            text += "[listen]\nport = \(push.port)\n"
            for source in ["kaleyra", "payu-refund-status", "payu-webhook", "payu-arn"] {
                text += "[listen.\(source)]\nheader = \(Self.toml(push.header))\nsecret = \(Self.toml(push.secret))\n"
            }
        }
        return text
    }

    /// One account's `[kaleyra]`, `[payu]` and `[payu.oauth]` tables, their names after `prefix`.
    private func accountTables(_ credentials: SimulatorCredentials, prefix: String) -> String {
        let configuration = credentials.paymentConfigIDs.count == 1
            ? "payment_config_id = \(Self.toml(credentials.paymentConfigID))"
            : "payment_config_ids = [\(credentials.paymentConfigIDs.map(Self.toml).joined(separator: ", "))]"
        return """
            [\(prefix)kaleyra]
            base_url = \(Self.toml(kaleyraBaseURL))
            sid = \(Self.toml(credentials.sid))
            api_key = \(Self.toml(credentials.apiKey))
            phone_number_id = \(Self.toml(credentials.phoneNumberID))
            \(configuration)
            max_requests_per_second = \(budget(.kaleyra))
            [\(prefix)payu]
            refund_status_url = \(Self.toml(payuRefundStatusURL))
            method = "POST"
            merchant_id = \(Self.toml(credentials.merchantID))
            reseller_id = \(Self.toml(credentials.resellerID))
            client_secret = \(Self.toml(credentials.clientSecret))
            max_requests_per_second = \(budget(.payu))
            [\(prefix)payu.oauth]
            token_url = \(Self.toml(payuTokenURL))
            client_id = \(Self.toml(credentials.clientID))
            refresh_token = \(Self.toml(credentials.refreshToken))

            """
    }

    /// The request budget for the configuration: this simulator's limit, else a generous one (it
    /// enforces none, and a real account's default budget would only slow the demo down).
    private func budget(_ api: SimulatedAPI) -> String {
        (options.rateLimits.perSecond[api] ?? 200).formatted(.number.grouping(.never))
    }

    private static func toml(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// A table name part: bare when it can be (letters, digits, `_`, `-`), else quoted.
    private static func tomlKey(_ text: String) -> String {
        let bare = !text.isEmpty && text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-") }
        return bare ? text : toml(text)
    }

    /// A host as it goes in a URL: wildcard binds are reached through loopback, IPv6 in brackets.
    private static func urlHost(_ host: String) -> String {
        switch host {
        case "0.0.0.0": return "127.0.0.1"
        case "::", "[::]": return "[::1]"
        default: return host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        }
    }
}

/// Hands the bound port (or the failure to bind) from the server task to `start`.
private final class StartSignal: Sendable {
    private enum State {
        case waiting([CheckedContinuation<Int, any Error>])
        case resolved(Result<Int, any Error>)
    }

    private let state = Locked(State.waiting([]))

    func resolve(_ result: Result<Int, any Error>) {
        let waiters = state.withLock { state -> [CheckedContinuation<Int, any Error>] in
            guard case .waiting(let waiters) = state else { return [] }
            state = .resolved(result)
            return waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }

    func wait() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { state -> Result<Int, any Error>? in
                switch state {
                case .waiting(var waiters):
                    waiters.append(continuation)
                    state = .waiting(waiters)
                    return nil
                case .resolved(let result):
                    return result
                }
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
