import Foundation
import Testing
@testable import RefundKit
@testable import RefundModel
import TestSupport

private let noTime = Timestamp.unknown("")

private func refund(_ id: String, _ amount: String?) -> Refund {
    Refund(id: id, amount: amount.flatMap { Money(decimalString: $0) }, speed: .normal, status: .pending, created: noTime, updated: noTime)
}

private func record(_ key: String, requestID: String? = nil, token: String? = nil, amount: String?, currency: String = "INR") -> PayURefundRecord {
    PayURefundRecord(key: key, requestID: requestID, amount: amount.flatMap { Money(decimalString: $0, currency: currency) }, token: token)
}

@Suite struct MatcherTests {
    @Test func fixturePairMatchesByRequestID() throws {
        let payment = try FixtureLoader.payment("kaleyra/payment-status-payu-refunded.json")
        let txn = try #require(payment.transactions.first)
        let payuID = try #require(txn.payuID)
        let records = try FixtureLoader.payuRecords("payu/refund-status-success.json", payuID: payuID)
        let joined = RefundMatcher.join(refunds: txn.refunds, records: records)
        #expect(joined.unmatched.isEmpty)
        #expect(joined.refunds.map(\.refund.id) == ["135848905", "135843655"])
        #expect(joined.refunds.map(\.match) == [.requestID, .requestID])
        #expect(joined.refunds.map { $0.payu?.requestID } == ["135848905", "135843655"])
        #expect(joined.refunds[0].payu?.status == .queued)
        #expect(joined.refunds[0].payu?.bankARN == nil)
        #expect(joined.refunds[1].payu?.bankARN == "74799877220050718062")
        #expect(joined.refunds[1].payu?.utr == "SBIN717020991388")
        #expect(joined.refunds.allSatisfy { report in report.refund.amount.map { report.payu?.amount?.isSameAmount(as: $0) ?? false } ?? false })
    }

    @Test func matchesByRequestIDBeforeAmount() {
        let joined = RefundMatcher.join(refunds: [refund("W1", "2.12")],
                                        records: [record("B", amount: "2.12"), record("A", requestID: "W1", amount: "5.00")])
        #expect(joined.refunds[0].payu?.key == "A")
        #expect(joined.refunds[0].match == .requestID)
        #expect(joined.unmatched.map(\.key) == ["B"])
    }

    @Test func matchesByToken() {
        let joined = RefundMatcher.join(refunds: [refund("W1", "2.12")],
                                        records: [record("A", requestID: "other", token: "W1", amount: "9.99")])
        #expect(joined.refunds[0].payu?.key == "A")
        #expect(joined.refunds[0].match == .token)
        #expect(joined.unmatched.isEmpty)
    }

    @Test func matchesByAmountWhenExactlyOneRecordHasIt() {
        let joined = RefundMatcher.join(refunds: [refund("W1", "2.12"), refund("W2", "3.13")],
                                        records: [record("A", requestID: "P1", amount: "3.130"), record("B", requestID: "P2", amount: "2.12"),
                                                  record("C", requestID: "P3", amount: "7.00")])
        #expect(joined.refunds.map { $0.payu?.key } == ["B", "A"])
        #expect(joined.refunds.map(\.match) == [.amount, .amount])
        #expect(joined.unmatched.map(\.key) == ["C"])
    }

    @Test func twoRecordsWithTheSameAmountAreNotGuessedBetween() {
        let joined = RefundMatcher.join(refunds: [refund("W1", "100.00")],
                                        records: [record("A", amount: "100.00"), record("B", amount: "100")])
        #expect(joined.refunds[0].payu == nil)
        #expect(joined.refunds[0].match == nil)
        #expect(Set(joined.unmatched.map(\.key)) == ["A", "B"])
    }

    @Test func twoRefundsWithTheSameAmountAreNotGuessedBetween() {
        let joined = RefundMatcher.join(refunds: [refund("W1", "100.00"), refund("W2", "100.00")],
                                        records: [record("A", amount: "100.00")])
        #expect(joined.refunds.allSatisfy { $0.payu == nil && $0.match == nil })
        #expect(joined.unmatched.map(\.key) == ["A"])
    }

    @Test func amountMatchNeedsTheSameCurrencyAndAnAmount() {
        let joined = RefundMatcher.join(refunds: [refund("W1", "2.12"), refund("W2", nil)],
                                        records: [record("A", amount: "2.12", currency: "USD"), record("B", amount: nil)])
        #expect(joined.refunds.allSatisfy { $0.payu == nil })
        #expect(joined.unmatched.map(\.key) == ["A", "B"])
    }

    @Test func emptyIDsNeverMatchMissingIDs() {
        let joined = RefundMatcher.join(refunds: [refund("", "1.00")], records: [record("A", requestID: "", token: "", amount: "2.00")])
        #expect(joined.refunds[0].payu == nil)
        #expect(joined.unmatched.count == 1)
    }

    @Test func leftoversAndLoneRefunds() {
        let noRecords = RefundMatcher.join(refunds: [refund("W1", "1.00"), refund("W2", "2.00")], records: [])
        #expect(noRecords.refunds.map(\.refund.id) == ["W1", "W2"])
        #expect(noRecords.refunds.allSatisfy { $0.payu == nil && $0.match == nil })
        #expect(noRecords.unmatched.isEmpty)
        let noRefunds = RefundMatcher.join(refunds: [], records: [record("A", amount: "1.00"), record("B", amount: "2.00")])
        #expect(noRefunds.refunds.isEmpty)
        #expect(noRefunds.unmatched.map(\.key) == ["A", "B"])
    }
}

@Suite struct ErrorMessageTests {
    @Test func payuTokenRejected() {
        let error = RefundWatchError.payuTokenRejected
        #expect(error.category == .authentication)
        #expect(error.service == .payu)
        #expect(error.message.contains("expired"))
        #expect(error.message.contains("bearer_token"))
    }

    @Test func accountNotSetUp() {
        let error = RefundWatchError.accountNotSetUp(code: "WA002", message: "Solution ID mapping not present")
        #expect(error.category == .configuration)
        #expect(error.message.contains("phone number"))
        #expect(error.message.contains("WA002"))
        #expect(error.message.contains("phone_number_id"))
    }

    @Test func metaErrorShowsCodeDetailsAndTrace() {
        let meta = MetaError(message: "(#134009) Payment configuration id is invalid", type: "OAuthException", code: 134009,
                             details: "payment_configuration_id is invalid", fbtraceID: "ALrtxxxxxxxxQ9Nd_r7bTyR", httpStatus: 400)
        let error = RefundWatchError.meta(meta)
        #expect(error.category == .configuration)
        #expect(error.service == .kaleyra)
        #expect(error.message.contains("134009"))
        #expect(error.message.contains("payment_configuration_id is invalid"))
        #expect(error.message.contains("ALrtxxxxxxxxQ9Nd_r7bTyR"))
        #expect(error.message.contains("payment_config_id"))
        let throttled = RefundWatchError.meta(MetaError(message: "Rate limit hit", code: 130429, httpStatus: 400))
        #expect(throttled.category == .rateLimited)
        #expect(throttled.message.contains("throttled"))
        #expect(RefundWatchError.meta(MetaError(message: "x", code: 190, httpStatus: 400)).category == .authentication)
    }

    @Test func rateLimitedSaysHowLongToWait() {
        #expect(RefundWatchError.rateLimited(.kaleyra, retryAfter: 120).message.contains("try again in 2m."))
        #expect(RefundWatchError.rateLimited(.payu, retryAfter: 30).message.contains("try again in 30s."))
        #expect(RefundWatchError.rateLimited(.kaleyra, retryAfter: nil).message.contains("wait a minute"))
        #expect(RefundWatchError.rateLimited(.kaleyra, retryAfter: 120).category == .rateLimited)
    }

    @Test func htmlFromAProxyIsNotCalledBadJSON() {
        let error = RefundWatchError.unreadableResponse(.kaleyra, status: 502, body: .html(title: "502 Bad Gateway"))
        #expect(error.category == .server)
        #expect(error.message.contains("HTML"))
        #expect(error.message.contains("502 Bad Gateway"))
        #expect(!error.message.contains("JSON parse"))
        #expect(!error.message.lowercased().contains("malformed"))
        let empty = RefundWatchError.unreadableResponse(.payu, status: 504, body: .empty)
        #expect(empty.message.contains("empty body"))
        #expect(empty.message.contains("504"))
    }

    @Test func invalidReferenceIDShowsControlCharactersEscaped() {
        let error = RefundWatchError.invalidReferenceID("ORD\u{1b}[2J\n1\u{7}", reason: "it contains a control character")
        #expect(error.category == .badInput)
        #expect(error.service == nil)
        #expect(!error.message.unicodeScalars.contains { $0.properties.generalCategory == .control })
        #expect(error.message.contains(#"ORD\u{1b}[2J\u{a}1\u{7}"#))
        #expect(error.description == error.message)
    }

    @Test func networkAndServerCategories() {
        #expect(RefundWatchError.timeout(.payu, seconds: 0.5).message.contains("did not answer within 500ms."))
        #expect(RefundWatchError.timeout(.payu, seconds: 20).category == .network)
        #expect(RefundWatchError.server(.payu, status: 500, message: "PayU Internal Server Error").message.contains("HTTP 500"))
        #expect(RefundWatchError.orderNotFound(referenceID: "ORD-1").category == .notFound)
        #expect(RefundWatchError.payuHashRejected.message.contains("client_secret"))
    }
}

@Suite struct ErrorFixtureTests {
    private func kaleyra(_ file: String, status: Int) throws -> RefundWatchError {
        KaleyraResponse.error(from: TransportResponse(status: status, headers: [:], body: try FixtureLoader.data(file)), referenceID: "ORD-1")
    }

    private func payu(_ file: String, status: Int) throws -> RefundWatchError? {
        do {
            _ = try PayUResponse.records(from: TransportResponse(status: status, headers: [:], body: try FixtureLoader.data(file)), payuID: "403991552886474500")
            return nil
        } catch let error as RefundWatchError {
            return error
        }
    }

    @Test func kaleyraErrorBodies() throws {
        #expect(try kaleyra("kaleyra/error-401-incorrect-sid.json", status: 401) == .kaleyraAuthentication(message: "Incorrect SID or API key."))
        #expect(try kaleyra("kaleyra/error-solution-id-mapping.json", status: 400) == .accountNotSetUp(code: "WA002", message: "Solution ID mapping not present"))
        guard case .meta(let meta) = try kaleyra("kaleyra/error-meta-invalid-config.json", status: 400) else {
            Issue.record("expected a Meta error")
            return
        }
        #expect(meta.code == 134009)
        #expect(meta.details == "payment_configuration_id is invalid")
        #expect(meta.fbtraceID == "ALrtxxxxxxxxQ9Nd_r7bTyR")
        #expect(meta.type == "OAuthException")
    }

    @Test func payuErrorBodies() throws {
        #expect(try payu("payu/error-401-invalid-token.json", status: 401) == .payuTokenRejected)
        #expect(try payu("payu/error-403-invalid-hash.json", status: 403) == .payuHashRejected)
        #expect(try payu("payu/error-400-invalid-partner.json", status: 400)
                == .payuPartnerRejected(message: "Partner with UUID 1211212213r is not allowed to do this action"))
        #expect(try payu("payu/error-400-invalid-payu-id.json", status: 400)
                == .payuUnknownTransaction(payuID: "403991552886474500", description: "0 out of 1 Transactions Fetched Successfully"))
        #expect(try payu("payu/error-500-internal.json", status: 500) == .server(.payu, status: 500, message: "PayU Internal Server Error"))
        #expect(try payu("payu/refund-status-success.json", status: 200) == nil)
    }
}
