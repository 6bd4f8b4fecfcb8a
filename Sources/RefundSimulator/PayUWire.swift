/// PayU's WhatsApp Refund Status bodies: records keyed by payu_id then request_id, its keyed 400
/// error for an unknown payu_id, and `{"message": …}` for every other error.
enum PayUWire {
    /// `{ "<payu_id>": { "<request_id>": RefundRecord, … } }`; a known payu_id with no refund
    /// yet gives `{ "<payu_id>": {} }` (inferred: PayU documents no such case).
    static func refundStatus(_ transaction: PayUTransactionPlan, at moment: Moment) -> JSONValue {
        let records = transaction.records.filter { $0.isVisible(at: moment) }
        return .object([(transaction.payuID, .object(records.map { ($0.requestID, record($0, at: moment)) }))])
    }

    /// Field order and types as in PayU's sample: `mihpayid` and `request_id` as JSON numbers,
    /// `amt` as a decimal string, unknown fields as explicit nulls.
    private static func record(_ plan: PayURecordPlan, at moment: Moment) -> JSONValue {
        let settled = plan.isSettled(at: moment)
        let succeeded = plan.succeeded(by: moment)
        let mihpayid: JSONValue = plan.spacedMihpayid ? .string(" \(plan.mihpayid) ") : numberOrString(plan.mihpayid)
        return .object([
            ("settlement_id", .optional(settled ? plan.settlementID : nil)),
            ("mihpayid", mihpayid),
            ("amt", .string(rupeeString(paise: plan.amountPaise))),
            ("amount_settled", .optional(settled ? rupeeString(paise: plan.amountPaise) : nil)),
            ("token", .string(plan.token)),
            ("bank_arn", .optional(plan.arn(at: moment))),
            ("mode", .string(plan.mode)),
            ("refund_mode", .string(plan.refundMode)),
            ("action", .string("refund")),
            ("bank_ref_num", .optional(succeeded ? plan.bankRefNum : nil)),
            ("request_id", numberOrString(plan.requestID)),
            ("status", .string(plan.status(at: moment))),
            ("UTR_no", .optional(settled ? plan.utr : nil)),
            ("value_date", .optional(settled ? plan.settledAt.map { CivilDate.isoDateIST(epochSeconds: moment.epoch($0)) } : nil)),
        ])
    }

    /// HTTP 400 for a payu_id PayU does not know (fixtures/payu/error-400-invalid-payu-id.json).
    static func unknownPayUID(_ payuID: String, description: String = "0 out of 1 Transactions Fetched Successfully") -> JSONValue {
        .object([(payuID, .object([
            ("errorCode", .string("400")),
            ("description", .string(description)),
            ("category", .string("RefundService")),
            ("data", .string("")),
        ]))])
    }

    /// PayU's other errors are all `{"message": "…"}`.
    static func message(_ text: String) -> JSONValue {
        .object([("message", .string(text))])
    }

    static func numberOrString(_ text: String) -> JSONValue {
        !text.isEmpty && text.first != "0" && text.count <= 18 && text.allSatisfy(\.isASCII) && text.allSatisfy(\.isNumber)
            ? .number(text) : .string(text)
    }
}
