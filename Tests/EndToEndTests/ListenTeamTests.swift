import Foundation
import Glibc
import RefundKit
import RefundSimulator
import RefundStore
import WatchlistModel
import Testing
import TestSupport

/// Push as well as poll on a team's PostgreSQL database, every part a process of its own as in
/// production: the simulator pushes when an order moves, `listen` records the push, the poller
/// wakes on the database's notice and fetches the order, and a dashboard in tmux shows the change,
/// all within 2 s of the push. Then `listen` is killed, and the poller goes on by its schedule.
@Suite struct ListenTeamTests {
    @Test func aPushReachesADashboardThroughListenAndAPollerAndPollingGoesOnWithoutListen() async throws {
        try await TeamPollerTests().withTeamDatabase { team in
            let port = LoopbackPortReservation()
            var options = SimulatorOptions()
            options.push = PushTarget(baseURL: "http://127.0.0.1:\(port.port)")
            // Its clock all but stands still: orders move when the test moves it, and only then.
            options.speed = 0.0001
            let simulator = try await RunningSimulator.start(options)
            do {
                try await Self.run(team: team, simulator: simulator, port: port)
            } catch {
                await simulator.stop()
                throw error
            }
            await simulator.stop()
        }
    }

    static func run(team: TeamPollerTests.TeamDatabase, simulator: RunningSimulator, port reservation: LoopbackPortReservation) async throws {
        let port = reservation.port
        let space = try StateWorkspace()
        // The printed configuration (the simulator's accounts, [listen] on `port`), every 30 s.
        let config = space.folder + "/team.toml"
        try simulator.demoConfigurationTOML().write(toFile: config, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: config)
        let environment = space.environment.merging(["PGPASSWORD": team.server.password]) { $1 }
        let common = ["--db", team.url, "--config", config]
        // Its refund moves at +30s, +1m and +2m of the simulator's clock.
        let moving = try #require(simulator.catalogue.orders(in: .refundInProgress).first).referenceID
        let other = try #require(simulator.catalogue.orders(in: .arnArrivesLater).first).referenceID
        #expect(try await CLIRunner.run(["track", "add", moving, other] + common, environment: environment).status == 0)

        try await CLIRunner.withProcess(["poll"] + common, environment: environment) { poller in
            func cycles() -> Int { poller.stderr.components(separatedBy: "refundwatch poll: fetched ").count - 1 }
            try await team.waitFor("both orders stored by the poller", timeout: .seconds(60)) { rows in rows.allSatisfy { $0.fetchedAt != nil } }
            reservation.release()
            try await CLIRunner.withProcess(["listen", "--port", "\(port)"] + common, environment: environment, lifetime: 300) { listener in
                try await waitUntil("listen listening", timeout: .seconds(30)) { listener.stderr.contains("listening on 127.0.0.1:\(port)") || listener.hasEnded }
                #expect(!listener.hasEnded, "\(listener.stderr)")
                try await withTmux(width: 120, height: 30) { tmux in
                    let secrets = ["PGPASSWORD": team.server.password, "XDG_STATE_HOME": tmux.folder + "/state"].map { "\($0.key)=\($0.value)" }.sorted()
                    try await tmux.keys("export \(secrets.joined(separator: " ")); clear; \(CLIRunner.executable.path) " + common.map { "'\($0)'" }.joined(separator: " "),
                                        enter: true)
                    try await tmux.waitFor("live with the poller", timeout: .seconds(60)) { $0.contains("live · 1 poller") && $0.contains(moving) }
                    // The moving order's screen, whose history the push's fetch adds to.
                    try await tmux.keys("/" + moving)
                    try await tmux.key("Enter")
                    try await tmux.waitFor("the watchlist narrowed to the order") { $0.contains(moving) && !$0.contains(other) }
                    try await tmux.key("Enter")
                    let before = try await tmux.waitFor("the order's screen") { $0.contains("› \(moving)") && $0.contains("History") }
                    #expect(!before.contains("confirmed by lookup"), "\(before)")

                    // Right after a cycle of the poller, so that its schedule (30 s) cannot be
                    // what finds the change: the refund moves, the simulator pushes.
                    let seen = cycles()
                    try await waitUntil("a cycle of the poller", timeout: .seconds(60)) { cycles() > seen }
                    simulator.advanceClock(by: 180)
                    let push: SentPush? = try await waitFor("the simulator's push for the order", timeout: .seconds(10), describe: { _ in "\(simulator.sentPushes())" },
                                                 read: { simulator.sentPushes().first { $0.referenceID == moving } }, until: { $0 != nil })
                    let sent = try #require(push)
                    #expect(sent.status == 200, "\(sent)")
                    let shown = try await tmux.waitFor("the change, marked as pushed", timeout: .seconds(20)) { $0.contains("confirmed by lookup") }
                    let latency = Date().timeIntervalSince(sent.sentAt)
                    #expect(latency <= 2, "from the push to the screen: \(String(format: "%.2f", latency)) s")
                    #expect(shown.contains("pushed by Kaleyra, confirmed by lookup") || shown.contains("pushed by PayU"), "\(shown)")
                    let stored = try await team.store.history(orderID: try #require(try await team.store.watchlist().first { $0.order.referenceID == moving }?.order.id))
                    #expect(stored.contains { $0.change.field == .pushed }, "\(stored.map(\.change))")
                    #expect(listener.stderr.contains("a poller runs on this store: listen leaves the fetching to it"), "\(listener.stderr)")

                    // listen dies. The next push finds nobody (the simulator gives up after its
                    // tries); the poller goes on by its schedule and finds the change itself.
                    listener.signal(SIGKILL)
                    _ = try await listener.exit()
                    let historyBefore = try await team.store.history(orderID: try #require(try await team.store.watchlist().first { $0.order.referenceID == other }?.order.id)).count
                    simulator.advanceClock(by: 4 * 3_600)
                    let cyclesBefore = cycles()
                    try await waitUntil("the poller's next scheduled cycle storing the change", timeout: .seconds(90)) {
                        let id = try #require(try await team.store.watchlist().first { $0.order.referenceID == other }?.order.id)
                        let count = try await team.store.history(orderID: id).count
                        return cycles() > cyclesBefore && count > historyBefore
                    }
                    let otherHistory = try await team.store.history(orderID: try #require(try await team.store.watchlist().first { $0.order.referenceID == other }?.order.id))
                    #expect(!otherHistory.suffix(otherHistory.count - historyBefore).contains { $0.change.field == .pushed }, "found by the schedule, not a push")
                    #expect(!poller.hasEnded, "\(poller.stderr)")
                    try await tmux.keys("q")
                }
            }
            poller.signal(SIGTERM)
            #expect(try await poller.exit().termination == .exited(0), "\(poller.stderr)")
        }
        #expect(TestSecrets.leaked(in: space.log) == [])
    }
}
