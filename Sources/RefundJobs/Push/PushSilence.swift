import Foundation
import RefundKit
import WatchlistModel

/// `[listen.SOURCE] silent_after`: a source that has pushed nothing for longer raises an alert
/// (one a source, for the whole team), resolved by its next push. Pollers check it, and `listen`
/// when no poller runs; polling goes on by its schedule all along.
public struct PushSilence: Sendable {
    /// The limit of each source that has one.
    public let limits: [PushSource: TimeInterval]
    /// When this process began watching: a source that never pushed is silent since then.
    public let watchedSince: Date

    /// nil when no source sets `silent_after` (or none is turned on).
    public init?(_ settings: ListenSettings?, watchedSince: Date) {
        var limits: [PushSource: TimeInterval] = [:]
        for (key, source) in settings?.sources ?? [:] {
            if let limit = source.silentAfter, let push = PushSource(rawValue: key) { limits[push] = limit }
        }
        guard !limits.isEmpty else { return nil }
        self.limits = limits
        self.watchedSince = watchedSince
    }

    /// `check` at most once a minute of `now` (or when the clock went back), and then only when
    /// `onlyIf` says so: `lastChecked` is the caller's memory of the last time. Says each alert
    /// raised or resolved.
    public func checkEveryMinute(_ store: any WatchlistStore, now: Date, lastChecked: inout Date?,
                                 onlyIf: () async throws(StoreError) -> Bool = { true }, say: (String) -> Void) async throws(StoreError) {
        if let last = lastChecked, now.timeIntervalSince(last) < 60, now >= last { return }
        lastChecked = now
        guard try await onlyIf() else { return }
        let sync = try await check(store, now: now)
        for alert in sync.raised { say("alert: " + alert.text.terminalSafe) }
        for alert in sync.resolved { say("resolved: " + alert.text.terminalSafe) }
    }

    /// The alerts that hold at `now` (a source silent for its limit or longer), synced with the
    /// store: raised once for the whole team, resolved once the source pushes again.
    public func check(_ store: any WatchlistStore, now: Date) async throws(StoreError) -> AlertSync {
        let last = try await store.lastPushes()
        let drafts = limits.keys.sorted { $0.rawValue < $1.rawValue }.compactMap { source in
            AlertDraft.pushSilent(source, lastPush: last[source], watchedSince: watchedSince, silentAfter: limits[source]!, now: now)
        }
        return try await store.syncAlerts(orderID: nil, judged: [.pushSilent], active: drafts, at: now)
    }
}
