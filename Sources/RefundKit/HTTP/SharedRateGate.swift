import Foundation
import Logging

/// What `HTTPTransport` asks of a request budget: a turn for each request, and word of how the
/// API answered.
protocol RequestGate: Actor {
    /// Waits for this request's turn.
    func admit() async
    /// The API throttled a request. Returns how long every request to it now waits.
    @discardableResult
    func throttled(retryAfter: Double?) -> Double
    /// An answer that was not throttled.
    func succeeded()
    /// When requests to this API resume, while a pause lasts.
    var pausedUntilDate: Date? { get }
    /// Requests per second now.
    var currentRate: Double { get }
    /// Throttled answers seen.
    var throttles: Int { get }
}

extension RateGate: RequestGate {}

/// An account's request budget for one API shared by every process on a team's database (the
/// `TeamLedger`): pollers on several machines, dashboards, `track refresh` from cron together go
/// no faster than `max_requests_per_second`, instead of each at its own share.
///
/// - A request's turn comes from a reservation in the ledger: the gate reserves the time of as
///   many requests as wait here (at most a quarter second's worth), and lets them go one every
///   1/pace seconds from the start the ledger gave. The reservations of all processes never
///   overlap, so there are no bursts, and a process that has nothing to send reserves nothing:
///   the others go at the whole budget.
/// - A throttled answer pauses this process at once and tells the ledger, which pauses every
///   other process's next reservation and halves the pace for all (the pace creeps back in the
///   ledger as it does in `RateGate`). Slots reserved before the pause are dropped here.
/// - If the ledger cannot be reached, requests fall back to this process's own budget
///   (`fallback`) until it can be again: fetching never stops because the database hiccuped.
///
/// Times are on the injected `clock`; a reservation's start is given as seconds from when the
/// ledger answered, so the machines' clocks need not agree.
actor SharedRateGate: RequestGate {
    nonisolated let service: Service
    nonisolated let account: String
    nonisolated let configured: Double
    private let ledger: any TeamLedger
    private let clock: ElapsedClock
    private let wall: @Sendable () -> Date
    private let fallback: RateGate
    private let logger: Logger
    /// Reserved instants not used yet, on `clock`.
    private var slots: [Duration] = []
    private var reservation: Task<Void, Never>?
    private var pausedUntil: Duration?
    /// Until when the account is paused because another process was throttled, as the last
    /// reservation said: its slots already start after it, so this only says why (the status
    /// line's "asked us to slow down" on every process of the account).
    private var teamPausedUntil: Duration?
    private var pace: Double
    /// Requests waiting for a turn: what the next reservation asks for.
    private var waiting = 0
    /// The last slot reserved, on `clock`.
    private var horizon: Duration
    /// Until when the ledger is not asked again after it failed.
    private var ledgerDownUntil: Duration?
    private(set) var throttles = 0
    private var episode = ThrottleEpisodes()

    /// At most a quarter second of requests is reserved at once, and no more is reserved while
    /// this process holds slots further ahead than that: a process that stops (or dies) leaves no
    /// more than about half a second of the budget unused.
    var batch: Int { max(1, Int((configured / 4).rounded(.down))) }
    static let lookahead: Duration = .milliseconds(250)

    init(ledger: any TeamLedger, account: String, service: Service, requestsPerSecond: Double, clock: ElapsedClock,
         wall: @escaping @Sendable () -> Date, fallback: RateGate, logger: Logger) {
        self.ledger = ledger
        self.account = account
        self.service = service
        configured = max(0.01, requestsPerSecond)
        pace = configured
        self.clock = clock
        self.wall = wall
        self.fallback = fallback
        self.logger = logger
        horizon = clock.now
    }

    func admit() async {
        // `waiting` counts the requests that have no slot yet: what the next reservation asks for.
        waiting += 1
        var counted = true
        defer { if counted { waiting -= 1 } }
        while !Task.isCancelled {
            if let down = ledgerDownUntil, clock.now < down {
                await fallback.admit()
                return
            }
            if let pausedUntil, pausedUntil > clock.now {
                try? await clock.sleep(until: pausedUntil)
                continue
            }
            // A slot whose moment passed unused (its request was cancelled) is not used late: the
            // other processes' turns follow it.
            while let first = slots.first, first < clock.now - .seconds(0.5 / pace) { slots.removeFirst() }
            if !slots.isEmpty {
                let slot = slots.removeFirst()
                waiting -= 1
                counted = false
                if slot > clock.now { try? await clock.sleep(until: slot) }
                // A pause that began while this request waited drops its slot: it takes a new one.
                if let pausedUntil, pausedUntil > slot {
                    waiting += 1
                    counted = true
                    continue
                }
                return
            }
            // One reservation at a time; the others wait for it. It clears itself when done (on
            // this actor), so a request woken after it never waits on a finished one again.
            if let reservation {
                await reservation.value
            } else if horizon > clock.now + Self.lookahead {
                try? await clock.sleep(until: horizon - Self.lookahead)
            } else {
                let task = Task { await self.reserve() }
                reservation = task
                await task.value
            }
        }
    }

    private func reserve() async {
        defer { reservation = nil }
        let count = max(1, min(batch, waiting))
        do {
            let answer = try await ledger.reserveRequests(account: account, service: service, count: count, rate: configured)
            let start = clock.now + .seconds(max(0, answer.startsIn))
            pace = max(0.01, answer.pace)
            slots += (0..<answer.count).map { start + .seconds(Double($0) / pace) }
            teamPausedUntil = answer.pausedFor > 0 ? clock.now + .seconds(answer.pausedFor) : nil
            horizon = max(horizon, slots.last ?? start)
            ledgerDownUntil = nil
        } catch {
            logger.warning("the team's request budget could not be reserved (\(error)); this process paces itself for 30 s")
            ledgerDownUntil = clock.now + .seconds(30)
        }
    }

    @discardableResult
    func throttled(retryAfter: Double?) -> Double {
        let now = clock.now
        throttles += 1
        guard case .newPause(let wait) = episode.throttled(at: now, retryAfter: retryAfter, pausedUntil: pausedUntil) else {
            return pausedUntil.map { ($0 - now).seconds } ?? 0
        }
        pausedUntil = now + .seconds(wait)
        slots.removeAll()
        pace = max(configured / 8, pace / 2)
        let (ledger, account, service, configured, logger) = (ledger, account, service, configured, logger)
        Task {
            do {
                try await ledger.requestsThrottled(account: account, service: service, pause: wait, rate: configured)
            } catch {
                logger.warning("the team's request budget could not be told of a throttled answer: \(error)")
            }
        }
        let fallback = fallback
        Task { await fallback.throttled(retryAfter: wait) }
        return wait
    }

    func succeeded() {}

    var pausedUntilDate: Date? {
        let now = clock.now
        guard let until = [pausedUntil, teamPausedUntil].compactMap({ $0 }).max(), until > now else { return nil }
        return wall().addingTimeInterval((until - now).seconds)
    }

    var currentRate: Double { pace }
}
