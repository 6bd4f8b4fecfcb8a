import Clocks
import Foundation
import RefundJobs
import RefundKit
import RefundSimulator
import RefundStore
import Synchronization
import Testing
import TestSupport
import WatchlistModel

/// A poller's world in one process: the simulator, a store holding some of its catalogue's orders,
/// a service, and clocks: `clock` for waiting (a test clock), `now` for the data (the same test
/// clock read as a date, so that due times move with it).
struct JobsFixture {
    let harness: Harness
    let store: any WatchlistStore
    let service: RefundService
    let clock: TestClock<Duration>
    /// The data's time when the test clock starts.
    let epoch: Date
    let start: TestClock<Duration>.Instant
    /// What the job said, line by line.
    let said = Said()

    static func make(orders count: Int, latency: LatencySpec = .none, concurrency: Int = 8,
                     store given: (any WatchlistStore)? = nil) async throws -> JobsFixture {
        let harness = try await Harness.start(latency: latency, orders: 400)
        var configuration = harness.configuration
        configuration.http.concurrency = concurrency
        // These tests are about claims, sleeps and stops, not timeouts: a whole suite run in
        // parallel on two cores once kept a loopback answer waiting past the harness's 10 s.
        configuration.http.requestTimeout = 60
        configuration.http.connectTimeout = 30
        let store: any WatchlistStore
        if let given { store = given } else { store = try await SQLiteStore.inMemory() }
        // Orders that can still change, so that they are due again every interval.
        let orders = harness.simulator.catalogue.orders.filter { moving.contains($0.scenario) }.prefix(count)
            .map { TrackedOrder(referenceID: $0.referenceID, addedAt: Date()) }
        _ = try await store.add(orders)
        let clock = TestClock()
        let (start, epoch) = (clock.now, harness.simulator.options.startDate ?? Date())
        let service = RefundService(configuration: configuration, now: dataTime(clock, start: start, epoch: epoch))
        return JobsFixture(harness: harness, store: store, service: service, clock: clock, epoch: epoch, start: start)
    }

    static let moving: Set<Scenario> = [.refundInProgress, .arnArrivesLater, .overdueNoARN, .multipleRefunds, .newPayment]

    /// An order of the catalogue's that is not on the watchlist yet.
    func untrackedMovingOrder(_ n: Int = 0) -> String {
        harness.simulator.catalogue.orders.filter { Self.moving.contains($0.scenario) }.dropFirst(50 + n).first!.referenceID
    }

    /// The epoch moved on as far as `clock` has from `start`.
    static func dataTime(_ clock: TestClock<Duration>, start: TestClock<Duration>.Instant, epoch: Date) -> @Sendable () -> Date {
        { epoch.addingTimeInterval(seconds(start.duration(to: clock.now))) }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    /// The data's time: the epoch moved on as far as the test clock.
    var now: @Sendable () -> Date { Self.dataTime(clock, start: start, epoch: epoch) }

    func job(interval: Double = 30, once: Bool = false, poller: String? = nil) -> PollJob<TestClock<Duration>> {
        let refresher = WatchlistRefresher(store: store, service: service, rules: DeadlineRules(), now: now)
        let said = self.said
        return PollJob(store: store, refresher: refresher, policy: PollPolicy(interval: interval), interval: interval, now: now, clock: clock,
                       poller: Poller(lease: 30, id: poller), once: once, say: { said.add($0) })
    }

    func stop() async {
        await service.shutdown()
        await harness.stop()
    }
}

/// Lines a job said, for a test to wait on.
final class Said: Sendable {
    private let lines = Mutex<[String]>([])
    func add(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}
