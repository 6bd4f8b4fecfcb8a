import Foundation
import Testing
import RefundKit
import TestReports

/// 2026-11-20 is a Friday, 2026-11-21/22 the weekend.
@Suite struct OverdueRuleTests {
    let rule = OverdueRule()

    @Test func fridayEveningCountsSixHoursThenSkipsTheWeekend() {
        // Fri 6 h + Mon 24 + Tue 24 + Wed 18 = 72.
        #expect(rule.deadline(after: moment(2026, 11, 20, 18)) == moment(2026, 11, 25, 18))
    }

    @Test func aRefundMadeOnSaturdayStartsCountingOnMonday() {
        #expect(rule.deadline(after: moment(2026, 11, 21, 10)) == moment(2026, 11, 26, 0))
        #expect(rule.deadline(after: moment(2026, 11, 22, 23, 59)) == moment(2026, 11, 26, 0))
    }

    @Test func aWeekdayRefundIsDueThreeDaysLater() {
        #expect(rule.deadline(after: moment(2026, 11, 23, 9)) == moment(2026, 11, 26, 9))
    }

    @Test func theHoursAreConfigurable() {
        let day = OverdueRule(businessHours: 24)
        #expect(day.deadline(after: moment(2026, 11, 20, 18)) == moment(2026, 11, 23, 18))
        #expect(OverdueRule(businessHours: 120).deadline(after: moment(2026, 11, 23, 0)) == moment(2026, 11, 28, 0))
    }

    @Test func businessHoursBetweenTwoMomentsLeaveOutTheWeekend() {
        #expect(rule.businessHours(from: moment(2026, 11, 20, 18), to: moment(2026, 11, 23, 6)) == 12)
        #expect(rule.businessHours(from: moment(2026, 11, 21, 0), to: moment(2026, 11, 23, 0)) == 0)
        #expect(rule.businessHours(from: moment(2026, 11, 16, 0), to: moment(2026, 11, 30, 0)) == 240)
        #expect(rule.businessHours(from: moment(2026, 11, 23, 0), to: moment(2026, 11, 20, 0)) == 0)
    }

    @Test func weekendsAreIndiasWhateverZoneTheMomentIsWrittenIn() {
        // Friday 20:00 UTC is already Saturday 01:30 in India: India's rule starts on Monday.
        let fridayEveningUTC = moment(2026, 11, 20, 20, in: TimeZone(identifier: "UTC")!)
        #expect(rule.deadline(after: fridayEveningUTC) == moment(2026, 11, 26, 0))
        // A rule kept in UTC would count Friday's last 4 hours: a different answer, on purpose.
        let utcRule = OverdueRule(timeZone: TimeZone(identifier: "UTC")!)
        #expect(utcRule.deadline(after: fridayEveningUTC) == moment(2026, 11, 25, 20, in: TimeZone(identifier: "UTC")!))
        // New York's daylight saving ends on 2026-11-01: a 25-hour Sunday does not count, Monday's 24 do.
        let newYork = OverdueRule(businessHours: 24, timeZone: TimeZone(identifier: "America/New_York")!)
        let friday = moment(2026, 10, 30, 12, in: TimeZone(identifier: "America/New_York")!)
        #expect(newYork.deadline(after: friday) == moment(2026, 11, 2, 12, in: TimeZone(identifier: "America/New_York")!))
    }

    @Test func onlyPayURefundsWithoutAnARNAreJudged() {
        let created = moment(2026, 11, 2, 10)
        let late = moment(2026, 11, 20, 10)
        let waiting = ReportBuilder.refund("r1", status: .success, created: created, payu: ReportBuilder.record("r1", status: .success))
        let payu = ReportBuilder.transaction("t1", refunds: [waiting])
        #expect(rule.isOverdue(waiting, in: payu, at: late))
        #expect(!rule.isOverdue(waiting, in: payu, at: moment(2026, 11, 5, 9)))
        #expect(rule.isOverdue(waiting, in: payu, at: moment(2026, 11, 5, 10, 1)))

        let withARN = ReportBuilder.refund("r2", status: .success, created: created, payu: ReportBuilder.record("r2", status: .success, arn: "921125460021"))
        #expect(!rule.isOverdue(withARN, in: ReportBuilder.transaction("t1", refunds: [withARN]), at: late))

        let failed = ReportBuilder.refund("r3", status: .failed, created: created)
        #expect(!rule.isOverdue(failed, in: ReportBuilder.transaction("t1", refunds: [failed]), at: late))

        let payuFailed = ReportBuilder.refund("r4", created: created, payu: ReportBuilder.record("r4", status: .failure))
        #expect(!rule.isOverdue(payuFailed, in: ReportBuilder.transaction("t1", refunds: [payuFailed]), at: late))

        let razorpay = ReportBuilder.refund("r5", status: .success, created: created)
        #expect(!rule.isOverdue(razorpay, in: ReportBuilder.transaction("t2", gateway: .razorpay, refunds: [razorpay]), at: late))

        // PayU could not be asked and there is no earlier answer: the ARN may exist, so not overdue.
        let unknown = ReportBuilder.refund("r6", status: .success, created: created)
        let error = ReportedError(category: .server, service: .payu, message: "PayU answered 500")
        #expect(!rule.isOverdue(unknown, in: ReportBuilder.transaction("t1", refunds: [unknown], payuError: error), at: late))
        // Without a [payu] configuration nobody asked PayU either.
        #expect(!rule.isOverdue(unknown, in: ReportBuilder.transaction("t1", refunds: [unknown], payuQueried: false), at: late))
    }

    @Test func theSummaryCountsOverdueRefundsAgainstTheClock() {
        let created = moment(2026, 11, 16, 10)
        let a = ReportBuilder.refund("a", status: .success, created: created, payu: ReportBuilder.record("a", status: .success))
        let b = ReportBuilder.refund("b", status: .success, created: moment(2026, 11, 18, 10), payu: ReportBuilder.record("b", status: .success))
        let c = ReportBuilder.refund("c", status: .success, paise: 2_550, created: created, payu: ReportBuilder.record("c", status: .success, arn: "1", settlement: "S1"))
        let summary = OrderSummary(ReportBuilder.order([ReportBuilder.transaction("t", refunds: [a, b, c])]), rule: rule)
        #expect(summary.refundCount == 3)
        #expect(summary.refundTotal?.formatted == "₹225.50")
        #expect(summary.arnMissing == 2)
        #expect(summary.arnPresent == 1)
        #expect(summary.stageSummary == "2 no ARN yet, 1 settled")
        #expect(summary.overdueCount(at: moment(2026, 11, 19, 10)) == 0)
        #expect(summary.overdueCount(at: moment(2026, 11, 19, 10, 1)) == 1)
        #expect(summary.overdueCount(at: moment(2026, 11, 23, 10, 1)) == 2)
    }
}
