import Foundation
import RefundModel

/// A push as the store keeps it (`refundwatch listen`): where it came from, what it names, and
/// its body (nil once `[listen] keep_bodies` has passed).
public struct PushRecord: Sendable, Hashable {
    public var source: PushSource
    /// The account its route named; nil on the route without one.
    public var account: String?
    public var client: String
    /// SHA-256 of the body, hex: a push delivered twice is kept once.
    public var bodyHash: String
    public var names: PushNames
    public var body: Data?
    public var receivedAt: Date
    /// `auto_track`: a reference id that is not tracked is added (under `account`).
    public var autoTrack: Bool

    public init(source: PushSource, account: String?, client: String, bodyHash: String, names: PushNames, body: Data?, receivedAt: Date,
                autoTrack: Bool = false) {
        self.source = source
        self.account = account
        self.client = client
        self.bodyHash = bodyHash
        self.names = names
        self.body = body
        self.receivedAt = receivedAt
        self.autoTrack = autoTrack
    }
}

/// What the store did with an accepted push.
public struct PushOutcome: Sendable, Hashable {
    /// Tracked orders it named, asked to be fetched now.
    public var asked: Int
    /// Names that matched no tracked order (kept and counted).
    public var untracked: Int
    /// Orders added to the watchlist (`auto_track`).
    public var added: Int
    /// The same body from the same source was kept already: nothing asked again.
    public var duplicate: Bool

    public init(asked: Int = 0, untracked: Int = 0, added: Int = 0, duplicate: Bool = false) {
        self.asked = asked
        self.untracked = untracked
        self.added = added
        self.duplicate = duplicate
    }
}
