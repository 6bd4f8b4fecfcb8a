import Foundation
import RefundKit

/// Reads what a push names from its body, source by source, as the vendors send them: JSON, or a
/// form for PayU's webhooks; ids as strings or numbers, with stray spaces (PayU's own sample has
/// `"mihpayid": " 23907365951 "`). Nothing here decides an order's state: the names are what to
/// look up. A body that cannot be read is refused with the reason (HTTP 400); a Kaleyra
/// message-status call that is not about a payment is accepted and ignored.
public enum PushPayload {
    public static func names(_ source: PushSource, contentType: String?, body: Data) throws(PushRejection) -> PushNames {
        guard !body.isEmpty else { throw .malformed("the body is empty") }
        switch source {
        case .kaleyra:
            return try kaleyra(try PushJSON.parse(body))
        case .payuRefundStatus, .payuWebhook:
            // PayU posts its payment webhooks as a form and documents the refund status callback
            // as JSON; either is taken on either route, by what the body is.
            if isForm(contentType, body) {
                let form = try FormBody(body)
                return try payuRefund { form[$0] }
            }
            guard let object = try PushJSON.parse(body).object else { throw .malformed("expected a JSON object or a form") }
            return try payuRefund { key in object[key]?.scalar }
        case .payuARN:
            return try payuARN(try PushJSON.parse(body))
        }
    }

    // MARK: Kaleyra (and Meta)

    /// `{"type": "payment", "payment": {"reference_id": …, "transaction": {…}}}`, Kaleyra's; or
    /// Meta's `{"object": "whatsapp_business_account", "entry": [{"changes": [{"value":
    /// {"statuses": [{"type": "payment", "payment": {"reference_id": …}}]}}]}]}`.
    static func kaleyra(_ value: PushJSON) throws(PushRejection) -> PushNames {
        var names = PushNames()
        var statuses: [[String: PushJSON]] = []
        if let entries = value["entry"]?.array {
            for entry in entries {
                for change in entry["changes"]?.array ?? [] {
                    statuses += (change["value"]?["statuses"]?.array ?? []).compactMap(\.object)
                }
            }
            guard !statuses.isEmpty else {
                names.ignored = "a Meta webhook without statuses (a message, not a payment)"
                return names
            }
        } else if let object = value.object {
            statuses = [object]
        } else if let list = value.array {
            statuses = list.compactMap(\.object)
            guard statuses.count == list.count else { throw .malformed("expected JSON objects in the list") }
        } else {
            throw .malformed("expected a JSON object")
        }
        var others: [String] = []
        for status in statuses {
            let type = status["type"]?.scalar?.lowercased()
            guard type == "payment" || (type == nil && status["payment"] != nil) else {
                others.append(type ?? "without a type")
                continue
            }
            guard let payment = status["payment"]?.object else {
                throw .malformed("a payment update without its \"payment\" object")
            }
            guard let reference = payment["reference_id"]?.scalar else {
                throw .malformed("payment.reference_id is missing")
            }
            if let problem = ReferenceID.problem(with: reference) {
                throw .malformed("payment.reference_id \(FormBody.quoted(reference)) is not a WhatsApp reference id: \(problem)")
            }
            names.add(reference, to: \.referenceIDs)
            if let state = status["status"]?.scalar { names.add(state, to: \.statuses) }
            // One `transaction` object here (the lookup has a `transactions` array): a PayU one
            // names its payment id too.
            if let transaction = payment["transaction"]?.object, transaction["type"]?.scalar?.lowercased() == "payu",
               let id = transaction["id"]?.scalar {
                names.add(try checkedID(id, field: "payment.transaction.id"), to: \.payuIDs)
            }
        }
        if names.isEmpty { names.ignored = "a message status (\(others.prefix(3).map { FormBody.quoted($0) }.joined(separator: ", "))), not a payment" }
        return names
    }

    // MARK: PayU

    /// The refund status callback and the dashboard's refund webhook: one refund, named by PayU's
    /// payment id and refund request id, and the merchant's transaction id.
    static func payuRefund(_ field: (String) -> String?) throws(PushRejection) -> PushNames {
        var names = PushNames()
        func first(_ keys: [String]) -> (key: String, value: String)? {
            for key in keys { if let value = field(key)?.trimmingCharacters(in: .whitespaces), !value.isEmpty { return (key, value) } }
            return nil
        }
        if let (key, id) = first(["mihpayid", "payuid", "payu_id", "PayuID"]) { names.add(try checkedID(id, field: key), to: \.payuIDs) }
        if let (key, id) = first(["request_id", "RequestID"]) { names.add(try checkedID(id, field: key), to: \.requestIDs) }
        if let (key, id) = first(["merchantTxnId", "txnid", "merchant_txn_id"]) { names.add(try checkedID(id, field: key), to: \.merchantTxnIDs) }
        if let (_, status) = first(["status", "Status"]) { names.add(status, to: \.statuses) }
        guard !names.payuIDs.isEmpty || !names.merchantTxnIDs.isEmpty else {
            throw .malformed("names no PayU payment: expected mihpayid (or merchantTxnId / txnid)")
        }
        return names
    }

    /// `{"<merchant txnid>": [{"PayuID": …, "RequestID": …, "bank_arn": …, "Status": …}, …], …}`.
    static func payuARN(_ value: PushJSON) throws(PushRejection) -> PushNames {
        guard let object = value.object, !object.isEmpty else {
            throw .malformed("expected a JSON object of refunds by the merchant's transaction id")
        }
        var names = PushNames()
        for key in object.keys.sorted() {
            guard let refunds = object[key]?.array else {
                throw .malformed("\(FormBody.quoted(key)): expected a list of refunds")
            }
            names.add(try checkedID(key, field: "the transaction id"), to: \.merchantTxnIDs)
            for refund in refunds {
                guard let refund = refund.object else { throw .malformed("\(FormBody.quoted(key)): expected refunds as JSON objects") }
                if let id = refund["PayuID"]?.scalar?.trimmingCharacters(in: .whitespaces), !id.isEmpty {
                    names.add(try checkedID(id, field: "PayuID"), to: \.payuIDs)
                }
                if let id = refund["RequestID"]?.scalar?.trimmingCharacters(in: .whitespaces), !id.isEmpty {
                    names.add(try checkedID(id, field: "RequestID"), to: \.requestIDs)
                }
                if let status = refund["Status"]?.scalar { names.add(status, to: \.statuses) }
            }
        }
        return names
    }

    // MARK: Reading

    /// The longest id kept from a push; PayU's own limits are 50 (txnid) to 255 characters.
    static let maximumIDLength = 64

    /// An id as a push gives it: letters, digits and `_ - . : /`, at most 64 characters.
    static func checkedID(_ id: String, field: String) throws(PushRejection) -> String {
        let trimmed = id.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= maximumIDLength,
              trimmed.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.:/".unicodeScalars.contains($0)) }) else {
            throw .malformed("\(field) \(FormBody.quoted(id)) is not an id (letters, digits, _ - . : /, at most \(maximumIDLength) characters)")
        }
        return trimmed
    }

    /// A form by its content type, or, without one, by its first byte (JSON starts with `{` or `[`).
    static func isForm(_ contentType: String?, _ body: Data) -> Bool {
        if let type = contentType?.lowercased() {
            if type.hasPrefix("application/x-www-form-urlencoded") { return true }
            if type.hasPrefix("application/json") { return false }
        }
        let first = body.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        return first != UInt8(ascii: "{") && first != UInt8(ascii: "[")
    }
}
