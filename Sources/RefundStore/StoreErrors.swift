import Foundation
import WatchlistModel

/// What can be wrong with a store, each said with what to do; none of them changes the store.
extension StoreError {
    static func notSQLite(_ file: String) -> StoreError {
        StoreError(.notSQLite, file: file, problem: "this is not an SQLite file, so not a refundwatch database. It was left untouched. Pass another file with --db FILE, or move this one away to start a new watchlist.")
    }

    static func notRefundwatch(_ file: String) -> StoreError {
        StoreError(.notRefundwatch, file: file, problem: "this is an SQLite database, but not one of refundwatch's (it holds other tables). It was left untouched. Pass another file with --db FILE.")
    }

    static func corrupt(_ file: String, detail: String) -> StoreError {
        StoreError(.corrupt, file: file, problem: "the file is damaged (SQLite says: \(detail)). It was left untouched. Restore it from a backup, try `sqlite3 \(file) .recover`, or move it away to start a new watchlist.")
    }

    static func readOnly(_ file: String) -> StoreError {
        StoreError(.readOnly, file: file, problem: "cannot write to it: the file or its folder is read-only. Check the permissions (ls -l), or pass another file with --db FILE.")
    }

    static func newerSchema(_ file: String, unknown: [String]) -> StoreError {
        let list = unknown.isEmpty ? "" : " (\(unknown.joined(separator: ", ")))"
        return StoreError(.newerSchema, file: file, problem: "it was written by a newer refundwatch: its schema has changes this version does not know\(list). It was left untouched. Upgrade refundwatch, or pass another file with --db FILE.")
    }

    /// Refreshing the order would compare the new report with nothing and write a second set of
    /// "first seen" entries into its history, so nothing is written for it until this is fixed.
    static func unreadableReport(_ file: String, referenceID: String, detail: String) -> StoreError {
        StoreError(.unreadableReport, file: file, problem: """
            the stored report of \(referenceID) cannot be read (\(detail)), so it was not refreshed: its last report \
            and history were left as they were, and the other orders are not affected. If a newer refundwatch wrote \
            this file, use that version; else restore the file from a backup, or start the order over with \
            refundwatch track remove \(referenceID) && refundwatch track add \(referenceID) (this drops its history).
            """)
    }

    static func busy(_ file: String) -> StoreError {
        StoreError(.busy, file: file, problem: "another process holds a lock on it (refundwatch waited up to \(Int(SQLiteStore.busyTimeout)) seconds). Try again; if it goes on, look for a stuck refundwatch (pgrep -a refundwatch).")
    }
}
