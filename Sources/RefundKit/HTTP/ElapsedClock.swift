/// The clock that every wait of the HTTP layer is timed on (the request budget's pacing and
/// pauses, retry back-off, a call's deadline), read as the time elapsed since it was handed over.
///
/// A process hands over `ContinuousClock`. A test hands over a clock it moves itself, so that a
/// 60 s pause passes in no real time and what happened by each moment is exact, however busy the
/// machine. Instants are kept as `Duration` since the start, so that the budget need not be
/// generic over the clock's instant type.
struct ElapsedClock: Sendable {
    private let elapsed: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void

    init(_ clock: any Clock<Duration>) {
        self.init(opening: clock)
    }

    private init<C: Clock<Duration>>(opening clock: C) {
        let origin = clock.now
        elapsed = { origin.duration(to: clock.now) }
        sleeper = { try await clock.sleep(until: origin.advanced(by: $0), tolerance: nil) }
    }

    /// Time elapsed since the clock was handed over.
    var now: Duration { elapsed() }

    /// Returns once the clock reads `deadline` (at once if it already has); throws
    /// `CancellationError` when the task is cancelled first.
    func sleep(until deadline: Duration) async throws {
        // A test clock holds a sleep until its very instant until the clock next moves.
        guard deadline > now else { return try Task.checkCancellation() }
        try await sleeper(deadline)
    }
}
