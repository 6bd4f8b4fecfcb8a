import Foundation

/// A string field that some senders write as a number (`"request_id": 135848905`). Numbers are
/// kept exactly as written where the decoder allows it: integers through `Int64`/`UInt64`, never
/// through `Double`.
package struct LenientString: Decodable, Sendable, Hashable {
    package let value: String

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            value = text
        } else {
            value = try Self.nonString(container)
        }
    }

    /// A value that is not a string, as text: what `init(from:)` reads after a string.
    fileprivate static func nonString(_ container: any SingleValueDecodingContainer) throws -> String {
        if let integer = try? container.decode(Int64.self) {
            return String(integer)
        } else if let integer = try? container.decode(UInt64.self) {
            return String(integer)
        } else if let decimal = try? container.decode(Decimal.self) {
            return "\(decimal)"
        } else if let flag = try? container.decode(Bool.self) {
            return String(flag)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a string or a number")
        }
    }
}

/// The part of `LenientString` after the string: for a value already known not to be a string.
private struct LenientNonString: Decodable {
    let value: String

    init(from decoder: any Decoder) throws {
        value = try LenientString.nonString(decoder.singleValueContainer())
    }
}

/// A decimal that arrives as a JSON number or as a string holding one.
struct LenientDecimal: Decodable, Sendable {
    let value: Decimal

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let integer = try? container.decode(Int64.self) {
            value = Decimal(integer)
        } else {
            value = try Self.nonInteger(container)
        }
    }

    /// A value that is not a 64-bit integer: what `init(from:)` reads after the integer.
    fileprivate static func nonInteger(_ container: any SingleValueDecodingContainer) throws -> Decimal {
        if let text = try? container.decode(String.self),
           let decimal = Decimal(string: text.trimmed, locale: posixLocale) {
            return decimal
        } else if let decimal = try? container.decode(Decimal.self) {
            return decimal
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a number")
        }
    }
}

/// The part of `LenientDecimal` after the integer: for a value already known not to be one.
struct LenientNonIntegerDecimal: Decodable, Sendable {
    let value: Decimal

    init(from decoder: any Decoder) throws {
        value = try LenientDecimal.nonInteger(decoder.singleValueContainer())
    }
}

extension KeyedDecodingContainer {
    /// A string-ish optional field: absent, null, or of an unexpected type all read as nil rather
    /// than failing the whole body. Empty strings stay empty (the seed sends `"udf2": ""`).
    func lenientString(_ key: Key) -> String? {
        // Strings, the common case, straight from the container: the same result as decoding a
        // `LenientString`, without a decoder of its own for every field.
        do {
            return try decodeIfPresent(String.self, forKey: key)
        } catch {
            return (try? decodeIfPresent(LenientNonString.self, forKey: key))??.value
        }
    }
}
