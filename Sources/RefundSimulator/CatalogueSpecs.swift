/// The hand-written shape of the catalogue: which orders exist, what happens to them and when.
/// Ids, amounts and gateway values are filled in from the seed by `CatalogueBuilder`; the
/// timings here are fixed so they can be documented (README.md, docs/) and relied on in tests.
///
/// Times are simulated minutes relative to the start of the run (negative = before it).
/// With `--speed 60` one simulated minute passes per real second.

enum AmountBand: Sendable {
    case small    // ₹99 – ₹999
    case medium   // ₹1,000 – ₹19,999
    case large    // ₹20,000 – ₹99,999
    case lakh     // ₹1,00,000 – ₹2,49,999.50, to exercise Indian digit grouping
}

enum TransactionShape: Sendable {
    case none, paid, failedThenPaid, failedOnly
}

/// How many gateway echo fields are filled in.
enum EchoStyle: Sendable {
    case standard, sparse, full
}

struct RefundSpec: Sendable {
    var speed: String
    var share: Double
    var created: Int
    var outcome: Outcome
    var arn: Int?
    var settle: Int?
    /// PayU's request_id for this refund differs from the WhatsApp refund id (only the amount matches).
    var payuRequestIDDiffers = false
}

struct OrderSpec: Sendable {
    var scenario: Scenario
    var gateway: Gateway = .payu
    var method = "upi"
    var band: AmountBand = .medium
    var status = "captured"
    var shape: TransactionShape = .paid
    var paidAt: Int
    var refunds: [RefundSpec] = []
    /// PayU also holds a record whose request_id and amount match no WhatsApp refund.
    var unmatchedPayURecord = false
    /// PayU answers "0 out of 1 Transactions Fetched" for this order's payu_id.
    var unknownToPayU = false
    var echo: EchoStyle = .standard
    /// Notes, receipt, merchant fields, the gateway error, refund ids and PayU's fields carry
    /// terminal escapes and controls (`HostileText`).
    var hostile = false
    /// PayU refuses this order's payu_id with its keyed error and this description.
    var payuRefusal: String?
    var wire = WireVariants()
    var story: String
}

private let hour = 60
private let day = 1440

private func done(_ speed: String = "normal", _ share: Double = 1, created: Int, at: Int,
                  arn: Int? = nil, settle: Int? = nil, otherRequestID: Bool = false) -> RefundSpec {
    RefundSpec(speed: speed, share: share, created: created, outcome: .success(at: at),
               arn: arn, settle: settle, payuRequestIDDiffers: otherRequestID)
}

private func done(_ share: Double, created: Int, at: Int,
                  arn: Int? = nil, settle: Int? = nil) -> RefundSpec {
    done("normal", share, created: created, at: at, arn: arn, settle: settle)
}

private func fails(_ share: Double = 1, created: Int, at: Int) -> RefundSpec {
    RefundSpec(speed: "normal", share: share, created: created, outcome: .failure(at: at))
}

private func stuck(created: Int) -> RefundSpec {
    RefundSpec(speed: "normal", share: 1, created: created, outcome: .pending)
}

private func wire(_ change: (inout WireVariants) -> Void) -> WireVariants {
    var variants = WireVariants()
    change(&variants)
    return variants
}

enum CatalogueSpecs {
    static let all: [OrderSpec] = [
        // Captured, no refunds
        OrderSpec(scenario: .capturedNoRefunds, paidAt: -3 * hour, story: "PayU UPI, captured, no refunds"),
        OrderSpec(scenario: .capturedNoRefunds, method: "card", band: .lakh, paidAt: -26 * hour,
                  wire: wire { $0.perTransactionAmount = true; $0.stringTimestamps = true },
                  story: "PayU card, captured, no refunds, over ₹1 lakh"),
        OrderSpec(scenario: .capturedNoRefunds, method: "netbanking", band: .small, paidAt: -2 * day,
                  story: "PayU netbanking, captured, no refunds"),

        // Pending, no transactions key at all
        OrderSpec(scenario: .pendingNoTransactions, status: "pending", shape: .none, paidAt: -12,
                  story: "Pending, customer has not paid yet (no transactions key)"),
        OrderSpec(scenario: .pendingNoTransactions, gateway: .razorpay, status: "pending", shape: .none, paidAt: -40,
                  story: "Pending Razorpay order, no transactions key, receipt and notes"),
        OrderSpec(scenario: .pendingNoTransactions, band: .small, status: "pending", shape: .none, paidAt: -5,
                  story: "Pending, no transactions key"),

        // A failed attempt, then success
        OrderSpec(scenario: .failedThenSucceeded, method: "card", shape: .failedThenPaid, paidAt: -2 * hour,
                  wire: wire { $0.pgTransactionID = true },
                  story: "PayU: failed attempt (error, no method), then card payment succeeds; no refunds"),
        OrderSpec(scenario: .failedThenSucceeded, gateway: .razorpay, method: "card", shape: .failedThenPaid, paidAt: -3 * day,
                  refunds: [done(created: -2 * day, at: -2 * day + 2 * hour)],
                  wire: wire { $0.refundSuccessWord = "completed" },
                  story: "Razorpay: failed attempt, then success; 1 refund completed 2 days ago"),

        // Several refunds on one transaction
        OrderSpec(scenario: .multipleRefunds, band: .lakh, paidAt: -2 * day,
                  refunds: [
                      done("instant", 0.2, created: -day, at: -day + 2, arn: -day + 3 * hour, settle: -10 * hour),
                      done("instant", 0.1, created: -5 * hour, at: -5 * hour + 1, arn: 40, settle: 100),
                      done("normal", 0.3, created: -2 * hour, at: 6, arn: 106, settle: 166),
                  ],
                  wire: wire { $0.spacedMihpayid = true },
                  story: "PayU UPI, 3 refunds (2 instant, 1 normal): one settled; one's ARN at +40m; one pending → success at +6m, ARN +106m"),
        OrderSpec(scenario: .multipleRefunds, method: "card", paidAt: -5 * day,
                  refunds: [
                      done(0.5, created: -4 * day, at: -4 * day + hour, arn: -3 * day, settle: -2 * day),
                      done(0.25, created: -20 * hour, at: -14 * hour, arn: 35, settle: 95),
                  ],
                  wire: wire { $0.pgTransactionID = true },
                  story: "PayU card, 2 normal refunds: one settled, the other's ARN arrives at +35m, settled +95m"),
        OrderSpec(scenario: .multipleRefunds, method: "netbanking", band: .large, paidAt: -3 * day,
                  refunds: [
                      done("instant", 0.1, created: -2 * day, at: -2 * day + 1, arn: -2 * day + 2 * hour, settle: -day),
                      done(0.2, created: -3 * hour, at: -hour, arn: 50, settle: 110),
                      done(0.15, created: -3 * hour, at: -hour, arn: 50, settle: 110),
                      fails(0.3, created: -day, at: -day + 2 * hour),
                  ],
                  wire: wire { $0.stringMoney = true },
                  story: "PayU netbanking, 4 refunds (1 instant, 3 normal): one failed, two get ARNs at +50m"),

        // Refunds that move while you watch
        OrderSpec(scenario: .refundInProgress, paidAt: -hour,
                  refunds: [done("instant", created: -20, at: 2, arn: 62, settle: 122)],
                  wire: wire { $0.perTransactionAmount = true },
                  story: "PayU UPI, 1 instant refund: pending → success at +2m, ARN +62m, settled +122m"),
        OrderSpec(scenario: .refundInProgress, method: "card", paidAt: -3 * hour,
                  refunds: [done(created: -45, at: 5, arn: 95, settle: 155)],
                  wire: wire { $0.pgTransactionID = true; $0.stringTimestamps = true },
                  story: "PayU card, 1 refund: pending → success at +5m, ARN +95m, settled +155m"),
        OrderSpec(scenario: .refundInProgress, method: "netbanking", band: .large, paidAt: -5 * hour,
                  refunds: [done(0.4, created: -hour, at: 8, arn: 128, settle: 188)],
                  wire: wire { $0.payuWords = .shouting },
                  story: "PayU netbanking, partial refund: QUEUED → IN PROGRESS → Success at +8m, ARN +128m"),
        OrderSpec(scenario: .refundInProgress, band: .small, paidAt: -2 * hour,
                  refunds: [done("instant", 0.5, created: -10, at: 3, arn: 33, settle: 93)],
                  wire: wire { $0.pgTransactionID = true; $0.refundSuccessWord = "completed" },
                  story: "PayU UPI, instant partial refund: pending → completed at +3m, ARN +33m"),
        OrderSpec(scenario: .refundInProgress, method: "wallet", paidAt: -4 * hour,
                  refunds: [done(created: 3, at: 15, arn: 135, settle: 195)],
                  wire: wire { $0.perTransactionAmount = true },
                  story: "PayU wallet, refund issued during the session at +3m, success +15m, ARN +135m"),
        OrderSpec(scenario: .refundInProgress, paidAt: -hour,
                  refunds: [done(created: -30, at: 25, arn: 205)],
                  wire: wire { $0.payuWords = .pendingFirst },
                  story: "PayU UPI, 1 refund: PayU pending → success at +25m, ARN +205m, never settles"),

        // Done, ARN later
        OrderSpec(scenario: .arnArrivesLater, paidAt: -day,
                  refunds: [done(created: -9 * hour, at: -7 * hour, arn: 20, settle: 80)],
                  wire: wire { $0.spacedMihpayid = true },
                  story: "PayU UPI, refund succeeded 7h ago; ARN at +20m, settled +80m"),
        OrderSpec(scenario: .arnArrivesLater, method: "card", band: .large, paidAt: -2 * day,
                  refunds: [done(0.6, created: -30 * hour, at: -26 * hour, arn: 45, settle: 105)],
                  wire: wire { $0.refundSuccessWord = "completed" },
                  story: "PayU card, partial refund completed 26h ago; ARN at +45m, settled +105m"),
        OrderSpec(scenario: .arnArrivesLater, method: "netbanking", paidAt: -8 * hour,
                  refunds: [done("instant", created: -6 * hour, at: -6 * hour + 1, arn: 80, settle: day + 80)],
                  wire: wire { $0.pgTransactionID = true },
                  story: "PayU netbanking, instant refund 6h ago; ARN at +80m, settled a day later"),
        OrderSpec(scenario: .arnArrivesLater, band: .small, paidAt: -day,
                  refunds: [done(created: -20 * hour, at: -18 * hour, arn: 120, settle: 180)],
                  wire: wire { $0.stringTimestamps = true },
                  story: "PayU UPI, refund succeeded 18h ago; ARN at +120m, settled +180m"),

        // Overdue: no ARN 72+ business hours after creation. Two weeks and more, so the refunds are
        // overdue however business hours are counted (24 h weekdays or 9-to-6 working days).
        OrderSpec(scenario: .overdueNoARN, paidAt: -15 * day,
                  refunds: [done(created: -14 * day, at: -14 * day + 2 * hour)],
                  story: "PayU UPI, refund 14 days old, success but still no ARN"),
        OrderSpec(scenario: .overdueNoARN, method: "card", band: .large, paidAt: -17 * day,
                  refunds: [done(0.5, created: -16 * day, at: -16 * day + hour)],
                  story: "PayU card, partial refund 16 days old, success, no ARN"),
        OrderSpec(scenario: .overdueNoARN, method: "netbanking", paidAt: -16 * day,
                  refunds: [stuck(created: -15 * day)],
                  wire: wire { $0.stringTimestamps = true },
                  story: "PayU netbanking, refund 15 days old still pending (PayU queued), no ARN"),

        // Fully settled
        OrderSpec(scenario: .settled, band: .lakh, paidAt: -11 * day,
                  refunds: [done(created: -10 * day, at: -10 * day + hour, arn: -8 * day, settle: -7 * day)],
                  story: "PayU UPI, ₹1 lakh+ refund fully settled (ARN, UTR, settlement)"),
        OrderSpec(scenario: .settled, method: "card", band: .small, paidAt: -4 * day,
                  refunds: [done("instant", created: -3 * day, at: -3 * day + 2, arn: -2 * day, settle: -day)],
                  wire: wire { $0.refundSuccessWord = "completed" },
                  story: "PayU card, instant refund completed and settled"),
        OrderSpec(scenario: .settled, method: "netbanking", status: "CAPTURED", paidAt: -6 * day,
                  refunds: [done(0.7, created: -5 * day, at: -5 * day + 3 * hour, arn: -3 * day, settle: -2 * day)],
                  wire: wire { $0.refundSuccessWord = "Success" },
                  story: "PayU netbanking, partial refund settled (status casing CAPTURED / Success)"),

        // A refund that fails
        OrderSpec(scenario: .refundFails, paidAt: -2 * hour,
                  refunds: [fails(created: -15, at: 5)],
                  story: "PayU UPI, refund pending → failed at +5m (PayU failure)"),
        OrderSpec(scenario: .refundFails, method: "card", paidAt: -3 * day,
                  refunds: [fails(created: -2 * day, at: -2 * day + 3 * hour)],
                  story: "PayU card, refund failed 2 days ago"),

        // Other gateways (no PayU call)
        OrderSpec(scenario: .razorpay, gateway: .razorpay, method: "card", band: .lakh, paidAt: -3 * day,
                  refunds: [done(created: -2 * day, at: -2 * day + 4 * hour)],
                  wire: wire { $0.refundSuccessWord = "completed" },
                  story: "Razorpay card, over ₹1 lakh, refund completed"),
        OrderSpec(scenario: .razorpay, gateway: .razorpay, paidAt: -hour,
                  refunds: [done(created: -5, at: 8)],
                  wire: wire { $0.perTransactionAmount = true },
                  story: "Razorpay UPI, refund pending → success at +8m"),
        OrderSpec(scenario: .razorpay, gateway: .razorpay, method: "netbanking", band: .small, paidAt: -6 * hour,
                  story: "Razorpay netbanking, captured, no refunds"),
        OrderSpec(scenario: .billdesk, gateway: .billdesk, method: "netbanking", paidAt: -2 * day,
                  refunds: [done(created: -day, at: -day + 5 * hour)],
                  story: "BillDesk netbanking, refund success (additional_info1-3 set, 4-7 \"NA\")"),
        OrderSpec(scenario: .billdesk, gateway: .billdesk, method: "card", band: .large, paidAt: -10 * hour, echo: .sparse,
                  story: "BillDesk card, captured, no refunds (only additional_info1)"),
        OrderSpec(scenario: .billdesk, gateway: .billdesk, band: .small, paidAt: -hour,
                  refunds: [done(created: -8, at: 12)], echo: .full,
                  wire: wire { $0.stringTimestamps = true },
                  story: "BillDesk UPI, refund pending → success at +12m (all additional_info set)"),
        OrderSpec(scenario: .zaakpay, gateway: .zaakpay, method: "wallet", band: .small, paidAt: -day,
                  refunds: [done(created: -20 * hour, at: -19 * hour)],
                  story: "Zaakpay wallet, refund success (extra1, extra2)"),
        OrderSpec(scenario: .zaakpay, gateway: .zaakpay, paidAt: -2 * hour, echo: .sparse,
                  story: "Zaakpay UPI, captured, no refunds (extra2 empty)"),

        // PayU join edge cases
        OrderSpec(scenario: .unknownPayUID, paidAt: -2 * day,
                  refunds: [done(created: -day, at: -day + hour)], unknownToPayU: true,
                  story: "PayU UPI, refund success, but PayU answers 400 for the payu_id"),
        OrderSpec(scenario: .unmatchedPayURecord, method: "card", paidAt: -3 * day,
                  refunds: [done(0.5, created: -2 * day, at: -2 * day + hour, arn: -day, settle: -12 * hour)],
                  unmatchedPayURecord: true,
                  story: "PayU card, 1 refund settled, plus a PayU record matching no WhatsApp refund"),
        OrderSpec(scenario: .amountMatchedPayURecord, paidAt: -6 * hour,
                  refunds: [done(created: -4 * hour, at: -3 * hour, arn: 30, settle: 90, otherRequestID: true)],
                  story: "PayU UPI, PayU request_id differs from the refund id, amount matches; ARN at +30m"),

        // Rare payment statuses
        OrderSpec(scenario: .newPayment, status: "new", shape: .none, paidAt: -5,
                  story: "Payment status \"new\", no transactions"),
        OrderSpec(scenario: .canceledPayment, status: "canceled", shape: .failedOnly, paidAt: -hour,
                  story: "Payment status \"canceled\" after one failed attempt"),

        // Untrusted text (kept last, so the ids above stay what README.md and docs/ quote)
        OrderSpec(scenario: .hostileText, shape: .failedThenPaid, paidAt: -5 * hour,
                  refunds: [done(created: -3 * hour, at: -2 * hour, arn: 20, settle: 80)], hostile: true,
                  story: "PayU UPI, escapes in notes, receipt, udf1-4, the gateway error, the refund id and PayU's fields; ARN at +20m"),
        OrderSpec(scenario: .hostileText, paidAt: -day,
                  refunds: [done(created: -20 * hour, at: -19 * hour)], payuRefusal: HostileText.payuRefusal,
                  story: "PayU UPI, refund success; PayU refuses the payu_id with escapes in its error"),
    ] + history

    /// The desk's last month, for the overview (kept after the orders above, so that their ids stay):
    /// 48 orders whose refunds were created one to 30 days ago, most getting their ARN 14 to 53
    /// hours later and settling a day after that. Refunds created 8 to 10 days ago met a slow bank:
    /// their ARNs took 4 to 6 days. Every 13th refund failed, every 17th is still queued at PayU,
    /// every 7th never settles, every 11th order went through Razorpay (no ARN to wait for).
    static let history: [OrderSpec] = (0..<48).map { i in
        let daysAgo = 30 - i * 30 / 48
        let created = -daysAgo * day + (i * 97) % 600
        let slow = (8...10).contains(daysAgo)
        let arn = created + (slow ? (96 + (i % 3) * 24) : (14 + (i * 7) % 40)) * hour
        let refund: RefundSpec
        if i % 13 == 6 {
            refund = fails(created: created, at: created + 3 * hour)
        } else if i % 17 == 9 {
            refund = stuck(created: created)
        } else {
            refund = done(i % 6 == 0 ? "instant" : "normal", 1, created: created, at: created + (1 + i % 3) * hour,
                          arn: arn, settle: i % 7 == 3 ? nil : arn + (20 + i % 10) * hour)
        }
        let gateway: Gateway = i % 11 == 4 ? .razorpay : .payu
        let method = ["upi", "card", "netbanking", "upi", "wallet"][i % 5]
        let bands: [AmountBand] = [.small, .medium, .medium, .large]
        let story = "History, \(gateway.rawValue) \(method): refund created \(daysAgo) days ago" + (slow ? ", slow bank" : "")
        return OrderSpec(scenario: .history, gateway: gateway, method: method, band: bands[i % 4], paidAt: created - (2 + i % 5) * hour,
                         refunds: [refund], story: story)
    }
}
