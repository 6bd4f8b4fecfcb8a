import Foundation
import RefundKit
import RefundSimulator
import WatchlistModel

/// The configuration the simulator's `demoConfigurationTOML()` describes, parsed by the same
/// loader a user's file goes through.
public enum DemoConfiguration {
    public static func make(for simulator: RunningSimulator) -> RefundConfiguration {
        do {
            return try ConfigurationLoader(environment: [:]).parse(simulator.demoConfigurationTOML(), file: "demo configuration")
        } catch {
            fatalError("the simulator's demo configuration does not parse: \(error)")
        }
    }
}

/// The demo's month of history, so that its overview has weeks to show on first open: the
/// catalogue's `history` orders are tracked and fetched as they were at each moment one of them
/// changed, from a simulator of their own whose clock starts a month before the demo's and is
/// stepped forward, and each fetch is stored at its simulated time. The store then knows when
/// each refund got its ARN or completed as if it had watched them all month.
public enum DemoHistory {
    /// The label the history orders carry on the watchlist.
    public static let label = "history"

    public static func replay(into store: any WatchlistStore, epoch: Date, accounts: Int = 1, rules: DeadlineRules = DeadlineRules()) async throws {
        let orders = Catalogue(seed: SimulatorOptions().seed).orders(in: .history)
        // A minute after each change, in the past only: the live demo fetches the present.
        var due: [Int: [CatalogueOrder]] = [:]
        for order in orders {
            for change in order.changes where change + 60 < 0 { due[change + 60, default: []].append(order) }
        }
        let moments = due.keys.sorted()
        guard let first = moments.first else { return }
        let added = try await store.add(orders.map { TrackedOrder(referenceID: $0.referenceID, label: label, addedAt: epoch) }).added
        let ids = Dictionary(added.compactMap { order in order.id.map { (order.referenceID, $0) } }, uniquingKeysWith: { first, _ in first })

        var options = SimulatorOptions()
        try options.useDemoAccounts(accounts)
        options.startDate = epoch
        options.elapsedAtStart = Double(first)
        // All but stopped: the replay moves the clock itself, a change at a time.
        options.speed = 1e-6
        options.tokenLifetime = 40 * 86_400
        let simulator = try await RunningSimulator.start(options)
        var configuration = DemoConfiguration.make(for: simulator)
        configuration.http.maxAttempts = 2
        let service = RefundService(configuration: configuration, now: { simulator.now() })
        do {
            var at = first
            for moment in moments {
                simulator.advanceClock(by: Double(moment - at))
                at = moment
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for order in due[moment] ?? [] {
                        guard let id = ids[order.referenceID] else { continue }
                        group.addTask {
                            let found = try await service.locate(referenceID: order.referenceID)
                            guard let placed = try await store.place(orderID: id, at: found.place) else { return }
                            _ = try await store.record(found.report, orderID: placed, rules: rules)
                        }
                    }
                    try await group.waitForAll()
                }
            }
        } catch {
            await service.shutdown()
            await simulator.stop()
            throw error
        }
        await service.shutdown()
        await simulator.stop()
    }
}
