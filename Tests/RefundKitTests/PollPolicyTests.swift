import Foundation
import Testing
@testable import RefundKit
@testable import RefundModel
import TestReports

/// What each order waits for, and when it is due.
@Suite struct PollPolicyTests {
    typealias B = ReportBuilder
    private let t0 = ReportBuilder.created
    private let day: TimeInterval = 86_400

    private func settled(_ transactions: [TransactionReport], status: PaymentStatus = .captured) -> Date? {
        OrderSummary(B.order(transactions, status: status, fetchedAt: t0.addingTimeInterval(3 * day)), rules: DeadlineRules()).settledAt
    }

    @Test(arguments: [RefundStatus.pending, .success])
    func aRefundStillMovingKeepsTheOrderActive(status: RefundStatus) {
        // pending on WhatsApp's side; or WhatsApp success with PayU's ARN still to come
        #expect(settled([B.transaction("t", refunds: [B.refund("r", status: status, payu: B.record("r", status: .queued))])]) == nil)
    }

    @Test(arguments: [PayURefundStatus.queued, .inProgress, .requested])
    func payuQueuedOrInProgressIsActive(payu: PayURefundStatus) {
        #expect(settled([B.transaction("t", refunds: [B.refund("r", status: .pending, payu: B.record("r", status: payu))])]) == nil)
    }

    @Test func anARNWithoutSettlementIsStillActiveForPayU() {
        let done = B.refund("r", status: .success, payu: B.record("r", status: .success, arn: "ARN1"))
        #expect(settled([B.transaction("t", refunds: [done])]) == nil, "PayU's settlement is still to come")
        let settledRefund = B.refund("r", status: .success, payu: B.record("r", status: .success, arn: "ARN1", settlement: "S1"))
        #expect(settled([B.transaction("t", refunds: [settledRefund])]) == t0)
    }

    @Test func otherGatewaysAreDoneWhenWhatsAppSaysSuccess() {
        #expect(settled([B.transaction("t", gateway: .razorpay, refunds: [B.refund("r", status: .success)])]) == t0)
    }

    @Test func failedRefundsFinishedPaymentsAndNoRefundsAreSettled() {
        #expect(settled([B.transaction("t", refunds: [B.refund("r", status: .failed)])]) == t0)
        #expect(settled([B.transaction("t", refunds: [])]) == t0, "captured, no refund: nothing is waited for")
        // Nothing in the report says when it last moved: settled since it was fetched.
        #expect(settled([], status: .canceled) == t0.addingTimeInterval(3 * day))
        #expect(settled([], status: .failed) == t0.addingTimeInterval(3 * day))
    }

    @Test(arguments: [PaymentStatus.pending, .new, .other("authorized")])
    func aPaymentNotYetPaidStaysActive(status: PaymentStatus) {
        #expect(settled([], status: status) == nil)
    }

    @Test func aPayUFailureLeavesTheBankSideUnknownSoActive() {
        let error = ReportedError(RefundWatchError.server(.payu, status: 500, message: nil))
        #expect(settled([B.transaction("t", refunds: [B.refund("r", status: .success)], payuError: error)]) == nil)
    }

    @Test func settledSinceTheLastMoveOnEitherSide() {
        let later = t0.addingTimeInterval(day)
        var refund = B.refund("r", status: .failed)
        refund.refund.updated = .known(later)
        #expect(settled([B.transaction("t", refunds: [refund])]) == later)
        // PayU's value date (a day in India) counts too.
        var record = B.record("r", status: .success, arn: "A", settlement: "S")
        record.valueDate = "2026-11-20"
        let valued = settled([B.transaction("t", refunds: [B.refund("r", status: .success, payu: record)])])
        #expect(valued == moment(2026, 11, 20, 0))
        // Never later than the fetch itself.
        var future = B.refund("r", status: .failed)
        future.refund.updated = .known(t0.addingTimeInterval(30 * day))
        #expect(settled([B.transaction("t", refunds: [future])]) == t0.addingTimeInterval(3 * day))
    }

    @Test func dueTimesForEachKindOfOrder() {
        let policy = PollPolicy(interval: 30, settledInterval: 6 * 3600, archiveAfter: 14 * day)
        let fetched = t0
        let now = t0.addingTimeInterval(10)
        #expect(policy.due(fetchedAt: nil, attemptedAt: nil, failures: 0, settledAt: nil, now: now) == .at(.distantPast), "never fetched: at once")
        #expect(policy.due(fetchedAt: fetched, attemptedAt: fetched, failures: 0, settledAt: nil, now: now) == .at(fetched + 30))
        #expect(policy.due(fetchedAt: fetched, attemptedAt: fetched, failures: 0, settledAt: t0 - day, now: now) == .at(fetched + 6 * 3600))
        #expect(policy.due(fetchedAt: fetched, attemptedAt: fetched, failures: 0, settledAt: t0 - 14 * day, now: now) == .archived)
        #expect(policy.due(fetchedAt: fetched, attemptedAt: fetched, failures: 0, settledAt: t0 - 14 * day + 11, now: now) == .at(fetched + 6 * 3600),
                "one second short of 14 days")
    }

    @Test func failedFetchesBackOffUpToTheSettledInterval() {
        let policy = PollPolicy(interval: 30, settledInterval: 600, archiveAfter: 14 * day)
        let attempted = t0.addingTimeInterval(100)
        let waits = (1...8).map { failures -> TimeInterval in
            guard case .at(let date) = policy.due(fetchedAt: t0, attemptedAt: attempted, failures: failures, settledAt: nil, now: attempted) else { return -1 }
            return date.timeIntervalSince(attempted)
        }
        #expect(waits == [30, 60, 120, 240, 480, 600, 600, 600])
        // A settled interval shorter than the refresh interval is raised to it.
        #expect(PollPolicy(interval: 60, settledInterval: 10).settledInterval == 60)
    }

    @Test(arguments: [("90", 90.0), ("30s", 30), ("5m", 300), ("6h", 21_600), ("14d", 1_209_600), ("1.5h", 5_400), (" 2H ", 7_200)])
    func durationsAsPeopleWriteThem(text: String, seconds: Double) throws {
        #expect(try DurationText.seconds(text) == seconds)
    }

    @Test(arguments: ["", "h", "-5m", "5 minutes", "0", "1e400"])
    func durationsThatAreNot(text: String) {
        #expect(throws: DurationText.Invalid.self) { try DurationText.seconds(text) }
    }

    @Test func intervalsAreConfigurationInSecondsOrAsText() throws {
        let base = minimalKaleyraTOML
        let defaults = try ConfigurationLoader(environment: [:]).parse(base, file: "t.toml")
        #expect(defaults.pollPolicy == PollPolicy(interval: 30, settledInterval: 21_600, archiveAfter: 1_209_600))
        let set = try ConfigurationLoader(environment: [:]).parse("refresh_interval = \"1m\"\nsettled_interval = 7200\narchive_after = \"30d\"\n" + base, file: "t.toml")
        #expect(set.pollPolicy == PollPolicy(interval: 60, settledInterval: 7200, archiveAfter: 30 * 86_400))
        for (line, message) in [
            ("settled_interval = \"10s\"", "t.toml: settled_interval: 10s is out of range; expected 1m to 30d"),
            ("archive_after = \"soon\"", "t.toml: archive_after: \"soon\" is not a duration; expected seconds or a number with s, m, h or d, e.g. 30s, 5m, 6h, 14d"),
            ("refresh_interval = 600\nsettled_interval = \"5m\"", "t.toml: settled_interval: 5m is shorter than refresh_interval (10m); settled orders are polled less often, not more"),
        ] {
            do {
                _ = try ConfigurationLoader(environment: [:]).parse(line + "\n" + base, file: "t.toml")
                Issue.record("accepted \(line)")
            } catch {
                #expect(error.description == message)
            }
        }
    }
}
