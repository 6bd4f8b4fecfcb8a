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
final class PayUTokenAuthority: Sendable {
    static let path = "/oauth/token"

    struct Issued: Sendable {
        let accessToken: String
        let refreshToken: String
        let createdAt: Int
        let expiresIn: Int
    }

    private struct State {
        /// Access tokens issued, with the simulated second each expires at.
        var accessExpiry: [String: Double] = [:]
        /// Refresh tokens that are still good (the initial one until used, then each newest).
        var refreshTokens: Set<String>
        var codeUsed = false
        var issued = 0
        var requests = 0
    }

    private let credentials: SimulatorCredentials
    private let lifetime: Int
    private let state: Locked<State>
    private let random: Locked<SeededRandom>

    init(credentials: SimulatorCredentials, lifetime: Int, seed: UInt64) {
        self.credentials = credentials
        self.lifetime = lifetime
        state = Locked(State(refreshTokens: [credentials.refreshToken]))
        random = Locked(.stream(seed: seed, purpose: 0x70CE))
    }

    /// Token requests answered since start, refused ones included.
    var requestCount: Int { state.withLock { $0.requests } }

    /// Refuses every refresh token from now on, as PayU does when a partner's access is revoked.
    func revokeRefreshTokens() { state.withLock { $0.refreshTokens.removeAll() } }

    /// Whether `token` is an access token from here that has not expired at `now` (simulated
    /// seconds since 1970).
    func accepts(_ token: String, at now: Double) -> Bool {
        state.withLock { $0.accessExpiry[token].map { now < $0 } ?? false }
    }

    func answer(_ request: ReceivedRequest, now: Double) -> Answer {
        state.withLock { $0.requests += 1 }
        guard request.method == "POST" else {
            return .json(.methodNotAllowed, Self.error("invalid_request", "Use POST with an application/x-www-form-urlencoded body."))
        }
        let form = SimulatorCore.formParameters(request.body)
        guard form["client_id"] == credentials.clientID, form["client_secret"].map({ $0 == credentials.clientSecret }) ?? true else {
            return .json(.unauthorized, Self.error("invalid_client", "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."))
        }
        let granted: Bool
        switch form["grant_type"] {
        case "refresh_token":
            granted = state.withLock { $0.refreshTokens.remove(form["refresh_token"] ?? "") != nil }
        case "authorization_code":
            guard form["client_secret"] == credentials.clientSecret else {
                return .json(.unauthorized, Self.error("invalid_client", "The authorization code grant needs client_secret."))
            }
            granted = state.withLock { state in
                guard form["code"] == credentials.authorizationCode, !state.codeUsed else { return false }
                state.codeUsed = true
                return true
            }
        default:
            return .json(.badRequest, Self.error("unsupported_grant_type", "The authorization grant type is not supported by the authorization server."))
        }
        guard granted else { return Self.invalidGrant }
        let issued = issue(now: now)
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

    private func issue(now: Double) -> Issued {
        let (access, refresh) = random.withLock { random in
            (random.characters(40, from: Self.tokenAlphabet), random.characters(40, from: Self.tokenAlphabet))
        }
        let createdAt = Int(now.rounded(.down))
        return state.withLock { state in
            state.issued += 1
            let issued = Issued(accessToken: "sim-at-\(state.issued)-" + access, refreshToken: "sim-rt-\(state.issued)-" + refresh,
                                createdAt: createdAt, expiresIn: lifetime)
            state.accessExpiry[issued.accessToken] = Double(createdAt + lifetime)
            state.refreshTokens.insert(issued.refreshToken)
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
