import Foundation

/// WhatsApp's rule for an order's `reference_id` (Meta's order_details reference): case sensitive,
/// not empty, English letters, digits, `_`, `-` and `.` only, at most 35 characters.
///
/// `lookup` stays lenient (any id is percent-encoded into one path segment and can at worst be "not
/// found"), but an id that goes onto the watchlist is checked against this rule, so a typo or a
/// stray CSV cell is caught when it is added, not days later as a failing fetch.
public enum ReferenceID {
    public static let maximumLength = 35

    /// Why `text` cannot be a WhatsApp reference id, or nil when it can.
    public static func problem(with text: String) -> String? {
        if text.isEmpty { return "it is empty" }
        if text.count > maximumLength {
            return "it is \(text.count) characters long; WhatsApp allows at most \(maximumLength)"
        }
        if let bad = text.unicodeScalars.first(where: { !isAllowed($0) }) {
            return "it contains \(describe(bad)); WhatsApp allows only English letters, digits, '_', '-' and '.'"
        }
        return nil
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_", "-", ".": true
        default: false
        }
    }

    private static func describe(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case " ": return "a space"
        case "\t": return "a tab"
        case _ where scalar.properties.generalCategory == .control:
            return "a control character (U+\(String(scalar.value, radix: 16, uppercase: true)))"
        default: return "'\(Character(scalar))'"
        }
    }
}
