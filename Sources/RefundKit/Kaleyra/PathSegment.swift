import Foundation

/// User input that goes into a URL path as exactly one segment.
public enum PathSegment {
    /// Letters, digits and `-._~` pass; everything else (including `/`, `?`, `#`, `%`, spaces and
    /// non-ASCII) is percent-encoded as UTF-8. A segment of only dots (`.`, `..`) is encoded too,
    /// so no server or proxy can read it as "this folder" or "the folder above".
    public static func encode(_ text: String) -> String {
        let onlyDots = !text.isEmpty && text.allSatisfy { $0 == "." }
        var out = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            let unreserved = (byte < 0x80) && (CharacterSet.alphanumerics.contains(scalar) || "-_~".unicodeScalars.contains(scalar) || (byte == 0x2E && !onlyDots))
            out += unreserved ? String(Character(scalar)) : String(format: "%%%02X", byte)
        }
        return out
    }

    /// Why `text` cannot be sent, or nil when it can: empty (or only spaces) and control characters
    /// are refused before any request is made.
    public static func problem(with text: String) -> String? {
        if text.trimmingCharacters(in: .whitespaces).isEmpty { return "it is empty" }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "it contains a control character (a newline, tab or similar)"
        }
        if text.utf8.count > 512 { return "it is longer than 512 bytes" }
        return nil
    }
}
