import Foundation
import Testing
import RefundKit
@testable import RefundStore
import WatchlistModel
import TestReports

/// Alerts on every backend: one event is one alert for the whole team, and people's
/// acknowledgements, snoozes and the conditions clearing are kept.
@Suite struct AlertStoreContractTests {
    typealias B = ReportBuilder
    let t0 = ReportBuilder.created

    func failed(_ orderID: Int64, refund: String = "r1") -> AlertDraft {
        AlertDraft(key: "refund_failed:\(orderID):\(refund):failed", rule: .refundFailed, orderID: orderID, referenceID: "ORD-1", refundID: refund,
                   text: "ORD-1 refund \(refund) failed (WhatsApp)")
    }

    func late(_ orderID: Int64, due: Int) -> AlertDraft {
        AlertDraft(key: "deadline_passed:\(orderID):r2:arn@\(due)", rule: .deadlinePassed, orderID: orderID, referenceID: "ORD-1", refundID: "r2",
                   text: "ORD-1 refund r2: ARN late")
    }

    @Test(arguments: StoreBackend.allCases)
    func oneEventIsOneAlertAndItResolvesWhenItsConditionClears(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let id = try #require(try await store.add([TrackedOrder(referenceID: "ORD-1", addedAt: t0)]).added.first?.id)
            let first = try await store.syncAlerts(orderID: id, judged: AlertRule.fromReport, active: [failed(id), late(id, due: 100)], at: t0)
            #expect(first.raised.map(\.rule) == [.refundFailed, .deadlinePassed])
            #expect(first.raised.first?.text == "ORD-1 refund r1 failed (WhatsApp)" && first.raised.first?.raisedAt == t0)
            // Seen again (the next fetch, another poller): nothing new.
            let again = try await store.syncAlerts(orderID: id, judged: AlertRule.fromReport, active: [failed(id), late(id, due: 100)], at: t0 + 60)
            #expect(again.isEmpty)
            // The ARN arrived: the late alert resolves by itself, the failure stays.
            let cleared = try await store.syncAlerts(orderID: id, judged: AlertRule.fromReport, active: [failed(id)], at: t0 + 120)
            #expect(cleared.raised.isEmpty && cleared.resolved.map(\.rule) == [.deadlinePassed])
            #expect(cleared.resolved.first?.resolvedAt == t0 + 120)
            // A sync judging only fetch failures leaves the refund's alert alone.
            #expect(try await store.syncAlerts(orderID: id, judged: [.fetchFailing], active: [], at: t0 + 180).isEmpty)
            // An event that ended is not raised again by the same condition seen later.
            #expect(try await store.syncAlerts(orderID: id, judged: AlertRule.fromReport, active: [failed(id), late(id, due: 100)], at: t0 + 240).raised.isEmpty)
            // The next stage's deadline passing is another event.
            #expect(try await store.syncAlerts(orderID: id, judged: AlertRule.fromReport, active: [failed(id), late(id, due: 200)], at: t0 + 300).raised.count == 1)
            let unresolved = try await store.alerts(resolved: false, limit: 100)
            #expect(unresolved.map(\.key) == [late(id, due: 200).key, failed(id).key], "the newest first")
            #expect(try await store.alerts(resolved: true, limit: 100).count == 3)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func acknowledgingAndSnoozingAreKeptWithWhoAndWhen(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let id = try #require(try await store.add([TrackedOrder(referenceID: "ORD-1", addedAt: t0)]).added.first?.id)
            let alert = try #require(try await store.syncAlerts(orderID: id, judged: [.refundFailed], active: [failed(id)], at: t0).raised.first)
            #expect(alert.state(at: t0) == .open)
            let acknowledged = try #require(try await store.acknowledgeAlert(id: alert.id, by: "asha", note: "called PayU, ticket 4411", at: t0 + 10))
            #expect(acknowledged.acknowledgedBy == "asha" && acknowledged.note == "called PayU, ticket 4411" && acknowledged.acknowledgedAt == t0 + 10)
            #expect(acknowledged.state(at: t0 + 20) == .acknowledged)
            let snoozed = try #require(try await store.snoozeAlert(id: alert.id, until: t0 + 3600))
            #expect(snoozed.state(at: t0 + 60) == .snoozed && snoozed.state(at: t0 + 3601) == .acknowledged)
            #expect(try await store.alert(id: alert.id) == snoozed)
            #expect(try await store.acknowledgeAlert(id: 9_999, by: "asha", note: nil, at: t0) == nil)
            #expect(try await store.snoozeAlert(id: 9_999, until: t0) == nil)
            // Removing the order takes its alerts with it.
            _ = try await store.remove(referenceIDs: ["ORD-1"])
            #expect(try await store.alerts(resolved: true, limit: 10).isEmpty)
            #expect(try await store.syncAlerts(orderID: id, judged: [.refundFailed], active: [failed(id)], at: t0).isEmpty, "not tracked: nothing written")
        }
    }

    /// Two processes seeing the same event at the same moment raise one alert between them; PayU's
    /// token alert, whose key names the moment each saw it first, is one too.
    @Test(arguments: StoreBackend.shared)
    func twoProcessesRaisingAtOnceMakeOneAlert(_ backend: StoreBackend) async throws {
        try await backend.withTwo { first, second in
            let ids = try await first.add((1...20).map { TrackedOrder(referenceID: "ORD-\($0)", addedAt: t0) }).added.compactMap(\.id)
            let raised = try await withThrowingTaskGroup(of: Int.self) { group in
                for (index, store) in [first, second].enumerated() {
                    group.addTask {
                        var count = 0
                        for id in ids { count += try await store.syncAlerts(orderID: id, judged: [.refundFailed], active: [failed(id)], at: t0).raised.count }
                        let error = ReportedError(category: .authentication, service: .payu, message: "PayU refused to renew the access token")
                        count += try await store.syncAlerts(orderID: nil, judged: [.payuToken], active: [AlertDraft.payuToken(error, now: t0 + Double(index))], at: t0).raised.count
                        return count
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(raised == 21, "20 refunds failed and one token refusal, each raised by one of the two")
            let stored = try await first.alerts(resolved: true, limit: 100)
            #expect(stored.count == 21 && stored.filter { $0.rule == .payuToken }.count == 1)
            // PayU answered again: the token alert resolves, and a later refusal is a new alert.
            #expect(try await second.syncAlerts(orderID: nil, judged: [.payuToken], active: [], at: t0 + 600).resolved.count == 1)
            let error = ReportedError(category: .authentication, service: .payu, message: "again")
            #expect(try await first.syncAlerts(orderID: nil, judged: [.payuToken], active: [AlertDraft.payuToken(error, now: t0 + 900)], at: t0 + 900).raised.count == 1)
        }
    }

    /// The outbox: each raising and resolving once, claimed by one poller at a time, retried when
    /// due, done when recorded so.
    @Test(arguments: StoreBackend.allCases)
    func theOutboxHoldsEachEventUntilItIsDelivered(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let id = try #require(try await store.add([TrackedOrder(referenceID: "ORD-1", addedAt: t0)]).added.first?.id)
            _ = try await store.syncAlerts(orderID: id, judged: AlertRule.fromReport, active: [failed(id), late(id, due: 100)], at: t0)
            _ = try await store.syncAlerts(orderID: id, judged: AlertRule.fromReport, active: [failed(id)], at: t0 + 1)
            #expect(try await store.pendingDeliveries() == 3, "two raised, one resolved")
            let claimed = try await store.claimDeliveries(owner: "p1", limit: 10, lease: 30, at: t0 + 2)
            #expect(claimed.map(\.event) == [.raised, .raised, .resolved])
            #expect(claimed.map(\.alert.rule) == [.refundFailed, .deadlinePassed, .deadlinePassed])
            #expect(claimed[0].deliveryID == "refundwatch:alert:\(claimed[0].alert.id):raised" && claimed[0].attempts == 0)
            #expect(try await store.claimDeliveries(owner: "p2", limit: 10, lease: 30, at: t0 + 3).isEmpty, "held by p1")
            // One delivered; one reached the command only and is retried later; one failed outright.
            try await store.finishDelivery(claimed[0].id, owner: "p1", deliveredTo: ["webhook"], retryAt: nil, error: nil, at: t0 + 4)
            try await store.finishDelivery(claimed[1].id, owner: "p1", deliveredTo: ["command"], retryAt: t0 + 60, error: "webhook: 503", at: t0 + 4)
            try await store.finishDelivery(claimed[2].id, owner: "p1", deliveredTo: [], retryAt: t0 + 10, error: "webhook: 503", at: t0 + 4)
            // Another poller's record of an item it does not hold changes nothing.
            try await store.finishDelivery(claimed[2].id, owner: "p2", deliveredTo: ["webhook"], retryAt: nil, error: nil, at: t0 + 5)
            #expect(try await store.pendingDeliveries() == 2)
            let due = try await store.claimDeliveries(owner: "p2", limit: 10, lease: 30, at: t0 + 10)
            #expect(due.map(\.id) == [claimed[2].id] && due[0].attempts == 1)
            // A minute on, the other is due, and p2's own lease on the first (30 s) has run out.
            let later = try await store.claimDeliveries(owner: "p2", limit: 10, lease: 30, at: t0 + 60)
            #expect(later.map(\.id) == [claimed[1].id, claimed[2].id])
            #expect(later.first?.deliveredTo == ["command"])
        }
    }
}
