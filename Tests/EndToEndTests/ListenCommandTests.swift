import Foundation
import Glibc
import Testing
import RefundKit
import RefundSimulator
import RefundStore
import WatchlistModel
import TestSupport

/// `refundwatch listen` through the binary, spoken to over raw sockets as the vendors' servers
/// (and a slow or hostile client) would: what each request is answered, and what the store holds
/// afterwards; then beside a poller on the same SQLite file, the push making the fetch.
@Suite struct ListenCommandTests {
    private typealias Workspace = StateWorkspace

    // MARK: The answers

    @Test func answersEachRequestAsThePushContractSaysAndKeepsOnlyWhatPassed() async throws {
        let space = try Workspace()
        let config = try ListenFixture.writeConfiguration()
        let tracked = try await CLIRunner.run(["track", "add", ListenFixture.order42, ListenFixture.order43, "--db", space.db, "--config", config],
                                              environment: ListenFixture.environment(space))
        #expect(tracked.status == 0, "\(tracked.stderr)")

        try await ListenFixture.withListener(space: space, config: config) { process, port in
            #expect(process.stderr.contains("refundwatch listen: listening on 127.0.0.1:\(port): /push/kaleyra, /push/payu-refund-status, /push/payu-webhook, /health\n"),
                    "\(process.stderr)")
            let store = try await SQLiteStore.open(at: space.db)
            let rows = try await store.watchlist()
            let id42 = try #require(rows.first { $0.order.referenceID == ListenFixture.order42 }?.order.id)
            let id43 = try #require(rows.first { $0.order.referenceID == ListenFixture.order43 }?.order.id)
            #expect(try await store.lastPushes().isEmpty)

            // A load balancer's check.
            let health = try await RawHTTP.send(port: port, "GET", "/health")
            #expect(health.status == 200 && health.json == ["status": "ok"], "\(health)")
            #expect(health.headers["content-type"] == "application/json")

            // Kaleyra's payment update for a tracked order: kept, and the order asked for.
            let good = try await RawHTTP.send(port: port, "POST", "/push/kaleyra", headers: ListenFixture.kaleyraHeaders, body: ListenFixture.kaleyraPayment42)
            #expect(good.status == 200, "\(good)")
            #expect(good.json == ["accepted": true, "asked": 1, "untracked": 0, "duplicate": false], "\(good)")
            let asked = try await #require(try store.watchedOrder(id: id42))
            #expect(asked.requestedAt != nil, "the push asked for the order it names")
            #expect(asked.fetchedAt == nil && asked.attempts == 0, "listen does not fetch: a poller does")
            #expect(try await store.watchedOrder(id: id43)?.requestedAt == nil, "the order the push did not name is not asked for")
            let pushes = try await store.lastPushes()
            #expect(Array(pushes.keys) == [.kaleyra], "\(pushes)")

            // The same body again (Kaleyra retries): kept once, nothing asked again.
            let again = try await RawHTTP.send(port: port, "POST", "/push/kaleyra", headers: ListenFixture.kaleyraHeaders, body: ListenFixture.kaleyraPayment42)
            #expect(again.status == 200 && again.json == ["accepted": true, "asked": 0, "untracked": 0, "duplicate": true], "\(again)")

            // Wrong or missing secret: 401, naming the header but never a value, and nothing kept.
            var wrongSecret = ListenFixture.kaleyraHeaders
            wrongSecret["X-Refundwatch-Secret"] = "not-the-secret"
            let refused = try await RawHTTP.send(port: port, "POST", "/push/kaleyra", headers: wrongSecret, body: ListenFixture.kaleyraPayment43)
            #expect(refused.status == 401 && refused.json == ["error": "the header x-refundwatch-secret does not hold the secret"], "\(refused)")
            let missing = try await RawHTTP.send(port: port, "POST", "/push/kaleyra", headers: ["Content-Type": "application/json"],
                                                 body: ListenFixture.kaleyraPayment43)
            #expect(missing.status == 401 && missing.json == ["error": "the header x-refundwatch-secret is missing"], "\(missing)")
            #expect(!(refused.body + missing.body).contains(ListenFixture.pushSecret) && !refused.body.contains("not-the-secret"))
            #expect(try await store.lastPushes() == pushes, "a refused push is not kept")
            #expect(try await store.watchedOrder(id: id43)?.requestedAt == nil, "a refused push asks for nothing")

            // Bodies that cannot be read: 400 with the reason.
            let truncated = try await RawHTTP.send(port: port, "POST", "/push/kaleyra", headers: ListenFixture.kaleyraHeaders,
                                                   body: String(ListenFixture.kaleyraPayment43.prefix(120)))
            #expect(truncated.status == 400, "\(truncated)")
            #expect((truncated.json?["error"] as? String)?.hasPrefix("the body is not JSON") == true, "\(truncated)")
            let repeated = try await RawHTTP.send(port: port, "POST", "/push/payu-webhook", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                                  body: "mihpayid=23907365951&status=success&mihpayid=27553369917&txnid=ORDER_0043_1764497802")
            #expect(repeated.status == 400 && repeated.json == ["error": "the form gives the key \"mihpayid\" more than once"], "\(repeated)")
            #expect(try await store.lastPushes() == pushes, "a push that cannot be read is not kept")
            #expect(try await store.watchedOrder(id: id43)?.requestedAt == nil)

            // PayU's refund status callback, with basic authentication; and its webhook form on the
            // open route. Neither names a tracked order's stored transaction yet: untracked.
            let payuRefused = try await RawHTTP.send(port: port, "POST", "/push/payu-refund-status",
                                                     headers: ["Content-Type": "application/json", "Authorization": ListenFixture.basic("payu", "wrong")],
                                                     body: ListenFixture.payuRefundStatus)
            #expect(payuRefused.status == 401 && payuRefused.json == ["error": "basic authentication failed"], "\(payuRefused)")
            let payuNoAuth = try await RawHTTP.send(port: port, "POST", "/push/payu-refund-status", headers: ["Content-Type": "application/json"],
                                                    body: ListenFixture.payuRefundStatus)
            #expect(payuNoAuth.status == 401 && payuNoAuth.json == ["error": "basic authentication is missing"], "\(payuNoAuth)")
            let payu = try await RawHTTP.send(port: port, "POST", "/push/payu-refund-status",
                                              headers: ["Content-Type": "application/json", "Authorization": ListenFixture.basic("payu", ListenFixture.payuPassword)],
                                              body: ListenFixture.payuRefundStatus)
            #expect(payu.status == 200 && payu.json == ["accepted": true, "asked": 0, "untracked": 1, "duplicate": false], "\(payu)")
            let webhook = try await RawHTTP.send(port: port, "POST", "/push/payu-webhook", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                                 body: ListenFixture.payuWebhookForm)
            #expect(webhook.status == 200 && webhook.json == ["accepted": true, "asked": 0, "untracked": 1, "duplicate": false], "\(webhook)")
            #expect(Set(try await store.lastPushes().keys) == [.kaleyra, .payuRefundStatus, .payuWebhook])

            // Routes: unknown, a source without a table, the wrong method.
            for (method, path) in [("GET", "/"), ("POST", "/push"), ("POST", "/push/payu-arn"), ("POST", "/push/nobody"), ("GET", "/healthz")] {
                let answer = try await RawHTTP.send(port: port, method, path, headers: ListenFixture.kaleyraHeaders, body: method == "POST" ? "{}" : "")
                #expect(answer.status == 404, "\(method) \(path): \(answer)")
                #expect(answer.json == ["error": "no such route; pushes go to /push/SOURCE for the sources [listen] turns on"], "\(method) \(path): \(answer)")
            }
            let getPush = try await RawHTTP.send(port: port, "GET", "/push/kaleyra")
            #expect(getPush.status == 405 && getPush.headers["allow"] == "POST" && getPush.json == ["error": "use POST"], "\(getPush)")
            let postHealth = try await RawHTTP.send(port: port, "POST", "/health", body: "{}")
            #expect(postHealth.status == 405 && postHealth.headers["allow"] == "GET, HEAD", "\(postHealth)")

            // Still only the order the good push named was asked for.
            #expect(try await store.watchedOrder(id: id42)?.requestedAt == asked.requestedAt)
            #expect(try await store.watchedOrder(id: id43)?.requestedAt == nil)

            process.signal(SIGTERM)
            let outcome = try await process.exit()
            #expect(outcome.termination == .exited(0), "it exited by itself on SIGTERM: \(outcome)")
            #expect(outcome.stderr.hasSuffix("refundwatch listen: stopped\n"), "\(outcome.stderr)")
        }
        #expect(space.log.contains("POST /push/kaleyra from 127.0.0.1: 401"), "refusals are logged")
        #expect(!space.log.contains(ListenFixture.pushSecret) && !space.log.contains(ListenFixture.payuPassword))
    }

    /// A body over `[listen] max_body` is answered 413 as soon as it passes the limit; the server
    /// does not wait for ten megabytes, and answers another connection meanwhile.
    @Test func aBodyOverMaxBodyIs413WhileAnotherConnectionIsAnswered() async throws {
        let space = try Workspace()
        let config = try ListenFixture.writeConfiguration()
        try await ListenFixture.withListener(space: space, config: config) { process, port in
            let total = 10 << 20
            let big = try RawConnection(port: port, timeout: 10)
            let head = RawHTTP.head("POST", "/push/kaleyra", headers: ListenFixture.kaleyraHeaders, contentLength: total, keepAlive: false)
            #expect(big.send(head), "the request's head was sent")
            let chunk = [UInt8](repeating: UInt8(ascii: " "), count: 64 << 10)
            // A megabyte, far past the limit, and the upload still open.
            let firstMegabyte = try await onThread { () -> Int in
                var sent = 0
                while sent < 1 << 20, !big.readable(within: 0), big.send(chunk) { sent += chunk.count }
                return sent
            }
            #expect(firstMegabyte > 4096, "more than max_body went out: \(firstMegabyte) bytes")
            let health = try await RawHTTP.send(port: port, "GET", "/health")
            #expect(health.status == 200 && health.json == ["status": "ok"], "another connection is answered during the upload: \(health)")
            // The rest, for as long as the server takes it; then its answer.
            let answer = try await onThread { () -> HTTPAnswer in
                var sent = firstMegabyte
                while sent < total, !big.readable(within: 0), big.send(chunk) { sent += chunk.count }
                return try big.readAnswer()
            }
            #expect(answer.status == 413, "\(answer)")
            #expect(answer.json == ["error": "the body is over 4096 bytes"], "\(answer)")
            let after = try await RawHTTP.send(port: port, "GET", "/health")
            #expect(after.status == 200, "\(after)")
            #expect(try await SQLiteStore.open(at: space.db).lastPushes().isEmpty, "nothing of it was kept")
            process.signal(SIGTERM)
            #expect(try await process.exit().termination == .exited(0))
        }
    }

    /// A thousand pushes at once from one address: the first `per_address` (20) and what the
    /// bucket refills meanwhile are taken, every other is 429 with Retry-After, and a health
    /// check is still answered; once the client waits, it may push again.
    @Test func aBurstFromOneAddressIsAnswered429WithRetryAfter() async throws {
        let space = try Workspace()
        let config = try ListenFixture.writeConfiguration()
        try await ListenFixture.withListener(space: space, config: config) { process, port in
            let request = RawHTTP.request("POST", "/push/kaleyra", headers: ListenFixture.kaleyraHeaders, body: ListenFixture.kaleyraPayment43, keepAlive: true)
            let started = ContinuousClock.now
            let answers = try await withThrowingTaskGroup(of: [HTTPAnswer].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await onThread {
                            var connection = try RawConnection(port: port, timeout: 30)
                            var answers: [HTTPAnswer] = []
                            for _ in 0..<250 {
                                if let answer = try? connection.exchange(request) {
                                    answers.append(answer)
                                } else {
                                    // The server closed a kept-alive connection: once more on a new one.
                                    connection = try RawConnection(port: port, timeout: 30)
                                    answers.append(try connection.exchange(request))
                                }
                            }
                            return answers
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let elapsed = (ContinuousClock.now - started) / .seconds(1)
            #expect(answers.count == 1000)
            let accepted = answers.filter { $0.status == 200 }
            let limited = answers.filter { $0.status == 429 }
            #expect(accepted.count + limited.count == 1000, "only 200 and 429: \(Set(answers.map(\.status)))")
            // The bucket holds 20 and refills at 20 a second.
            #expect(accepted.count >= 20, "the first 20 are taken: \(accepted.count)")
            #expect(Double(accepted.count) <= 20 + 20 * elapsed + 1, "\(accepted.count) taken in \(elapsed) s")
            #expect(limited.count > 0)
            #expect(limited.allSatisfy { $0.headers["retry-after"] == "1" }, "\(Set(limited.map { $0.headers["retry-after"] ?? "none" }))")
            #expect(limited.allSatisfy { $0.json == ["error": "too many pushes from 127.0.0.1; slow down"] }, "\(limited.first.map(\.body) ?? "")")
            #expect(accepted.filter { $0.json?["duplicate"] as? Bool == false }.count == 1, "the same body kept once")

            let health = try await RawHTTP.send(port: port, "GET", "/health")
            #expect(health.status == 200 && health.json == ["status": "ok"], "the health check is never limited: \(health)")
            // After Retry-After the client is taken again.
            try await waitUntil("a push taken again after the client waited", timeout: .seconds(20), every: .milliseconds(500)) {
                try await RawHTTP.send(port: port, "POST", "/push/kaleyra", headers: ListenFixture.kaleyraHeaders, body: ListenFixture.kaleyraPayment43).status == 200
            }
            process.signal(SIGTERM)
            #expect(try await process.exit().termination == .exited(0))
        }
    }

    /// A client that sends its body a byte a second is cut off with 408 after `read_timeout`
    /// (4 s here, so that the other client has time on a busy machine), long before its body
    /// would arrive; another client's push is answered meanwhile.
    @Test func aSlowClientIsAnswered408AfterReadTimeoutWhileAnotherIsAnswered() async throws {
        let space = try Workspace()
        let config = try ListenFixture.writeConfiguration(listen: ListenFixture.listenTables(readTimeout: "4s"))
        try await ListenFixture.withListener(space: space, config: config) { process, port in
            let body = Array(ListenFixture.kaleyraPayment42.utf8)
            let slow = try RawConnection(port: port, timeout: 10)
            #expect(slow.send(RawHTTP.head("POST", "/push/kaleyra", headers: ListenFixture.kaleyraHeaders, contentLength: body.count, keepAlive: false)))
            let started = ContinuousClock.now
            async let slowAnswer = onThread { () -> (answer: HTTPAnswer?, at: ContinuousClock.Instant, bytes: Int) in
                // A byte a second, at most 30 of the body's hundreds: the answer must come first.
                for (index, byte) in body.prefix(30).enumerated() {
                    guard slow.send([byte]) else { break }
                    if slow.readable(within: 1) { return (try? slow.readAnswer(), ContinuousClock.now, index + 1) }
                }
                return (nil, ContinuousClock.now, 30)
            }
            // Meanwhile another client pushes, and is answered at once.
            let other = try await RawHTTP.send(port: port, "POST", "/push/kaleyra", headers: ListenFixture.kaleyraHeaders, body: ListenFixture.kaleyraPayment43)
            let otherAt = ContinuousClock.now
            // It names an untracked order by its reference id and its PayU payment id: two names untracked.
            #expect(other.status == 200 && other.json == ["accepted": true, "asked": 0, "untracked": 2, "duplicate": false], "\(other)")
            let health = try await RawHTTP.send(port: port, "GET", "/health")
            #expect(health.status == 200)

            let (answer, at, bytes) = try await slowAnswer
            let answered = try #require(answer, "the slow client was answered before its 30th byte (it sent \(bytes)); stderr: \(process.stderr)")
            #expect(answered.status == 408, "\(answered)")
            #expect(answered.json == ["error": "the request took more than 4s to arrive"], "\(answered)")
            let waited = (at - started) / .seconds(1)
            #expect(waited >= 3.9 && waited < 15, "answered after the 4 s read_timeout, not at the body's end: \(waited) s, \(bytes) bytes sent")
            #expect(otherAt < at, "the other client was answered while the slow one was still sending")
            let pushes = try await SQLiteStore.open(at: space.db).lastPushes()
            #expect(Array(pushes.keys) == [.kaleyra], "only the other client's push was kept: \(pushes)")
            process.signal(SIGTERM)
            #expect(try await process.exit().termination == .exited(0))
        }
    }

    // MARK: Configuration

    @Test func withoutAListenSourceTableItExits3NamingTheFile() async throws {
        let space = try Workspace()
        for listen in ["", "[listen]\nport = 8099\n", "[listen]\nport = 8099\n[listen.kaleyra]\nenabled = false\n"] {
            let config = try ListenFixture.writeConfiguration(listen: listen)
            let run = try await CLIRunner.run(["listen", "--port", "0", "--db", space.db, "--config", config], environment: ListenFixture.environment(space),
                                              timeout: 30)
            #expect(run.status == 3, "\(listen.debugDescription): \(run)")
            #expect(run.stderr.contains("refundwatch: \(config) has no [listen.SOURCE] table: add one for each source that pushes"),
                    "\(listen.debugDescription): \(run.stderr)")
            #expect(!run.stderr.contains("listening on"))
        }
    }

    // MARK: Beside a poller

    /// A poller and `listen` on one SQLite file, an hour between scheduled fetches: a Kaleyra
    /// payment update naming one order makes the poller fetch that order within seconds, and its
    /// history says the push asked; the other order is not fetched again.
    @Test func theDemoIsRefusedWithWhatToDoInstead() async throws {
        let space = try Workspace()
        let run = try await CLIRunner.run(["listen", "--demo"], environment: space.environment, timeout: 30)
        #expect(run.status == 2, "\(run)")
        #expect(run.stderr.contains("--demo: the demo's dashboard keeps its watchlist in memory") && run.stderr.contains("refundwatch --demo --push") && run.stderr.contains("refundwatch simulate --webhook"), "\(run.stderr)")
    }

    @Test func aPushMakesThePollerFetchTheOrderItNamesAndNoOther() async throws {
        try await withSimulator { harness in
            let space = try Workspace()
            let config = try writeConfiguration(harness, refreshInterval: 3600)
            try ListenFixture.append(ListenFixture.listenTables, to: config)
            let moving = harness.order(.refundInProgress)
            let still = harness.order(.settled)
            let environment = ListenFixture.environment(space)
            let common = ["--db", space.db, "--config", config]
            #expect(try await CLIRunner.run(["track", "add", moving, still] + common, environment: environment).status == 0)
            let store = try await SQLiteStore.open(at: space.db)
            let ids = try await store.watchlist().reduce(into: [String: Int64]()) { $0[$1.order.referenceID] = $1.order.id }
            let movingID = try #require(ids[moving])
            let stillID = try #require(ids[still])
            func lookups(of reference: String) -> Int {
                harness.simulator.receivedRequests().filter { $0.rawPath.contains("/payments/") && $0.pathSegments.last == reference }.count
            }

            try await CLIRunner.withProcess(["poll"] + common, environment: environment) { poller in
                try await waitUntil("both orders stored by the poller", timeout: .seconds(60)) {
                    try await store.watchlist().allSatisfy { $0.fetchedAt != nil }
                }
                let movingBefore = try await #require(try store.watchedOrder(id: movingID))
                let stillBefore = try await #require(try store.watchedOrder(id: stillID))
                #expect(movingBefore.requestedAt == nil && movingBefore.failure == nil && stillBefore.failure == nil)
                #expect(lookups(of: moving) == 1 && lookups(of: still) == 1)
                // The refund moves (pending → success at +2m on the simulator's clock); the schedule
                // would see it only in an hour.
                harness.simulator.advanceClock(by: 180)

                // listen fetches too, but leaves the orders to the poller that beats here.
                try await ListenFixture.withListener(space: space, config: config, fetching: true) { listener, port in
                    let pushed = try await RawHTTP.send(port: port, "POST", "/push/kaleyra", headers: ListenFixture.kaleyraHeaders,
                                                        body: ListenFixture.kaleyraPayment(reference: moving))
                    #expect(pushed.status == 200 && pushed.json == ["accepted": true, "asked": 1, "untracked": 0, "duplicate": false], "\(pushed)")
                    let fetched = try await waitFor("the pushed order fetched again", timeout: .seconds(20),
                                                    read: { try await store.watchedOrder(id: movingID) },
                                                    until: { ($0?.attempts ?? 0) > movingBefore.attempts })
                    let after = try #require(fetched)
                    #expect(after.fetchedAt.map { $0 > movingBefore.fetchedAt! } == true, "a good fetch, newer: \(after)")
                    #expect(after.failure == nil)
                    #expect(after.requestedAt == nil, "the fetch answered the push's request")
                    let history = try await store.history(orderID: movingID)
                    let pushedRows = history.filter { $0.change.field == .pushed }
                    #expect(pushedRows.count == 1 && pushedRows.first?.change.new == "kaleyra", "\(history.map(\.change))")
                    #expect(history.contains { $0.change.field != .pushed && $0.seenAt == pushedRows.first?.seenAt }, "the push's row beside what changed")

                    // The other order: not asked, not fetched.
                    let stillAfter = try await #require(try store.watchedOrder(id: stillID))
                    #expect(stillAfter.attempts == stillBefore.attempts && stillAfter.fetchedAt == stillBefore.fetchedAt && stillAfter.requestedAt == nil)
                    #expect(lookups(of: moving) == 2 && lookups(of: still) == 1, "one lookup more, of the pushed order only")
                    #expect(!(try await store.history(orderID: stillID)).contains { $0.change.field == .pushed })

                    listener.signal(SIGTERM)
                    let listened = try await listener.exit()
                    #expect(listened.termination == .exited(0) && listened.stderr.hasSuffix("refundwatch listen: stopped\n"), "\(listened)")
                }
                poller.signal(SIGTERM)
                #expect(try await poller.exit().termination == .exited(0), "\(poller.stderr)")
            }
            #expect(TestSecrets.leaked(in: space.log) == [])
        }
    }

    /// `simulate --webhook`'s pushes, as the simulator sends them when its orders move, to
    /// `listen` with the configuration the simulator prints: each source's shape is taken (only
    /// the hostile-text orders, whose ids carry escapes, are refused), and each asks for the order
    /// it names; PayU's, which name PayU's ids only, through the orders' stored transactions.
    @Test func theSimulatorsPushesAreTakenWhenItsOrdersMove() async throws {
        let space = try Workspace()
        let reservation = LoopbackPortReservation()
        let port = reservation.port
        var options = SimulatorOptions()
        options.push = PushTarget(baseURL: "http://127.0.0.1:\(port)")
        let simulator = try await RunningSimulator.start(options)
        let config = try ListenFixture.privateFile(simulator.demoConfigurationTOML())
        let common = ["--db", space.db, "--config", config]
        let environment = ListenFixture.environment(space)
        let ids = simulator.catalogue.orders.map(\.referenceID)
        #expect(try await CLIRunner.run(["track", "add"] + ids + common, environment: environment).status == 0)
        // Each order fetched once, so that the store knows its PayU transactions.
        _ = try await CLIRunner.run(["track", "refresh"] + common, environment: environment)
        reservation.release()
        try await ListenFixture.withListener(space: space, config: config, port: port, fetching: true) { listener, _ in
            // A simulated day passes at once: every change in it is pushed.
            simulator.advanceClock(by: 86_400)
            var seen = -1
            let sent = try await waitFor("the day's pushes answered (done when a second passes without one)", timeout: .seconds(60), every: .seconds(1),
                                         describe: { "\($0.count) sent" }, read: { simulator.sentPushes() },
                                         until: { pushes in
                                             defer { seen = pushes.count }
                                             return pushes.count >= 20 && pushes.count == seen
                                         })
            await simulator.stop()
            let hostile = Set(simulator.catalogue.orders(in: .hostileText).map(\.referenceID))
            #expect(Set(sent.map(\.source)) == ["kaleyra", "payu-refund-status", "payu-webhook", "payu-arn"], "\(sent.map(\.source))")
            let refused = sent.filter { $0.status != 200 && $0.status != nil }
            #expect(refused.allSatisfy { hostile.contains($0.referenceID) && $0.status == 400 }, "\(refused)")
            let unanswered = sent.filter { $0.status == nil }
            #expect(unanswered.count <= 1, "answered, after retries: \(unanswered)")
            #expect(sent.contains { $0.status == 200 && $0.referenceID == simulator.catalogue.orders(in: .refundInProgress)[0].referenceID })
            let store = try await SQLiteStore.open(at: space.db)
            let last = try await store.lastPushes()
            #expect(Set(last.keys) == Set(PushSource.allCases), "\(last)")
            // No poller runs: listen fetches each order a push named itself, and only those.
            // (A push whose answer was lost, under load, may have been taken: it may be fetched too.)
            let pushed = Set(sent.filter { $0.status == 200 }.map(\.referenceID))
            let tried = Set(sent.filter { $0.status == 200 || $0.status == nil }.map(\.referenceID))
            let rows = try await waitFor("listen's own fetches of the pushed orders", timeout: .seconds(60),
                                         describe: { rows in "fetched again: \(rows.filter { $0.attempts > 1 }.map(\.order.referenceID).sorted()); pushed: \(pushed.sorted())" },
                                         read: { try await store.watchlist() },
                                         until: { Self.fetchedAsPushed($0, pushed: pushed, tried: tried) })
            for row in rows where pushed.contains(row.order.referenceID) {
                let history = try await store.history(orderID: try #require(row.order.id))
                // Each push told of a change since the fetch above: the fetch it made found it.
                #expect(history.contains { $0.change.field == .pushed }, "\(row.order.referenceID): \(history.map(\.change))")
            }
            listener.signal(SIGTERM)
            let listened = try await listener.exit()
            #expect(listened.termination == .exited(0))
            #expect(listened.stderr.contains("refundwatch listen: no poller runs on this store: listen fetches the orders pushes ask for itself\n"), "\(listened.stderr)")
            #expect(listened.stderr.contains("refundwatch listen: fetched what pushes asked for: fetched "), "\(listened.stderr)")
        }
        #expect(TestSecrets.leaked(in: space.log) == [])
    }
}

extension ListenCommandTests {
    /// Each order a push was taken for fetched again, none asked for still, and no order fetched
    /// again that no push was sent for.
    static func fetchedAsPushed(_ rows: [WatchedOrder], pushed: Set<String>, tried: Set<String>) -> Bool {
        rows.allSatisfy { row in
            let again = row.attempts > 1
            return row.requestedAt == nil && (pushed.contains(row.order.referenceID) ? again : (!again || tried.contains(row.order.referenceID)))
        }
    }
}
