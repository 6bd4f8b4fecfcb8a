import Foundation

/// A request exactly as the simulator saw it, recorded before any check so tests can assert on
/// what the client really sent (path encoding, headers, hash) even when it was rejected.
public struct ReceivedRequest: Sendable {
    public let method: String
    /// The request path exactly as received, still percent-encoded, without the query.
    public let rawPath: String
    /// `rawPath` split on "/" first, then each segment percent-decoded, so `a%2Fb` is the one
    /// segment `a/b`. The empty segment before the leading "/" is dropped; any other empty
    /// segment is kept. A segment with an invalid escape is kept as sent.
    public let pathSegments: [String]
    /// The raw query string (after "?"), if any.
    public let query: String?
    /// Header names lowercased, values as sent, in order.
    public let headers: [(name: String, value: String)]
    public let body: String
    /// When it arrived on the simulated clock.
    public let simulatedDate: Date
    /// The name of the account (`SimulatorCredentials.name`) the request authenticated as when it
    /// arrived: Kaleyra's SID with that account's api key, PayU's bearer or live access token, the
    /// token endpoint's OAuth client. nil when it authenticated as no account (and for the webhook).
    public internal(set) var account: String?

    public init(method: String, rawPath: String, query: String?, headers: [(name: String, value: String)], body: String, simulatedDate: Date,
                account: String? = nil) {
        self.account = account
        self.method = method
        self.rawPath = rawPath
        self.pathSegments = Self.segments(of: rawPath)
        self.query = query
        self.headers = headers.map { (name: $0.name.lowercased(), value: $0.value) }
        self.body = body
        self.simulatedDate = simulatedDate
    }

    /// The first value of a header, matched case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name == wanted }?.value
    }

    static func segments(of rawPath: String) -> [String] {
        var parts = rawPath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.first == "" { parts.removeFirst() }
        return parts.map { $0.removingPercentEncoding ?? $0 }
    }
}
