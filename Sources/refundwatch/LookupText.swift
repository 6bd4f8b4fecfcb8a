import Foundation
import RefundJobs
import RefundKit
import WatchlistModel

/// `lookup`'s text output: the payment, each transaction, each refund with both sides joined.
/// One field a line under a fixed label column, so it stays aligned and within 80 columns.
enum LookupText {
    static let missing = "—"

    /// Deadlines are judged at the moment of the fetch (`fetchedAt`).
    static func render(_ order: OrderReport, rules: DeadlineRules = DeadlineRules(), timeZone: TimeZone = .current) -> String {
        var out = TextBlock(timeZone: timeZone)
        let payment = order.payment
        out.heading("Order \(order.referenceID)")
        out.field("Status", payment.status.rawValue)
        out.field("Amount", payment.amount?.formatted ?? missing)
        if payment.currency.uppercased() != "INR" { out.field("Currency", payment.currency) }
        if let receipt = payment.receipt, !receipt.isEmpty { out.field("Receipt", receipt) }
        for (key, value) in payment.notes.sorted(by: { $0.key < $1.key }) { out.field("Note", "\(key) = \(value)") }
        for field in payment.merchantFields where !field.value.isEmpty { out.field(field.name, field.value) }
        out.field("Fetched", out.time(order.fetchedAt))
        if let deadline = rules.deadline(for: payment) {
            out.field("Deadline", "payment \(deadline.standing(at: order.fetchedAt)) (\(rules.ruleText(.payment)))")
        }
        if order.transactions.isEmpty {
            out.blank()
            out.line("No transactions: the customer has not tried to pay yet.")
        }
        for report in order.transactions { render(report, rules: rules, now: order.fetchedAt, into: &out) }
        return out.text
    }

    private static func render(_ report: TransactionReport, rules: DeadlineRules, now: Date, into out: inout TextBlock) {
        let transaction = report.transaction
        out.blank()
        out.heading("Transaction \(transaction.id)")
        out.field("Gateway", transaction.gateway.rawValue)
        out.field("Status", transaction.status.rawValue)
        if let method = transaction.method { out.field("Method", method) }
        if let amount = transaction.amount { out.field("Amount", amount.formatted) }
        if let pg = transaction.pgTransactionID, pg != transaction.id { out.field("PG txn id", pg) }
        out.field("Created", out.time(transaction.created))
        out.field("Updated", out.time(transaction.updated))
        if let error = transaction.error {
            out.field("Error", [error.code, error.reason].compactMap { $0 }.joined(separator: ": "))
        }
        if let error = report.payuError { out.field("PayU", "unavailable: \(error.message)") }
        if transaction.refunds.isEmpty && report.unmatchedPayU.isEmpty { out.field("Refunds", "none") }
        let absentPayU: String
        if report.payuError != nil { absentPayU = "unknown: PayU could not be asked (above)" }
        else if report.payuQueried { absentPayU = "no matching PayU record" }
        else if transaction.gateway == .payu { absentPayU = "not asked: no [payu] table in the configuration" }
        else { absentPayU = "not a PayU refund (\(transaction.gateway.rawValue))" }
        for refund in report.refunds { render(refund, in: report, absentPayU: absentPayU, rules: rules, now: now, into: &out) }
        if !report.unmatchedPayU.isEmpty {
            out.blank()
            out.indented { block in
                block.line("PayU records that match no WhatsApp refund:")
                for record in report.unmatchedPayU { renderPayU(record, into: &block) }
            }
        }
    }

    private static func render(_ joined: RefundReport, in report: TransactionReport, absentPayU: String, rules: DeadlineRules, now: Date,
                               into out: inout TextBlock) {
        let refund = joined.refund
        out.blank()
        out.indented { block in
            let title = ["Refund \(refund.id)", refund.amount?.formatted, refund.speed?.rawValue].compactMap { $0 }
            block.heading(title.joined(separator: " · "))
            block.field("WhatsApp", refund.status.rawValue)
            block.field("Created", block.time(refund.created))
            block.field("Updated", block.time(refund.updated))
            if let payu = joined.payu {
                let how = joined.match.map { " (matched by \($0 == .amount ? "amount" : $0.rawValue.replacingOccurrences(of: "_", with: " ")))" } ?? ""
                block.field("PayU", (payu.status?.rawValue ?? missing) + how)
                renderBankFields(payu, into: &block)
            } else {
                block.field("PayU", absentPayU)
            }
            if let deadline = rules.deadline(for: joined, in: report) {
                let rule = rules.ruleText(deadline.stage, instant: refund.speed == .instant)
                block.field("Deadline", "\(deadline.stage.name) \(deadline.standing(at: now)) (\(rule))")
            }
            block.field("Customer", CustomerWords(joined, in: report, rules: rules, now: now).sentences.joined(separator: " "))
        }
    }

    private static func renderPayU(_ record: PayURefundRecord, into out: inout TextBlock) {
        out.indented { block in
            let title = ["Request \(record.requestID ?? record.key)", record.amount?.formatted].compactMap { $0 }
            block.heading(title.joined(separator: " · "))
            block.field("PayU", record.status?.rawValue ?? missing)
            renderBankFields(record, into: &block)
        }
    }

    private static func renderBankFields(_ payu: PayURefundRecord, into out: inout TextBlock) {
        out.field("ARN", payu.bankARN ?? "\(missing) not issued yet")
        out.field("Settlement", payu.settlementID ?? missing)
        out.field("Settled", payu.amountSettled?.formatted ?? missing)
        out.field("UTR", payu.utr ?? missing)
        out.field("Value date", payu.valueDate ?? missing)
        let mode = [payu.refundMode, payu.mode.map { "(\($0))" }].compactMap { $0 }.joined(separator: " ")
        out.field("Refund mode", mode.isEmpty ? missing : mode)
        if let token = payu.token { out.field("Token", token) }
    }
}

/// Lines of text with an indent and a label column.
struct TextBlock {
    var text = ""
    var indent = 0
    let timeZone: TimeZone
    static let labelWidth = 12

    /// Every line of the output passes here; its content holds values from the APIs, made safe for
    /// a terminal (a newline inside a note shows as `\n` instead of starting a line of its own).
    mutating func line(_ content: String) { text += String(repeating: " ", count: indent) + content.terminalSafe + "\n" }
    mutating func heading(_ content: String) { line(content) }
    mutating func blank() { if !text.hasSuffix("\n\n") && !text.isEmpty { text += "\n" } }

    static let width = 80

    /// `  Label        value`, with a long value wrapped at word boundaries under the value column.
    mutating func field(_ label: String, _ value: String) {
        let padded = label.padding(toLength: max(label.count, TextBlock.labelWidth), withPad: " ", startingAt: 0)
        let lead = "  " + padded + " "
        let room = max(20, TextBlock.width - indent - lead.count)
        let continuation = String(repeating: " ", count: lead.count)
        // Made safe before wrapping, so the visible `\e` is measured as the two columns it takes.
        for (index, chunk) in TextBlock.wrap(value.terminalSafe, width: room).enumerated() {
            line((index == 0 ? lead : continuation) + chunk)
        }
    }

    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if current.isEmpty {
                current = String(word)
            } else if current.count + 1 + word.count <= width {
                current += " " + word
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        lines.append(current)
        return lines
    }

    mutating func indented(_ body: (inout TextBlock) -> Void) {
        indent += 2
        body(&self)
        indent -= 2
    }

    func time(_ timestamp: Timestamp) -> String {
        guard let date = timestamp.date else { return "unknown" }
        return time(date)
    }

    func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss xxx"
        return formatter.string(from: date)
    }
}
