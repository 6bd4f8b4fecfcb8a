import DashboardCore
import Foundation
import Logging
import ProcessRunner
import RefundJobs
import RefundKit
import RefundSimulator
import RefundStore
import TestPostgres
import WatchlistModel

/// What deadlines and alerts cost: a cycle over 10,000 orders with and without them, the alerts
/// screen opened on 100,000 orders with 5,000 open alerts (SQLite and PostgreSQL), and webhook
/// delivery to a local receiver.
struct AlertsBench {
    let folder: String
    let runs: Int
    let cycleOrders: Int
    static let screenOrders = 100_000
    static let openAlerts = 5_000
    static let deliveries = 2_000

    func run() async throws -> [Result] {
        var results = try await cycle()
        let large = try await BenchStore.file(orders: Self.screenOrders, folder: folder)
        let sqlite = try await SQLiteStore.open(at: large)
        results += try await screen("SQLite", sqlite)
        results += try await delivery("SQLite", sqlite)
        try await withPostgres { server in
            try await server.psql("CREATE DATABASE alerts")
            let store = try await PostgresStore.open(try PostgresLocation(url: server.url(database: "alerts"), environment: [:]),
                                                     environment: ["PGPASSWORD": server.password])
            try await scoped(store, stop: { await $0.close() }) { store in
                // The orders only (no reports): what the screen reads is the alert table.
                _ = try await server.psql("INSERT INTO tracked_order (reference_id, added_at) SELECT 'ORD-20261001-' || lpad(g::text, 6, '0'), now() FROM generate_series(1, \(Self.screenOrders)) g",
                                          database: "alerts")
                results += try await screen("PostgreSQL", store)
                results += try await delivery("PostgreSQL", store)
            }
        }
        return results
    }

    // MARK: - A cycle with and without alerts

    func cycle() async throws -> [Result] {
        var options = SimulatorOptions()
        options.orders = cycleOrders
        options.latency = LatencySpec(fixedMilliseconds: RefreshBench.latency, jitterMilliseconds: 0)
        let simulator = try await RunningSimulator.start(options)
        var configuration = try ConfigurationLoader(environment: [:]).parse(simulator.demoConfigurationTOML(), file: nil)
        configuration.http.requestsPerSecond = [:]
        let service = RefundService(configuration: configuration)
        let path = "\(folder)/alerts-cycle.sqlite"
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let store = try await SQLiteStore.open(at: path)
        _ = try await store.add(simulator.catalogue.orders.map { TrackedOrder(referenceID: $0.referenceID, addedAt: Date()) })
        let orders = try await store.trackedOrders()
        var with = Samples(), without = Samples(), ratios = Samples()
        var raised = 0
        // The first cycle stores every order for the first time; the ones measured store again,
        // alternately with and without alerts, so that both see the same work.
        _ = try await WatchlistRefresher(store: store, service: service, rules: configuration.deadlineRules).refresh(orders)
        for _ in 0..<runs {
            var plain = WatchlistRefresher(store: store, service: service, rules: configuration.deadlineRules)
            plain.raisesAlerts = false
            var start = monotonicSeconds()
            _ = try await plain.refresh(orders)
            let off = monotonicSeconds() - start
            start = monotonicSeconds()
            let results = try await WatchlistRefresher(store: store, service: service, rules: configuration.deadlineRules).refresh(orders)
            let on = monotonicSeconds() - start
            raised = try await store.alerts(resolved: true, limit: 1_000_000).count
            _ = results
            with.add(on)
            without.add(off)
            ratios.add(on / off)
        }
        await service.shutdown()
        await simulator.stop()
        let added = (ratios.median - 1) * 100
        print(String(format: "alerts: cycle of %d orders: %.2f s with alerts, %.2f s without (medians of %d), %+.1f%%", cycleOrders, with.median, without.median, runs, added))
        return [Result(scenario: "alerts", measure: "cycle of \(cycleOrders) orders (50 ms a request): deciding deadlines and alerts (\(raised) alerts stored)",
                       median: String(format: "%.2f s with, %.2f s without", with.median, without.median),
                       spread: String(format: "%.2f–%.2f s with", with.min, with.max), target: "≤ +5%",
                       verdict: String(format: "%+.1f%% ", added) + verdict(added <= 5))]
    }

    // MARK: - The alerts screen

    func screen(_ name: String, _ store: any WatchlistStore) async throws -> [Result] {
        // Exactly 5,000 open alerts on as many of the 100,000 orders, raised as fetches raise them:
        // those an earlier run left (the database is kept between runs) are resolved first.
        let started = monotonicSeconds()
        let left = try await store.alerts(resolved: false, limit: 1_000_000)
        for id in Set(left.compactMap(\.orderID)) {
            _ = try await store.syncAlerts(orderID: id, judged: Set(AlertRule.allCases), active: [], at: Date())
        }
        let run = Int(Date().timeIntervalSince1970)
        for id in try await store.trackedOrders().compactMap(\.id).prefix(Self.openAlerts) {
            let draft = AlertDraft(key: "deadline_passed:\(id):r\(id):arn@\(run)", rule: .deadlinePassed, orderID: id, referenceID: "ORD-\(id)", refundID: "r\(id)",
                                   text: "ORD-\(id) refund r\(id): ARN late, was due Mon 23 Nov 2026, 00:00 IST")
            _ = try await store.syncAlerts(orderID: id, judged: [.deadlinePassed], active: [draft], at: Date())
        }
        let open = try await store.alerts(resolved: false, limit: 1_000_000).count
        guard open == Self.openAlerts else { throw BenchError("\(open) open alerts, not \(Self.openAlerts)") }
        print(String(format: "alerts: %@: %d open alerts on %d orders ready in %.1f s", name, Self.openAlerts, Self.screenOrders, monotonicSeconds() - started))
        var times = Samples()
        for _ in 0..<max(runs, 5) {
            var state = DashboardState(now: Date(), size: Size(width: 120, height: 40), interval: 30)
            let start = monotonicSeconds()
            _ = Dashboard.update(&state, .key(.character("!")))
            let alerts = try await store.alerts(resolved: false, limit: 5_000)
            _ = Dashboard.update(&state, .alertsLoaded(alerts))
            let screen = Dashboard.render(state)
            times.add(monotonicSeconds() - start)
            guard screen.lines[2].contains("deadline passed") else { throw BenchError("the alerts screen did not show the alerts: \(screen.lines[2])") }
        }
        return [Result(scenario: "alerts", measure: "\(name): alerts screen, \(Self.screenOrders) orders, \(Self.openAlerts) open alerts (read, update, render)",
                       median: formatMilliseconds(times.median), spread: formatMilliseconds(times.min) + "–" + formatMilliseconds(times.max),
                       target: "≤ 300 ms", verdict: verdict(times.median <= 0.3))]
    }

    // MARK: - Webhook delivery

    func delivery(_ name: String, _ store: any WatchlistStore) async throws -> [Result] {
        let simulator = try await RunningSimulator.start(SimulatorOptions())
        defer { Task { await simulator.stop() } }
        // Whatever the screen left waiting is delivered first, untimed.
        let targets = AlertDelivery(webhookURL: simulator.webhookURL, webhookSecret: Secret(simulator.options.webhookSecret ?? "x"))
        let transport = LiveAlertTransport()
        let deliverer = AlertDeliverer(store: store, targets: targets, owner: "bench", transport: transport,
                                       logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
        while try await deliverer.deliverDue().claimed > 0 {}
        let ids = try await store.trackedOrders().compactMap(\.id).suffix(Self.deliveries)
        for id in ids {
            let draft = AlertDraft(key: "refund_failed:\(id):r\(id):failed@\(Int(Date().timeIntervalSince1970))", rule: .refundFailed, orderID: id, referenceID: "ORD-\(id)", refundID: "r\(id)",
                                   text: "ORD-\(id) refund r\(id) failed (PayU)")
            _ = try await store.syncAlerts(orderID: id, judged: [.refundFailed], active: [draft], at: Date())
        }
        let before = simulator.webhook.accepted.count
        let start = monotonicSeconds()
        var delivered = 0
        while true {
            let round = try await deliverer.deliverDue()
            delivered += round.delivered
            if round.claimed == 0 { break }
        }
        let seconds = monotonicSeconds() - start
        await transport.shutdown()
        let accepted = simulator.webhook.accepted.count - before
        let rate = Double(delivered) / seconds
        return [Result(scenario: "alerts", measure: "\(name): webhook delivery, \(delivered) alerts to a local receiver (\(accepted) accepted)",
                       median: String(format: "%.0f alerts/s", rate), spread: String(format: "1 run, %.1f s", seconds),
                       target: "≥ 100/s", verdict: verdict(rate >= 100 && accepted == Self.deliveries))]
    }
}
