import Foundation
import Logging
import PostgresNIO
import RefundKit
import WatchlistModel

/// The team's saved views in `saved_view` (migration 8): everyone on the database sees them.
/// A view saved without a time (`views save`) gets the database's clock; a copied one keeps its own.
extension PostgresStore {
    public func savedViews() async throws(StoreError) -> [SavedView] {
        try await transaction { connection, logger in
            var views: [SavedView] = []
            let rows = try await connection.query("""
                SELECT name, filter, sort, columns, saved_by, extract(epoch FROM saved_at)::float8 FROM saved_view ORDER BY name_key
                """, logger: logger)
            for try await row in rows {
                let (name, filter, sort, columns, savedBy, savedAt) = try row.decode((String, String, String, String?, String?, Double).self)
                if let view = StoredViews.view(name: name, filter: filter, sort: sort, columns: columns, savedBy: savedBy,
                                               savedAt: Date(timeIntervalSince1970: savedAt)) {
                    views.append(view)
                }
            }
            return views
        }
    }

    @discardableResult
    public func saveView(_ view: SavedView) async throws(StoreError) -> Bool {
        try await transaction { connection, logger in
            // xmax is not 0 on a row an ON CONFLICT updated: it was there before.
            let rows = try await connection.query("""
                INSERT INTO saved_view (name_key, name, filter, sort, columns, saved_by, saved_at)
                VALUES (\(view.name.lowercased()), \(view.name), \(view.filter), \(view.sort.rawValue), \(StoredViews.columns(view)), \(view.savedBy), COALESCE(\(view.savedAt), now()))
                ON CONFLICT (name_key) DO UPDATE SET name = excluded.name, filter = excluded.filter, sort = excluded.sort,
                    columns = excluded.columns, saved_by = excluded.saved_by, saved_at = excluded.saved_at
                RETURNING (xmax <> 0)
                """, logger: logger)
            return try await Self.value(rows, Bool.self) ?? false
        }
    }

    public func removeView(named name: String) async throws(StoreError) -> Bool {
        try await transaction { connection, logger in
            let rows = try await connection.query("DELETE FROM saved_view WHERE name_key = \(name.lowercased()) RETURNING 1", logger: logger)
            return try await Self.value(rows, Int32.self) != nil
        }
    }
}
