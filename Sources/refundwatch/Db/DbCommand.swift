import ArgumentParser
import Foundation
import RefundJobs
import RefundKit
import WatchlistModel
import RefundStore

struct DbCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "The store itself: copy a watchlist between SQLite files and PostgreSQL databases.",
        discussion: """
        Try it: refundwatch db copy --from ~/.local/share/refundwatch/refundwatch.sqlite --to postgres://alice@db.example/refunds

        \(ExitStatus.helpText)
        """,
        subcommands: [DbCopy.self]
    )
}

struct DbCopy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy the watchlist with every order's last report and its whole history from one store into another.",
        discussion: """
        Each of --from and --to is what --db takes: an SQLite file, or a PostgreSQL URL \
        (postgres://user@host:port/dbname; the password from PGPASSWORD or ~/.pgpass, never in the URL). \
        One of them may be left out: it is then the watchlist the other commands use, \
        $REFUNDWATCH_DATABASE_URL, else database_url in the configuration (--config), else the default \
        SQLite file. The source must exist; a new SQLite file is created for --to, and a PostgreSQL \
        database gets refundwatch's tables.

        Running it again adds nothing twice: an order is the same when its reference id and lookup ids \
        are, a history row when its order, time and values are. When the target already has an order, \
        the later of the two states (by the last fetch attempt) is kept: "already there" counts the \
        orders whose state in the target was kept, "updated" those whose state the source's replaced. \
        Each order is written in one transaction, so an interrupted copy leaves whole orders, and \
        running it again finishes the job.
        """
    )

    @Option(help: ArgumentHelp("The watchlist to copy: an SQLite file, or postgres://user@host:port/dbname (default: the configured watchlist).", valueName: "FILE|URL"))
    var from: String?

    @Option(help: ArgumentHelp("Where to copy it: an SQLite file (created if new), or postgres://user@host:port/dbname (default: the configured watchlist).", valueName: "FILE|URL"))
    var to: String?

    @Option(name: .long, help: ArgumentHelp("Configuration file, for database_url (default: $REFUNDWATCH_CONFIG, else $XDG_CONFIG_HOME/refundwatch/config.toml).", valueName: "FILE"))
    var config: String?

    func validate() throws {
        guard from != nil || to != nil else {
            throw ValidationError("Give --from, --to or both; one left out is the watchlist the other commands use ($REFUNDWATCH_DATABASE_URL, else database_url in the configuration, else the default SQLite file).")
        }
        for (name, value) in [("--from", from), ("--to", to)] {
            guard let value else { continue }
            if value.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("\(name) needs an SQLite file or a postgres:// URL.") }
            try DatabaseChoice.checkArgument(value, option: name)
        }
        if let from, let to, let same = StoreIdentity.sameStore(from, to) {
            throw ValidationError("--from and --to name the same store (\(same)): copy it into another file or database.")
        }
    }

    func run() async throws {
        do {
            let configured = try DatabaseChoice.configured(config: config) ?? StoreFile.defaultPath()
            let (fromText, toText) = (from ?? configured, to ?? configured)
            if let same = StoreIdentity.sameStore(fromText, toText) {
                let left = from == nil ? "--from" : "--to"
                standardError("refundwatch: --from and --to name the same store (\(same)): \(left), left out, is the configured watchlist. Give it too, naming another file or database.")
                throw ExitStatus.badInput.exitCode
            }
            if to == nil, !PostgresLocation.isURL(toText) { try StoreFile.createDirectory(for: toText) }
            let source = try await Self.open(fromText, option: "--from", given: from != nil, config: config, mustExist: true)
            let target = try await Self.open(toText, option: "--to", given: to != nil, config: config, mustExist: false)
            let counts = try await StoreCopy.copy(from: source, to: target)
            for store in [source, target] {
                if let store = store as? PostgresStore { await store.close() }
            }
            printText(Self.summary(counts, from: source.location, to: target.location))
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw report(error)
        }
    }

    /// "copied 1,204 orders (3 already there, 2 updated) and 5,112 history rows (0 already there)
    /// from refundwatch.sqlite to postgres://alice@db.example:5432/refunds"; the saved views
    /// too, when the source has any.
    static func summary(_ counts: CopyCounts, from: String, to: String) -> String {
        var text = "copied \(plural(counts.ordersCopied, "order")) (\(counts.ordersAlreadyThere.formatted()) already there, "
            + "\(counts.ordersUpdated.formatted()) updated) and \(plural(counts.historyCopied, "history row")) "
            + "(\(counts.historyAlreadyThere.formatted()) already there)"
        if counts.viewsCopied + counts.viewsAlreadyThere > 0 {
            text += " and \(plural(counts.viewsCopied, "saved view")) (\(counts.viewsAlreadyThere.formatted()) already there)"
        }
        return text + " from \(from) to \(to)"
    }

    /// Opens a store as `--db` would. The source must exist already: a missing SQLite file, or a
    /// PostgreSQL database without refundwatch's tables, is an error rather than a new empty store.
    /// `given`: the user typed it (else it is the configured watchlist, whose URL problems are the
    /// configuration's).
    static func open(_ text: String, option: String, given: Bool, config: String?, mustExist: Bool) async throws -> any CopyableStore {
        if PostgresLocation.isURL(text) {
            let place: PostgresLocation
            if given {
                do {
                    place = try PostgresLocation(url: text)
                } catch {
                    throw StoreError(.cannotOpen, file: option, problem: "\(error.description).")
                }
            } else {
                place = try DatabaseChoice.location(text, fromArgument: false, config: config)
            }
            return mustExist ? try await PostgresStore.openExisting(place) : try await PostgresStore.open(place)
        }
        return mustExist ? try await SQLiteStore.openExisting(at: text) : try await SQLiteStore.open(at: text)
    }
}

/// Whether two `--from`/`--to` values name the same store, before either is opened (copying a
/// store into itself would only count every order as already there, which is not what was meant).
enum StoreIdentity {
    /// The store both name, as a message shows it; nil when they differ.
    static func sameStore(_ first: String, _ second: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        switch (PostgresLocation.isURL(first), PostgresLocation.isURL(second)) {
        case (true, true):
            // The same server and database, whatever the user, TLS mode or spelling of the URL.
            guard let a = try? PostgresLocation(url: first, environment: environment),
                  let b = try? PostgresLocation(url: second, environment: environment) else { return nil }
            return server(a) == server(b) && a.database == b.database ? a.description : nil
        case (false, false):
            let a = URL(fileURLWithPath: first).standardizedFileURL.resolvingSymlinksInPath().path
            let b = URL(fileURLWithPath: second).standardizedFileURL.resolvingSymlinksInPath().path
            if a == b { return first }
            // Two names of one file (a hard link, a folder reached two ways).
            var infoA = stat()
            var infoB = stat()
            if stat(first, &infoA) == 0, stat(second, &infoB) == 0, infoA.st_dev == infoB.st_dev, infoA.st_ino == infoB.st_ino {
                return first
            }
            return nil
        default:
            return nil
        }
    }

    private static func server(_ place: PostgresLocation) -> PostgresLocation.Endpoint {
        switch place.endpoint {
        case .tcp(let host, let port): .tcp(host: host.lowercased(), port: port)
        case .socket(let folder, let port): .socket(folder: URL(fileURLWithPath: folder).standardizedFileURL.resolvingSymlinksInPath().path, port: port)
        }
    }
}
