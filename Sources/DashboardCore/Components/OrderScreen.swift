import Foundation
import RefundModel
import WatchlistModel

/// The screens of one order (the order, a transaction, a refund), tracked or looked up with `o`:
/// what `n`/`N`, `d`, `r` and `a` mean on each of them.
protocol OrderScreen: Component {
    var orderID: Int64 { get }
}

extension OrderScreen {
    /// `n`/`N` open the next (previous) order of the watchlist as shown in place of this one. On a
    /// tracked order `d` asks to remove it and `r` fetches it (by the pollers when they run); on a
    /// looked-up one (stored nowhere) `r` looks it up again and `a` tracks it.
    mutating func perform(_ command: Command, _ state: inout DashboardState) -> [Effect]? {
        let lookup = state.lookups[orderID]
        switch command {
        case .nextMatch:
            return Dashboard.nextMatch(by: 1, &state)
        case .previousMatch:
            return Dashboard.nextMatch(by: -1, &state)
        case .remove:
            if let lookup {
                state.flash = Flash(message: "\(lookup.referenceID) is not on the watchlist (a adds it): nothing to remove", isError: true, at: state.wall)
                return []
            }
            return Dashboard.askToRemove(state.row(id: orderID)?.order, &state)
        case .refresh:
            guard let lookup else { return Dashboard.fetchNow(state.row(id: orderID).map { [$0.order] } ?? [], &state) }
            if Dashboard.refusedReadOnly(&state) { return [] }
            state.lookups[orderID]?.inFlight = true
            return [.lookup(orderID, referenceID: lookup.referenceID)]
        case .track:
            // On a tracked order `a` opens the prompt, as anywhere.
            guard let lookup else { return nil }
            if Dashboard.refusedReadOnly(&state) { return [] }
            return [.track([lookup.referenceID], place: lookup.place)]
        default:
            return nil
        }
    }
}

extension OrderComponent: OrderScreen {}
extension LookupComponent: OrderScreen {}
extension TransactionComponent: OrderScreen {}
extension RefundComponent: OrderScreen {}
