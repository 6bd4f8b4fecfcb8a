import Clocks
import Foundation
import Testing
@testable import RefundKit
@testable import RefundStore
import RefundSimulator
import WatchlistModel
import TestSupport

/// PayU tokens kept in a team's PostgreSQL database (`payu_token`, the `TeamLedger` token part):
/// reading and writing a record, the lock renewals take turns through, and PayU clients of two
/// "processes" (each its own connection pool and cache folder) renewing one rotating chain.
@Suite struct PayUTokenLedgerTests {
    /// Runs `body` with `count` handles on one new database of a private server: each its own pool
    /// of connections, as separate processes would have.
    private func withTeam(_ count: Int = 1, _ body: (PostgresServer, [PostgresStore]) async throws -> Void) async throws {
        try await withPostgres { server in
            try await server.psql("CREATE DATABASE team")
            var stores: [PostgresStore] = []
            do {
                for _ in 0..<count {
                    stores.append(try await PostgresStore.open(try PostgresLocation(url: server.url(database: "team"), environment: [:]),
                                                               environment: ["PGPASSWORD": server.password]))
                }
                try await body(server, stores)
            } catch {
                for store in stores { await store.close() }
                throw error
            }
            for store in stores { await store.close() }
        }
    }

    private static func rows(_ server: PostgresServer) async throws -> Int {
        Int(try await server.psql("SELECT count(*) FROM payu_token", database: "team").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    @Test func aRecordIsReadAsWrittenAndReplacedWholeUnderItsKey() async throws {
        try await withTeam { server, stores in
            let store = stores[0]
            let key = PayUTokenRecord.key(tokenURL: "https://accounts.payu.in/oauth/token", clientID: "partner-app-1")
            #expect(key.count == 64 && key.allSatisfy(\.isHexDigit))
            #expect(try await store.readPayUToken(key: key) == nil)

            let first = PayUTokenRecord(key: key, configuredRefreshToken: String(repeating: "c", count: 64),
                                        accessToken: Secret("at-TESTSECRET-1"), obtainedAt: Date(timeIntervalSince1970: 1_795_000_000.25),
                                        expiresAt: Date(timeIntervalSince1970: 1_795_007_199.25), refreshToken: Secret("rt-TESTSECRET-1"))
            try await store.writePayUToken(first)
            #expect(try await store.readPayUToken(key: key) == first)
            var second = first
            second.accessToken = Secret("at-TESTSECRET-2")
            second.refreshToken = Secret("rt-TESTSECRET-2")
            second.obtainedAt += 6500
            second.expiresAt += 6500
            try await store.writePayUToken(second)
            #expect(try await store.readPayUToken(key: key) == second)
            #expect(try await store.readPayUToken(key: String(repeating: "0", count: 64)) == nil)
            #expect(try await Self.rows(server) == 1)

            // Printing a record never shows its tokens.
            let printed = "\(second) \(String(reflecting: second))"
            #expect(!printed.contains("TESTSECRET"), "\(printed)")
        }
    }

    @Test func lockedBodiesNeverOverlapAcrossProcessesAndOtherKeysDoNotWait() async throws {
        try await withTeam(2) { _, stores in
            let inside = Gauge()
            let key = PayUTokenRecord.key(tokenURL: "https://accounts.payu.in/oauth/token", clientID: "partner-app-1")
            // Eight bodies, four through each pool, all started at once: one at a time inside.
            let results = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<8 {
                    let store = stores[index % 2]
                    group.addTask {
                        try await store.withPayUTokenLock(key: key) { () async -> Int in
                            inside.enter()
                            try? await Task.sleep(for: .milliseconds(40))
                            inside.leave()
                            return index
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.sorted() == Array(0..<8), "every body ran once and its result came back")
            #expect(inside.most == 1, "at most one body inside the lock at a time, \(inside.most) were")

            // Another client's key is another lock: it is had while the first is held.
            // The first body holds its lock until the other key's body has run: had the other lock
            // waited for this one, neither would go on, and the wait below fails the test.
            let holding = Gauge()
            let other = Gauge()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await stores[0].withPayUTokenLock(key: key) { () async in
                        holding.enter()
                        try? await waitUntil("the other key's lock taken while this one is held", timeout: .seconds(60)) { other.now == 1 }
                        holding.leave()
                    }
                }
                try await waitUntil { holding.now == 1 }
                try await stores[1].withPayUTokenLock(key: String(repeating: "0", count: 64)) { () async in
                    other.enter()
                    #expect(holding.now == 1, "the first key's lock is still held")
                }
                try await group.waitForAll()
                #expect(other.now == 1 && holding.now == 0)
            }
        }
    }

    @Test func aLockHolderWhoseConnectionDiesReleasesTheLock() async throws {
        try await withTeam(2) { server, stores in
            let key = PayUTokenRecord.key(tokenURL: "https://accounts.payu.in/oauth/token", clientID: "partner-app-1")
            let holding = Gauge()
            let release = Gauge()
            try await withThrowingTaskGroup(of: String.self) { group in
                group.addTask {
                    try await stores[0].withPayUTokenLock(key: key) { () async -> String in
                        holding.enter()
                        while release.now == 0 { try? await Task.sleep(for: .milliseconds(10)) }
                        return "the first body's result"
                    }
                }
                try await waitUntil { holding.now == 1 }
                // The holder's connection ends as a process's does when it dies.
                try await server.psql("""
                    SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = \(PostgresStore.payuTokenLockSpace)
                    """, database: "team")
                let started = ContinuousClock.now
                try await stores[1].withPayUTokenLock(key: key) { () async in }
                #expect(ContinuousClock.now - started < .seconds(10), "the lock went with the connection")
                release.enter()
                // The holder's body ran: its result stands though its transaction could not end.
                #expect(try await group.next() == "the first body's result")
            }
        }
    }

    // MARK: - PayU clients on the ledger

    /// Runs `body` with a PayU client for each of `teams`, as separate processes: each its own
    /// pool on the team's database (nil: none), its own cache folder (`folders`), a transport that
    /// shares nothing, and the simulator's time. The transports are shut down after it.
    private static func withClients(_ harness: Harness, teams: [(any TeamLedger)?], folders: [String],
                                    _ body: ([PayUClient]) async throws -> Void) async throws {
        let simulator = harness.simulator
        let settings = try #require(harness.oauthConfiguration.payu)
        let transports = teams.map { _ in HTTPTransport(settings: harness.configuration.http, clock: harness.clock) }
        let clients = zip(teams, zip(transports, folders)).map { team, place in
            PayUClient(settings: settings, transport: place.0, tokenCacheDirectory: place.1, team: team, now: { simulator.now() })
        }
        do {
            try await body(clients)
        } catch {
            for transport in transports { await transport.shutdown() }
            throw error
        }
        for transport in transports { await transport.shutdown() }
    }

    private static func folder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("rw-ledger-\(UUID())").path
    }

    @Test func twoProcessesOnTheDatabaseRenewOneRotatingChainOncePerLifetime() async throws {
        try await withTeam(2) { server, stores in
            let clock = TestClock<Duration>()
            try await withSimulator(await Harness.start(tokenLifetime: 100, clock: clock)) { harness in
                let folders = [Self.folder(), Self.folder()]
                try await Self.withClients(harness, teams: stores, folders: folders) { clients in
                    let payuID = try #require(harness.simulator.catalogue.samplePayUID)
                    var failures: [String] = []
                    var renewedAt: [Int] = []
                    for second in stride(from: 0, through: 357, by: 7) {
                        let before = harness.simulator.tokenRequestCount()
                        failures += await withTaskGroup(of: String?.self) { group in
                            for client in clients {
                                group.addTask {
                                    do throws(RefundWatchError) {
                                        _ = try await client.refundStatus(payuID: payuID)
                                        return nil
                                    } catch {
                                        return "\(second) s: \(error.message)"
                                    }
                                }
                            }
                            return await group.reduce(into: []) { if let failure = $1 { $0.append(failure) } }
                        }
                        renewedAt += Array(repeating: second, count: harness.simulator.tokenRequestCount() - before)
                        await clock.advance(by: .seconds(7))
                }
                #expect(failures.isEmpty, "\(failures.count) failed: \(failures.first ?? "")")
                #expect(renewedAt == [0, 91, 182, 273], "one token request per lifetime, by one of the two")
                #expect(try await Self.rows(server) == 1)
                let stored = try #require(try await stores[0].readPayUToken(key: PayUTokenRecord.key(tokenURL: harness.simulator.payuTokenURL,
                                                                                                           clientID: harness.simulator.options.credentials.clientID)))
                #expect(stored.refreshToken.value.hasPrefix("sim-rt-4-"), "PayU's newest refresh token is the team's")
                #expect(stored.configuredRefreshToken == PayUTokenCache.digest(TestSecrets.refreshToken))
                // Neither process wrote a token cache file: the database is the cache.
                for folder in folders { #expect(!FileManager.default.fileExists(atPath: folder), "\(folder) was made") }

                let status = await clients[1].tokens!.status()
                #expect(status.database == stores[1].location && status.cacheFile == nil && status.databaseProblem == nil)
                #expect(status.refreshTokenOrigin == "the team's database (PayU's newest, replacing refresh_token)")
                #expect(!status.database!.contains(server.password))
                }
            }
        }
    }

    @Test func aNewConfiguredRefreshTokenStartsANewChainOverTheTeams() async throws {
        try await withTeam { _, stores in
            try await withSimulator(await Harness.start(tokenLifetime: 100)) { harness in
                try await Self.withClients(harness, teams: [stores[0]], folders: [Self.folder()]) { clients in
                    let client = clients[0]
                    let key = PayUTokenRecord.key(tokenURL: harness.simulator.payuTokenURL, clientID: harness.simulator.options.credentials.clientID)
                    // A chain from another configured refresh token, its access token still good.
                    let now = harness.simulator.now()
                    try await stores[0].writePayUToken(PayUTokenRecord(
                        key: key, configuredRefreshToken: PayUTokenCache.digest("an-older-authorization"), accessToken: Secret("sim-at-stale"),
                        obtainedAt: now, expiresAt: now + 100, refreshToken: Secret("sim-rt-stale")))
                    _ = try await client.refundStatus(payuID: try #require(harness.simulator.catalogue.samplePayUID))
                    #expect(harness.simulator.tokenRequestCount() == 1, "the other chain's token was not used")
                    let stored = try #require(try await stores[0].readPayUToken(key: key))
                    #expect(stored.configuredRefreshToken == PayUTokenCache.digest(TestSecrets.refreshToken))
                    #expect(stored.refreshToken.value.hasPrefix("sim-rt-1-"))
                }
            }
        }
    }

    @Test func aDatabaseThatWentAwayNeverStopsTokensAndIsNamedOnlyWhenARenewalFails() async throws {
        try await withTeam { server, stores in
            try await withSimulator(await Harness.start(tokenLifetime: 100)) { harness in
                try await Self.withClients(harness, teams: [stores[0]], folders: [Self.folder()]) { clients in
                    let client = clients[0]
                    let payuID = try #require(harness.simulator.catalogue.samplePayUID)
                    _ = try await client.refundStatus(payuID: payuID)
                    await server.stop()

                    // Past the token's life, with the database gone: renewed from what this process holds.
                    harness.simulator.advanceClock(by: 95)
                    let started = ContinuousClock.now
                    _ = try await client.refundStatus(payuID: payuID)
                    #expect(harness.simulator.tokenRequestCount() == 2)
                    #expect(ContinuousClock.now - started < .seconds(30), "the database's silence was not waited out at length")
                    let status = await client.tokens!.status()
                    #expect(status.token != nil, "this process's token is shown")
                    #expect(status.databaseProblem?.contains("database postgres://refundwatch@/team") == true, "\(status.databaseProblem ?? "")")

                    // A renewal that PayU refuses says the database could not be asked.
                    harness.simulator.revokeRefreshTokens()
                    harness.simulator.advanceClock(by: 95)
                    do throws(RefundWatchError) {
                        _ = try await client.refundStatus(payuID: payuID)
                        Issue.record("a revoked refresh token was accepted")
                    } catch {
                        #expect(error.message.hasPrefix("PayU refused to renew the access token (invalid_grant"), "\(error.message)")
                        #expect(error.message.contains("The team's database, which keeps PayU's newest refresh token, could not be asked: database postgres://refundwatch@/team"),
                                "\(error.message)")
                        #expect(error.category == .authentication && error.service == .payu)
                        #expect(TestSecrets.leaked(in: error.message) == [] && !error.message.contains(server.password))
                }
                }
            }
        }
    }
}

/// How many are inside now, and the most there ever were at once.
private final class Gauge: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var peak = 0

    func enter() { lock.withLock { count += 1; peak = max(peak, count) } }
    func leave() { lock.withLock { count -= 1 } }
    var now: Int { lock.withLock { count } }
    var most: Int { lock.withLock { peak } }
}

private func waitUntil(_ condition: @Sendable () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(20)
    while !condition() {
        guard ContinuousClock.now < deadline else { throw CancellationError() }
        try await Task.sleep(for: .milliseconds(10))
    }
}
