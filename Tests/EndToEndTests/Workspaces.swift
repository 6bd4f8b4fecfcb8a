import Foundation
import RefundKit
import RefundStore
import WatchlistModel
import Testing
import TestSupport

/// A folder for one test's database, state (log, token cache) and data, with the environment that
/// points refundwatch there and carries the test secrets.
struct StateWorkspace {
    let folder: String
    var db: String { folder + "/watch.sqlite" }
    var state: String { folder + "/state" }
    var environment: [String: String] { secretEnvironment().merging(["XDG_STATE_HOME": state, "XDG_DATA_HOME": folder + "/data"]) { $1 } }
    var log: String { (try? String(contentsOfFile: state + "/refundwatch/refundwatch.log", encoding: .utf8)) ?? "" }

    init(folder: String? = nil) throws {
        self.folder = folder ?? FileManager.default.temporaryDirectory.appendingPathComponent("rw-work-\(UUID())").path
        try FileManager.default.createDirectory(atPath: self.folder, withIntermediateDirectories: true)
    }
}

/// Every order stored in `db` is whole: its summary is its report's, and its history is exactly the
/// first sighting of that report (written together, once). Orders never stored have no history.
/// Returns how many orders were stored.
@discardableResult
func expectEveryStoredOrderWhole(_ db: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> (stored: Int, rows: [WatchedOrder]) {
    let store = try await SQLiteStore.open(at: db)
    let rows = try await store.watchlist()
    var stored = 0
    for row in rows {
        let id = try #require(row.order.id, sourceLocation: sourceLocation)
        guard row.fetchedAt != nil else {
            #expect(try await store.history(orderID: id).isEmpty, sourceLocation: sourceLocation)
            continue
        }
        stored += 1
        let report = try await #require(try store.report(orderID: id), sourceLocation: sourceLocation)
        #expect(row.summary == OrderSummary(report, rules: DeadlineRules()), sourceLocation: sourceLocation)
        #expect(try await store.history(orderID: id).map(\.change) == OrderChange.between(nil, report), sourceLocation: sourceLocation)
    }
    return (stored, rows)
}
