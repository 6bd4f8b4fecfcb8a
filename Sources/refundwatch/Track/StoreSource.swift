import ArgumentParser
import Foundation
import RefundKit
import RefundSimulator
import RefundStore

/// `--db FILE`, `--config FILE` and `--demo`: which watchlist, and which APIs to refresh it from.
struct StoreSource: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The watchlist: an SQLite file (default: $XDG_DATA_HOME/refundwatch/refundwatch.sqlite; with --demo, demo.sqlite beside it), or a team's PostgreSQL database, postgres://user@host:port/dbname (password from PGPASSWORD or ~/.pgpass).", valueName: "FILE|URL"))
    var db: String?

    @OptionGroup var api: ConfigurationSource

    var demo: Bool { api.demo }

    func validate() throws {
        try api.validate()
        if let db, db.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--db needs a file name.")
        }
    }

    /// Opens the database: `--db`, else the default (demo) path, whose folder is created. A demo
    /// database is seeded with catalogue orders the first time.
    /// The watchlist named by `--db`, else `$REFUNDWATCH_DATABASE_URL`, else the configuration's
    /// `database_url`, else the default SQLite file. The demo always uses its own.
    func chosenDatabase(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        if let db { return db }
        guard !demo else { return nil }
        if let url = environment["REFUNDWATCH_DATABASE_URL"], !url.isEmpty { return url }
        let loader = ConfigurationLoader(environment: environment)
        guard FileManager.default.fileExists(atPath: loader.path(explicit: api.config)) else { return nil }
        return try loader.load(explicit: api.config).databaseURL
    }

    func openStore(verifyingEveryPage: Bool = true) async throws -> any WatchlistStore {
        let db = try chosenDatabase()
        if let db, PostgresLocation.isURL(db) {
            let place: PostgresLocation
            do {
                place = try PostgresLocation(url: db)
            } catch {
                throw StoreError(.cannotOpen, file: "--db", problem: "\(error.description).")
            }
            let store = try await PostgresStore.open(place)
            if demo { try await DemoWatchlist.seedIfNew(store) }
            return store
        }
        let path: String
        if let db {
            path = db
        } else {
            path = demo ? StoreFile.demoPath() : StoreFile.defaultPath()
            try StoreFile.createDirectory(for: path)
        }
        let store = try RefundStore.open(at: path, verifyingEveryPage: verifyingEveryPage)
        if demo { try await DemoWatchlist.seedIfNew(store) }
        return store
    }

    /// The service to fetch with: the configuration's APIs, or in demo mode the simulator, its clock
    /// carrying on from when the demo database was made.
    func makeEnvironment(store: any WatchlistStore) async throws -> ServiceEnvironment {
        try await api.makeEnvironment(demoOptions: await DemoWatchlist.simulatorOptions(for: store), now: try await clock(store),
                                      demoInterval: DemoWatchlist.interval * DemoWatchlist.speed)
    }

    /// What "now" is for this watchlist: the wall clock, or the demo's simulated clock (the same
    /// function of real time in every process, so ages and overdue checks agree between commands).
    func clock(_ store: any WatchlistStore) async throws -> @Sendable () -> Date {
        guard demo, let epoch = try await DemoWatchlist.epoch(of: store) else { return { Date() } }
        return { DemoWatchlist.simulatedNow(epoch: epoch, at: Date()) }
    }

    /// The poll schedule: the configuration's intervals, or the defaults when there is no
    /// configuration to read (list reads only the store).
    func pollPolicy() -> PollPolicy {
        guard !demo, let configuration = try? ConfigurationLoader().load(explicit: api.config) else { return PollPolicy() }
        return configuration.pollPolicy
    }

    /// The overdue rule: the configuration's `arn_overdue_business_hours`, or the default when no
    /// configuration is needed (list, history and export read only the store).
    func overdueRule() -> OverdueRule {
        guard !demo, let configuration = try? ConfigurationLoader().load(explicit: api.config) else { return OverdueRule() }
        return configuration.overdueRule
    }
}

/// The demo's watchlist: about twenty catalogue orders, one or two of each scenario, labelled with
/// what they show; and a simulated clock that runs 60 times faster than real time from the moment
/// the demo database was made, so that refunds move between one `track refresh` and the next.
enum DemoWatchlist {
    static let speed: Double = 60
    /// The demo refreshes every 5 real seconds (5 simulated minutes), whichever command runs it.
    static let interval: Double = 5
    /// PayU access tokens in the demo last 30 simulated minutes (30 real seconds), so a demo session
    /// renews them while you watch (real ones last about two hours).
    static let tokenLifetime = 1800
    static let epochKey = "demo_epoch"

    static var picks: [(Scenario, Int)] {
        // The hostile-text orders are for tests and for `o`/`lookup`: a first look at the demo
        // shows what refunds do, not what an attacker's note looks like.
        Scenario.allCases.filter { $0 != .hostileText }.map { ($0, 1) } + [(.refundInProgress, 2), (.arnArrivesLater, 2), (.overdueNoARN, 2)]
    }

    static func seedIfNew(_ store: any WatchlistStore, now: Date = Date()) async throws {
        guard try await store.metadata(epochKey) == nil else { return }
        let catalogue = Catalogue(seed: SimulatorOptions().seed)
        var seen = Set<String>()
        var orders: [TrackedOrder] = []
        for (scenario, count) in picks {
            for order in catalogue.orders(in: scenario).prefix(count) where seen.insert(order.referenceID).inserted {
                orders.append(TrackedOrder(referenceID: order.referenceID, label: scenario.rawValue.replacingOccurrences(of: "-", with: " "), addedAt: now))
            }
        }
        _ = try await store.add(orders)
        try await store.setMetadata(epochKey, String(Int(now.timeIntervalSince1970)))
    }

    static func epoch(of store: any WatchlistStore) async throws -> Date? {
        try await store.metadata(epochKey).flatMap(Double.init).map(Date.init(timeIntervalSince1970:))
    }

    static func simulatedNow(epoch: Date, at now: Date) -> Date {
        epoch.addingTimeInterval(max(0, now.timeIntervalSince(epoch)) * speed)
    }

    static func simulatorOptions(for store: any WatchlistStore, now: Date = Date()) async throws -> SimulatorOptions {
        var options = SimulatorOptions()
        options.speed = speed
        options.tokenLifetime = tokenLifetime
        if let epoch = try await epoch(of: store) {
            options.startDate = epoch
            options.elapsedAtStart = max(0, now.timeIntervalSince(epoch)) * speed
        }
        return options
    }
}
