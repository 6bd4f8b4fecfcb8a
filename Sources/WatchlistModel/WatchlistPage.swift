import Foundation
import RefundModel

/// What a dashboard's first screen needs without reading every row: the rows that come first in
/// its default order (`Attention`), and the header's counts over the whole watchlist, counted by
/// the database.
public struct WatchlistPage: Sendable, Hashable {
    /// The first rows, in the attention order.
    public var rows: [WatchedOrder]
    /// Over the whole watchlist.
    public var totals: WatchlistTotals

    public init(rows: [WatchedOrder], totals: WatchlistTotals) {
        self.rows = rows
        self.totals = totals
    }
}
