import Foundation
import NIOHTTP1

/// PayU's WhatsApp Refund Status API. The URL and method are configuration: PayU does not document
/// them.
public struct PayUClient: Sendable {
    public let settings: PayUSettings
    /// The account whose request budget its calls spend.
    public let account: String
    let transport: HTTPTransport
    /// Renews access tokens for `[payu.oauth]`; nil for a fixed bearer token.
    public let tokens: PayUTokenManager?

    /// `team`: the team's database, which then keeps `[payu.oauth]`'s tokens instead of the token
    /// cache in `tokenCacheDirectory`.
    public init(settings: PayUSettings, transport: HTTPTransport, account: String = HTTPTransport.defaultAccount, tokenCacheDirectory: String? = nil,
                team: (any TeamLedger)? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.transport = transport
        self.account = account
        tokens = settings.oauth.map {
            PayUTokenManager(settings: $0, transport: transport, account: account, cacheDirectory: tokenCacheDirectory, ledger: team, now: now)
        }
    }

    /// Every refund PayU knows for one payment (`payu_id`, PayU's `mihpayid`). With `[payu.oauth]`
    /// a 401 renews the token once and asks again.
    public func refundStatus(payuID: String) async throws(RefundWatchError) -> [PayURefundRecord] {
        if let problem = PathSegment.problem(with: payuID) {
            throw .invalidReferenceID(payuID, reason: "the payu_id is not valid: \(problem)")
        }
        guard let tokens else {
            return try await refundStatus(payuID: payuID, token: settings.bearerToken?.value ?? "")
        }
        let token = try await tokens.accessToken()
        do {
            return try await refundStatus(payuID: payuID, token: token)
        } catch {
            guard case .payuTokenRejected = error else { throw error }
        }
        let renewed = try await tokens.renewAfterRejection(of: token)
        do {
            return try await refundStatus(payuID: payuID, token: renewed)
        } catch {
            guard case .payuTokenRejected = error else { throw error }
            throw .payuTokenRenewal(.renewedTokenRejected)
        }
    }

    private func refundStatus(payuID: String, token: String) async throws(RefundWatchError) -> [PayURefundRecord] {
        let parameters: [(String, String)] = [
            ("merchant_id", settings.merchantID),
            ("payu_id", payuID),
            ("reseller_id", settings.resellerID),
            ("hash", PayUHash.compute(merchantID: settings.merchantID, payuID: payuID, clientSecret: settings.clientSecret.value)),
        ]
        var headers = [("Authorization", "Bearer \(token)"), ("Accept", "application/json")]
        var url = settings.refundStatusURL
        var body: Data?
        switch settings.method {
        case .post:
            headers.append(("Content-Type", "application/json"))
            body = try? JSONSerialization.data(withJSONObject: Dictionary(uniqueKeysWithValues: parameters), options: [.sortedKeys])
        case .get:
            if var components = URLComponents(string: url) {
                let existing = components.queryItems ?? []
                components.queryItems = existing + parameters.map { URLQueryItem(name: $0.0, value: $0.1) }
                // URLComponents leaves "+" alone in queries; a server would read it as a space.
                let query = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
                components.percentEncodedQuery = query
                url = components.string ?? url
            }
        }
        let host = KaleyraClient.hostDescription(settings.refundStatusURL)
        let logPath = URL(string: settings.refundStatusURL)?.path ?? ""
        let request = TransportRequest(method: settings.method == .post ? .POST : .GET, url: url, headers: headers, body: body, host: host, logPath: logPath + " payu_id=\(payuID)")
        let response = try await transport.send(request, service: .payu, account: account)
        return try PayUResponse.records(from: response, payuID: payuID)
    }
}

/// Reading PayU's nested answer `{ "<payu_id>": { "<request_id>": RefundRecord } }` and its errors.
/// `package` for the tests' fixture loader (TestSupport), which reads bodies the way the client does.
package enum PayUResponse {
    static func records(from response: TransportResponse, payuID: String) throws(RefundWatchError) -> [PayURefundRecord] {
        if let unreadable = BodyInspection.unreadable(response.body) {
            if response.status == 429 { throw .rateLimited(.payu, retryAfter: RetryAfter.seconds(response.header("retry-after"))) }
            throw .unreadableResponse(.payu, status: response.status, body: unreadable)
        }
        // One parse for every shape: the body is a message, a keyed error or records, and only a
        // body that is not a JSON object fails to decode.
        guard let body = try? JSONDecoder().decode(Body.self, from: response.body) else {
            if response.status >= 500 { throw .server(.payu, status: response.status, message: nil) }
            if response.status == 429 { throw .rateLimited(.payu, retryAfter: RetryAfter.seconds(response.header("retry-after"))) }
            throw .unreadableResponse(.payu, status: response.status, body: .malformedJSON("not a JSON object"))
        }
        switch body {
        case .message(let message):
            throw error(status: response.status, message: message, retryAfter: response.header("retry-after"))
        case .unknownTransaction(let key, let description):
            throw .payuUnknownTransaction(payuID: key.trimmingCharacters(in: .whitespaces), description: description)
        case .records(let records):
            guard response.status == 200 else { throw error(status: response.status, message: nil, retryAfter: response.header("retry-after")) }
            return records
        case .unreadableRecords(let detail):
            guard response.status == 200 else { throw error(status: response.status, message: nil, retryAfter: response.header("retry-after")) }
            throw .unreadableResponse(.payu, status: 200, body: .malformedJSON(detail))
        }
    }

    private static func error(status: Int, message: String?, retryAfter: String?) -> RefundWatchError {
        let lower = message?.lowercased() ?? ""
        switch status {
        case 401: return .payuTokenRejected
        case 403 where lower.contains("hash"): return .payuHashRejected
        case 403: return .payuTokenRejected
        case 400 where lower.contains("partner"): return .payuPartnerRejected(message: message ?? "")
        case 429: return .rateLimited(.payu, retryAfter: RetryAfter.seconds(retryAfter))
        default:
            if lower.contains("invalid hash") { return .payuHashRejected }
            if lower.contains("auth token") { return .payuTokenRejected }
            return .server(.payu, status: status, message: message)
        }
    }

    /// Any JSON object PayU answers with, read in one pass and classified in the order the answer
    /// is judged: a string `"message"` in an object of at most two keys (`{"message": "Invalid
    /// Hash"}`, whatever the status), then the keyed error `{"<payu_id>": {"errorCode": "400",
    /// "description": ...}}`, then records. Records that do not decode are kept as the reason, so
    /// that only a body that is not a JSON object at all fails.
    private enum Body: Decodable {
        case message(String)
        case unknownTransaction(key: String, description: String)
        case records([PayURefundRecord])
        case unreadableRecords(String)

        init(from decoder: any Decoder) throws {
            let object = try decoder.container(keyedBy: AnyKey.self)
            let keys = object.allKeys
            if keys.count <= 2, let message = try? object.decodeIfPresent(String.self, forKey: AnyKey("message")) {
                self = .message(message)
                return
            }
            // One walk finds a keyed error under any key and reads the records beside it. A key
            // whose records do not decode is remembered, not thrown: an error under a later key
            // still wins, and the first such problem is the reason given otherwise.
            let errorCode = AnyKey("errorCode")
            var records: [PayURefundRecord] = []
            var problem: (any Error)?
            for payuKey in keys {
                let byRequest: KeyedDecodingContainer<AnyKey>
                do {
                    byRequest = try object.nestedContainer(keyedBy: AnyKey.self, forKey: payuKey)
                } catch {
                    if problem == nil { problem = error }
                    continue
                }
                // Present counts, null included.
                if byRequest.contains(errorCode) {
                    let description = (try? byRequest.decode(String.self, forKey: AnyKey("description"))) ?? "error \(Self.text(byRequest, errorCode))"
                    self = .unknownTransaction(key: payuKey.stringValue, description: description)
                    return
                }
                guard problem == nil else { continue }
                do {
                    try Outer.append(byRequest, payuKey: payuKey, to: &records)
                } catch {
                    problem = error
                }
            }
            if let problem {
                self = .unreadableRecords(BodyInspection.describe(problem))
            } else {
                self = .records(PayUResponse.ordered(records))
            }
        }

        /// An error code of any JSON type as the description shows it: a string as is, a number
        /// in its digits, true and false as 1 and 0, null as "<null>" (how Foundation prints
        /// these values once parsed, which is what PayU's keyed errors have always shown).
        private static func text(_ container: KeyedDecodingContainer<AnyKey>, _ key: AnyKey) -> String {
            if let text = try? container.decode(String.self, forKey: key) { return text }
            if let integer = try? container.decode(Int64.self, forKey: key) { return String(integer) }
            if let integer = try? container.decode(UInt64.self, forKey: key) { return String(integer) }
            if let number = try? container.decode(Double.self, forKey: key) { return "\(number)" }
            if let flag = try? container.decode(Bool.self, forKey: key) { return flag ? "1" : "0" }
            if (try? container.decodeNil(forKey: key)) == true { return "<null>" }
            return ""
        }
    }

    private struct Outer: Decodable {
        let records: [PayURefundRecord]

        init(from decoder: any Decoder) throws {
            let byPayuID = try decoder.container(keyedBy: AnyKey.self)
            var records: [PayURefundRecord] = []
            for payuKey in byPayuID.allKeys {
                try Self.append(byPayuID.nestedContainer(keyedBy: AnyKey.self, forKey: payuKey), payuKey: payuKey, to: &records)
            }
            self.records = PayUResponse.ordered(records)
        }

        /// The records under one payu_id: `{ "<request_id>": RefundRecord }`.
        static func append(_ byRequest: KeyedDecodingContainer<AnyKey>, payuKey: AnyKey, to records: inout [PayURefundRecord]) throws {
            for requestKey in byRequest.allKeys {
                var record = try byRequest.decode(PayURefundRecord.self, forKey: requestKey)
                if record.key.isEmpty { record.key = requestKey.stringValue }
                if record.mihpayid == nil { record.mihpayid = payuKey.stringValue.trimmed }
                records.append(record)
            }
        }
    }

    package static func decodeRecords(_ body: Data, payuID: String) throws(RefundWatchError) -> [PayURefundRecord] {
        do {
            return try JSONDecoder().decode(Outer.self, from: body).records
        } catch {
            throw .unreadableResponse(.payu, status: 200, body: .malformedJSON(BodyInspection.describe(error)))
        }
    }

    /// JSON objects have no order; sorted by request id (else key) so output is stable.
    static func ordered(_ records: [PayURefundRecord]) -> [PayURefundRecord] {
        records.sorted { precedes($0.requestID ?? $0.key, $1.requestID ?? $1.key) }
    }

    /// `localizedStandardCompare` order (numbers by value: "9" before "10"). Two plain numbers
    /// of up to 18 digits without leading zeros, which request ids are, are compared by value
    /// directly, which is the same order without the locale-aware comparison.
    static func precedes(_ a: String, _ b: String) -> Bool {
        if let x = plainNumber(a), let y = plainNumber(b) { return x < y }
        return a.localizedStandardCompare(b) == .orderedAscending
    }

    /// The value of 1 to 18 ASCII digits with no leading zero, else nil.
    static func plainNumber(_ text: String) -> UInt64? {
        let bytes = text.utf8
        guard (1...18).contains(bytes.count), bytes.first != UInt8(ascii: "0") else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
