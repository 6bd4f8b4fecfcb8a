import Foundation

/// Which API an error came from.
public enum Service: String, Sendable, Codable, Hashable {
    case kaleyra = "Kaleyra"
    case payu = "PayU"
}

/// The kind of trouble, for exit codes and for deciding what a person should do next.
public enum ErrorCategory: String, Sendable, Codable, Hashable, CaseIterable {
    case badInput = "bad_input"
    case configuration
    case notFound = "not_found"
    case authentication
    case rateLimited = "rate_limited"
    case server
    case network
}

/// An error body in Meta's format, passed through by Kaleyra.
public struct MetaError: Sendable, Hashable, Codable {
    public var message: String
    public var type: String?
    public var code: Int?
    public var details: String?
    /// Meta's trace id: support at Kaleyra or Meta asks for it.
    public var fbtraceID: String?
    public var httpStatus: Int

    public init(message: String, type: String? = nil, code: Int? = nil, details: String? = nil, fbtraceID: String? = nil, httpStatus: Int) {
        self.message = message
        self.type = type
        self.code = code
        self.details = details
        self.fbtraceID = fbtraceID
        self.httpStatus = httpStatus
    }

    /// Meta's throttling codes: 4 (app), 80007 (WhatsApp Business account), 80008 (business use
    /// case), 130429 (throughput).
    public static let throttlingCodes: Set<Int> = [4, 80007, 80008, 130429]
    public var isRateLimit: Bool { Self.throttlingCodes.contains(code ?? 0) || httpStatus == 429 }
}

/// What a server answered that could not be read as the API's JSON.
public enum UnreadableBody: Sendable, Hashable {
    case empty
    case html(title: String?)
    case malformedJSON(String)
}

/// Why PayU's token endpoint gave no access token.
public enum PayUTokenRenewalFailure: Sendable, Hashable {
    /// `invalid_grant`: the refresh token is expired, revoked or already used.
    case refreshTokenRefused(description: String?)
    /// `invalid_client`: the client id or secret is wrong.
    case clientRefused(description: String?)
    /// Another OAuth error code.
    case refused(code: String, description: String?)
    /// PayU refused (401) an access token it had just issued.
    case renewedTokenRejected
    /// The answer held no token: not JSON, or a token without `expires_in`.
    case unreadable(status: Int, detail: String)

    var isRefusal: Bool {
        if case .unreadable = self { false } else { true }
    }

    var message: String {
        func said(_ description: String?) -> String { description.map { ": \(ErrorText.clipped($0, limit: 80))" } ?? "" }
        switch self {
        case .refreshTokenRefused(let description):
            return "PayU refused to renew the access token (invalid_grant\(said(description))): the refresh token is expired, revoked or already used. Authorize refundwatch again in PayU's partner flow, set the new refresh token as [payu.oauth] refresh_token_env (or refresh_token), then run: refundwatch payu token --renew"
        case .clientRefused(let description):
            return "PayU's token endpoint refused the client (invalid_client\(said(description))). Check [payu.oauth] client_id and client_secret (else [payu] client_secret)."
        case .refused(let code, let description):
            return "PayU's token endpoint refused to renew the access token (\(ErrorText.clipped(code, limit: 40))\(said(description))). Check [payu.oauth] token_url, client_id and the refresh token."
        case .renewedTokenRejected:
            return "PayU refused an access token its token endpoint had just issued (Invalid Auth token). Check that [payu.oauth] token_url and refund_status_url are the same PayU environment (production or test)."
        case .unreadable(let status, let detail):
            return "PayU's token endpoint answered HTTP \(status) without a token (\(ErrorText.clipped(detail))). Check [payu.oauth] token_url; if it is right, try again shortly."
        }
    }
}

/// Every way a lookup can fail, typed so that callers can act on it and with a message a support
/// person can act on. No case carries a secret: not the api-key, token, client secret or hash.
public enum RefundWatchError: Error, Sendable, Hashable {
    /// Refused before any request was made.
    case invalidReferenceID(String, reason: String)
    /// A configured value (SID, phone number id, ...) that cannot go into a URL.
    case invalidSetting(name: String, reason: String)
    /// Kaleyra RBC001, HTTP 401.
    case kaleyraAuthentication(message: String)
    /// Kaleyra WA002: the account is not set up for this phone number.
    case accountNotSetUp(code: String, message: String)
    /// A Meta error passed through by Kaleyra.
    case meta(MetaError)
    /// Kaleyra has no payment for this reference id.
    case orderNotFound(referenceID: String)
    /// No configured account knows the order: each was asked under each of its payment
    /// configurations. `accounts`: their names, in the order asked; `places`: how many lookups.
    case orderNotFoundUnderAccounts(referenceID: String, accounts: [String], places: Int)
    /// The order belongs to an account the configuration no longer has.
    case unknownAccount(name: String, configured: [String])
    /// PayU 401: the bearer token is invalid or expired.
    case payuTokenRejected
    /// PayU's token endpoint did not renew the access token (`[payu.oauth]`).
    case payuTokenRenewal(PayUTokenRenewalFailure)
    /// A PayU token renewal failed (the error) while the team's database, which keeps PayU's
    /// newest refresh token, could not be asked (`problem`, naming the database without its
    /// password): the renewal went on with the refresh token this process held.
    indirect case payuTokenWithoutTeamDatabase(RefundWatchError, problem: String)
    /// PayU 403: the hash did not match (merchant_id or client_secret wrong).
    case payuHashRejected
    /// PayU 400: the reseller (partner) id is not allowed.
    case payuPartnerRejected(message: String)
    /// PayU 400 keyed by payu_id: PayU does not know this transaction.
    case payuUnknownTransaction(payuID: String, description: String)
    case rateLimited(Service, retryAfter: Double?)
    case server(Service, status: Int, message: String?)
    case unreadableResponse(Service, status: Int, body: UnreadableBody)
    case timeout(Service, seconds: Double)
    case connectionRefused(Service, host: String)
    case network(Service, host: String, detail: String)

    public var category: ErrorCategory {
        switch self {
        case .invalidReferenceID: .badInput
        case .accountNotSetUp, .invalidSetting: .configuration
        case .orderNotFound, .orderNotFoundUnderAccounts, .payuUnknownTransaction: .notFound
        case .unknownAccount: .configuration
        case .kaleyraAuthentication, .payuTokenRejected, .payuHashRejected, .payuPartnerRejected: .authentication
        case .payuTokenRenewal(let failure): failure.isRefusal ? .authentication : .server
        case .payuTokenWithoutTeamDatabase(let error, _): error.category
        case .rateLimited: .rateLimited
        case .server, .unreadableResponse: .server
        case .timeout, .connectionRefused, .network: .network
        case .meta(let meta):
            if meta.isRateLimit { .rateLimited }
            else if meta.httpStatus == 401 || meta.httpStatus == 403 || meta.code == 190 { .authentication }
            else if meta.httpStatus == 404 { .notFound }
            else if meta.httpStatus >= 500 { .server }
            else { .configuration }
        }
    }

    public var service: Service? {
        switch self {
        case .invalidReferenceID, .invalidSetting, .unknownAccount: nil
        case .kaleyraAuthentication, .accountNotSetUp, .meta, .orderNotFound, .orderNotFoundUnderAccounts: .kaleyra
        case .payuTokenRejected, .payuTokenRenewal, .payuTokenWithoutTeamDatabase, .payuHashRejected, .payuPartnerRejected, .payuUnknownTransaction: .payu
        case .rateLimited(let service, _), .server(let service, _, _), .unreadableResponse(let service, _, _),
             .timeout(let service, _), .connectionRefused(let service, _), .network(let service, _, _): service
        }
    }

    /// What went wrong and what to do, in one or two sentences.
    public var message: String {
        switch self {
        case .invalidReferenceID(let id, let reason):
            return "Reference id \(ErrorText.quoted(id)) is not valid: \(reason). Copy the id exactly as the order shows it."
        case .invalidSetting(let name, let reason):
            return "The configured \(name) is not valid: \(reason). Fix it in the configuration file."
        case .kaleyraAuthentication(let message):
            return "Kaleyra refused the credentials (\(message)). Check [kaleyra] sid and the api key (api_key or api_key_env) in your configuration."
        case .accountNotSetUp(let code, let message):
            return "Kaleyra: \(message) (\(code)). This account is not set up for WhatsApp payments on this phone number; check [kaleyra] phone_number_id or ask Kaleyra to map the number."
        case .meta(let meta):
            var text = "WhatsApp (via Kaleyra) answered HTTP \(meta.httpStatus): \(meta.message)"
            if let code = meta.code { text += " [code \(code)]" }
            if let details = meta.details, !details.isEmpty { text += ". Details: \(details)" }
            if meta.isRateLimit { text += ". Requests are being throttled; wait a minute and try again" }
            else if meta.code == 134009 { text += ". Check [kaleyra] payment_config_id" }
            if let trace = meta.fbtraceID { text += ". fbtrace_id \(trace) (give this to Kaleyra support)" }
            return text + "."
        case .orderNotFound(let id):
            return "No WhatsApp payment found for reference id \(ErrorText.quoted(id)). Check the id, and that it was sent with this phone number and payment configuration."
        case .orderNotFoundUnderAccounts(let id, let accounts, let places):
            let names = accounts.map(ErrorText.quoted).joined(separator: ", ")
            let under = accounts.count == 1
                ? "under any of the \(places) payment configurations of the account \(names)"
                : "under any of \(accounts.count) accounts (\(names))" + (places > accounts.count ? " and their payment configurations" : "")
            return "No WhatsApp payment found for reference id \(ErrorText.quoted(id)) \(under). Check the id; if the order is another account's, configure that account ([accounts.NAME.kaleyra])."
        case .unknownAccount(let name, let configured):
            return "The order belongs to the account \(ErrorText.quoted(name)), which the configuration does not have (it has \(configured.map(ErrorText.quoted).joined(separator: ", "))). Add [accounts.\(TerminalSafe.text(name)).kaleyra] back, or remove the order and track it again under one of these."
        case .payuTokenRejected:
            return "PayU rejected the bearer token: it is invalid or expired (PayU tokens last about two hours). Get a new token from PayU's OAuth server and update [payu] bearer_token or bearer_token_env, or let refundwatch renew it with [payu.oauth] (docs/configuration.md, \"PayU tokens\")."
        case .payuTokenRenewal(let failure):
            return failure.message
        case .payuTokenWithoutTeamDatabase(let error, let problem):
            return error.message + " (The team's database, which keeps PayU's newest refresh token, could not be asked: "
                + ErrorText.clipped(problem, limit: 240) + ". This process renewed with the refresh token it held, which another "
                + "process may have used already; once the database answers, the next renewal uses the team's.)"
        case .payuHashRejected:
            return "PayU rejected the request hash (Invalid Hash). Check [payu] merchant_id and client_secret."
        case .payuPartnerRejected(let message):
            return "PayU refused the partner: \(message). Check [payu] reseller_id."
        case .payuUnknownTransaction(let payuID, let description):
            return "PayU has no refunds for payu_id \(payuID) (\(description)). The transaction may not be a PayU one, or not yet visible to PayU."
        case .rateLimited(let service, let retryAfter):
            let wait = retryAfter.map { "try again in \(DurationText.short($0))" } ?? "wait a minute and try again"
            return "\(service.rawValue) is rate limiting requests; \(wait)."
        case .server(let service, let status, let message):
            let said = message.map { ": \(ErrorText.clipped($0))" } ?? ""
            return "\(service.rawValue) had a server error (HTTP \(status))\(said). This is on their side; try again shortly."
        case .unreadableResponse(let service, let status, let body):
            switch body {
            case .empty:
                return "\(service.rawValue) answered HTTP \(status) with an empty body, which usually means a proxy or gateway in between failed. Try again shortly."
            case .html(let title):
                let shown = title.map { " (\"\(ErrorText.clipped($0))\")" } ?? ""
                return "\(service.rawValue) answered HTTP \(status) with an HTML page\(shown) instead of JSON: a proxy or gateway in between failed. Try again shortly."
            case .malformedJSON(let detail):
                return "\(service.rawValue) answered HTTP \(status) with a body that is not the expected JSON (\(ErrorText.clipped(detail))). Try again; if it persists, report it."
            }
        case .timeout(let service, let seconds):
            return "\(service.rawValue) did not answer within \(DurationText.short(seconds)). Check your network, or raise request_timeout in the configuration."
        case .connectionRefused(let service, let host):
            return "Could not connect to \(service.rawValue) at \(host): connection refused. Check the URL in your configuration and that the service is up."
        case .network(let service, let host, let detail):
            return "Network trouble reaching \(service.rawValue) at \(host): \(ErrorText.clipped(detail)). Check your connection and try again."
        }
    }
}

extension RefundWatchError: CustomStringConvertible, LocalizedError {
    public var description: String { message }
    public var errorDescription: String? { message }
}

/// Small helpers for building error text that stays readable whatever the input.
package enum ErrorText {
    /// Quotes a user-supplied value, showing control characters as escapes so they are visible.
    package static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control { out += "\\u{\(String(scalar.value, radix: 16))}" }
            else { out.unicodeScalars.append(scalar) }
        }
        return out + "\""
    }

    package static func clipped(_ text: String, limit: Int = 160) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    }
}
