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

    @Test func a503ThenA200Succeeds() async throws {
        let harness = try await Harness.start(faults: try FaultSpec.parse("kaleyra:5xx=x1"))
        let id = harness.order(.capturedNoRefunds)
        let report = try await harness.withService { try await $0.report(referenceID: id) }
        #expect(report.referenceID == id)
        #expect(kaleyraRequests(harness) == 2)
        await harness.stop()
    }

    @Test func four503sFailWithTheServerErrorType() async throws {
        let harness = try await Harness.start(faults: try FaultSpec.parse("kaleyra:5xx=x4"))
        let error = try await harness.lookupError(harness.order(.capturedNoRefunds))
        #expect(kaleyraRequests(harness) == 4)
        await harness.stop()
        guard case .server(.kaleyra, let status, _) = error else {
            Issue.record("expected a Kaleyra server error, got \(String(describing: error))")
            return
        }
        #expect((500...599).contains(status))
        #expect(error?.category == .server)
    }

    @Test func a429WaitsForRetryAfterThenSucceeds() async throws {
        let harness = try await Harness.start(faults: try FaultSpec.parse("kaleyra:429=x1,retry-after=1"))
        let id = harness.order(.capturedNoRefunds)
        let clock = ContinuousClock()
        let started = clock.now
        let report = try await harness.withService { try await $0.report(referenceID: id) }
        let waited = clock.now - started
        await harness.stop()
        #expect(report.referenceID == id)
        #expect(waited >= .milliseconds(950), "the retry came after \(waited), before Retry-After: 1")
    }

    @Test func a429LongerThanTheDeadlineFailsAtOnceWithTheWait() async throws {
        let harness = try await Harness.start(faults: try FaultSpec.parse("kaleyra:429=1.0,retry-after=120"), requestTimeout: 5)
        let clock = ContinuousClock()
        let started = clock.now
        let error = try await harness.lookupError(harness.order(.capturedNoRefunds))
        let elapsed = clock.now - started
        await harness.stop()
        #expect(error == .rateLimited(.kaleyra, retryAfter: 120))
        #expect(error?.message.contains("try again in 2m.") == true)
        #expect(elapsed < .seconds(5))
    }

    @Test func aHungResponseTimesOutWithinTheConfiguredLimit() async throws {
        let harness = try await Harness.start(faults: try FaultSpec.parse("kaleyra:hang=1.0"), requestTimeout: 1.5)
        let clock = ContinuousClock()
        let started = clock.now
        let error = try await harness.lookupError(harness.order(.capturedNoRefunds))
        let elapsed = clock.now - started
        await harness.stop()
        #expect(error == .timeout(.kaleyra, seconds: 1.5))
        #expect(error?.category == .network)
        // The limit, plus scheduling slack on a busy machine; never the 10 s+ of an unbounded wait.
        #expect(elapsed < .seconds(4), "took \(elapsed)")
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
