import Foundation
import RefundKit

/// An `application/x-www-form-urlencoded` body, as PayU posts its payment webhooks: `key=value`
/// pairs joined by `&`, `+` for a space, `%XX` for a byte. A key given twice is refused (which of
/// two `mihpayid`s would be the one?), as are bytes that are not UTF-8 and a broken `%` escape.
struct FormBody {
    private(set) var fields: [String: String] = [:]
    /// The keys in the order they came.
    private(set) var keys: [String] = []

    init(_ body: Data) throws(PushRejection) {
        guard let text = String(data: body, encoding: .utf8) else {
            throw .malformed("the form is not UTF-8 text")
        }
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = try Self.decode(parts[0])
            let value = parts.count > 1 ? try Self.decode(parts[1]) : ""
            guard !key.isEmpty else { throw .malformed("the form has a value without a key") }
            guard fields[key] == nil else {
                throw .malformed("the form gives the key \(Self.quoted(key)) more than once")
            }
            fields[key] = value
            keys.append(key)
        }
        guard !fields.isEmpty else { throw .malformed("the form is empty") }
    }

    subscript(key: String) -> String? { fields[key] }

    private static func decode(_ part: Substring) throws(PushRejection) -> String {
        guard let decoded = part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
            throw .malformed("the form has a broken %-escape near \(quoted(String(part.prefix(40))))")
        }
        return decoded
    }

    /// A key or a value quoted in a reason: made terminal-safe and cut short.
    static func quoted(_ text: String) -> String {
        let cut = text.count > 40 ? String(text.prefix(40)) + "…" : text
        return "\"" + TerminalSafe.text(cut) + "\""
    }
}
