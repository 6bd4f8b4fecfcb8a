/// Turns `CatalogueSpecs` into concrete orders: ids, amounts and gateway values drawn from the
/// seed in a fixed order, so a seed always yields the same catalogue (and the ids README.md and docs/ quote).
struct CatalogueBuilder {
    struct Result {
        var orders: [CatalogueOrder]
        var payuTransactions: [String: PayUTransactionPlan]
    }

    private var random: SeededRandom
    private var usedIDs: Set<String> = []

    /// 2026-09-01: order-id dates are drawn from the 80 days after it. They are labels chosen by
    /// the "merchant", fixed by the seed alone, so they do not move with the simulated clock.
    private static let firstOrderDay = 20_697

    init(seed: UInt64) {
        random = .stream(seed: seed, purpose: 0xCA7A)
    }

    mutating func build(_ specs: [OrderSpec]) -> Result {
        var result = Result(orders: [], payuTransactions: [:])
        for (index, spec) in specs.enumerated() {
            var wire = spec.wire
            wire.amountKey = index.isMultiple(of: 2) ? "amount" : "total_amount"
            let referenceID = unique {
                let day = CivilDate.compact(daysSinceEpoch: Self.firstOrderDay + $0.below(80))
                return "ORD-\(day)-\($0.characters(4, from: "0123456789"))"
            }
            let amount = amountPaise(spec.band)
            let transactions = makeTransactions(spec, amount: amount, wire: wire)
            let echo = spec.hostile ? HostileText.echo : echoFields(spec.gateway, style: spec.echo)
            var payuIDs: [String] = []
            for transaction in transactions ?? [] where transaction.gateway == .payu {
                payuIDs.append(transaction.payuID)
                if spec.unknownToPayU { continue }
                result.payuTransactions[transaction.payuID] = PayUTransactionPlan(
                    payuID: transaction.payuID,
                    records: payuRecords(for: transaction, spec: spec, wire: wire),
                    refusal: spec.payuRefusal)
            }
            let plan = PaymentPlan(
                referenceID: referenceID, status: spec.status, amountPaise: amount, gateway: spec.gateway,
                transactions: transactions, echo: echo, wire: wire)
            result.orders.append(CatalogueOrder(
                referenceID: referenceID, scenario: spec.scenario,
                summary: Self.summary(spec.story, wire: wire), gateway: spec.gateway.rawValue,
                amountPaise: amount, payuTransactionIDs: payuIDs,
                refundIDs: (transactions ?? []).flatMap { $0.refunds.map(\.id) }, changes: Self.changes(spec), plan: plan))
        }
        return result
    }

    // MARK: - Transactions and refunds

    private mutating func makeTransactions(_ spec: OrderSpec, amount: Int, wire: WireVariants) -> [TransactionPlan]? {
        let paid = spec.paidAt * 60
        switch spec.shape {
        case .none:
            return nil
        case .failedOnly:
            return [failedAttempt(spec, at: paid, amount: amount)]
        case .failedThenPaid:
            return [failedAttempt(spec, at: paid - 360, amount: amount), paidTransaction(spec, at: paid, amount: amount, wire: wire)]
        case .paid:
            return [paidTransaction(spec, at: paid, amount: amount, wire: wire)]
        }
    }

    private mutating func failedAttempt(_ spec: OrderSpec, at time: Int, amount: Int) -> TransactionPlan {
        var error: (code: String, reason: String)
        switch (spec.gateway, spec.status) {
        case (_, "canceled"): error = ("E1605", "Transaction cancelled by the customer")
        case (.razorpay, _): error = ("BAD_REQUEST_ERROR", "Payment failed because the card was declined by the issuing bank")
        default: error = ("U30", "Debit has failed: UPI PIN entered incorrectly")
        }
        if spec.hostile { error = HostileText.gatewayError }
        return TransactionPlan(
            id: transactionID(spec.gateway), pgTransactionID: nil, gateway: spec.gateway, succeeded: false,
            created: time, updated: time + 90, method: nil, error: error, amountPaise: amount, refunds: [])
    }

    private mutating func paidTransaction(_ spec: OrderSpec, at time: Int, amount: Int, wire: WireVariants) -> TransactionPlan {
        var id = transactionID(spec.gateway)
        var pgID: String?
        if wire.pgTransactionID && spec.gateway == .payu {
            pgID = id
            id = "WAT" + random.alphanumeric(13).uppercased()
        }
        let refunds = spec.refunds.map { refund in
            RefundPlan(
                id: refundID(spec.gateway) + (spec.hostile ? HostileText.refundIDSuffix : ""), amountPaise: refundAmount(amount, share: refund.share),
                speed: refund.speed, created: refund.created * 60, outcome: Self.seconds(refund.outcome))
        }
        return TransactionPlan(
            id: id, pgTransactionID: pgID, gateway: spec.gateway, succeeded: true,
            created: time, updated: time + 40, method: spec.method, error: nil, amountPaise: amount, refunds: refunds)
    }

    private mutating func payuRecords(for transaction: TransactionPlan, spec: OrderSpec, wire: WireVariants) -> [PayURecordPlan] {
        var records: [PayURecordPlan] = []
        for (refund, refundSpec) in zip(transaction.refunds, spec.refunds) {
            let requestID = refundSpec.payuRequestIDDiffers ? unique { $0.digits(9) } : refund.id
            records.append(payuRecord(
                requestID: requestID, amount: refund.amountPaise, speed: refund.speed, spec: spec, wire: wire,
                payuID: transaction.payuID, created: refund.created, outcome: refund.outcome,
                arnAt: refundSpec.arn.map { $0 * 60 }, settledAt: refundSpec.settle.map { $0 * 60 }))
        }
        if spec.unmatchedPayURecord && transaction.succeeded {
            let created = (spec.refunds.first?.created ?? spec.paidAt + 60) * 60 + 1_800
            records.append(payuRecord(
                requestID: unique { $0.digits(9) }, amount: refundAmount(transaction.amountPaise, share: 0.2),
                speed: "normal", spec: spec, wire: wire, payuID: transaction.payuID, created: created,
                outcome: .success(at: created + 3_600), arnAt: created + 86_400, settledAt: nil))
        }
        return records
    }

    private mutating func payuRecord(
        requestID: String, amount: Int, speed: String, spec: OrderSpec, wire: WireVariants,
        payuID: String, created: Int, outcome: Outcome, arnAt: Int?, settledAt: Int?
    ) -> PayURecordPlan {
        let mode: String
        switch spec.method {
        case "card": mode = random.pick(["CC", "DC"])
        case "netbanking": mode = "NB"
        case "wallet": mode = "CASH"
        default: mode = "UPI"
        }
        let instantUPI = speed == "instant" && mode == "UPI"
        var record = PayURecordPlan(
            requestID: requestID, amountPaise: amount,
            token: "whatsapp_refund_" + random.characters(8, from: "abcdefghijklmnopqrstuvwxyz0123456789"),
            mode: mode, refundMode: instantUPI ? "Instant Credit through UPI" : "Back to Source",
            created: created, outcome: outcome, arnAt: arnAt, settledAt: settledAt,
            arn: mode == "UPI" ? random.digits(12) : random.digits(20),
            bankRefNum: random.digits(12), settlementID: "N" + random.digits(13),
            utr: random.pick(["SBIN", "HDFC", "ICIC", "UTIB", "KKBK"]) + random.digits(12),
            mihpayid: payuID, spacedMihpayid: wire.spacedMihpayid, words: wire.payuWords)
        if spec.hostile { HostileText.payuFields(&record) }
        return record
    }

    // MARK: - Values

    private mutating func unique(_ make: (inout SeededRandom) -> String) -> String {
        while true {
            let candidate = make(&random)
            if usedIDs.insert(candidate).inserted { return candidate }
        }
    }

    private mutating func transactionID(_ gateway: Gateway) -> String {
        switch gateway {
        case .payu: return unique { "40" + $0.characters(16, from: "0123456789") }
        case .razorpay: return unique { "pay_" + $0.alphanumeric(14) }
        case .billdesk: return unique { "XHD" + $0.digits(11) }
        case .zaakpay: return unique { $0.digits(14) }
        }
    }

    private mutating func refundID(_ gateway: Gateway) -> String {
        switch gateway {
        case .payu: return unique { $0.digits(9) }
        case .razorpay: return unique { "rfnd_" + $0.alphanumeric(14) }
        case .billdesk: return unique { "RFD" + $0.digits(10) }
        case .zaakpay: return unique { "ZPR" + $0.digits(10) }
        }
    }

    private mutating func amountPaise(_ band: AmountBand) -> Int {
        let rupees: Int
        switch band {
        case .small: rupees = random.int(in: 99...999)
        case .medium: rupees = random.int(in: 1_000...19_999)
        case .large: rupees = random.int(in: 20_000...99_999)
        case .lakh: rupees = random.int(in: 100_000...249_999)
        }
        return rupees * 100 + random.pick([0, 0, 0, 50])
    }

    /// A share of the order rounded to whole rupees, at least ₹1; the full amount for share 1.
    private func refundAmount(_ amount: Int, share: Double) -> Int {
        guard share < 1 else { return amount }
        let percent = Int((share * 100).rounded())
        return max(100, amount * percent / 10_000 * 100)
    }

    private mutating func echoFields(_ gateway: Gateway, style: EchoStyle) -> [(String, JSONValue)] {
        switch gateway {
        case .payu:
            return [("udf1", .string("cart-" + random.digits(5))),
                    ("udf2", .string(random.pick(["whatsapp", "diwali-sale", "repeat-customer"]))),
                    ("udf3", .string("")), ("udf4", .string(""))]
        case .razorpay:
            return [("receipt", .string("rcpt-" + random.digits(6))),
                    ("notes", .object([("channel", .string("whatsapp")),
                                       ("customer_city", .string(random.pick(["Pune", "Chennai", "Jaipur", "Kochi"])))]))]
        case .billdesk:
            let values = ["WA" + random.digits(8), random.pick(["Mumbai", "Lucknow", "Indore"]), "whatsapp",
                          "plan-" + random.digits(3), "store-" + random.digits(2), "GST27AAAPL1234C1Z" + random.digits(1), "v2"]
            let setCount = style == .full ? 7 : style == .sparse ? 1 : 3
            return (0..<(style == .sparse ? 1 : 7)).map { index in
                ("additional_info\(index + 1)", .string(index < setCount ? values[index] : "NA"))
            }
        case .zaakpay:
            let extra1 = "wa-" + random.digits(6)
            let extra2 = random.pick(["gift-wrap", "express-delivery"])
            return [("extra1", .string(extra1)), ("extra2", .string(style == .sparse ? "" : extra2))]
        }
    }

    /// The moments `spec`'s order changes, in seconds.
    static func changes(_ spec: OrderSpec) -> [Int] {
        var minutes = [spec.paidAt]
        for refund in spec.refunds {
            minutes.append(refund.created)
            switch refund.outcome {
            case .pending: break
            case .success(let at), .failure(let at): minutes.append(at)
            }
            minutes += [refund.arn, refund.settle].compactMap { $0 }
        }
        return Set(minutes.map { $0 * 60 }).sorted()
    }

    private static func seconds(_ outcome: Outcome) -> Outcome {
        switch outcome {
        case .pending: return .pending
        case .success(let at): return .success(at: at * 60)
        case .failure(let at): return .failure(at: at * 60)
        }
    }

    private static func summary(_ story: String, wire: WireVariants) -> String {
        var notes: [String] = []
        if wire.amountKey != "amount" { notes.append(wire.amountKey) }
        if wire.stringTimestamps { notes.append("string timestamps") }
        if wire.stringMoney { notes.append("money as strings") }
        if wire.perTransactionAmount { notes.append("per-transaction amount") }
        if wire.pgTransactionID { notes.append("pg_transaction_id") }
        if wire.spacedMihpayid { notes.append("mihpayid as spaced string") }
        if wire.refundSuccessWord != "success" { notes.append("refund status \"\(wire.refundSuccessWord)\"") }
        if wire.payuWords.queued != "queued" { notes.append("PayU status casing") }
        if wire.payuWords.requested != "requested" { notes.append("PayU \"\(wire.payuWords.requested)\"") }
        return notes.isEmpty ? story : "\(story) [\(notes.joined(separator: ", "))]"
    }
}
