import Foundation
import RefundKit
import RefundStore

/// A key as the dashboard understands it; the terminal backend maps its codes to these.
public enum Key: Sendable, Hashable {
    case character(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, backspace
}

/// Everything that can happen to the dashboard: a key, the clock, the terminal, a result.
public enum Action: Sendable {
    case key(Key)
    /// A second passed: the data's clock and real time (they differ in the demo).
    case tick(now: Date, wall: Date)
    case resize(Size)
    case watchlistLoaded([WatchedOrder])
    case detailLoaded(Int64, Detail)
    /// One order's fetch finished and was stored; `row` is its new watchlist row.
    case fetched(Int64, row: WatchedOrder?, error: ReportedError?)
    /// Something the executable could not do (the database went away): shown, nothing lost.
    case failed(String)
    /// The terminal now uses this theme.
    case themeChanged(String)
    /// A look-up (`o`) finished: the order, or why there is none.
    case lookedUp(Int64, report: OrderReport?, error: ReportedError?)
    /// `a` stored these orders (the watchlist was reloaded just before); the others were tracked already.
    case tracked(added: [TrackedOrder], alreadyTracked: [String])
    /// `d` removed this order (the watchlist was reloaded just before).
    case untracked(String)
    /// Something worked that is worth saying (an export was written).
    case notice(String)
}

/// What `update` asks the executable to do; results come back as actions.
public enum Effect: Sendable, Hashable {
    case loadWatchlist
    case loadDetail(Int64)
    /// Fetch these tracked orders (bounded concurrency) and store the results.
    case refresh([TrackedOrder])
    /// Load the theme called this and draw with it.
    case switchTheme(String)
    /// Fetch one order without storing it; the result comes back as `lookedUp` with this id.
    case lookup(Int64, referenceID: String)
    /// Add these reference ids to the watchlist (with the configuration's lookup ids).
    case track([String])
    /// Remove this reference id from the watchlist, with its history.
    case untrack(String)
    /// Write these stored orders' refunds to a file (CSV, or JSON for a .json name), as `export` does.
    case export([Int64], path: String)
    /// Put this text on the clipboard (OSC 52).
    case copy(String)
    case quit
}
