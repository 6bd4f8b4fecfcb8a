/// Ties PayU's refund records to WhatsApp's refunds.
///
/// The WhatsApp refund id and PayU's `request_id` / `token` are not documented to be the same
/// value, so: ids first (request_id, then token); then, for what is left, the amount, but only when
/// exactly one remaining record has it (two records of ₹100 are not guessed between). Anything
/// left over is returned as unmatched, never dropped.
public enum RefundMatcher {
    public static func join(refunds: [Refund], records: [PayURefundRecord]) -> (refunds: [RefundReport], unmatched: [PayURefundRecord]) {
        var remaining = records
        var reports = refunds.map { RefundReport(refund: $0) }

        func take(_ kind: MatchKind, where matches: (Refund, PayURefundRecord) -> Bool) {
            for index in reports.indices where reports[index].payu == nil {
                guard let found = remaining.firstIndex(where: { matches(reports[index].refund, $0) }) else { continue }
                reports[index].payu = remaining.remove(at: found)
                reports[index].match = kind
            }
        }

        take(.requestID) { refund, record in !refund.id.isEmpty && record.requestID == refund.id }
        take(.token) { refund, record in !refund.id.isEmpty && record.token == refund.id }
        for index in reports.indices where reports[index].payu == nil {
            guard let amount = reports[index].refund.amount else { continue }
            let candidates = remaining.indices.filter { remaining[$0].amount.map { $0.isSameAmount(as: amount) } ?? false }
            let rivals = reports.indices.filter { other in
                reports[other].payu == nil && (reports[other].refund.amount.map { $0.isSameAmount(as: amount) } ?? false)
            }
            guard candidates.count == 1, rivals.count == 1 else { continue }
            reports[index].payu = remaining.remove(at: candidates[0])
            reports[index].match = .amount
        }
        return (reports, remaining)
    }
}
