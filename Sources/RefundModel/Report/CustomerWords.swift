import Foundation

/// What support staff read out to a customer who waits on the line: the stage a refund is in, in
/// plain words, the ARN to quote to the customer's bank when there is one, and the date it is
/// expected by, or how late it is and what to do next. `lookup` prints these sentences and the
/// dashboard's refund view shows them. They hold API text (ids, ARNs): sanitise before display.
public struct CustomerWords: Sendable, Hashable {
    /// Where the refund stands.
    public var stage: String
    /// "ARN to quote to the customer's bank: 921125460021", when PayU has given one.
    public var arn: String?
    /// "Expected by Tue 8 Dec 2026", or "Late by 2d: ask PayU support for the ARN of refund …".
    public var when: String?

    public var sentences: [String] { [stage, arn, when].compactMap { $0 } }

    public init(_ joined: RefundReport, in transaction: TransactionReport, rules: DeadlineRules, now: Date) {
        let refund = joined.refund
        let payu = joined.payu
        let id = refund.id
        arn = payu?.bankARN.map { "ARN to quote to the customer's bank: \($0)." }
        if refund.status == .failed || payu?.status == .failure {
            let sides = [refund.status == .failed ? "WhatsApp: failed" : nil, payu?.status == .failure ? "PayU: failure" : nil].compactMap { $0 }
            stage = "The refund failed (\(sides.joined(separator: "; "))): no money is on its way back."
            when = "Next: the merchant refunds again, or asks \(Self.gateway(transaction)) support why refund \(id) failed."
            return
        }
        guard let deadline = rules.deadline(for: joined, in: transaction) else {
            if let utr = payu?.utr ?? payu?.settlementID, payu?.bankARN != nil {
                stage = "The refund is complete and settled (\(payu?.utr != nil ? "UTR" : "settlement") \(utr)\(payu?.valueDate.map { ", value date \($0)" } ?? ""))."
            } else if payu?.bankARN != nil {
                stage = "The refund is complete: the bank has it. If the customer does not see the money, their bank can trace it by the ARN."
            } else {
                stage = "The refund is complete on WhatsApp's side (\(refund.status.rawValue))."
            }
            when = nil
            return
        }
        let date = Self.date(deadline.due, rules.calendar.timeZone)
        let late = deadline.isLate(at: now)
        let by = late ? "Late by \(DurationText.short(now.timeIntervalSince(deadline.due))) (due \(date))" : nil
        switch deadline.stage {
        case .queued:
            stage = "PayU has accepted the refund and not yet sent it to the bank."
            when = by.map { "\($0): ask PayU support why refund \(id) is still queued." } ?? "It should reach the bank by \(date)."
        case .bank:
            stage = "The bank is processing the refund (PayU: \(payu?.status?.rawValue ?? "pending"); PayU says 5 to 7 business days)."
            when = by.map { "\($0): ask PayU support to chase the bank for refund \(id)." } ?? "The bank should finish by \(date)."
        case .arn:
            stage = "The refund has been sent; the bank has not yet given its reference number (ARN)."
            when = by.map { "\($0): ask PayU support for the ARN of refund \(id)." } ?? "The ARN is expected by \(date)."
        case .credit:
            if let bankARN = payu?.bankARN {
                stage = "The bank has the refund, but WhatsApp does not show it completed yet (\(refund.status.rawValue))."
                when = by.map { "\($0): the customer's bank can trace ARN \(bankARN)." } ?? "It should be completed by \(date)."
            } else {
                stage = "The refund is being processed (WhatsApp: \(refund.status.rawValue)\(refund.speed == .instant ? ", instant" : ""))."
                when = by.map { "\($0): ask \(Self.gateway(transaction)) support about refund \(id)." } ?? "It should reach the customer by \(date)."
            }
        case .payment:
            stage = "The payment is still pending."
            when = nil
        }
    }

    static func gateway(_ transaction: TransactionReport) -> String {
        switch transaction.transaction.gateway {
        case .payu: "PayU"
        case .razorpay: "Razorpay"
        case .billdesk: "BillDesk"
        case .zaakpay: "Zaakpay"
        case .other(let name): name.isEmpty ? "the payment gateway's" : name
        }
    }

    /// "Tue 8 Dec 2026, 14:30 IST": a day a customer can note down, in the banks' zone.
    public static func date(_ date: Date, _ timeZone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "EEE d MMM yyyy, HH:mm"
        let zone = timeZone.identifier == "Asia/Kolkata" ? "IST" : (timeZone.abbreviation(for: date) ?? timeZone.identifier)
        return formatter.string(from: date) + " " + zone
    }
}

extension StageDeadline {
    /// For a narrow column: "ARN in 5h", "credit 2d late" (the largest unit only).
    public func compact(at now: Date) -> String {
        isLate(at: now)
            ? "\(stage.short) \(DurationText.largestUnit(now.timeIntervalSince(due))) late"
            : "\(stage.short) in \(DurationText.largestUnit(due.timeIntervalSince(now)))"
    }
}
