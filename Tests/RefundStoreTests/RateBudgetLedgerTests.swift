import Foundation
import Testing
import RefundKit
@testable import RefundStore
import WatchlistModel
import TestSupport

/// The team's request budget in PostgreSQL (`rate_budget`): reservations of any number of
/// processes take turns and never overlap, and a throttled answer pauses and slows them all.
@Suite struct RateBudgetLedgerTests {
    func open(_ server: PostgresServer) async throws -> PostgresStore {
        try await PostgresStore.open(try PostgresLocation(url: server.url(database: "team"), environment: [:]), environment: ["PGPASSWORD": server.password])
    }

    func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = (ContinuousClock.now - start).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }

    @Test func reservationsOfTwoProcessesFollowOneAnotherAtTheBudgetsPace() async throws {
        try await withPostgres { server in
            try await server.psql("CREATE DATABASE team")
            // Two stores: two processes' connections to one database.
            let (one, two) = (try await open(server), try await open(server))
            let started = ContinuousClock.now
            let first = try await one.reserveRequests(account: "default", service: .kaleyra, count: 10, rate: 100)
            #expect(first.count == 10 && first.pace == 100)
            #expect(first.startsIn <= 0.001, "a budget nobody used starts now: \(first.startsIn)")
            // The next reservation, by the other process, starts after the first one's ten slots
            // (0.1 s at 100 a second), less the time that passed between the two: no more than
            // passed here from before the first to after the second, whatever the machine's load.
            let second = try await two.reserveRequests(account: "default", service: .kaleyra, count: 5, rate: 100)
            let between = seconds(since: started)
            #expect(second.startsIn >= 0.1 - between - 1e-6 && second.startsIn <= 0.1 + 1e-6, "\(second.startsIn) after \(between) s")
            // Another account, or the other API, has a budget of its own.
            #expect(try await two.reserveRequests(account: "north", service: .kaleyra, count: 5, rate: 100).startsIn <= 0.001)
            #expect(try await two.reserveRequests(account: "default", service: .payu, count: 5, rate: 100).startsIn <= 0.001)

            // Many reservations at once from both processes: each moves the account's `next_free` on
            // by its own slots, none lost to another made at the same moment (time that passes with
            // nothing reserved only moves it further), so it ends at least 200 slots at 1,000 a
            // second past where the first reservation left it, however slow the machine.
            _ = try await one.reserveRequests(account: "busy", service: .kaleyra, count: 1, rate: 1_000)
            func nextFree() async throws -> Double {
                Double(try await server.psql("SELECT next_free FROM rate_budget WHERE account = 'busy'", database: "team")
                    .trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            }
            let before = try await nextFree()
            let answers = try await withThrowingTaskGroup(of: BudgetReservation.self) { group in
                for index in 0..<40 {
                    let store = index.isMultiple(of: 2) ? one : two
                    group.addTask { try await store.reserveRequests(account: "busy", service: .kaleyra, count: 5, rate: 1_000) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.count == 40 && answers.allSatisfy { $0.count == 5 && $0.pace == 1_000 })
            let after = try await nextFree()
            #expect(after - before >= 0.2 - 1e-6, "200 slots at 1,000 a second: next_free moved \(after - before) s")
            let row = try await server.psql("SELECT rate, throttles FROM rate_budget WHERE account = 'busy'", database: "team")
            #expect(row == "1000|0\n")
            await one.close()
            await two.close()
        }
    }

    @Test func aThrottledAnswerPausesEveryProcessAndHalvesThePaceOnce() async throws {
        try await withPostgres { server in
            try await server.psql("CREATE DATABASE team")
            let (one, two) = (try await open(server), try await open(server))
            _ = try await one.reserveRequests(account: "default", service: .kaleyra, count: 1, rate: 40)
            let throttledAt = ContinuousClock.now
            try await one.requestsThrottled(account: "default", service: .kaleyra, pause: 2, rate: 40)
            // An answer to a request already in flight: the same episode, not halved again.
            try await two.requestsThrottled(account: "default", service: .kaleyra, pause: 2, rate: 40)
            let after = try await two.reserveRequests(account: "default", service: .kaleyra, count: 4, rate: 40)
            let since = seconds(since: throttledAt)
            #expect(after.startsIn >= 2 - since - 1e-6 && after.startsIn <= 2 + 1e-6, "the other process waits out the pause: \(after.startsIn) after \(since) s")
            #expect(after.pace == 20, "halved once")
            #expect(after.pausedFor > 0 && after.pausedFor <= 2 + 1e-6 && abs(after.pausedFor - after.startsIn) < 0.5,
                    "the reservation says the account is paused, and for how long: \(after.pausedFor)")
            #expect(try await server.psql("SELECT throttles, consecutive FROM rate_budget", database: "team") == "2|2\n")
            // After 30 s without throttling the pace creeps back by a quarter: moved by hand here.
            try await server.psql("UPDATE rate_budget SET throttled_at = throttled_at - 31, next_free = 0", database: "team")
            try await server.psql("UPDATE rate_budget SET paused_until = 0", database: "team")
            let later = try await one.reserveRequests(account: "default", service: .kaleyra, count: 1, rate: 40)
            #expect(later.pace == 25)
            #expect(later.pausedFor == 0, "no pause any more")
            await one.close()
            await two.close()
        }
    }
}
