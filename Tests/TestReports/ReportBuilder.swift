import Foundation
import RefundModel

/// Small reports built in code, for the pure tests of changes, summaries and deadlines.
package enum ReportBuilder {
    package static let created = Date(timeIntervalSince1970: 1_795_000_000)

    /// `updated`: WhatsApp's last update of the refund (nil: its creation).
    package static func refund(_ id: String, status: RefundStatus = .pending, paise: Int = 10_000, created: Date = created,
                       speed: RefundSpeed = .normal, payu: PayURefundRecord? = nil, updated: Date? = nil) -> RefundReport {
        RefundReport(refund: Refund(id: id, amount: Money(value: Decimal(paise), offset: 100), speed: speed, status: status,
                                    created: .known(created), updated: .known(updated ?? created)),
                     payu: payu, match: payu == nil ? nil : .requestID)
    }

    package static func record(_ id: String, status: PayURefundStatus = .queued, arn: String? = nil, settlement: String? = nil, utr: String? = nil) -> PayURefundRecord {
        PayURefundRecord(key: id, requestID: id, amount: Money(decimalString: "100.00"), bankARN: arn, status: status,
                         settlementID: settlement, utr: utr)
    }

    /// `method`: the payment method (`method.type`: "upi", "card"); `created`: the transaction's
    /// creation, which a pending payment's deadline counts from.
    package static func transaction(_ id: String, gateway: Gateway = .payu, status: TransactionStatus = .success, refunds: [RefundReport],
                            payuQueried: Bool = true, payuError: ReportedError? = nil, method: String? = nil,
                            created: Date = created) -> TransactionReport {
        TransactionReport(
            transaction: Transaction(id: id, gateway: gateway, status: status, created: .known(created), updated: .known(created),
                                     method: method, refunds: refunds.map(\.refund)),
            refunds: refunds, payuQueried: gateway == .payu && payuQueried, payuError: payuError)
    }

    package static func order(_ transactions: [TransactionReport], status: PaymentStatus = .captured, fetchedAt: Date = created) -> OrderReport {
        OrderReport(referenceID: "ORD-TEST-0001", fetchedAt: fetchedAt,
                    payment: Payment(referenceID: "ORD-TEST-0001", status: status, amount: Money(value: 50_000, offset: 100),
                                     transactions: transactions.map(\.transaction)),
                    transactions: transactions)
    }
}

/// A moment given as a wall-clock time in a zone (India's unless said).
package func moment(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int = 0, in zone: TimeZone = .india) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute))!
}
