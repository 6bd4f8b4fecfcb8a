import Foundation
import Testing
@testable import RefundKit
@testable import RefundModel
import TestSupport

private func inr(_ value: Int, _ offset: Int) -> Money { Money(value: Decimal(value), offset: Decimal(offset))! }

/// A payment body around one transaction, for variants of the transaction.
private func payment(transaction: String) throws -> Payment {
    try InlineJSON.decode(Payment.self, #"{"reference_id": "ORD-1", "status": "captured", "transactions": [\#(transaction)]}"#)
}

private func transaction(_ fields: String) throws -> Transaction {
    try InlineJSON.decode(Transaction.self, "{\"id\": \"T1\", \"type\": \"payu\", \"status\": \"success\"\(fields.isEmpty ? "" : ", " + fields)}")
}

@Suite struct PaymentDecodingTests {
    @Test func everyFixtureFileIsValidJSON() throws {
        let files = try FixtureLoader.allFiles()
        #expect(files.count == 11)
        for file in files {
            #expect((try? JSONSerialization.jsonObject(with: FixtureLoader.data(file))) != nil, "\(file) is not valid JSON")
        }
    }

    @Test func payuRefundedFixture() throws {
        let payment = try FixtureLoader.payment("kaleyra/payment-status-payu-refunded.json")
        #expect(payment.referenceID == "ORD-20261104-0042")
        #expect(payment.status == .captured)
        #expect(payment.currency == "INR")
        #expect(payment.amount == inr(21000, 100))
        #expect(payment.amount?.plainString == "210.00")
        #expect(payment.amount?.formatted == "₹210.00")
        #expect(payment.receipt == nil)
        #expect(payment.notes.isEmpty)
        #expect(payment.merchantFields == [MerchantField(name: "udf1", value: "cart-7781"), MerchantField(name: "udf2", value: ""),
                                           MerchantField(name: "udf3", value: ""), MerchantField(name: "udf4", value: "")])

        let txn = try #require(payment.transactions.first)
        #expect(payment.transactions.count == 1)
        #expect(txn.id == "403993715529606983")
        #expect(txn.gateway == .payu)
        #expect(txn.payuID == "403993715529606983")
        #expect(txn.status == .success)
        #expect(txn.created == .known(Date(timeIntervalSince1970: 1_762_232_400)))
        #expect(txn.updated == .known(Date(timeIntervalSince1970: 1_762_232_460)))
        #expect(txn.method == "upi")
        #expect(txn.error == nil)
        #expect(txn.amount == nil)

        #expect(txn.refunds.map(\.id) == ["135848905", "135843655"])
        let (first, second) = (txn.refunds[0], txn.refunds[1])
        #expect(first.amount == inr(212, 100))
        #expect(first.amount?.plainString == "2.12")
        #expect(first.speed == .normal)
        #expect(first.status == .pending)
        #expect(first.created.date == Date(timeIntervalSince1970: 1_762_318_800))
        #expect(second.amount?.formatted == "₹3.13")
        #expect(second.speed == .instant)
        #expect(second.status == .success)
        #expect(second.updated.date == Date(timeIntervalSince1970: 1_762_320_300))
    }

    @Test func seedSamplePlaceholdersNeverThrow() throws {
        let payment = try FixtureLoader.payment("kaleyra/payment-status-seed-sample.json")
        #expect(payment.referenceID == "reference-id-value")
        #expect(payment.status == .other("status-of-payment"))
        #expect(payment.status.rawValue == "status-of-payment")
        #expect(payment.amount == inr(21000, 100))
        #expect(payment.receipt == "receipt-value")
        #expect(payment.notes == ["key1": "value1", "key2": "value2"])
        let expectedNames = (1...4).map { "udf\($0)" } + (1...7).map { "additional_info\($0)" }
        #expect(payment.merchantFields.map(\.name) == expectedNames)
        #expect(payment.merchantFields.allSatisfy { $0.value == "\($0.name)-value" })

        let txn = try #require(payment.transactions.first)
        #expect(txn.id == "[PG-TXN-ID]")
        #expect(txn.gateway == .other("billdesk/razorpay/payu/zaakpay"))
        #expect(txn.payuID == nil)
        #expect(txn.status == .other("success/failed"))
        #expect(txn.created == .unknown("CREATED_TIMESTAMP"))
        #expect(txn.updated.date == nil)
        #expect(txn.method == "upi/card/netbanking/wallet")
        #expect(txn.error == GatewayError(code: "pg-generated-error-code", reason: "pg-generated-descriptive-reason"))

        let refund = try #require(txn.refunds.first)
        #expect(refund.id == "[REFUND-ID]")
        #expect(refund.amount == inr(100, 100))
        #expect(refund.speed == .other("instant/normal"))
        #expect(refund.status == .success)
        #expect(refund.created.date == nil)
    }

    @Test func amountInsteadOfTotalAmount() throws {
        let p = try InlineJSON.decode(Payment.self, #"{"reference_id": "R", "status": "pending", "amount": {"value": 21000, "offset": 100}}"#)
        #expect(p.amount == inr(21000, 100))
        #expect(p.transactions.isEmpty)
        #expect(p.notes.isEmpty)
        #expect(p.merchantFields.isEmpty)
        #expect(p.currency == "INR")
    }

    @Test func valueAndOffsetAsStringsAndLargeValuesStayExact() throws {
        let strings = try InlineJSON.decode(Payment.self, #"{"reference_id": "R", "status": "pending", "total_amount": {"value": "21000", "offset": "100"}}"#)
        #expect(strings.amount?.plainString == "210.00")
        let large = try InlineJSON.decode(Payment.self, #"{"reference_id": "R", "status": "pending", "amount": {"value": 999999999999999999, "offset": 100}}"#)
        #expect(large.amount?.plainString == "9999999999999999.99")
        let huge = try InlineJSON.decode(Payment.self, #"{"reference_id": "R", "status": "pending", "amount": {"value": 12345678901234567890123, "offset": 100}}"#)
        #expect(huge.amount?.plainString == "123456789012345678901.23")
    }

    @Test(arguments: [
        ("1762232400", 1_762_232_400.0),             // number
        ("\"1762232400\"", 1_762_232_400.0),         // numeric string
        ("\" 1762232400 \"", 1_762_232_400.0),       // numeric string with spaces
        ("1762232400123", 1_762_232_400.123),        // milliseconds
        ("\"1762232400123\"", 1_762_232_400.123),    // milliseconds as a string
        ("\"2025-11-04T05:00:00Z\"", 1_762_232_400.0), // our own ISO 8601
    ])
    func knownTimestamps(json: String, seconds: Double) throws {
        let txn = try transaction("\"created_timestamp\": \(json)")
        let date = try #require(txn.created.date, "\(json) should be a known time")
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_5)
    }

    @Test(arguments: ["\"CREATED_TIMESTAMP\"", "\"soon\"", "\"\"", "null", "0", "-5", "\"infinity\"", "\"nan\"", "true", "{}", "[1]"])
    func unknownTimestampsNeverThrow(json: String) throws {
        let txn = try transaction("\"created_timestamp\": \(json), \"updated_timestamp\": \(json)")
        #expect(txn.created.date == nil, "\(json) should be unknown")
        #expect(txn.updated.date == nil)
    }

    @Test func missingTimestampsAndOptionalBlocks() throws {
        let txn = try transaction("")
        #expect(txn.created == .unknown(""))
        #expect(txn.updated == .unknown(""))
        #expect(txn.method == nil)
        #expect(txn.error == nil)
        #expect(txn.refunds.isEmpty)
        #expect(txn.amount == nil)
        #expect(txn.pgTransactionID == nil)
        let p = try InlineJSON.decode(Payment.self, #"{"reference_id": "R", "status": "new"}"#)
        #expect(p.status == .new)
        #expect(p.amount == nil)
        #expect(p.transactions.isEmpty)
        #expect(p.receipt == nil)
        #expect(p.notes.isEmpty)
    }

    @Test func failedAttemptWithErrorAndNoMethod() throws {
        let p = try payment(transaction: #"{"id": "pay_1", "type": "razorpay", "status": "FAILED", "error": {"code": "BAD_REQUEST_ERROR", "reason": "payment_timed_out"}}"#)
        let txn = try #require(p.transactions.first)
        #expect(txn.gateway == .razorpay)
        #expect(txn.status == .failed)
        #expect(txn.method == nil)
        #expect(txn.error?.code == "BAD_REQUEST_ERROR")
        #expect(txn.error?.reason == "payment_timed_out")
        #expect(txn.payuID == nil)
    }

    @Test func pgTransactionIDIsPreferredAsPayuID() throws {
        let both = try transaction(#""pg_transaction_id": "403993715529606983""#)
        #expect(both.id == "T1")
        #expect(both.pgTransactionID == "403993715529606983")
        #expect(both.payuID == "403993715529606983")
        let onlyID = try transaction("")
        #expect(onlyID.payuID == "T1")
        let numeric = try InlineJSON.decode(Transaction.self, #"{"id": 403993715529606983, "type": "PayU", "status": "success"}"#)
        #expect(numeric.id == "403993715529606983")
        #expect(numeric.payuID == "403993715529606983")
        let zaakpay = try InlineJSON.decode(Transaction.self, #"{"id": "Z1", "pg_transaction_id": "Z2", "type": "zaakpay", "status": "success"}"#)
        #expect(zaakpay.gateway == .zaakpay)
        #expect(zaakpay.payuID == nil)
    }

    @Test func perTransactionAmountAndCurrency() throws {
        let txn = try transaction(#""amount": {"value": "15050", "offset": "100"}, "currency": "INR""#)
        #expect(txn.amount == inr(15050, 100))
        #expect(txn.amount?.formatted == "₹150.50")
    }

    @Test func refundCompletedIsSuccessAndUnknownIsKept() throws {
        let p = try payment(transaction: #"{"id": "T", "type": "payu", "status": "success", "refunds": [{"id": "R1", "amount": {"value": 100}, "status": "completed"}, {"id": "R2", "status": "on_hold", "speed_processed": "OPTIMUM"}]}"#)
        let refunds = try #require(p.transactions.first?.refunds)
        #expect(refunds[0].status == .success)
        #expect(refunds[0].amount == inr(100, 100))  // offset defaults to 100
        #expect(refunds[0].speed == nil)
        #expect(refunds[1].status == .other("on_hold"))
        #expect(refunds[1].status.rawValue == "on_hold")
        #expect(refunds[1].amount == nil)
        #expect(refunds[1].speed == .instant)
    }

    @Test func numericNotesAreReadAsStrings() throws {
        let p = try InlineJSON.decode(Payment.self, #"{"reference_id": 42, "status": "captured", "notes": {"order": 7781, "gift": "yes"}, "receipt": "rcpt_1", "extra1": "e1"}"#)
        #expect(p.referenceID == "42")
        #expect(p.notes == ["order": "7781", "gift": "yes"])
        #expect(p.receipt == "rcpt_1")
        #expect(p.merchantFields == [MerchantField(name: "extra1", value: "e1")])
        // Razorpay sends an empty array when there are no notes.
        #expect(try InlineJSON.decode(Payment.self, #"{"reference_id": "R", "status": "captured", "notes": []}"#).notes.isEmpty)
    }

    @Test(arguments: ["kaleyra/payment-status-payu-refunded.json", "kaleyra/payment-status-seed-sample.json"])
    func fixtureRoundTripIsEqual(file: String) throws {
        let payment = try FixtureLoader.payment(file)
        #expect(try InlineJSON.roundTrip(payment) == payment)
    }

    @Test func encoderWritesDecimalStringsAndISO8601() throws {
        let payment = try FixtureLoader.payment("kaleyra/payment-status-payu-refunded.json")
        let object = try InlineJSON.object(payment)
        let amount = try #require(object["amount"] as? [String: Any])
        #expect(amount["amount"] as? String == "210.00")
        #expect(amount["currency"] as? String == "INR")
        let txn = try #require((object["transactions"] as? [[String: Any]])?.first)
        #expect(txn["created_timestamp"] as? String == "2025-11-04T05:00:00Z")
        let refund = try #require((txn["refunds"] as? [[String: Any]])?.first)
        #expect((refund["amount"] as? [String: Any])?["amount"] as? String == "2.12")
    }

    @Test func millisecondTimestampsSurviveARoundTrip() throws {
        let p = try payment(transaction: #"{"id": "T", "type": "payu", "status": "success", "created_timestamp": 1762232400123}"#)
        #expect(try InlineJSON.roundTrip(p) == p)
    }
}

@Suite struct StatusDecodingTests {
    @Test func paymentTransactionAndRefundStatuses() {
        #expect(PaymentStatus(rawValue: "CAPTURED") == .captured)
        #expect(PaymentStatus(rawValue: " Pending ") == .pending)
        #expect(PaymentStatus(rawValue: "cancelled") == .canceled)
        #expect(PaymentStatus(rawValue: "on_hold") == .other("on_hold"))
        #expect(PaymentStatus(rawValue: "on_hold").rawValue == "on_hold")
        #expect(TransactionStatus(rawValue: "Success") == .success)
        #expect(TransactionStatus(rawValue: "failure") == .failed)
        #expect(RefundStatus(rawValue: "completed") == .success)
        #expect(RefundStatus(rawValue: "COMPLETED") == .success)
        #expect(RefundStatus(rawValue: "reversed") == .other("reversed"))
    }

    @Test(arguments: [("QUEUED", PayURefundStatus.queued), ("In Progress", .inProgress), ("in_progress", .inProgress),
                      ("IN-PROGRESS", .inProgress), ("Success", .success), ("FAILURE", .failure), ("requested", .requested),
                      ("Pending", .pending), ("on_hold", .other("on_hold"))])
    func payuStatuses(raw: String, expected: PayURefundStatus) {
        #expect(PayURefundStatus(rawValue: raw) == expected)
        #expect(PayURefundStatus(rawValue: raw).rawValue == expected.rawValue)
    }

    @Test func unknownStatusesEncodeVerbatim() throws {
        #expect(PayURefundStatus.inProgress.rawValue == "in progress")
        let data = try JSONEncoder().encode([RefundStatus.other("Reversed_By_Bank")])
        #expect(String(decoding: data, as: UTF8.self) == #"["Reversed_By_Bank"]"#)
        #expect(try JSONDecoder().decode([RefundStatus].self, from: data) == [.other("Reversed_By_Bank")])
    }
}

private let payuID = "403993715529606983"

private func record(_ fields: String) throws -> PayURefundRecord {
    let records = try PayUResponse.decodeRecords(Data("{\"\(payuID)\": {\"R1\": {\(fields)}}}".utf8), payuID: payuID)
    try #require(records.count == 1)
    return records[0]
}

@Suite struct PayUDecodingTests {
    @Test func successFixture() throws {
        let records = try FixtureLoader.payuRecords("payu/refund-status-success.json", payuID: payuID)
        #expect(records.map(\.requestID) == ["135843655", "135848905"])
        #expect(records.map(\.key) == ["135843655", "135848905"])
        #expect(records.allSatisfy { $0.mihpayid == "403993715529606983" })
        #expect(records.allSatisfy { $0.mode == "NB" && $0.refundMode == "Back to Source" && $0.action == "refund" })

        let done = records[0]
        #expect(done.amount == inr(313, 100))
        #expect(done.amount?.plainString == "3.13")
        #expect(done.amountSettled == inr(313, 100))
        #expect(done.token == "whatsapp_basudev_Refund2")
        #expect(done.bankARN == "74799877220050718062")
        #expect(done.bankRefNum == "305919158352")
        #expect(done.status == .success)
        #expect(done.settlementID == "N2232115984659")
        #expect(done.utr == "SBIN717020991388")
        #expect(done.valueDate == "2026-11-06")

        let queued = records[1]
        #expect(queued.amount == inr(212, 100))
        #expect(queued.status == .queued)
        #expect(queued.token == "whatsapp_basudev_Refund")
        #expect(queued.amountSettled == nil)
        #expect(queued.bankARN == nil)
        #expect(queued.bankRefNum == nil)
        #expect(queued.settlementID == nil)
        #expect(queued.utr == nil)
        #expect(queued.valueDate == nil)
        #expect(try InlineJSON.roundTrip(records) == records)
    }

    @Test(arguments: ["403993715529606983", "\"403993715529606983\"", "\"  403993715529606983 \""])
    func mihpayidStaysExact(json: String) throws {
        #expect(try record("\"mihpayid\": \(json)").mihpayid == "403993715529606983")
    }

    @Test func missingMihpayidFallsBackToTheOuterKey() throws {
        let r = try record(#""amt": "10.00", "status": "In Progress""#)
        #expect(r.mihpayid == payuID)
        #expect(r.key == "R1")
        #expect(r.requestID == nil)
        #expect(r.status == .inProgress)
        #expect(r.amount?.plainString == "10.00")
    }

    @Test func nullsNumbersAndOddValues() throws {
        let r = try record(#""amt": 2.5, "amount_settled": "abc", "request_id": null, "status": "on_hold", "bank_arn": "", "UTR_no": " U1 ""#)
        #expect(r.amount?.plainString == "2.50")
        #expect(r.amountSettled == nil)
        #expect(r.requestID == nil)
        #expect(r.status == .other("on_hold"))
        #expect(r.status?.rawValue == "on_hold")
        #expect(r.bankARN == nil)
        #expect(r.utr == "U1")
    }

    @Test func notAnObjectIsAnUnreadableResponse() {
        #expect(throws: RefundWatchError.self) { try PayUResponse.decodeRecords(Data("[1, 2]".utf8), payuID: payuID) }
    }

    /// The digest `printf '8244519|403993715529606983|s3cr3t' | sha512sum` prints.
    @Test func hashIsTheSHA512OfMerchantPayUIDAndSecret() {
        let hash = PayUHash.compute(merchantID: "8244519", payuID: "403993715529606983", clientSecret: "s3cr3t")
        #expect(hash == "e1be227e5d432fb483bd7bcdff5d654bc3b6dfe847612a7f4e488a44f6fd0a21c074388cfbca6cc2c1181cb1c9cb642f4fae216ab37896bb671d46c469ed3dd9")
        #expect(PayUHash.compute(merchantID: "8244519", payuID: "403993715529606983", clientSecret: "s3cr3T") != hash)
    }
}

@Suite struct TrimmedTests {
    @Test(arguments: [("ok", "ok"), ("  a b \n", "a b"), ("\t\r\n", ""), ("", ""), ("\u{00A0}x\u{2003}", "x"), ("é ", "é"), (" 406989374145704801", "406989374145704801")])
    func trimsWhiteSpaceAndNewlinesAtBothEnds(text: String, expected: String) {
        #expect(text.trimmed == expected)
    }
}

/// Amounts in a whole payment body, in every form the wire uses, come out as the exact quotient
/// `value / offset` with the digits the offset implies.
@Suite struct PaymentAmountTests {
    @Test func everyWireFormOfAnAmount() throws {
        let body = #"""
            {"reference_id": "ORD-1", "status": "captured", "amount": {"value": "999999999999999999999", "offset": "1000"},
             "transactions": [{"id": "T", "type": "payu", "status": "success", "amount": {"value": -21000, "offset": 100},
               "refunds": [
                 {"id": "R1", "amount": {"value": 5, "offset": 1}, "status": "completed"},
                 {"id": "R2", "amount": {"value": " 7000 ", "offset": 1000}, "status": "completed"},
                 {"id": "R3", "amount": {"value": 1000, "offset": 250}, "status": "completed"},
                 {"id": "R4", "amount": {"value": 1, "offset": "3"}, "status": "completed"},
                 {"id": "R5", "amount": {"value": 123456789012345678901234567, "offset": 10}, "status": "completed"}
               ]}]}
            """#
        let payment = try InlineJSON.decode(Payment.self, body)
        #expect(payment.amount?.plainString == "999999999999999999.999")
        #expect(payment.amount?.fractionDigits == 3)
        let transaction = try #require(payment.transactions.first)
        #expect(transaction.amount?.plainString == "-210.00")
        #expect(transaction.amount?.amount == -210)
        let refunds = transaction.refunds.map { $0.amount }
        #expect(refunds.map { $0?.plainString } == ["5", "7.000", "4.00", "0.33", "12345678901234567890123456.7"])
        #expect(refunds.map { $0?.fractionDigits } == [0, 3, 2, 2, 1])
        #expect(refunds[3]?.amount == Decimal(1) / Decimal(3))
        #expect(refunds[4]?.amount == Decimal(string: "12345678901234567890123456.7", locale: Locale(identifier: "en_US_POSIX")))
    }
}
