import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `application/x-www-form-urlencoded`: unreserved characters as they are, everything else as
/// %XX of its UTF-8 bytes (a refresh token may hold `+`, `/` or `=`).
enum PayUTokenForm {
    static func encode(_ fields: [(String, String)]) -> String {
        fields.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    private static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}

/// PayU's token answer: `{"access_token", "token_type": "Bearer", "expires_in": 7199,
/// "refresh_token", "scope", "created_at": 1553511296, "user_uuid"}`, or an OAuth error
/// `{"error": "invalid_grant", "error_description": …}`.
struct PayUTokenAnswer {
    var accessToken: String
    var refreshToken: String?
    var obtainedAt: Date
    var expiresAt: Date

    private struct Body: Decodable {
        var access_token: String?
        var refresh_token: String?
        var expires_in: FlexibleNumber?
        var created_at: FlexibleNumber?
        var error: String?
        var error_description: String?
    }

    /// A number PayU may send as a JSON number or as digits in a string.
    struct FlexibleNumber: Decodable {
        var value: Double
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Double.self) { value = number; return }
            let text = try container.decode(String.self)
            guard let number = Double(text.trimmingCharacters(in: .whitespaces)) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "\"\(text)\" is not a number")
            }
            value = number
        }
    }

    static func read(_ response: TransportResponse, sentAt: Date, received: Date) throws(RefundWatchError) -> PayUTokenAnswer {
        if let unreadable = BodyInspection.unreadable(response.body) {
            if response.status == 429 { throw .rateLimited(.payu, retryAfter: RetryAfter.seconds(response.header("retry-after"))) }
            if response.status >= 500 { throw .server(.payu, status: response.status, message: nil) }
            let detail = switch unreadable {
            case .empty: "an empty body"
            case .html(let title): "an HTML page" + (title.map { " (\"\($0)\")" } ?? "")
            case .malformedJSON(let detail): detail
            }
            throw .payuTokenRenewal(.unreadable(status: response.status, detail: detail))
        }
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: response.body)
        } catch {
            throw .payuTokenRenewal(.unreadable(status: response.status, detail: BodyInspection.describe(error)))
        }
        if let code = body.error {
            switch code {
            case "invalid_grant": throw .payuTokenRenewal(.refreshTokenRefused(description: body.error_description))
            case "invalid_client", "unauthorized_client": throw .payuTokenRenewal(.clientRefused(description: body.error_description))
            default: throw .payuTokenRenewal(.refused(code: code, description: body.error_description))
            }
        }
        if response.status == 429 { throw .rateLimited(.payu, retryAfter: RetryAfter.seconds(response.header("retry-after"))) }
        if response.status >= 500 { throw .server(.payu, status: response.status, message: nil) }
        guard response.status == 200 else {
            throw .payuTokenRenewal(.unreadable(status: response.status, detail: "no access_token and no OAuth error"))
        }
        guard let access = body.access_token, !access.isEmpty else {
            throw .payuTokenRenewal(.unreadable(status: 200, detail: "access_token missing"))
        }
        guard let lifetime = body.expires_in?.value, lifetime > 0, lifetime.isFinite else {
            throw .payuTokenRenewal(.unreadable(status: 200, detail: "expires_in missing or not a positive number"))
        }
        let expiresAt = expiry(createdAt: body.created_at?.value, lifetime: lifetime, sentAt: sentAt)
        let refresh = body.refresh_token.flatMap { $0.isEmpty ? nil : $0 }
        return PayUTokenAnswer(accessToken: access, refreshToken: refresh, obtainedAt: min(received, expiresAt), expiresAt: expiresAt)
    }

    /// `created_at + expires_in`, as PayU says to compute it; `created_at` in seconds or, on some
    /// of PayU's pages, milliseconds. A server clock ahead of ours would stretch the token past its
    /// real end and one behind would make it expired on arrival: the expiry is therefore never later
    /// than the request's sending plus the lifetime, and a `created_at` that makes the token already
    /// expired is ignored.
    static func expiry(createdAt: Double?, lifetime: Double, sentAt: Date) -> Date {
        let latest = sentAt.addingTimeInterval(lifetime)
        guard var created = createdAt, created > 0 else { return latest }
        if created > 100_000_000_000 { created /= 1000 }
        let stated = Date(timeIntervalSince1970: created + lifetime)
        return stated > sentAt ? min(stated, latest) : latest
    }
}
