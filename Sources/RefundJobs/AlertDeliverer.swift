import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import RefundKit
import ServiceLifecycle
import WatchlistModel

/// Where alerts go: a command given the alert as JSON on stdin, an HTTP POST. Tests give a fake.
public protocol AlertTransport: Sendable {
    /// Runs `command` with `input` on stdin; throws (with words for the log) when it fails, exits
    /// other than 0, or outlives `timeout` seconds (it is then stopped).
    func run(_ command: [String], input: Data, timeout: Double) async throws
    /// POSTs `body` with `headers`; throws unless the answer is 2xx.
    func post(_ url: String, body: Data, headers: [(String, String)], timeout: Double) async throws
}

public struct DeliveryFailure: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Delivers the store's outbox: each alert's raising and resolving, once for the whole team, to
/// `[alerts]` command and webhook. Pollers claim items as they claim orders (a lease; another
/// poller takes them when this one dies), so two pollers never deliver the same item in a normal
/// run. A target that fails is tried again with back-off (`retry_after`, 5 s, doubling, at most 5 minutes):
/// a receiver down for an hour gets every alert within minutes of coming back. Each delivery
/// carries the event's stable id, so a receiver can drop the repeat a poller killed between
/// sending and recording leaves.
public struct AlertDeliverer: Sendable {
    public let store: any WatchlistStore
    public let targets: AlertDelivery
    public let owner: String
    public let transport: any AlertTransport
    public let lease: TimeInterval
    public let batch: Int
    private let now: @Sendable () -> Date
    private let logger: Logger

    public init(store: any WatchlistStore, targets: AlertDelivery, owner: String, transport: any AlertTransport, lease: TimeInterval = 60,
                batch: Int = 50, now: @escaping @Sendable () -> Date = { Date() },
                logger: Logger = Logger(label: "refundwatch.alerts")) {
        self.store = store
        self.targets = targets
        self.owner = owner
        self.transport = transport
        self.lease = lease
        self.batch = batch
        self.now = now
        self.logger = logger
    }

    /// The wait before the next try after `attempts` failed ones: `retry_after` (5 s), doubling,
    /// at most 5 minutes.
    public static func backoff(afterAttempts attempts: Int, retryAfter: TimeInterval) -> TimeInterval {
        min(300, retryAfter * pow(2, Double(max(0, attempts - 1))))
    }

    public struct Round: Sendable, Equatable {
        public var claimed = 0
        public var delivered = 0
        public var failed = 0

        public init(claimed: Int = 0, delivered: Int = 0, failed: Int = 0) {
            self.claimed = claimed
            self.delivered = delivered
            self.failed = failed
        }
    }

    /// Claims what is due and delivers it, the items of a batch at once; returns what happened.
    public func deliverDue() async throws(StoreError) -> Round {
        let items = try await store.claimDeliveries(owner: owner, limit: batch, lease: lease, at: now())
        var round = Round(claimed: items.count)
        let outcomes = await withTaskGroup(of: (OutboxItem, [String], String?).self) { group in
            for item in items {
                group.addTask { await self.deliver(item) }
            }
            var all: [(OutboxItem, [String], String?)] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        for (item, reached, error) in outcomes {
            let at = now()
            let retry = error.map { _ in at.addingTimeInterval(Self.backoff(afterAttempts: item.attempts + 1, retryAfter: targets.retryAfter)) }
            try await store.finishDelivery(item.id, owner: owner, deliveredTo: reached, retryAt: retry, error: error, at: at)
            if let error {
                round.failed += 1
                logger.warning("alert \(item.alert.id) (\(item.event.rawValue)): \(TerminalSafe.text(error)); trying again in \(DurationText.short(Self.backoff(afterAttempts: item.attempts + 1, retryAfter: targets.retryAfter)))")
            } else {
                round.delivered += 1
                logger.info("alert \(item.alert.id) (\(item.event.rawValue)) delivered to \(targets.targets.joined(separator: " and ")): \(TerminalSafe.text(item.alert.text))")
            }
        }
        return round
    }

    /// Delivers until shutdown: whatever is due, then a pause of `every` when nothing was.
    public func run(every: Duration = .seconds(1), clock: any Clock<Duration> = ContinuousClock()) async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let round = try await deliverDue()
                if round.claimed == batch { continue }
            } catch {
                // Cancelled by a stop, the store refuses the task: no failure to tell of.
                if !Task.isCancelled { logger.error("alert delivery: \(error.description)") }
            }
            try? await clock.sleep(for: every)
        }
    }

    /// One item to every target that does not have it yet; the targets that have it after, and
    /// the first error.
    func deliver(_ item: OutboxItem) async -> (OutboxItem, [String], String?) {
        var reached = item.deliveredTo
        var failure: String?
        let body = Self.body(item, now: now())
        if let command = targets.command, !reached.contains("command") {
            do {
                try await transport.run(command, input: body, timeout: targets.commandTimeout)
                reached.append("command")
            } catch {
                failure = "command \(command[0]): \(error)"
            }
        }
        if let url = targets.webhookURL, !reached.contains("webhook") {
            do {
                try await transport.post(url, body: body, headers: Self.headers(body, secret: targets.webhookSecret, id: item.deliveryID), timeout: 10)
                reached.append("webhook")
            } catch {
                failure = failure ?? "webhook: \(error)"
            }
        }
        return (item, reached, failure)
    }

    /// The JSON both targets get: the event's stable `id`, `event`, a `text` a Slack or Teams
    /// incoming webhook shows as it is (made safe for display), and the alert with its exact values.
    public static func body(_ item: OutboxItem, now: Date) -> Data {
        struct Body: Encodable {
            var id: String
            var event: String
            var text: String
            var alert: AlertJSON
        }
        let verb = item.event == .raised ? "⚠" : "✓ resolved:"
        // A desk with several accounts reads which one; the single account's "default" goes unsaid.
        let account = item.alert.account.flatMap { $0 == AccountSettings.defaultName ? nil : " (account \($0))" } ?? ""
        let text = TerminalSafe.text("refundwatch \(verb) \(item.alert.rule.title)\(account): \(item.alert.text)")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(Body(id: item.deliveryID, event: item.event.rawValue, text: text, alert: AlertJSON(item.alert, now: now)))) ?? Data()
    }

    /// `X-Refundwatch-Signature: sha256=<hex HMAC-SHA256 of the body with the secret>`, and the
    /// event's id.
    public static func headers(_ body: Data, secret: Secret?, id: String) -> [(String, String)] {
        var headers = [("Content-Type", "application/json"), ("X-Refundwatch-Delivery", id)]
        if let secret {
            headers.append(("X-Refundwatch-Signature", "sha256=" + signature(body, secret: secret.value)))
        }
        return headers
    }

    public static func signature(_ body: Data, secret: String) -> String {
        HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8))).map { String(format: "%02x", $0) }.joined()
    }
}

/// The real targets: a process (no shell) and AsyncHTTPClient.
public final class LiveAlertTransport: AlertTransport {
    private let client = HTTPClient(eventLoopGroupProvider: .singleton)

    public init() {}

    public func shutdown() async {
        try? await client.shutdown()
    }

    public func post(_ url: String, body: Data, headers: [(String, String)], timeout: Double) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
        _ = try? await response.body.collect(upTo: 64 * 1024)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw DeliveryFailure("the receiver answered \(response.status.code)")
        }
    }

    public func run(_ command: [String], input: Data, timeout: Double) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0].contains("/") ? command[0] : "/usr/bin/env")
        process.arguments = command[0].contains("/") ? Array(command.dropFirst()) : command
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let finished = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished.continuation.yield($0.terminationStatus); finished.continuation.finish() }
        do {
            try process.run()
        } catch {
            throw DeliveryFailure("cannot be started (\(error.localizedDescription))")
        }
        // Written beside the wait, so that a program that never reads its input still meets the
        // time limit instead of blocking the write.
        let writer = stdin.fileHandleForWriting
        Thread.detachNewThread {
            try? writer.write(contentsOf: input)
            try? writer.close()
        }
        let status = await withTaskGroup(of: Int32?.self) { group in
            group.addTask { await finished.stream.first { _ in true } }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let status else {
            process.terminate()
            throw DeliveryFailure("still running after \(DurationText.short(timeout)); stopped")
        }
        guard status == 0 else { throw DeliveryFailure("exited with status \(status)") }
    }
}
