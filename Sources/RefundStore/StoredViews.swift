import Foundation
import RefundKit

/// How a saved view sits in `saved_view`, the same on both backends.
enum StoredViews {
    static func columns(_ view: SavedView) -> String? { view.columns?.map(\.rawValue).joined(separator: ",") }

    /// A row read back, checked as `views save` checks what it is given: a row someone wrote by
    /// hand that would not pass (a bad sort, a control character in the filter) is left out
    /// rather than shown.
    static func view(name: String, filter: String, sort: String, columns: String?, savedBy: String?, savedAt: Date) -> SavedView? {
        let list = columns.map { $0.split(separator: ",").map(String.init) }
        guard var view = try? SavedView.make(name: name, filter: filter, sort: sort, columns: list, origin: .store) else { return nil }
        view.savedBy = savedBy.map { TerminalSafe.text($0) }
        view.savedAt = savedAt
        return view
    }
}
