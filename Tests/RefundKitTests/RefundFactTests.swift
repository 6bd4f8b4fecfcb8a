import Foundation
import Testing
@testable import RefundModel
import RefundKit
import TestReports

/// `RefundFact.of`: where each refund is (`RefundProgress`) and when it reached each milestone,
/// fetch after fetch, as the store keeps it for the overview.
@Suite struct RefundFactTests {
    typealias B = ReportBuilder
    let rules = DeadlineRules()
    let created = ReportBuilder.created
    var t0: Date { created.addingTimeInterval(3_600) }

    /// The one refund of a one-transaction order fetched at `at`.
    func fact(_ refund: RefundReport, gateway: Gateway = .payu, queried: Bool = true, at: Date? = nil, previous: [RefundFact] = []) -> RefundFact {
        let report = B.order([B.transaction("t1", gateway: gateway, refunds: [refund], payuQueried: queried, method: "upi")], fetchedAt: at ?? t0)
        let facts = RefundFact.of(report, previous: previous, rules: rules)
        #expect(facts.count == 1)
        return facts[0]
    }

    @Test func eachPayUAndWhatsAppStateHasItsProgress() {
        let cases: [(String, RefundReport, RefundProgress)] = [
            ("nothing from PayU yet", B.refund("r"), .pending),
            ("PayU's status not one we know", B.refund("r", payu: B.record("r", status: .other("on hold"))), .pending),
            ("PayU queued", B.refund("r", payu: B.record("r", status: .queued)), .queued),
            ("PayU requested", B.refund("r", payu: B.record("r", status: .requested)), .bank),
            ("PayU pending", B.refund("r", payu: B.record("r", status: .pending)), .bank),
            ("PayU in progress", B.refund("r", payu: B.record("r", status: .inProgress)), .bank),
            ("WhatsApp success, PayU success without ARN", B.refund("r", status: .success, payu: B.record("r", status: .success)), .arn),
            ("WhatsApp success, no PayU record", B.refund("r", status: .success), .arn),
            ("WhatsApp success, PayU still queued", B.refund("r", status: .success, payu: B.record("r", status: .queued)), .arn),
            ("PayU success without ARN, WhatsApp pending", B.refund("r", payu: B.record("r", status: .success)), .arn),
            ("ARN, no settlement", B.refund("r", status: .success, payu: B.record("r", status: .success, arn: "A")), .unsettled),
            ("ARN, WhatsApp still pending", B.refund("r", payu: B.record("r", status: .success, arn: "A")), .unsettled),
            ("ARN and settlement id", B.refund("r", status: .success, payu: B.record("r", status: .success, arn: "A", settlement: "S")), .settled),
            ("ARN and UTR", B.refund("r", status: .success, payu: B.record("r", status: .success, arn: "A", utr: "U")), .settled),
            ("WhatsApp failed", B.refund("r", status: .failed, payu: B.record("r", status: .queued)), .failed),
            ("PayU failure", B.refund("r", payu: B.record("r", status: .failure)), .failed),
            ("PayU failure, WhatsApp success", B.refund("r", status: .success, payu: B.record("r", status: .failure)), .failed),
        ]
        for (name, refund, progress) in cases {
            #expect(fact(refund).progress == progress, "\(name)")
        }
    }

    @Test func anotherGatewayOrPayUNotAskedIsPendingThenDone() {
        for (gateway, queried) in [(Gateway.razorpay, false), (.billdesk, false), (.payu, false)] {
            let said = "\(gateway) asked: \(queried)"
            #expect(fact(B.refund("r"), gateway: gateway, queried: queried).progress == .pending, "\(said)")
            #expect(fact(B.refund("r", status: .success), gateway: gateway, queried: queried).progress == .done, "\(said)")
            #expect(fact(B.refund("r", status: .failed), gateway: gateway, queried: queried).progress == .failed, "\(said)")
        }
    }

    @Test func aFactHoldsItsRefundsGatewayMethodAmountAndStageDeadline() {
        let refund = B.refund("r", paise: 1_250, payu: B.record("r", status: .queued))
        let report = B.order([B.transaction("t9", gateway: .payu, refunds: [refund], method: "card")], fetchedAt: t0)
        let one = fact(refund)
        #expect(one.key == RefundFact.Key(transactionID: "t1", refundID: "r"))
        #expect(one.gateway == "payu" && one.method == "upi" && one.amountMinor == 1_250 && one.currency == "INR")
        #expect(one.createdAt == created)
        #expect(one.deadline == rules.deadline(for: refund, in: report.transactions[0]) && one.deadline?.stage == .queued)
        let other = RefundFact.of(report, previous: [], rules: rules)[0]
        #expect(other.transactionID == "t9" && other.method == "card")
        #expect(fact(B.refund("r", status: .success, payu: B.record("r", status: .success, arn: "A", settlement: "S"))).deadline == nil,
                "nothing expected of a settled refund")
    }

    @Test func minorUnitsAreHundredthsRounded() throws {
        #expect(RefundFact.minorUnits(try #require(Money(decimalString: "12.50"))) == 1_250)
        #expect(RefundFact.minorUnits(try #require(Money(decimalString: "12.5"))) == 1_250)
        #expect(RefundFact.minorUnits(try #require(Money(value: 1_250, offset: 100))) == 1_250)
        #expect(RefundFact.minorUnits(try #require(Money(decimalString: "0"))) == 0)
        #expect(RefundFact.minorUnits(try #require(Money(decimalString: "2100"))) == 210_000)
        #expect(RefundFact.minorUnits(try #require(Money(decimalString: "0.125"))) == 13, "half a paisa rounds up")
        #expect(RefundFact.minorUnits(try #require(Money(decimalString: "-3.20"))) == -320)
        #expect(RefundFact.minorUnits(try #require(Money(decimalString: "100000000000000000000"))) == nil, "beyond 64 bits")
        var noAmount = B.refund("r")
        noAmount.refund.amount = nil
        #expect(fact(noAmount).amountMinor == nil && fact(noAmount).currency == nil)
    }

    /// Each milestone keeps the time of the fetch that first saw it, however many fetches later.
    @Test func milestoneTimesAreCarriedFromThePreviousFacts() {
        let t1 = t0.addingTimeInterval(3_600), t2 = t1.addingTimeInterval(3_600), t3 = t2.addingTimeInterval(3_600), t4 = t3.addingTimeInterval(3_600)
        let queued = fact(B.refund("r", payu: B.record("r", status: .queued)), at: t0)
        #expect(queued.progress == .queued && queued.progressSince == created, "queued from its creation: it is where a refund starts")
        #expect(queued.arnAt == nil && queued.completedAt == nil && queued.failedAt == nil)

        let noARN = fact(B.refund("r", status: .success, payu: B.record("r", status: .success)), at: t1, previous: [queued])
        #expect(noARN.progress == .arn && noARN.progressSince == t1 && noARN.arnAt == nil && noARN.completedAt == nil)

        let arn = fact(B.refund("r", status: .success, payu: B.record("r", status: .success, arn: "A")), at: t2, previous: [noARN])
        #expect(arn.progress == .unsettled && arn.progressSince == t2 && arn.arnAt == t2 && arn.completedAt == nil)
        #expect(arn.toARN == t2.timeIntervalSince(created) && arn.toCompletion == nil)

        let settled = fact(B.refund("r", status: .success, payu: B.record("r", status: .success, arn: "A", settlement: "S")), at: t3, previous: [arn])
        #expect(settled.progress == .settled && settled.progressSince == t3 && settled.arnAt == t2 && settled.completedAt == t3)

        let again = fact(B.refund("r", status: .success, payu: B.record("r", status: .success, arn: "A", settlement: "S"), updated: t4), at: t4,
                         previous: [settled])
        #expect(again == settled, "nothing moved: every time kept (WhatsApp's update time is for first sightings only)")

        // Another gateway: complete when WhatsApp says so, at that fetch.
        let pending = fact(B.refund("r"), gateway: .razorpay, queried: false, at: t0)
        let done = fact(B.refund("r", status: .success), gateway: .razorpay, queried: false, at: t1, previous: [pending])
        #expect(done.progress == .done && done.completedAt == t1 && done.arnAt == nil && done.toCompletion == t1.timeIntervalSince(created))

        // A failure, and facts of other refunds in `previous` do not mix in.
        let other = RefundFact(transactionID: "t1", refundID: "other", gateway: "payu", method: nil, amountMinor: nil, currency: nil, progress: .failed,
                               createdAt: created, progressSince: t0, arnAt: t0, completedAt: t0, failedAt: t0, deadline: nil)
        let failed = fact(B.refund("r", status: .failed), at: t2, previous: [other, noARN])
        #expect(failed.progress == .failed && failed.failedAt == t2 && failed.progressSince == t2 && failed.arnAt == nil)
        let stillFailed = fact(B.refund("r", status: .failed), at: t3, previous: [failed])
        #expect(stillFailed.failedAt == t2 && stillFailed.progressSince == t2)
    }

    /// A refund first seen past a milestone reached it at WhatsApp's last update of it, kept
    /// between its creation and the fetch; a stage it starts in (pending, queued) since creation.
    @Test func aFirstSightingEstimatesFromWhatsAppsUpdateTimeClamped() {
        let fetched = created.addingTimeInterval(10 * 3_600)
        let between = created.addingTimeInterval(4 * 3_600)
        func arn(updated: Date?) -> RefundReport {
            B.refund("r", status: .success, payu: B.record("r", status: .success, arn: "A"), updated: updated)
        }
        #expect(fact(arn(updated: between), at: fetched).arnAt == between)
        #expect(fact(arn(updated: between), at: fetched).progressSince == between)
        #expect(fact(arn(updated: fetched.addingTimeInterval(600)), at: fetched).arnAt == fetched, "not after the fetch that saw it")
        #expect(fact(arn(updated: created.addingTimeInterval(-600)), at: fetched).arnAt == created, "not before its creation")
        var unknown = arn(updated: nil)
        unknown.refund.updated = .unknown("")
        #expect(fact(unknown, at: fetched).arnAt == fetched, "no update time: the fetch")
        var noCreation = arn(updated: between)
        noCreation.refund.created = .unknown("")
        #expect(fact(noCreation, at: fetched).arnAt == between && fact(noCreation, at: fetched).createdAt == nil)
        #expect(fact(noCreation, at: fetched).toARN == nil, "no span without a creation")

        let settled = fact(B.refund("r", status: .success, payu: B.record("r", status: .success, arn: "A", utr: "U"), updated: between), at: fetched)
        #expect(settled.arnAt == between && settled.completedAt == between)
        let failed = fact(B.refund("r", status: .failed, updated: between), at: fetched)
        #expect(failed.failedAt == between && failed.progressSince == between)
        let bank = fact(B.refund("r", payu: B.record("r", status: .requested), updated: between), at: fetched)
        #expect(bank.progressSince == between, "at the bank since the update that put it there")
        let queued = fact(B.refund("r", payu: B.record("r", status: .queued), updated: between), at: fetched)
        #expect(queued.progressSince == created)
        var queuedNoCreation = B.refund("r", payu: B.record("r", status: .queued), updated: between)
        queuedNoCreation.refund.created = .unknown("")
        #expect(fact(queuedNoCreation, at: fetched).progressSince == fetched)

        // A refund that appears in a later fetch of the order is a first sighting too.
        let earlier = fact(B.refund("r", payu: B.record("r", status: .queued)), at: t0)
        let report = B.order([B.transaction("t1", refunds: [
            B.refund("r", payu: B.record("r", status: .queued)),
            B.refund("new", status: .success, created: between, payu: B.record("new", status: .success, arn: "N"), updated: between.addingTimeInterval(60)),
        ])], fetchedAt: fetched)
        let facts = RefundFact.of(report, previous: [earlier], rules: rules)
        #expect(facts.map(\.refundID) == ["r", "new"])
        #expect(facts[1].arnAt == between.addingTimeInterval(60))
    }

    /// An ARN that goes away (PayU no longer gives it) takes its time with it: when it comes back,
    /// it is as seen then. So does a completion undone.
    @Test func timesResetWhenAnARNDisappears() {
        let t1 = t0.addingTimeInterval(3_600), t2 = t1.addingTimeInterval(3_600), t3 = t2.addingTimeInterval(3_600)
        let settled = fact(B.refund("r", status: .success, payu: B.record("r", status: .success, arn: "A", settlement: "S")), at: t0,
                           previous: [fact(B.refund("r", payu: B.record("r", status: .queued)), at: created)])
        #expect(settled.arnAt == t0 && settled.completedAt == t0)
        let gone = fact(B.refund("r", status: .success, payu: B.record("r", status: .success)), at: t1, previous: [settled])
        #expect(gone.progress == .arn && gone.arnAt == nil && gone.completedAt == nil && gone.progressSince == t1)
        let back = fact(B.refund("r", status: .success, payu: B.record("r", status: .success, arn: "A")), at: t2, previous: [gone])
        #expect(back.progress == .unsettled && back.arnAt == t2 && back.progressSince == t2)
        let settledAgain = fact(B.refund("r", status: .success, payu: B.record("r", status: .success, arn: "A", settlement: "S")), at: t3, previous: [back])
        #expect(settledAgain.arnAt == t2 && settledAgain.completedAt == t3)
    }
}
