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
    public init?(value: Decimal, offset: Decimal, currency: String = "INR") {
        var source = offset
        var whole = Decimal()
        NSDecimalRound(&whole, &source, 0, .plain)
        guard offset > 0, whole == offset else { return nil }
        self.amount = value / offset
        self.currency = currency
        self.fractionDigits = Money.fractionDigits(forOffset: offset)
    }

    /// PayU's decimal strings ("2.12", " 10.00 "). Refuses anything that is not a plain decimal
    /// number (`-?digits(.digits)?`). Shown with at least `minimumFractionDigits` digits.
    public init?(decimalString: String, currency: String = "INR", minimumFractionDigits: Int = 2) {
        let text = decimalString.trimmed
        guard let fraction = Self.fractionLength(ofPlainDecimal: text),
              let amount = Decimal(string: text, locale: posixLocale)
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

    static func group(_ digits: String, indian: Bool) -> String {
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
        value = try container.decode(LenientDecimal.self, forKey: .value).value
        offset = try container.decodeIfPresent(LenientDecimal.self, forKey: .offset)?.value ?? 100
    }

    func money(currency: String) -> Money? { Money(value: value, offset: offset, currency: currency) }
}
