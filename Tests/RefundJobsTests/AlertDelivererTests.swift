import Foundation
import RefundJobs
import RefundKit
import RefundStore
import Synchronization
import Testing
import TestReports
import WatchlistModel

/// A transport that records what it was given and fails as told.
final class FakeAlertTransport: AlertTransport {
    struct Sent: Sendable, Equatable {
        var target: String
        var id: String
        var body: String
    }

    private let state = Mutex<(sent: [Sent], failCommand: Bool, failWebhook: Bool)>(([], false, false))

    var sent: [Sent] { state.withLock { $0.sent } }
    func fail(command: Bool = false, webhook: Bool = false) { state.withLock { $0.failCommand = command; $0.failWebhook = webhook } }

    func run(_ command: [String], input: Data, timeout: Double) async throws {
        let body = String(decoding: input, as: UTF8.self)
        let id = (try? JSONSerialization.jsonObject(with: input) as? [String: Any])?["id"] as? String ?? ""
        try state.withLock { state in
            if state.failCommand { throw DeliveryFailure("exited with status 1") }
            state.sent.append(Sent(target: "command", id: id, body: body))
        }
    }

    func post(_ url: String, body: Data, headers: [(String, String)], timeout: Double) async throws {
        let id = headers.first { $0.0 == "X-Refundwatch-Delivery" }?.1 ?? ""
        try state.withLock { state in
            if state.failWebhook { throw DeliveryFailure("the receiver answered 503") }
            state.sent.append(Sent(target: "webhook", id: id, body: String(decoding: body, as: UTF8.self)))
        }
    }
}

@Suite struct AlertDelivererTests {
    typealias B = ReportBuilder
    let t0 = ReportBuilder.created

    /// A file store with `count` orders whose refunds failed, their alerts raised.
    func storeWithAlerts(_ folder: String, count: Int) async throws -> SQLiteStore {
        let store = try await SQLiteStore.open(at: folder + "/w.sqlite")
        let ids = try await store.add((1...count).map { TrackedOrder(referenceID: "ORD-\($0)", addedAt: t0) }).added.compactMap(\.id)
        for id in ids {
            let report = B.order([B.transaction("t", refunds: [B.refund("r\(id)", status: .failed, created: t0)])], fetchedAt: t0)
            _ = try await store.syncAlerts(orderID: id, judged: AlertRule.fromReport,
                                           active: AlertDraft.conditions(for: report, orderID: id, rules: DeadlineRules(), thresholds: AlertThresholds(), now: t0), at: t0)
        }
        return store
    }

    func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rw-deliver-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func eachEventGoesToEveryTargetOnceSignedAndRetriedWithBackOff() async throws {
        let path = try folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try await storeWithAlerts(path, count: 3)
        let transport = FakeAlertTransport()
        let now = Mutex(t0)
        let targets = AlertDelivery(command: ["/usr/local/bin/notify-desk"], webhookURL: "http://127.0.0.1:9/hook", webhookSecret: Secret("s3cret"))
        let deliverer = AlertDeliverer(store: store, targets: targets, owner: "p1", transport: transport, now: { now.withLock { $0 } })

        // The webhook is down: the command gets each alert, the webhook none, and nothing is retried early.
        transport.fail(webhook: true)
        #expect(try await deliverer.deliverDue() == AlertDeliverer.Round(claimed: 3, delivered: 0, failed: 3))
        #expect(transport.sent.map(\.target) == ["command", "command", "command"])
        #expect(try await deliverer.deliverDue().claimed == 0, "not due again before the back-off")
        // Back, 5 seconds later: the webhook gets each once; the command is not run again.
        transport.fail()
        now.withLock { $0 = t0 + 5 }
        #expect(try await deliverer.deliverDue() == AlertDeliverer.Round(claimed: 3, delivered: 3, failed: 0))
        #expect(transport.sent.filter { $0.target == "webhook" }.count == 3 && transport.sent.filter { $0.target == "command" }.count == 3)
        #expect(try await store.pendingDeliveries() == 0)
        now.withLock { $0 = t0 + 600 }
        #expect(try await deliverer.deliverDue().claimed == 0, "delivered is done")

        // The body: a stable id, the event, a text for chat, the alert's exact values.
        let sent = try #require(transport.sent.first { $0.target == "webhook" })
        let body = try #require(try JSONSerialization.jsonObject(with: Data(sent.body.utf8)) as? [String: Any])
        #expect(body["id"] as? String == sent.id && sent.id.hasPrefix("refundwatch:alert:") && sent.id.hasSuffix(":raised"))
        #expect(body["event"] as? String == "raised")
        #expect((body["text"] as? String)?.hasPrefix("refundwatch ⚠ refund failed: ORD-") == true)
        #expect((body["alert"] as? [String: Any])?["rule"] as? String == "refund_failed")
        // The signature is the HMAC-SHA256 of the body with the secret.
        let headers = AlertDeliverer.headers(Data(sent.body.utf8), secret: Secret("s3cret"), id: sent.id)
        #expect(headers.contains { $0.0 == "X-Refundwatch-Signature" && $0.1 == "sha256=" + AlertDeliverer.signature(Data(sent.body.utf8), secret: "s3cret") })
        #expect(AlertDeliverer.signature(Data("hello".utf8), secret: "key") == "9307b3b915efb5171ff14d8cb55fbcc798c6c0ef1456d66ded1a6aa723a58b7b")
    }

    @Test func backOffDoublesFromRetryAfterUpToFiveMinutes() {
        #expect((1...9).map { AlertDeliverer.backoff(afterAttempts: $0, retryAfter: 5) } == [5, 10, 20, 40, 80, 160, 300, 300, 300])
        #expect(AlertDeliverer.backoff(afterAttempts: 2, retryAfter: 1) == 2)
    }

    /// Two pollers (two handles on one file) delivering at once: each event exactly once; one that
    /// died holding a lease has its items taken by the other after the lease.
    @Test func twoPollersDeliverEachEventOnceAndALeaseOutlivesItsPoller() async throws {
        let path = try folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try await storeWithAlerts(path, count: 40)
        let second = try await SQLiteStore.open(at: path + "/w.sqlite")
        let transport = FakeAlertTransport()
        let targets = AlertDelivery(webhookURL: "http://127.0.0.1:9/hook")
        // A poller that claimed 10 and died: its lease (60 s) keeps them from the others until it ends.
        #expect(try await first.claimDeliveries(owner: "dead", limit: 10, lease: 60, at: t0).count == 10)
        let a = AlertDeliverer(store: first, targets: targets, owner: "a", transport: transport, batch: 7, now: { self.t0 })
        let b = AlertDeliverer(store: second, targets: targets, owner: "b", transport: transport, batch: 7, now: { self.t0 })
        async let roundsA: Void = { for _ in 0..<6 { _ = try await a.deliverDue() } }()
        async let roundsB: Void = { for _ in 0..<6 { _ = try await b.deliverDue() } }()
        _ = try await (roundsA, roundsB)
        #expect(transport.sent.count == 30)
        #expect(try await first.pendingDeliveries() == 10)
        let late = AlertDeliverer(store: second, targets: targets, owner: "b", transport: transport, now: { self.t0 + 61 })
        #expect(try await late.deliverDue().delivered == 10)
        #expect(transport.sent.count == 40 && Set(transport.sent.map(\.id)).count == 40, "each event once")
    }

    /// A refund id with an OSC 52 write and a bell in it: the command's stdin and the webhook's body
    /// hold them only as JSON escapes, the display text not at all, and the header stays valid.
    @Test func hostileTextReachesTheTargetsOnlyAsData() async throws {
        let path = try folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try await SQLiteStore.open(at: path + "/w.sqlite")
        let id = try #require(try await store.add([TrackedOrder(referenceID: "ORD-1", addedAt: t0)]).added.first?.id)
        let refund = "r1\u{1B}]52;c;ZXZpbA==\u{07}"
        let report = B.order([B.transaction("t", refunds: [B.refund(refund, status: .failed, created: t0)])], fetchedAt: t0)
        _ = try await store.syncAlerts(orderID: id, judged: AlertRule.fromReport,
                                       active: AlertDraft.conditions(for: report, orderID: id, rules: DeadlineRules(), thresholds: AlertThresholds(), now: t0), at: t0)
        let transport = FakeAlertTransport()
        let targets = AlertDelivery(command: ["/bin/true"], webhookURL: "http://127.0.0.1:9/hook", webhookSecret: Secret("s"))
        #expect(try await AlertDeliverer(store: store, targets: targets, owner: "p", transport: transport, now: { self.t0 }).deliverDue().delivered == 1)
        #expect(transport.sent.count == 2)
        for sent in transport.sent {
            #expect(!sent.body.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "\(sent.target): \(sent.body)")
            let body = try #require(try JSONSerialization.jsonObject(with: Data(sent.body.utf8)) as? [String: Any])
            #expect((body["text"] as? String)?.contains("\\e]52") == true, "the text shows the escape visibly")
            #expect((body["alert"] as? [String: Any])?["refund_id"] as? String == refund, "the data keeps it exactly")
            #expect(sent.id.allSatisfy { $0.isASCII && !$0.isNewline })
        }
    }

    /// With several accounts the chat text says the order's account, and the JSON carries it; the
    /// single account's "default" goes unsaid in the text.
    @Test func theBodyNamesTheOrdersAccount() throws {
        func body(account: String?) throws -> (text: String, alertAccount: Any?) {
            let alert = Alert(id: 7, key: "k", rule: .refundFailed, orderID: 3, referenceID: "ORD-1", refundID: "r", text: "ORD-1 refund r failed",
                              raisedAt: t0, account: account)
            let data = AlertDeliverer.body(OutboxItem(id: 1, event: .raised, alert: alert, attempts: 0, deliveredTo: []), now: t0)
            let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let inner = try #require(json["alert"] as? [String: Any])
            #expect(inner.keys.contains("account"))
            return (json["text"] as? String ?? "", inner["account"])
        }
        let north = try body(account: "north")
        #expect(north.text == "refundwatch ⚠ refund failed (account north): ORD-1 refund r failed")
        #expect(north.alertAccount as? String == "north")
        let single = try body(account: "default")
        #expect(single.text == "refundwatch ⚠ refund failed: ORD-1 refund r failed")
        #expect(single.alertAccount as? String == "default")
        let unknown = try body(account: nil)
        #expect(unknown.text == "refundwatch ⚠ refund failed: ORD-1 refund r failed")
        #expect(unknown.alertAccount is NSNull)
    }

    /// The real command target: the alert on stdin, the exit status and the time limit said.
    @Test func aCommandGetsTheAlertOnStdinAndItsFailuresAreSaid() async throws {
        let path = try folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let transport = LiveAlertTransport()
        defer { Task { await transport.shutdown() } }
        try await transport.run(["/bin/sh", "-c", "cat > \(path)/got.json"], input: Data(#"{"id":"x"}"#.utf8), timeout: 10)
        #expect(try String(contentsOfFile: path + "/got.json", encoding: .utf8) == #"{"id":"x"}"#)
        await #expect { try await transport.run(["/bin/sh", "-c", "exit 3"], input: Data(), timeout: 10) } throws: {
            "\($0)" == "exited with status 3"
        }
        // A program that neither reads nor ends is stopped at the time limit.
        let started = Date()
        await #expect { try await transport.run(["/bin/sleep", "30"], input: Data(repeating: 65, count: 256 * 1024), timeout: 1) } throws: {
            "\($0)" == "still running after 1s; stopped"
        }
        #expect(Date().timeIntervalSince(started) < 20)
        await #expect { try await transport.run(["/nonexistent/notify"], input: Data(), timeout: 1) } throws: {
            "\($0)".hasPrefix("cannot be started")
        }
    }
}
