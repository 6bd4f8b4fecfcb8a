import Foundation
import RefundKit
import RefundSimulator
import ProcessRunner

/// Secrets used by every test that talks to a simulator. Distinct, greppable strings, so a test can
/// prove none of them reached any output or error text.
package enum TestSecrets {
    package static let apiKey = "kal-TESTSECRET-5f1c9a"
    package static let clientSecret = "payu-TESTSECRET-77ab02"
    package static let bearerToken = "tok-TESTSECRET-c0ffee"
    package static let refreshToken = "rt-TESTSECRET-9b1d44"
    /// Every secret, and the prefixes of the access and refresh tokens the simulator issues.
    package static let all = [apiKey, clientSecret, bearerToken, refreshToken, "sim-at-", "sim-rt-"]

    package static var credentials: SimulatorCredentials {
        var credentials = SimulatorCredentials.demo
        credentials.apiKey = apiKey
        credentials.clientSecret = clientSecret
        credentials.bearerToken = bearerToken
        credentials.refreshToken = refreshToken
        return credentials
    }

    /// The secrets that appear in `text`: a test expects this to be empty.
    package static func leaked(in text: String) -> [String] {
        all.filter { text.contains($0) }
    }
}

/// A simulator on a free loopback port plus a configuration that points at it.
package struct Harness {
    package let simulator: RunningSimulator
    package var configuration: RefundConfiguration
    /// The clock the simulator runs on and `withService` gives its services: a test's own, or
    /// real time (`ContinuousClock`).
    package let clock: any Clock<Duration>

    package static func start(faults: FaultSpec = .none, latency: LatencySpec = .none, speed: Double = 1,
                      requestTimeout: Double = 10, maxAttempts: Int = 4, method: PayUMethod = .post,
                      orders: Int = Catalogue.standardSize, tokenLifetime: Int = 7199,
                      rateLimits: RateLimitSpec = .none,
                      startDate: Date? = Date(timeIntervalSince1970: 1_795_000_000),
                      clock: (any Clock<Duration>)? = nil, webhookSecret: String? = nil) async throws -> Harness {
        var options = SimulatorOptions()
        options.webhookSecret = webhookSecret
        options.rateLimits = rateLimits
        options.tokenLifetime = tokenLifetime
        options.orders = orders
        options.credentials = TestSecrets.credentials
        options.faults = faults
        options.latency = latency
        options.speed = speed
        // A fixed Saturday in Nov 2026 unless a test needs the simulator's clock to be the real one
        // (nil): PayU's created_at then agrees with the clock of a refundwatch process.
        options.startDate = startDate
        options.clock = clock
        let simulator = try await RunningSimulator.start(options)
        let credentials = simulator.options.credentials
        let http = HTTPSettings(connectTimeout: 2, requestTimeout: requestTimeout, maxAttempts: maxAttempts,
                                backoffBase: 0.05, backoffCap: 0.2, concurrency: 8)
        let configuration = RefundConfiguration(
            source: "test", refreshInterval: 30, http: http,
            kaleyra: KaleyraSettings(baseURL: simulator.kaleyraBaseURL, sid: credentials.sid, apiKey: Secret(credentials.apiKey),
                                     phoneNumberID: credentials.phoneNumberID, paymentConfigID: credentials.paymentConfigID),
            payu: PayUSettings(refundStatusURL: simulator.payuRefundStatusURL, method: method, merchantID: credentials.merchantID,
                               resellerID: credentials.resellerID, clientSecret: Secret(credentials.clientSecret),
                               bearerToken: Secret(credentials.bearerToken)))
        return Harness(simulator: simulator, configuration: configuration, clock: clock ?? ContinuousClock())
    }

    /// Runs `body` with a service over this harness's configuration, then closes both.
    package func withService<T: Sendable>(_ configure: (inout RefundConfiguration) -> Void = { _ in },
                                  _ body: (RefundService) async throws -> T) async throws -> T {
        var configuration = self.configuration
        configure(&configuration)
        let service = RefundService(configuration: configuration, clock: clock)
        do {
            let result = try await body(service)
            await service.shutdown()
            return result
        } catch {
            await service.shutdown()
            throw error
        }
    }

    package func stop() async { await simulator.stop() }

    /// This harness's configuration with PayU authorized through `[payu.oauth]` against the
    /// simulator's token endpoint, starting from its initial refresh token.
    package var oauthConfiguration: RefundConfiguration {
        var configuration = self.configuration
        let credentials = simulator.options.credentials
        configuration.payu?.authorization = .oauth(PayUOAuthSettings(
            tokenURL: simulator.payuTokenURL, clientID: credentials.clientID, clientSecret: Secret(credentials.clientSecret),
            refreshToken: Secret(credentials.refreshToken)))
        return configuration
    }

    package func order(_ scenario: Scenario) -> String {
        simulator.catalogue.orders(in: scenario)[0].referenceID
    }

    /// The error a lookup throws, or nil if it succeeded.
    package func lookupError(_ referenceID: String, _ configure: (inout RefundConfiguration) -> Void = { _ in }) async throws -> RefundWatchError? {
        try await withService(configure) { service in
            do throws(RefundWatchError) {
                _ = try await service.report(referenceID: referenceID)
                return nil
            } catch {
                return error
            }
        }
    }
}

/// Starts a simulator harness (`start`, e.g. `Harness.start(orders: 120)`), runs `body` with it,
/// then stops the simulator, awaited, whether `body` returned or threw.
package func withSimulator<T>(_ start: @autoclosure () async throws -> Harness, _ body: (Harness) async throws -> T) async throws -> T {
    try await scoped(try await start(), stop: { await $0.stop() }, body)
}

/// `withSimulator` with a harness of the default options.
package func withSimulator<T>(_ body: (Harness) async throws -> T) async throws -> T {
    try await withSimulator(try await Harness.start(), body)
}

/// Starts a bare simulator with `options`, runs `body` with it, then stops it, awaited, whether
/// `body` returned or threw.
package func withSimulator<T>(options: SimulatorOptions, _ body: (RunningSimulator) async throws -> T) async throws -> T {
    try await scoped(try await RunningSimulator.start(options), stop: { await $0.stop() }, body)
}

/// Runs `body` with a loopback port that refuses connections until it returns: a socket bound to
/// it and never listening, so the kernel answers a connection with a reset and nothing else can
/// bind the port meanwhile. (A port merely found free, as `closedLoopbackPort` gives, can be taken
/// by a server another test starts in parallel, which then answers in place of the refusal.)
package func withRefusingLoopbackPort<T>(_ body: (Int) async throws -> T) async rethrows -> T {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    return try await body(boundPort(fd))
}

/// A free loopback port kept for a server started later (a `listen` whose port the simulator must
/// know before): bound, never listening, until `release()`, called just before the server starts,
/// so that no server another test starts meanwhile takes it.
package final class LoopbackPortReservation: @unchecked Sendable {
    package let port: Int
    private let fd: Int32
    private var held = true
    private let lock = NSLock()

    package init() {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        port = boundPort(fd)
    }

    /// Frees the port for the server about to bind it (once; later calls do nothing).
    package func release() {
        lock.withLock {
            if held { close(fd) }
            held = false
        }
    }

    deinit { release() }
}

/// A loopback port with nothing listening on it, for a server to bind next. Where a refusal is the
/// point, `withRefusingLoopbackPort` holds the port instead.
package func closedLoopbackPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    return boundPort(fd)
}

/// Binds `fd` to a free loopback port, and returns it.
private func boundPort(_ fd: Int32) -> Int {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
