import Clocks
import Foundation
import Logging
import Testing
@testable import RefundKit
@testable import RefundModel
import RefundSimulator
import TestSupport

/// An account's request budget shared by every process through the team's ledger
/// (`SharedRateGate`). Each "process" is a gate (or a whole `RefundService`) of its own on one
/// fake ledger, all timed on one `TestClock` that the test moves: the instant each request is let
/// through is exact, and nothing waits in real time.
@Suite struct SharedRateGateTests {
    /// When each pause's end is shown as a time of day: the wall clock stands here.
    static let wall = Date(timeIntervalSince1970: 1_795_000_000)

    // MARK: A fake ledger

    /// The team's ledger as `PostgresStore` keeps it, in memory: one `nextFree` (on the test's
    /// clock, as the database's own clock would be) and one pace shared by every process that asks.
    /// Reservations start at `nextFree` or now, whichever is later, and push `nextFree` on by their
    /// length; a throttled answer pushes `nextFree` past the pause and halves the pace (to no less
    /// than an eighth of the budget). The creep back of the pace after 30 s calm is left out.
    actor FakeLedger {
        struct Reservation: Sendable, Equatable {
            var process: Int
            /// When it was answered, on the test's clock.
            var at: Duration
            var account: String
            var service: Service
            var count: Int
            var rate: Double
            var startsIn: Double
            var pace: Double
        }

        struct Throttle: Sendable, Equatable {
            var process: Int
            var at: Duration
            var account: String
            var service: Service
            var pause: Double
            var rate: Double
        }

        private let clock: ElapsedClock
        private var nextFree: Duration
        private var pace: Double?
        /// Whether the database cannot be reached: every call throws.
        private var unreachable = false
        /// `reserveRequests` calls, answered or not.
        private(set) var reservationCalls = 0
        private(set) var reservations: [Reservation] = []
        private(set) var throttles: [Throttle] = []

        /// Until when the account is paused by a throttled answer, as `rate_budget.paused_until`.
        private var pausedUntil: Duration?

        init(clock: ElapsedClock) {
            self.clock = clock
            nextFree = clock.now
        }

        func setUnreachable(_ unreachable: Bool) { self.unreachable = unreachable }

        /// Requests reserved in all, by every process.
        var reserved: Int { reservations.map(\.count).reduce(0, +) }

        func reserve(process: Int, account: String, service: Service, count: Int, rate: Double) throws -> BudgetReservation {
            reservationCalls += 1
            if unreachable { throw Unreachable() }
            let now = clock.now
            let pace = min(self.pace ?? rate, rate)
            self.pace = pace
            let start = max(now, nextFree)
            nextFree = start + .seconds(Double(count) / pace)
            let answer = BudgetReservation(startsIn: (start - now).seconds, pace: pace, count: count,
                                           pausedFor: max(0, ((pausedUntil ?? now) - now).seconds))
            reservations.append(Reservation(process: process, at: now, account: account, service: service, count: count, rate: rate,
                                            startsIn: answer.startsIn, pace: pace))
            return answer
        }

        func throttled(process: Int, account: String, service: Service, pause: Double, rate: Double) throws {
            if unreachable { throw Unreachable() }
            let now = clock.now
            nextFree = max(nextFree, now + .seconds(pause))
            pausedUntil = max(pausedUntil ?? now, now + .seconds(pause))
            pace = max(rate / 8, (pace ?? rate) / 2)
            throttles.append(Throttle(process: process, at: now, account: account, service: service, pause: pause, rate: rate))
        }

        /// What one process is handed: the ledger, naming the process in what it records.
        nonisolated func process(_ process: Int) -> Connection { Connection(ledger: self, process: process) }

        struct Connection: TeamLedger {
            let ledger: FakeLedger
            let process: Int

            var ledgerLocation: String { "fake ledger" }

            func reserveRequests(account: String, service: Service, count: Int, rate: Double) async throws -> BudgetReservation {
                try await ledger.reserve(process: process, account: account, service: service, count: count, rate: rate)
            }

            func requestsThrottled(account: String, service: Service, pause: Double, rate: Double) async throws {
                try await ledger.throttled(process: process, account: account, service: service, pause: pause, rate: rate)
            }

            // PayU tokens: not what these tests are about.
            func readPayUToken(key: String) async throws -> PayUTokenRecord? { nil }
            func writePayUToken(_ record: PayUTokenRecord) async throws {}
            func withPayUTokenLock<T: Sendable>(key: String, _ body: @Sendable () async -> T) async throws -> T { await body() }
        }
    }

    struct Unreachable: Error, CustomStringConvertible {
        var description: String { "the fake ledger cannot be reached" }
    }

    // MARK: Time, and what was let through when

    /// The test's clock, showing which sleeps are under way, read as the time since the test began.
    struct Timeline {
        let clock = WatchedClock()
        let origin: TestClock<Duration>.Instant

        init() { origin = clock.now }

        var now: Duration { origin.duration(to: clock.now) }

        /// The clock a gate or the ledger is given. Made before the clock first moves, so that all
        /// of them count from the same origin.
        var elapsed: ElapsedClock { ElapsedClock(clock) }

        func advance(to instant: Duration) async {
            await clock.testClock.advance(to: origin.advanced(by: instant))
        }

        /// Sleeps under way that end within `horizon` (the budget's; a call's deadline is further).
        func wakes(within horizon: Duration = .seconds(1_000)) -> [Duration] {
            let now = self.now
            return clock.wakeTimes.filter { $0 - now <= horizon }
        }

        /// Returns once each of the requests not let through yet (`pending`) sleeps on the clock
        /// (for its slot, a pause or the fallback's pace) and none has been woken without getting
        /// on: nothing more happens until the clock moves.
        func settled(_ what: @autoclosure () -> String, horizon: Duration = .seconds(1_000), pending: () async -> Int) async throws {
            try await eventually("settled: \(what())", nudging: clock.testClock) {
                let now = self.now
                let wakes = self.wakes(within: horizon)
                let pending = await pending()
                return wakes.allSatisfy { $0 > now } && wakes.count == pending
            }
        }
    }

    /// The moment (on the test's clock) each request was let through, and by which process.
    actor Admissions {
        struct Admission: Sendable, Equatable {
            var process: Int
            var at: Duration
        }

        private(set) var all: [Admission] = []
        private(set) var started = 0

        func start() { started += 1 }
        func add(_ process: Int, _ at: Duration) { all.append(Admission(process: process, at: at)) }
        var pending: Int { started - all.count }
        func instants(of process: Int? = nil) -> [Duration] { all.filter { process == nil || $0.process == process }.map(\.at).sorted() }
    }

    /// A shared gate of one process on `ledger`.
    private static func gate(_ ledger: FakeLedger, process: Int, _ timeline: Timeline, requestsPerSecond: Double = 10,
                             fallback: RateGate? = nil) -> SharedRateGate {
        let clock = timeline.elapsed
        return SharedRateGate(ledger: ledger.process(process), account: "acme", service: .kaleyra, requestsPerSecond: requestsPerSecond,
                              clock: clock, wall: { wall },
                              fallback: fallback ?? RateGate(service: .kaleyra, requestsPerSecond: requestsPerSecond, clock: clock, wall: { wall }),
                              logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// `count` requests to `gate` at once, each noting when it was let through.
    @discardableResult
    private static func requests(_ count: Int, to gate: SharedRateGate, process: Int, _ admissions: Admissions,
                                 _ timeline: Timeline) async -> [Task<Void, Never>] {
        var tasks: [Task<Void, Never>] = []
        for _ in 0..<count {
            await admissions.start()
            tasks.append(Task {
                await gate.admit()
                await admissions.add(process, timeline.now)
            })
        }
        return tasks
    }

    /// Moves the clock from one wake-up to the next, each time once everything has happened that
    /// could before it moves, until every request started has been let through (true) or the next
    /// wake-up is past `limit` (false). Fails if requests wait yet nothing sleeps on the clock.
    @discardableResult
    private static func run(_ admissions: Admissions, _ timeline: Timeline, until limit: Duration = .seconds(600)) async throws -> Bool {
        while true {
            try await timeline.settled("every waiting request sleeps on the clock") { await admissions.pending }
            if await admissions.pending == 0 { return true }
            let next = try #require(timeline.wakes().min(), "requests wait, yet nothing sleeps")
            if next > limit { return false }
            await timeline.advance(to: next)
        }
    }

    /// `run`, failing unless every request was let through by `limit`.
    private static func runUntilAllAdmitted(_ admissions: Admissions, _ timeline: Timeline, limit: Duration = .seconds(600)) async throws {
        let all = try await run(admissions, timeline, until: limit)
        let pending = await admissions.pending
        try #require(all, "\(pending) requests still wait at \(limit)")
    }

    /// Milliseconds, rounded (times built from `Double`s are off by attoseconds).
    private static func ms(_ duration: Duration) -> Int { Int((duration.seconds * 1000).rounded()) }
    private static func ms(_ durations: [Duration]) -> [Int] { durations.map(ms) }

    /// Microseconds between consecutive instants.
    private static func gaps(_ instants: [Duration]) -> [Int] {
        zip(instants.dropFirst(), instants).map { Int((($0 - $1).seconds * 1_000_000).rounded()) }
    }

    // MARK: 1. Two processes share one budget

    @Test func twoProcessesOnOneLedgerNeverOverlapAndReserveInBatches() async throws {
        let timeline = Timeline()
        let ledger = FakeLedger(clock: timeline.elapsed)
        let gates = [Self.gate(ledger, process: 0, timeline), Self.gate(ledger, process: 1, timeline)]
        #expect(await gates[0].batch == 2, "a quarter second's worth of 10/s")
        let admissions = Admissions()
        // 20 requests through each process at once, at 10/s for the account.
        await Self.requests(20, to: gates[0], process: 0, admissions, timeline)
        await Self.requests(20, to: gates[1], process: 1, admissions, timeline)
        try await Self.runUntilAllAdmitted(admissions, timeline)

        let instants = await admissions.instants()
        #expect(instants.count == 40)
        #expect(Set(instants).count == 40, "every request let through at its own instant: \(Self.ms(instants))")
        #expect(Self.gaps(instants).allSatisfy { $0 >= 100_000 }, "consecutive requests of both processes 0.1 s apart or more: \(Self.ms(instants)) ms")
        #expect(instants.first == .zero, "the first goes at once")
        #expect(await admissions.instants(of: 0).count == 20)
        #expect(await admissions.instants(of: 1).count == 20)

        let reservations = await ledger.reservations
        #expect(Set(reservations.map(\.process)) == [0, 1], "both processes reserved")
        #expect(reservations.allSatisfy { $0.account == "acme" && $0.service == .kaleyra && $0.rate == 10 })
        #expect(reservations.allSatisfy { (1...2).contains($0.count) }, "at most `batch` (2) each: \(reservations.map(\.count))")
        // Exactly as many reserved as let through: a slot reserved for no request is time of the
        // account's budget that no process uses (and a turn a later request may take out of time).
        // Fails when a process's first reservation was of 1: see the next test.
        #expect(await ledger.reserved == 40, "reserved by process: \(reservations.map { "\($0.process):\($0.count)" })")
        // Far fewer reservations than requests: 20 per process, 2 at a time (the first may be of 1).
        for process in 0...1 {
            #expect(reservations.filter { $0.process == process }.count <= 11, "process \(process): \(reservations.filter { $0.process == process }.map(\.count))")
        }
        #expect(reservations.count < 40)
        // A reservation asks for no more than wait in its process: none had more than 20.
        for process in 0...1 {
            let asked = reservations.filter { $0.process == process }
            for (index, reservation) in asked.enumerated() {
                let admittedBefore = await admissions.instants(of: process).filter { $0 < reservation.at }.count
                #expect(reservation.count <= 20 - admittedBefore, "reservation \(index) of process \(process)")
            }
        }
        // The reservations' starts, in the order the ledger answered, are 0.1 s apart or more.
        let ends = reservations.map { $0.at + .seconds($0.startsIn) }
        #expect(Self.gaps(ends).allSatisfy { $0 >= 100_000 })
    }

    /// A reservation asks for the requests that wait without a slot, not for those that already
    /// have one: a slot reserved for nobody stays in the gate, and a request long after takes it,
    /// going at once beside another process's request whose turn the ledger gave for that time.
    @Test func aReservationAsksOnlyForRequestsWithoutASlotAndNoStaleSlotIsUsed() async throws {
        let timeline = Timeline()
        let ledger = FakeLedger(clock: timeline.elapsed)
        let (a, b) = (Self.gate(ledger, process: 0, timeline), Self.gate(ledger, process: 1, timeline))
        let admissions = Admissions()
        // One request, let through at once; then a second, holding its slot at 0.1 s.
        await Self.requests(1, to: a, process: 0, admissions, timeline)
        try await timeline.settled("the first request let through") { await admissions.pending }
        await Self.requests(1, to: a, process: 0, admissions, timeline)
        try await timeline.settled("the second request holds its slot") { await admissions.pending }
        // A third arrives while the second holds its slot: one request waits without a slot.
        await Self.requests(1, to: a, process: 0, admissions, timeline)
        try await timeline.settled("the third request holds its slot") { await admissions.pending }
        #expect(await ledger.reservations.map(\.count) == [1, 1, 1], "each reservation for the one request without a slot")
        #expect(await ledger.reserved == 3, "3 requests, 3 reserved")
        try await Self.runUntilAllAdmitted(admissions, timeline)
        #expect(Self.ms(await admissions.instants()) == [0, 100, 200])

        // Long after, one request of each process: the ledger gives them 5.0 s and 5.1 s.
        await timeline.advance(to: .seconds(5))
        await Self.requests(1, to: b, process: 1, admissions, timeline)
        try await Self.runUntilAllAdmitted(admissions, timeline)
        await Self.requests(1, to: a, process: 0, admissions, timeline)
        try await Self.runUntilAllAdmitted(admissions, timeline)
        let instants = await admissions.instants()
        #expect(Self.ms(instants) == [0, 100, 200, 5_000, 5_100], "no request on a slot reserved 5 s before")
        #expect(Set(instants).count == instants.count && Self.gaps(instants).allSatisfy { $0 >= 100_000 },
                "the two processes never go together: \(Self.ms(instants)) ms")
    }

    // MARK: 2. The ledger cannot be reached

    @Test func withoutTheLedgerRequestsFallBackToTheProcesssBudgetAndTheLedgerIsAskedAgainAfter30Seconds() async throws {
        let timeline = Timeline()
        let ledger = FakeLedger(clock: timeline.elapsed)
        await ledger.setUnreachable(true)
        let fallback = RateGate(service: .kaleyra, requestsPerSecond: 10, clock: timeline.elapsed, wall: { Self.wall })
        let gate = Self.gate(ledger, process: 0, timeline, fallback: fallback)
        let admissions = Admissions()
        // Five requests at once: the ledger is asked once, and they go at the process's own 10/s.
        await Self.requests(5, to: gate, process: 0, admissions, timeline)
        try await Self.runUntilAllAdmitted(admissions, timeline)
        #expect(Self.ms(await admissions.instants()) == [0, 100, 200, 300, 400], "paced by the fallback at 10/s")
        #expect(await ledger.reservationCalls == 1, "asked once for them all")
        #expect(await ledger.reservations.isEmpty)

        // Until 30 s after it failed the ledger is not asked again.
        await timeline.advance(to: .milliseconds(29_900))
        await Self.requests(2, to: gate, process: 0, admissions, timeline)
        try await Self.runUntilAllAdmitted(admissions, timeline, limit: .seconds(30))
        #expect(Self.ms(Array(await admissions.instants().suffix(2))) == [29_900, 30_000], "the fallback's pace: 0.1 s apart")
        #expect(await ledger.reservationCalls == 1)

        // At 30 s it is; still unreachable, the fallback goes on (its next turn at 30.1 s), for 30 s more.
        #expect(timeline.now == .seconds(30))
        await Self.requests(1, to: gate, process: 0, admissions, timeline)
        try await Self.runUntilAllAdmitted(admissions, timeline)
        #expect(await ledger.reservationCalls == 2)
        #expect(Self.ms(await admissions.instants().last!) == 30_100)
        await ledger.setUnreachable(false)
        await timeline.advance(to: .seconds(59))
        await Self.requests(1, to: gate, process: 0, admissions, timeline)
        try await Self.runUntilAllAdmitted(admissions, timeline)
        #expect(await ledger.reservationCalls == 2, "not before 60 s, though it could be reached")

        // Reachable again at 60 s: requests go by the ledger's reservations again.
        await timeline.advance(to: .seconds(60))
        await Self.requests(2, to: gate, process: 0, admissions, timeline)
        try await Self.runUntilAllAdmitted(admissions, timeline)
        #expect(await ledger.reservationCalls >= 3)
        #expect(await ledger.reserved == 2)
        #expect(await ledger.reservations.allSatisfy { $0.at == .seconds(60) })
        #expect(Self.ms(Array(await admissions.instants().suffix(2))) == [60_000, 60_100])
        #expect(await fallback.waiting == 0)
    }

    // MARK: 3. A throttled answer

    @Test func aThrottledAnswerPausesTheGateTellsTheLedgerAndDropsTheSlotsReservedBefore() async throws {
        let timeline = Timeline()
        let ledger = FakeLedger(clock: timeline.elapsed)
        let gate = Self.gate(ledger, process: 0, timeline)
        let admissions = Admissions()
        // One let through at once; two more hold slots at 0.1 and 0.2 s.
        await Self.requests(1, to: gate, process: 0, admissions, timeline)
        try await timeline.settled("the first request let through") { await admissions.pending }
        await Self.requests(2, to: gate, process: 0, admissions, timeline)
        try await timeline.settled("two requests hold slots") { await admissions.pending }
        #expect(timeline.wakes() == [.milliseconds(100), .milliseconds(200)])
        let reservedBefore = await ledger.reservations.count

        await timeline.advance(to: .milliseconds(50))
        #expect(await gate.pausedUntilDate == nil)
        #expect(await gate.throttled(retryAfter: 2) == 2)
        #expect(await gate.throttles == 1)
        #expect(await gate.currentRate == 5, "halved")
        #expect(await gate.pausedUntilDate == Self.wall + 2)
        try await eventually("the ledger was told") { await !ledger.throttles.isEmpty }
        #expect(await ledger.throttles == [.init(process: 0, at: .milliseconds(50), account: "acme", service: .kaleyra, pause: 2, rate: 10)])

        // One more after the pause began; none goes before it ends (at 2.05 s), not even the two
        // whose slots fall in it.
        await Self.requests(1, to: gate, process: 0, admissions, timeline)
        #expect(try await !Self.run(admissions, timeline, until: .milliseconds(2_049)))
        #expect(await admissions.all.count == 1, "none let through during the pause")
        #expect(await gate.pausedUntilDate != nil)
        #expect(await ledger.reservations.count == reservedBefore, "nothing reserved during the pause")

        try await Self.runUntilAllAdmitted(admissions, timeline)
        // After the pause, at the ledger's halved pace, from a reservation made then.
        #expect(Self.ms(await admissions.instants()) == [0, 2_050, 2_250, 2_450])
        let after = await ledger.reservations.dropFirst(reservedBefore)
        #expect(after.first?.at == .milliseconds(2_050) && after.first?.startsIn == 0 && after.allSatisfy { $0.pace == 5 },
                "\(Array(after))")
        #expect(after.map(\.count).reduce(0, +) >= 3, "every request after the pause on a new reservation")
        #expect(await gate.pausedUntilDate == nil)
        #expect(await gate.currentRate == 5)
    }

    /// Another process's 429 pauses this one too, and this one says so (the dashboard's status
    /// line reads `pausedUntilDate`) although it was never throttled itself.
    @Test func anotherProcesssThrottledAnswerIsSaidHereToo() async throws {
        let timeline = Timeline()
        let ledger = FakeLedger(clock: timeline.elapsed)
        let (a, b) = (Self.gate(ledger, process: 0, timeline), Self.gate(ledger, process: 1, timeline))
        let admissions = Admissions()
        await Self.requests(1, to: a, process: 0, admissions, timeline)
        try await timeline.settled("a's first request let through") { await admissions.pending }
        #expect(await a.throttled(retryAfter: 3) == 3)
        try await eventually("the ledger was told") { await !ledger.throttles.isEmpty }
        #expect(await b.pausedUntilDate == nil, "b has reserved nothing yet")

        // b asks: its reservation starts after the pause, and b says why until the pause ends.
        await Self.requests(1, to: b, process: 1, admissions, timeline)
        try await timeline.settled("b's request waits for its slot") { await admissions.pending }
        #expect(await b.throttles == 0)
        #expect(await b.pausedUntilDate == Self.wall + 3)
        try await Self.runUntilAllAdmitted(admissions, timeline)
        #expect(Self.ms(await admissions.instants(of: 1)) == [3_000], "not before the pause ends")
        #expect(await b.pausedUntilDate == nil)
    }

    // MARK: 4. Through HTTPTransport

    /// Kaleyra requests the simulator has received, in milliseconds after the test began.
    private static func arrivals(_ harness: Harness) -> [Int] {
        harness.simulator.receivedRequests().filter { $0.rawPath.hasPrefix("/v1/") }
            .map { Int(($0.simulatedDate.timeIntervalSince(Date(timeIntervalSince1970: 1_795_000_000)) * 1000).rounded()) }
    }

    /// `count` lookups at once through `service`; the failures' messages.
    private static func lookups(_ count: Int, _ service: RefundService, _ harness: Harness) -> Task<[String], Never> {
        let ids = harness.simulator.catalogue.orders.map(\.referenceID)
        return Task {
            await withTaskGroup(of: String?.self) { group in
                for index in 0..<count {
                    group.addTask {
                        do throws(RefundWatchError) {
                            _ = try await service.report(referenceID: ids[index % ids.count])
                            return nil
                        } catch {
                            return error.message
                        }
                    }
                }
                return await group.reduce(into: [String]()) { if let failure = $1 { $0.append(failure) } }
            }
        }
    }

    /// Moves the clock from one of the budget's wake-ups (within `horizon`) to the next, each time
    /// once every request not sent yet sleeps for its turn, until the simulator has received `total`.
    private static func runUntilSent(_ total: Int, _ harness: Harness, _ timeline: Timeline, horizon: Duration) async throws {
        while true {
            try await timeline.settled("each request not sent yet sleeps for its turn", horizon: horizon) { total - arrivals(harness).count }
            if arrivals(harness).count >= total { return }
            let next = try #require(timeline.wakes(within: horizon).min(), "requests wait, yet nothing sleeps")
            await timeline.advance(to: next)
        }
    }

    /// A process with the team's ledger: a service of its own on the shared fake.
    private static func service(_ harness: Harness, _ ledger: FakeLedger, process: Int, _ timeline: Timeline) -> RefundService {
        var configuration = harness.configuration
        configuration.payu = nil
        configuration.http.requestsPerSecond = [.kaleyra: 10]
        return RefundService(configuration: configuration, team: ledger.process(process), clock: timeline.clock)
    }

    @Test func twoServicesOnOneLedgerSendTheirRequestsInTurnsThroughTheTransport() async throws {
        let timeline = Timeline()
        let harness = try await Harness.start(rateLimits: try RateLimitSpec.parse("kaleyra=10/s"), clock: timeline.clock)
        let ledger = FakeLedger(clock: timeline.elapsed)
        let services = [Self.service(harness, ledger, process: 0, timeline), Self.service(harness, ledger, process: 1, timeline)]
        let lookups = [Self.lookups(10, services[0], harness), Self.lookups(10, services[1], harness)]
        // The budget's sleeps are within 5 s; a call's deadline (10 s after it went) is further.
        let horizon = Duration.seconds(5)
        try await Self.runUntilSent(20, harness, timeline, horizon: horizon)
        for lookup in lookups {
            let failures = try await finished(Task { await lookup.value }, "the lookups finished", nudging: timeline.clock.testClock)
            #expect(failures.isEmpty, "\(failures.count) failed: \(failures.first ?? "")")
        }
        let arrivals = Self.arrivals(harness)
        #expect(arrivals.first == 0 && Set(arrivals).count == 20, "\(arrivals)")
        #expect(zip(arrivals.sorted().dropFirst(), arrivals.sorted()).allSatisfy { $0 - $1 >= 100 }, "0.1 s apart or more: \(arrivals.sorted())")
        #expect(harness.simulator.overBudgetRequests(.kaleyra).isEmpty)
        let reservations = await ledger.reservations
        #expect(Set(reservations.map(\.process)) == [0, 1] && reservations.count < 20 && reservations.allSatisfy { $0.count <= 2 })
        #expect(reservations.allSatisfy { $0.account == HTTPTransport.defaultAccount && $0.service == .kaleyra && $0.rate == 10 })
        for service in services { await service.shutdown() }
        await harness.stop()
    }

    @Test func aServiceThrottledPausesTheOtherThroughTheLedger() async throws {
        let timeline = Timeline()
        let harness = try await Harness.start(faults: try FaultSpec.parse("kaleyra:429=x1,retry-after=3"), clock: timeline.clock)
        let ledger = FakeLedger(clock: timeline.elapsed)
        let (a, b) = (Self.service(harness, ledger, process: 0, timeline), Self.service(harness, ledger, process: 1, timeline))
        // A's lookup is answered 429 with Retry-After: 3; the ledger hears of it.
        let first = Self.lookups(1, a, harness)
        try await eventually("the ledger was told of the throttled answer", nudging: timeline.clock.testClock) { await !ledger.throttles.isEmpty }
        #expect(await ledger.throttles.map { [$0.process, Int($0.pause), Int($0.rate)] } == [[0, 3, 10]])
        #expect(Self.arrivals(harness) == [0])
        // B has not been throttled, yet its lookup waits for the end of A's pause.
        let second = Self.lookups(1, b, harness)
        let horizon = Duration.seconds(5)
        try await timeline.settled("A's retry and B's lookup wait", horizon: horizon) { 2 }
        await timeline.advance(to: .milliseconds(2_999))
        try await timeline.settled("A's retry and B's lookup still wait", horizon: horizon) { 2 }
        #expect(Self.arrivals(harness) == [0], "nothing during the pause")
        // Then B's lookup (its turn reserved during the pause), and A's retry at the halved pace.
        try await Self.runUntilSent(3, harness, timeline, horizon: horizon)
        for lookup in [first, second] {
            let failures = try await finished(Task { await lookup.value }, "the lookups finished", nudging: timeline.clock.testClock)
            #expect(failures.isEmpty, "\(failures.count) failed: \(failures.first ?? "")")
        }
        #expect(Self.arrivals(harness) == [0, 3_000, 3_200])
        let stateA = try #require(await a.budgetState(.kaleyra))
        let stateB = try #require(await b.budgetState(.kaleyra))
        #expect(stateA.throttles == 1 && stateA.requestsPerSecond == 5)
        #expect(stateB.throttles == 0 && stateB.requestsPerSecond == 5, "the ledger's halved pace holds for B too")
        await a.shutdown()
        await b.shutdown()
        await harness.stop()
    }
}
