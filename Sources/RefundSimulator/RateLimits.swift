import Foundation

/// Request budgets the simulator enforces, as a vendor's per-account rate limit would:
/// `kaleyra=20/s,payu=10/s` (also `/m` for per minute; a bare number is per second).
public struct RateLimitSpec: Sendable, Equatable, CustomStringConvertible {
    /// Requests per second, by API; an API not named is not limited.
    public var perSecond: [SimulatedAPI: Double]

    public static let none = RateLimitSpec(perSecond: [:])

    public init(perSecond: [SimulatedAPI: Double]) {
        self.perSecond = perSecond
    }

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public static func parse(_ text: String) throws(Invalid) -> RateLimitSpec {
        var limits: [SimulatedAPI: Double] = [:]
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard parts.count == 2, let api = SimulatedAPI(rawValue: parts[0]) else {
                throw Invalid(description: "\"\(item)\" is not API=RATE; expected e.g. kaleyra=20/s,payu=10/s")
            }
            var number = Substring(parts[1])
            var seconds = 1.0
            if number.hasSuffix("/s") { number = number.dropLast(2) } else if number.hasSuffix("/m") { number = number.dropLast(2); seconds = 60 }
            guard let count = Double(number), count > 0, count.isFinite else {
                throw Invalid(description: "\"\(parts[1])\" is not a rate; expected requests per second such as 20/s (or per minute, 600/m)")
            }
            limits[api] = count / seconds
        }
        return RateLimitSpec(perSecond: limits)
    }

    public var description: String {
        perSecond.isEmpty ? "none" : SimulatedAPI.allCases.compactMap { api in perSecond[api].map { "\(api.rawValue)=\($0.formatted())/s" } }.joined(separator: ",")
    }
}

/// A token bucket per limited API and account, on real time (or on the clock a test gave the
/// simulator): it holds one second's worth of requests and refills at the rate. Each account (per
/// SID for Kaleyra, per merchant for PayU: the account the request authenticated as) has the whole
/// configured budget of its own; requests that authenticate as no account share one more. A
/// request that finds its bucket empty is over budget: answered 429 with the whole seconds until
/// the next request would be allowed in `Retry-After`, and counted.
final class RateLimiter: Sendable {
    struct Key: Hashable, Sendable {
        let api: SimulatedAPI
        /// Index into `SimulatorOptions.accounts`; nil: no account.
        let account: Int?
    }

    private struct Bucket {
        var tokens: Double
        /// Time since the simulator started.
        var updated: Duration
    }

    private struct State {
        var buckets: [Key: Bucket] = [:]
        var refused: [Key: [Duration]] = [:]
    }

    let spec: RateLimitSpec
    private let state: Locked<State>
    private let sinceStart: @Sendable () -> Duration

    init(spec: RateLimitSpec, sinceStart: @escaping @Sendable () -> Duration) {
        self.spec = spec
        self.sinceStart = sinceStart
        state = Locked(State())
    }

    /// nil when the request is within its account's budget; else the `Retry-After` seconds to answer with.
    func admit(_ api: SimulatedAPI, account: Int?) -> Int? {
        guard let rate = spec.perSecond[api] else { return nil }
        let now = sinceStart()
        let key = Key(api: api, account: account)
        return state.withLock { state -> Int? in
            // A bucket starts full when its account's first request arrives.
            var bucket = state.buckets[key] ?? Bucket(tokens: max(1, rate), updated: now)
            let elapsed = now - bucket.updated
            bucket.tokens = min(max(1, rate), bucket.tokens + rate * (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
            bucket.updated = now
            defer { state.buckets[key] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            state.refused[key, default: []].append(now)
            return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
        }
    }

    /// When each over-budget request arrived (time since the simulator started), by API, all
    /// accounts together, in order.
    func refusals(_ api: SimulatedAPI) -> [Duration] {
        state.withLock { state in state.refused.filter { $0.key.api == api }.values.flatMap { $0 }.sorted() }
    }

    /// The same for one account (nil: requests that authenticated as no account).
    func refusals(_ api: SimulatedAPI, account: Int?) -> [Duration] {
        state.withLock { $0.refused[Key(api: api, account: account)] ?? [] }
    }
}
