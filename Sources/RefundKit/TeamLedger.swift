import Foundation

/// What a team's database lends every process that uses it (pollers on several machines,
/// dashboards, `track refresh` from cron), so that they act as one client of each API:
///
/// - one request budget per account and API, reserved a few requests at a time
///   (`reserveRequests`), slowed for all when one of them is throttled (`requestsThrottled`);
/// - the PayU tokens of each PayU client, read and renewed under one lock, so that a rotating
///   refresh token is used by one process at a time and the newest is seen by all.
///
/// A PostgreSQL watchlist provides it (`PostgresStore`); with an SQLite file or no database each
/// process keeps its own budget and its token cache file, as before.
public protocol TeamLedger: Sendable {
    /// Where it is kept, for messages: the database's URL without its password.
    var ledgerLocation: String { get }

    // MARK: The request budget

    /// Reserves the time of `count` requests of `account` to `service` at `rate` requests a second
    /// (the configured budget; the ledger may hold a lower pace after throttling). The answer:
    /// how many seconds from now the first of them may go, and the pace they go at (one every
    /// 1/`pace` seconds from then). Reservations of all processes never overlap, so together
    /// they never go faster than the pace.
    func reserveRequests(account: String, service: Service, count: Int, rate: Double) async throws -> BudgetReservation

    /// `service` throttled a request of `account`: every process's next reservation starts after
    /// `pause` seconds, and the pace is halved (to no less than an eighth of `rate`).
    func requestsThrottled(account: String, service: Service, pause: Double, rate: Double) async throws

    // MARK: PayU tokens

    /// The PayU tokens kept under `key` (`PayUTokenRecord.key(tokenURL:clientID:)`), nil when
    /// none are.
    func readPayUToken(key: String) async throws -> PayUTokenRecord?

    /// Keeps `record` under its key, replacing what was there.
    func writePayUToken(_ record: PayUTokenRecord) async throws

    /// Runs `body` holding the team's lock on the PayU tokens under `key`, so that one process at a
    /// time renews them (and uses their refresh token). The lock is released when `body` returns,
    /// and by the database if the process dies or loses its connection meanwhile. Throws, without
    /// running `body`, when the lock cannot be had (the database cannot be reached, or another
    /// process held the lock too long); once `body` has run, its result is returned whatever
    /// becomes of the lock.
    func withPayUTokenLock<T: Sendable>(key: String, _ body: @Sendable () async -> T) async throws -> T
}

/// One PayU client's tokens as the team keeps them: the access token, its times, and PayU's newest
/// refresh token (the same fields as the token cache file). The tokens are `Secret`s: printing a
/// record never shows them.
public struct PayUTokenRecord: Sendable, Hashable, CustomStringConvertible {
    /// Which PayU client: `key(tokenURL:clientID:)`.
    public var key: String
    /// SHA-256 (hex) of the configured refresh token this chain descends from: a new refresh token
    /// in the configuration (after authorizing again) starts a new chain instead of using this one.
    public var configuredRefreshToken: String
    public var accessToken: Secret
    public var obtainedAt: Date
    public var expiresAt: Date
    /// The newest refresh token PayU gave (PayU may rotate them: the one used is then refused).
    public var refreshToken: Secret

    public init(key: String, configuredRefreshToken: String, accessToken: Secret, obtainedAt: Date, expiresAt: Date, refreshToken: Secret) {
        self.key = key
        self.configuredRefreshToken = configuredRefreshToken
        self.accessToken = accessToken
        self.obtainedAt = obtainedAt
        self.expiresAt = expiresAt
        self.refreshToken = refreshToken
    }

    /// SHA-256 (hex) of the token URL and the client id, a newline between them: the digest the
    /// token cache file's name begins with.
    public static func key(tokenURL: String, clientID: String) -> String {
        PayUTokenCache.digest(tokenURL + "\n" + clientID)
    }

    public var description: String {
        "PayUTokenRecord(key: \(key), obtainedAt: \(obtainedAt), expiresAt: \(expiresAt), tokens: <redacted>)"
    }
}

/// Requests reserved in the team's budget: the first may go `startsIn` seconds from the moment
/// the reservation was answered, the others one every `1 / pace` seconds after it.
public struct BudgetReservation: Sendable, Hashable {
    public var startsIn: Double
    public var pace: Double
    public var count: Int
    /// How long the account stays paused because some process was throttled (0: it is not):
    /// the reservation already starts after the pause; this is for saying why.
    public var pausedFor: Double

    public init(startsIn: Double, pace: Double, count: Int, pausedFor: Double = 0) {
        self.startsIn = startsIn
        self.pace = pace
        self.count = count
        self.pausedFor = pausedFor
    }
}
