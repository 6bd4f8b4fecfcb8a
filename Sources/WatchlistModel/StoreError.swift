import Foundation

/// A database that cannot be used, said so that a person knows which file and what to do. Every
/// case leaves the file as it was: refundwatch never overwrites or "repairs" a database it did not
/// understand.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case notSQLite = "not_sqlite"
        case notRefundwatch = "not_refundwatch"
        case corrupt
        case readOnly = "read_only"
        case newerSchema = "newer_schema"
        /// One order's stored report cannot be decoded; the rest of the file is fine.
        case unreadableReport = "unreadable_report"
        case cannotOpen = "cannot_open"
        case busy
        case full
        /// PostgreSQL: the server cannot be reached.
        case unreachable
        /// PostgreSQL: the server refused the user or the password.
        case authentication
        case other
    }

    public var kind: Kind
    public var file: String
    /// What is wrong and what to do, without the file name (the description adds it).
    public var problem: String

    public init(_ kind: Kind, file: String, problem: String) {
        self.kind = kind
        self.file = file
        self.problem = problem
    }

    public var description: String { "database \(file): \(problem)" }
}
