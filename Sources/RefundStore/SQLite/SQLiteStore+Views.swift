import Foundation
import GRDB
import RefundKit
import WatchlistModel

/// Saved views in `saved_view` (schema v11).
extension SQLiteStore {
    public func savedViews() async throws(StoreError) -> [SavedView] {
        try await read { db in
            // Each value read leniently: a row written by hand with a value of the wrong type (a
            // time that is not one, a number for a name) is left out, never a crash.
            try Row.fetchAll(db, sql: "SELECT name, filter, sort, columns, saved_by, saved_at FROM saved_view ORDER BY name_key").compactMap { row in
                func text(_ column: String) -> String? { String.fromDatabaseValue(row[column] as DatabaseValue) }
                guard let name = text("name"), let filter = text("filter"), let sort = text("sort"),
                      let savedAt = Date.fromDatabaseValue(row["saved_at"] as DatabaseValue) else { return nil }
                return StoredViews.view(name: name, filter: filter, sort: sort, columns: text("columns"), savedBy: text("saved_by"), savedAt: savedAt)
            }
        }
    }

    @discardableResult
    public func saveView(_ view: SavedView) async throws(StoreError) -> Bool {
        let savedAt = view.savedAt ?? clock?() ?? Date()
        return try await run { db in
            let existed = try Bool.fetchOne(db, sql: "SELECT 1 FROM saved_view WHERE name_key = ?", arguments: [view.name.lowercased()]) ?? false
            try db.execute(sql: """
                INSERT INTO saved_view (name_key, name, filter, sort, columns, saved_by, saved_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(name_key) DO UPDATE SET name = excluded.name, filter = excluded.filter, sort = excluded.sort,
                    columns = excluded.columns, saved_by = excluded.saved_by, saved_at = excluded.saved_at
                """, arguments: [view.name.lowercased(), view.name, view.filter, view.sort.rawValue, StoredViews.columns(view), view.savedBy, savedAt])
            return existed
        }
    }

    public func removeView(named name: String) async throws(StoreError) -> Bool {
        try await run { db in
            try db.execute(sql: "DELETE FROM saved_view WHERE name_key = ?", arguments: [name.lowercased()])
            return db.changesCount > 0
        }
    }
}
