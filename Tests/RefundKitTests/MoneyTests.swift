import Foundation
import Testing
@testable import RefundKit

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
