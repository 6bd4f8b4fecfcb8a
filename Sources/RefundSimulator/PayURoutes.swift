import Foundation
import RefundKit

/// PayU's WhatsApp Refund Status. PayU documents the parameters but neither the path nor the
/// method, so both POST with a JSON body (the default of refundwatch) and GET with query
/// parameters are served. Checks run in PayU's documented order of failures.
///
/// With several accounts, the token (an account's fixed bearer token, or an access token the token
/// endpoint issued to an account) picks the account; the reseller id, the merchant id and the hash
/// must then be that account's. Records are answered only for transactions of orders belonging to
/// it (`OrderOwnership`): another account's payu_id is answered as an unknown one.
extension SimulatorCore {
    /// The account (index into `options.accounts`) whose bearer token, or live access token, a
    /// PayU refund status request carries.
    func payuAccount(_ request: ReceivedRequest) -> Int? {
        let token = Self.bearerToken(request.header("authorization")) ?? ""
        if let index = options.accounts.firstIndex(where: { $0.bearerToken == token }) { return index }
        return tokens.account(ofAccessToken: token, at: now().timeIntervalSince1970)
    }

    /// `account`: what `payuAccount(_:)` found for this request.
    func payuAnswer(_ request: ReceivedRequest, account: Int?) -> Answer {
        guard request.method == "POST" || request.method == "GET" else {
            return .json(.methodNotAllowed, PayUWire.message("Method \(request.method) not allowed; use POST or GET"))
        }
        guard let account else {
            return .json(.unauthorized, PayUWire.message("Invalid Auth token"))
        }
        let credentials = options.accounts[account]
        var parameters = Self.formParameters(request.query ?? "")
        if request.method == "POST" {
            parameters.merge(Self.bodyParameters(request.body)) { _, fromBody in fromBody }
        }
        let resellerID = parameters["reseller_id"] ?? ""
        guard resellerID == credentials.resellerID else {
            return .json(.badRequest, PayUWire.message("Partner with UUID \(resellerID) is not allowed to do this action"))
        }
        let payuID = parameters["payu_id"] ?? ""
        let expected = PayUHash.compute(merchantID: credentials.merchantID, payuID: payuID, clientSecret: credentials.clientSecret)
        guard parameters["merchant_id"] == credentials.merchantID, parameters["hash"]?.lowercased() == expected else {
            return .json(.forbidden, PayUWire.message("Invalid Hash"))
        }
        guard let transaction = catalogue.payuTransactions[payuID], ownership.account(ofPayUID: payuID) == account else {
            return .json(.badRequest, PayUWire.unknownPayUID(payuID))
        }
        if let refusal = transaction.refusal {
            return .json(.badRequest, PayUWire.unknownPayUID(payuID, description: refusal))
        }
        return .json(.ok, PayUWire.refundStatus(transaction, at: moment()))
    }

    /// The token of `Authorization: Bearer <token>` (scheme matched case-insensitively).
    static func bearerToken(_ header: String?) -> String? {
        guard let header = header?.trimmingCharacters(in: .whitespaces),
              let space = header.firstIndex(of: " "),
              header[..<space].lowercased() == "bearer" else { return nil }
        return header[space...].trimmingCharacters(in: .whitespaces)
    }

    /// A JSON object's values as text (numbers too, without going through Double); if the body
    /// is not a JSON object, it is read as `application/x-www-form-urlencoded`.
    static func bodyParameters(_ body: String) -> [String: String] {
        if let object = try? JSONDecoder().decode([String: LooseText].self, from: Data(body.utf8)) {
            return object.compactMapValues(\.text)
        }
        return formParameters(body)
    }

    static func formParameters(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                let spaced = part.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let name = decode(parts[0])
            if result[name] == nil { result[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return result
    }
}

/// A JSON scalar read as text; anything else (objects, arrays, null) reads as nil rather than
/// failing the whole body.
struct LooseText: Decodable {
    let text: String?

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            text = string
        } else if let integer = try? container.decode(Int64.self) {
            text = String(integer)
        } else if let unsigned = try? container.decode(UInt64.self) {
            text = String(unsigned)
        } else if let number = try? container.decode(Double.self) {
            text = String(number)
        } else if let flag = try? container.decode(Bool.self) {
            text = String(flag)
        } else {
            text = nil
        }
    }
}
