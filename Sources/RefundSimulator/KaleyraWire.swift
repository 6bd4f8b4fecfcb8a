/// Kaleyra's Get Payment Status bodies, `{"payments": [payment]}` with its transactions and refunds,
/// in the shapes seen in the wild (the variants are in `WireVariants`).
enum KaleyraWire {
    static func paymentsBody(_ plan: PaymentPlan, at moment: Moment) -> JSONValue {
        let wire = plan.wire
        var members: [(String, JSONValue)] = [
            ("reference_id", .string(plan.referenceID)),
            ("status", .string(plan.status)),
            ("currency", .string("INR")),
            (wire.amountKey, money(plan.amountPaise, wire)),
        ]
        if let transactions = plan.transactions {
            members.append(("transactions", .array(transactions.map { transaction($0, wire: wire, at: moment) })))
        }
        members += plan.echo
        return .object([("payments", .array([.object(members)]))])
    }

    static func transaction(_ plan: TransactionPlan, wire: WireVariants, at moment: Moment) -> JSONValue {
        var members: [(String, JSONValue)] = [("id", .string(plan.id))]
        if let pgID = plan.pgTransactionID { members.append(("pg_transaction_id", .string(pgID))) }
        members.append(("type", .string(plan.gateway.rawValue)))
        members.append(("status", .string(plan.succeeded ? "success" : "failed")))
        if wire.perTransactionAmount {
            members.append(("amount", money(plan.amountPaise, wire)))
            members.append(("currency", .string("INR")))
        }
        members.append(("created_timestamp", timestamp(moment.epoch(plan.created), wire)))
        members.append(("updated_timestamp", timestamp(moment.epoch(plan.updated), wire)))
        if let method = plan.method { members.append(("method", .object([("type", .string(method))]))) }
        if let error = plan.error {
            members.append(("error", .object([("code", .string(error.code)), ("reason", .string(error.reason))])))
        }
        let refunds = plan.refunds.filter { $0.isVisible(at: moment) }
        if !refunds.isEmpty {
            members.append(("refunds", .array(refunds.map { refund($0, wire: wire, at: moment) })))
        }
        return .object(members)
    }

    private static func refund(_ plan: RefundPlan, wire: WireVariants, at moment: Moment) -> JSONValue {
        let state = plan.whatsappState(at: moment, successWord: wire.refundSuccessWord)
        return .object([
            ("id", .string(plan.id)),
            ("amount", money(plan.amountPaise, wire)),
            ("speed_processed", .string(plan.speed)),
            ("status", .string(state.status)),
            ("created_timestamp", timestamp(moment.epoch(plan.created), wire)),
            ("updated_timestamp", timestamp(moment.epoch(state.updated), wire)),
        ])
    }

    static func money(_ paise: Int, _ wire: WireVariants) -> JSONValue {
        wire.stringMoney
            ? .object([("value", .string(String(paise))), ("offset", .string("100"))])
            : .object([("value", .int(paise)), ("offset", .int(100))])
    }

    private static func timestamp(_ epoch: Int, _ wire: WireVariants) -> JSONValue {
        wire.stringTimestamps ? .string(String(epoch)) : .int(epoch)
    }

    // MARK: - Errors

    /// HTTP 401, Kaleyra's own body for a wrong SID or API key (fixtures/kaleyra/error-401-incorrect-sid.json).
    static let incorrectCredentials = JSONValue.object([
        ("code", .string("RBC001")),
        ("message", .string("Incorrect SID or API key.")),
        ("data", .array([])),
        ("error", .object([("body", .string("Incorrect SID or API key."))])),
    ])

    /// Kaleyra's answer when the phone number is not set up on the account
    /// (fixtures/kaleyra/error-solution-id-mapping.json). The status code is not documented;
    /// the simulator sends 400.
    static let solutionMappingMissing = JSONValue.object([
        ("code", .string("WA002")),
        ("message", .string("Solution ID mapping not present")),
        ("data", .null),
        ("error", .object([("error", .string("Solution ID mapping not present"))])),
    ])

    /// Meta's error for a wrong payment configuration id, passed through by Kaleyra.
    static func invalidPaymentConfiguration(fbtraceID: String) -> JSONValue {
        metaError(message: "(#134009) Payment configuration id is invalid", code: 134_009,
                  details: "payment_configuration_id is invalid", fbtraceID: fbtraceID)
    }

    /// Unknown reference id. Inferred, not documented: Meta's Graph API answers a lookup of
    /// something that does not exist with an OAuthException code 100 ("invalid parameter");
    /// the simulator sends that shape with HTTP 404 and names the reference id in `details`.
    static func paymentNotFound(referenceID: String, fbtraceID: String) -> JSONValue {
        metaError(message: "(#100) Invalid parameter", code: 100,
                  details: "No payment found for reference_id \(referenceID)", fbtraceID: fbtraceID)
    }

    /// Meta's throttling error (code 130429), used for injected 429s.
    static func throttled(fbtraceID: String) -> JSONValue {
        metaError(message: "(#130429) Rate limit hit", code: 130_429,
                  details: "Cloud API message throughput has been reached.", fbtraceID: fbtraceID)
    }

    private static func metaError(message: String, code: Int, details: String, fbtraceID: String) -> JSONValue {
        .object([("error", .object([
            ("message", .string(message)),
            ("type", .string("OAuthException")),
            ("code", .int(code)),
            ("error_data", .object([("messaging_product", .string("whatsapp")), ("details", .string(details))])),
            ("fbtrace_id", .string(fbtraceID)),
        ]))])
    }
}
