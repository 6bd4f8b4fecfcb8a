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

/// `listen`: `refundwatch listen` (the release binary, a process of its own) taking Kaleyra's
/// payment pushes over loopback, each authenticated by its header secret, kept in the store and
/// asking for the order it names.
///
/// Pushes accepted a second, on a watchlist of 10,000 orders in an SQLite file and in PostgreSQL
/// (a private server): `inFlight` keep-alive clients in this process post distinct pushes, each
/// naming a tracked order, for `seconds` after a second's warm-up; only 200 answers that arrive
/// within the window count, anything else is a failure. Afterwards the store's count of pushes is
/// compared with the pushes answered 200, so that an answer without its write would show.
///
/// From a push to the changed row on a dashboard's screen: the simulator at 50 ms a request, a
/// poller (`refundwatch poll`, a refresh interval of an hour, so only pushes make it fetch),
/// `listen` and a dashboard on one PostgreSQL database. The dashboard is filtered to the orders
/// whose refunds are done (`/done`) before any order is tracked, so that orders tracked and
/// fetched while their refund is under way are never drawn. Then the simulated clock passes the
/// point where the refunds succeed and get their ARN, and each round pushes one of the orders:
/// from listen's 200 to the order's reference id drawn (the poller fetched it, stored it, the
/// dashboard was told and drew the row that now matches the filter). The dashboard's markers
/// count once each, so each round's marker is its order's id, and the order is removed after
/// its round.
struct ListenBench {
    let binary: String
    let folder: String
    /// Windows per backend, and each one's length.
    let runs: Int
    let seconds: Double
    /// Pushes timed to the screen.
    let rounds: Int

    static let orders = 10_000
    /// Requests in flight at once, each client on a connection of its own, kept alive.
    static let inFlight = 12
    static let warmUp = 1.0
    static let header = "X-Bench-Secret"
    static let secret = "bench-push-not-a-secret-5c2e"
    /// Simulated seconds the clock is moved on before the rounds: past the picked refunds' success
    /// and ARN (at +2 and +62 minutes), long before their settlement (+122 minutes).
    static let advance = 3_800.0

    func run() async throws -> [Result] {
        var results: [Result] = []
        let source = try await BenchStore.file(orders: Self.orders, folder: folder)
        let config = try configuration()
        let tag = String(UUID().uuidString.prefix(8))

        // SQLite: a copy of the bench's watchlist, so that the pushes do not change what the
        // other scenarios read.
        let file = folder + "/listen-\(Self.orders).sqlite"
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }
        var started = monotonicSeconds()
        try await copyWatchlist(from: source, to: try await SQLiteStore.open(at: file))
        print(String(format: "listen: %d orders copied into %@ in %.1f s", Self.orders, file, monotonicSeconds() - started))
        results.append(try await throughput("SQLite", database: file, config: config, environment: environment(), tag: tag + "-sqlite") {
            try await Self.sqlitePushCount(file)
        })
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }

        return try await withPostgres { server in
            try await server.psql("CREATE DATABASE listen")
            let url = server.url(database: "listen")
            let secrets = ["PGPASSWORD": server.password]
            started = monotonicSeconds()
            let team = try await PostgresStore.open(try PostgresLocation(url: url, environment: [:]), environment: secrets)
            try await scoped(team, stop: { await $0.close() }) { team in
                try await copyWatchlist(from: source, to: team)
            }
            print(String(format: "listen: %d orders copied into PostgreSQL in %.1f s", Self.orders, monotonicSeconds() - started))
            results.append(try await throughput("PostgreSQL", database: url, config: config, environment: environment(secrets), tag: tag + "-postgres") {
                Int(try await server.psql("SELECT count(*) FROM push_event", database: "listen").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            })
            results.append(try await pushToScreen(server, tag: tag))
            return results
        }
    }

    // MARK: - Pushes accepted a second

    /// `runs` windows on one store, each with a `listen` of its own: pushes answered 200 a second,
    /// their median and spread, the failures, what the store holds, and the CPU time each push
    /// cost `listen`, this process's clients and the rest of the machine (PostgreSQL's server).
    func throughput(_ name: String, database: String, config: String, environment: [String: String], tag: String,
                    count: () async throws -> Int) async throws -> Result {
        var rates = Samples()
        var total = Tally()
        var stored = 0, unstored = 0
        var listenCPU = 0.0, clientCPU = 0.0, otherCPU = 0.0
        for run in 0..<runs {
            let before = try await count()
            let (tally, cpu, ownCPU, busy) = try await withListener(database: database, config: config, environment: environment) { listener, port in
                try await withClient(connections: Self.inFlight) { client in
                    let pid = listener.pid ?? 0
                    let (cpuBefore, ownBefore, busyBefore) = (Self.cpuSeconds(pid: pid), Self.ownCPUSeconds(), Self.machineBusySeconds())
                    let tally = try await load(client, port: port, tag: "\(tag)-\(run)")
                    return (tally, Self.cpuSeconds(pid: pid) - cpuBefore, Self.ownCPUSeconds() - ownBefore, Self.machineBusySeconds() - busyBefore)
                }
            }
            // Every push answered 200 must be in the store: an answer without its write would show here.
            let kept = try await count() - before
            unstored += tally.accepted - kept
            rates.add(Double(tally.counted) / seconds)
            total.merge(tally)
            stored += kept
            listenCPU += cpu
            clientCPU += ownCPU
            otherCPU += busy - cpu - ownCPU
        }
        let failures = total.refused.values.reduce(0, +) + total.errors + total.notAsked
        var failed = failures == 0 ? "none failed" : "\(failures) FAILED"
        if failures > 0 {
            let statuses = total.refused.sorted { $0.key < $1.key }.map { "\($0.value) answered \($0.key)" }
            let others = [total.errors > 0 ? "\(total.errors) transport errors" : nil,
                          total.notAsked > 0 ? "\(total.notAsked) 200s not asking for their order" : nil].compactMap { $0 }
            failed += " (" + (statuses + others).joined(separator: ", ") + (total.firstProblem.map { "; first: \($0)" } ?? "") + ")"
        }
        if unstored != 0 { failed += "; \(total.accepted.formatted()) answered 200 but \(stored.formatted()) stored: NOT ALL KEPT" }
        let accepted = Double(max(total.accepted, 1))
        return Result(scenario: "listen", measure: "\(name), \(Self.orders.formatted()) orders: pushes accepted a second (\(Self.inFlight) in flight, header secret, stored)",
                      median: "\(Int(rates.median.rounded()).formatted())/s", spread: "\(Int(rates.min.rounded()).formatted())–\(Int(rates.max.rounded()).formatted())/s",
                      target: "≥ 2,000/s",
                      verdict: verdict(rates.median >= 2_000 && failures == 0 && unstored == 0) + String(format: "; %d run%@ of %.0f s, %@ stored, %@; CPU a push: listen %.0f µs, the bench's clients %.0f µs, the rest of the machine %.0f µs",
                                                                      runs, runs == 1 ? "" : "s", seconds, stored.formatted(), failed, listenCPU / accepted * 1e6,
                                                                      clientCPU / accepted * 1e6, max(0, otherCPU) / accepted * 1e6))
    }

    /// What the clients of one window saw.
    struct Tally: Sendable {
        /// 200 answers that arrived within the window.
        var counted = 0
        /// Every 200 answer, the warm-up's and the last ones in flight included (what the store must hold).
        var accepted = 0
        /// 200 answers that did not say the push was new and asked for one order.
        var notAsked = 0
        /// Other answers, by status.
        var refused: [Int: Int] = [:]
        /// Requests that got no answer (the connection failed, or 30 s passed).
        var errors = 0
        var firstProblem: String?

        mutating func merge(_ other: Tally) {
            counted += other.counted
            accepted += other.accepted
            notAsked += other.notAsked
            refused.merge(other.refused, uniquingKeysWith: +)
            errors += other.errors
            firstProblem = firstProblem ?? other.firstProblem
        }
    }

    /// `inFlight` clients, each posting one push after another (each distinct, naming order after
    /// order of the watchlist) for the warm-up and the window; the last in flight are awaited.
    func load(_ client: HTTPClient, port: Int, tag: String) async throws -> Tally {
        let url = "http://127.0.0.1:\(port)/push/kaleyra"
        let start = monotonicSeconds()
        let (from, to) = (start + Self.warmUp, start + Self.warmUp + seconds)
        return try await withThrowingTaskGroup(of: Tally.self) { group in
            for worker in 0..<Self.inFlight {
                group.addTask {
                    var tally = Tally()
                    var n = worker
                    while monotonicSeconds() < to {
                        let body = Self.kaleyraPush(id: "\(tag)-\(n)", reference: BenchStore.referenceID(n % Self.orders))
                        n += Self.inFlight
                        let answer: (status: Int, body: String)
                        do {
                            answer = try await Self.post(client, url: url, body: body)
                        } catch {
                            tally.errors += 1
                            tally.firstProblem = tally.firstProblem ?? "\(error)"
                            // Not a busy loop when listen is gone.
                            try await Task.sleep(for: .milliseconds(10))
                            continue
                        }
                        let at = monotonicSeconds()
                        guard answer.status == 200 else {
                            tally.refused[answer.status, default: 0] += 1
                            tally.firstProblem = tally.firstProblem ?? "\(answer.status) \(answer.body)"
                            continue
                        }
                        tally.accepted += 1
                        if at >= from && at <= to { tally.counted += 1 }
                        if !(answer.body.contains("\"asked\":1,") && answer.body.contains("\"duplicate\":false")) {
                            tally.notAsked += 1
                            tally.firstProblem = tally.firstProblem ?? "200 \(answer.body)"
                        }
                    }
                    return tally
                }
            }
            var total = Tally()
            for try await tally in group { total.merge(tally) }
            return total
        }
    }

    // MARK: - Processes, clients and stores

    /// `[listen]` with a per-address rate far above what the clients reach (100,000 a second, the
    /// most it takes), and Kaleyra's pushes authenticated by a header secret.
    static let listenTables = """

        [listen]
        per_address = 100000

        [listen.kaleyra]
        header = "\(header)"
        secret = "\(secret)"

        """

    /// The `startup` scenario's configuration (an API nowhere: `listen` fetches nothing) and
    /// `listenTables`; private, as one holding a secret must be.
    func configuration() throws -> String {
        let base = try String(contentsOfFile: DashboardProcessBench(binary: binary, database: "", folder: folder, orders: 0, startRuns: 0, idleSeconds: 0).configuration(),
                              encoding: .utf8)
        let path = folder + "/listen.toml"
        try (base + "\n" + Self.listenTables).write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        return path
    }

    /// This scenario's processes' environment: a state folder (and log file) of their own.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        ["HOME": folder, "XDG_STATE_HOME": folder + "/listen-state", "XDG_CONFIG_HOME": folder + "/config", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]
            .merging(extra) { $1 }
    }

    /// Runs `refundwatch listen --port 0` on `database`, and `body` with the port it printed on
    /// stderr; then stops it (SIGTERM) and waits for its end.
    func withListener<T>(database: String, config: String, environment: [String: String],
                         _ body: (RunningProcess, Int) async throws -> T) async throws -> T {
        let command = ProcessCommand(binary, ["listen", "--port", "0", "--config", config, "--db", database], environment: .only(environment),
                                     timeout: .seconds(3_600), redacted: [Self.secret])
        return try await ProcessRunner.withProcess(command) { listener in
            let deadline = monotonicSeconds() + 30
            while true {
                if let match = listener.stderr.firstMatch(of: /listening on 127\.0\.0\.1:(\d+):/), let port = Int(match.1) {
                    return try await body(listener, port)
                }
                if listener.hasEnded { throw BenchError("refundwatch listen ended before it listened: \(listener.stderr)") }
                guard monotonicSeconds() < deadline else { throw BenchError("refundwatch listen printed no port within 30 s; its stderr: \(listener.stderr)") }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    /// An AsyncHTTPClient keeping up to `connections` connections to a host alive, shut down after `body`.
    func withClient<T>(connections: Int, _ body: (HTTPClient) async throws -> T) async throws -> T {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connections
        configuration.httpVersion = .http1Only
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        return try await scoped(client, stop: { try? await $0.shutdown() }, body)
    }

    /// One push: its status and the answer's body.
    static func post(_ client: HTTPClient, url: String, body: String) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: header, value: secret)
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(request, timeout: .seconds(30))
        let answer = try await response.body.collect(upTo: 64 * 1024)
        return (Int(response.status.code), String(buffer: answer))
    }

    /// Kaleyra's payment update as it sends one (as the end-to-end tests post it), naming
    /// `reference`; `id` makes each body, so each push, distinct.
    static func kaleyraPush(id: String, reference: String) -> String {
        """
        {
          "id": "wamid.BENCH-\(id)",
          "type": "payment",
          "status": "captured",
          "phone_number": "919876543210",
          "created_at": "2026-11-30T10:15:02Z",
          "payment": {
            "reference_id": "\(reference)",
            "currency": "INR",
            "receipt": "receipt-\(id)",
            "amount": {"value": 129900, "offset": 100},
            "transaction": {
              "id": "pay_\(id)",
              "type": "razorpay",
              "status": "success",
              "created_timestamp": 1764497702,
              "updated_timestamp": 1764497710,
              "amount": {"value": 129900, "offset": 100},
              "refunds": null
            }
          }
        }
        """
    }

    /// Copies the bench's watchlist (orders, their fetched reports and history) into `target`.
    func copyWatchlist(from source: String, to target: some CopyableStore) async throws {
        let counts = try await StoreCopy.copy(from: try await SQLiteStore.open(at: source), to: target)
        guard counts.ordersCopied == Self.orders else { throw BenchError("copied \(counts.ordersCopied) of \(Self.orders) orders") }
    }

    /// Pushes kept in the SQLite file, counted directly.
    static func sqlitePushCount(_ path: String) async throws -> Int {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try await queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM push_event") ?? 0 }
    }

    /// CPU seconds (user and system) a process has used so far, from /proc.
    static func cpuSeconds(pid: pid_t) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return .nan }
        // Fields after the command name: utime and stime are the 14th and 15th.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// CPU seconds the whole machine has been busy so far (every core's, from /proc/stat): what
    /// neither listen nor the clients used is the database server's, mostly.
    static func machineBusySeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8), let line = stat.split(separator: "\n").first else { return .nan }
        // cpu user nice system idle iowait irq softirq steal …: all but idle and iowait are busy.
        let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard ticks.count >= 8 else { return .nan }
        return (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// CPU seconds this process (the clients) has used so far.
    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
