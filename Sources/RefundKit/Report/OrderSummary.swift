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
    /// Refunds that wait for an ARN (the overdue rule applies to them).
    public var arnMissing: Int
    /// When each refund waiting for an ARN becomes overdue; compare with the clock to count them.
    public var arnDeadlines: [Date]
    /// Transactions whose PayU call failed in this fetch.
    public var payuErrors: Int
    /// The ARNs PayU has given, so a list can be searched by ARN (nil in summaries stored before it).
    public var arns: [String]?

    /// A summary as stored (the store keeps these numbers in columns of their own).
    public init(paymentStatus: String, amount: Money?, transactionCount: Int, refundCount: Int, refundTotal: Money?,
                stages: [String: Int], arnPresent: Int, arnMissing: Int, arnDeadlines: [Date], payuErrors: Int, arns: [String]?) {
        self.paymentStatus = paymentStatus
        self.amount = amount
        self.transactionCount = transactionCount
        self.refundCount = refundCount
        self.refundTotal = refundTotal
        self.stages = stages
        self.arnPresent = arnPresent
        self.arnMissing = arnMissing
        self.arnDeadlines = arnDeadlines
        self.payuErrors = payuErrors
        self.arns = arns
    }

    public init(_ report: OrderReport, rule: OverdueRule) {
        paymentStatus = report.payment.status.rawValue
        amount = report.payment.amount
        transactionCount = report.transactions.count
        var count = 0
        var total: Money?
        var totalKnown = true
        var stages: [String: Int] = [:]
        var present = 0
        var deadlines: [Date] = []
        for transaction in report.transactions {
            for refund in transaction.refunds {
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
                stages[RefundStage(refund, in: transaction).rawValue, default: 0] += 1
                if refund.payu?.bankARN != nil { present += 1 }
                if let deadline = rule.arnDeadline(for: refund, in: transaction) { deadlines.append(deadline) }
            }
        }
        refundCount = count
        refundTotal = totalKnown ? total : nil
        self.stages = stages
        arnPresent = present
        arnMissing = deadlines.count
        arnDeadlines = deadlines.sorted()
        payuErrors = report.transactions.filter { $0.payuError != nil }.count
        arns = report.transactions.flatMap { $0.refunds.compactMap(\.payu?.bankARN) + $0.unmatchedPayU.compactMap(\.bankARN) }
    }

    /// Refunds without an ARN past their deadline at `now`.
    public func overdueCount(at now: Date) -> Int {
        arnDeadlines.prefix { $0 < now }.count
    }

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
        case arnDeadlines = "arn_deadlines", payuErrors = "payu_errors", arns
    }
}
