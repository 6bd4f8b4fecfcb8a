import Foundation
import RefundKit

/// An order whose WhatsApp side was fetched but PayU's side of a transaction was not (`payuError`
/// on a transaction): what `track refresh` and `poll` stored is current on WhatsApp's side and
/// missing on PayU's (its earlier answer kept where there was one); `lookup` printed it without
/// the bank details.
///
/// Nothing else says PayU has stopped answering (a refused token renewal, say), so it is counted
/// apart from the orders that worked, named, and given an exit status of its own.
public struct PartialFailure: Sendable, Encodable {
    public var referenceID: String
    public var service: String
    public var category: String
    /// The reason, as `lookup` shows it; the different reasons of one order joined with " · ".
    public var message: String
    /// How many of the order's transactions are missing that side.
    public var transactions: Int

    /// nil when every transaction of `report` has both sides.
    public init?(referenceID: String, report: OrderReport) {
        let errors = report.transactions.compactMap(\.payuError)
        guard let first = errors.first else { return nil }
        self.referenceID = referenceID
        service = (first.service ?? .payu).rawValue
        category = first.category.rawValue
        var reasons: [String] = []
        for error in errors where !reasons.contains(error.message) { reasons.append(error.message) }
        message = reasons.joined(separator: " · ")
        transactions = errors.count
    }

    enum CodingKeys: String, CodingKey { case referenceID = "reference_id", service, category, message, transactions }
}

