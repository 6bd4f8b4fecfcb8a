import Clocks
import Foundation
import Testing
@testable import RefundKit
@testable import RefundModel
import RefundSimulator
import TestSupport

/// Retries, Retry-After, timeouts and bodies that are not JSON, through the simulator's faults.
@Suite struct TransportTests {
    private func kaleyraRequests(_ harness: Harness) -> Int {
        harness.simulator.receivedRequests().filter { $0.rawPath.hasPrefix("/v1/") }.count
    }

    // Retries wait on a test clock that the test moves to the end of each back-off: the call's
    // deadline (10 s of that clock) is never near, however busy the machine.

    @Test func a503ThenA200Succeeds() async throws {
        let clock = WatchedClock()
        let harness = try await Harness.start(faults: try FaultSpec.parse("kaleyra:5xx=x1"), clock: clock)
        let id = harness.order(.capturedNoRefunds)
        let report = try await clock.driving(Task { try await harness.withService { try await $0.report(referenceID: id) } }, "the lookup")
        #expect(report.referenceID == id)
        #expect(kaleyraRequests(harness) == 2)
        await harness.stop()
    }

    @Test func four503sFailWithTheServerErrorType() async throws {
        let clock = WatchedClock()
        let harness = try await Harness.start(faults: try FaultSpec.parse("kaleyra:5xx=x4"), clock: clock)
        let error = try await clock.driving(Task { try await harness.lookupError(harness.order(.capturedNoRefunds)) }, "the lookup")
        #expect(kaleyraRequests(harness) == 4)
        // Back-off from 50 ms, doubling, each wait half fixed and half random (equal jitter).
        let arrivals = kaleyraArrivals(harness)
        let waits = zip(arrivals.dropFirst(), arrivals).map { $0 - $1 }
        #expect(waits.count == 3 && (25...50).contains(waits[0]) && (50...100).contains(waits[1]) && (100...200).contains(waits[2]), "\(waits) ms")
        await harness.stop()
        guard case .server(.kaleyra, let status, _) = error else {
            Issue.record("expected a Kaleyra server error, got \(String(describing: error))")
            return
        }
        #expect((500...599).contains(status))
        #expect(error?.category == .server)
    }

    /// When each Kaleyra request arrived, in milliseconds after the first, on the simulator's clock.
    private func kaleyraArrivals(_ harness: Harness) -> [Int] {
        let dates = harness.simulator.receivedRequests().filter { $0.rawPath.hasPrefix("/v1/") }.map(\.simulatedDate)
        return dates.map { Int(($0.timeIntervalSince(dates[0]) * 1000).rounded()) }
    }

    // The waits below are on a test clock that the simulator runs on too: the test moves time, so
    // when each request went is exact and no test waits in real time for a pause to pass.

    @Test func a429WaitsForRetryAfterThenSucceeds() async throws {
        let clock = WatchedClock()
        let harness = try await Harness.start(faults: try FaultSpec.parse("kaleyra:429=x1,retry-after=1"), clock: clock)
        let id = harness.order(.capturedNoRefunds)
        let lookup = Task { try await harness.withService { try await $0.report(referenceID: id) } }
        try await eventually("the client waits out Retry-After: 1") { clock.wakeTimes.contains(.seconds(1)) }
        await clock.advance(by: .milliseconds(999))
        #expect(kaleyraRequests(harness) == 1, "no retry before Retry-After: 1")
        await clock.advance(by: .milliseconds(1))
        let report = try await finished(lookup, "the retry succeeded", nudging: clock.testClock)
        await harness.stop()
        #expect(report.referenceID == id)
        #expect(kaleyraArrivals(harness) == [0, 1_000])
    }

    @Test func a429LongerThanTheDeadlineFailsAtOnceWithTheWait() async throws {
        // The clock never moves: a client that waited for the 120 s would never finish.
        let clock = TestClock<Duration>()
        let harness = try await Harness.start(faults: try FaultSpec.parse("kaleyra:429=1.0,retry-after=120"), requestTimeout: 5, clock: clock)
        let id = harness.order(.capturedNoRefunds)
        let error = try await finished(Task { try await harness.lookupError(id) }, "the lookup failed without waiting")
        await harness.stop()
        #expect(error == .rateLimited(.kaleyra, retryAfter: 120))
        #expect(error?.message.contains("try again in 2m.") == true)
        #expect(kaleyraRequests(harness) == 1, "not retried")
    }

    @Test func aHungResponseTimesOutAtTheConfiguredLimit() async throws {
        let clock = TestClock<Duration>()
        let harness = try await Harness.start(faults: try FaultSpec.parse("kaleyra:hang=1.0"), requestTimeout: 30, clock: clock)
        let id = harness.order(.capturedNoRefunds)
        let lookup = Task { try await harness.lookupError(id) }
        try await eventually("the request reached Kaleyra") { kaleyraRequests(harness) == 1 }
        // The limit passes on the test clock in no real time; the limit on the socket (30 s of
        // real time) is far off, so only the call's own deadline can end the wait in time.
        await clock.advance(by: .seconds(30))
        let error = try await finished(lookup, "the call gave up at its deadline", within: 20, nudging: clock)
        await harness.stop()
        #expect(error == .timeout(.kaleyra, seconds: 30))
        #expect(error?.category == .network)
        #expect(kaleyraRequests(harness) == 1, "a timeout has spent the deadline: no retry")
    }

    @Test func anHTMLGatewayPageIsSaidToBeHTML() async throws {
        let harness = try await Harness.start(faults: try FaultSpec.parse("kaleyra:html=1.0"), maxAttempts: 1)
        let error = try await harness.lookupError(harness.order(.capturedNoRefunds))
        await harness.stop()
        guard case .unreadableResponse(.kaleyra, 502, .html) = error else {
            Issue.record("expected an HTML 502, got \(String(describing: error))")
            return
        }
        #expect(error?.message.contains("HTML") == true)
        #expect(error?.message.contains("not the expected JSON") == false)
    }

    @Test func anEmptyBodyIsSaidToBeEmpty() async throws {
        let harness = try await Harness.start(faults: try FaultSpec.parse("kaleyra:empty=1.0"), maxAttempts: 1)
        let error = try await harness.lookupError(harness.order(.capturedNoRefunds))
        await harness.stop()
        #expect(error == .unreadableResponse(.kaleyra, status: 502, body: .empty))
        #expect(error?.message.contains("empty body") == true)
    }

    @Test func malformedJSONIsAServerProblem() async throws {
        let harness = try await Harness.start(faults: try FaultSpec.parse("kaleyra:malformed=1.0"))
        let error = try await harness.lookupError(harness.order(.capturedNoRefunds))
        await harness.stop()
        guard case .unreadableResponse(.kaleyra, 200, .malformedJSON) = error else {
            Issue.record("expected malformed JSON, got \(String(describing: error))")
            return
        }
        #expect(error?.category == .server)
    }

    @Test func retryAfterAcceptsSecondsAndHTTPDates() {
        let now = Date(timeIntervalSince1970: 1_784_000_000)
        #expect(RetryAfter.seconds("7", now: now) == 7)
        #expect(RetryAfter.seconds(" 0 ", now: now) == 0)
        let date = Date(timeIntervalSince1970: 1_784_000_030)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        #expect(RetryAfter.seconds(formatter.string(from: date), now: now) == 30)
        #expect(RetryAfter.seconds("soon", now: now) == nil)
        #expect(RetryAfter.seconds(nil, now: now) == nil)
    }
}
