import Foundation
import Synchronization
import WatchlistModel

/// The due orders of one cycle, claimed a batch at a time as the fetches need them: a batch is
/// the orders of the next slice of the due list that no other poller holds or has fetched since
/// this cycle read the watchlist. Slices another poller took come back empty and are passed over.
public final class Claims: Sendable {
    private let store: any WatchlistStore
    private let poller: Poller
    private let batch: Int
    private let candidates: Mutex<ArraySlice<WatchedOrder>>

    public init(store: any WatchlistStore, poller: Poller, due: [TrackedOrder], rows: [WatchedOrder], batch: Int) {
        let wanted = Set(due.compactMap(\.id))
        self.store = store
        self.poller = poller
        self.batch = max(1, batch)
        candidates = Mutex(ArraySlice(rows.filter { $0.order.id.map(wanted.contains) ?? false }))
    }

    public func next() async throws(StoreError) -> [TrackedOrder] {
        while true {
            let slice: [WatchedOrder] = candidates.withLock { candidates in
                let taken = Array(candidates.prefix(batch))
                candidates = candidates.dropFirst(taken.count)
                return taken
            }
            if slice.isEmpty { return [] }
            let claimed = try await store.claim(slice, poller: poller.id, lease: poller.lease)
            if !claimed.isEmpty { return claimed }
        }
    }
}
