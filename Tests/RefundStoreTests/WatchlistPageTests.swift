import Foundation
import RefundKit
import RefundStore
import TestReports
import Testing
import WatchlistModel

/// `firstPage` ranks in SQL by `Attention`, the order the dashboard sorts by in Swift: the same rows
/// first, the same counts (`WatchlistTotals`), on a seeded random watchlist, on every backend.
@Suite struct WatchlistPageTests {
    typealias B = ReportBuilder

    /// A refund at a random stage: failed, pending without PayU's answer, queued at PayU, done
    /// with or without an ARN (created long enough ago for some deadlines to have passed), settled.
    static func refund(_ id: String, _ random: inout SeededRandom) -> RefundReport {
        let created = B.created.addingTimeInterval(-Double(Int.random(in: 0...(12 * 24), using: &random)) * 3_600)
        switch Int.random(in: 0..<7, using: &random) {
        case 0: return B.refund(id, status: .failed, created: created, payu: B.record(id, status: .failure))
        case 1: return B.refund(id, status: .pending, created: created)
        case 2: return B.refund(id, status: .pending, created: created, payu: B.record(id, status: .queued))
        case 3: return B.refund(id, status: .success, created: created, payu: B.record(id, status: .success))
        case 4: return B.refund(id, status: .success, created: created, payu: B.record(id, status: .success, arn: "ARN\(id)"))
        case 5: return B.refund(id, status: .success, created: created, payu: B.record(id, status: .success, arn: "ARN\(id)", settlement: "S\(id)"))
        default: return B.refund(id, status: .success, created: created, payu: B.record(id, status: .queued))
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func theFirstPageIsWhatTheDashboardWouldShowFirstWithTheWholeWatchlistsCounts(_ backend: StoreBackend) async throws {
        let seed = SeededRandom.seedFromEnvironment()
        var random = SeededRandom(seed: seed)
        try await backend.withStore { store in
            let orders = (0..<160).map { TrackedOrder(referenceID: String(format: "ORD-%03d", Int.random(in: 0..<120, using: &random)),
                                                      phoneNumberID: "9190000\($0)", addedAt: B.created) }
            let ids = try await store.add(orders).added.compactMap(\.id)
            for (n, id) in ids.enumerated() {
                let fetches = Int.random(in: 0...2, using: &random)
                for f in 0..<fetches {
                    let refunds = (0..<Int.random(in: 0...3, using: &random)).map { Self.refund("r\(n)-\($0)", &random) }
                    let status: PaymentStatus = Int.random(in: 0..<10, using: &random) == 0 ? .pending : .captured
                    var report = B.order([B.transaction("t\(n)", refunds: refunds)], status: status, fetchedAt: B.created.addingTimeInterval(Double(n * 60 + f)))
                    if Int.random(in: 0..<8, using: &random) == 0 {
                        // PayU could not be asked: the order is partly failing.
                        report.transactions[0].payuError = ReportedError(category: .server, service: .payu, message: "PayU answered 503")
                    }
                    _ = try await store.record(report, orderID: id, rules: DeadlineRules())
                }
                if Int.random(in: 0..<6, using: &random) == 0 {
                    let error = ReportedError(RefundWatchError.timeout(.kaleyra, seconds: 20))
                    try await store.recordFailure(error, at: B.created.addingTimeInterval(Double(n * 60 + 30)), orderID: id)
                }
            }
            for now in [B.created, B.created.addingTimeInterval(3 * 86_400), B.created.addingTimeInterval(9 * 86_400)] {
                let rows = try await store.watchlist()
                // In the order added, then sorted: orders that tie (the same reference id under
                // other lookup ids) stay in the order added, as SQL orders them by id.
                let ranked = rows.map { ($0, Attention.Key($0, at: now)) }.enumerated().sorted { a, b in
                    Attention.precedes(a.element.1, b.element.1) || (!Attention.precedes(b.element.1, a.element.1) && a.offset < b.offset)
                }.map(\.element.0)
                let page = try await store.firstPage(limit: 40, now: now)
                let expected = Array(ranked.prefix(40))
                #expect(page.rows.map(\.order.id) == expected.map(\.order.id), "seed \(seed) (SEED=\(seed) repeats it), now \(now)")
                #expect(page.rows == expected, "the rows themselves, seed \(seed)")
                let totals = WatchlistTotals(rows, now: now)
                #expect(page.totals == totals, "orders, pending, overdue, failing, never fetched; seed \(seed), now \(now)")
                #expect(totals.neverFetched > 0 && totals.failing > 0 && totals.partlyFailing > 0, "the seed covers those counts, seed \(seed)")
                #expect(totals.overdue > 0 || now == B.created, "some refunds overdue by then: the test covers that rank, seed \(seed)")
            }
            #expect(try await store.firstPage(limit: 1_000, now: B.created).rows.count == 160)
        }
    }
}
