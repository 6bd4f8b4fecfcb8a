import Foundation
import RefundJobs
import RefundKit
import RefundStore
import Synchronization
import Testing
import WatchlistModel

/// Every answer `refundwatch listen` gives, the HTTP server aside: routes, a client's rate (on a
/// clock the test moves), each source's authentication, bodies that cannot be read, and a store
/// that fails. A refused push never reaches the sink.
@Suite struct PushReceiverTests {
    /// Keeps what it is given; fails when told to.
    final class Sink: PushSink {
        let kept = Mutex<[AcceptedPush]>([])
        let failing: Bool
        init(failing: Bool = false) { self.failing = failing }
        struct Down: Error {}
        func accept(_ push: AcceptedPush, body: Data) async throws -> PushOutcome {
            if failing { throw Down() }
            kept.withLock { $0.append(push) }
            return PushOutcome(asked: push.names.referenceIDs.count + push.names.payuIDs.count, untracked: 1, duplicate: false)
        }
        var pushes: [AcceptedPush] { kept.withLock { $0 } }
    }

    final class Clock: Sendable {
        let at = Mutex(Date(timeIntervalSince1970: 1_795_000_000))
        func advance(_ seconds: Double) { at.withLock { $0 = $0.addingTimeInterval(seconds) } }
        var now: @Sendable () -> Date { { self.at.withLock { $0 } } }
    }

    static let payment = Data(#"{"type":"payment","status":"captured","payment":{"reference_id":"ORD-20261130-0042"}}"#.utf8)

    func receiver(perAddress: Double = 50, clock: Clock = Clock()) throws -> PushReceiver {
        var settings = ListenSettings()
        settings.perAddress = perAddress
        settings.proxies = [try #require(AddressRange("127.0.0.1"))]
        var kaleyra = ListenSettings.Source()
        kaleyra.headerName = "X-Secret"
        kaleyra.headerSecret = Secret("s3cret")
        settings.sources["kaleyra"] = kaleyra
        var arn = ListenSettings.Source()
        arn.open = true
        settings.sources["payu-arn"] = arn
        return PushReceiver(settings: settings, accounts: ["default", "north"], now: clock.now)
    }

    func post(_ path: String, _ body: Data = payment, peer: String = "198.51.100.7", headers: [String: String] = ["x-secret": "s3cret"]) -> PushRequest {
        PushRequest(method: "POST", path: path, peer: peer, headers: headers, body: body)
    }

    func fields(_ response: PushResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
    }

    @Test func aGoodPushIsHandedOnAndSaidSo() async throws {
        let sink = Sink()
        let response = try await receiver().handle(post("/push/kaleyra"), sink: sink)
        #expect(response.status == 200)
        let body = try fields(response)
        #expect(body["accepted"] as? Bool == true && body["asked"] as? Int == 1 && body["untracked"] as? Int == 1 && body["duplicate"] as? Bool == false)
        let push = try #require(sink.pushes.first)
        #expect(push.source == .kaleyra && push.account == nil && push.names.referenceIDs == ["ORD-20261130-0042"])
        #expect(push.client == "198.51.100.7")
        #expect(push.bodyHash.count == 64 && push.bodyHash.allSatisfy(\.isHexDigit))
        // The route's account, written as configured whatever the case in the path.
        _ = try await receiver().handle(post("/push/kaleyra/NORTH"), sink: sink)
        #expect(sink.pushes.last?.account == "north")
    }

    @Test func routesMethodsAndTheHealthCheck() async throws {
        let receiver = try receiver()
        let sink = Sink()
        #expect(await receiver.handle(PushRequest(method: "GET", path: "/health", peer: "10.0.0.1", headers: [:], body: Data()), sink: sink).status == 200)
        let postHealth = await receiver.handle(post("/health"), sink: sink)
        #expect(postHealth.status == 405 && postHealth.headers["Allow"] == "GET, HEAD")
        #expect(await receiver.handle(post("/push/unknown"), sink: sink).status == 404)
        #expect(await receiver.handle(post("/push/payu-webhook"), sink: sink).status == 404, "a source [listen] does not turn on has no route")
        #expect(await receiver.handle(post("/push/kaleyra/a/b"), sink: sink).status == 404)
        #expect(await receiver.handle(post("/"), sink: sink).status == 404)
        let get = await receiver.handle(PushRequest(method: "GET", path: "/push/kaleyra", peer: "10.0.0.1", headers: [:], body: Data()), sink: sink)
        #expect(get.status == 405 && get.headers["Allow"] == "POST")
        let unknownAccount = await receiver.handle(post("/push/kaleyra/south"), sink: sink)
        #expect(try unknownAccount.status == 404 && (fields(unknownAccount)["error"] as? String) == "no account \"south\" is configured")
        #expect(sink.pushes.isEmpty)
    }

    @Test func aRefusedPushNeverReachesTheSink() async throws {
        let receiver = try receiver()
        let sink = Sink()
        let wrong = await receiver.handle(post("/push/kaleyra", headers: ["x-secret": "guess"]), sink: sink)
        #expect(try wrong.status == 401 && (fields(wrong)["error"] as? String) == "the header x-secret does not hold the secret")
        #expect(!wrong.body.contains("s3cret") && !wrong.body.contains("guess"))
        #expect(await receiver.handle(post("/push/kaleyra", headers: [:]), sink: sink).status == 401)
        let truncated = await receiver.handle(post("/push/kaleyra", Data(#"{"type":"payment","payment":{"refer"#.utf8)), sink: sink)
        #expect(truncated.status == 400)
        #expect(try (fields(truncated)["error"] as? String)?.hasPrefix("the body is not JSON") == true)
        let repeated = await receiver.handle(post("/push/payu-arn", Data("PayuID=1&PayuID=2".utf8), headers: [:]), sink: sink)
        #expect(repeated.status == 400)
        #expect(sink.pushes.isEmpty)
        // An open source takes a push without any header.
        let arn = await receiver.handle(post("/push/payu-arn", Data(#"{"T1":[{"PayuID":"27553369917"}]}"#.utf8), headers: [:]), sink: sink)
        #expect(arn.status == 200 && sink.pushes.count == 1)
    }

    @Test func aStoreThatFailsAsksTheSenderToPushAgain() async throws {
        let response = try await receiver().handle(post("/push/kaleyra"), sink: Sink(failing: true))
        #expect(response.status == 503 && response.headers["Retry-After"] == "5")
        #expect(try (fields(response)["error"] as? String) == "the push could not be kept; push again")
    }

    @Test func aFloodFromOneAddressIsAnswered429WhileOthersGoOn() async throws {
        let clock = Clock()
        let receiver = try receiver(perAddress: 5, clock: clock)
        let sink = Sink()
        var statuses: [Int] = []
        for _ in 0..<1_000 { statuses.append(await receiver.handle(post("/push/kaleyra", peer: "198.51.100.7"), sink: sink).status) }
        #expect(statuses.filter { $0 == 200 }.count == 5 && statuses.filter { $0 == 429 }.count == 995)
        let flooded = await receiver.handle(post("/push/kaleyra", peer: "198.51.100.7"), sink: sink)
        #expect(flooded.headers["Retry-After"] == "1")
        // Another client is answered throughout.
        #expect(await receiver.handle(post("/push/kaleyra", peer: "203.0.113.9"), sink: sink).status == 200)
        // Behind the proxy, each forwarded client has its own rate.
        #expect(await receiver.handle(post("/push/kaleyra", peer: "127.0.0.1", headers: ["x-secret": "s3cret", "x-forwarded-for": "203.0.113.10"]), sink: sink).status == 200)
        #expect(sink.pushes.last?.client == "203.0.113.10")
        // A second later the flooding client may push again, at its rate.
        clock.advance(1)
        #expect(await receiver.handle(post("/push/kaleyra", peer: "198.51.100.7"), sink: sink).status == 200)
        #expect(sink.pushes.count == 8)
    }
    /// Meta's GET verification of the webhook URL: answered the challenge, bare, only with the
    /// configured verify token; nothing reaches the sink; a source without a token has no GET.
    @Test func metasVerificationHandshakeIsAnsweredOnlyWithTheVerifyToken() async throws {
        var settings = ListenSettings()
        var meta = ListenSettings.Source()
        meta.metaAppSecret = Secret("app-secret")
        meta.metaVerifyToken = Secret("verify-TESTSECRET")
        settings.sources["kaleyra"] = meta
        var payu = ListenSettings.Source()
        payu.open = true
        settings.sources["payu-webhook"] = payu
        let receiver = PushReceiver(settings: settings, accounts: [])
        let sink = Sink()
        func get(_ path: String, _ query: String?) async -> PushResponse {
            await receiver.handle(PushRequest(method: "GET", path: path, query: query, peer: "198.51.100.7", headers: [:], body: Data()), sink: sink)
        }
        let good = await get("/push/kaleyra", "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=verify-TESTSECRET")
        #expect(good.status == 200 && good.body == "1158201444" && good.contentType == "text/plain", "\(good)")
        let wrong = await get("/push/kaleyra", "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess")
        #expect(wrong.status == 403 && !wrong.body.contains("verify-TESTSECRET") && !wrong.body.contains("1158201444"), "\(wrong)")
        #expect(await get("/push/kaleyra", "hub.challenge=1158201444&hub.verify_token=verify-TESTSECRET").status == 400)
        #expect(await get("/push/kaleyra", nil).status == 400)
        // A challenge that is not a short run of letters and digits is not echoed.
        let script = await get("/push/kaleyra", "hub.mode=subscribe&hub.challenge=%3Cscript%3E&hub.verify_token=verify-TESTSECRET")
        #expect(script.status == 400 && !script.body.contains("<script>"), "\(script)")
        let noToken = await get("/push/payu-webhook", "hub.mode=subscribe&hub.challenge=1&hub.verify_token=x")
        #expect(noToken.status == 405 && noToken.headers["Allow"] == "POST", "\(noToken)")
        let put = await receiver.handle(PushRequest(method: "PUT", path: "/push/kaleyra", peer: "198.51.100.7", headers: [:], body: Data()), sink: sink)
        #expect(put.status == 405 && put.headers["Allow"] == "GET, POST")
        #expect(sink.pushes.isEmpty)
    }
}

/// `StorePushSink` writes pushes that arrive together in one transaction (`PushBatcher`): many at
/// once each get their own outcome, a repeat is a duplicate, and every one is kept.
@Suite struct StorePushSinkTests {
    @Test func manyPushesAtOnceEachGetTheirOwnOutcome() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-sink-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try await SQLiteStore.open(at: folder + "/w.sqlite")
        let references = (0..<40).map { String(format: "ORD-20261130-%04d", $0) }
        _ = try await store.add(references.map { TrackedOrder(referenceID: $0, addedAt: Date()) })
        for row in try await store.watchlist() {
            _ = try await store.recordFailure(ReportedError(RefundWatchError.timeout(.kaleyra, seconds: 20)), at: Date(), orderID: row.order.id!)
        }
        var settings = ListenSettings()
        settings.sources["kaleyra"] = ListenSettings.Source()
        let sink = StorePushSink(store: store, settings: settings)
        // 40 pushes, one an order, and each of the first 10 sent twice.
        let sends = references.enumerated().map { ($0.offset, $0.element) } + references.prefix(10).enumerated().map { ($0.offset, $0.element) }
        let outcomes = try await withThrowingTaskGroup(of: (String, PushOutcome).self) { group in
            for (index, reference) in sends {
                group.addTask {
                    var names = PushNames()
                    names.add(reference, to: \.referenceIDs)
                    let push = AcceptedPush(source: .kaleyra, account: nil, names: names, bodyHash: "hash-\(index)", client: "127.0.0.1")
                    return (reference, try await sink.accept(push, body: Data(reference.utf8)))
                }
            }
            var all: [(String, PushOutcome)] = []
            for try await outcome in group { all.append(outcome) }
            return all
        }
        #expect(outcomes.count == 50)
        #expect(outcomes.filter { $0.1 == PushOutcome(asked: 1, untracked: 0, added: 0) }.count == 40, "\(outcomes)")
        #expect(outcomes.filter { $0.1 == PushOutcome(duplicate: true) }.count == 10, "\(outcomes)")
        #expect(try await store.watchlist().allSatisfy { $0.requestedAt != nil })
        #expect(try await store.waitingCount() == 40)
    }
}
