import Clocks
import Foundation
import RefundJobs
import RefundKit
import RefundSimulator
import RefundStore
import Testing
import TestReports
import TestSupport
import WatchlistModel

/// Orders of several accounts, refreshed in-process against a simulator serving three demo
/// accounts ("default", "north" with two payment configurations, "south") over loopback: each
/// order's account is found once (each account and configuration asked in turn), remembered by the
/// store, and from then on asked only there; an order's wrong or vanished account; each account's
/// own request budget.
@Suite struct AccountLookupTests {
    static let fixedStart = Date(timeIntervalSince1970: 1_795_000_000)
    static let north = SimulatorCredentials.demoAccount(1)

    static func options() throws -> SimulatorOptions {
        var options = SimulatorOptions(startDate: fixedStart)
        try options.useDemoAccounts(3)
        return options
    }

    /// One Kaleyra lookup as the simulator saw it: the account it authenticated as, the payment
    /// configuration and the reference id in its path.
    struct Lookup: Hashable, CustomStringConvertible {
        var account: String?
        var paymentConfigID: String
        var referenceID: String
        var description: String { "\(referenceID) as \(account ?? "nobody") under \(paymentConfigID)" }
    }

    static func lookups(_ simulator: RunningSimulator) -> [Lookup] {
        simulator.receivedRequests().compactMap { request in
            let path = request.pathSegments
            guard request.rawPath.hasPrefix("/v1/"), path.count == 7, path[4] == "payments" else { return nil }
            return Lookup(account: request.account, paymentConfigID: path[5], referenceID: path[6])
        }
    }

    /// A simulator of three accounts, a service over the configuration it prints (read by the
    /// loader, as `--demo --accounts 3` reads it), an SQLite file in a fresh folder.
    func withAccounts(_ body: (RunningSimulator, RefundService, SQLiteStore) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-accounts-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try await scoped(folder, stop: { try? FileManager.default.removeItem(atPath: $0) }) { folder in
            try await withSimulator(options: try Self.options()) { simulator in
                let configuration = DemoConfiguration.make(for: simulator)
                #expect(configuration.accounts.map(\.name) == ["default", "north", "south"])
                let store = try await SQLiteStore.open(at: folder + "/w.sqlite")
                try await scoped(RefundService(configuration: configuration, now: { simulator.now() }), stop: { await $0.shutdown() }) { service in
                    try await body(simulator, service, store)
                }
            }
        }
    }

    func refresher(_ store: any WatchlistStore, _ service: RefundService, _ simulator: RunningSimulator) -> WatchlistRefresher {
        WatchlistRefresher(store: store, service: service, rules: DeadlineRules(), now: { simulator.now() })
    }

    /// `count` orders of `orders`, picked by `random`.
    static func pick(_ count: Int, of orders: [CatalogueOrder], _ random: inout SeededRandom) -> [CatalogueOrder] {
        Array(orders.shuffled(using: &random).prefix(count))
    }

    @Test func eachOrdersAccountIsFoundOnceRememberedAndThenAskedAlone() async throws {
        let seed = SeededRandom.seedFromEnvironment()
        var random = SeededRandom(seed: seed)
        let said = "seed \(seed) (SEED=\(seed) repeats it)"
        try await withAccounts { simulator, service, store in
            let northSecond = Self.north.paymentConfigIDs[1]
            var picked = Self.pick(2, of: simulator.orders(ofAccount: "default"), &random)
            picked += Self.pick(1, of: simulator.orders(ofAccount: "north", paymentConfigID: Self.north.paymentConfigIDs[0]), &random)
            picked += Self.pick(2, of: simulator.orders(ofAccount: "north", paymentConfigID: northSecond), &random)
            picked += Self.pick(2, of: simulator.orders(ofAccount: "south"), &random)
            try #require(picked.count == 7, "\(said)")
            let owners = try Dictionary(uniqueKeysWithValues: picked.map { order in
                (order.referenceID, try #require(simulator.owner(of: order.referenceID), "\(said)"))
            })
            #expect(Set(owners.values.map { $0.account }) == ["default", "north", "south"], "\(said)")
            #expect(owners.values.contains { $0.paymentConfigID == northSecond }, "\(said)")

            let added = try await store.add(picked.map { TrackedOrder(referenceID: $0.referenceID, addedAt: Self.fixedStart) })
            #expect(added.added.count == 7 && added.added.allSatisfy { $0.account == nil }, "\(said)")

            // The first refresh: every order found and stored, with its account.
            let first = try await refresher(store, service, simulator).refresh(try await store.trackedOrders())
            #expect(first.count == 7, "\(said)")
            for result in first {
                guard case .recorded(let outcome) = result.outcome else {
                    Issue.record("\(result.order.referenceID): \(result.outcome), \(said)")
                    continue
                }
                #expect(outcome.isFirstFetch && outcome.report.referenceID == result.order.referenceID, "\(said)")
                #expect(result.order.account == owners[result.order.referenceID]?.account, "the result says where: \(result.order), \(said)")
            }
            let stored = try await store.trackedOrders()
            #expect(stored.count == 7, "no entry merged or lost, \(said)")
            for order in stored {
                let owner = try #require(owners[order.referenceID], "\(said)")
                #expect(order.account == owner.account, "\(order.referenceID), \(said)")
                // An account with one payment configuration keeps "the account's"; north's is written.
                let config: String? = owner.account == "north" ? owner.paymentConfigID : nil
                #expect(order.paymentConfigID == config && order.phoneNumberID == nil, "\(order.referenceID): \(order), \(said)")
                let id = try #require(order.id)
                let report = try #require(try await store.report(orderID: id), "\(order.referenceID) stored, \(said)")
                #expect(report.referenceID == order.referenceID, "\(said)")
                // PayU answered each order's transactions: asked as the order's own merchant (but
                // where the catalogue has PayU not know a transaction on purpose).
                if let scenario = simulator.catalogue.order(order.referenceID)?.scenario, ![.unknownPayUID, .hostileText].contains(scenario) {
                    #expect(report.transactions.allSatisfy { $0.payuError == nil }, "\(order.referenceID): \(report.transactions.compactMap(\.payuError)), \(said)")
                }
            }

            // On the wire: each order asked under each place in turn until the one that knew it,
            // in the configuration's order, and never past it.
            let places = try service.places(account: nil)
            let slots = places.map { place in
                (place.account, place.paymentConfigID ?? service.account(named: place.account)!.settings.kaleyra.paymentConfigID)
            }
            #expect(slots.map { "\($0.0)/\($0.1)" } == ["default/refundwatch_demo_config", "north/refundwatch_north_config",
                                                         "north/refundwatch_north_config_2", "south/refundwatch_south_config"])
            let firstLookups = Self.lookups(simulator)
            for (referenceID, owner) in owners {
                let asked = firstLookups.filter { $0.referenceID == referenceID }
                let found = try #require(slots.firstIndex { $0.0 == owner.account && $0.1 == owner.paymentConfigID }, "\(said)")
                let expected = slots.prefix(found + 1).map { Lookup(account: $0.0, paymentConfigID: $0.1, referenceID: referenceID) }
                #expect(asked == expected, "\(referenceID) of \(owner.account)/\(owner.paymentConfigID), \(said)")
            }

            // The second refresh: one Kaleyra request an order, to its own account and payment
            // configuration (the only place that answers 200), and nowhere else.
            simulator.clearReceivedRequests()
            let before = Dictionary(uniqueKeysWithValues: ["default", "north", "south"].map { ($0, simulator.requestCounts(account: $0).kaleyra) })
            let unauthenticated = simulator.requestCounts(account: nil)
            let second = try await refresher(store, service, simulator).refresh(try await store.trackedOrders())
            #expect(second.count == 7, "\(said)")
            for result in second {
                guard case .recorded(let outcome) = result.outcome else {
                    Issue.record("\(result.order.referenceID): \(result.outcome), \(said)")
                    continue
                }
                #expect(!outcome.isFirstFetch, "\(said)")
            }
            let secondLookups = Self.lookups(simulator)
            #expect(secondLookups.count == 7, "exactly one lookup an order: \(secondLookups), \(said)")
            let expected = Set(owners.map { Lookup(account: $0.value.account, paymentConfigID: $0.value.paymentConfigID, referenceID: $0.key) })
            #expect(Set(secondLookups) == expected, "\(said)")
            for account in ["default", "north", "south"] {
                let delta = simulator.requestCounts(account: account).kaleyra - (before[account] ?? 0)
                #expect(delta == owners.values.filter { $0.account == account }.count, "\(account)'s Kaleyra requests, \(said)")
            }
            #expect(simulator.requestCounts(account: nil) == unauthenticated, "no request authenticated as no account, \(said)")
            #expect(simulator.receivedRequests().allSatisfy { $0.account != nil }, "\(said)")
            #expect(try await store.trackedOrders() == stored, "nothing moved, \(said)")
        }
    }

    @Test func anOrderTrackedUnderTheWrongAccountIsNotFoundAndNoOtherAccountIsAsked() async throws {
        try await withAccounts { simulator, service, store in
            let northsFirst = try #require(simulator.orders(ofAccount: "north", paymentConfigID: Self.north.paymentConfigIDs[0]).first).referenceID
            let northsSecond = try #require(simulator.orders(ofAccount: "north", paymentConfigID: Self.north.paymentConfigIDs[1]).first).referenceID
            let added = try await store.add([
                TrackedOrder(referenceID: northsFirst, account: "south", addedAt: Self.fixedStart),
                // Its account known, its payment configuration not: north's two are asked in turn.
                TrackedOrder(referenceID: northsSecond, account: "north", addedAt: Self.fixedStart),
            ]).added
            #expect(added.count == 2)

            let results = try await refresher(store, service, simulator).refresh(try await store.trackedOrders())
            let misplaced = try #require(results.first { $0.order.referenceID == northsFirst })
            guard case .failed(let error) = misplaced.outcome else {
                Issue.record("\(northsFirst) under south: \(misplaced.outcome)")
                return
            }
            #expect(error.category == .notFound && error.service == .kaleyra)
            #expect(error.message.hasPrefix("No WhatsApp payment found for reference id \"\(northsFirst)\""), "\(error.message)")
            let lookups = Self.lookups(simulator)
            #expect(lookups.filter { $0.referenceID == northsFirst }
                    == [Lookup(account: "south", paymentConfigID: "refundwatch_south_config", referenceID: northsFirst)],
                    "south alone was asked: \(lookups)")
            let kept = try #require(try await store.orders(referenceID: northsFirst).first)
            #expect(kept.account == "south" && kept.paymentConfigID == nil, "the account it was given stays: \(kept)")
            let keptID = try #require(kept.id)
            let row = try #require(try await store.watchedOrder(id: keptID))
            #expect(row.failure?.error.category == .notFound && row.fetchedAt == nil)

            let placed = try #require(results.first { $0.order.referenceID == northsSecond })
            guard case .recorded = placed.outcome else {
                Issue.record("\(northsSecond) under north: \(placed.outcome)")
                return
            }
            #expect(lookups.filter { $0.referenceID == northsSecond } == Self.north.paymentConfigIDs.map {
                Lookup(account: "north", paymentConfigID: $0, referenceID: northsSecond)
            }, "north's configurations, in turn: \(lookups)")
            let remembered = try #require(try await store.orders(referenceID: northsSecond).first)
            #expect(remembered.account == "north" && remembered.paymentConfigID == Self.north.paymentConfigIDs[1], "\(remembered)")
        }
    }

    /// The same order tracked twice, once without account and once under its account: when its
    /// place is found, the two entries become one, which keeps the report and the first sighting
    /// once.
    @Test func anOrderTrackedTwiceBecomesOneEntryWhenItsPlaceIsFound() async throws {
        try await withAccounts { simulator, service, store in
            let northSecond = Self.north.paymentConfigIDs[1]
            // An order that no longer changes: both fetches see the same.
            let order = try #require(simulator.orders(ofAccount: "north", paymentConfigID: northSecond).first {
                $0.changes.allSatisfy { $0 < 0 } && ![.unknownPayUID, .hostileText].contains($0.scenario)
            }).referenceID
            let added = try await store.add([
                TrackedOrder(referenceID: order, account: "north", paymentConfigID: northSecond, label: "placed", addedAt: Self.fixedStart),
                TrackedOrder(referenceID: order, label: "unplaced", addedAt: Self.fixedStart),
            ]).added
            try #require(added.count == 2)
            let placedID = try #require(added[0].id)

            let results = try await refresher(store, service, simulator).refresh(try await store.trackedOrders())
            #expect(results.count == 2)
            for result in results {
                guard case .recorded = result.outcome else {
                    Issue.record("\(result.order): \(result.outcome)")
                    continue
                }
                #expect(result.order.id == placedID && result.order.account == "north" && result.order.paymentConfigID == northSecond,
                        "stored under the entry already there: \(result.order)")
            }
            let entries = try await store.orders(referenceID: order)
            #expect(entries.map(\.id) == [placedID] && entries.first?.label == "placed", "\(entries)")
            let report = try #require(try await store.report(orderID: placedID))
            let history = try await store.history(orderID: placedID).map(\.change)
            #expect(history == OrderChange.between(nil, report), "the first sighting once, nothing changed by the second fetch")
        }
    }

    @Test func anOrderNoAccountKnowsNamesEveryAccountAndAnUnconfiguredAccountIsAConfigurationError() async throws {
        try await withAccounts { simulator, service, store in
            let order = try #require(simulator.orders(ofAccount: "default").first).referenceID
            _ = try await store.add([
                TrackedOrder(referenceID: Catalogue.unknownReferenceID, addedAt: Self.fixedStart),
                TrackedOrder(referenceID: order, account: "gone", addedAt: Self.fixedStart),
            ])
            let results = try await refresher(store, service, simulator).refresh(try await store.trackedOrders())
            #expect(results.count == 2)

            let unknown = try #require(results.first { $0.order.referenceID == Catalogue.unknownReferenceID })
            guard case .failed(let notFound) = unknown.outcome else {
                Issue.record("\(unknown.outcome)")
                return
            }
            #expect(notFound.category == .notFound && notFound.service == .kaleyra)
            #expect(notFound.message.contains("under any of 3 accounts (\"default\", \"north\", \"south\")"), "\(notFound.message)")
            #expect(notFound.message.contains("\"\(Catalogue.unknownReferenceID)\""), "\(notFound.message)")
            #expect(Self.lookups(simulator).filter { $0.referenceID == Catalogue.unknownReferenceID }.map { $0.account ?? "nobody" }
                    == ["default", "north", "north", "south"], "each account and configuration once")
            #expect(try await store.orders(referenceID: Catalogue.unknownReferenceID).first?.account == nil, "still not known")

            let gone = try #require(results.first { $0.order.referenceID == order })
            guard case .failed(let configuration) = gone.outcome else {
                Issue.record("\(gone.outcome)")
                return
            }
            #expect(configuration.category == .configuration && configuration.service == nil)
            #expect(configuration.message.contains("the account \"gone\", which the configuration does not have"), "\(configuration.message)")
            #expect(configuration.message.contains("\"default\", \"north\", \"south\""), "\(configuration.message)")
            #expect(Self.lookups(simulator).filter { $0.referenceID == order }.isEmpty, "nothing asked for it")
            #expect(ExitStatus(configuration.category) == .configuration)

            // The service itself, asked by name.
            #expect(throws: RefundWatchError.unknownAccount(name: "gone", configured: ["default", "north", "south"])) {
                try service.places(account: "gone")
            }
        }
    }

    /// The demo configuration's text with one `max_requests_per_second` changed: the first one
    /// after the line `table`.
    static func settingBudget(_ text: String, table: String, to value: Double) throws -> String {
        var lines = text.components(separatedBy: "\n")
        let start = try #require(lines.firstIndex(of: table), "no \(table)")
        let line = try #require(lines[start...].firstIndex { $0.hasPrefix("max_requests_per_second = ") }, "no budget under \(table)")
        lines[line] = "max_requests_per_second = \(value)"
        return lines.joined(separator: "\n")
    }

    @Test func eachAccountSpendsARequestBudgetOfItsOwn() async throws {
        try await withSimulator(options: try Self.options()) { simulator in
            var text = simulator.demoConfigurationTOML()
            text = try Self.settingBudget(text, table: "[accounts.north.kaleyra]", to: 2)
            text = try Self.settingBudget(text, table: "[kaleyra]", to: 500)
            var configuration = try ConfigurationLoader(environment: [:]).parse(text, file: "accounts.toml")
            #expect(configuration.accounts.map { $0.requestsPerSecond[.kaleyra] } == [500, 2, 200])
            // Kaleyra only: PayU's requests would take slots of their own.
            for index in configuration.accounts.indices { configuration.accounts[index].payu = nil }

            let clock = TestClock<Duration>()
            let service = RefundService(configuration: configuration, now: { simulator.now() }, clock: clock)
            try await scoped(service, stop: { await $0.shutdown() }) { service in
                #expect(await service.budgetState(.kaleyra, account: "north")?.requestsPerSecond == 2)
                #expect(await service.budgetState(.kaleyra, account: "default")?.requestsPerSecond == 500)
                #expect(await service.budgetState(.kaleyra)?.requestsPerSecond == 500, "the first account's, unless another is named")
                #expect(await service.budgetState(.kaleyra, account: "south")?.requestsPerSecond == 200)
                #expect(await service.budgetState(.payu, account: "north")?.requestsPerSecond == 200, "as the demo's [accounts.north.payu] writes")

                // On the wire, with the budgets' time stepped by the test: after each account's
                // first request, north's next may go half a second later, default's 2 ms later.
                let defaults = simulator.orders(ofAccount: "default").prefix(2).map(\.referenceID)
                let norths = simulator.orders(ofAccount: "north", paymentConfigID: Self.north.paymentConfigIDs[0]).prefix(2).map(\.referenceID)
                try #require(defaults.count == 2 && norths.count == 2)
                _ = try await service.locate(referenceID: defaults[0], account: "default")
                _ = try await service.locate(referenceID: norths[0], account: "north")
                func asked(_ referenceID: String) -> Int { Self.lookups(simulator).filter { $0.referenceID == referenceID }.count }
                let nextDefault = Task { try await service.locate(referenceID: defaults[1], account: "default") }
                let nextNorth = Task { try await service.locate(referenceID: norths[1], account: "north") }
                await clock.advance(by: .milliseconds(100))
                try await waitUntil("default's second request, 2 ms into its budget") { asked(defaults[1]) == 1 }
                #expect(try await nextDefault.value.place.account == "default")
                #expect(asked(norths[1]) == 0, "north's second request waits for its slot, half a second after its first")
                await clock.advance(by: .milliseconds(400))
                try await waitUntil("north's second request, half a second into its budget") { asked(norths[1]) == 1 }
                #expect(try await nextNorth.value.place.account == "north")
                #expect(Self.lookups(simulator).map { $0.account ?? "nobody" } == ["default", "north", "default", "north"])
            }
        }
    }
}
