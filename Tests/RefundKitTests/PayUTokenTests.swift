import Clocks
import Foundation
import Testing
@testable import RefundKit
@testable import RefundModel
import RefundSimulator
import TestSupport

/// `[payu.oauth]` against the simulator's token endpoint: renewal before expiry and on 401, one
/// token request however many calls need it, rotation, the cache, and refusals.
///
/// The simulator runs on a test clock that only the test moves (`advanceClock(by:)`, or the clock
/// itself), and the services read their time from the simulator: token times are exact, whatever
/// the machine's load.
@Suite struct PayUTokenTests {
    private static func start(tokenLifetime: Int, clock: TestClock<Duration> = TestClock()) async throws -> Harness {
        try await Harness.start(tokenLifetime: tokenLifetime, clock: clock)
    }

    private static func temporaryFolder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("rw-tokens-\(UUID())").path
    }

    /// A service whose PayU calls use `[payu.oauth]`, timed by `now` (the simulator's clock unless
    /// a test wants a client whose clock disagrees). Its calls' deadlines are on the harness's test
    /// clock too: a hundred calls queued on a busy machine wait their turn, not a real deadline.
    private static func service(_ harness: Harness, cache: String?, now: (@Sendable () -> Date)? = nil) -> RefundService {
        let simulator = harness.simulator
        return RefundService(configuration: harness.oauthConfiguration, tokenCacheDirectory: cache, now: now ?? { simulator.now() },
                             clock: harness.clock)
    }

    private static func payuID(_ harness: Harness) throws -> String {
        try #require(harness.simulator.catalogue.samplePayUID)
    }

    /// The bearer tokens PayU refund status requests carried, in order.
    private static func bearers(_ harness: Harness) -> [String] {
        harness.simulator.receivedRequests().filter { $0.rawPath.contains("refunds") }.compactMap { $0.header("authorization") }
    }

    @Test func aHundredCallsAtExpiryCauseOneTokenRequest() async throws {
        let harness = try await Self.start(tokenLifetime: 60)
        let service = Self.service(harness, cache: Self.temporaryFolder())
        let payu = try #require(service.payu)
        let payuID = try Self.payuID(harness)
        _ = try await payu.refundStatus(payuID: payuID)
        #expect(harness.simulator.tokenRequestCount() == 1)

        harness.simulator.advanceClock(by: 60)
        let results = await Self.concurrentCalls(100, payu: payu, payuID: payuID)
        #expect(results.failures.isEmpty, "every call goes on with the new token; \(results.failures.count) failed: \(results.failures.first ?? "")")
        #expect(results.successes == 100)
        #expect(harness.simulator.tokenRequestCount() == 2, "one renewal for a hundred calls")
        #expect(Set(Self.bearers(harness).suffix(100)).count == 1, "all hundred carried the same, new, token")
        await service.shutdown()
        await harness.stop()
    }

    @Test func aHundredCallsRefusedWith401CauseOneTokenRequest() async throws {
        let harness = try await Self.start(tokenLifetime: 60)
        // A client whose clock stands still believes its token is good: PayU's 401 is what tells it.
        let frozen = harness.simulator.now()
        let service = Self.service(harness, cache: nil, now: { frozen })
        let payu = try #require(service.payu)
        let payuID = try Self.payuID(harness)
        _ = try await payu.refundStatus(payuID: payuID)
        harness.simulator.clearReceivedRequests()

        harness.simulator.advanceClock(by: 61)
        let results = await Self.concurrentCalls(100, payu: payu, payuID: payuID)
        #expect(results.failures.isEmpty, "\(results.failures.count) failed: \(results.failures.first ?? "")")
        #expect(harness.simulator.tokenRequestCount() == 2, "the 401s share one renewal")
        let bearers = Self.bearers(harness)
        #expect(bearers.count > 100 && bearers.count <= 200, "each call asked again at most once: \(bearers.count) requests")
        #expect(Set(bearers).count == 2, "the expired token, then one new one")
        await service.shutdown()
        await harness.stop()
    }

    private static func concurrentCalls(_ count: Int, payu: PayUClient, payuID: String) async -> (successes: Int, failures: [String]) {
        await withTaskGroup(of: String?.self) { group in
            for _ in 0..<count {
                group.addTask {
                    do throws(RefundWatchError) {
                        _ = try await payu.refundStatus(payuID: payuID)
                        return nil
                    } catch {
                        return error.message
                    }
                }
            }
            var successes = 0
            var failures: [String] = []
            for await failure in group {
                if let failure { failures.append(failure) } else { successes += 1 }
            }
            return (successes, failures)
        }
    }

    @Test func renewsAtNinetyPercentKeepsTheNewestRefreshTokenAndSharesTheCache() async throws {
        let harness = try await Self.start(tokenLifetime: 100)
        let cache = Self.temporaryFolder()
        let first = Self.service(harness, cache: cache)
        let payuID = try Self.payuID(harness)
        _ = try await first.payu!.refundStatus(payuID: payuID)
        harness.simulator.advanceClock(by: 85)
        _ = try await first.payu!.refundStatus(payuID: payuID)
        #expect(harness.simulator.tokenRequestCount() == 1, "85% of its life: kept")
        harness.simulator.advanceClock(by: 6)
        _ = try await first.payu!.refundStatus(payuID: payuID)
        #expect(harness.simulator.tokenRequestCount() == 2, "91%: renewed before it expires")

        // The cache: private, whole JSON, holding PayU's newest refresh token (the configured one
        // has been used, and the simulator, like a rotating server, refuses it now).
        let files = try FileManager.default.contentsOfDirectory(atPath: cache).filter { $0.hasSuffix(".json") }
        #expect(files.count == 1)
        let path = cache + "/" + files[0]
        let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        let stored = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        #expect((stored["refreshToken"] as? String)?.hasPrefix("sim-rt-2-") == true)
        #expect(!(String(data: try Data(contentsOf: URL(fileURLWithPath: path)), encoding: .utf8) ?? "").contains(TestSecrets.refreshToken))

        // Another process (another service on the same cache) adopts the token instead of asking.
        let second = Self.service(harness, cache: cache)
        _ = try await second.payu!.refundStatus(payuID: payuID)
        #expect(harness.simulator.tokenRequestCount() == 2)
        // Past that token's renewal point, the one that renews first stores the new chain; the
        // other adopts it, so rotation never leaves either with a used refresh token.
        harness.simulator.advanceClock(by: 95)
        _ = try await second.payu!.refundStatus(payuID: payuID)
        _ = try await first.payu!.refundStatus(payuID: payuID)
        #expect(harness.simulator.tokenRequestCount() == 3)
        for service in [first, second] { await service.shutdown() }
        await harness.stop()
    }

    @Test func twoProcessesAcrossThreeLifetimesRenewOncePerLifetime() async throws {
        // One time for the simulator and both services: 100 s tokens, and a clock the test moves
        // 7 s at a time through three lifetimes and more. At every step the two services, sharing
        // one cache as two processes would, call PayU at the same moment.
        let clock = TestClock<Duration>()
        let harness = try await Self.start(tokenLifetime: 100, clock: clock)
        let cache = Self.temporaryFolder()
        let services = [Self.service(harness, cache: cache), Self.service(harness, cache: cache)]
        let payuID = try Self.payuID(harness)
        var failures: [String] = []
        var renewedAt: [Int] = []
        for second in stride(from: 0, through: 357, by: 7) {
            let before = harness.simulator.tokenRequestCount()
            failures += await withTaskGroup(of: String?.self) { group in
                for service in services {
                    group.addTask {
                        do throws(RefundWatchError) {
                            _ = try await service.payu!.refundStatus(payuID: payuID)
                            return nil
                        } catch {
                            return "\(second) s: \(error.message)"
                        }
                    }
                }
                return await group.reduce(into: []) { if let failure = $1 { $0.append(failure) } }
            }
            let requested = harness.simulator.tokenRequestCount() - before
            if requested > 0 { renewedAt += Array(repeating: second, count: requested) }
            await clock.advance(by: .seconds(7))
        }
        #expect(failures.isEmpty, "\(failures.count) failed: \(failures.first ?? "")")
        // Each token is renewed at 90% of its life (90 s), at the first step there or past it,
        // by one of the two; the other adopts it from the cache.
        #expect(renewedAt == [0, 91, 182, 273], "one token request per lifetime")
        let used = Set(Self.bearers(harness))
        #expect(used.count == renewedAt.count, "every token requested was used: \(renewedAt.count) requests, \(used.count) tokens")
        #expect(Self.bearers(harness).count == 2 * 52, "one PayU call per service per step, none refused")
        for service in services { await service.shutdown() }
        await harness.stop()
    }

    @Test func aRevokedRefreshTokenSaysWhatToDoAndTheWhatsAppSideStillReports() async throws {
        let harness = try await Self.start(tokenLifetime: 60)
        let service = Self.service(harness, cache: Self.temporaryFolder())
        let order = harness.order(.multipleRefunds)
        let before = try await service.report(referenceID: order)
        #expect(before.transactions.allSatisfy { $0.payuError == nil })

        harness.simulator.revokeRefreshTokens()
        harness.simulator.advanceClock(by: 60)
        let after = try await service.report(referenceID: order)
        #expect(after.payment.referenceID == order)
        #expect(after.allRefunds.count == before.allRefunds.count, "WhatsApp's refunds are all there")
        let error = try #require(after.transactions.compactMap(\.payuError).first)
        #expect(error.message.contains("PayU refused to renew the access token (invalid_grant"))
        #expect(error.message.contains("Authorize refundwatch again"))
        #expect(error.message.contains("refundwatch payu token --renew"))
        #expect(TestSecrets.leaked(in: error.message) == [])
        // The refusal is remembered: the next order does not ask the token endpoint again.
        let requests = harness.simulator.tokenRequestCount()
        _ = try await service.report(referenceID: order)
        #expect(harness.simulator.tokenRequestCount() == requests)
        await service.shutdown()
        await harness.stop()
    }

    @Test func forcedRenewalAndStatusNeverHoldTheToken() async throws {
        let harness = try await Self.start(tokenLifetime: 7199)
        let service = Self.service(harness, cache: nil)
        let tokens = try #require(service.payu?.tokens)
        #expect(await tokens.status().token == nil)
        let renewed = try await tokens.renew()
        // created_at is a whole second of the simulator's clock, which stands still: all 7199 s.
        #expect(renewed.expiresAt.timeIntervalSince(renewed.obtainedAt) == 7199)
        let status = await tokens.status()
        #expect(status.token?.expiresAt == renewed.expiresAt)
        #expect(status.cacheFile == nil)
        #expect(TestSecrets.leaked(in: "\(renewed) \(String(reflecting: renewed)) \(status)") == [])
        await service.shutdown()
        await harness.stop()
    }
}

/// Reading PayU's token answers, without a server.
@Suite struct PayUTokenAnswerTests {
    private static let sent = Date(timeIntervalSince1970: 1_795_000_000)

    private static func read(_ body: String, status: Int = 200) throws(RefundWatchError) -> PayUTokenAnswer {
        try PayUTokenAnswer.read(TransportResponse(status: status, headers: [:], body: Data(body.utf8)), sentAt: sent, received: sent + 0.2)
    }

    @Test func expiryIsCreatedAtPlusLifetimeInSecondsOrMilliseconds() throws {
        let seconds = try Self.read(#"{"access_token":"a","token_type":"Bearer","expires_in":7199,"refresh_token":"r2","created_at":1795000000}"#)
        #expect(seconds.expiresAt == Self.sent + 7199)
        #expect(seconds.refreshToken == "r2")
        let milliseconds = try Self.read(#"{"access_token":"a","expires_in":"7199","created_at":1794999990000}"#)
        #expect(milliseconds.expiresAt == Self.sent + 7189)
        #expect(milliseconds.refreshToken == nil, "no refresh token in the answer: the old one is kept")
        let noCreatedAt = try Self.read(#"{"access_token":"a","expires_in":600}"#)
        #expect(noCreatedAt.expiresAt == Self.sent + 600)
    }

    @Test func aServerClockAheadOrFarBehindIsNotTrusted() throws {
        let ahead = try Self.read(#"{"access_token":"a","expires_in":600,"created_at":1795003600}"#)
        #expect(ahead.expiresAt == Self.sent + 600, "never later than sending plus the lifetime")
        let behind = try Self.read(#"{"access_token":"a","expires_in":600,"created_at":1794990000}"#)
        #expect(behind.expiresAt == Self.sent + 600, "a created_at that makes it expired on arrival is ignored")
    }

    @Test(arguments: [
        (#"{"error":"invalid_grant","error_description":"revoked"}"#, 400, "invalid_grant: revoked"),
        (#"{"error":"invalid_client"}"#, 401, "refused the client (invalid_client)"),
        (#"{"error":"temporarily_unavailable"}"#, 400, "(temporarily_unavailable)"),
        (#"{"access_token":"a"}"#, 200, "expires_in missing"),
        (#"{"expires_in":60}"#, 200, "access_token missing"),
        ("<html><title>502 Bad Gateway</title></html>", 200, "an HTML page (\"502 Bad Gateway\")"),
    ])
    func refusalsAndBrokenAnswersSayWhat(body: String, status: Int, mentions: String) {
        do {
            let answer = try Self.read(body, status: status)
            Issue.record("read a token from \(body): \(answer)")
        } catch {
            #expect(error.message.contains(mentions), "\(error.message)")
            #expect(error.service == .payu)
        }
    }

    @Test func formEncodingEscapesWhatATokenMayHold() {
        #expect(PayUTokenForm.encode([("grant_type", "refresh_token"), ("refresh_token", "a+b/c=d&e f")])
                == "grant_type=refresh_token&refresh_token=a%2Bb%2Fc%3Dd%26e%20f")
    }
}
