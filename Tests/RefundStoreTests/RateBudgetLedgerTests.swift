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

    @Test func reservationsOfTwoProcessesFollowOneAnotherAtTheBudgetsPace() async throws {
        try await withPostgres { server in
            try await server.psql("CREATE DATABASE team")
            // Two stores: two processes' connections to one database.
            let (one, two) = (try await open(server), try await open(server))
            let first = try await one.reserveRequests(account: "default", service: .kaleyra, count: 10, rate: 100)
            #expect(first.count == 10 && first.pace == 100)
            #expect(first.startsIn <= 0.001, "a budget nobody used starts now: \(first.startsIn)")
            // The next reservation, by the other process, starts after the first one's ten slots
            // (0.1 s at 100 a second), less the time that passed between the two.
            let started = ContinuousClock.now
            let second = try await two.reserveRequests(account: "default", service: .kaleyra, count: 5, rate: 100)
            let elapsed = (ContinuousClock.now - started).components
            let between = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
            #expect(second.startsIn > 0.1 - between - 0.05 && second.startsIn <= 0.1 + 0.001, "\(second.startsIn)")
            // Another account, or the other API, has a budget of its own.
            #expect(try await two.reserveRequests(account: "north", service: .kaleyra, count: 5, rate: 100).startsIn <= 0.001)
            #expect(try await two.reserveRequests(account: "default", service: .payu, count: 5, rate: 100).startsIn <= 0.001)

            // Many reservations at once from both processes: back to back, never overlapping, so the
            // last one starts no earlier than all the slots before it take at the pace.
            let answers = try await withThrowingTaskGroup(of: BudgetReservation.self) { group in
                for index in 0..<40 {
                    let store = index.isMultiple(of: 2) ? one : two
                    group.addTask { try await store.reserveRequests(account: "busy", service: .kaleyra, count: 5, rate: 1_000) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let latest = try #require(answers.map(\.startsIn).max())
            #expect(latest >= 39 * 5 / 1_000.0 - 0.15, "200 slots at 1,000 a second: the last reservation starts about 0.195 s on, not \(latest)")
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
            try await one.requestsThrottled(account: "default", service: .kaleyra, pause: 2, rate: 40)
            // An answer to a request already in flight: the same episode, not halved again.
            try await two.requestsThrottled(account: "default", service: .kaleyra, pause: 2, rate: 40)
            let after = try await two.reserveRequests(account: "default", service: .kaleyra, count: 4, rate: 40)
            #expect(after.startsIn > 1.5 && after.startsIn <= 2.1, "the other process waits out the pause: \(after.startsIn)")
            #expect(after.pace == 20, "halved once")
            #expect(try await server.psql("SELECT throttles, consecutive FROM rate_budget", database: "team") == "2|2\n")
            // After 30 s without throttling the pace creeps back by a quarter: moved by hand here.
            try await server.psql("UPDATE rate_budget SET throttled_at = throttled_at - 31, next_free = 0", database: "team")
            #expect(try await one.reserveRequests(account: "default", service: .kaleyra, count: 1, rate: 40).pace == 25)
            await one.close()
            await two.close()
        }
    }
}
