/// Text from outside (API bodies, files, labels) made safe to write to a terminal.
///
/// Payment notes, receipts, merchant fields, gateway error reasons, ids and statuses are written by
/// merchants, gateways and (through notes) customers. Sent to a terminal as they came, `ESC ] 52`
/// would set the reader's clipboard, `ESC [ 2 J` clear the screen, `ESC ] 0` retitle the window, and
/// a right-to-left override make an ARN read backwards. So every human-readable output shows these
/// characters visibly instead of sending them:
///
/// - C0 controls U+0000–U+001F: `\e` (ESC), `\n`, `\r`, `\t`, else `\x07` style;
/// - DEL: `\x7f`;
/// - C1 controls U+0080–U+009F (U+009B is a one-character CSI on some terminals): `\u009b` style;
/// - bidirectional overrides and isolates U+202A–U+202E and U+2066–U+2069: `\u202e` style.
///
/// Everything else (₹, Devanagari, emoji, a backslash) passes unchanged, and the result holds none
/// of the characters above, so making text safe twice changes nothing. JSON and CSV output keep the
/// exact values instead; this is only for text a person reads on a terminal.
public enum TerminalSafe {
    /// Whether `scalar` must not reach a terminal as it is.
    @inlinable
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// The visible form of one character; the character itself when it is safe.
    public static func visible(_ scalar: Unicode.Scalar) -> String {
        guard isUnsafe(scalar) else { return String(scalar) }
        switch scalar.value {
        case 0x1B: return "\\e"
        case 0x0A: return "\\n"
        case 0x0D: return "\\r"
        case 0x09: return "\\t"
        case 0x00...0x1F, 0x7F: return "\\x" + hex(scalar.value, digits: 2)
        default: return "\\u" + hex(scalar.value, digits: 4)
        }
    }

    /// `text` with every unsafe character shown visibly. With `keepingLayout`, newlines and tabs are
    /// sent as they are: for whole outputs whose own layout puts them there, after each value in
    /// it was made safe on its own.
    public static func text(_ text: String, keepingLayout: Bool = false) -> String {
        guard mayNeedEscaping(text) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if keepingLayout && (scalar == "\n" || scalar == "\t") {
                out.append(scalar)
            } else if isUnsafe(scalar) {
                out.append(contentsOf: visible(scalar).unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// False when no byte of `text` can start an unsafe character: every UTF-8 byte is at least
    /// 0x20 and not DEL, and none leads a C1 control (0xC2) or a bidi control (0xE2). Most text
    /// passes this and is returned without being copied.
    @usableFromInline
    static func mayNeedEscaping(_ text: String) -> Bool {
        text.utf8.contains { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 || $0 == 0xE2 }
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}

extension String {
    /// This text with control characters, ESC, C1 controls and bidi overrides shown visibly
    /// (`\e`, `\x07`, `\u202e`): safe to print on a terminal. See `TerminalSafe`.
    public var terminalSafe: String { TerminalSafe.text(self) }
}
