import ArgumentParser
import Foundation
import Logging
import RefundJobs
import RefundKit
import WatchlistModel
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
        'track list'. An order whose WhatsApp side was fetched but PayU's side of a transaction was not \
        (PayU refused its token, say) is stored, and counted as partly failed. Exit status: 0 when every \
        fetch worked; otherwise the status of the failures' kind (5 authentication, 7 server, 8 network, \
        ...), or 10 when they failed for different reasons; 11 when none failed but some partly failed.
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
        let refresher = WatchlistRefresher(store: store, service: environment.service, rules: environment.service.configuration.deadlineRules, thresholds: environment.service.configuration.alerts.thresholds, now: clock)
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
        if let problems = summary.problemsLine {
            // A refresh run by cron is read later, if at all: the log keeps a failure, or PayU gone missing.
            Logger(label: "refundwatch.refresh").warning("\(problems)")
        }
        if json {
            FileHandle.standardOutput.write(try JSONOutput.encode(summary) + Data("\n".utf8))
        } else {
            printText(summary.text, terminator: "")
        }
        if let status = summary.exitStatus { throw status.exitCode }
    }
}

