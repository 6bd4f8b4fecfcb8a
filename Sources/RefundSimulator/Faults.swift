import Foundation

/// Which of the two simulated vendors a request was for.
public enum SimulatedAPI: String, Sendable, CaseIterable {
    case kaleyra
    case payu
}

/// Failures to inject on demand, so the client's retries, error screens and stale-data handling
/// can be exercised without the real vendors misbehaving.
///
/// Text form (for `--faults`): comma-separated `KIND=VALUE` items, each optionally prefixed with
/// `kaleyra:` or `payu:` (no prefix means both APIs). A VALUE is either a share of requests
/// (`5xx=0.2`, drawn from a seeded generator) or `xN`, exactly the next N requests (`5xx=x1`),
/// which tests use for deterministic retries. Counted items are used up in the order written.
public struct FaultSpec: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// 503 with `{"message": …}` or a plain 500 (PayU's documented JSON 500 on the PayU side).
        case serverError = "5xx"
        /// 429 with a `Retry-After` header.
        case tooManyRequests = "429"
        /// 200 whose JSON body is cut short.
        case malformed
        /// 502 with an nginx-style HTML page, as a proxy in front of the vendor would send.
        case html
        /// 502 with an empty body.
        case empty
        /// Headers and part of the body, then nothing until the simulator stops.
        case hang
    }

    public enum Scope: String, Sendable, CaseIterable {
        case both
        case kaleyra
        case payu

        public func applies(to api: SimulatedAPI) -> Bool {
            self == .both || rawValue == api.rawValue
        }
    }

    public enum Amount: Sendable, Equatable {
        /// Probability in 0...1 that a request gets this fault.
        case share(Double)
        /// Exactly the next N requests (of the item's scope) get this fault.
        case next(Int)
    }

    public struct Item: Sendable, Equatable {
        public var scope: Scope
        public var kind: Kind
        public var amount: Amount

        public init(scope: Scope = .both, kind: Kind, amount: Amount) {
            self.scope = scope
            self.kind = kind
            self.amount = amount
        }
    }

    public var items: [Item]
    /// `Retry-After` seconds for 429 answers, by scope; a scoped value beats the unscoped one.
    public var retryAfter: [Scope: Int]

    public static let none = FaultSpec()

    public init(items: [Item] = [], retryAfter: [Scope: Int] = [:]) {
        self.items = items
        self.retryAfter = retryAfter
    }

    public var isEmpty: Bool { items.isEmpty }

    /// The `Retry-After` value a 429 for `api` carries (default 1 second).
    public func retryAfterSeconds(for api: SimulatedAPI) -> Int {
        let scope: Scope = api == .kaleyra ? .kaleyra : .payu
        return retryAfter[scope] ?? retryAfter[.both] ?? 1
    }

    public static let syntaxHelp = """
        Faults are comma-separated KIND=VALUE items, each optionally prefixed with "kaleyra:" or "payu:" \
        (no prefix = both APIs). KIND is one of 5xx, 429, malformed, html, empty, hang; VALUE is a share \
        of requests from 0 to 1 (5xx=0.2) or xN for exactly the next N requests (5xx=x3). \
        "retry-after=N" sets the Retry-After seconds of 429 answers (default 1). \
        Example: kaleyra:5xx=0.2,payu:429=x2,retry-after=3
        """

    /// Parses the `--faults` text; `""` and `"none"` mean no faults.
    public static func parse(_ text: String) throws -> FaultSpec {
        var spec = FaultSpec()
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.lowercased() == "none" { return spec }
        for rawItem in trimmed.split(separator: ",") {
            let item = rawItem.trimmingCharacters(in: .whitespaces)
            if item.isEmpty { continue }
            try spec.add(parsing: item)
        }
        for api in SimulatedAPI.allCases {
            let total = spec.items.reduce(0.0) { sum, item in
                guard item.scope.applies(to: api), case .share(let share) = item.amount else { return sum }
                return sum + share
            }
            if total > 1.0000001 {
                throw SimulatorError.invalidFaults(
                    item: text, reason: "the shares for \(api.rawValue) add up to \(total), more than 1")
            }
        }
        return spec
    }

    private mutating func add(parsing item: String) throws {
        var rest = Substring(item)
        var scope = Scope.both
        if let colon = rest.firstIndex(of: ":") {
            let prefix = rest[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            guard let named = Scope(rawValue: prefix), named != .both else {
                throw SimulatorError.invalidFaults(item: item, reason: "unknown scope \"\(prefix)\" (use kaleyra: or payu:)")
            }
            scope = named
            rest = rest[rest.index(after: colon)...]
        }
        let pair = rest.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard pair.count == 2 else {
            throw SimulatorError.invalidFaults(item: item, reason: "expected KIND=VALUE")
        }
        let key = pair[0].trimmingCharacters(in: .whitespaces).lowercased()
        let value = pair[1].trimmingCharacters(in: .whitespaces).lowercased()
        if key == "retry-after" || key == "retry_after" {
            guard let seconds = Int(value), seconds >= 0 else {
                throw SimulatorError.invalidFaults(item: item, reason: "retry-after takes whole seconds, 0 or more")
            }
            retryAfter[scope] = seconds
            return
        }
        guard let kind = Kind(rawValue: key) else {
            throw SimulatorError.invalidFaults(item: item, reason: "unknown fault kind \"\(key)\"")
        }
        items.append(Item(scope: scope, kind: kind, amount: try Self.amount(value, item: item)))
    }

    private static func amount(_ value: String, item: String) throws -> Amount {
        if value.hasPrefix("x") {
            guard let count = Int(value.dropFirst()), count >= 1 else {
                throw SimulatorError.invalidFaults(item: item, reason: "a count is x followed by a whole number of requests, 1 or more")
            }
            return .next(count)
        }
        guard let share = Double(value), share.isFinite, (0...1).contains(share) else {
            throw SimulatorError.invalidFaults(item: item, reason: "a share is a number from 0 to 1")
        }
        return .share(share)
    }

    /// The canonical text form; `parse(description)` gives back an equal spec.
    public var description: String {
        var parts = items.map { item -> String in
            let prefix = item.scope == .both ? "" : "\(item.scope.rawValue):"
            switch item.amount {
            case .share(let share): return "\(prefix)\(item.kind.rawValue)=\(share)"
            case .next(let count): return "\(prefix)\(item.kind.rawValue)=x\(count)"
            }
        }
        for scope in Scope.allCases {
            if let seconds = retryAfter[scope] {
                parts.append("\(scope == .both ? "" : "\(scope.rawValue):")retry-after=\(seconds)")
            }
        }
        return parts.isEmpty ? "none" : parts.joined(separator: ",")
    }
}
