import Foundation

/// A JSON value from a push, read with `JSONDecoder` (which refuses nesting deeper than it can
/// read safely). Numbers keep their digits as text: PayU's ids are numbers in some samples, and a
/// payment id of 18 digits does not survive a `Double`.
indirect enum PushJSON: Decodable, Sendable, Hashable {
    case string(String)
    case number(String)
    case bool(Bool)
    case null
    case array([PushJSON])
    case object([String: PushJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Int64.self) {
            self = .number(String(number))
        } else if let number = try? container.decode(UInt64.self) {
            self = .number(String(number))
        } else if let number = try? container.decode(Double.self) {
            self = .number(number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number))
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let list = try? container.decode([PushJSON].self) {
            self = .array(list)
        } else {
            self = .object(try container.decode([String: PushJSON].self))
        }
    }

    static func parse(_ body: Data) throws(PushRejection) -> PushJSON {
        do {
            return try JSONDecoder().decode(PushJSON.self, from: body)
        } catch let DecodingError.dataCorrupted(context) {
            throw .malformed("the body is not JSON: \(Self.reason(context))")
        } catch {
            throw .malformed("the body is not JSON")
        }
    }

    /// What the decoder said, without the body it quotes.
    private static func reason(_ context: DecodingError.Context) -> String {
        let said = (context.underlyingError.map { String(describing: $0) } ?? context.debugDescription)
        return String(said.prefix(120)).replacingOccurrences(of: "\n", with: " ")
    }

    subscript(key: String) -> PushJSON? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    var object: [String: PushJSON]? { if case .object(let object) = self { object } else { nil } }
    var array: [PushJSON]? { if case .array(let list) = self { list } else { nil } }

    /// A string, or a number's digits; nil for anything else (true is not an id).
    var scalar: String? {
        switch self {
        case .string(let text), .number(let text): text
        default: nil
        }
    }
}
