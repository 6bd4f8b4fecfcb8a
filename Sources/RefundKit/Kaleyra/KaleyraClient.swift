import Foundation
import NIOHTTP1

/// Kaleyra's Get Payment Status API:
/// `GET <base>/v1/<SID>/wrapper/<phoneNumberId>/payments/<paymentConfigId>/<referenceId>`.
public struct KaleyraClient: Sendable {
    public let settings: KaleyraSettings
    /// The account whose request budget its calls spend.
    public let account: String
    let transport: HTTPTransport

    public init(settings: KaleyraSettings, transport: HTTPTransport, account: String = HTTPTransport.defaultAccount) {
        self.settings = settings
        self.transport = transport
        self.account = account
    }

    /// The payment for one reference id. The phone number and payment configuration default to the
    /// configuration's.
    public func paymentStatus(referenceID: String, phoneNumberID: String? = nil, paymentConfigID: String? = nil) async throws(RefundWatchError) -> Payment {
        if let problem = PathSegment.problem(with: referenceID) {
            throw .invalidReferenceID(referenceID, reason: problem)
        }
        let phone = phoneNumberID ?? settings.phoneNumberID
        let config = paymentConfigID ?? settings.paymentConfigID
        for (name, value) in [("phone number id", phone), ("payment configuration id", config), ("SID", settings.sid)] {
            if let problem = PathSegment.problem(with: value) {
                throw .invalidSetting(name: name, reason: problem)
            }
        }
        let path = ["v1", settings.sid, "wrapper", phone, "payments", config, referenceID].map(PathSegment.encode).joined(separator: "/")
        let request = TransportRequest(
            method: .GET, url: settings.baseURL + "/" + path,
            headers: [("api-key", settings.apiKey.value), ("Accept", "application/json"), ("Content-Type", "application/json")],
            body: nil, host: KaleyraClient.hostDescription(settings.baseURL), logPath: "/" + path,
            isThrottled: KaleyraResponse.isThrottled)
        let response = try await transport.send(request, service: .kaleyra, account: account)
        return try KaleyraResponse.payment(from: response, referenceID: referenceID)
    }

    static func hostDescription(_ url: String) -> String {
        guard let parsed = URL(string: url), let host = parsed.host else { return url }
        return parsed.port.map { "\(host):\($0)" } ?? host
    }
}

/// Reading Kaleyra's answers, success and every documented error body.
enum KaleyraResponse {
    private struct Envelope: Decodable { let payments: [Payment]? }

    static func payment(from response: TransportResponse, referenceID: String) throws(RefundWatchError) -> Payment {
        guard response.status == 200 else { throw error(from: response, referenceID: referenceID) }
        if let unreadable = BodyInspection.unreadable(response.body) {
            throw .unreadableResponse(.kaleyra, status: response.status, body: unreadable)
        }
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: response.body)
        } catch {
            // A 200 that is an error body in disguise still gets its proper message.
            if let known = knownError(response) { throw known }
            throw .unreadableResponse(.kaleyra, status: 200, body: .malformedJSON(BodyInspection.describe(error)))
        }
        guard let payments = envelope.payments else {
            if let known = knownError(response) { throw known }
            throw .unreadableResponse(.kaleyra, status: 200, body: .malformedJSON("no \"payments\" array"))
        }
        let match = payments.first { $0.referenceID == referenceID } ?? payments.first
        guard let payment = match else { throw .orderNotFound(referenceID: referenceID) }
        return payment
    }

    /// HTTP 429, or a Meta throttling code (4, 80007, 80008, 130429) with any status.
    @Sendable static func isThrottled(_ response: TransportResponse) -> Bool {
        if response.status == 429 { return true }
        guard response.status >= 400, case .meta(let meta)? = knownError(response) else { return false }
        return meta.isRateLimit
    }

    static func error(from response: TransportResponse, referenceID: String) -> RefundWatchError {
        let retryAfter = RetryAfter.seconds(response.header("retry-after"))
        if response.status == 429 { return .rateLimited(.kaleyra, retryAfter: retryAfter) }
        if let known = knownError(response) {
            if case .meta(let meta) = known {
                if meta.isRateLimit { return .rateLimited(.kaleyra, retryAfter: retryAfter) }
                if meta.httpStatus == 404 { return .orderNotFound(referenceID: referenceID) }
            }
            return known
        }
        if let unreadable = BodyInspection.unreadable(response.body) {
            return .unreadableResponse(.kaleyra, status: response.status, body: unreadable)
        }
        if response.status == 401 || response.status == 403 {
            return .kaleyraAuthentication(message: BodyInspection.message(response.body) ?? "HTTP \(response.status)")
        }
        if response.status == 404 { return .orderNotFound(referenceID: referenceID) }
        return .server(.kaleyra, status: response.status, message: BodyInspection.message(response.body))
    }

    private struct KaleyraErrorBody: Decodable { let code: LenientString?; let message: String? }
    private struct MetaEnvelope: Decodable { let error: MetaBody? }
    private struct MetaBody: Decodable {
        let message: String?
        let type: String?
        let code: Int?
        let error_data: ErrorData?
        let fbtrace_id: String?
        struct ErrorData: Decodable { let details: String? }
    }
    private struct MetaList: Decodable { let errors: [Item]?; struct Item: Decodable { let code: Int?; let title: String?; let details: String? } }

    /// The documented error bodies, whatever HTTP status they came with.
    static func knownError(_ response: TransportResponse) -> RefundWatchError? {
        let decoder = JSONDecoder()
        let status = response.status
        if let body = try? decoder.decode(KaleyraErrorBody.self, from: response.body), let code = body.code?.value {
            let message = body.message ?? code
            switch code.uppercased() {
            case "RBC001": return .kaleyraAuthentication(message: message)
            case "WA002": return .accountNotSetUp(code: code, message: message)
            default: break
            }
            if status == 401 || status == 403 { return .kaleyraAuthentication(message: "\(message) (\(code))") }
        }
        if let meta = (try? decoder.decode(MetaEnvelope.self, from: response.body))?.error, meta.message != nil || meta.code != nil {
            return .meta(MetaError(message: meta.message ?? "error", type: meta.type, code: meta.code,
                                   details: meta.error_data?.details, fbtraceID: meta.fbtrace_id, httpStatus: status))
        }
        if let first = (try? decoder.decode(MetaList.self, from: response.body))?.errors?.first {
            return .meta(MetaError(message: first.title ?? "error", code: first.code, details: first.details, httpStatus: status))
        }
        return nil
    }
}

/// Recognising bodies that are not JSON at all: what proxies and gateways send.
enum BodyInspection {
    static func unreadable(_ body: Data) -> UnreadableBody? {
        // Looks at the first byte that is not white space: none is an empty body, "<" a page.
        guard let first = body.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else { return .empty }
        guard first == UInt8(ascii: "<") else { return nil }
        return .html(title: htmlTitle(String(decoding: body.prefix(4096), as: UTF8.self)))
    }

    static func htmlTitle(_ html: String) -> String? {
        let lower = html.lowercased()
        guard let open = lower.range(of: "<title>"), let close = lower.range(of: "</title>", range: open.upperBound..<lower.endIndex) else { return nil }
        let start = html.index(html.startIndex, offsetBy: lower.distance(from: lower.startIndex, to: open.upperBound))
        let end = html.index(html.startIndex, offsetBy: lower.distance(from: lower.startIndex, to: close.lowerBound))
        let title = html[start..<end].trimmingCharacters(in: .whitespacesAndNewlines)
        return title.isEmpty ? nil : title
    }

    private struct MessageBody: Decodable { let message: String? }

    static func message(_ body: Data) -> String? {
        (try? JSONDecoder().decode(MessageBody.self, from: body))?.message
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): context.debugDescription
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        case DecodingError.keyNotFound(let key, _): "missing \(key.stringValue)"
        default: String(describing: error)
        }
    }
}
