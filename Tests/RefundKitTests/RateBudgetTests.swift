import Foundation
import Testing
@testable import RefundKit
@testable import RefundModel
import RefundSimulator
import TestSupport

/// The process's request budget: paced requests, and a pause for every request to an API that
/// throttled one.
@Suite struct RateBudgetTests {
    @Test func requestsWithinTheAccountsBudgetAreNeverRefused() async throws {
        let harness = try await Harness.start(rateLimits: try RateLimitSpec.parse("kaleyra=20/s"))
        var configuration = harness.configuration
        configuration.payu = nil
        // A budget a little under the account's limit, as docs/configuration.md advises: the account's clock
        // and ours, and the network between, never line up exactly.
        configuration.http.requestsPerSecond = [.kaleyra: 18]
        let service = RefundService(configuration: configuration)
        let ids = harness.simulator.catalogue.orders.map(\.referenceID)
        let started = ContinuousClock.now
        // 80 lookups at once, from many tasks: the budget spaces them whoever sends them.
        let failures = await withTaskGroup(of: String?.self) { group in
            for index in 0..<80 {
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
        let elapsed = ContinuousClock.now - started
        #expect(failures.isEmpty, "\(failures.count) failed: \(failures.first ?? "")")
        #expect(harness.simulator.overBudgetRequests(.kaleyra).isEmpty, "paced at the budget, none was over it")
        // 80 requests 1/18 s apart cannot take less than 79/18 s.
        #expect(elapsed >= .milliseconds(4_350), "took \(elapsed)")
        #expect(await service.budgetState(.kaleyra)?.throttles == 0)
        await service.shutdown()
        await harness.stop()
    }

    @Test func oneThrottledAnswerPausesEveryRequestAndHalvesThePace() async {
        let gate = RateGate(service: .kaleyra, requestsPerSecond: 40)
        #expect(await gate.pausedUntilDate == nil)
        let before = Date()
        #expect(await gate.throttled(retryAfter: 2) == 2)
        let until = try? #require(await gate.pausedUntilDate)
        #expect(until.map { $0.timeIntervalSince(before) } ?? 0 >= 1.9)
        #expect(await gate.currentRate == 20)
        // Answers to requests already in flight belong to the same episode.
        let again = await gate.throttled(retryAfter: 1)
        #expect(again > 1.5 && again <= 2)
        #expect(await gate.currentRate == 20)
        #expect(await gate.throttles == 2)
    }

    @Test func withoutRetryAfterThePauseGrowsAndThePaceHasAFloor() async {
        let gate = RateGate(service: .payu, requestsPerSecond: 8)
        var pauses: [Double] = []
        var rates: [Double] = []
        for _ in 0..<5 {
            pauses.append(await gate.throttled(retryAfter: 0.001))
            // A new episode each time: the previous pause has ended.
            try? await Task.sleep(for: .milliseconds(5))
            rates.append(await gate.currentRate)
        }
        #expect(rates == [4, 2, 1, 1, 1], "halved each time, never below an eighth")
        let backoff = RateGate(service: .payu, requestsPerSecond: 8)
        #expect(await backoff.throttled(retryAfter: nil) == 1)
        #expect(await backoff.pausedUntilDate != nil)
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
