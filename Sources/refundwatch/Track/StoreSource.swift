import ArgumentParser
import Foundation
import RefundJobs
import RefundKit
import WatchlistModel
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
        if let db { try DatabaseChoice.checkArgument(db, option: "--db") }
    }

    /// The watchlist named by `--db`, else `$REFUNDWATCH_DATABASE_URL`, else the configuration's
    /// `database_url`; nil for the default SQLite file. The demo always uses its own.
    func chosenDatabase(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        if let db { return db }
        guard !demo else { return nil }
        return try DatabaseChoice.configured(config: api.config, environment: environment)
    }

    /// What the commands that only read or edit the watchlist need from the configuration: no API
    /// credential, so they work where the secrets are not set (`WatchlistSettings`). The defaults
    /// when there is no configuration file, and in the demo.
    func settings(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> WatchlistSettings {
        guard !demo else {
            var settings = WatchlistSettings()
            settings.accountNames = SimulatorCredentials.demoAccounts(api.demoAccounts).map(\.name)
            settings.views = DemoWatchlist.views(accounts: settings.accountNames)
            return settings
        }
        let loader = ConfigurationLoader(environment: environment)
        // Without a file at the usual place the defaults do; a file named (--config or
        // REFUNDWATCH_CONFIG) must be there, or it is an error saying so (exit 3).
        let named = api.config?.isEmpty == false || !(environment["REFUNDWATCH_CONFIG"] ?? "").isEmpty
        guard named || FileManager.default.fileExists(atPath: loader.path(explicit: api.config)) else { return WatchlistSettings() }
        return try loader.loadSettings(explicit: api.config)
    }

    /// Opens the watchlist `chosenDatabase` names, else the default (demo) SQLite file, whose folder
    /// is created. A demo database is seeded with catalogue orders the first time.
    func openStore(verifyingEveryPage: Bool = true) async throws -> any WatchlistStore {
        let db = try chosenDatabase()
        if let db, PostgresLocation.isURL(db) {
            let store = try await PostgresStore.open(try DatabaseChoice.location(db, fromArgument: self.db != nil, config: api.config))
            if demo { try await DemoWatchlist.seedIfNew(store, accounts: api.demoAccounts) }
            return store
        }
        let path: String
        if let db {
            path = db
        } else {
            path = demo ? StoreFile.demoPath(accounts: api.demoAccounts) : StoreFile.defaultPath()
            try StoreFile.createDirectory(for: path)
        }
        let store = try await SQLiteStore.open(at: path, verifyingEveryPage: verifyingEveryPage)
        if demo { try await DemoWatchlist.seedIfNew(store, accounts: api.demoAccounts) }
        return store
    }

    /// The service to fetch with: the configuration's APIs, or in demo mode the simulator, its clock
    /// carrying on from when the demo database was made.
    func makeEnvironment(store: any WatchlistStore) async throws -> ServiceEnvironment {
        try await api.makeEnvironment(demoOptions: await DemoWatchlist.simulatorOptions(for: store), now: try await clock(store),
                                      demoInterval: DemoWatchlist.interval * DemoWatchlist.speed, team: store as? any TeamLedger)
    }

    /// What "now" is for this watchlist: the wall clock, or the demo's simulated clock (the same
    /// function of real time in every process, so ages and overdue checks agree between commands).
    func clock(_ store: any WatchlistStore) async throws -> @Sendable () -> Date {
        guard demo, let epoch = try await DemoWatchlist.epoch(of: store) else { return { Date() } }
        return { DemoWatchlist.simulatedNow(epoch: epoch, at: Date()) }
    }
}

/// Which watchlist a command uses, and what a wrong PostgreSQL URL is: a bad argument when the
/// user typed it (`--db`, `--from`, `--to`: exit status 2), a configuration error when it came
/// from `REFUNDWATCH_DATABASE_URL` or `database_url` (exit status 3). A URL that holds a password
/// is refused either way, before anything connects.
enum DatabaseChoice {
    /// `$REFUNDWATCH_DATABASE_URL`, else `database_url` in the configuration file (when there is
    /// one); nil for the default SQLite file.
    static func configured(config: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        if let url = environment["REFUNDWATCH_DATABASE_URL"], !url.isEmpty { return url }
        let loader = ConfigurationLoader(environment: environment)
        // A file named (--config or REFUNDWATCH_CONFIG) must be there; the usual place may be empty.
        let named = config?.isEmpty == false || !(environment["REFUNDWATCH_CONFIG"] ?? "").isEmpty
        guard named || FileManager.default.fileExists(atPath: loader.path(explicit: config)) else { return nil }
        return try loader.loadSettings(explicit: config).databaseURL
    }

    /// Refuses a URL given on the command line that cannot name a database, as a usage error.
    static func checkArgument(_ text: String, option: String) throws {
        guard PostgresLocation.isURL(text) else { return }
        do {
            _ = try PostgresLocation(url: text)
        } catch {
            throw ValidationError("\(option): \(error.description).")
        }
    }

    /// The database a URL names; its problem as a configuration error when the URL came from the
    /// environment or the configuration file rather than the command line.
    static func location(_ text: String, fromArgument: Bool, config: String?,
                         environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PostgresLocation {
        do {
            return try PostgresLocation(url: text, environment: environment)
        } catch {
            // `validate()` refuses such an argument first; this keeps the message if one slips by.
            if fromArgument { throw StoreError(.cannotOpen, file: "--db", problem: "\(error.description).") }
            if let fromEnvironment = environment["REFUNDWATCH_DATABASE_URL"], !fromEnvironment.isEmpty {
                throw ConfigurationError(file: "REFUNDWATCH_DATABASE_URL", key: nil, problem: "\(error.description).")
            }
            throw ConfigurationError(file: ConfigurationLoader(environment: environment).path(explicit: config), key: "database_url",
                                     problem: "\(error.description).")
        }
    }
}
