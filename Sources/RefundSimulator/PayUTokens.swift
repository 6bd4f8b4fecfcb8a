import Foundation
import Hummingbird

/// PayU's OAuth token endpoint (`POST /oauth/token` on PayU's accounts host), form-encoded:
///
/// - `grant_type=authorization_code` with `client_id`, `client_secret`, `code`, `redirect_uri`:
///   the one-time code a partner gets in a browser; the simulator takes `demoAuthorizationCode`,
///   once.
/// - `grant_type=refresh_token` with `client_id`, `refresh_token` (`client_secret` optional, as
///   one of PayU's pages marks it; checked when sent). Refresh tokens rotate: each answer carries a
///   new one and the one used is refused afterwards (PayU does not document whether it rotates;
///   refundwatch must keep the newest, and this makes a client that does not fail).
///
/// Answers are PayU's: `{"access_token", "token_type": "Bearer", "expires_in", "refresh_token",
/// "scope", "created_at", "user_uuid"}` with `created_at` in seconds of the simulated clock, and
/// OAuth's `{"error": "invalid_grant", "error_description": …}` (400) for a code or refresh token
/// that is unknown, used or revoked. An access token from here is accepted by the refund status
/// endpoint until `created_at + expires_in`, then answered 401 "Invalid Auth token".
///
/// Every account the simulator serves has its own OAuth client (`client_id` picks the account),
/// its own refresh tokens rotating independently of the others', its own authorization code, and
/// access tokens that open the refund status endpoint for that account only.
final class PayUTokenAuthority: Sendable {
    static let path = "/oauth/token"

    struct Issued: Sendable {
        let accessToken: String
        let refreshToken: String
        let createdAt: Int
        let expiresIn: Int
    }

    private struct State {
        /// Access tokens issued, with the account each was issued to and the simulated second it
        /// expires at.
        var accessTokens: [String: (account: Int, expiry: Double)] = [:]
        /// Each account's refresh tokens that are still good (the initial one until used, then
        /// each newest): accounts rotate theirs independently.
        var refreshTokens: [Set<String>]
        var codeUsed: [Bool]
        var issued: [Int]
        var requests = 0
    }

    /// Every account the simulator serves, by index into `SimulatorOptions.accounts`.
    private let accounts: [SimulatorCredentials]
    private let lifetime: Int
    private let state: Locked<State>
    /// One stream per account, so that one account's tokens never shift another's (the first
    /// account's stream is the one a one-account simulator has always used).
    private let random: [Locked<SeededRandom>]

    init(accounts: [SimulatorCredentials], lifetime: Int, seed: UInt64) {
        self.accounts = accounts
        self.lifetime = lifetime
        state = Locked(State(refreshTokens: accounts.map { [$0.refreshToken] }, codeUsed: accounts.map { _ in false },
                             issued: accounts.map { _ in 0 }))
        random = accounts.indices.map { Locked(.stream(seed: seed, purpose: 0x70CE &+ (UInt64($0) << 32))) }
    }

    /// Token requests answered since start, refused ones included.
    var requestCount: Int { state.withLock { $0.requests } }

    /// Refuses every refresh token of one account (an index into the accounts), or of all of them
    /// (nil), from now on, as PayU does when a partner's access is revoked.
    func revokeRefreshTokens(account: Int? = nil) {
        state.withLock { state in
            for index in state.refreshTokens.indices where account == nil || account == index { state.refreshTokens[index].removeAll() }
        }
    }

    /// The account an access token from here was issued to, if it has not expired at `now`
    /// (simulated seconds since 1970).
    func account(ofAccessToken token: String, at now: Double) -> Int? {
        state.withLock { state in
            guard let issued = state.accessTokens[token], now < issued.expiry else { return nil }
            return issued.account
        }
    }

    /// The account whose OAuth client a token request authenticates as (client id, and the
    /// secret when one is sent), if any.
    func client(of request: ReceivedRequest) -> Int? {
        client(in: SimulatorCore.formParameters(request.body))
    }

    private func client(in form: [String: String]) -> Int? {
        guard let index = accounts.firstIndex(where: { $0.clientID == form["client_id"] }) else { return nil }
        if let secret = form["client_secret"], secret != accounts[index].clientSecret { return nil }
        return index
    }

    func answer(_ request: ReceivedRequest, now: Double) -> Answer {
        state.withLock { $0.requests += 1 }
        guard request.method == "POST" else {
            return .json(.methodNotAllowed, Self.error("invalid_request", "Use POST with an application/x-www-form-urlencoded body."))
        }
        let form = SimulatorCore.formParameters(request.body)
        guard let account = client(in: form) else {
            return .json(.unauthorized, Self.error("invalid_client", "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."))
        }
        let credentials = accounts[account]
        let granted: Bool
        switch form["grant_type"] {
        case "refresh_token":
            granted = state.withLock { $0.refreshTokens[account].remove(form["refresh_token"] ?? "") != nil }
        case "authorization_code":
            guard form["client_secret"] == credentials.clientSecret else {
                return .json(.unauthorized, Self.error("invalid_client", "The authorization code grant needs client_secret."))
            }
            granted = state.withLock { state in
                guard form["code"] == credentials.authorizationCode, !state.codeUsed[account] else { return false }
                state.codeUsed[account] = true
                return true
            }
        default:
            return .json(.badRequest, Self.error("unsupported_grant_type", "The authorization grant type is not supported by the authorization server."))
        }
        guard granted else { return Self.invalidGrant }
        let issued = issue(to: account, now: now)
        return .json(.ok, .object([
            ("access_token", .string(issued.accessToken)),
            ("token_type", .string("Bearer")),
            ("expires_in", .int(issued.expiresIn)),
            ("refresh_token", .string(issued.refreshToken)),
            ("scope", .string("refund_status")),
            ("created_at", .int(issued.createdAt)),
            ("user_uuid", .string(credentials.resellerID)),
        ]))
    }

    private func issue(to account: Int, now: Double) -> Issued {
        let (access, refresh) = random[account].withLock { random in
            (random.characters(40, from: Self.tokenAlphabet), random.characters(40, from: Self.tokenAlphabet))
        }
        let createdAt = Int(now.rounded(.down))
        return state.withLock { state in
            state.issued[account] += 1
            let number = state.issued[account]
            let issued = Issued(accessToken: "sim-at-\(number)-" + access, refreshToken: "sim-rt-\(number)-" + refresh,
                                createdAt: createdAt, expiresIn: lifetime)
            state.accessTokens[issued.accessToken] = (account, Double(createdAt + lifetime))
            state.refreshTokens[account].insert(issued.refreshToken)
            return issued
        }
    }

    private static let tokenAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

    private static var invalidGrant: Answer {
        .json(.badRequest, error("invalid_grant", "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."))
    }

    private static func error(_ code: String, _ description: String) -> JSONValue {
        .object([("error", .string(code)), ("error_description", .string(description))])
    }
}
