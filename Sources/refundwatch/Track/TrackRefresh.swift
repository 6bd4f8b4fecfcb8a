import ArgumentParser
import Foundation
import RefundKit
import RefundStore

struct TrackRefresh: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh",
        abstract: "Fetch the tracked orders that are due (--all: every one), store the reports and what changed, and print a summary.",
        discussion: """
        An order is due every refresh_interval while it can still change soon (a payment not yet \
        paid, a refund pending, queued, in progress or without its ARN, a PayU refund not yet \
        settled), every settled_interval (6h) once it waits for nothing more, and not at all once \
        settled longer than archive_after (14d); a failed fetch backs off 1, 2, 4 ... intervals. \
        An order whose fetch fails keeps its last good report; the failure is stored and shown by \
        'track list'. Exit status: 0 when every fetch worked; otherwise the status of the failures' \
        kind (5 authentication, 7 server, 8 network, ...), or 10 when they failed for different reasons.
        """
    )

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @Flag(help: "Fetch every tracked order, archived ones included, whether due or not.")
    var all = false

    @OptionGroup var source: StoreSource

    func validate() throws { try source.validate() }

    func run() async throws {
        let store: any WatchlistStore
        let environment: ServiceEnvironment
        let orders: [TrackedOrder]
        let plan: PollPlan
        let tracked: Int
        let plannedAt: Date
        do {
            store = try await source.openStore()
            environment = try await source.makeEnvironment(store: store)
            let rows = try await store.watchlist()
            tracked = rows.count
            plannedAt = try await source.clock(store)()
            plan = PollPlan(rows, policy: environment.service.configuration.pollPolicy, now: plannedAt)
            orders = all ? rows.map(\.order) : plan.due
        } catch {
            throw report(error)
        }
        let clock = try await source.clock(store)
        let refresher = WatchlistRefresher(store: store, service: environment.service, rule: environment.service.configuration.overdueRule, now: clock)
        let started = ContinuousClock.now
        let showProgress = isatty(STDERR_FILENO) == 1 && !orders.isEmpty
        let outcome: Result<[WatchlistRefresher.Result], StoreError>
        do throws(StoreError) {
            outcome = .success(try await refresher.refresh(orders) { _, done in
                if showProgress && (done == orders.count || done % 10 == 0) {
                    FileHandle.standardError.write(Data("\rrefreshing \(done)/\(orders.count)".utf8))
                }
            })
        } catch {
            outcome = .failure(error)
        }
        if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        await environment.close()
        let results: [WatchlistRefresher.Result]
        switch outcome {
        // In watchlist order, not in the order the fetches happened to finish.
        case .success(let value): results = value.sorted { ($0.order.id ?? 0) < ($1.order.id ?? 0) }
        case .failure(let error): throw report(error)
        }
        let elapsed = started.duration(to: .now)
        let overdue = (try? await store.watchlist())?.reduce(0) { $0 + ($1.summary?.overdueCount(at: clock()) ?? 0) } ?? 0
        var summary = RefreshSummary(results: results, tracked: tracked, plan: all ? nil : plan, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
                                     overdue: overdue)
        summary.plannedAt = plannedAt
        if json {
            FileHandle.standardOutput.write(try JSONOutput.encode(summary) + Data("\n".utf8))
        } else {
            printText(summary.text, terminator: "")
        }
        if let status = summary.exitStatus { throw status.exitCode }
    }
}

/// What one `track refresh` did.
struct RefreshSummary: Encodable {
    struct Change: Encodable {
        var referenceID: String
        var seenAt: Date
        var change: OrderChange

        enum CodingKeys: String, CodingKey { case referenceID = "reference_id", seenAt = "seen_at" }
        func encode(to encoder: any Encoder) throws {
            try change.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(referenceID, forKey: .referenceID)
            try c.encode(Timestamp.known(seenAt), forKey: .seenAt)
        }
    }

    /// An order not refreshed: its fetch failed, or its stored report cannot be read (category
    /// "database", exit status 9).
    struct Failure: Encodable {
        var referenceID: String
        var category: String
        var service: String?
        var message: String
        var status: ExitStatus

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
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(referenceID, forKey: .referenceID)
            try c.encode(category, forKey: .category)
            try c.encode(service, forKey: .service)
            try c.encode(message, forKey: .message)
        }
    }

    var orders: Int
    /// The watchlist's size, and (without --all) what was left for later.
    var tracked: Int
    var notDue = 0
    var archived = 0
    var plan: PollPlan?
    /// The moment the plan was made, on the watchlist's clock.
    var plannedAt = Date()
    var fetched = 0
    var firstFetched = 0
    var changedOrders = 0
    var overdue: Int
    var seconds: Double
    var changes: [Change] = []
    var failures: [Failure] = []
    /// Cut short by a stop signal (`poll`): nothing written.
    var interrupted = 0

    init(results: [WatchlistRefresher.Result], tracked: Int, plan: PollPlan?, seconds: Double, overdue: Int) {
        orders = results.count
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

    /// nil when every fetch worked; the failures' common kind, or "mixed".
    var exitStatus: ExitStatus? {
        let kinds = Set(failures.map(\.status))
        guard let first = kinds.first else { return nil }
        return kinds.count == 1 ? first : .mixedFailures
    }

    static let shownLines = 40

    var text: String {
        if tracked == 0 { return "The watchlist is empty: nothing to refresh. Add orders with: refundwatch track add REF...\n" }
        let later = laterText
        if orders == 0 {
            return "Nothing is due: \(later). refundwatch track refresh --all fetches every order now.\n"
        }
        var parts = ["\(changedOrders) changed"]
        if firstFetched > 0 { parts.append("\(firstFetched) fetched for the first time") }
        parts += ["\(failures.count) failed", "\(overdue) overdue"]
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
        return out
    }

    /// "80 can still change, next due in 18s; 30 settled, next due in 5h; 6 archived (not polled)".
    var laterText: String {
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
        case orders, fetched, firstFetched = "first_fetched", changedOrders = "changed_orders", failed, overdue
        case seconds = "duration_seconds", changes, failures
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tracked, forKey: .tracked)
        try c.encode(notDue, forKey: .notDue)
        try c.encode(archived, forKey: .archived)
        try c.encode(orders, forKey: .orders)
        try c.encode(fetched, forKey: .fetched)
        try c.encode(firstFetched, forKey: .firstFetched)
        try c.encode(changedOrders, forKey: .changedOrders)
        try c.encode(failures.count, forKey: .failed)
        try c.encode(overdue, forKey: .overdue)
        try c.encode((seconds * 1000).rounded() / 1000, forKey: .seconds)
        try c.encode(changes, forKey: .changes)
        try c.encode(failures, forKey: .failures)
    }
}

/// One change as a line: "refund rfnd_1  status: pending → success", safe for a terminal (the
/// ids and statuses in it came from the APIs).
enum ChangeText {
    static func describe(_ change: OrderChange) -> String {
        "\(change.subject.terminalSafe)  \(change.words.terminalSafe)"
    }
}
