import Foundation
import RefundKit
import WatchlistModel

/// What one `track refresh` did.
public struct RefreshSummary: Sendable, Encodable {
    public struct Change: Sendable, Encodable {
        public var referenceID: String
        public var seenAt: Date
        public var change: OrderChange

        enum CodingKeys: String, CodingKey { case referenceID = "reference_id", seenAt = "seen_at" }
        public func encode(to encoder: any Encoder) throws {
            try change.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(referenceID, forKey: .referenceID)
            try c.encode(Timestamp.known(seenAt), forKey: .seenAt)
        }
    }

    /// An order not refreshed: its fetch failed, or its stored report cannot be read (category
    /// "database", exit status 9).
    public struct Failure: Sendable, Encodable {
        public var referenceID: String
        public var category: String
        public var service: String?
        public var message: String
        public var status: ExitStatus

        init(referenceID: String, error: ReportedError) {
            self.referenceID = referenceID
            category = error.category.rawValue
            service = error.service?.rawValue
            message = error.message
            status = ExitStatus(error.category)
        }

        init(referenceID: String, unreadable: StoreError) {
            self.referenceID = referenceID
            category = "database"
            message = unreadable.description
            status = .database
        }

        enum CodingKeys: String, CodingKey { case referenceID = "reference_id", category, service, message }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(referenceID, forKey: .referenceID)
            try c.encode(category, forKey: .category)
            try c.encode(service, forKey: .service)
            try c.encode(message, forKey: .message)
        }
    }

    public var orders: Int
    /// The watchlist's size, and (without --all) what was left for later.
    public var tracked: Int
    public var notDue = 0
    public var archived = 0
    public var plan: PollPlan?
    /// The moment the plan was made, on the watchlist's clock.
    public var plannedAt = Date()
    public var fetched = 0
    public var firstFetched = 0
    public var changedOrders = 0
    public var overdue: Int
    public var seconds: Double
    public var changes: [Change] = []
    public var failures: [Failure] = []
    /// Orders fetched and stored without PayU's side.
    public var partial: [PartialFailure] = []
    /// Cut short by a stop signal (`poll`): nothing written.
    public var interrupted = 0
    /// Alerts these fetches raised and resolved (for the whole team: none when another process saw them first).
    public var alertsRaised = 0
    public var alertsResolved = 0

    public init(results: [WatchlistRefresher.Result], tracked: Int, plan: PollPlan?, seconds: Double, overdue: Int) {
        orders = results.count
        alertsRaised = results.reduce(0) { $0 + $1.alerts.raised.count }
        alertsResolved = results.reduce(0) { $0 + $1.alerts.resolved.count }
        self.tracked = tracked
        self.plan = plan
        notDue = (plan?.waiting ?? 0) + (plan?.settled ?? 0)
        archived = plan?.archived ?? 0
        self.seconds = seconds
        self.overdue = overdue
        for result in results {
            switch result.outcome {
            case .recorded(let recorded):
                fetched += 1
                if let missing = PartialFailure(referenceID: result.order.referenceID, report: recorded.report) { partial.append(missing) }
                if recorded.isFirstFetch {
                    firstFetched += 1
                } else if !recorded.changes.isEmpty {
                    changedOrders += 1
                    changes += recorded.changes.map { Change(referenceID: result.order.referenceID, seenAt: recorded.report.fetchedAt, change: $0) }
                }
            case .failed(let error):
                failures.append(Failure(referenceID: result.order.referenceID, error: error))
            case .unreadable(let error):
                failures.append(Failure(referenceID: result.order.referenceID, unreadable: error))
            case .removed:
                break
            case .interrupted:
                interrupted += 1
            }
        }
    }

    /// nil when every fetch worked; the failures' common kind, or "mixed"; when none failed but some
    /// were stored without PayU's side, `partialFailure`.
    public var exitStatus: ExitStatus? {
        let kinds = Set(failures.map(\.status))
        guard let first = kinds.first else { return partial.isEmpty ? nil : .partialFailure }
        return kinds.count == 1 ? first : .mixedFailures
    }

    /// "1 failed (first: ORD-1: Kaleyra had a server error …)": the count, and the first reason.
    public var failedText: String {
        "\(failures.count) failed" + (failures.first.map { " (first: \($0.referenceID): \($0.message))" } ?? "")
    }

    /// "2 partly failed: PayU could not be asked", or nil when every order stored had both sides.
    public var partlyFailedCount: String? {
        guard !partial.isEmpty else { return nil }
        return "\(partial.count) partly failed: \(Set(partial.map(\.service)).sorted().joined(separator: " and ")) could not be asked"
    }

    /// "2 partly failed: PayU could not be asked (first: ORD-1: PayU refused to renew …)", or nil.
    public var partlyFailedText: String? {
        guard let count = partlyFailedCount, let first = partial.first else { return nil }
        return count + " (first: \(first.referenceID): \(first.message))"
    }

    /// One line for the log when something failed or partly failed, else nil.
    public var problemsLine: String? {
        guard !failures.isEmpty || !partial.isEmpty else { return nil }
        return "refreshed \(orders) of \(plural(tracked, "order")): " + ([failedText] + [partlyFailedText].compactMap { $0 }).joined(separator: ", ")
    }

    static let shownLines = 40

    public var text: String {
        if tracked == 0 { return "The watchlist is empty: nothing to refresh. Add orders with: refundwatch track add REF...\n" }
        let later = laterText
        if orders == 0 {
            return "Nothing is due: \(later). refundwatch track refresh --all fetches every order now.\n"
        }
        var parts = ["\(changedOrders) changed"]
        if firstFetched > 0 { parts.append("\(firstFetched) fetched for the first time") }
        parts += ["\(failures.count) failed", "\(overdue) overdue"]
        if let partlyFailedCount { parts.append(partlyFailedCount) }
        let what = orders == tracked ? plural(orders, "order") : "\(orders) of \(plural(tracked, "order"))"
        var out = "Refreshed \(what) in \(String(format: "%.1f", seconds)) s: \(parts.joined(separator: ", ")).\n"
        if orders < tracked { out += "Not due: \(later).\n" }
        if !changes.isEmpty {
            out += "\nChanges:\n"
            let width = changes.map(\.referenceID.terminalSafe.count).max() ?? 0
            for change in changes.prefix(Self.shownLines) {
                out += "  " + change.referenceID.terminalSafe.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + ChangeText.describe(change.change) + "\n"
            }
            if changes.count > Self.shownLines {
                out += "  … and \(changes.count - Self.shownLines) more (refundwatch track history REF shows one order's)\n"
            }
        }
        if !failures.isEmpty {
            out += "\nFailed (the last good data is kept):\n"
            for failure in failures.prefix(Self.shownLines) {
                out += "  \(failure.referenceID.terminalSafe)  \(failure.message.terminalSafe)\n"
            }
            if failures.count > Self.shownLines { out += "  … and \(failures.count - Self.shownLines) more (refundwatch track list shows each)\n" }
        }
        if !partial.isEmpty {
            out += "\nPartly failed (WhatsApp's side is stored; PayU's could not be fetched, its earlier answer is kept where there was one):\n"
            for missing in partial.prefix(Self.shownLines) {
                out += "  \(missing.referenceID.terminalSafe)  \(missing.message.terminalSafe)\n"
            }
            if partial.count > Self.shownLines { out += "  … and \(partial.count - Self.shownLines) more (refundwatch track list shows each)\n" }
        }
        return out
    }

    /// "80 can still change, next due in 18s; 30 settled, next due in 5h; 6 archived (not polled)".
    public var laterText: String {
        guard let plan else { return "" }
        var parts: [String] = []
        let now = plannedAt
        if plan.waiting > 0 { parts.append("\(plan.waiting) can still change, next due \(Self.when(plan.nextWaiting, now: now))") }
        if plan.settled > 0 { parts.append("\(plan.settled) settled, next due \(Self.when(plan.nextSettled, now: now))") }
        if plan.archived > 0 { parts.append("\(plan.archived) archived (settled long ago, not polled)") }
        return parts.joined(separator: "; ")
    }

    private static func when(_ date: Date?, now: Date) -> String {
        guard let date else { return "now" }
        return "in " + DurationText.short(date.timeIntervalSince(now))
    }

    enum CodingKeys: String, CodingKey {
        case tracked, notDue = "not_due", archived
        case orders, fetched, firstFetched = "first_fetched", changedOrders = "changed_orders", failed, partlyFailed = "partly_failed", overdue
        case seconds = "duration_seconds", changes, failures, partial
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tracked, forKey: .tracked)
        try c.encode(notDue, forKey: .notDue)
        try c.encode(archived, forKey: .archived)
        try c.encode(orders, forKey: .orders)
        try c.encode(fetched, forKey: .fetched)
        try c.encode(firstFetched, forKey: .firstFetched)
        try c.encode(changedOrders, forKey: .changedOrders)
        try c.encode(failures.count, forKey: .failed)
        try c.encode(partial.count, forKey: .partlyFailed)
        try c.encode(overdue, forKey: .overdue)
        try c.encode((seconds * 1000).rounded() / 1000, forKey: .seconds)
        try c.encode(changes, forKey: .changes)
        try c.encode(failures, forKey: .failures)
        try c.encode(partial, forKey: .partial)
    }
}

/// One change as a line: "refund rfnd_1  status: pending → success", safe for a terminal (the
/// ids and statuses in it came from the APIs).
public enum ChangeText {
    public static func describe(_ change: OrderChange) -> String {
        "\(change.subject.terminalSafe)  \(change.words.terminalSafe)"
    }
}
