import Crypto
import Foundation
import RefundKit
import Synchronization
import WatchlistModel

/// One HTTP request as `refundwatch listen` received it: its body already read (at most
/// `[listen] max_body` bytes; a larger one is answered 413 before it gets here).
public struct PushRequest: Sendable {
    public var method: String
    /// The path without its query.
    public var path: String
    /// The query, as sent (after `?`); nil without one.
    public var query: String?
    /// The peer's address (the proxy's, behind one).
    public var peer: String
    /// Header names lowercased; a header sent twice is joined with ", " as HTTP allows.
    public var headers: [String: String]
    public var body: Data

    public init(method: String, path: String, query: String? = nil, peer: String, headers: [String: String], body: Data) {
        self.method = method
        self.path = path
        self.query = query
        self.peer = peer
        self.headers = headers
        self.body = body
    }
}

/// A push accepted: what it names, where from, for the store to keep and act on.
public struct AcceptedPush: Sendable, Hashable {
    public var source: PushSource
    /// The account its route names (`/push/kaleyra/north`); nil on the route without one.
    public var account: String?
    public var names: PushNames
    /// SHA-256 of the raw body, hex: the same push delivered twice is kept once.
    public var bodyHash: String
    /// The client's address (behind the proxy, the one it forwarded).
    public var client: String

    public init(source: PushSource, account: String?, names: PushNames, bodyHash: String, client: String) {
        self.source = source
        self.account = account
        self.names = names
        self.bodyHash = bodyHash
        self.client = client
    }
}

/// Where accepted pushes go: kept, and the orders they name asked for.
public protocol PushSink: Sendable {
    func accept(_ push: AcceptedPush, body: Data) async throws -> PushOutcome
}

/// The answer to one request: a status and a small JSON body saying why.
public struct PushResponse: Sendable, Hashable {
    public var status: Int
    public var body: String
    /// Extra headers (`Retry-After` on 429, `Allow` on 405).
    public var headers: [String: String]
    /// The push accepted, when it was.
    public var accepted: AcceptedPush?
    /// `application/json`, or `text/plain` for Meta's handshake (its challenge, bare).
    public var contentType = "application/json"

    static func json(_ status: Int, _ fields: [String: Any], headers: [String: String] = [:], accepted: AcceptedPush? = nil) -> PushResponse {
        let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return PushResponse(status: status, body: String(decoding: data, as: UTF8.self), headers: headers, accepted: accepted)
    }

    /// A refusal's answer: its status, and its reason as `{"error": …}`.
    public static func refused(_ rejection: PushRejection, headers: [String: String] = [:]) -> PushResponse {
        json(rejection.status, ["error": rejection.reason], headers: headers)
    }
}

/// Decides every answer of `refundwatch listen`, the HTTP server aside: the routes, a client's
/// rate, each source's authentication, reading the body, and handing the push to the sink. A
/// push refused at any step is answered with why, and nothing of it is kept.
///
/// Routes: `GET /health` for load balancers; `POST /push/SOURCE` and `POST /push/SOURCE/ACCOUNT`
/// for each source `[listen]` turns on (the account: the one an order it names is added under
/// with `auto_track`, and the one it is looked up under first).
public struct PushReceiver: Sendable {
    public let settings: ListenSettings
    public let accounts: [String]
    private let limiter: AddressRateLimiter

    public init(settings: ListenSettings, accounts: [String], now: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.accounts = accounts
        limiter = AddressRateLimiter(perSecond: settings.perAddress, now: now)
    }

    /// The route a path names: a source turned on, and the account, if any.
    func route(_ path: String) -> (source: PushSource, account: String?)? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard parts.first == "push", parts.count == 2 || parts.count == 3, let source = PushSource(rawValue: String(parts[parts.startIndex + 1])),
              settings.sources[source.rawValue] != nil else { return nil }
        return (source, parts.count == 3 ? String(parts[parts.startIndex + 2]) : nil)
    }

    public func handle(_ request: PushRequest, sink: any PushSink) async -> PushResponse {
        if request.path == "/health" {
            guard request.method == "GET" || request.method == "HEAD" else { return .json(405, ["error": "use GET"], headers: ["Allow": "GET, HEAD"]) }
            return .json(200, ["status": "ok"])
        }
        guard let (source, account) = route(request.path) else {
            return .json(404, ["error": "no such route; pushes go to /push/SOURCE for the sources [listen] turns on"])
        }
        let sourceSettings = settings.sources[source.rawValue]!
        let handshake = request.method == "GET" && sourceSettings.metaVerifyToken != nil
        guard request.method == "POST" || handshake else {
            return .json(405, ["error": "use POST"], headers: ["Allow": sourceSettings.metaVerifyToken == nil ? "POST" : "GET, POST"])
        }
        let client = PushAuth.client(peer: request.peer, forwardedFor: request.headers["x-forwarded-for"], proxies: settings.proxies)
        if let wait = limiter.take(client ?? request.peer) {
            return .json(429, ["error": "too many pushes from \(client ?? request.peer); slow down"], headers: ["Retry-After": "\(Int(wait.rounded(.up)))"])
        }
        if handshake, let token = sourceSettings.metaVerifyToken {
            return Self.metaHandshake(query: request.query, token: token)
        }
        if let account, !accounts.contains(where: { $0.lowercased() == account.lowercased() }) {
            return .json(404, ["error": "no account \(FormBody.quoted(account)) is configured"])
        }
        if let refusal = PushAuth(sourceSettings, proxies: settings.proxies).check(peer: request.peer, headers: request.headers, body: request.body) {
            return .refused(refusal)
        }
        let names: PushNames
        do {
            names = try PushPayload.names(source, contentType: request.headers["content-type"], body: request.body)
        } catch {
            return .refused(error)
        }
        let push = AcceptedPush(source: source, account: account.flatMap { name in accounts.first { $0.lowercased() == name.lowercased() } },
                                names: names, bodyHash: SHA256.hash(data: request.body).map { String(format: "%02x", $0) }.joined(),
                                client: client ?? request.peer)
        do {
            let outcome = try await sink.accept(push, body: request.body)
            var fields: [String: Any] = ["accepted": true, "asked": outcome.asked, "untracked": outcome.untracked, "duplicate": outcome.duplicate]
            if outcome.added > 0 { fields["added"] = outcome.added }
            if let ignored = names.ignored { fields["ignored"] = ignored }
            return .json(200, fields, accepted: push)
        } catch {
            // Not kept: the sender should push again (Kaleyra and PayU retry a failed call).
            return .json(503, ["error": "the push could not be kept; push again"], headers: ["Retry-After": "5"])
        }
    }
}

extension PushReceiver {
    /// Meta's verification of a webhook URL: `GET …?hub.mode=subscribe&hub.verify_token=TOKEN&hub.challenge=N`
    /// is answered the challenge, bare, when the token is the one configured (compared in
    /// constant time); anything else 403. Nothing is stored. The challenge is echoed only when
    /// it is a short run of letters and digits (Meta's is a number).
    static func metaHandshake(query: String?, token: Secret) -> PushResponse {
        var fields: [String: String] = [:]
        for item in URLComponents(string: "?" + (query ?? ""))?.queryItems ?? [] where fields[item.name] == nil {
            fields[item.name] = item.value ?? ""
        }
        guard fields["hub.mode"] == "subscribe" else {
            return .json(400, ["error": "expected Meta's verification: hub.mode=subscribe with hub.verify_token and hub.challenge"])
        }
        guard let given = fields["hub.verify_token"], PushAuth.same(given, token.value) else {
            return .json(403, ["error": "hub.verify_token is not the meta_verify_token configured"])
        }
        guard let challenge = fields["hub.challenge"], challenge.wholeMatch(of: /[A-Za-z0-9_-]{1,128}/) != nil else {
            return .json(400, ["error": "hub.challenge is missing or not a short run of letters and digits"])
        }
        var answer = PushResponse(status: 200, body: challenge, headers: [:], accepted: nil)
        answer.contentType = "text/plain"
        return answer
    }
}

extension PushAuth {
    /// `client(peer:forwardedFor:)` for `[listen] proxies` alone.
    static func client(peer: String, forwardedFor: String?, proxies: [AddressRange]) -> String? {
        PushAuth(proxies: proxies).client(peer: peer, forwardedFor: forwardedFor)
    }
}

/// Pushes a second from one client address, as a bucket that holds a second's worth: a client
/// over it is answered 429 with how long to wait, and the others go on. At most 10,000 addresses
/// are remembered (the oldest are forgotten first), so a flood from many addresses costs memory
/// it cannot grow.
final class AddressRateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var at: Date
    }

    private let perSecond: Double
    private let now: @Sendable () -> Date
    private let buckets = Mutex<[String: Bucket]>([:])
    static let remembered = 10_000

    init(perSecond: Double, now: @escaping @Sendable () -> Date) {
        self.perSecond = perSecond
        self.now = now
    }

    /// nil when the address may push now (one taken), else the seconds until it may.
    func take(_ address: String) -> Double? {
        let now = now()
        return buckets.withLock { buckets in
            var bucket = buckets[address] ?? Bucket(tokens: perSecond, at: now)
            bucket.tokens = min(perSecond, bucket.tokens + max(0, now.timeIntervalSince(bucket.at)) * perSecond)
            bucket.at = now
            guard bucket.tokens >= 1 else {
                buckets[address] = bucket
                return (1 - bucket.tokens) / perSecond
            }
            bucket.tokens -= 1
            if buckets[address] == nil, buckets.count >= Self.remembered {
                // Those idle longest are full again anyway: forgetting them changes nothing.
                let oldest = buckets.sorted { $0.value.at < $1.value.at }.prefix(buckets.count / 10).map(\.key)
                for key in oldest { buckets[key] = nil }
            }
            buckets[address] = bucket
            return nil
        }
    }
}

/// The sink `refundwatch listen` uses: each accepted push kept in the store, and the orders it
/// names asked for there (a poller, or `listen` itself when none runs, fetches them).
public struct StorePushSink: PushSink {
    public let store: any WatchlistStore
    public let settings: ListenSettings
    public let now: @Sendable () -> Date
    /// Told when a push asked for an order or added one (`listen`'s own fetcher looks at once).
    public let asked: @Sendable () -> Void
    private let batcher: PushBatcher

    public init(store: any WatchlistStore, settings: ListenSettings, now: @escaping @Sendable () -> Date = { Date() },
                asked: @escaping @Sendable () -> Void = {}) {
        self.store = store
        self.settings = settings
        self.now = now
        self.asked = asked
        batcher = PushBatcher(store: store)
    }

    public func accept(_ push: AcceptedPush, body: Data) async throws -> PushOutcome {
        let autoTrack = settings.sources[push.source.rawValue]?.autoTrack ?? false
        let outcome = try await batcher.record(PushRecord(source: push.source, account: push.account, client: push.client, bodyHash: push.bodyHash,
                                                          names: push.names, body: settings.keepBodies > 0 ? body : nil, receivedAt: now(),
                                                          autoTrack: autoTrack))
        if outcome.asked + outcome.added > 0 { asked() }
        return outcome
    }
}

/// Pushes written together: while one transaction writes, the pushes arriving meanwhile wait,
/// and the next transaction writes them all (at most `most`). A push alone is written at once, so
/// a quiet receiver adds no wait; a busy one pays one transaction (and one change notice) for
/// many pushes. A batch that fails is written again push by push, so that one bad push fails
/// alone.
final class PushBatcher: Sendable {
    private struct Waiting {
        let record: PushRecord
        let continuation: CheckedContinuation<PushOutcome, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var writing = false
    }

    private let store: any WatchlistStore
    private let state = Mutex(State())
    static let most = 64

    init(store: any WatchlistStore) {
        self.store = store
    }

    func record(_ push: PushRecord) async throws -> PushOutcome {
        try await withCheckedThrowingContinuation { continuation in
            let start = state.withLock { state -> Bool in
                state.waiting.append(Waiting(record: push, continuation: continuation))
                guard !state.writing else { return false }
                state.writing = true
                return true
            }
            if start { Task { await self.drain() } }
        }
    }

    /// Writes what waits, batch after batch, until nothing does.
    private func drain() async {
        while true {
            let batch = state.withLock { state -> [Waiting] in
                guard !state.waiting.isEmpty else {
                    state.writing = false
                    return []
                }
                let taken = Array(state.waiting.prefix(Self.most))
                state.waiting.removeFirst(taken.count)
                return taken
            }
            if batch.isEmpty { return }
            do throws(StoreError) {
                let outcomes = try await store.recordPushes(batch.map(\.record))
                for (waiting, outcome) in zip(batch, outcomes) { waiting.continuation.resume(returning: outcome) }
            } catch {
                guard batch.count > 1 else {
                    batch[0].continuation.resume(throwing: error)
                    continue
                }
                for waiting in batch {
                    do throws(StoreError) {
                        waiting.continuation.resume(returning: try await store.recordPush(waiting.record))
                    } catch {
                        waiting.continuation.resume(throwing: error)
                    }
                }
            }
        }
    }
}
