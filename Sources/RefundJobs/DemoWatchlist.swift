import Foundation
import RefundKit
import RefundSimulator
import WatchlistModel

/// The demo's watchlist: about twenty catalogue orders, one or two of each scenario, labelled with
/// what they show; and a simulated clock that runs 60 times faster than real time from the moment
/// the demo database was made, so that refunds move between one `track refresh` and the next.
public enum DemoWatchlist {
    public static let speed: Double = 60
    /// The demo refreshes every 5 real seconds (5 simulated minutes), whichever command runs it.
    public static let interval: Double = 5
    /// PayU access tokens in the demo last 30 simulated minutes (30 real seconds), so a demo session
    /// renews them while you watch (real ones last about two hours).
    public static let tokenLifetime = 1800
    public static let epochKey = "demo_epoch"

    public static var picks: [(Scenario, Int)] {
        // The hostile-text orders are for tests and for `o`/`lookup`: a first look at the demo
        // shows what refunds do, not what an attacker's note looks like.
        Scenario.allCases.filter { $0 != .hostileText && $0 != .history }.map { ($0, 1) } + [(.refundInProgress, 2), (.arnArrivesLater, 2), (.overdueNoARN, 2)]
    }

    /// The orders the demo tracks, with their labels: the picks, then the month of history.
    public static var orders: [(referenceID: String, label: String)] {
        let catalogue = Catalogue(seed: SimulatorOptions().seed)
        var seen = Set<String>()
        var orders: [(referenceID: String, label: String)] = []
        for (scenario, count) in picks {
            for order in catalogue.orders(in: scenario).prefix(count) where seen.insert(order.referenceID).inserted {
                orders.append((order.referenceID, scenario.rawValue.replacingOccurrences(of: "-", with: " ")))
            }
        }
        return orders + catalogue.orders(in: .history).map { ($0.referenceID, DemoHistory.label) }
    }

    /// Tracks the demo's orders in a store that has none yet, and replays their month of history.
    /// With one account each order is the account "default"'s; with more (`accounts`, as the
    /// simulator serves them) the orders are tracked without one, and each fetch finds its own.
    public static func seedIfNew(_ store: any WatchlistStore, now: Date = Date(), accounts: Int = 1) async throws {
        guard try await store.metadata(epochKey) == nil else { return }
        let account = accounts <= 1 ? AccountSettings.defaultName : nil
        _ = try await store.add(orders.filter { $0.label != DemoHistory.label }.map {
            TrackedOrder(referenceID: $0.referenceID, account: account, label: $0.label, addedAt: now)
        })
        try await DemoHistory.replay(into: store, epoch: Date(timeIntervalSince1970: Double(Int(now.timeIntervalSince1970))), accounts: accounts)
        try await store.setMetadata(epochKey, String(Int(now.timeIntervalSince1970)))
    }

    public static func epoch(of store: any WatchlistStore) async throws -> Date? {
        try await store.metadata(epochKey).flatMap(Double.init).map(Date.init(timeIntervalSince1970:))
    }

    public static func simulatedNow(epoch: Date, at now: Date) -> Date {
        epoch.addingTimeInterval(max(0, now.timeIntervalSince(epoch)) * speed)
    }

    public static func simulatorOptions(for store: any WatchlistStore, now: Date = Date()) async throws -> SimulatorOptions {
        var options = SimulatorOptions()
        options.speed = speed
        options.tokenLifetime = tokenLifetime
        if let epoch = try await epoch(of: store) {
            options.startDate = epoch
            options.elapsedAtStart = max(0, now.timeIntervalSince(epoch)) * speed
        }
        return options
    }

    /// The demo's saved views, as `[[views]]` would give them: what is late, what is due, what
    /// changed last, and with several accounts one view for each account.
    public static func views(accounts: [String]) -> [SavedView] {
        let several = accounts.count > 1
        var views = [
            SavedView(name: "late", filter: "is:late", sort: .deadline,
                      columns: (several ? [.reference, .account] : [.reference]) + [.label, .amount, .state, .deadline, .updated]),
            SavedView(name: "due-today", filter: "is:due", sort: .deadline),
            SavedView(name: "recent", sort: .recent, columns: [.reference, .label, .payment, .state, .arn, .updated]),
        ]
        if several {
            views += accounts.map { SavedView(name: $0, filter: "account:\($0)") }
        }
        return views
    }
}
