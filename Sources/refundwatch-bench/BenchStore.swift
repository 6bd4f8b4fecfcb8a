import Foundation
import RefundKit
import RefundStore
import WatchlistModel

/// A watchlist of many orders, each with one PayU transaction and three refunds at mixed stages
/// (queued, waiting for the ARN — some overdue —, done, settled, now and then failed), stored as
/// `track refresh` stores them, so the dashboard reads what it would read in production.
enum BenchStore {
    /// Builds the file once per size and reuses it for 12 hours: writing 10,000 orders takes a
    /// while, and the dashboard started over it must find the data fresher than its refresh
    /// interval (a day), or it would start fetching instead of sitting idle.
    static func file(orders: Int, folder: String) async throws -> String {
        let path = "\(folder)/watchlist-\(orders).sqlite"
        if FileManager.default.fileExists(atPath: path) {
            let store = try await SQLiteStore.open(at: path)
            if try await store.count() == orders, let made = try await store.metadata("bench-made").flatMap(Double.init),
               Date().timeIntervalSince1970 - made < 12 * 3_600 { return path }
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let store = try await SQLiteStore.open(at: path)
        let now = Date()
        let added = try await store.add((0..<orders).map { TrackedOrder(referenceID: referenceID($0), label: $0 % 7 == 0 ? "escalated" : nil, addedAt: now) }).added
        for (index, order) in added.enumerated() {
            _ = try await store.record(report(index, fetchedAt: now), orderID: order.id!, rules: DeadlineRules())
        }
        try await store.setMetadata("bench-made", String(now.timeIntervalSince1970))
        return path
    }

    static func referenceID(_ index: Int) -> String { String(format: "ORD-2026%04d-%05d", 1_000 + index % 1_200, index) }

    static func report(_ index: Int, fetchedAt: Date, variant: Int = 0) -> OrderReport {
        let created = Timestamp.known(fetchedAt.addingTimeInterval(-Double(index % 240) * 3_600))
        let transactionID = String(format: "4069893741%08d", index)
        var refunds: [RefundReport] = []
        for r in 0..<3 {
            let id = "\(700_000_000 + index * 3 + r)"
            let kind = (index + r + variant) % 9
            let status: RefundStatus = kind == 8 ? .failed : kind < 2 ? .pending : .success
            let payuStatus: PayURefundStatus = kind == 8 ? .failure : kind < 2 ? .queued : .success
            let arn: String? = kind >= 5 && kind < 8 ? String(format: "7400%08d", index * 3 + r) : nil
            let refund = Refund(id: id, amount: Money(value: Decimal(10_000 + index % 5_000), offset: 100), speed: .normal, status: status,
                                created: created, updated: created)
            let payu = PayURefundRecord(key: id, mihpayid: transactionID, requestID: id, amount: Money(decimalString: "100.00"),
                                        bankARN: arn, refundMode: "Instant Credit through UPI", status: payuStatus,
                                        settlementID: kind == 7 ? "SETL\(index)" : nil, utr: kind == 7 ? "UTR\(index)" : nil)
            refunds.append(RefundReport(refund: refund, payu: payu, match: .requestID))
        }
        let transaction = Transaction(id: transactionID, gateway: .payu, status: .success, created: created, updated: created,
                                      method: "upi", refunds: refunds.map(\.refund))
        return OrderReport(referenceID: referenceID(index), fetchedAt: fetchedAt,
                           payment: Payment(referenceID: referenceID(index), status: .captured, amount: Money(value: 50_000, offset: 100),
                                            transactions: [transaction]),
                           transactions: [TransactionReport(transaction: transaction, refunds: refunds, payuQueried: true)])
    }
}
