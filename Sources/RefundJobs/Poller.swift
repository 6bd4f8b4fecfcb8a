import Foundation
import Logging
import WatchlistModel

/// This process as one of the pollers sharing a store: its name there, and its heartbeat.
public struct Poller: Sendable {
    public let id: String
    public let host: String
    public let pid: Int
    /// Seconds its claims last without a heartbeat.
    public let lease: TimeInterval
    /// A poller not heard from for this long is taken for stopped (dashboards fetch again).
    public static let aliveWithin: TimeInterval = PollerPresence.aliveWithin

    public init(lease: TimeInterval, id: String? = nil) {
        host = ProcessInfo.processInfo.hostName
        pid = Int(ProcessInfo.processInfo.processIdentifier)
        self.id = id ?? "\(host):\(pid):\(UUID().uuidString.prefix(4).lowercased())"
        self.lease = lease
    }

    /// Beats this often: well within the lease and the dashboards' `aliveWithin`.
    public var beatEvery: Duration { .seconds(min(5, lease / 3)) }

    public func beat(_ store: any WatchlistStore, cycleEnded: Bool) async throws(StoreError) {
        try await store.beat(poller: id, host: host, pid: pid, cycleEnded: cycleEnded, lease: lease)
    }

    /// Beats every `beatEvery` of `clock` until the task is cancelled; a beat that fails (the
    /// database away for a moment) is logged and tried again at the next.
    public func beating<C: Clock>(_ store: any WatchlistStore, clock: C, logger: Logger) async where C.Duration == Duration {
        while !Task.isCancelled {
            do {
                try await clock.sleep(for: beatEvery)
            } catch {
                return
            }
            do throws(StoreError) {
                try await beat(store, cycleEnded: false)
            } catch {
                logger.warning("heartbeat failed: \(error.description)")
            }
        }
    }
}
