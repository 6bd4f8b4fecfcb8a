import Foundation
import Testing
import RefundKit
import TestReports

@Suite struct OrderChangeTests {
    typealias B = ReportBuilder

    func lines(_ changes: [OrderChange]) -> [String] {
        changes.map { "\($0.subject) \($0.field.rawValue) \($0.old ?? "nil") -> \($0.new ?? "nil")" }
    }

    @Test func theFirstReportMakesEverythingAppearWithThePayUFieldsItHas() {
        let report = B.order([B.transaction("t1", refunds: [B.refund("r1", payu: B.record("r1", status: .queued))])])
        #expect(lines(OrderChange.between(nil, report)) == [
            "payment appeared nil -> captured",
            "transaction t1 appeared nil -> success",
            "refund r1 appeared nil -> pending",
            "refund r1 payu_status nil -> queued",
        ])
    }

    @Test func anUnchangedReportHasNoChanges() {
        let report = B.order([B.transaction("t1", refunds: [B.refund("r1", payu: B.record("r1", arn: "9"))])])
        #expect(OrderChange.between(report, report).isEmpty)
        var later = report
        later.fetchedAt = later.fetchedAt.addingTimeInterval(60)
        #expect(OrderChange.between(report, later).isEmpty)
    }

    @Test func eachKindOfChangeIsReported() {
        let before = B.order([B.transaction("t1", status: .pending, refunds: [B.refund("r1", payu: B.record("r1", status: .queued))])], status: .pending)
        let after = B.order([B.transaction("t1", status: .success, refunds: [
            B.refund("r1", status: .success, payu: PayURefundRecord(key: "r1", requestID: "r1", amountSettled: Money(decimalString: "100.00"),
                                                                    bankARN: "921125460021", status: .success, settlementID: "N1", utr: "UTR1", valueDate: "2026-11-21")),
        ])], status: .captured)
        #expect(lines(OrderChange.between(before, after)) == [
            "payment status pending -> captured",
            "transaction t1 status pending -> success",
            "refund r1 status pending -> success",
            "refund r1 payu_status queued -> success",
            "refund r1 arn nil -> 921125460021",
            "refund r1 settlement_id nil -> N1",
            "refund r1 amount_settled nil -> 100.00",
            "refund r1 utr nil -> UTR1",
            "refund r1 value_date nil -> 2026-11-21",
        ])
    }

    @Test func newAndVanishedTransactionsAndRefunds() {
        let before = B.order([B.transaction("t1", status: .failed, refunds: []), B.transaction("t2", refunds: [B.refund("r1"), B.refund("r2")])])
        let after = B.order([B.transaction("t2", refunds: [B.refund("r1"), B.refund("r3")]), B.transaction("t3", refunds: [])])
        #expect(lines(OrderChange.between(before, after)) == [
            "refund r3 appeared nil -> pending",
            "refund r2 disappeared pending -> nil",
            "transaction t3 appeared nil -> success",
            "transaction t1 disappeared failed -> nil",
        ])
    }

    @Test func aPayUFailureKeepsTheEarlierBankDataAndRecordsNoChange() {
        let fetched1 = B.order([B.transaction("t1", refunds: [B.refund("r1", status: .success, payu: B.record("r1", status: .success, arn: "921125460021"))])],
                               fetchedAt: Date(timeIntervalSince1970: 1_795_000_000))
        let error = ReportedError(category: .authentication, service: .payu, message: "PayU refused the bearer token: invalid or expired")
        let fetched2 = B.order([B.transaction("t1", refunds: [B.refund("r1", status: .success)], payuError: error)],
                               fetchedAt: Date(timeIntervalSince1970: 1_795_000_600))
        // Without carrying PayU's answer forward the ARN would look removed.
        #expect(lines(OrderChange.between(fetched1, fetched2)).contains("refund r1 arn 921125460021 -> nil"))

        let kept = fetched2.keepingPayU(from: fetched1)
        #expect(kept.transactions[0].refunds[0].payu?.bankARN == "921125460021")
        #expect(kept.transactions[0].payuError == error)
        #expect(kept.transactions[0].payuCarriedFrom == fetched1.fetchedAt)
        #expect(OrderChange.between(fetched1, kept).isEmpty)

        // A second failure keeps the first good answer's time, not the failed fetch's.
        var fetched3 = fetched2
        fetched3.fetchedAt = Date(timeIntervalSince1970: 1_795_001_200)
        #expect(fetched3.keepingPayU(from: kept).transactions[0].payuCarriedFrom == fetched1.fetchedAt)
        // A report with no PayU failure is left alone.
        #expect(fetched1.keepingPayU(from: kept) == fetched1)
    }

    @Test func carriedPayUDataSurvivesJSON() throws {
        let error = ReportedError(category: .server, service: .payu, message: "PayU answered 500")
        var report = B.order([B.transaction("t1", refunds: [B.refund("r1", payu: B.record("r1", arn: "7"))], payuError: error)])
        report.transactions[0].payuCarriedFrom = Date(timeIntervalSince1970: 1_795_000_000.25)
        let json = String(decoding: try report.jsonData(), as: UTF8.self)
        #expect(json.contains(#""payu_carried_from" : "2026-11-18T"#))
        #expect(try JSONDecoder().decode(OrderReport.self, from: Data(json.utf8)) == report)
    }

    @Test func stagesReadBothSides() {
        func stage(_ refund: RefundReport, gateway: Gateway = .payu) -> RefundStage {
            RefundStage(refund, in: B.transaction("t", gateway: gateway, refunds: [refund]))
        }
        #expect(stage(B.refund("r", payu: B.record("r", status: .queued))) == .queued)
        #expect(stage(B.refund("r", payu: B.record("r", status: .inProgress))) == .inProgress)
        #expect(stage(B.refund("r")) == .pending)
        #expect(stage(B.refund("r", status: .success, payu: B.record("r", status: .success))) == .awaitingARN)
        #expect(stage(B.refund("r", status: .success), gateway: .razorpay) == .done)
        #expect(stage(B.refund("r", status: .success, payu: B.record("r", status: .success, arn: "1"))) == .done)
        #expect(stage(B.refund("r", status: .success, payu: B.record("r", status: .success, arn: "1", utr: "U"))) == .settled)
        #expect(stage(B.refund("r", status: .success, payu: B.record("r", status: .failure))) == .failed)
        #expect(stage(B.refund("r", status: .failed)) == .failed)
    }
}
