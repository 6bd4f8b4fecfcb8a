import Foundation
import Hummingbird

/// The state shared by every request handler, and the order in which a request is handled:
/// record it, wait the configured latency, maybe inject a fault, then answer as the vendor would.
final class SimulatorCore: Sendable {
    /// PayU does not document the refund status path; this mirrors its partner API layout
    /// (`…/apilayer/partner/refunds` is the documented refund initiation endpoint).
    static let payuPath = "/apilayer/partner/refunds/status"
    /// How many received requests `receivedRequests()` keeps.
    static let requestLogLimit = 10_000

    let options: SimulatorOptions
    let catalogue: Catalogue
    /// Which account and payment configuration each order belongs to.
    let ownership: OrderOwnership
    let faults: FaultInjector
    let tokens: PayUTokenAuthority
    let webhook: WebhookReceiver
    let rateLimiter: RateLimiter
    /// The simulated clock's anchor, floored to a whole second so timestamps are exact.
    let anchorEpoch: Int
    /// Time since start on the options' clock (real time unless a test gave its own).
    private let sinceStart: @Sendable () -> Duration
    private let requests = Locked<[ReceivedRequest]>([])
    /// Every request since start (the log above keeps only the latest): what benchmarks count.
    private let counted = Locked<[RateLimiter.Key: Int]>([:])
    private let traceRandom: Locked<SeededRandom>
    private let stopping = Locked(false)

    init(options: SimulatorOptions) {
        self.options = options
        catalogue = Catalogue(seed: options.seed, size: options.orders)
        ownership = OrderOwnership(accounts: options.accounts, catalogue: catalogue)
        faults = FaultInjector(spec: options.faults, seed: options.seed)
        sinceStart = Self.stopwatch(options.clock ?? ContinuousClock())
        rateLimiter = RateLimiter(spec: options.rateLimits, sinceStart: sinceStart)
        tokens = PayUTokenAuthority(accounts: options.accounts, lifetime: options.tokenLifetime, seed: options.seed)
        webhook = WebhookReceiver(secret: options.webhookSecret)
        anchorEpoch = Int((options.startDate ?? Date()).timeIntervalSince1970.rounded(.down))
        traceRandom = Locked(.stream(seed: options.seed, purpose: 0x7ACE))
    }

    // MARK: - Clock

    /// Simulated seconds added by `advance(by:)`.
    private let advanced = Locked<Double>(0)

    /// Moves the simulated clock forward at once, whatever the speed.
    func advance(by seconds: Double) { advanced.withLock { $0 += max(0, seconds) } }

    /// Reads `clock` as the time elapsed since this call.
    static func stopwatch(_ clock: any Clock<Duration>) -> @Sendable () -> Duration {
        opened(clock)
    }

    private static func opened<C: Clock<Duration>>(_ clock: C) -> @Sendable () -> Duration {
        let start = clock.now
        return { start.duration(to: clock.now) }
    }

    /// Simulated seconds since the anchor: `elapsedAtStart`, plus the time elapsed since start
    /// (real, or on the test's clock) times `speed`, plus what `advance(by:)` added.
    func simulatedElapsed() -> Double {
        let real = sinceStart()
        let seconds = Double(real.components.seconds) + Double(real.components.attoseconds) * 1e-18
        return options.elapsedAtStart + seconds * options.speed + advanced.withLock { $0 }
    }

    func now() -> Date {
        Date(timeIntervalSince1970: Double(anchorEpoch) + simulatedElapsed())
    }

    func moment() -> Moment {
        Moment(elapsed: Int(simulatedElapsed().rounded(.down)), anchorEpoch: anchorEpoch)
    }

    // MARK: - Request log

    func receivedRequests() -> [ReceivedRequest] { requests.withLock { $0 } }
    func clearReceivedRequests() { requests.withLock { $0.removeAll() } }
    /// Requests since start by API, all accounts together.
    func requestCounts() -> [SimulatedAPI: Int] {
        counted.withLock { counts in counts.reduce(into: [:]) { $0[$1.key.api, default: 0] += $1.value } }
    }

    /// Requests since start by API, of one account (nil: those that authenticated as no account).
    func requestCounts(account: Int?) -> [SimulatedAPI: Int] {
        counted.withLock { counts in
            counts.filter { $0.key.account == account }.reduce(into: [:]) { $0[$1.key.api, default: 0] += $1.value }
        }
    }

    /// The index into `options.accounts` of the account named so.
    func accountIndex(named name: String) -> Int? {
        options.accounts.firstIndex { $0.name == name }
    }

    /// The account a request authenticates as, by its path (nil for the webhook and unknown paths).
    func account(of request: ReceivedRequest) -> Int? {
        if request.rawPath == PayUTokenAuthority.path { return tokens.client(of: request) }
        switch Self.api(for: request.rawPath) {
        case .kaleyra: return kaleyraAccount(request)
        case .payu: return payuAccount(request)
        case nil: return nil
        }
    }

    /// Lets hung responses give up so a graceful shutdown can finish.
    func beginStopping() { stopping.withLock { $0 = true } }
    var isStopping: Bool { stopping.withLock { $0 } }

    /// Meta's fbtrace_id looks like "ALrtxxxxxxxxQ9Nd_r7bTyR"; a fresh one per error, from the seed.
    func nextTraceID() -> String {
        traceRandom.withLock {
            "A" + $0.characters(22, from: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
        }
    }

    // MARK: - Handling

    func respond(to incoming: Request) async throws -> Response {
        var request = incoming
        let bodyBuffer = try? await request.collectBody(upTo: 1 << 20)
        var received = ReceivedRequest(
            method: request.method.rawValue,
            rawPath: request.uri.path,
            query: request.uri.query,
            headers: request.headers.map { (name: $0.name.canonicalName, value: $0.value) },
            body: bodyBuffer.map { String(buffer: $0) } ?? "",
            simulatedDate: now())
        received.account = account(of: received).map { options.accounts[$0].name }
        requests.withLock { log in
            log.append(received)
            // Keep the most recent requests only: a long `simulate` run must not grow without bound.
            if log.count > Self.requestLogLimit + Self.requestLogLimit / 5 { log.removeFirst(log.count - Self.requestLogLimit) }
        }

        let delay = faults.latencyMilliseconds(options.latency)
        if delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }

        if received.rawPath == WebhookReceiver.path {
            return webhook.answer(received).response()
        }
        if received.rawPath == PayUTokenAuthority.path {
            return tokens.answer(received, now: now().timeIntervalSince1970).response()
        }
        let api = Self.api(for: received.rawPath)
        // Again after the latency: an access token may have expired meanwhile.
        let account = account(of: received)
        if let api { counted.withLock { $0[RateLimiter.Key(api: api, account: account), default: 0] += 1 } }
        if let api, let retryAfter = rateLimiter.admit(api, account: account) {
            var answer = Answer.json(.tooManyRequests, api == .kaleyra ? KaleyraWire.throttled(fbtraceID: nextTraceID()) : PayUWire.message("Too Many Requests"))
            answer.retryAfterSeconds = retryAfter
            return answer.response()
        }
        let fault = api.flatMap { faults.decide(for: $0) }
        let answer: Answer
        switch api {
        case .kaleyra: answer = kaleyraAnswer(received, account: account)
        case .payu: answer = payuAnswer(received, account: account)
        case nil: answer = .routeNotFound(method: received.method, path: received.rawPath)
        }
        guard let fault, let api else { return answer.response() }
        return faultResponse(fault, api: api, normal: answer)
    }

    /// Which vendor a path belongs to; faults only hit the two vendors' endpoints.
    static func api(for rawPath: String) -> SimulatedAPI? {
        if rawPath.hasPrefix("/v1/") { return .kaleyra }
        if rawPath == payuPath || rawPath == payuPath + "/" { return .payu }
        return nil
    }
}
