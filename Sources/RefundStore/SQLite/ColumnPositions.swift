import Foundation
import GRDB
import RefundKit
import WatchlistModel

/// A query's column names and their positions, looked up once per statement so that rows are read
/// by name (a column added or moved by a later migration cannot shift what a reader gets) at the
/// cost of reading by position.
struct ColumnPositions {
    private let positions: [String: Int]

    init(_ statement: Statement) {
        var positions: [String: Int] = [:]
        for (index, name) in statement.columnNames.enumerated() where positions[name] == nil {
            positions[name] = index
        }
        self.positions = positions
    }

    subscript(name: String) -> Int? { positions[name] }
}

/// Reads watchlist rows (`SQLiteStore.watchedSelection`) by column name.
struct WatchedRowReader {
    private let id, referenceID, account, phoneNumberID, paymentConfigID, label, addedAt: Int?
    private let fetchedAt, changedAt, errorCategory, errorService, errorMessage, failedAt, attemptedAt, failures, attempts, requestedAt: Int?
    private let summary: SummaryColumns.Positions

    init(_ statement: Statement) {
        let columns = ColumnPositions(statement)
        id = columns["id"]
        referenceID = columns["reference_id"]
        account = columns["account"]
        phoneNumberID = columns["phone_number_id"]
        paymentConfigID = columns["payment_config_id"]
        label = columns["label"]
        addedAt = columns["added_at"]
        fetchedAt = columns["fetched_at"]
        changedAt = columns["changed_at"]
        errorCategory = columns["error_category"]
        errorService = columns["error_service"]
        errorMessage = columns["error_message"]
        failedAt = columns["failed_at"]
        attemptedAt = columns["attempted_at"]
        failures = columns["failures"]
        attempts = columns["attempts"]
        requestedAt = columns["requested_at"]
        summary = SummaryColumns.Positions(columns)
    }

    func watched(_ row: Row) -> WatchedOrder {
        func value<T: DatabaseValueConvertible>(_ position: Int?) -> T? { position.flatMap { row[$0] } }
        let order = TrackedOrder(id: value(id), referenceID: value(referenceID) ?? "", account: value(account), phoneNumberID: value(phoneNumberID),
                                 paymentConfigID: value(paymentConfigID), label: value(label), addedAt: value(addedAt) ?? Date(timeIntervalSince1970: 0))
        var failure: FetchFailure?
        if let message: String = value(errorMessage), let at: Date = value(failedAt) {
            let category = (value(errorCategory) as String?).flatMap(ErrorCategory.init(rawValue:)) ?? .server
            let service = (value(errorService) as String?).flatMap(Service.init(rawValue:))
            failure = FetchFailure(error: ReportedError(category: category, service: service, message: message), at: at)
        }
        return WatchedOrder(order: order, summary: SummaryColumns.summary(from: row, summary), fetchedAt: value(fetchedAt),
                            changedAt: value(changedAt), failure: failure, attemptedAt: value(attemptedAt), failures: value(failures) ?? 0,
                            attempts: value(attempts) ?? 0, requestedAt: value(requestedAt))
    }
}
