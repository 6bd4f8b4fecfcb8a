/// A JSON value that keeps its keys in the order written and its numbers as literal text.
///
/// The simulator cannot use `JSONEncoder`/`JSONSerialization`: it must send key orders like the
/// vendors' samples, byte-identical bodies for a given seed, 18-digit `mihpayid`s that no Double
/// may round, and deliberately odd shapes (numbers as strings, strings with spaces).
indirect enum JSONValue: Sendable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    /// A number as literal JSON text, e.g. "403993715529606983" or "2.12".
    case number(String)
    case bool(Bool)
    case null

    static func int(_ value: Int) -> JSONValue { .number(String(value)) }

    /// Null for nil: PayU sends unknown fields as explicit nulls.
    static func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    /// Pretty-printed with two-space indents (people curl the simulator), ending in a newline.
    func rendered() -> String {
        var out = ""
        write(to: &out, indent: 0)
        out.append("\n")
        return out
    }

    private func write(to out: inout String, indent: Int) {
        switch self {
        case .object(let members):
            guard !members.isEmpty else { out.append("{}"); return }
            out.append("{\n")
            for (index, member) in members.enumerated() {
                out.append(String(repeating: "  ", count: indent + 1))
                Self.writeString(member.0, to: &out)
                out.append(": ")
                member.1.write(to: &out, indent: indent + 1)
                out.append(index == members.count - 1 ? "\n" : ",\n")
            }
            out.append(String(repeating: "  ", count: indent))
            out.append("}")
        case .array(let elements):
            guard !elements.isEmpty else { out.append("[]"); return }
            out.append("[\n")
            for (index, element) in elements.enumerated() {
                out.append(String(repeating: "  ", count: indent + 1))
                element.write(to: &out, indent: indent + 1)
                out.append(index == elements.count - 1 ? "\n" : ",\n")
            }
            out.append(String(repeating: "  ", count: indent))
            out.append("]")
        case .string(let text):
            Self.writeString(text, to: &out)
        case .number(let literal):
            out.append(literal)
        case .bool(let flag):
            out.append(flag ? "true" : "false")
        case .null:
            out.append("null")
        }
    }

    /// Escapes quotes, backslashes and control characters; everything else (₹, Hindi, emoji)
    /// goes out as UTF-8, as the vendors do.
    private static func writeString(_ text: String, to out: inout String) {
        out.append("\"")
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        out.append("\"")
    }
}
