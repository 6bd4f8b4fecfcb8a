import Foundation
import RefundKit
import WatchlistModel

/// CSV (for a spreadsheet) or JSON: what an export writes.
public enum ExportFormat: String, Sendable, CaseIterable {
    case csv, json

    /// JSON for a `.json` name, else CSV.
    public init(path: String) {
        self = path.lowercased().hasSuffix(".json") ? .json : .csv
    }
}

/// The bytes an export writes, shared by `export` and the dashboard's `e`.
public struct ExportFile: Sendable {
    public let data: Data
    public let refunds: Int
    public let orders: Int
    /// Orders with no report yet: nothing to export for them.
    public let unfetched: Int

    /// `orderIDs` nil: the whole watchlist. Only the reports of the orders named are read, so one
    /// order's export does not depend on any other order's stored report.
    public static func load(store: any WatchlistStore, orderIDs: [Int64]?, rules: DeadlineRules, now: Date, format: ExportFormat) async throws -> ExportFile {
        let reports = if let orderIDs { try await store.reports(orderIDs: orderIDs) } else { try await store.reports() }
        return try ExportFile(reports: reports, rules: rules, now: now, format: format)
    }

    public init(reports: [(order: TrackedOrder, report: OrderReport?)], rules: DeadlineRules, now: Date, format: ExportFormat) throws {
        let rows = reports.flatMap { ExportRow.rows(order: $0.order, report: $0.report, rules: rules, now: now) }
        data = format == .csv ? Data(ExportRow.csv(rows).utf8) : try JSONOutput.encode(rows) + Data("\n".utf8)
        refunds = rows.count
        orders = reports.count
        unfetched = reports.filter { $0.report == nil }.count
    }

    public struct WriteError: Error, Sendable {
        public let message: String
    }

    /// Replaces `path` whole (never half-written). The error is short enough for the dashboard's
    /// one flash line: the folder that is missing, or the system's reason ("Permission denied").
    public func write(to path: String) throws(WriteError) {
        try Self.write(data, to: path, example: "refunds.csv")
    }

    /// Writes `data` to `path` whole (a temporary file renamed over it: never half-written), or
    /// says for a person why it cannot: a folder given, no such folder, not writable.
    /// `example`: a file name to suggest when `path` is a folder.
    public static func write(_ data: Data, to path: String, example: String) throws(WriteError) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw WriteError(message: "cannot write \(path): it is a folder. Give a file name, such as \(url.appendingPathComponent(example).path).")
        }
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw WriteError(message: "cannot write \(path): there is no folder \(folder). Create it, or give another path.")
        }
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            // Foundation's own words on Linux are often "The operation could not be completed":
            // the system's reason when there is one, else what can be checked.
            let reason: String
            if let posix = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
                reason = String(cString: strerror(Int32(posix.code)))
            } else if !FileManager.default.isWritableFile(atPath: folder) {
                reason = "the folder \(folder) is not writable"
            } else {
                reason = error.localizedDescription
            }
            throw WriteError(message: "cannot write \(path): \(reason). Give a path in a folder you can write to.")
        }
    }
}

/// One refund of the export: both sides, flattened.
struct ExportRow: Encodable {
    var referenceID: String
    var label: String?
    var transactionID: String
    var gateway: String
    var refundID: String?
    var amount: Money?
    var whatsappStatus: String?
    var speed: String?
    var payuStatus: String?
    var arn: String?
    var settlementID: String?
    var amountSettled: Money?
    var utr: String?
    var valueDate: String?
    var refundMode: String?
    var stage: String?
    /// The stage the refund's deadline is about (`DeadlineStage`), and when it is due.
    var deadlineStage: String?
    var deadline: Date?
    var overdue: Bool
    var refundCreated: Date?
    var fetchedAt: Date
    /// The account the order belongs to; nil while that is not known. Last of the columns, so a
    /// spreadsheet made from an export before accounts existed keeps its columns where they were.
    var account: String?

    static func rows(order: TrackedOrder, report: OrderReport?, rules: DeadlineRules, now: Date) -> [ExportRow] {
        guard let report else { return [] }
        var rows: [ExportRow] = []
        for transaction in report.transactions {
            func row(_ refund: Refund?, _ payu: PayURefundRecord?) -> ExportRow {
                ExportRow(
                    referenceID: order.referenceID, label: order.label, transactionID: transaction.transaction.id,
                    gateway: transaction.transaction.gateway.rawValue, refundID: refund?.id, amount: refund?.amount ?? payu?.amount,
                    whatsappStatus: refund?.status.rawValue, speed: refund?.speed?.rawValue, payuStatus: payu?.status?.rawValue,
                    arn: payu?.bankARN, settlementID: payu?.settlementID, amountSettled: payu?.amountSettled, utr: payu?.utr,
                    valueDate: payu?.valueDate, refundMode: payu?.refundMode, stage: nil, deadlineStage: nil, deadline: nil, overdue: false,
                    refundCreated: refund?.created.date, fetchedAt: report.fetchedAt, account: order.account)
            }
            for joined in transaction.refunds {
                var line = row(joined.refund, joined.payu)
                line.stage = RefundStage(joined, in: transaction).rawValue
                if let deadline = rules.deadline(for: joined, in: transaction) {
                    line.deadlineStage = deadline.stage.rawValue
                    line.deadline = deadline.due
                    line.overdue = deadline.isLate(at: now)
                }
                rows.append(line)
            }
            for record in transaction.unmatchedPayU {
                rows.append(row(nil, record))
            }
        }
        return rows
    }

    static let columns = ["reference_id", "label", "transaction_id", "gateway", "refund_id", "amount", "currency", "whatsapp_status",
                          "speed", "payu_status", "arn", "settlement_id", "amount_settled", "utr", "value_date", "refund_mode",
                          "stage", "deadline_stage", "deadline", "overdue", "refund_created", "fetched_at", "account"]

    var csvFields: [String] {
        [referenceID, label ?? "", transactionID, gateway, refundID ?? "", amount?.plainString ?? "", amount?.currency ?? "",
         whatsappStatus ?? "", speed ?? "", payuStatus ?? "", arn ?? "", settlementID ?? "", amountSettled?.plainString ?? "",
         utr ?? "", valueDate ?? "", refundMode ?? "", stage ?? "", deadlineStage ?? "", deadline.map(Timestamp.iso8601) ?? "", overdue ? "yes" : "no",
         refundCreated.map(Timestamp.iso8601) ?? "", Timestamp.iso8601(fetchedAt), account ?? ""]
    }

    /// RFC 4180 CSV with a header row and CRLF line ends, as spreadsheets expect.
    static func csv(_ rows: [ExportRow]) -> String {
        ([columns] + rows.map(\.csvFields)).map { $0.map(CSVLine.escape).joined(separator: ",") + "\r\n" }.joined()
    }

    enum CodingKeys: String, CodingKey {
        case referenceID = "reference_id", label, transactionID = "transaction_id", gateway, refundID = "refund_id", amount
        case whatsappStatus = "whatsapp_status", speed, payuStatus = "payu_status", arn, settlementID = "settlement_id"
        case amountSettled = "amount_settled", utr, valueDate = "value_date", refundMode = "refund_mode", stage, deadlineStage = "deadline_stage", deadline, overdue
        case refundCreated = "refund_created", fetchedAt = "fetched_at", account
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(referenceID, forKey: .referenceID)
        try c.encode(label, forKey: .label)
        try c.encode(transactionID, forKey: .transactionID)
        try c.encode(gateway, forKey: .gateway)
        try c.encode(refundID, forKey: .refundID)
        try c.encode(amount, forKey: .amount)
        try c.encode(whatsappStatus, forKey: .whatsappStatus)
        try c.encode(speed, forKey: .speed)
        try c.encode(payuStatus, forKey: .payuStatus)
        try c.encode(arn, forKey: .arn)
        try c.encode(settlementID, forKey: .settlementID)
        try c.encode(amountSettled, forKey: .amountSettled)
        try c.encode(utr, forKey: .utr)
        try c.encode(valueDate, forKey: .valueDate)
        try c.encode(refundMode, forKey: .refundMode)
        try c.encode(stage, forKey: .stage)
        try c.encode(deadlineStage, forKey: .deadlineStage)
        try c.encode(deadline.map(Timestamp.known), forKey: .deadline)
        try c.encode(overdue, forKey: .overdue)
        try c.encode(refundCreated.map(Timestamp.known), forKey: .refundCreated)
        try c.encode(Timestamp.known(fetchedAt), forKey: .fetchedAt)
        try c.encode(account, forKey: .account)
    }
}
