import Foundation
import Testing
import RefundKit
@testable import RefundStore
import WatchlistModel
import TestReports
import TestSupport

/// A dashboard reads the watchlist, then starts watching what other processes write: what was
/// written between the two is told first (`watchChanges(after:)`). Without the mark, a file's
/// watch would take the write for what it already knew and tell nothing.
@Suite struct ChangeMarkTests {
    typealias B = ReportBuilder
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    @Test(arguments: StoreBackend.shared)
    func writesBetweenTheReadAndTheWatchAreToldFirst(_ backend: StoreBackend) async throws {
        try await backend.withTwo { writer, reader in
            let id = try #require(try await writer.add([TrackedOrder(referenceID: "ORD-1", addedAt: t0)]).added.first?.id)

            // Read at a mark, then another process writes before the watch begins.
            let mark = try await reader.externalChanges()
            _ = try await reader.watchlist()
            _ = try await writer.record(B.order([], fetchedAt: t0), orderID: id, rules: DeadlineRules())
            let heard = Heard()
            let watcher = Task { try await reader.watchChanges(after: mark) { await heard.add($0) } }
            defer { watcher.cancel() }
            let told = try await waitFor("a change told", read: { await heard.changes }, until: { !$0.isEmpty })
            #expect(told.first == .everything, "the write before the watch is read whole: \(told)")
        }
    }
}
