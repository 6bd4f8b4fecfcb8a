import Foundation
import Testing
import RefundKit
import RefundSimulator
import RefundStore
import WatchlistModel
import TestSupport

/// `track add --account`, and without it several accounts' orders found where they belong, through
/// the real binary against a simulator serving two demo accounts ("default", and "north" with two
/// payment configurations) over loopback; `--demo --accounts N` refused where it does not fit.
@Suite struct AccountCommandTests {
    static let north = SimulatorCredentials.demoAccount(1)

    /// The configuration the simulator prints, in a private file (it holds its secrets inline).
    static func writeConfiguration(_ simulator: RunningSimulator, in space: StateWorkspace) throws -> String {
        let path = space.folder + "/accounts.toml"
        try simulator.demoConfigurationTOML().write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        return path
    }

    static func options() throws -> SimulatorOptions {
        var options = SimulatorOptions(startDate: Date(timeIntervalSince1970: 1_795_000_000))
        try options.useDemoAccounts(2)
        return options
    }

    /// Kaleyra lookups the simulator saw: the account each authenticated as, the payment
    /// configuration and the reference id in its path.
    static func lookups(_ simulator: RunningSimulator) -> [String] {
        simulator.receivedRequests().compactMap { request in
            let path = request.pathSegments
            guard request.rawPath.hasPrefix("/v1/"), path.count == 7, path[4] == "payments" else { return nil }
            return "\(path[6]) as \(request.account ?? "nobody") under \(path[5])"
        }
    }

    /// Orders whose both sides answer whole (no PayU failure the catalogue makes on purpose).
    static let plain: Set<Scenario> = [.settled, .multipleRefunds, .refundInProgress, .arnArrivesLater, .capturedNoRefunds, .razorpay]

    /// A fresh workspace for `body`, removed after it.
    func withSpace(_ body: (StateWorkspace) async throws -> Void) async throws {
        try await scoped(try StateWorkspace(), stop: { try? FileManager.default.removeItem(atPath: $0.folder) }, body)
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }

    @Test func ordersAddedWithoutAnAccountAreFoundUnderTheirOwnAndThenAskedThereAlone() async throws {
        try await withSpace { space in try await withSimulator(options: try Self.options()) { simulator in
            let config = try Self.writeConfiguration(simulator, in: space)
            let common = ["--db", space.db, "--config", config]
            let mine = try #require(simulator.orders(ofAccount: "default").first { Self.plain.contains($0.scenario) }).referenceID
            let northSecond = Self.north.paymentConfigIDs[1]
            let norths = try #require(simulator.orders(ofAccount: "north", paymentConfigID: northSecond).first { Self.plain.contains($0.scenario) }).referenceID

            let add = try await CLIRunner.run(["track", "add", mine, norths] + common, environment: space.environment)
            #expect(add.status == 0, "\(add.stderr)")
            #expect(add.stdout == """
                Added 2 orders. The watchlist has 2 orders.
                \(mine): found under the account default.
                \(norths): found under the account north, payment configuration \(northSecond).

                """, "\(add.stderr)")
            // Found in the configuration's order: default first, then north's configurations in turn.
            #expect(Self.lookups(simulator).filter { $0.hasPrefix(norths) } == [
                "\(norths) as default under refundwatch_demo_config", "\(norths) as north under refundwatch_north_config",
                "\(norths) as north under \(northSecond)",
            ])
            #expect(Self.lookups(simulator).filter { $0.hasPrefix(mine) } == ["\(mine) as default under refundwatch_demo_config"])

            // What the watchlist holds: each order's account, and north's payment configuration.
            let stored = try await SQLiteStore.open(at: space.db).trackedOrders()
            #expect(stored.map(\.referenceID) == [mine, norths])
            #expect(stored.map(\.account) == ["default", "north"])
            #expect(stored.map(\.paymentConfigID) == [nil, northSecond])

            let list = try await CLIRunner.run(["track", "list", "--json"] + common, environment: space.environment)
            #expect(list.status == 0, "\(list.stderr)")
            let orders = try #require(try json(list.stdout)["orders"] as? [[String: Any]])
            #expect(orders.map { $0["reference_id"] as? String } == [mine, norths])
            #expect(orders.map { $0["payment_config_id"] as? String } == [nil, northSecond])
            #expect(orders.allSatisfy { $0["fetched_at"] is String }, "each order's first fetch was stored by track add")
            // The account each order belongs to, as the dashboard's ACCOUNT column shows it.
            #expect(orders.allSatisfy { $0.keys.contains("account") }, "track list --json names no account: \(orders.first?.keys.sorted() ?? [])")
            #expect(orders.map { $0["account"] as? String } == ["default", "north"])

            // A refresh asks each order once, under its own account and configuration only.
            simulator.clearReceivedRequests()
            let refresh = try await CLIRunner.run(["track", "refresh", "--all", "--json"] + common, environment: space.environment)
            #expect(refresh.status == 0, "\(refresh.stderr)")
            let summary = try json(refresh.stdout)
            #expect(summary["orders"] as? Int == 2 && summary["failed"] as? Int == 0, "\(refresh.stdout)")
            #expect(Self.lookups(simulator).sorted() == ["\(mine) as default under refundwatch_demo_config",
                                                         "\(norths) as north under \(northSecond)"].sorted())
            #expect(simulator.receivedRequests().allSatisfy { $0.account != nil }, "every request authenticated as an account")
            #expect(try await SQLiteStore.open(at: space.db).trackedOrders().map(\.account) == ["default", "north"])
            #expect(TestSecrets.leaked(in: add.stdout + add.stderr + refresh.stdout + refresh.stderr).isEmpty)

            // Added again without an account: a new entry at first, found where the order is
            // tracked already, and then one entry with it, which the output says.
            let again = try await CLIRunner.run(["track", "add", norths] + common, environment: space.environment)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout == """
                Added 1 order. The watchlist has 3 orders.
                \(norths): found under the account north, payment configuration \(northSecond), where it was tracked already: one entry now.
                The watchlist has 2 orders.

                """, "\(again.stderr)")
            #expect(try await SQLiteStore.open(at: space.db).trackedOrders().map(\.referenceID) == [mine, norths])
        } }
    }

    @Test func anAccountTheConfigurationDoesNotHaveOrCannotHaveIsRefused() async throws {
        try await withSpace { space in try await withSimulator(options: try Self.options()) { simulator in
            let config = try Self.writeConfiguration(simulator, in: space)
            let common = ["--db", space.db, "--config", config]
            let order = try #require(simulator.orders(ofAccount: "north").first).referenceID

            let nowhere = try await CLIRunner.run(["track", "add", "--account", "nowhere", order] + common, environment: space.environment)
            #expect(nowhere.status == 2)
            #expect(nowhere.stderr.contains("--account nowhere: the configuration has no such account (it has default, north)"), "\(nowhere.stderr)")
            #expect(nowhere.stdout.isEmpty)

            let bad = try await CLIRunner.run(["track", "add", "--account", "bad name!", order] + common, environment: space.environment)
            #expect(bad.status == 2)
            #expect(bad.stderr.contains("--account \"bad name!\": an account name is 1 to 32 letters, digits, _ or -."), "\(bad.stderr)")
            #expect(simulator.receivedRequests().isEmpty, "nothing asked")

            // Neither added anything. The name as the configuration spells it, whatever the case;
            // with the account given, nothing is looked up at once.
            let given = try await CLIRunner.run(["track", "add", "--account", "NORTH", order] + common, environment: space.environment)
            #expect(given.status == 0, "\(given.stderr)")
            #expect(given.stdout == "Added 1 order. The watchlist has 1 order.\n")
            #expect(simulator.receivedRequests().isEmpty, "nothing asked")
            let stored = try await SQLiteStore.open(at: space.db).trackedOrders()
            #expect(stored.map(\.account) == ["north"] && stored.map(\.referenceID) == [order])
        } }
    }

    @Test func accountsIsForTheDemoAndWithinItsRange() async throws { try await withSpace { space in
        for count in ["0", "21"] {
            let demo = try await CLIRunner.run(["--demo", "--accounts", count], environment: space.environment)
            #expect(demo.status == 2, "--accounts \(count): \(demo.stderr)")
            #expect(demo.stderr.contains("--accounts \(count): give a number from 1 to 20."), "\(demo.stderr)")
            let list = try await CLIRunner.run(["track", "list", "--demo", "--accounts", count], environment: space.environment)
            #expect(list.status == 2 && list.stderr.contains("give a number from 1 to 20"), "\(list.stderr)")
        }
        let notDemo = try await CLIRunner.run(["track", "list", "--accounts", "2", "--db", space.db], environment: space.environment)
        #expect(notDemo.status == 2)
        #expect(notDemo.stderr.contains("--accounts is for the demo's simulator: add --demo, or leave out --accounts"), "\(notDemo.stderr)")
        #expect(!FileManager.default.fileExists(atPath: space.db), "nothing opened")
        let data = space.folder + "/data/refundwatch"
        #expect((try? FileManager.default.contentsOfDirectory(atPath: data)) ?? [] == [], "no demo database made")
    } }
}
