import ArgumentParser
import Foundation
import RefundJobs
import RefundKit
import WatchlistModel
import RefundStore

struct TrackList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the watchlist from the store: last status, amount, refunds, ARNs, the nearest deadline and the age of the data. No API call is made.",
        discussion: "Orders settled longer than archive_after (14d) are listed apart, as archived: they are no longer polled."
    )

    @Flag(help: "Print JSON (snake_case; amounts as decimal strings with their currency).")
    var json = false

    @OptionGroup var accounts: AccountFilter

    @OptionGroup var source: StoreSource

    func validate() throws { try source.validate() }

    func run() async throws {
        let rows: [WatchedOrder]
        let now: Date
        let policy: PollPolicy
        let settings: WatchlistSettings
        let chosen: [String]
        do {
            settings = try source.settings()
            policy = settings.pollPolicy
            chosen = try accounts.resolved(settings.accountNames)
            let store = try await source.openStore()
            rows = try await store.watchlist().filter { AccountFilter.keeps($0.order, chosen) }
            now = try await source.clock(store)()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw report(error)
        }
        if json {
            FileHandle.standardOutput.write(try JSONOutput.encode(WatchlistListing(rows: rows, now: now, policy: policy)) + Data("\n".utf8))
        } else {
            // The ACCOUNT column where the watchlist can hold more than one account's orders.
            let showAccounts = settings.accountNames.count > 1 || Set(rows.map(\.order.account)).count > 1
            printText(WatchlistText.render(rows, now: now, policy: policy, accounts: showAccounts), terminator: "")
        }
    }
}

extension WatchlistTotals {
    /// The totals line under `track list`'s table.
    var line: String {
        var parts = [plural(orders, "order"), "\(pending) refunds pending", "\(overdue) overdue", "\(failing) failing"]
        if partlyFailing > 0 { parts.append("\(partlyFailing) partly failing (PayU could not be asked)") }
        if neverFetched > 0 { parts.append("\(neverFetched) never fetched (run: refundwatch track refresh)") }
        return parts.joined(separator: " · ")
    }
}

enum WatchlistText {
    static func render(_ rows: [WatchedOrder], now: Date, policy: PollPolicy = PollPolicy(), accounts: Bool = false) -> String {
        if rows.isEmpty {
            return "The watchlist is empty. Add orders with: refundwatch track add REF... (or - to read them from stdin)\n"
        }
        let archived = rows.filter { $0.due(policy, now: now) == .archived }
        let polled = archived.isEmpty ? rows : rows.filter { $0.due(policy, now: now) != .archived }
        var out = polled.isEmpty ? "" : table(polled, now: now, accounts: accounts) + "\n"
        if !archived.isEmpty {
            if !polled.isEmpty { out += "\n" }
            out += "Archived: settled more than \(DurationText.short(policy.archiveAfter)) ago, no longer polled "
                + "(refundwatch track refresh --all, or r on the order in the dashboard, fetches them):\n"
            out += table(archived, now: now, accounts: accounts) + "\n"
        }
        return out + "\n" + WatchlistTotals(rows, now: now).line + (archived.isEmpty ? "" : " · \(archived.count) archived") + "\n"
    }

    /// `accounts`: an ACCOUNT column after the reference ("?" for an order whose account is not
    /// known yet).
    private static func table(_ rows: [WatchedOrder], now: Date, accounts: Bool) -> String {
        var columns: [TextTable.Column] = [
            .init(title: "REFERENCE"), .init(title: "LABEL", maxWidth: 22), .init(title: "PAYMENT"),
            .init(title: "AMOUNT", rightAligned: true), .init(title: "REFUNDS", rightAligned: true), .init(title: "STATE"),
            .init(title: "ARN"), .init(title: "DEADLINE"), .init(title: "UPDATED"),
        ]
        if accounts { columns.insert(.init(title: "ACCOUNT"), at: 1) }
        var table = TextTable(columns)
        for row in rows {
            let summary = row.summary
            var notes: [String] = []
            if let failure = row.failure {
                notes.append("  ↳ last fetch failed \(Age.text(since: failure.at, now: now)): \(failure.error.message)")
            }
            if let payuErrors = summary?.payuErrors, payuErrors > 0 {
                notes.append("  ↳ partly failed: PayU could not be asked for \(plural(payuErrors, "transaction")) in the fetch shown; "
                             + "its bank details may be out of date (refundwatch lookup \(row.order.referenceID) shows why)")
            }
            var cells = [
                row.order.referenceID,
                row.order.label ?? "",
                summary?.paymentStatus ?? "—",
                summary?.amount?.formatted ?? "—",
                summary.map(refundsCell) ?? "—",
                summary?.stageSummary ?? "not fetched yet",
                summary.map(arnCell) ?? "—",
                summary?.nearestDeadline?.compact(at: now) ?? "",
                (row.fetchedAt.map { Age.text(since: $0, now: now) } ?? "never") + (row.isStale ? " (stale)" : ""),
            ]
            if accounts { cells.insert(row.order.account ?? "?", at: 1) }
            table.add(cells, notes: notes)
        }
        return table.render()
    }

    static func refundsCell(_ summary: OrderSummary) -> String {
        guard summary.refundCount > 0 else { return "0" }
        return "\(summary.refundCount) · \(summary.refundTotal?.formatted ?? "?")"
    }

    static func arnCell(_ summary: OrderSummary) -> String {
        if summary.arnMissing > 0 { return "\(summary.arnMissing) missing" }
        if summary.arnPresent > 0 { return "✓" }
        return "—"
    }
}

/// `track list --json`.
struct WatchlistListing: Encodable {
    var generatedAt: Date
    var totals: WatchlistTotals
    var orders: [Row]

    init(rows: [WatchedOrder], now: Date, policy: PollPolicy = PollPolicy()) {
        generatedAt = now
        totals = WatchlistTotals(rows, now: now)
        orders = rows.map { Row($0, now: now, policy: policy) }
    }

    struct Row: Encodable {
        var order: WatchedOrder
        var now: Date
        var due: PollPolicy.Due

        init(_ order: WatchedOrder, now: Date, policy: PollPolicy) {
            self.order = order
            self.now = now
            due = order.due(policy, now: now)
        }

        enum CodingKeys: String, CodingKey {
            case referenceID = "reference_id", account, phoneNumberID = "phone_number_id", paymentConfigID = "payment_config_id", label
            case addedAt = "added_at", fetchedAt = "fetched_at", ageSeconds = "age_seconds", paymentStatus = "payment_status"
            case amount, transactions, refunds, arn, overdue, deadlines, stale, lastError = "last_error", partial
            case settledAt = "settled_at", archived, nextDueAt = "next_due_at"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            let summary = order.summary
            try c.encode(order.order.referenceID, forKey: .referenceID)
            try c.encode(order.order.account, forKey: .account)
            try c.encode(order.order.phoneNumberID, forKey: .phoneNumberID)
            try c.encode(order.order.paymentConfigID, forKey: .paymentConfigID)
            try c.encode(order.order.label, forKey: .label)
            try c.encode(Timestamp.known(order.order.addedAt), forKey: .addedAt)
            try c.encode(order.fetchedAt.map(Timestamp.known), forKey: .fetchedAt)
            try c.encode(order.fetchedAt.map { Int(now.timeIntervalSince($0).rounded(.down)) }, forKey: .ageSeconds)
            try c.encode(summary?.paymentStatus, forKey: .paymentStatus)
            try c.encode(summary?.amount, forKey: .amount)
            try c.encode(summary?.transactionCount, forKey: .transactions)
            try c.encode(summary.map(RefundCounts.init), forKey: .refunds)
            try c.encode(summary.map { ["present": $0.arnPresent, "missing": $0.arnMissing] }, forKey: .arn)
            try c.encode(summary?.overdueCount(at: now), forKey: .overdue)
            try c.encode(summary?.deadlines.map { DeadlineJSON($0, now: now) }, forKey: .deadlines)
            try c.encode(order.isStale, forKey: .stale)
            try c.encode(order.failure.map(FailureJSON.init), forKey: .lastError)
            // The stored summary counts the transactions PayU could not be asked for; the reasons
            // are in the stored report, which a list does not read.
            if let payuErrors = summary?.payuErrors, payuErrors > 0 {
                try c.encode(PartialJSON(service: Service.payu.rawValue, transactions: payuErrors), forKey: .partial)
            } else {
                try c.encodeNil(forKey: .partial)
            }
            try c.encode(summary?.settledAt.map(Timestamp.known), forKey: .settledAt)
            try c.encode(due == .archived, forKey: .archived)
            if case .at(let date) = due { try c.encode(Timestamp.known(max(date, order.order.addedAt)), forKey: .nextDueAt) }
            else { try c.encodeNil(forKey: .nextDueAt) }
        }
    }

    /// One refund's stage deadline (the payment's has no refund id), with where `now` stands.
    struct DeadlineJSON: Encodable {
        var stage: String
        var refundID: String?
        var due: Timestamp
        var late: Bool
        var secondsLeft: Int

        init(_ deadline: StageDeadline, now: Date) {
            stage = deadline.stage.rawValue
            refundID = deadline.refundID
            due = .known(deadline.due)
            late = deadline.isLate(at: now)
            secondsLeft = Int(deadline.due.timeIntervalSince(now).rounded(.down))
        }

        enum CodingKeys: String, CodingKey {
            case stage, refundID = "refund_id", due, late, secondsLeft = "seconds_left"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(stage, forKey: .stage)
            try c.encode(refundID, forKey: .refundID)
            try c.encode(due, forKey: .due)
            try c.encode(late, forKey: .late)
            try c.encode(secondsLeft, forKey: .secondsLeft)
        }
    }

    struct RefundCounts: Encodable {
        var summary: OrderSummary
        init(_ summary: OrderSummary) { self.summary = summary }
        enum CodingKeys: String, CodingKey { case count, total, stages, summary }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(summary.refundCount, forKey: .count)
            try c.encode(summary.refundTotal, forKey: .total)
            try c.encode(summary.stages, forKey: .stages)
            try c.encode(summary.stageSummary, forKey: .summary)
        }
    }

    enum CodingKeys: String, CodingKey { case generatedAt = "generated_at", totals, orders }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Timestamp.known(generatedAt), forKey: .generatedAt)
        try c.encode(totals, forKey: .totals)
        try c.encode(orders, forKey: .orders)
    }
}

/// An order whose stored fetch lacks PayU's side: `{"service": "PayU", "transactions": 1}`.
struct PartialJSON: Encodable {
    var service: String
    var transactions: Int
}

struct FailureJSON: Encodable {
    var failure: FetchFailure
    init(_ failure: FetchFailure) { self.failure = failure }
    enum CodingKeys: String, CodingKey { case category, service, message, at }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(failure.error.category, forKey: .category)
        try c.encode(failure.error.service, forKey: .service)
        try c.encode(failure.error.message, forKey: .message)
        try c.encode(Timestamp.known(failure.at), forKey: .at)
    }
}

