import Foundation
import RefundKit
import WatchlistModel

/// Pushes, the same on both backends: the statements (with each dialect's placeholders) and the
/// decision of which orders a push asks for.
enum PushSQL {
    /// A push kept once; returns its id only when it was new. Binds: `eventValues`.
    static func insertEvent(_ p: Placeholders) -> String {
        """
        INSERT INTO push_event (source, account, received_at, client, body_hash, names, body) VALUES (\(p.list(7)))
        ON CONFLICT (source, body_hash) DO NOTHING RETURNING id
        """
    }

    /// `names` in one key order, so that a person reading the table (or diffing two) sees the same text for the same names.
    private static var namesEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }

    /// `counted`: with what came of it (asked, untracked, added) after those seven, when that is
    /// known before the push is kept.
    static func eventValues(_ push: PushRecord, counted outcome: PushOutcome? = nil) -> [StoreValue] {
        let names = (try? namesEncoder.encode(push.names)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        var values: [StoreValue] = [.text(push.source.rawValue), .text(push.account), .time(push.receivedAt), .text(push.client), .text(push.bodyHash),
                                    .text(names), .bytes(push.body)]
        if let outcome { values += [.integer(outcome.asked), .integer(outcome.untracked), .integer(outcome.added)] }
        return values
    }

    /// Binds: asked, untracked, added, the event's id.
    static func finishEvent(_ p: Placeholders) -> String {
        "UPDATE push_event SET asked = \(p.mark(1)), untracked = \(p.mark(2)), added = \(p.mark(3)) WHERE id = \(p.mark(4))"
    }

    static let lastPushes = "SELECT source, max(received_at) FROM push_event GROUP BY source"

    /// An order tracked under one of a push's reference ids.
    struct ByReference {
        var id: Int64
        var referenceID: String
        var account: String?
    }

    /// An order one of whose stored transactions has one of a push's PayU ids.
    struct ByTransaction {
        var orderID: Int64
        var transactionID: String
    }

    struct Decision: Equatable {
        /// The orders to fetch now, in the order found.
        var asked: [Int64]
        /// Reference ids no order has (under the push's account): `auto_track` adds these.
        var unmatchedReferences: [String]
        /// Names that matched nothing: reference ids, and PayU ids when no reference id matched
        /// either (a Kaleyra push names both; before the order's first fetch its transaction is
        /// not known, and the order was found by its reference id).
        var untracked: Int
    }

    /// Which orders a push asks for. A push on an account's route finds the orders of that
    /// account and those whose account is not known yet; the same reference id under another
    /// account is another order.
    static func decide(_ push: PushRecord, byReference: [ByReference], byTransaction: [ByTransaction]) -> Decision {
        var asked: [Int64] = []
        func ask(_ id: Int64) { if !asked.contains(id) { asked.append(id) } }
        var matchedReferences = Set<String>()
        for match in byReference where push.names.referenceIDs.contains(match.referenceID) {
            if let account = push.account, let orderAccount = match.account, orderAccount.lowercased() != account.lowercased() { continue }
            matchedReferences.insert(match.referenceID)
            ask(match.id)
        }
        var matchedTransactions = Set<String>()
        for match in byTransaction where push.names.payuIDs.contains(match.transactionID) {
            matchedTransactions.insert(match.transactionID)
            ask(match.orderID)
        }
        let unmatched = push.names.referenceIDs.filter { !matchedReferences.contains($0) }
        let unmatchedPayU = matchedReferences.isEmpty ? push.names.payuIDs.filter { !matchedTransactions.contains($0) }.count : 0
        return Decision(asked: asked, unmatchedReferences: unmatched, untracked: unmatched.count + unmatchedPayU)
    }

    /// `store_meta`'s key once every order stored before `order_transaction` has its rows.
    static let backfillKey = "order_transactions"

    /// An order's transaction ids as a stored report gives them (`RecordWrite.transactionIDs`).
    static func transactionIDs(_ report: OrderReport) -> [String] {
        var ids: [String] = []
        for transaction in report.transactions.map(\.transaction) {
            for id in [transaction.id, transaction.pgTransactionID].compactMap({ $0 }) where !id.isEmpty && !ids.contains(id) { ids.append(id) }
        }
        return ids
    }

    /// The label an order added by a push gets.
    static func label(_ source: PushSource) -> String { "added by a \(source.title) push" }
}
