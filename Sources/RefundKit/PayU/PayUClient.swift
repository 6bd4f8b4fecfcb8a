import Foundation
import NIOHTTP1

/// PayU's WhatsApp Refund Status API. The URL and method are configuration: PayU does not document
/// them (API-NOTES.md section 2).
public struct PayUClient: Sendable {
    public let settings: PayUSettings
    let transport: HTTPTransport

    public init(settings: PayUSettings, transport: HTTPTransport) {
        self.settings = settings
        self.transport = transport
    }

    /// Every refund PayU knows for one payment (`payu_id`, PayU's `mihpayid`).
    public func refundStatus(payuID: String) async throws(RefundWatchError) -> [PayURefundRecord] {
        if let problem = PathSegment.problem(with: payuID) {
            throw .invalidReferenceID(payuID, reason: "the payu_id is not valid: \(problem)")
        }
        let parameters: [(String, String)] = [
            ("merchant_id", settings.merchantID),
            ("payu_id", payuID),
            ("reseller_id", settings.resellerID),
            ("hash", PayUHash.compute(merchantID: settings.merchantID, payuID: payuID, clientSecret: settings.clientSecret.value)),
        ]
        var headers = [("Authorization", "Bearer \(settings.bearerToken.value)"), ("Accept", "application/json")]
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
        let response = try await transport.send(request, service: .payu)
        return try PayUResponse.records(from: response, payuID: payuID)
    }
}

/// Reading PayU's nested answer `{ "<payu_id>": { "<request_id>": RefundRecord } }` and its errors.
enum PayUResponse {
    static func records(from response: TransportResponse, payuID: String) throws(RefundWatchError) -> [PayURefundRecord] {
        if let unreadable = BodyInspection.unreadable(response.body) {
            if response.status == 429 { throw .rateLimited(.payu, retryAfter: RetryAfter.seconds(response.header("retry-after"))) }
            throw .unreadableResponse(.payu, status: response.status, body: unreadable)
        }
        guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any] else {
            if response.status >= 500 { throw .server(.payu, status: response.status, message: nil) }
            if response.status == 429 { throw .rateLimited(.payu, retryAfter: RetryAfter.seconds(response.header("retry-after"))) }
            throw .unreadableResponse(.payu, status: response.status, body: .malformedJSON("not a JSON object"))
        }
        if let message = object["message"] as? String, object.count <= 2 {
            throw error(status: response.status, message: message, retryAfter: response.header("retry-after"))
        }
        // The keyed error: { "<payu_id>": { "errorCode": "400", "description": ... } }
        for case let (key, value as [String: Any]) in object where value["errorCode"] != nil {
            let description = (value["description"] as? String) ?? "error \(value["errorCode"] ?? "")"
            throw .payuUnknownTransaction(payuID: key.trimmingCharacters(in: .whitespaces), description: description)
        }
        guard response.status == 200 else {
            throw error(status: response.status, message: nil, retryAfter: response.header("retry-after"))
        }
        return try decodeRecords(response.body, payuID: payuID)
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

    private struct Outer: Decodable {
        let records: [PayURefundRecord]

        init(from decoder: any Decoder) throws {
            let byPayuID = try decoder.container(keyedBy: AnyKey.self)
            var records: [PayURefundRecord] = []
            for payuKey in byPayuID.allKeys {
                let byRequest = try byPayuID.nestedContainer(keyedBy: AnyKey.self, forKey: payuKey)
                for requestKey in byRequest.allKeys {
                    var record = try byRequest.decode(PayURefundRecord.self, forKey: requestKey)
                    if record.key.isEmpty { record.key = requestKey.stringValue }
                    if record.mihpayid == nil { record.mihpayid = payuKey.stringValue.trimmed }
                    records.append(record)
                }
            }
            // JSON objects have no order; sort so output is stable.
            self.records = records.sorted { ($0.requestID ?? $0.key).localizedStandardCompare($1.requestID ?? $1.key) == .orderedAscending }
        }
    }

    static func decodeRecords(_ body: Data, payuID: String) throws(RefundWatchError) -> [PayURefundRecord] {
        do {
            return try JSONDecoder().decode(Outer.self, from: body).records
        } catch {
            throw .unreadableResponse(.payu, status: 200, body: .malformedJSON(BodyInspection.describe(error)))
        }
    }
}
