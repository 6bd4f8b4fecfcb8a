import Foundation

/// A string field that some senders write as a number (`"request_id": 135848905`). Numbers are
/// kept exactly as written where the decoder allows it: integers through `Int64`/`UInt64`, never
/// through `Double`.
struct LenientString: Decodable, Sendable, Hashable {
    let value: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            value = text
        } else if let integer = try? container.decode(Int64.self) {
            value = String(integer)
        } else if let integer = try? container.decode(UInt64.self) {
            value = String(integer)
        } else if let decimal = try? container.decode(Decimal.self) {
            value = "\(decimal)"
        } else if let flag = try? container.decode(Bool.self) {
            value = String(flag)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a string or a number")
        }
    }
}

/// A decimal that arrives as a JSON number or as a string holding one.
struct LenientDecimal: Decodable, Sendable {
    let value: Decimal

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let integer = try? container.decode(Int64.self) {
            value = Decimal(integer)
        } else if let text = try? container.decode(String.self),
                  let decimal = Decimal(string: text.trimmed, locale: posixLocale) {
            value = decimal
        } else if let decimal = try? container.decode(Decimal.self) {
            value = decimal
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a number")
        }
    }
}

extension KeyedDecodingContainer {
    /// A string-ish optional field: absent, null, or of an unexpected type all read as nil rather
    /// than failing the whole body. Empty strings stay empty (the seed sends `"udf2": ""`).
    func lenientString(_ key: Key) -> String? {
        (try? decodeIfPresent(LenientString.self, forKey: key))??.value
    }
}
