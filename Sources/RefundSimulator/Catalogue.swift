/// The situations the simulator's orders are built to show, one case per kind of trouble or
/// wire-format quirk the client and the dashboard must handle.
public enum Scenario: String, Sendable, CaseIterable {
    case capturedNoRefunds = "captured-no-refunds"
    case pendingNoTransactions = "pending-no-transactions"
    case failedThenSucceeded = "failed-then-succeeded"
    case multipleRefunds = "multiple-refunds"
    case refundInProgress = "refund-in-progress"
    case arnArrivesLater = "arn-arrives-later"
    case overdueNoARN = "overdue-no-arn"
    case settled = "settled"
    case refundFails = "refund-fails"
    case razorpay = "razorpay"
    case billdesk = "billdesk"
    case zaakpay = "zaakpay"
    case unknownPayUID = "unknown-payu-id"
    case unmatchedPayURecord = "unmatched-payu-record"
    case amountMatchedPayURecord = "amount-matched-payu-record"
    case newPayment = "new-payment"
    case canceledPayment = "canceled-payment"
    case hostileText = "hostile-text"
    case history = "history"

    /// One line for listings (`refundwatch simulate` prints these).
    public var title: String {
        switch self {
        case .capturedNoRefunds: return "Captured through PayU, no refunds"
        case .pendingNoTransactions: return "Pending, the customer has not tried to pay (no transactions)"
        case .failedThenSucceeded: return "A failed attempt, then a successful one"
        case .multipleRefunds: return "Several refunds on one transaction"
        case .refundInProgress: return "Refunds that move while you watch"
        case .arnArrivesLater: return "Refund done, bank ARN arrives later"
        case .overdueNoARN: return "Refund days old with no ARN (overdue)"
        case .settled: return "Refund fully settled (ARN, UTR, settlement)"
        case .refundFails: return "A refund that fails"
        case .razorpay: return "Razorpay gateway (receipt, notes)"
        case .billdesk: return "BillDesk gateway (additional_info1..7)"
        case .zaakpay: return "Zaakpay gateway (extra1, extra2)"
        case .unknownPayUID: return "PayU does not know the transaction id"
        case .unmatchedPayURecord: return "PayU has a refund record matching no WhatsApp refund"
        case .amountMatchedPayURecord: return "PayU record id differs, amount matches"
        case .newPayment: return "Payment status \"new\""
        case .canceledPayment: return "Payment status \"canceled\""
        case .hostileText: return "Terminal escapes, controls and bidi overrides in notes, errors, ids, PayU fields"
        case .history: return "The desk's last month: refunds over 30 days, a slow stretch, some still open"
        }
    }
}

/// One order the simulator knows, with what a person needs to pick it for a demo or a test.
public struct CatalogueOrder: Sendable {
    public let referenceID: String
    public let scenario: Scenario
    /// One readable line, e.g. "PayU UPI, 1 instant refund: pending → success at +2m, ARN at +62m".
    public let summary: String
    /// `payu`, `razorpay`, `billdesk` or `zaakpay`.
    public let gateway: String
    /// The order total in paise (offset 100, INR).
    public let amountPaise: Int
    /// Every PayU transaction id (payu_id) on the order, failed attempts included.
    public let payuTransactionIDs: [String]
    /// The WhatsApp refund ids, including refunds that only appear later in the session.
    public let refundIDs: [String]
    /// When its state changes, in simulated seconds from the start (negative: before it): the
    /// payment, each refund's creation, its outcome, its ARN and its settlement; sorted.
    public let changes: [Int]

    let plan: PaymentPlan
}

/// The simulator's fixed set of orders; the same seed always gives the same catalogue.
public struct Catalogue: Sendable {
    public let orders: [CatalogueOrder]
    private let byReferenceID: [String: Int]
    /// PayU's side: every payu_id PayU knows, with its refund records.
    let payuTransactions: [String: PayUTransactionPlan]

    /// A reference id no catalogue has (catalogue ids carry real dates, never 00000000).
    public static let unknownReferenceID = "ORD-00000000-0000"

    /// How many orders the hand-written catalogue has; larger catalogues repeat its scenarios.
    public static let standardSize = CatalogueSpecs.all.count

    /// The seed's catalogue. With `size` above `standardSize` (benchmarks, load tests) the scenarios
    /// repeat with fresh ids and amounts; the first `standardSize` orders are always the same ones.
    public init(seed: UInt64, size: Int = Catalogue.standardSize) {
        var builder = CatalogueBuilder(seed: seed)
        let specs = (0..<max(size, 1)).map { CatalogueSpecs.all[$0 % CatalogueSpecs.all.count] }
        let built = builder.build(specs)
        orders = built.orders
        payuTransactions = built.payuTransactions
        var index: [String: Int] = [:]
        for (position, order) in built.orders.enumerated() { index[order.referenceID] = position }
        byReferenceID = index
    }

    /// A payu_id PayU knows, on an order whose refund moves during the run: handy for examples.
    public var samplePayUID: String? {
        orders(in: .refundInProgress).lazy.flatMap(\.payuTransactionIDs).first { payuTransactions[$0] != nil }
    }

    public func order(_ referenceID: String) -> CatalogueOrder? {
        byReferenceID[referenceID].map { orders[$0] }
    }

    public func orders(in scenario: Scenario) -> [CatalogueOrder] {
        orders.filter { $0.scenario == scenario }
    }
}
