import ArgumentParser
import Foundation
import RefundJobs
import RefundKit
import WatchlistModel
import RefundStore

struct Track: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The watchlist: orders tracked for days, their last known state and the history of every change.",
        discussion: """
        The watchlist is kept in an SQLite file of your own ($XDG_DATA_HOME/refundwatch/refundwatch.sqlite) \
        or in a team's PostgreSQL database: --db FILE|URL, else $REFUNDWATCH_DATABASE_URL, else \
        database_url in the configuration, else that file.

        Try it: refundwatch track refresh --demo && refundwatch track list --demo

        \(ExitStatus.helpText)
        """,
        subcommands: [TrackAdd.self, TrackRemove.self, TrackList.self, TrackRefresh.self, TrackHistory.self]
    )
}

struct TrackAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add orders to the watchlist: ids as arguments, or '-' to read them from stdin (one per line, or a CSV file with a header, first column).",
        discussion: "An id already tracked is reported and not added twice. Lines that hold no valid id are reported with their line number; the valid ones are still added (exit status 2 then)."
    )

    @Argument(help: ArgumentHelp("Reference ids, or - for stdin.", valueName: "REF"))
    var references: [String] = []

    @Option(help: "A label shown beside these orders (a CSV 'label' column wins for its rows).")
    var label: String?

    @Option(name: .long, help: ArgumentHelp("The account these orders belong to: \"default\" for [kaleyra], NAME for [accounts.NAME]. Without it, with one account they are its; with several, each order's is found at its first fetch (each account and payment configuration asked in turn) and remembered.", valueName: "NAME"))
    var account: String?

    @Option(name: .customLong("phone-number-id"), help: "Look these orders up under this phone number id instead of the configuration's.")
    var phoneNumberID: String?

    @Option(name: .customLong("payment-config-id"), help: "Look these orders up under this payment configuration id instead of the configuration's.")
    var paymentConfigID: String?

    @OptionGroup var source: StoreSource

    /// Ids are written in transactions of this many, so a long list read from stdin is stored as it
    /// is read, and an interrupted add keeps every finished batch.
    static let batchSize = 1_000

    func validate() throws {
        try source.validate()
        if references.isEmpty {
            throw ValidationError("Give at least one reference id, or - to read them from stdin.")
        }
        for (name, value) in [("--phone-number-id", phoneNumberID), ("--payment-config-id", paymentConfigID)] {
            if let value, let problem = PathSegment.problem(with: value) { throw ValidationError("\(name): \(problem).") }
        }
        if let label, label.contains(where: \.isNewline) { throw ValidationError("--label must be one line.") }
        if let account, account.wholeMatch(of: /[A-Za-z0-9_-]{1,32}/) == nil {
            throw ValidationError("--account \"\(TerminalSafe.text(account))\": an account name is 1 to 32 letters, digits, _ or -.")
        }
    }

    func run() async throws {
        let accounts: [String]
        do { accounts = try source.settings().accountNames } catch { throw report(error) }
        // The account as the configuration spells it; refused when it names none.
        var account: String?
        if let asked = self.account {
            guard accounts.isEmpty || accounts.contains(where: { $0.lowercased() == asked.lowercased() }) else {
                standardError("refundwatch: --account \(TerminalSafe.text(asked)): the configuration has no such account (it has \(accounts.joined(separator: ", "))). Give one of these, or add [accounts.\(TerminalSafe.text(asked)).kaleyra] to the configuration.")
                throw ExitStatus.badInput.exitCode
            }
            account = accounts.first { $0.lowercased() == asked.lowercased() } ?? asked
        } else if accounts.count == 1 {
            account = accounts[0]
        }
        let store: any WatchlistStore
        do { store = try await source.openStore() } catch { throw report(error) }
        let now = try await source.clock(store)()
        var rejected: [String] = []
        var added = 0
        var duplicates: [String] = []
        var batch: [TrackedOrder] = []
        var newOrders: [TrackedOrder] = []

        func flush() async throws {
            guard !batch.isEmpty else { return }
            let outcome = try await store.add(batch)
            added += outcome.added.count
            if account == nil, accounts.count > 1, newOrders.count <= Self.findLimit { newOrders += outcome.added }
            duplicates += outcome.duplicates.map(\.referenceID)
            batch.removeAll(keepingCapacity: true)
        }
        func enqueue(_ id: String, label rowLabel: String?) async throws {
            batch.append(TrackedOrder(referenceID: id, account: account, phoneNumberID: phoneNumberID, paymentConfigID: paymentConfigID,
                                      label: rowLabel ?? label, addedAt: now))
            if batch.count >= Self.batchSize { try await flush() }
        }

        do {
            for (position, argument) in references.enumerated() {
                if argument == "-" {
                    var reader = WatchlistImport()
                    while let line = readLine(strippingNewline: true) {
                        switch reader.feed(line) {
                        case .entry(let entry): try await enqueue(entry.referenceID, label: entry.label)
                        case .rejected(let bad): rejected.append("stdin \(bad)")
                        case .skipped: break
                        }
                    }
                } else {
                    let id = argument.trimmingCharacters(in: .whitespaces)
                    if let problem = ReferenceID.problem(with: id) {
                        rejected.append("argument \(position + 1): \"\(argument)\": \(problem)")
                    } else {
                        try await enqueue(id, label: nil)
                    }
                }
            }
            try await flush()
        } catch {
            throw report(error)
        }

        for line in rejected { standardError("refundwatch: rejected \(line)") }
        let total = try await store.count()
        printText(Self.summary(added: added, duplicates: duplicates, rejected: rejected.count, total: total))
        if account == nil, accounts.count > 1, added > 0 {
            await find(newOrders, added: added, accounts: accounts, store: store)
        }
        if !rejected.isEmpty { throw ExitStatus.badInput.exitCode }
    }

    /// Orders added without `--account` to a configuration of several accounts are looked up at
    /// once (each account and payment configuration in turn), so each one's account is known and
    /// said now; up to this many: a longer list is left to the first fetch (a poller's, paced).
    static let findLimit = 100

    /// Looks the new orders up and says where each was found; the first fetch of each is stored.
    /// When that cannot be done now (too many, or no credentials here), says when it will be.
    private func find(_ orders: [TrackedOrder], added: Int, accounts: [String], store: any WatchlistStore) async {
        let later = "each one's account (of \(accounts.joined(separator: ", "))) is found at its first fetch: refundwatch track refresh, or a poller."
        guard orders.count == added, added <= Self.findLimit else {
            printText("More than \(Self.findLimit) new orders: \(later)")
            return
        }
        let environment: ServiceEnvironment
        do {
            environment = try await source.makeEnvironment(store: store)
        } catch {
            _ = report(error)
            standardError("refundwatch: the new orders were not looked up now: \(later)")
            return
        }
        let clock: @Sendable () -> Date
        do { clock = try await source.clock(store) } catch { clock = { Date() } }
        let configuration = environment.service.configuration
        let refresher = WatchlistRefresher(store: store, service: environment.service, rules: configuration.deadlineRules,
                                           thresholds: configuration.alerts.thresholds, now: clock)
        let results = (try? await refresher.refresh(orders)) ?? []
        await environment.close()
        // An order found where it was tracked already is one entry with that one (`place` merges
        // them, keeping the other's id).
        let newIDs = Set(orders.compactMap(\.id))
        var merged = 0
        for result in results.sorted(by: { ($0.order.id ?? 0) < ($1.order.id ?? 0) }) {
            let order = result.order
            switch result.outcome {
            case .recorded:
                let config = order.paymentConfigID.map { ", payment configuration \($0)" } ?? ""
                if let id = order.id, !newIDs.contains(id) {
                    merged += 1
                    printText("\(order.referenceID): found under the account \(order.account ?? "?")\(config), where it was tracked already: one entry now.")
                } else {
                    printText("\(order.referenceID): found under the account \(order.account ?? "?")\(config).")
                }
            case .failed(let error):
                standardError("refundwatch: \(order.referenceID): \(error.message) It stays on the watchlist, its account not known yet (refundwatch track remove \(order.referenceID) drops it).")
            default:
                break
            }
        }
        if merged > 0, let total = try? await store.count() {
            printText("The watchlist has \(plural(total, "order")).")
        }
    }

    static func summary(added: Int, duplicates: [String], rejected: Int, total: Int) -> String {
        var parts = ["Added \(plural(added, "order"))"]
        if !duplicates.isEmpty {
            let shown = duplicates.prefix(5).joined(separator: ", ")
            let more = duplicates.count > 5 ? " and \(duplicates.count - 5) more" : ""
            parts.append("\(plural(duplicates.count, "was", "were")) already tracked (\(shown)\(more))")
        }
        if rejected > 0 { parts.append("\(plural(rejected, "line")) rejected (listed above)") }
        return parts.joined(separator: "; ") + ". The watchlist has \(plural(total, "order"))."
    }
}

struct TrackRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove orders from the watchlist, with their stored reports and history.",
        discussion: "Exit status 4 when one of the ids was not on the watchlist (the others are still removed)."
    )

    @Argument(help: ArgumentHelp("Reference ids, or - for stdin.", valueName: "REF"))
    var references: [String] = []

    @OptionGroup var source: StoreSource

    func validate() throws {
        try source.validate()
        if references.isEmpty { throw ValidationError("Give at least one reference id, or - to read them from stdin.") }
    }

    func run() async throws {
        var ids: [String] = []
        for argument in references {
            if argument == "-" {
                var reader = WatchlistImport()
                while let line = readLine(strippingNewline: true) {
                    if case .entry(let entry) = reader.feed(line) { ids.append(entry.referenceID) }
                }
            } else {
                ids.append(argument.trimmingCharacters(in: .whitespaces))
            }
        }
        let removed: [String]
        do {
            let store = try await source.openStore()
            removed = try await store.remove(referenceIDs: ids)
        } catch {
            throw report(error)
        }
        let missing = ids.filter { !removed.contains($0) }
        for id in missing { standardError("refundwatch: \(id) is not on the watchlist; nothing removed for it.") }
        printText("Removed \(plural(removed.count, "order")).")
        if !missing.isEmpty { throw ExitStatus.notFound.exitCode }
    }
}
