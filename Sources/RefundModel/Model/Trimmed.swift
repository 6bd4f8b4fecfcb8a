import Foundation

extension String {
    /// Without leading and trailing whitespace and newlines. Foundation's `trimmingCharacters(in:)`
    /// goes through NSString on Linux, which cost more than decoding the field around it: every
    /// status, amount and id on the wire passes through here.
    package var trimmed: String {
        let bytes = utf8
        if let first = bytes.first, let last = bytes.last, first > 0x20, first < 0x80, last > 0x20, last < 0x80 {
            return self
        }
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(String.UnicodeScalarView(scalars[start...end]))
    }
}


/// Decimal numbers on the wire are written with a point whatever the machine's locale; made once.
package let posixLocale = Locale(identifier: "en_US_POSIX")
