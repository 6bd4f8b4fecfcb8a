import Foundation
import Testing
@testable import RefundKit
@testable import RefundModel
import TestSupport

private func decimal(_ text: String) throws -> Decimal {
    try #require(Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")))
}

private func inr(_ amount: String, fractionDigits: Int = 2) throws -> Money {
    Money(amount: try decimal(amount), currency: "INR", fractionDigits: fractionDigits)
}

@Suite struct MoneyTests {
    @Test func valueOverOffset() throws {
        let rupees = try #require(Money(value: 21000, offset: 100))
        #expect(rupees.amount == 210)
        #expect(rupees.currency == "INR")
        #expect(rupees.fractionDigits == 2)
        #expect(rupees.plainString == "210.00")

        let paise = try #require(Money(value: 212, offset: 100))
        #expect(paise.amount == (try decimal("2.12")))
        #expect(paise.plainString == "2.12")

        let thousandths = try #require(Money(value: 7000, offset: 1000))
        #expect(thousandths.fractionDigits == 3)
        #expect(thousandths.plainString == "7.000")

        let whole = try #require(Money(value: 5, offset: 1))
        #expect(whole.fractionDigits == 0)
        #expect(whole.plainString == "5")
        #expect(whole.formatted == "₹5")

        let usd = try #require(Money(value: 123, offset: 100, currency: "USD"))
        #expect(usd.currency == "USD")
        #expect(usd.plainString == "1.23")
    }

    @Test func largeValuesStayExact() throws {
        let big = try #require(Money(value: try decimal("999999999999999999"), offset: 100))
        #expect(big.plainString == "9999999999999999.99")
        #expect(big.formatted == "₹9,99,99,99,99,99,99,999.99")
        let bigger = try #require(Money(value: try decimal("123456789012345678901234567"), offset: 100))
        #expect(bigger.plainString == "1234567890123456789012345.67")
    }

    @Test func nonPositiveOffsetsAreRefused() throws {
        #expect(Money(value: 100, offset: 0) == nil)
        #expect(Money(value: 100, offset: -100) == nil)
    }

    /// Money.swift documents "An offset that is not a positive integer is refused."
    @Test func fractionalOffsetsAreRefused() throws {
        #expect(Money(value: 100, offset: try decimal("2.5")) == nil)
        #expect(Money(value: 100, offset: try decimal("0.01")) == nil)
    }

    @Test(arguments: [
        ("0.5", "₹0.50"), ("0", "₹0.00"), ("999", "₹999.00"), ("1000", "₹1,000.00"), ("99999.99", "₹99,999.99"),
        ("100000", "₹1,00,000.00"), ("210000", "₹2,10,000.00"), ("123456789", "₹12,34,56,789.00"),
        ("-2.12", "-₹2.12"), ("-1234567.5", "-₹12,34,567.50"),
    ])
    func indianGrouping(amount: String, expected: String) throws {
        #expect(try inr(amount).formatted == expected)
        #expect(try inr(amount).description == expected)
    }

    @Test func otherCurrenciesUseTheCodeAndWesternGrouping() throws {
        #expect(Money(amount: 1_234_567, currency: "USD").formatted == "USD 1,234,567.00")
        #expect(Money(amount: try decimal("-1234.5"), currency: "usd").formatted == "-USD 1,234.50")
        #expect(Money(amount: 999, currency: "EUR").formatted == "EUR 999.00")
    }

    @Test func plainStringRoundsToItsDigits() throws {
        #expect(try inr("2.1").plainString == "2.10")
        #expect(try inr("-0.5").plainString == "-0.50")
        #expect(try inr("1234567.891", fractionDigits: 3).plainString == "1234567.891")
        #expect(try inr("2.125").plainString == "2.12")  // bankers' rounding
        #expect(try inr("2.135").plainString == "2.14")
        // Beyond 64-bit minor units the slower exact path is taken.
        #expect(try inr("123456789012345678901234.5").plainString == "123456789012345678901234.50")
        #expect(try inr("-98765432109876543210.125", fractionDigits: 3).plainString == "-98765432109876543210.125")
        #expect(try inr("0.05").plainString == "0.05")
        #expect(try inr("-0.005", fractionDigits: 3).plainString == "-0.005")
        #expect(try inr("7", fractionDigits: 0).plainString == "7")
    }

    @Test(arguments: [("2.12", "2.12", 2), (" 10.00 ", "10.00", 2), ("7", "7.00", 2), ("0.125", "0.125", 3), ("-3.5", "-3.50", 2)])
    func decimalStrings(text: String, plain: String, digits: Int) throws {
        let money = try #require(Money(decimalString: text))
        #expect(money.plainString == plain)
        #expect(money.fractionDigits == digits)
        #expect(money.currency == "INR")
    }

    @Test(arguments: ["abc", "", "   ", "1e5", "₹10", "10,00", "1.2.3", "1-2", "--5", ".", "0x10", "١٢", "1.", ".5", "-", "-.5", "5.-1", "+5"])
    func decimalStringsRefused(text: String) {
        #expect(Money(decimalString: text) == nil, "\(text) should be refused")
    }

    @Test func sameAmountIgnoresDigitsButNotCurrency() throws {
        let a = try #require(Money(value: 212, offset: 100))
        let b = try #require(Money(decimalString: "2.120"))
        #expect(a.isSameAmount(as: b))
        #expect(!a.isSameAmount(as: Money(amount: a.amount, currency: "USD")))
        #expect(a.isSameAmount(as: Money(amount: a.amount, currency: "inr")))
        #expect(!a.isSameAmount(as: try #require(Money(decimalString: "2.13"))))
        #expect(!(a < b))
        #expect(try #require(Money(decimalString: "2.11")) < a)
    }

    @Test func codableWritesTheAmountAsAString() throws {
        let money = try #require(Money(value: 21000, offset: 100))
        let object = try InlineJSON.object(money)
        #expect(object["amount"] as? String == "210.00")
        #expect(object["currency"] as? String == "INR")
        #expect(object.count == 2)
        #expect(try InlineJSON.roundTrip(money) == money)
        let three = try #require(Money(value: 7000, offset: 1000))
        #expect(try InlineJSON.roundTrip(three) == three)
    }

    @Test func codableRoundTripKeepsWholeUnitMoney() throws {
        let whole = try #require(Money(value: 5, offset: 1, currency: "JPY"))
        let back = try InlineJSON.roundTrip(whole)
        #expect(back.plainString == "5")
        #expect(back == whole)
    }

    @Test func decodesNumbersAndRefusesGarbage() throws {
        let fromNumber = try InlineJSON.decode(Money.self, #"{"amount": 2.12}"#)
        #expect(fromNumber.plainString == "2.12")
        #expect(fromNumber.currency == "INR")
        #expect(throws: DecodingError.self) { try InlineJSON.decode(Money.self, #"{"amount": "two"}"#) }
        #expect(throws: DecodingError.self) { try InlineJSON.decode(Money.self, #"{"currency": "INR"}"#) }
    }

    @Test func wireAmountDefaultsOffsetAndRefusesZero() throws {
        let wire = try InlineJSON.decode(WireAmount.self, #"{"value": "313"}"#)
        #expect(wire.offset == 100)
        #expect(wire.money(currency: "INR")?.plainString == "3.13")
        let zero = try InlineJSON.decode(WireAmount.self, #"{"value": 313, "offset": 0}"#)
        #expect(zero.money(currency: "INR") == nil)
    }
}

/// The same `Decimal`: equal, and written with the same sign, significand and exponent.
private func same(_ a: Decimal, _ b: Decimal) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    return a == b && a.sign == b.sign && a.exponent == b.exponent && a.significand == b.significand && a.description == b.description
}

/// `Money(value:offset:)` builds the amount from the exponent when the offset is a power of ten and
/// divides otherwise. The fast path must give exactly what the division gives: the same value with
/// the same digits (not merely an equal one), and the same number of digits shown.
@Suite struct MoneyPowerOfTenTests {
    private static let values = [
        "0", "1", "5", "-5", "7", "212", "-212", "21000", "144600", "-144600", "7000", "100000",
        "999999999999999999", "-999999999999999999", "9223372036854775807", "-9223372036854775808",
        "18446744073709551616", "123456789012345678901234567", "-123456789012345678901234567",
        "99999999999999999999999999999999999999", "2.5", "-0.25", "2.50", "10.00", "0.00", "-0.00",
        "1234567.891", "0.0001", "1e-64", "-3e-60", "1e-65", "1e-90", "1e-115", "1e-127", "1e100", "-3e50",
    ]

    @Test(arguments: 0...18)
    func powerOfTenOffsetsGiveWhatTheDivisionGives(exponent: Int) throws {
        let offset = Decimal(sign: .plus, exponent: exponent, significand: 1)
        #expect(Money.powerOfTenExponent(offset) == (exponent <= Money.largestFastExponent ? exponent : nil))
        for text in Self.values {
            let value = try decimal(text)
            let money = try #require(Money(value: value, offset: offset))
            let division = try #require(Money.dividedExactly(value, by: offset))
            #expect(same(money.amount, division.amount), "\(text) / 10^\(exponent): \(money.amount) against \(division.amount)")
            #expect(money.fractionDigits == division.fractionDigits)
            #expect(money.plainString == Money(amount: division.amount, fractionDigits: division.fractionDigits).plainString)
        }
    }

    @Test func offsetsWrittenAnyWayAreRecognised() throws {
        for (offset, digits) in [(Decimal(1), 0), (10, 1), (100, 2), (1000, 3), (try decimal("100.00"), 2), (try decimal("1e3"), 3),
                                 (Decimal(sign: .plus, exponent: 0, significand: 1000), 3), (Decimal(string: "1000000000000")!, 12)] {
            #expect(Money.powerOfTenExponent(offset) == digits, "\(offset)")
        }
        for offset in [Decimal(3), 250, 20, 99, 1001, 0, -100, try decimal("0.1"), try decimal("2.5"), .nan] {
            #expect(Money.powerOfTenExponent(offset) == nil, "\(offset)")
        }
    }

    @Test func theFractionDigitsShown() throws {
        #expect(try #require(Money(value: 5, offset: 1)).plainString == "5")
        #expect(try #require(Money(value: 5, offset: 10)).plainString == "0.5")
        #expect(try #require(Money(value: 5, offset: 100)).plainString == "0.05")
        #expect(try #require(Money(value: 5, offset: 1000)).plainString == "0.005")
        #expect(try #require(Money(value: 21000, offset: 100)).plainString == "210.00")
        #expect(try #require(Money(value: 7000, offset: 1000)).plainString == "7.000")
        #expect(try #require(Money(value: 1, offset: try decimal("1000000000000"))).fractionDigits == 12)
        // Beyond 10^12 the digits shown have always been 2; the division path still gives them.
        let huge = try #require(Money(value: 1, offset: try decimal("10000000000000")))
        #expect(huge.fractionDigits == 2)
        #expect(huge.amount == (try decimal("0.0000000000001")))
    }

    @Test func otherOffsetsKeepTheExactDivision() throws {
        let quarter = try #require(Money(value: 1000, offset: 250))
        #expect(quarter.amount == 4)
        #expect(quarter.fractionDigits == 2)
        #expect(quarter.plainString == "4.00")
        let third = try #require(Money(value: 1, offset: 3))
        #expect(third.amount == Decimal(1) / Decimal(3))
        #expect(third.fractionDigits == 2)
        #expect(third.plainString == "0.33")
        let negative = try #require(Money(value: -21000, offset: 3))
        #expect(negative.amount == Decimal(-21000) / Decimal(3))
        #expect(negative.plainString == "-7000.00")
        for offset in [Decimal(3), 250, 20, 99, 1001] {
            for value in [Decimal(0), 1, -1, 21000, try decimal("123456789012345678901234567")] {
                let money = try #require(Money(value: value, offset: offset))
                let division = try #require(Money.dividedExactly(value, by: offset))
                #expect(same(money.amount, division.amount))
                #expect(money.fractionDigits == division.fractionDigits)
            }
        }
    }

    @Test func negativeAndLargeValues() throws {
        #expect(try #require(Money(value: -21000, offset: 100)).plainString == "-210.00")
        #expect(try #require(Money(value: -1, offset: 1000)).plainString == "-0.001")
        #expect(try #require(Money(value: -5, offset: 1)).formatted == "-₹5")
        let large = try #require(Money(value: try decimal("123456789012345678901234567"), offset: 1000))
        #expect(large.plainString == "123456789012345678901234.567")
        let widest = try #require(Money(value: try decimal("-99999999999999999999999999999999999999"), offset: 100))
        #expect(widest.plainString == "-999999999999999999999999999999999999.99")
    }

    @Test func valuesAndOffsetsGivenAsStrings() throws {
        let wire: [(String, String, Int)] = [
            (#"{"value": "21000", "offset": "100"}"#, "210.00", 2),
            (#"{"value": 21000, "offset": 100}"#, "210.00", 2),
            (#"{"value": " -212 ", "offset": 100}"#, "-2.12", 2),
            (#"{"value": "7000", "offset": "1000"}"#, "7.000", 3),
            (#"{"value": "5", "offset": "1"}"#, "5", 0),
            (#"{"value": "999999999999999999999", "offset": "1000"}"#, "999999999999999999.999", 3),
            (#"{"value": 123456789012345678901234567, "offset": 100}"#, "1234567890123456789012345.67", 2),
            (#"{"value": "1000", "offset": "250"}"#, "4.00", 2),
            (#"{"value": 21000, "offset": "3"}"#, "7000.00", 2),
            (#"{"value": "313"}"#, "3.13", 2),
        ]
        for (json, plain, digits) in wire {
            let amount = try InlineJSON.decode(WireAmount.self, json)
            let money = try #require(amount.money(currency: "INR"), "\(json)")
            #expect(money.plainString == plain, "\(json)")
            #expect(money.fractionDigits == digits, "\(json)")
            let division = try #require(Money.dividedExactly(amount.value, by: amount.offset))
            #expect(same(money.amount, division.amount), "\(json)")
        }
        let fraction = try InlineJSON.decode(WireAmount.self, #"{"value": 2.5, "offset": 10}"#)
        #expect(fraction.value == (try decimal("2.5")))
        #expect(fraction.money(currency: "INR")?.amount == (try decimal("0.25")))
        #expect(try InlineJSON.decode(WireAmount.self, #"{"value": 5, "offset": null}"#).offset == 100)
        #expect(throws: DecodingError.self) { try InlineJSON.decode(WireAmount.self, #"{"value": "abc"}"#) }
        #expect(throws: DecodingError.self) { try InlineJSON.decode(WireAmount.self, #"{"value": null}"#) }
        #expect(throws: DecodingError.self) { try InlineJSON.decode(WireAmount.self, #"{"offset": 100}"#) }
        #expect(try InlineJSON.decode(WireAmount.self, #"{"value": "21000", "offset": "-100"}"#).money(currency: "INR") == nil)
        #expect(try InlineJSON.decode(WireAmount.self, #"{"value": "21000", "offset": "0.5"}"#).money(currency: "INR") == nil)
    }
}

/// `Money(decimalString:)` reads plain decimals of up to 18 digits as integers; the amount must be
/// the very `Decimal` that `Decimal(string:)` gives, which longer numbers and zero still use.
@Suite struct MoneyDecimalStringTests {
    @Test(arguments: [
        "2.12", "3.13", "32340.00", "2.50", "10.00", "0.10", "-0.001", "-2.12", "007", "1", "-1", "5",
        "123456789012345678", "-123456789012345678", "12345678901234567.8", "99999999999999999.9",
        "0.000000000000000001", "1234567890123456789", "123456789012345678.90", "-98765432109876543210.125",
        "0", "-0", "0.00", "-0.00", "000.000",
    ])
    func theSameDecimalAsDecimalString(text: String) throws {
        let money = try #require(Money(decimalString: text))
        let expected = try decimal(text)
        #expect(same(money.amount, expected), "\(text): \(money.amount) against \(expected)")
        let fraction = try #require(Money.fractionLength(ofPlainDecimal: text))
        let digits = text.filter(\.isNumber).count
        let isZero = !text.contains { $0.isNumber && $0 != "0" }
        #expect((Money.plainDecimalFromDigits(text, fractionLength: fraction) != nil) == (digits <= 18 && !isZero), "\(text)")
    }

    @Test func digitsShownAndSign() throws {
        let negative = try #require(Money(decimalString: " -3.5 "))
        #expect(negative.plainString == "-3.50")
        #expect(negative.amount == (try decimal("-3.5")))
        #expect(try #require(Money(decimalString: "0.125")).fractionDigits == 3)
        #expect(try #require(Money(decimalString: "2.1250")).plainString == "2.1250")
        #expect(try #require(Money(decimalString: "7", minimumFractionDigits: 0)).plainString == "7")
    }
}

