import Foundation

/// An exact amount of money. Never a `Double`: amounts arrive as an integer `value` with an `offset`
/// (Kaleyra: ₹210.00 is `{"value": 21000, "offset": 100}`) or as a decimal string (PayU: `"2.12"`).
public struct Money: Sendable, Hashable, Comparable {
    public var amount: Decimal
    /// ISO 4217 code; "INR" for everything WhatsApp Pay in India sends today.
    public var currency: String
    /// Digits after the decimal point to show (2 for an offset of 100, 0 for an offset of 1).
    public var fractionDigits: Int

    public init(amount: Decimal, currency: String = "INR", fractionDigits: Int = 2) {
        self.amount = amount
        self.currency = currency
        self.fractionDigits = fractionDigits
    }

    /// `value / offset`, exactly. An offset that is not a positive integer is refused.
    ///
    /// The offsets senders use are powers of ten (1, 100, 1000), and dividing by 10^k only moves
    /// the decimal exponent: that is done directly, without `Decimal` division, which on Linux
    /// costs microseconds a division (and the digit count divided again). Any other offset (3,
    /// 250), and values far below a cent (`smallestFastValueExponent`), take the division.
    public init?(value: Decimal, offset: Decimal, currency: String = "INR") {
        if let digits = Self.powerOfTenExponent(offset), let amount = Self.dividedByPowerOfTen(value, digits) {
            self.amount = amount
            self.fractionDigits = digits
        } else {
            guard let quotient = Self.dividedExactly(value, by: offset) else { return nil }
            self.amount = quotient.amount
            self.fractionDigits = quotient.fractionDigits
        }
        self.currency = currency
    }

    /// The general path of `init(value:offset:)`: `Decimal` division, for any positive whole
    /// offset; nil for an offset that is not one.
    static func dividedExactly(_ value: Decimal, by offset: Decimal) -> (amount: Decimal, fractionDigits: Int)? {
        var source = offset
        var whole = Decimal()
        NSDecimalRound(&whole, &source, 0, .plain)
        guard offset > 0, whole == offset else { return nil }
        return (value / offset, fractionDigits(forOffset: offset))
    }

    /// The largest power of ten the fast path takes: `fractionDigits(forOffset:)` shows 2 digits
    /// beyond it, and the fast path must show what the division path shows.
    static let largestFastExponent = 12

    /// k when `offset` is exactly 10^k with k in 0...largestFastExponent, else nil.
    static func powerOfTenExponent(_ offset: Decimal) -> Int? {
        var compact = offset
        NSDecimalCompact(&compact)
        guard compact.sign == .plus, compact.isFinite,
              (0...largestFastExponent).contains(compact.exponent), compact.significand == 1
        else { return nil }
        return compact.exponent
    }

    /// The smallest exponent of a value the fast path takes. Division widens the dividend to 38
    /// digits first, and for values far below a cent (1e-115) that leaves `Decimal`'s exponent
    /// range (-128...127) and gives NaN; such values keep the division and what it gives.
    static let smallestFastValueExponent = -64

    /// `value / 10^digits` by moving the exponent: the same `Decimal`, digit for digit, that the
    /// division gives. Nil when `value` is not a number or too small (`smallestFastValueExponent`).
    static func dividedByPowerOfTen(_ value: Decimal, _ digits: Int) -> Decimal? {
        guard value.isFinite, value.exponent >= smallestFastValueExponent else { return nil }
        var result = Decimal(sign: value.sign, exponent: value.exponent - digits, significand: value.significand)
        // Division strips trailing zeros from its result; so does this.
        NSDecimalCompact(&result)
        return result
    }

    /// PayU's decimal strings ("2.12", " 10.00 "). Refuses anything that is not a plain decimal
    /// number (`-?digits(.digits)?`). Shown with at least `minimumFractionDigits` digits.
    public init?(decimalString: String, currency: String = "INR", minimumFractionDigits: Int = 2) {
        let text = decimalString.trimmed
        guard let fraction = Self.fractionLength(ofPlainDecimal: text),
              let amount = Self.plainDecimalFromDigits(text, fractionLength: fraction) ?? Decimal(string: text, locale: posixLocale)
        else { return nil }
        self.amount = amount
        self.currency = currency
        self.fractionDigits = max(minimumFractionDigits, fraction)
    }

    /// The digits after the point when `text` is `-?digits(.digits)?`, else nil. (A hand check, not
    /// a Regex: stored summaries decode two amounts each, and a 10,000-order watchlist loads them
    /// at start; the Regex made that take seconds.)
    static func fractionLength(ofPlainDecimal text: String) -> Int? {
        var bytes = Substring(text).utf8[...]
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        let whole = bytes.prefix(while: isDigit)
        guard !whole.isEmpty else { return nil }
        let rest = bytes.dropFirst(whole.count)
        if rest.isEmpty { return 0 }
        guard rest.first == UInt8(ascii: "."), rest.count > 1, rest.dropFirst().allSatisfy(isDigit) else { return nil }
        return rest.count - 1
    }

    /// A plain decimal (`-?digits(.digits)?`, already checked) of at most 18 digits, read as an
    /// integer and scaled by its fraction length: the same `Decimal`, digit for digit, as
    /// `Decimal(string:)`, without its locale lookup and parser. Nil for longer numbers and for
    /// zero (which `Decimal(string:)` keeps with the exponent it was written with), which take
    /// `Decimal(string:)`.
    static func plainDecimalFromDigits(_ text: String, fractionLength: Int) -> Decimal? {
        var digits: UInt64 = 0
        var count = 0
        var negative = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "-"): negative = true
            case UInt8(ascii: "."): continue
            default:
                count += 1
                guard count <= 18 else { return nil }
                digits = digits * 10 + UInt64(byte - UInt8(ascii: "0"))
            }
        }
        guard digits != 0 else { return nil }
        return Decimal(sign: negative ? .minus : .plus, exponent: -fractionLength, significand: Decimal(digits))
    }

    static func fractionDigits(forOffset offset: Decimal) -> Int {
        var digits = 0
        var rest = offset
        while rest >= 10, digits < 12 {
            rest /= 10
            digits += 1
        }
        return rest == 1 ? digits : 2
    }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.amount < rhs.amount }

    /// Same currency and the same amount, whatever the number of digits each was written with.
    public func isSameAmount(as other: Money) -> Bool {
        currency.uppercased() == other.currency.uppercased() && amount == other.amount
    }

    /// The amount with exactly `fractionDigits` digits after the point, no grouping: "2100.00".
    /// This is the form JSON output uses.
    public var plainString: String {
        var value = amount
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, fractionDigits, .bankers)
        if let minor = Self.minorUnits(rounded, fractionDigits: fractionDigits) {
            // The common case, by integer arithmetic: Decimal's own string goes through NSString
            // on Linux and cost most of a watchlist frame.
            let scale = Self.powersOfTen[fractionDigits]
            let magnitude = minor.magnitude
            let whole = String(magnitude / UInt64(scale))
            var fraction = ""
            if fractionDigits > 0 {
                let digits = String(magnitude % UInt64(scale))
                fraction = "." + String(repeating: "0", count: fractionDigits - digits.count) + digits
            }
            return (minor < 0 ? "-" : "") + whole + fraction
        }
        let negative = rounded < 0
        let magnitude = negative ? -rounded : rounded
        let parts = NSDecimalNumber(decimal: magnitude).stringValue.split(separator: ".", omittingEmptySubsequences: false)
        let whole = String(parts[0])
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        if fraction.count < fractionDigits { fraction += String(repeating: "0", count: fractionDigits - fraction.count) }
        let body = fractionDigits > 0 ? "\(whole).\(fraction)" : whole
        return negative ? "-\(body)" : body
    }

    private static let powersOfTen: [Int64] = (0...18).map { (0..<$0).reduce(Int64(1)) { value, _ in value * 10 } }

    /// `rounded` × 10^digits as a whole number, when that is exact and fits comfortably in 64 bits.
    private static func minorUnits(_ rounded: Decimal, fractionDigits: Int) -> Int64? {
        guard fractionDigits <= 15 else { return nil }
        let scaled = rounded * Decimal(powersOfTen[fractionDigits])
        guard scaled.magnitude < Decimal(Int64(1) << 62) else { return nil }
        let minor = NSDecimalNumber(decimal: scaled).int64Value
        return Decimal(minor) == scaled ? minor : nil
    }

    /// For people: `₹2,10,000.00` for INR (Indian grouping: the last three digits, then pairs),
    /// `USD 1,234.50` for anything else.
    public var formatted: String {
        let plain = plainString
        let negative = plain.hasPrefix("-")
        let unsigned = negative ? String(plain.dropFirst()) : plain
        let parts = unsigned.split(separator: ".", omittingEmptySubsequences: false)
        let isINR = currency.uppercased() == "INR"
        let grouped = Money.group(String(parts[0]), indian: isINR)
        let number = parts.count > 1 ? "\(grouped).\(parts[1])" : grouped
        let sign = negative ? "-" : ""
        return isINR ? "\(sign)₹\(number)" : "\(sign)\(currency.uppercased()) \(number)"
    }

    /// Digits in groups: Indian (the last three, then pairs) or thousands.
    public static func group(_ digits: String, indian: Bool) -> String {
        guard digits.count > 3 else { return digits }
        var groups: [Substring] = []
        var end = digits.endIndex
        var size = 3
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -size, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
            if indian { size = 2 }
        }
        return groups.joined(separator: ",")
    }
}

extension Money: CustomStringConvertible {
    public var description: String { formatted }
}

/// Money in the project's own JSON: `{"amount": "2.12", "currency": "INR"}`. The amount is a string
/// so that no JSON reader turns it into a float.
extension Money: Codable {
    private enum CodingKeys: String, CodingKey { case amount, currency }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let currency = try container.decodeIfPresent(String.self, forKey: .currency) ?? "INR"
        let text = try container.decode(LenientString.self, forKey: .amount).value
        // Our own JSON wrote exactly the digits to show ("5" for a whole-unit currency).
        guard let money = Money(decimalString: text, currency: currency, minimumFractionDigits: 0) else {
            throw DecodingError.dataCorruptedError(forKey: .amount, in: container, debugDescription: "not a decimal amount: \(text)")
        }
        self = money
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(plainString, forKey: .amount)
        try container.encode(currency, forKey: .currency)
    }
}

/// Kaleyra's amount object, `{"value": 21000, "offset": 100}`, with value and offset as numbers or
/// strings. Decoded through `Decimal` from the JSON text so large values stay exact.
struct WireAmount: Decodable {
    let value: Decimal
    let offset: Decimal

    private enum CodingKeys: String, CodingKey { case value, offset }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // What `LenientDecimal` reads, in its order, with its first step (a JSON integer that
        // fits 64 bits, the usual case) taken straight from this container.
        if let integer = try? container.decode(Int64.self, forKey: .value) {
            value = Decimal(integer)
        } else {
            value = try container.decode(LenientNonIntegerDecimal.self, forKey: .value).value
        }
        if let integer = try? container.decodeIfPresent(Int64.self, forKey: .offset) {
            offset = Decimal(integer)
        } else {
            offset = try container.decodeIfPresent(LenientNonIntegerDecimal.self, forKey: .offset)?.value ?? 100
        }
    }

    func money(currency: String) -> Money? { Money(value: value, offset: offset, currency: currency) }
}
