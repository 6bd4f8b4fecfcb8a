import AsyncHTTPClient
import Foundation
import GRDB
import NIOCore
import ProcessRunner
import RefundKit
import RefundSimulator
import RefundStore
import TestPostgres
import WatchlistModel

/// `listen`'s second measure: from a push to the changed row on a dashboard's screen.
extension ListenBench {
    // MARK: - From a push to the screen

    func pushToScreen(_ server: PostgresServer, tag: String) async throws -> Result {
        var options = SimulatorOptions()
        // The catalogue's scenarios repeat with fresh ids: one order of each repetition is picked.
        options.orders = Catalogue.standardSize * max(rounds, 1)
        options.latency = LatencySpec(fixedMilliseconds: 50, jitterMilliseconds: 0)
        let simulator = try await RunningSimulator.start(options)
        return try await scoped(simulator, stop: { await $0.stop() }) { simulator in
            let picked = Self.movingOrders(simulator.catalogue).prefix(rounds).map(\.referenceID)
            guard picked.count == rounds else {
                throw BenchError("the simulator's catalogue has \(picked.count) orders whose one refund succeeds and gets its ARN within \(Int(Self.advance)) simulated seconds; \(rounds) needed")
            }
            let config = folder + "/listen-screen.toml"
            try (simulator.demoConfigurationTOML().replacingOccurrences(of: "refresh_interval = 30", with: "refresh_interval = 3600") + Self.listenTables)
                .write(toFile: config, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: config)
            try await server.psql("CREATE DATABASE screen")
            let url = server.url(database: "screen")
            let secrets = ["PGPASSWORD": server.password]
            let team = try await PostgresStore.open(try PostgresLocation(url: url, environment: [:]), environment: secrets)
            return try await scoped(team, stop: { await $0.close() }) { team in
                let poll = ProcessCommand(binary, ["poll", "--db", url, "--config", config], environment: .only(environment(secrets)), timeout: .seconds(3_600))
                return try await ProcessRunner.withProcess(poll) { poller in
                    try await withListener(database: url, config: config, environment: environment(secrets)) { listener, port in
                        try await withClient(connections: 1) { client in
                            try await timedRounds(simulator, team: team, picked: Array(picked), config: config, url: url,
                                                  push: "http://127.0.0.1:\(port)/push/kaleyra", client: client, tag: tag, secrets: secrets,
                                                  poller: poller, listener: listener)
                        }
                    }
                }
            }
        }
    }

    /// The dashboard, filtered first; the orders tracked and fetched; the clock moved on; then a
    /// push a round, timed to the order's reference id drawn, and the order removed again, so that
    /// the next one is drawn on an empty list (every letter of its id sent to the terminal).
    func timedRounds(_ simulator: RunningSimulator, team: PostgresStore, picked: [String], config: String, url: String, push: String,
                     client: HTTPClient, tag: String, secrets: [String: String], poller: RunningProcess, listener: RunningProcess) async throws -> Result {
        // The stage a refund that succeeded and got its ARN is shown at ("1 done"), and no stage
        // of a refund still under way is.
        let filter = "done"
        let live = "live · 1 poller", filtered = "/\(filter) · ", matchesNone = "No order matches"
        let dashboardEnvironment = DashboardProcessBench(binary: binary, database: url, folder: folder, orders: 0, startRuns: 0, idleSeconds: 0)
            .environment.merging(environment(secrets)) { $1 }
        var latency = Samples()
        var early = 0
        try await DashboardProcess.with(binary: binary, arguments: ["--db", url, "--config", config], environment: dashboardEnvironment,
                                        watch: [live, filtered, matchesNone] + picked) { dashboard in
            _ = try await dashboard.waitFor(live, timeout: 60)
            dashboard.send("/")
            try await Task.sleep(for: .milliseconds(200))
            dashboard.send(filter)
            try await Task.sleep(for: .milliseconds(200))
            dashboard.send("\r")
            _ = try await dashboard.waitFor(filtered, timeout: 10)

            let now = Date()
            let added = try await team.add(picked.map { TrackedOrder(referenceID: $0, addedAt: now) }).added
            guard added.count == picked.count else { throw BenchError("only \(added.count) of \(picked.count) orders were added") }
            // The poller's first fetch of each, while its refund is still under way.
            let deadline = monotonicSeconds() + 60
            var rows = try await team.watchlist()
            while !rows.allSatisfy({ $0.fetchedAt != nil }) {
                guard monotonicSeconds() < deadline, !poller.hasEnded else {
                    throw BenchError("the poller fetched \(rows.filter { $0.fetchedAt != nil }.count) of \(picked.count) orders within 60 s\(poller.hasEnded ? " (it ended)" : ""); its stderr: \(poller.stderr)")
                }
                try await Task.sleep(for: .milliseconds(100))
                rows = try await team.watchlist()
            }
            if let failed = rows.first(where: { $0.failure != nil }) {
                throw BenchError("the first fetch of \(failed.order.referenceID) failed: \(failed.failure?.error.message ?? "")")
            }
            if let moved = rows.first(where: { $0.summary?.stageSummary.contains(filter) != false }) {
                throw BenchError("\(moved.order.referenceID) was first fetched as \"\(moved.summary?.stageSummary ?? "nothing")\": its refund had moved before (the set-up took too long?)")
            }
            _ = try await dashboard.waitFor(matchesNone, timeout: 10)
            if let drawn = picked.first(where: dashboard.hasDrawn) {
                throw BenchError("\(drawn) was drawn before its refund moved: the filter did not hold")
            }
            simulator.advanceClock(by: Self.advance)

            for (n, id) in picked.enumerated() {
                // Anywhere in the poller's second between its looks for orders asked for.
                try await Task.sleep(for: .milliseconds(Int.random(in: 300...1_300)))
                // Fetched by its schedule meanwhile (it should not be): not timed, counted.
                if dashboard.hasDrawn(id) {
                    early += 1
                    continue
                }
                let answer: (status: Int, body: String)
                do {
                    answer = try await Self.post(client, url: push, body: Self.kaleyraPush(id: "\(tag)-screen-\(n)", reference: id))
                } catch {
                    throw BenchError("the push naming \(id) got no answer (\(error))\(listener.hasEnded ? "; listen has ended" : ""); listen's stderr: \(listener.stderr)")
                }
                let answered = monotonicSeconds() - dashboard.started
                guard answer.status == 200, answer.body.contains("\"asked\":1,") else {
                    throw BenchError("the push naming \(id) was answered \(answer.status) \(answer.body)")
                }
                let drawn: Double
                do {
                    drawn = try await dashboard.waitFor(id, timeout: 10)
                } catch {
                    let row = try? await team.watchlist().first { $0.order.referenceID == id }
                    throw BenchError("\(id) was pushed but not drawn within 10 s; the store has it as \"\(row?.summary?.stageSummary ?? "not fetched")\", "
                                     + "fetched \(row?.fetchedAt.map { "\($0)" } ?? "never")\(row?.requestedAt != nil ? ", still asked for" : "")"
                                     + (poller.hasEnded ? "; the poller has ended: \(poller.stderr)" : "") + ". \(error)")
                }
                if drawn < answered { early += 1 } else { latency.add(drawn - answered) }
                _ = try await team.remove(referenceIDs: [id])
            }
            try await dashboard.quit()
        }
        return Result(scenario: "listen", measure: "a push to the changed row on a dashboard's screen (listen, poll, PostgreSQL; simulator at 50 ms)",
                      median: latency.milliseconds.median, spread: latency.milliseconds.spread, target: "≤ 500 ms",
                      verdict: verdict(latency.median <= 0.5) + " \(latency.values.count) rounds" + (early > 0 ? ", \(early) drawn before the push's answer (not timed)" : ""))
    }

    /// PayU orders whose one refund, made before the start, is pending for at least a simulated
    /// minute after it, succeeds and gets its ARN within `advance`, and settles half an hour after
    /// that or later (the catalogue's "pending → success at +2m, ARN +62m, settled +122m"):
    /// fetched right after the start it is under way; after the clock is moved on by `advance`,
    /// it is done. (Done with its ARN, not merely succeeded: a refund waiting for its ARN shows as
    /// done too when PayU's side of a fetch is missing, so that state would be an unsure marker.)
    static func movingOrders(_ catalogue: Catalogue) -> [CatalogueOrder] {
        catalogue.orders(in: .refundInProgress).filter { order in
            let ahead = order.changes.filter { $0 > 0 }
            // Its refund's success, ARN and settlement, nothing else.
            return order.gateway == "payu" && order.refundIDs.count == 1 && ahead.count == 3
                && ahead[0] >= 60 && ahead[1] < Int(advance) - 30 && ahead[2] > Int(advance) + 1_800
        }
    }
}
