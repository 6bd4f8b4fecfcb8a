import Foundation
import Testing
import RefundKit
import TestReports

private typealias B = ReportBuilder

/// Which stage each refund is in, and when it is late. 2026-11-16 is a Monday.
@Suite struct DeadlineRulesTests {
    let rules = DeadlineRules()
    let created = moment(2026, 11, 16, 10)

    func deadline(_ refund: RefundReport, gateway: Gateway = .payu, payuQueried: Bool = true, payuError: ReportedError? = nil) -> StageDeadline? {
        rules.deadline(for: refund, in: B.transaction("t1", gateway: gateway, refunds: [refund], payuQueried: payuQueried, payuError: payuError))
    }

    @Test func eachPayUStatusHasTheStageAndLimitItsNameSays() {
        let queued = deadline(B.refund("q", created: created, payu: B.record("q", status: .queued)))
        #expect(queued == StageDeadline(stage: .queued, due: moment(2026, 11, 17, 10), refundID: "q"), "24 business hours")
        for status in [PayURefundStatus.requested, .pending] {
            let bank = deadline(B.refund("b", created: created, payu: B.record("b", status: status)))
            #expect(bank == StageDeadline(stage: .bank, due: moment(2026, 11, 25, 10), refundID: "b"), "\(status): 7 business days")
        }
        let noARN = deadline(B.refund("a", status: .success, created: created, payu: B.record("a", status: .success)))
        #expect(noARN == StageDeadline(stage: .arn, due: moment(2026, 11, 19, 10), refundID: "a"), "72 business hours")
        let inProgress = deadline(B.refund("p", created: created, payu: B.record("p", status: .inProgress)))
        #expect(inProgress?.stage == .arn)
        // PayU has no record yet: the ARN is what is awaited, as before.
        #expect(deadline(B.refund("n", created: created))?.stage == .arn)
    }

    @Test func withItsARNARefundWaitsForWhatsAppToSayItIsComplete() {
        let credited = deadline(B.refund("c", status: .pending, created: created, payu: B.record("c", status: .success, arn: "921125460021")))
        #expect(credited == StageDeadline(stage: .credit, due: moment(2026, 11, 25, 10), refundID: "c"))
        #expect(deadline(B.refund("d", status: .success, created: created, payu: B.record("d", status: .success, arn: "9"))) == nil, "done")
    }

    @Test func otherGatewaysAreJudgedByWhatsAppAloneAndInstantRefundsGetADay() {
        let normal = deadline(B.refund("r", created: created), gateway: .razorpay)
        #expect(normal == StageDeadline(stage: .credit, due: moment(2026, 11, 25, 10), refundID: "r"))
        let instant = deadline(B.refund("i", created: moment(2026, 11, 20, 10), speed: .instant), gateway: .razorpay)
        #expect(instant == StageDeadline(stage: .credit, due: moment(2026, 11, 23, 10), refundID: "i"), "Friday plus one business day is Monday")
        #expect(deadline(B.refund("s", status: .success, created: created), gateway: .razorpay) == nil)
        // PayU not configured: nobody asked for the ARN, so only WhatsApp's side is judged.
        #expect(deadline(B.refund("u", created: created), payuQueried: false)?.stage == .credit)
        #expect(deadline(B.refund("u", status: .success, created: created), payuQueried: false) == nil)
    }

    @Test func failedRefundsAndUnknownTimesHaveNoDeadline() {
        #expect(deadline(B.refund("f", status: .failed, created: created)) == nil)
        #expect(deadline(B.refund("g", created: created, payu: B.record("g", status: .failure))) == nil)
        var unknown = B.refund("x", created: created)
        unknown.refund.created = .unknown("")
        #expect(deadline(unknown) == nil)
    }

    @Test func whenPayUCouldNotBeAskedTheARNIsNotJudged() {
        let error = ReportedError(category: .server, service: .payu, message: "PayU answered 500")
        #expect(deadline(B.refund("a", status: .success, created: created), payuError: error) == nil, "the ARN may well exist")
        #expect(deadline(B.refund("b", created: created), payuError: error)?.stage == .credit, "WhatsApp's side is still known")
        // With an earlier answer carried over, PayU's stages apply.
        #expect(deadline(B.refund("c", created: created, payu: B.record("c", status: .queued)), payuError: error)?.stage == .queued)
    }

    @Test func aPendingPaymentIsLateThirtyMinutesAfterTheFirstAttempt() {
        let attempt = B.transaction("t1", status: .pending, refunds: [])
        let pending = B.order([attempt], status: .pending)
        #expect(rules.deadline(for: pending.payment) == StageDeadline(stage: .payment, due: B.created.addingTimeInterval(1800), refundID: nil))
        #expect(rules.deadline(for: B.order([attempt]).payment) == nil, "captured")
        #expect(rules.deadline(for: B.order([], status: .pending).payment) == nil, "the customer has not tried to pay")
    }

    @Test func limitsAreConfigurableAndTheOlderARNKeyStillWorks() {
        #expect(DeadlineRules(arnBusinessHours: 24).deadline(for: B.refund("a", created: created), in: B.transaction("t", refunds: [B.refund("a", created: created)]))?.due
                == moment(2026, 11, 17, 10))
        var custom = DeadlineRules()
        custom.payuQueued = 48 * 3600
        let queued = B.refund("q", created: created, payu: B.record("q", status: .queued))
        #expect(custom.deadline(for: queued, in: B.transaction("t", refunds: [queued]))?.due == moment(2026, 11, 18, 10))
        #expect(custom.ruleText(.queued) == "48 business hours after creation")
        #expect(rules.ruleText(.bank) == "7 business days after creation")
        #expect(rules.ruleText(.arn) == "72 business hours after creation")
        #expect(rules.ruleText(.credit, instant: true) == "1 business day after creation (instant refund)")
        #expect(rules.ruleText(.payment) == "30m after the first attempt to pay")
    }

    @Test func theSummaryKeepsEveryDeadlineSoonestFirstAndCountsTheLateOnes() {
        let a = B.refund("a", status: .success, created: created, payu: B.record("a", status: .success))
        let b = B.refund("b", status: .success, created: moment(2026, 11, 18, 10), payu: B.record("b", status: .success))
        let c = B.refund("c", status: .success, paise: 2_550, created: created, payu: B.record("c", status: .success, arn: "1", settlement: "S1"))
        let q = B.refund("q", created: created, payu: B.record("q", status: .queued))
        let summary = OrderSummary(B.order([B.transaction("t", refunds: [a, b, c, q])]), rules: rules)
        #expect(summary.deadlines.map(\.refundID) == ["q", "a", "b"])
        #expect(summary.deadlines.map(\.stage) == [.queued, .arn, .arn])
        #expect(summary.arnMissing == 3)
        #expect(summary.arnPresent == 1)
        #expect(summary.nearestDeadline?.refundID == "q")
        #expect(summary.overdueCount(at: moment(2026, 11, 17, 10)) == 0)
        #expect(summary.overdueCount(at: moment(2026, 11, 17, 10, 1)) == 1)
        #expect(summary.overdueCount(at: moment(2026, 11, 19, 10, 1)) == 2)
        #expect(summary.overdueCount(at: moment(2026, 11, 23, 10, 1)) == 3)
    }

    @Test func standingIsSaidInWordsAndInAColumn() {
        let due = StageDeadline(stage: .arn, due: moment(2026, 11, 19, 10), refundID: "a")
        #expect(due.standing(at: moment(2026, 11, 19, 5)) == "due in 5h")
        #expect(due.standing(at: moment(2026, 11, 21, 13)) == "late by 2d 3h")
        #expect(due.compact(at: moment(2026, 11, 19, 5)) == "ARN in 5h")
        #expect(due.compact(at: moment(2026, 11, 21, 13)) == "ARN 2d late")
        #expect(StageDeadline(stage: .credit, due: moment(2026, 11, 25, 10), refundID: nil).compact(at: moment(2026, 11, 18, 11)) == "credit in 6d")
    }

    @Test func supportStaffGetSentencesToReadOut() {
        let now = moment(2026, 11, 18, 10)
        func words(_ refund: RefundReport, gateway: Gateway = .payu, at moment: Date = now) -> [String] {
            CustomerWords(refund, in: B.transaction("t", gateway: gateway, refunds: [refund]), rules: rules, now: moment).sentences
        }
        #expect(words(B.refund("a", status: .success, created: created, payu: B.record("a", status: .success))) == [
            "The refund has been sent; the bank has not yet given its reference number (ARN).",
            "The ARN is expected by Thu 19 Nov 2026, 10:00 IST.",
        ])
        #expect(words(B.refund("a", status: .success, created: created, payu: B.record("a", status: .success)), at: moment(2026, 11, 20, 12)) == [
            "The refund has been sent; the bank has not yet given its reference number (ARN).",
            "Late by 1d 2h (due Thu 19 Nov 2026, 10:00 IST): ask PayU support for the ARN of refund a.",
        ])
        #expect(words(B.refund("c", status: .pending, created: created, payu: B.record("c", status: .success, arn: "921125460021"))) == [
            "The bank has the refund, but WhatsApp does not show it completed yet (pending).",
            "ARN to quote to the customer's bank: 921125460021.",
            "It should be completed by Wed 25 Nov 2026, 10:00 IST.",
        ])
        #expect(words(B.refund("f", status: .failed, created: created), gateway: .razorpay) == [
            "The refund failed (WhatsApp: failed): no money is on its way back.",
            "Next: the merchant refunds again, or asks Razorpay support why refund f failed.",
        ])
        #expect(words(B.refund("s", status: .success, created: created, payu: B.record("s", status: .success, arn: "77", utr: "UTR9"))) == [
            "The refund is complete and settled (UTR UTR9).",
            "ARN to quote to the customer's bank: 77.",
        ])
    }
}
