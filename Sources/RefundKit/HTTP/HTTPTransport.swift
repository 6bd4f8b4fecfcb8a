import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Timeouts, retries and the in-flight limit shared by every API call.
public struct HTTPSettings: Sendable, Hashable {
    /// Longest wait for a TCP connection.
    public var connectTimeout: Double
    /// Deadline for one API call, all retries included: a call never takes longer than this.
    public var requestTimeout: Double
    /// Attempts per call, the first included (so 4 means up to 3 retries).
    public var maxAttempts: Int
    /// First retry waits about this long; each retry doubles it, up to `backoffCap`, with jitter.
    public var backoffBase: Double
    public var backoffCap: Double
    /// Requests in flight at once, over both APIs.
    public var concurrency: Int
    /// Each API's budget in requests per second, shared by every request of the process
    /// (`max_requests_per_second`); an API without one is not paced.
    public var requestsPerSecond: [Service: Double] = [:]

    public init(connectTimeout: Double = 5, requestTimeout: Double = 20, maxAttempts: Int = 4,
                backoffBase: Double = 0.25, backoffCap: Double = 4, concurrency: Int = 8) {
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.maxAttempts = maxAttempts
        self.backoffBase = backoffBase
        self.backoffCap = backoffCap
        self.concurrency = concurrency
    }
}

struct TransportRequest: Sendable {
    var method: HTTPMethod
    var url: String
    var headers: [(String, String)]
    var body: Data?
    /// Shown in logs and errors instead of the URL (which may carry query parameters such as a hash).
    var host: String
    var logPath: String
    /// Whether a connection that broke after the request went out may be retried. Not for a
    /// refresh-token grant: PayU may have used (and so retired) the refresh token already.
    var retriesAfterSending = true
    /// Whether an answer is the API asking us to slow down: HTTP 429, and for Kaleyra also Meta's
    /// throttling codes, whatever their status.
    var isThrottled: @Sendable (TransportResponse) -> Bool = { $0.status == 429 }
}

struct TransportResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// The one AsyncHTTPClient behind both API clients. Retries idempotent reads on 5xx, throttling
/// (after the pause, when it fits in the deadline) and transport errors, with jittered exponential
/// backoff; bounds the requests in flight; and keeps each API's request budget (`RateGate`): paced
/// requests, and a pause for every request to an API that throttled one.
///
/// Every wait (the budget, back-off, Retry-After, a call's deadline) is on the injected `clock`, so
/// that tests step through them on a clock of their own. The client's own connect and read
/// timeouts stay on real time: they guard a socket, and bound a call even on a clock that stands
/// still.
public final class HTTPTransport: Sendable {
    public let settings: HTTPSettings
    private let clock: ElapsedClock
    private let wall: @Sendable () -> Date
    private let client: HTTPClient
    private let limiter: AsyncLimiter
    /// One budget per account and API: the APIs' limits are an account's. Each process's own
    /// (`RateGate`), or with a team's database the account's for every process (`SharedRateGate`).
    private let gates: [BudgetKey: any RequestGate]
    private let logger: Logger
    private static let maxBodyBytes = 8 * 1024 * 1024

    /// Which budget a request spends: its account's, for its API.
    public struct BudgetKey: Sendable, Hashable {
        public var account: String
        public var service: Service

        public init(account: String, service: Service) {
            self.account = account
            self.service = service
        }
    }

    /// The account a client names when the configuration has one account only (`[kaleyra]`).
    public static let defaultAccount = "default"

    /// `clock`: what every wait is timed on; `wall`: the time of day, for when a pause ends.
    /// `budgets`: each account's requests per second by API; nil gives `settings.requestsPerSecond`
    /// to the account "default".
    public init(settings: HTTPSettings = HTTPSettings(), budgets: [String: [Service: Double]]? = nil, ledger: (any TeamLedger)? = nil,
                logger: Logger = Logger(label: "refundwatch.http", factory: { _ in SwiftLogNoOpLogHandler() }),
                clock: any Clock<Duration> = ContinuousClock(), wall: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        let clock = ElapsedClock(clock)
        self.clock = clock
        self.wall = wall
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .milliseconds(Int64(settings.connectTimeout * 1000)),
                                      read: .milliseconds(Int64(settings.requestTimeout * 1000)))
        // We retry ourselves, within the call's deadline; AHC's own retry would hide a refused connection.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, settings.concurrency)
        configuration.redirectConfiguration = .disallow
        configuration.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        limiter = AsyncLimiter(limit: settings.concurrency)
        var gates: [BudgetKey: any RequestGate] = [:]
        for (account, rates) in budgets ?? [Self.defaultAccount: settings.requestsPerSecond] {
            for (service, rate) in rates {
                let local = RateGate(service: service, requestsPerSecond: rate, clock: clock, wall: wall)
                gates[BudgetKey(account: account, service: service)] = ledger.map {
                    SharedRateGate(ledger: $0, account: account, service: service, requestsPerSecond: rate, clock: clock, wall: wall, fallback: local, logger: logger)
                } ?? local
            }
        }
        self.gates = gates
        self.logger = logger
    }

    /// Must be called once when done; the client's connections are closed.
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// Pauses the APIs asked for that still last, by account (sorted by name) and API.
    public func slowdowns() async -> [RateSlowdown] {
        var found: [RateSlowdown] = []
        let singleAccount = Set(gates.keys.map(\.account)).count <= 1
        for key in gates.keys.sorted(by: { ($0.account, $0.service.rawValue) < ($1.account, $1.service.rawValue) }) {
            if let until = await gates[key]?.pausedUntilDate {
                found.append(RateSlowdown(service: key.service, resumesAt: until, account: singleAccount ? nil : key.account))
            }
        }
        return found
    }

    /// Throttled answers seen by an account's budget for one API, and the pace now (for
    /// benchmarks and tests).
    public func budgetState(_ service: Service, account: String = HTTPTransport.defaultAccount) async -> (throttles: Int, requestsPerSecond: Double)? {
        guard let gate = gates[BudgetKey(account: account, service: service)] else { return nil }
        return (await gate.throttles, await gate.currentRate)
    }

    func send(_ request: TransportRequest, service: Service, account: String = HTTPTransport.defaultAccount) async throws(RefundWatchError) -> TransportResponse {
        let gate = gates[BudgetKey(account: account, service: service)]
        // The call's deadline starts when the budget first lets it go: a wait in the queue is not
        // the server being slow.
        await gate?.admit()
        let deadline = clock.now + .seconds(settings.requestTimeout)
        var attempt = 1
        while true {
            if attempt > 1 { await gate?.admit() }
            let started = ContinuousClock.now
            let outcome = await attemptOnce(request, service: service, deadline: deadline)
            let elapsed = ContinuousClock.now - started
            let retryWait: Double?
            switch outcome {
            case .success(let response):
                logger.info("\(request.method) \(service.rawValue) \(request.host)\(request.logPath) -> \(response.status) in \(elapsed.formatted(.units(allowed: [.milliseconds]))) (attempt \(attempt))")
                if request.isThrottled(response) {
                    let asked = RetryAfter.seconds(response.header("retry-after"), now: wall()) ?? RetryAfter.regainAccess(response.header("x-business-use-case-usage"))
                    let pause = await gate?.throttled(retryAfter: asked) ?? asked ?? backoff(attempt: attempt)
                    logger.warning("\(service.rawValue) asked us to slow down: every request to it waits \(DurationText.short(pause))")
                    if attempt >= settings.maxAttempts || !fits(pause, before: deadline) { return response }
                    // With a budget, the gate holds the retry (and every other request) back.
                    retryWait = gate == nil ? pause : 0
                } else {
                    await gate?.succeeded()
                    retryWait = retryDelay(for: response, attempt: attempt)
                    if retryWait == nil { return response }
                    if !fits(retryWait!, before: deadline) || attempt >= settings.maxAttempts { return response }
                }
            case .failure(let error):
                logger.warning("\(request.method) \(service.rawValue) \(request.host)\(request.logPath) failed: \(error.message) (attempt \(attempt))")
                // Refused or reset connections are worth another try; a timeout has spent the deadline.
                guard error.isRetryableTransportFailure, attempt < settings.maxAttempts else { throw error }
                if case .network = error, !request.retriesAfterSending { throw error }
                let wait = backoff(attempt: attempt)
                guard fits(wait, before: deadline) else { throw error }
                retryWait = wait
            }
            if retryWait! > 0 { try? await clock.sleep(until: clock.now + .seconds(retryWait!)) }
            if Task.isCancelled { throw .timeout(service, seconds: settings.requestTimeout) }
            attempt += 1
        }
    }

    private func fits(_ wait: Double, before deadline: Duration) -> Bool {
        clock.now + .seconds(wait) < deadline
    }

    /// nil: the response is final. Otherwise seconds to wait before trying again.
    private func retryDelay(for response: TransportResponse, attempt: Int) -> Double? {
        switch response.status {
        case 500...599: backoff(attempt: attempt)
        default: nil
        }
    }

    /// Exponential backoff with "equal jitter": half fixed, half random, so retries from many
    /// orders do not arrive together.
    private func backoff(attempt: Int) -> Double {
        let ceiling = min(settings.backoffCap, settings.backoffBase * pow(2, Double(attempt - 1)))
        return ceiling / 2 + Double.random(in: 0...(ceiling / 2))
    }

    private func attemptOnce(_ request: TransportRequest, service: Service, deadline: Duration) async -> Result<TransportResponse, RefundWatchError> {
        let remaining = deadline - clock.now
        guard remaining > .zero else { return .failure(.timeout(service, seconds: settings.requestTimeout)) }
        var httpRequest = HTTPClientRequest(url: request.url)
        httpRequest.method = request.method
        for (name, value) in request.headers { httpRequest.headers.add(name: name, value: value) }
        if let body = request.body { httpRequest.body = .bytes(ByteBuffer(bytes: body)) }
        let timeoutSeconds = settings.requestTimeout
        let prepared = httpRequest
        do {
            return .success(try await limiter.withSlot { [client, clock] in
                try await withDeadline(deadline, on: clock) {
                    let response = try await client.execute(prepared, timeout: TimeAmount.nanoseconds(remaining.nanoseconds))
                    let body = try await response.body.collect(upTo: HTTPTransport.maxBodyBytes)
                    var headers: [String: String] = [:]
                    for header in response.headers { headers[header.name.lowercased()] = header.value }
                    return TransportResponse(status: Int(response.status.code), headers: headers, body: Data(body.readableBytesView))
                }
            })
        } catch {
            return .failure(TransportErrorMapping.map(error, service: service, host: request.host, timeout: timeoutSeconds))
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

struct DeadlineExceeded: Error {}

extension RefundWatchError {
    var isRetryableTransportFailure: Bool {
        switch self {
        case .connectionRefused, .network: true
        default: false
        }
    }
}

/// Runs `body`, cancelling it if it has not finished when `clock` reads `deadline`. AHC's own
/// deadline covers the response head; this also covers a body that starts and never finishes.
func withDeadline<T: Sendable>(_ deadline: Duration, on clock: ElapsedClock, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await clock.sleep(until: deadline)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw DeadlineExceeded() }
        return value
    }
}
