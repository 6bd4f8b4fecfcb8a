import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An access token for PayU and when it stops working. The value is a `Secret`: printing this
/// never shows it.
public struct PayUAccessToken: Sendable, Hashable {
    public var value: Secret
    public var obtainedAt: Date
    public var expiresAt: Date

    /// When refundwatch renews it: at 90% of its life, so calls never meet an expired token.
    public var renewAt: Date { obtainedAt.addingTimeInterval(0.9 * expiresAt.timeIntervalSince(obtainedAt)) }
}

/// What `refundwatch payu token` shows: where the token comes from and when it expires.
public struct PayUTokenStatus: Sendable {
    public var tokenURL: String
    public var clientID: String
    /// The token cache file, nil when tokens are kept in the team's database or in memory only (demo).
    public var cacheFile: String?
    /// The team's database the tokens are kept in (its URL, without a password), nil when they are
    /// kept in the cache file or in memory.
    public var database: String? = nil
    /// Why the team's database could not be read just now (the token shown is then this process's).
    public var databaseProblem: String? = nil
    /// The token in the cache (or in memory), nil when none has been obtained yet.
    public var token: PayUAccessToken?
    /// Where the next renewal's refresh token comes from.
    public var refreshTokenOrigin: String
}

/// Renews PayU access tokens with `grant_type=refresh_token` and hands them to PayU calls.
///
/// - One renewal at a time: every call that needs a token while one is being renewed waits for that
///   renewal, so a hundred calls in flight at expiry cause one token request.
/// - Across processes too: a dashboard and a poller on one machine share the token cache file
///   (`payu-token-….json` under the state folder, mode 0600, replaced atomically) and renew under a
///   lock on it, each adopting a token the other just obtained instead of asking again.
/// - Across machines with a team's database (`TeamLedger`): the tokens are kept there instead of
///   the file, and renewed under the database's lock, so that processes of any user on any machine
///   renew one chain of refresh tokens. When the database cannot be asked, a renewal goes on with
///   what this process holds (its error then says so, if it fails).
/// - Renewed at 90% of the token's life, and once when PayU answers 401 to a token that looked
///   good (revoked early, or a clock that disagrees).
/// - PayU may rotate refresh tokens (the one used is then refused): the newest one returned is kept
///   in the cache and used next; an answer without one keeps the old.
/// - A refusal (`invalid_grant`: the refresh token is expired, revoked or used) is remembered for
///   30 s, so calls fail fast with the same message instead of asking PayU again each.
///
/// Expiry, the renewal point and the remembered refusal are all reckoned on `now`, the clock the
/// service was given (the demo's simulated one; a test's, which it moves itself), never on the
/// machine's clock behind its back.
public actor PayUTokenManager {
    public let settings: PayUOAuthSettings
    private let transport: HTTPTransport
    /// The account whose PayU budget token requests spend.
    private let account: String
    private let cache: PayUTokenCache?
    /// The team's database, when tokens are kept there (then `cache` is nil).
    private let ledger: (any TeamLedger)?
    private let now: @Sendable () -> Date

    private var current: PayUTokenCache.Entry?
    private var renewal: Task<Result<PayUTokenCache.Entry, RefundWatchError>, Never>?
    private var failure: (error: RefundWatchError, until: Date)?
    /// Token requests this process sent.
    public private(set) var tokenRequests = 0

    /// `cacheDirectory`: where the token cache lives (created 0700 when missing); nil keeps tokens
    /// in memory only. `ledger`: the team's database, which then keeps the tokens instead of the
    /// cache (`cacheDirectory` is not used).
    public init(settings: PayUOAuthSettings, transport: HTTPTransport, account: String = HTTPTransport.defaultAccount, cacheDirectory: String?,
                ledger: (any TeamLedger)? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.transport = transport
        self.account = account
        self.ledger = ledger
        self.cache = ledger == nil ? cacheDirectory.map { PayUTokenCache(directory: $0, settings: settings) } : nil
        self.now = now
    }

    /// Where the team keeps this client's tokens.
    private var ledgerKey: String { PayUTokenRecord.key(tokenURL: settings.tokenURL, clientID: settings.clientID) }

    /// A token good for now: the one held, else the cache's, else a renewed one.
    public func accessToken() async throws(RefundWatchError) -> String {
        if let current, now() < current.token.renewAt { return current.accessToken }
        return try await renewed(rejected: nil, force: false).accessToken
    }

    /// PayU answered 401 to `token`: a new one, unless another call has renewed it meanwhile.
    public func renewAfterRejection(of token: String) async throws(RefundWatchError) -> String {
        if let current, current.accessToken != token, now() < current.token.expiresAt { return current.accessToken }
        return try await renewed(rejected: token, force: false).accessToken
    }

    /// Renews now, whatever the token held (`refundwatch payu token --renew`).
    public func renew() async throws(RefundWatchError) -> PayUAccessToken {
        failure = nil
        return try await renewed(rejected: current?.accessToken, force: true).token
    }

    /// Now, on the clock tokens are timed by (the demo's is simulated).
    public var currentTime: Date { now() }

    public func status() async -> PayUTokenStatus {
        if let ledger {
            var stored: PayUTokenCache.Entry?
            var problem: String?
            do {
                stored = try await Self.read(ledger, key: ledgerKey, settings: settings)
            } catch {
                problem = "\(error)"
            }
            let entry = stored ?? current
            let origin: String
            if let entry, entry.refreshToken != settings.refreshToken.value {
                origin = (stored != nil ? "the team's database" : "this process's memory") + " (PayU's newest, replacing \(settings.refreshTokenOrigin))"
            } else {
                origin = settings.refreshTokenOrigin
            }
            return PayUTokenStatus(tokenURL: settings.tokenURL, clientID: settings.clientID, cacheFile: nil, database: ledger.ledgerLocation,
                                   databaseProblem: problem, token: entry?.token, refreshTokenOrigin: origin)
        }
        let entry = cache?.read().flatMap { $0.belongs(to: settings) ? $0 : nil } ?? current
        let origin = entry.map { $0.refreshToken == settings.refreshToken.value ? settings.refreshTokenOrigin : "the token cache (PayU's newest, replacing \(settings.refreshTokenOrigin))" }
            ?? settings.refreshTokenOrigin
        return PayUTokenStatus(tokenURL: settings.tokenURL, clientID: settings.clientID, cacheFile: cache?.file, token: entry?.token, refreshTokenOrigin: origin)
    }

    private func renewed(rejected: String?, force: Bool) async throws(RefundWatchError) -> PayUTokenCache.Entry {
        if let renewal { return try await renewal.value.get() }
        if let failure, now() < failure.until { throw failure.error }
        let task = Task { await self.obtain(rejected: rejected, force: force) }
        renewal = task
        let result = await task.value
        renewal = nil
        switch result {
        case .success(let entry):
            current = entry
            failure = nil
            return entry
        case .failure(let error):
            // A refusal will not change by asking again; a network failure may, soon.
            let pause: TimeInterval = error.category == .authentication || error.category == .configuration ? 30 : 3
            failure = (error, now().addingTimeInterval(pause))
            throw error
        }
    }

    /// Under the cache's lock: a fresh token another process stored, else a token request.
    private func obtain(rejected: String?, force: Bool) async -> Result<PayUTokenCache.Entry, RefundWatchError> {
        let held = current
        if let ledger { return await obtainShared(ledger, rejected: rejected, force: force, held: held) }
        guard let cache else { return await request(candidates: Self.refreshTokens(newest: held, settings: settings)) }
        let (settings, now) = (settings, now)
        return await cache.withLock { () async -> Result<PayUTokenCache.Entry, RefundWatchError> in
            let cached = cache.read().flatMap { $0.belongs(to: settings) ? $0 : nil }
            if !force, let cached, cached.accessToken != rejected, now() < cached.token.renewAt {
                return .success(cached)
            }
            let result = await self.request(candidates: Self.refreshTokens(newest: cached ?? held, settings: settings))
            if case .success(let entry) = result { cache.write(entry) }
            return result
        }
    }

    /// Under the team's lock: a fresh token another process stored, else a token request with the
    /// newest refresh token the team or this process knows, stored for all. When the lock cannot
    /// be had (the database cannot be reached), this call goes on with what this process holds;
    /// a failure then says that the database could not be asked. A read or write that fails
    /// under the lock is said the same way, never in place of a token that was obtained.
    private func obtainShared(_ ledger: any TeamLedger, rejected: String?, force: Bool,
                              held: PayUTokenCache.Entry?) async -> Result<PayUTokenCache.Entry, RefundWatchError> {
        let (settings, key, now) = (settings, ledgerKey, now)
        let outcome: (result: Result<PayUTokenCache.Entry, RefundWatchError>, problem: String?)
        do {
            outcome = try await ledger.withPayUTokenLock(key: key) { () async -> (result: Result<PayUTokenCache.Entry, RefundWatchError>, problem: String?) in
                var stored: PayUTokenCache.Entry?
                var problem: String?
                do {
                    stored = try await Self.read(ledger, key: key, settings: settings)
                } catch {
                    problem = "\(error)"
                }
                if !force, let stored, stored.accessToken != rejected, now() < stored.token.renewAt {
                    return (.success(stored), nil)
                }
                let result = await self.request(candidates: Self.refreshTokens(newestOf: [stored, held], settings: settings))
                if case .success(let entry) = result {
                    do {
                        try await ledger.writePayUToken(entry.record(key: key))
                    } catch {
                        problem = problem ?? "\(error)"
                    }
                }
                return (result, problem)
            }
        } catch {
            outcome = (await request(candidates: Self.refreshTokens(newestOf: [held], settings: settings)), "\(error)")
        }
        guard case .failure(let error) = outcome.result, let problem = outcome.problem else { return outcome.result }
        return .failure(.payuTokenWithoutTeamDatabase(error, problem: problem))
    }

    /// The team's entry for this client, nil when there is none or it descends from another
    /// configured refresh token.
    private static func read(_ ledger: any TeamLedger, key: String, settings: PayUOAuthSettings) async throws -> PayUTokenCache.Entry? {
        guard let record = try await ledger.readPayUToken(key: key) else { return nil }
        let entry = PayUTokenCache.Entry(record: record, settings: settings)
        return entry.belongs(to: settings) ? entry : nil
    }

    /// The refresh tokens of `entries`, newest obtained first, then the configured one.
    private static func refreshTokens(newestOf entries: [PayUTokenCache.Entry?], settings: PayUOAuthSettings) -> [String] {
        var tokens: [String] = []
        for entry in entries.compactMap({ $0 }).sorted(by: { $0.obtainedAt > $1.obtainedAt }) where !tokens.contains(entry.refreshToken) {
            tokens.append(entry.refreshToken)
        }
        if !tokens.contains(settings.refreshToken.value) { tokens.append(settings.refreshToken.value) }
        return tokens
    }

    /// The newest refresh token known, then the configured one when it differs (a simulator or a
    /// PayU account reset may know only that one).
    private static func refreshTokens(newest cached: PayUTokenCache.Entry?, settings: PayUOAuthSettings) -> [String] {
        let configured = settings.refreshToken.value
        guard let newest = cached?.refreshToken, newest != configured else { return [configured] }
        return [newest, configured]
    }

    private func request(candidates: [String]) async -> Result<PayUTokenCache.Entry, RefundWatchError> {
        var outcome: Result<PayUTokenCache.Entry, RefundWatchError> = .failure(.payuTokenRenewal(.refreshTokenRefused(description: nil)))
        for refreshToken in candidates {
            outcome = await requestOnce(refreshToken: refreshToken)
            guard case .failure(.payuTokenRenewal(.refreshTokenRefused)) = outcome else { return outcome }
        }
        return outcome
    }

    private func requestOnce(refreshToken: String) async -> Result<PayUTokenCache.Entry, RefundWatchError> {
        tokenRequests += 1
        let form = PayUTokenForm.encode([
            ("grant_type", "refresh_token"), ("client_id", settings.clientID),
            ("client_secret", settings.clientSecret.value), ("refresh_token", refreshToken),
        ])
        let request = TransportRequest(
            method: .POST, url: settings.tokenURL,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: Data(form.utf8), host: KaleyraClient.hostDescription(settings.tokenURL),
            logPath: (URL(string: settings.tokenURL)?.path ?? "") + " grant_type=refresh_token",
            retriesAfterSending: false)
        let sent = now()
        do {
            let response = try await transport.send(request, service: .payu, account: account)
            let answer = try PayUTokenAnswer.read(response, sentAt: sent, received: now())
            return .success(PayUTokenCache.Entry(
                settings: settings, accessToken: answer.accessToken, obtainedAt: answer.obtainedAt, expiresAt: answer.expiresAt,
                refreshToken: answer.refreshToken ?? refreshToken))
        } catch {
            return .failure(error)
        }
    }
}
