import Clocks
import Foundation
import Testing
@testable import RefundKit
@testable import RefundModel
import RefundSimulator
import TestSupport

/// The process's request budget: paced requests, and a pause for every request to an API that
/// throttled one. Timed on a `TestClock` that the simulator runs on too: the test moves time, so
/// the moment each request reaches the API is exact and nothing waits in real time.
@Suite struct RateBudgetTests {
    /// Kaleyra requests the simulator has received.
    private static func arrivals(_ harness: Harness) -> Int {
        harness.simulator.requestCounts().kaleyra
    }

    /// When each Kaleyra request arrived, in milliseconds after the first, on the shared clock.
    private static func arrivalTimes(_ harness: Harness) -> [Int] {
        let dates = harness.simulator.receivedRequests().filter { $0.rawPath.hasPrefix("/v1/") }.map(\.simulatedDate)
        return dates.map { Int(($0.timeIntervalSince(dates[0]) * 1000).rounded()) }
    }

    /// `count` lookups at once, from as many tasks; the failures' messages.
    private static func lookups(_ count: Int, _ service: RefundService, _ harness: Harness) -> Task<[String], Never> {
        let ids = harness.simulator.catalogue.orders.map(\.referenceID)
        return Task {
            await withTaskGroup(of: String?.self) { group in
                for index in 0..<count {
                    group.addTask {
                        do throws(RefundWatchError) {
                            _ = try await service.report(referenceID: ids[index % ids.count])
                            return nil
                        } catch {
                            return error.message
                        }
                    }
                }
                return await group.reduce(into: [String]()) { if let failure = $1 { $0.append(failure) } }
            }
        }
    }

    @Test func requestsWithinTheAccountsBudgetAreNeverRefused() async throws {
        let clock = TestClock<Duration>()
        let harness = try await Harness.start(rateLimits: try RateLimitSpec.parse("kaleyra=20/s"), clock: clock)
        var configuration = harness.configuration
        configuration.payu = nil
        // A budget a little under the account's limit, as docs/configuration.md advises: the account's clock
        // and ours, and the network between, never line up exactly.
        configuration.http.requestsPerSecond = [.kaleyra: 18]
        let service = RefundService(configuration: configuration, clock: clock)
        // 80 lookups at once, from many tasks: the budget spaces them whoever sends them. Each
        // step of 1/18 s lets exactly one more go.
        let lookups = Self.lookups(80, service, harness)
        for sent in 1..<80 {
            try await eventually("request \(sent) of 80 reached Kaleyra", nudging: clock) { Self.arrivals(harness) >= sent }
            #expect(Self.arrivals(harness) == sent, "no request before its slot")
            await clock.advance(by: .seconds(1.0 / 18))
        }
        try await eventually("the 80th request reached Kaleyra", nudging: clock) { Self.arrivals(harness) == 80 }
        let failures = await lookups.value
        #expect(failures.isEmpty, "\(failures.count) failed: \(failures.first ?? "")")
        #expect(Self.arrivalTimes(harness) == (0..<80).map { Int((Double($0) * 1000 / 18).rounded()) }, "1/18 s apart")
        #expect(harness.simulator.overBudgetRequests(.kaleyra).isEmpty, "paced at the budget, none was over it")
        #expect(await service.budgetState(.kaleyra)?.throttles == 0)
        await service.shutdown()
        await harness.stop()
    }

    @Test func aThrottledAnswerPausesEveryRequestToTheAPIAndHalvesThePace() async throws {
        let clock = TestClock<Duration>()
        let harness = try await Harness.start(faults: try FaultSpec.parse("kaleyra:429=x1,retry-after=3"), clock: clock)
        var configuration = harness.configuration
        configuration.payu = nil
        configuration.http.requestsPerSecond = [.kaleyra: 10]
        let service = RefundService(configuration: configuration, clock: clock)
        // Three lookups at 10 a second: the first is answered 429 with Retry-After: 3.
        let lookups = Self.lookups(3, service, harness)
        try await eventually("the first request was throttled", nudging: clock) { await service.budgetState(.kaleyra)?.throttles == 1 }
        // Nothing goes to Kaleyra during the pause, not even the two that had their slots in it.
        await clock.advance(by: .milliseconds(2_999))
        #expect(Self.arrivals(harness) == 1)
        // Then the retry and the other two, at half the pace: 5 a second.
        await clock.advance(by: .milliseconds(1))
        for sent in 2...4 {
            try await eventually("request \(sent) of 4 reached Kaleyra", nudging: clock) { Self.arrivals(harness) >= sent }
            #expect(Self.arrivals(harness) == sent)
            if sent < 4 { await clock.advance(by: .seconds(1.0 / 5)) }
        }
        let failures = await lookups.value
        #expect(failures.isEmpty, "\(failures.count) failed: \(failures.first ?? "")")
        #expect(Self.arrivalTimes(harness) == [0, 3_000, 3_200, 3_400])
        let state = try #require(await service.budgetState(.kaleyra))
        #expect(state.throttles == 1 && state.requestsPerSecond == 5)
        await service.shutdown()
        await harness.stop()
    }

    /// A gate on a test clock; the time of day stands at `wall`.
    private static func gate(_ clock: TestClock<Duration>, requestsPerSecond: Double, wall: Date = Date(timeIntervalSince1970: 1_795_000_000)) -> RateGate {
        RateGate(service: .kaleyra, requestsPerSecond: requestsPerSecond, clock: ElapsedClock(clock), wall: { wall })
    }

    /// Records the moment (on the test clock) each request was let through.
    actor Admissions {
        private(set) var instants: [Duration] = []
        func add(_ instant: Duration) { instants.append(instant) }
    }

    @Test func oneThrottledAnswerPausesEveryRequestAndHalvesThePace() async throws {
        let clock = TestClock<Duration>()
        let wall = Date(timeIntervalSince1970: 1_795_000_000)
        let gate = Self.gate(clock, requestsPerSecond: 40, wall: wall)
        #expect(await gate.pausedUntilDate == nil)
        #expect(await gate.throttled(retryAfter: 2) == 2)
        #expect(await gate.pausedUntilDate == wall + 2)
        #expect(await gate.currentRate == 20)
        // Answers to requests already in flight belong to the same episode.
        await clock.advance(by: .milliseconds(500))
        #expect(await gate.throttled(retryAfter: 1) == 1.5)
        #expect(await gate.pausedUntilDate == wall + 1.5, "the pause ends when it did")
        #expect(await gate.currentRate == 20)
        #expect(await gate.throttles == 2)

        // Three requests wait for the end of the pause, then leave 1/20 s apart.
        let start = clock.now
        let admissions = Admissions()
        let requests = (0..<3).map { _ in Task { await gate.admit(); await admissions.add(start.duration(to: clock.now)) } }
        try await eventually("three requests hold slots") { await gate.waiting == 3 }
        await clock.advance(by: .milliseconds(1_499))
        #expect(await admissions.instants.isEmpty)
        await clock.advance(by: .milliseconds(1))
        for admitted in 1...3 {
            try await eventually("request \(admitted) let through", nudging: clock) { await admissions.instants.count >= admitted }
            #expect(await admissions.instants.count == admitted)
            if admitted < 3 { await clock.advance(by: .seconds(1.0 / 20)) }
        }
        for request in requests { await request.value }
        let step = Duration.seconds(1.0 / 20)
        #expect(await admissions.instants == [.milliseconds(1_500), .milliseconds(1_500) + step, .milliseconds(1_500) + step * 2])
        #expect(await gate.pausedUntilDate == nil)
    }

    @Test func withoutRetryAfterThePauseDoublesUpToAMinuteAndThePaceHasAFloor() async {
        let clock = TestClock<Duration>()
        let gate = Self.gate(clock, requestsPerSecond: 8)
        var pauses: [Double] = []
        var rates: [Double] = []
        for _ in 0..<8 {
            let pause = await gate.throttled(retryAfter: nil)
            pauses.append(pause)
            rates.append(await gate.currentRate)
            // The next throttling comes as this pause ends: a new episode, within 90 s of the last.
            await clock.advance(by: .seconds(pause))
        }
        #expect(pauses == [1, 2, 4, 8, 16, 32, 60, 60])
        #expect(rates == [4, 2, 1, 1, 1, 1, 1, 1], "halved each time, never below an eighth")
        // 90 s without throttling: the back-off starts again from 1 s.
        await clock.advance(by: .seconds(90))
        #expect(await gate.throttled(retryAfter: nil) == 1)
        #expect(await gate.throttled(retryAfter: 0.5) == 1, "the same episode")
    }

    @Test func thePaceCreepsBackByAQuarterForEvery30SecondsWithoutThrottling() async {
        let clock = TestClock<Duration>()
        let gate = Self.gate(clock, requestsPerSecond: 8)
        #expect(await gate.throttled(retryAfter: 1) == 1)
        #expect(await gate.currentRate == 4)
        var rates: [Double] = []
        for step in [29, 1, 0, 29, 1, 30, 30, 30] {
            await clock.advance(by: .seconds(step))
            await gate.succeeded()
            rates.append(await gate.currentRate)
        }
        #expect(rates == [4, 5, 5, 5, 6.25, 7.8125, 8, 8], "a quarter more each 30 s, never above the budget")
    }

    @Test(arguments: [(400, 80008, true), (400, 4, true), (403, 80007, true), (400, 130429, true), (400, 100, false), (200, 4, false)])
    func metaThrottlingCodesCountWhateverTheStatus(status: Int, code: Int, throttled: Bool) {
        let body = #"{"error": {"message": "(#\#(code)) limit", "type": "OAuthException", "code": \#(code), "fbtrace_id": "A"}}"#
        let response = TransportResponse(status: status, headers: [:], body: Data(body.utf8))
        #expect(KaleyraResponse.isThrottled(response) == throttled)
    }

    @Test func metasUsageHeaderGivesTheWaitInMinutes() {
        let header = #"{"102030": [{"type": "whatsapp", "call_count": 100, "estimated_time_to_regain_access": 3}, {"estimated_time_to_regain_access": 0}]}"#
        #expect(RetryAfter.regainAccess(header) == 180)
        #expect(RetryAfter.regainAccess(#"{"1": [{"estimated_time_to_regain_access": 0}]}"#) == nil)
        #expect(RetryAfter.regainAccess("not json") == nil)
    }

    @Test func theBudgetIsConfigurationWithSafeDefaults() throws {
        let base = minimalKaleyraTOML
        let defaults = try ConfigurationLoader(environment: [:]).parse(base, file: "t.toml")
        #expect(defaults.http.requestsPerSecond == [.kaleyra: 10, .payu: 5])
        let set = try ConfigurationLoader(environment: [:]).parse(base + "\nmax_requests_per_second = 25", file: "t.toml")
        #expect(set.http.requestsPerSecond[.kaleyra] == 25)
        do {
            _ = try ConfigurationLoader(environment: [:]).parse(base + "\nmax_requests_per_second = 0", file: "t.toml")
            Issue.record("a budget of 0 was accepted")
        } catch {
            #expect(error.description == "t.toml: kaleyra.max_requests_per_second: 0.0 is out of range; expected 0.1 to 1,000")
        }
    }
}

/// The least a configuration needs: a [kaleyra] table.
let minimalKaleyraTOML = """
    [kaleyra]
    sid = "S"
    api_key = "k"
    phone_number_id = "1"
    payment_config_id = "c"
    """
