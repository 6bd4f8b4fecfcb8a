import Foundation
import GRDB
import Testing
import RefundKit
@testable import RefundStore
import WatchlistModel
import TestReports
import TestSupport

/// Pushes in the store (SQLite v12, PostgreSQL 9) on both backends: each kept once, the orders it
/// names asked for (by reference id, or by the PayU payment id of a stored transaction), an order
/// added with `auto_track`, the fetch it asked for marked in the history, the last push of each
/// source, bodies forgotten after their time.
// One private PostgreSQL server at a time: several at once load a 2-core machine enough to
// make the suite's timing tests (a poller stopped by SIGTERM within 10 s) miss.
@Suite(.serialized) struct PushStoreTests {
    typealias B = ReportBuilder
    let t0 = ReportBuilder.created
    let rules = DeadlineRules()

    func push(_ source: PushSource = .kaleyra, references: [String] = [], payu: [String] = [], account: String? = nil, hash: String = "h1",
              autoTrack: Bool = false, at: Date? = nil) -> PushRecord {
        var names = PushNames()
        for reference in references { names.add(reference, to: \.referenceIDs) }
        for id in payu { names.add(id, to: \.payuIDs) }
        return PushRecord(source: source, account: account, client: "203.0.113.9", bodyHash: hash, names: names, body: Data("{}".utf8),
                          receivedAt: at ?? t0, autoTrack: autoTrack)
    }

    @Test(arguments: StoreBackend.shared)
    func aPushAsksForTheOrdersItNamesOnceAndIsKeptOnce(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let ids = try await store.add([TrackedOrder(referenceID: "ORD-TEST-0001", addedAt: t0), TrackedOrder(referenceID: "ORD-B", addedAt: t0)]).added.compactMap(\.id)
            try #require(ids.count == 2)
            // Both fetched once, so that neither is waiting for its first fetch.
            _ = try await store.record(B.order([B.transaction("27553369917", refunds: [])], fetchedAt: t0), orderID: ids[0], rules: rules)
            _ = try await store.recordFailure(ReportedError(RefundWatchError.timeout(.kaleyra, seconds: 20)), at: t0, orderID: ids[1])
            #expect(try await store.waitingCount() == 0)

            let outcome = try await store.recordPush(push(references: ["ORD-TEST-0001", "ORD-UNKNOWN"]))
            #expect(outcome == PushOutcome(asked: 1, untracked: 1, added: 0, duplicate: false))
            #expect(try await store.waitingCount() == 1, "the order asked for waits for a poller, as `r` makes it")
            #expect(try await store.watchedOrder(id: ids[0])?.requestedAt != nil)
            // The same push delivered again: kept once, nothing asked again.
            #expect(try await store.recordPush(push(references: ["ORD-TEST-0001"])) == PushOutcome(duplicate: true))
            // A PayU push names the payment id of the order's stored transaction.
            let payu = try await store.recordPush(push(.payuRefundStatus, payu: ["27553369917", "99999999999"], hash: "h2"))
            #expect(payu == PushOutcome(asked: 1, untracked: 1, added: 0))
            let arn = try await store.recordPush(push(.payuARN, payu: ["99999999999"], hash: "h3"))
            #expect(arn == PushOutcome(asked: 0, untracked: 1, added: 0), "kept and counted, nothing asked")
        }
    }

    @Test(arguments: StoreBackend.shared)
    func aPushOnAnAccountsRouteFindsThatAccountsOrdersAndAutoTrackAddsThereOnly(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            _ = try await store.add([TrackedOrder(referenceID: "ORD-S", account: "south", addedAt: t0),
                                     TrackedOrder(referenceID: "ORD-U", addedAt: t0)])
            // ORD-S is south's: on north's route it is another order, not tracked there.
            #expect(try await store.recordPush(push(references: ["ORD-S", "ORD-U"], account: "north")) == PushOutcome(asked: 1, untracked: 1, added: 0))
            let added = try await store.recordPush(push(references: ["ORD-S", "ORD-NEW"], account: "north", hash: "h2", autoTrack: true))
            #expect(added == PushOutcome(asked: 0, untracked: 0, added: 2))
            let new = try await store.orders(referenceID: "ORD-NEW")
            #expect(new.map(\.account) == ["north"] && new.first?.label == "added by a Kaleyra push")
            #expect(Set(try await store.orders(referenceID: "ORD-S").map { $0.account ?? "?" }) == ["south", "north"])
        }
    }

    @Test(arguments: StoreBackend.shared)
    func theFetchAPushAskedForIsMarkedInTheHistoryWhenItChangedSomething(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let id = try #require(try await store.add([TrackedOrder(referenceID: "ORD-TEST-0001", addedAt: t0)]).added.first?.id)
            _ = try await store.record(B.order([B.transaction("t1", refunds: [B.refund("r1")])], fetchedAt: t0), orderID: id, rules: rules)
            _ = try await store.recordPush(push(.payuRefundStatus, references: ["ORD-TEST-0001"]))
            // The same report again: nothing changed, so nothing to mark.
            _ = try await store.record(B.order([B.transaction("t1", refunds: [B.refund("r1")])], fetchedAt: t0.addingTimeInterval(60)), orderID: id, rules: rules)
            #expect(try await store.history(orderID: id).allSatisfy { $0.change.field != .pushed })
            // Pushed again, and this time the refund moved: the fetch is marked as the push's.
            _ = try await store.recordPush(push(.payuRefundStatus, references: ["ORD-TEST-0001"], hash: "h2"))
            _ = try await store.record(B.order([B.transaction("t1", refunds: [B.refund("r1", status: .success)])], fetchedAt: t0.addingTimeInterval(120)),
                                       orderID: id, rules: rules)
            let history = try await store.history(orderID: id)
            let pushed = history.filter { $0.change.field == .pushed }
            #expect(pushed.count == 1)
            #expect(pushed.first.map { "\($0.change.subject): \($0.change.words)" } == "payment: pushed by PayU refund status, confirmed by lookup")
            #expect(pushed.first?.seenAt == history.last?.seenAt)
            // The next fetch, not pushed, is not marked.
            _ = try await store.record(B.order([B.transaction("t1", refunds: [B.refund("r1", status: .failed)])], fetchedAt: t0.addingTimeInterval(180)),
                                       orderID: id, rules: rules)
            #expect(try await store.history(orderID: id).filter { $0.change.field == .pushed }.count == 1)
        }
    }

    @Test(arguments: StoreBackend.shared)
    func theLastPushOfEachSourceAndBodiesForgottenAfterTheirTime(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            #expect(try await store.lastPushes().isEmpty)
            _ = try await store.recordPush(push(.kaleyra, references: ["ORD-1"], hash: "a", at: t0))
            _ = try await store.recordPush(push(.kaleyra, references: ["ORD-1"], hash: "b", at: t0.addingTimeInterval(60)))
            _ = try await store.recordPush(push(.payuARN, payu: ["1"], hash: "c", at: t0.addingTimeInterval(30)))
            let last = try await store.lastPushes()
            #expect(last.count == 2)
            #expect(last[.kaleyra].map { abs($0.timeIntervalSince(t0.addingTimeInterval(60))) < 0.001 } == true)
            #expect(last[.payuARN].map { abs($0.timeIntervalSince(t0.addingTimeInterval(30))) < 0.001 } == true)
            #expect(try await store.forgetPushBodies(receivedBefore: t0.addingTimeInterval(45)) == 2)
            #expect(try await store.forgetPushBodies(receivedBefore: t0.addingTimeInterval(45)) == 0, "forgotten once")
            #expect(try await store.lastPushes().count == 2, "what they named is kept")
        }
    }

    @Test func aCopyCarriesEachOrdersTransactionsSoAPayUPushFindsItThere() async throws {
        let scratch = try ScratchFolder()
        let source = try await SQLiteStore.open(at: scratch.file("from.sqlite"))
        let id = try #require(try await source.add([TrackedOrder(referenceID: "ORD-TEST-0001", addedAt: t0)]).added.first?.id)
        _ = try await source.record(B.order([B.transaction("23907365951", refunds: [B.refund("r1")])], fetchedAt: t0), orderID: id, rules: rules)
        try await withPostgres { server in
            try await server.psql("CREATE DATABASE team")
            let target = try await PostgresStore.open(try PostgresLocation(url: server.url(database: "team"), environment: [:]),
                                                      environment: ["PGPASSWORD": server.password])
            try await scoped(target, stop: { await $0.close() }) { target in
                _ = try await StoreCopy.copy(from: source, to: target)
                #expect(try await target.recordPush(push(.payuRefundStatus, payu: ["23907365951"])) == PushOutcome(asked: 1, untracked: 0, added: 0))
                // And back into a new file.
                let back = try await SQLiteStore.open(at: scratch.file("back.sqlite"))
                _ = try await StoreCopy.copy(from: target, to: back)
                #expect(try await back.recordPush(push(.payuRefundStatus, payu: ["23907365951"])) == PushOutcome(asked: 1, untracked: 0, added: 0))
            }
        }
    }

    @Test func aVersionElevenFileGetsItsOrdersTransactionsFromTheirStoredReports() async throws {
        let scratch = try ScratchFolder()
        let path = scratch.file("v11.sqlite")
        do {
            let store = try await SQLiteStore.open(at: path)
            let id = try #require(try await store.add([TrackedOrder(referenceID: "ORD-TEST-0001", addedAt: t0)]).added.first?.id)
            _ = try await store.record(B.order([B.transaction("23907365951", refunds: [])], fetchedAt: t0), orderID: id, rules: rules)
            // As the release before left it: no rows, not backfilled.
            try await store.writer.write { db in
                try db.execute(sql: "DELETE FROM order_transaction")
                try db.execute(sql: "DELETE FROM store_meta WHERE key = ?", arguments: [PushSQL.backfillKey])
            }
        }
        let store = try await SQLiteStore.open(at: path)
        #expect(try await store.recordPush(push(.payuWebhook, payu: ["23907365951"])) == PushOutcome(asked: 1, untracked: 0, added: 0))
    }
    /// `[listen.SOURCE] silent_after`: a silent source is one alert about the whole watchlist,
    /// one a source (two sources silent are two alerts at once, which the partial unique index of
    /// SQLite v13 and PostgreSQL 10 allows where the earlier one a rule did not), resolved when
    /// that source pushes again; a later silence is another alert.
    @Test(arguments: StoreBackend.shared)
    func eachSilentSourceIsOneAlertOfItsOwnUntilItPushesAgain(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let watched = t0
            func drafts(at now: Date) async throws -> [AlertDraft] {
                let last = try await store.lastPushes()
                return [PushSource.kaleyra, .payuRefundStatus].compactMap {
                    AlertDraft.pushSilent($0, lastPush: last[$0], watchedSince: watched, silentAfter: 3_600, now: now)
                }
            }
            func sync(at now: Date) async throws -> AlertSync {
                try await store.syncAlerts(orderID: nil, judged: [.pushSilent], active: try await drafts(at: now), at: now)
            }
            // Half an hour in: nothing yet.
            #expect(try await sync(at: t0.addingTimeInterval(1_800)).isEmpty)
            // Kaleyra pushes at +50m; at +61m PayU has been silent an hour, Kaleyra not.
            _ = try await store.recordPush(push(.kaleyra, references: ["ORD-X"], hash: "k1", at: t0.addingTimeInterval(3_000)))
            let first = try await sync(at: t0.addingTimeInterval(3_660))
            #expect(first.raised.map(\.text) == ["no push from PayU refund status for over 1h (none received in 1h 1m of watching); polling goes on by its schedule"])
            #expect(first.raised.first?.rule == .pushSilent && first.raised.first?.referenceID == nil)
            // At +1h55m Kaleyra is silent too: a second alert, beside the first, which stays.
            let second = try await sync(at: t0.addingTimeInterval(6_900))
            #expect(second.raised.map(\.text) == ["no push from Kaleyra for over 1h (the last 1h 5m ago); polling goes on by its schedule"], "\(second)")
            #expect(second.resolved.isEmpty)
            #expect(try await store.alerts(resolved: false, limit: 10).filter { $0.rule == .pushSilent }.count == 2)
            // PayU pushes: its alert is resolved, Kaleyra's stays; the same check again changes nothing.
            _ = try await store.recordPush(push(.payuRefundStatus, payu: ["1"], hash: "p1", at: t0.addingTimeInterval(7_000)))
            let third = try await sync(at: t0.addingTimeInterval(7_010))
            #expect(third.raised.isEmpty && third.resolved.map(\.text) == first.raised.map(\.text), "\(third)")
            #expect(try await sync(at: t0.addingTimeInterval(7_020)).isEmpty)
            // PayU silent again an hour after its push: another alert, not the resolved one.
            let again = try await sync(at: t0.addingTimeInterval(10_660))
            #expect(again.raised.map(\.text) == ["no push from PayU refund status for over 1h (the last 1h 1m ago); polling goes on by its schedule"], "\(again)")
            #expect(again.raised.first?.id != first.raised.first?.id)
        }
    }
    /// Several pushes in one call: one transaction, each its outcome in order; a repeat of an
    /// earlier push in the same call is its duplicate.
    @Test(arguments: StoreBackend.shared)
    func pushesRecordedTogetherAreEachKeptOnceWithTheirOwnOutcome(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let ids = try await store.add([TrackedOrder(referenceID: "ORD-A", addedAt: t0), TrackedOrder(referenceID: "ORD-B", addedAt: t0)]).added.compactMap(\.id)
            for id in ids { _ = try await store.recordFailure(ReportedError(RefundWatchError.timeout(.kaleyra, seconds: 20)), at: t0, orderID: id) }
            let outcomes = try await store.recordPushes([
                push(references: ["ORD-A"], hash: "a"),
                push(references: ["ORD-B", "ORD-NONE"], hash: "b"),
                push(references: ["ORD-A"], hash: "a"),
            ])
            #expect(outcomes == [PushOutcome(asked: 1, untracked: 0, added: 0), PushOutcome(asked: 1, untracked: 1, added: 0), PushOutcome(duplicate: true)])
            #expect(try await store.waitingCount() == 2)
            #expect(try await store.recordPushes([]) == [])
        }
    }
}
