import Foundation

/// One API's request budget, shared by every request of the process.
///
/// - Requests leave evenly spaced, at most `configured` per second (no bursts: the APIs' limits are
///   per account, and a burst of a dashboard's refresh would spend a poller's share).
/// - A throttled answer (HTTP 429, or one of Meta's throttling codes) pauses every request to the
///   API, not just the one that got it: for `Retry-After` seconds, else for 1, 2, 4 … 60 s as
///   throttling repeats. The pace is halved too (to no less than an eighth of the budget), since
///   the account's real limit is evidently lower than the budget, and it creeps back by a quarter
///   for every 30 s without throttling.
///
/// All of it is timed on the injected `clock`: `ContinuousClock` in a process, a clock the test
/// moves in tests. `wall` only turns the end of a pause into a time of day for the status line.
actor RateGate {
    nonisolated let service: Service
    nonisolated let configured: Double
    private let clock: ElapsedClock
    private let wall: @Sendable () -> Date
    private var rate: Double
    /// Instants on `clock`: the time elapsed since it was handed over.
    private var nextSlot: Duration
    private var pausedUntil: Duration?
    private var episode = ThrottleEpisodes()
    private var lastThrottle: Duration? { episode.last }
    private var lastIncrease: Duration
    /// Throttled answers seen; also which pause a waiting request's slot was given before.
    private(set) var throttles = 0
    /// Requests holding a slot they have not reached yet (for tests: each has its slot from the
    /// moment it is counted here).
    private(set) var waiting = 0

    init(service: Service, requestsPerSecond: Double, clock: ElapsedClock = ElapsedClock(ContinuousClock()),
         wall: @escaping @Sendable () -> Date = { Date() }) {
        self.service = service
        configured = max(0.01, requestsPerSecond)
        rate = configured
        self.clock = clock
        self.wall = wall
        nextSlot = clock.now
        lastIncrease = clock.now
    }

    /// Waits for this request's turn: its slot in the pace, and the end of any pause.
    func admit() async {
        waiting += 1
        defer { waiting -= 1 }
        while true {
            let now = clock.now
            var slot = max(now, nextSlot)
            if let pausedUntil, pausedUntil > slot { slot = pausedUntil }
            nextSlot = slot + .seconds(1 / rate)
            guard slot > now else { return }
            let pausesBefore = throttles
            try? await clock.sleep(until: slot)
            if Task.isCancelled { return }
            // A pause that began while this request waited for its slot holds it back too, and
            // once it is over the request takes a new slot in the pace: woken late (after the
            // pause's end), going at once would send it beside the requests given the first
            // slots after the pause.
            if throttles != pausesBefore, let pausedUntil, slot < pausedUntil { continue }
            return
        }
    }

    /// The API throttled a request. Returns how long every request to it now waits.
    @discardableResult
    func throttled(retryAfter: Double?) -> Double {
        let now = clock.now
        throttles += 1
        switch episode.throttled(at: now, retryAfter: retryAfter, pausedUntil: pausedUntil) {
        case .sameEpisode(let wait):
            return wait
        case .newPause(let wait):
            pausedUntil = now + .seconds(wait)
            nextSlot = max(nextSlot, now + .seconds(wait))
            rate = max(configured / 8, rate / 2)
            return wait
        }
    }

    /// An answer that was not throttled: the pace creeps back towards the budget.
    func succeeded() {
        guard rate < configured else { return }
        let now = clock.now
        let calmSince = max(lastThrottle ?? lastIncrease, lastIncrease)
        guard now - calmSince >= .seconds(30) else { return }
        rate = min(configured, rate * 1.25)
        lastIncrease = now
    }

    /// When requests to this API resume, while a pause lasts.
    var pausedUntilDate: Date? {
        let now = clock.now
        guard let pausedUntil, pausedUntil > now else { return nil }
        return wall().addingTimeInterval((pausedUntil - now).seconds)
    }

    /// Requests per second now (the budget, or less after throttling).
    var currentRate: Double { rate }
}

/// How long a throttled answer pauses an API, the same for a process's own budget and a team's:
/// `Retry-After` when the API said (at most an hour), else 1, 2, 4 … 60 s as throttling repeats
/// within 90 s. Answers to requests already in flight when a pause began belong to its episode:
/// they neither lengthen the pause nor slow the pace again.
struct ThrottleEpisodes: Sendable {
    enum Outcome: Equatable {
        /// Part of the pause already under way: this long is left of it.
        case sameEpisode(Double)
        /// A new pause of this many seconds: the pace is halved too.
        case newPause(Double)
    }

    private(set) var last: Duration?
    private var consecutive = 0

    mutating func throttled(at now: Duration, retryAfter: Double?, pausedUntil: Duration?) -> Outcome {
        if let pausedUntil, pausedUntil > now, retryAfter.map({ now + .seconds($0) <= pausedUntil }) ?? true {
            return .sameEpisode((pausedUntil - now).seconds)
        }
        if let last, now - last < .seconds(90) { consecutive += 1 } else { consecutive = 1 }
        last = now
        return .newPause(retryAfter.map { min(max($0, 0), 3600) } ?? min(60, pow(2, Double(consecutive - 1))))
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
