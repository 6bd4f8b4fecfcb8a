import Foundation

/// Where a refund stands, both sides considered: what an operator scans a list for.
public enum RefundStage: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case failed
    case pending
    case queued
    case inProgress = "in progress"
    /// WhatsApp says success, PayU has not given the bank's ARN yet.
    case awaitingARN = "no ARN yet"
    /// Done: WhatsApp success and, for PayU, the ARN is known.
    case done
    /// PayU reports the settlement (settlement id or UTR).
    case settled

    /// Attention first: failed, then the stages still moving, then the finished ones.
    public static func < (lhs: RefundStage, rhs: RefundStage) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    public init(_ refund: RefundReport, in transaction: TransactionReport) {
        let payu = refund.payu
        if refund.refund.status == .failed || payu?.status == .failure {
            self = .failed
        } else if payu?.bankARN != nil {
            self = (payu?.settlementID != nil || payu?.utr != nil) ? .settled : .done
        } else if refund.refund.status == .success || payu?.status == .success {
            let arnExpected = transaction.transaction.gateway == .payu && transaction.payuQueried
            self = arnExpected ? .awaitingARN : .done
        } else {
            switch payu?.status {
            case .queued?, .requested?: self = .queued
            case .inProgress?: self = .inProgress
            default: self = .pending
            }
        }
    }
}

/// The few numbers a watchlist row shows for an order, computed once per fetch and stored beside
/// the report, so that a list of thousands of orders does not decode thousands of reports.
public struct OrderSummary: Sendable, Hashable, Codable {
    public var paymentStatus: String
    public var amount: Money?
    public var transactionCount: Int
    public var refundCount: Int
    /// The sum of the refunds' amounts; nil when there are none or any amount is missing.
    public var refundTotal: Money?
    /// How many refunds are at each stage.
    public var stages: [String: Int]
    /// Refunds whose ARN PayU has given.
    public var arnPresent: Int
    /// Refunds that wait for an ARN: at PayU's queue, at the bank, or refunded without one.
    public var arnMissing: Int
    /// Each refund's deadline for the stage it is in, and the pending payment's, soonest first
    /// (`DeadlineRules`); compare with the clock to count the late ones.
    public var deadlines: [StageDeadline]
    /// Transactions whose PayU call failed in this fetch.
    public var payuErrors: Int
    /// The ARNs PayU has given, so a list can be searched by ARN (nil in summaries stored before it).
    public var arns: [String]?
    /// Since when the order waits for nothing more (see `PollPolicy`); nil while it can still change
    /// soon: the payment may yet be paid, a refund is pending, queued, in progress or without its
    /// ARN, a PayU refund has its ARN but no settlement yet, or PayU could not be asked.
    public var settledAt: Date?

    /// A summary as stored (the store keeps these numbers in columns of their own).
    public init(paymentStatus: String, amount: Money?, transactionCount: Int, refundCount: Int, refundTotal: Money?,
                stages: [String: Int], arnPresent: Int, arnMissing: Int, deadlines: [StageDeadline], payuErrors: Int, arns: [String]?,
                settledAt: Date? = nil) {
        self.settledAt = settledAt
        self.paymentStatus = paymentStatus
        self.amount = amount
        self.transactionCount = transactionCount
        self.refundCount = refundCount
        self.refundTotal = refundTotal
        self.stages = stages
        self.arnPresent = arnPresent
        self.arnMissing = arnMissing
        self.deadlines = deadlines
        self.payuErrors = payuErrors
        self.arns = arns
    }

    public init(_ report: OrderReport, rules: DeadlineRules) {
        paymentStatus = report.payment.status.rawValue
        amount = report.payment.amount
        transactionCount = report.transactions.count
        var count = 0
        var total: Money?
        var totalKnown = true
        var stages: [String: Int] = [:]
        var present = 0
        var deadlines = rules.deadline(for: report.payment).map { [$0] } ?? []
        var missing = 0
        var waiting = false
        var lastMove: Date?
        func moved(_ date: Date?) { if let date, date > (lastMove ?? .distantPast) { lastMove = date } }
        for transaction in report.transactions {
            moved(transaction.transaction.updated.date ?? transaction.transaction.created.date)
            if transaction.payuError != nil { waiting = true }
            for refund in transaction.refunds {
                moved(refund.refund.updated.date ?? refund.refund.created.date)
                moved(refund.payu?.valueDate.flatMap(Self.valueDate))
                count += 1
                if let amount = refund.refund.amount, totalKnown {
                    if let sum = total {
                        total = Money(amount: sum.amount + amount.amount, currency: sum.currency, fractionDigits: max(sum.fractionDigits, amount.fractionDigits))
                    } else {
                        total = amount
                    }
                } else {
                    totalKnown = false
                }
                let stage = RefundStage(refund, in: transaction)
                stages[stage.rawValue, default: 0] += 1
                switch stage {
                case .failed, .settled: break
                // A PayU refund with its ARN still has its settlement to come.
                case .done: if transaction.transaction.gateway == .payu && transaction.payuQueried { waiting = true }
                case .pending, .queued, .inProgress, .awaitingARN: waiting = true
                }
                if refund.payu?.bankARN != nil { present += 1 }
                if let deadline = rules.deadline(for: refund, in: transaction) {
                    deadlines.append(deadline)
                    if [.queued, .bank, .arn].contains(deadline.stage) { missing += 1 }
                }
            }
        }
        refundCount = count
        refundTotal = totalKnown ? total : nil
        self.stages = stages
        arnPresent = present
        arnMissing = missing
        self.deadlines = deadlines.sorted { $0.due < $1.due }
        payuErrors = report.transactions.filter { $0.payuError != nil }.count
        arns = report.transactions.flatMap { $0.refunds.compactMap(\.payu?.bankARN) + $0.unmatchedPayU.compactMap(\.bankARN) }
        switch report.payment.status {
        case .new, .pending, .other: waiting = true   // the customer may yet pay; an unknown status may move
        case .captured, .failed, .canceled: break
        }
        // Settled since the last time WhatsApp's side moved (its refunds' and transactions' update
        // times), else since this fetch.
        settledAt = waiting ? nil : min(lastMove ?? report.fetchedAt, report.fetchedAt)
    }

    /// PayU's `value_date` ("2021-10-10"), the start of that day in India.
    static func valueDate(_ text: String) -> Date? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Kolkata") ?? .gmt
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
    }

    /// Deadlines passed at `now`: refunds late for their stage, and a payment pending too long.
    public func overdueCount(at now: Date) -> Int {
        deadlines.prefix { $0.due < now }.count
    }

    /// The soonest deadline (the most late one, when some are late).
    public var nearestDeadline: StageDeadline? { deadlines.first }

    /// "1 queued, 2 done", attention first; "none" when the order has no refunds.
    public var stageSummary: String {
        let parts = RefundStage.allCases.compactMap { stage in
            stages[stage.rawValue].map { "\($0) \(stage.rawValue)" }
        }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    /// Refunds not yet finished (failed ones excluded: they need a person, not time).
    public var pendingRefunds: Int {
        [RefundStage.pending, .queued, .inProgress, .awaitingARN].reduce(0) { $0 + (stages[$1.rawValue] ?? 0) }
    }

    public var failedRefunds: Int { stages[RefundStage.failed.rawValue] ?? 0 }

    private enum CodingKeys: String, CodingKey {
        case paymentStatus = "payment_status", amount, transactionCount = "transaction_count", refundCount = "refund_count"
        case refundTotal = "refund_total", stages, arnPresent = "arn_present", arnMissing = "arn_missing"
        case deadlines, payuErrors = "payu_errors", arns, settledAt = "settled_at"
    }
}
