import Foundation
import RefundKit
import RefundSimulator
import RefundStore
import WatchlistModel

/// `day`: a working day of polling a large watchlist, against refreshing everything every interval.
///
/// 10,000 orders (by default): 70% settled more than a day ago, 5% settled long ago (archived),
/// 25% active, each of which settles at a random moment in the next 16 hours (so about half of them
/// during the day). 80% are PayU orders (a PayU call beside the Kaleyra lookup). Eight simulated
/// hours go by at 30 s a cycle.
///
/// What is real: the schedule (`PollPolicy`, `PollPlan`, `WatchedOrder.due`, the summary's
/// `settledAt`) decides each cycle which orders are fetched, and every PayU call asks the real
/// `PayUTokenManager` for its token, which renews against the simulator's token endpoint over HTTP
/// on the simulator's clock (PayU's 7199 s lifetime). What is modelled: a fetch itself (its result
/// is the order's state at that moment: settled or not, and since when), since 8 hours of 10,000
/// orders would be millions of lookups.
struct DayBench {
    let orders: Int
    let hours: Double = 8
    let interval: TimeInterval = 30

    private struct Order {
        var row: WatchedOrder
        /// When the order settles (nil: it already had, at `row.summary.settledAt`).
        var settlesAt: Date?
        var payu: Bool
    }

    func run() async throws -> [Result] {
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        var options = SimulatorOptions()
        options.startDate = start
        options.speed = 1e-9   // the simulator's clock moves only with the bench's
        let simulator = try await RunningSimulator.start(options)
        let transport = HTTPTransport()
        let credentials = simulator.options.credentials
        let tokens = PayUTokenManager(
            settings: PayUOAuthSettings(tokenURL: simulator.payuTokenURL, clientID: credentials.clientID,
                                        clientSecret: Secret(credentials.clientSecret), refreshToken: Secret(credentials.refreshToken)),
            transport: transport, cacheDirectory: nil, now: { simulator.now() })

        var random = SplitMix(seed: 20_261_123)
        let policy = PollPolicy(interval: interval)
        let day: TimeInterval = 86_400
        var watchlist: [Order] = (0..<orders).map { index in
            let roll = random.unit()
            let payu = random.unit() < 0.8
            let order = TrackedOrder(id: Int64(index + 1), referenceID: "ORD-DAY-\(index)", addedAt: start.addingTimeInterval(-60 * day))
            let settledAt: Date?
            let fetchedAt: Date
            var settlesAt: Date?
            if roll < 0.70 {
                settledAt = start.addingTimeInterval(-day * (1 + 12 * random.unit()))
                fetchedAt = start.addingTimeInterval(-policy.settledInterval * random.unit())
            } else if roll < 0.75 {
                settledAt = start.addingTimeInterval(-day * (15 + 45 * random.unit()))
                fetchedAt = start.addingTimeInterval(-day * random.unit())
            } else {
                settledAt = nil
                fetchedAt = start.addingTimeInterval(-interval * random.unit())
                settlesAt = start.addingTimeInterval(16 * 3600 * random.unit())
            }
            let summary = OrderSummary(paymentStatus: "captured", amount: nil, transactionCount: 1, refundCount: 1, refundTotal: nil, stages: [:],
                                       arnPresent: 0, arnMissing: 0, deadlines: [], payuErrors: 0, arns: [], settledAt: settledAt)
            return Order(row: WatchedOrder(order: order, summary: summary, fetchedAt: fetchedAt), settlesAt: settlesAt, payu: payu)
        }
        let perFetch = watchlist.map { $0.payu ? 2 : 1 }
        let naivePerCycle = perFetch.reduce(0, +)
        let cycles = Int(hours * 3600 / interval)
        var naive = 0, made = 0, fetches = 0, madeSettled = 0
        var oldestActive: TimeInterval = 0
        let began = monotonicSeconds()
        for cycle in 0..<cycles {
            let now = start.addingTimeInterval(Double(cycle) * interval)
            let elapsed = simulator.now().timeIntervalSince(start)
            simulator.advanceClock(by: now.timeIntervalSince(start) - elapsed)
            naive += naivePerCycle
            // The oldest the data of an order still waiting for something gets: just before a
            // cycle fetches (a fetch takes no simulated time here).
            for order in watchlist where order.row.summary?.settledAt == nil {
                oldestActive = max(oldestActive, now.timeIntervalSince(order.row.fetchedAt!))
            }
            let plan = PollPlan(watchlist.map(\.row), policy: policy, now: now, ahead: interval / 2)
            for order in plan.due {
                let index = Int(order.id! - 1)
                made += perFetch[index]
                fetches += 1
                if watchlist[index].row.summary?.settledAt != nil { madeSettled += perFetch[index] }
                if watchlist[index].payu { _ = try await tokens.accessToken() }
                // The fetch: the order as it stands now.
                if let settles = watchlist[index].settlesAt, settles <= now {
                    watchlist[index].row.summary?.settledAt = settles
                    watchlist[index].settlesAt = nil
                }
                watchlist[index].row.fetchedAt = now
                watchlist[index].row.attemptedAt = now
            }
        }
        let seconds = monotonicSeconds() - began
        let tokenRequests = await tokens.tokenRequests
        let served = simulator.tokenRequestCount()
        await transport.shutdown()
        await simulator.stop()

        let ratio = Double(made) / Double(naive)
        let bound = interval + interval
        print(String(format: "day: %d orders, %d cycles of %.0f s (%.0f h), computed in %.1f s; %d fetches, %d requests for settled orders (%.2f%%)",
                     orders, cycles, interval, hours, seconds, fetches, madeSettled, 100 * Double(madeSettled) / Double(max(1, made))))
        return [
            Result(scenario: "day", measure: "requests in 8 h, \(orders) orders: polling what is due vs everything every 30 s",
                   median: "\(made) vs \(naive)", spread: "1 run (seeded)", target: "≤ 30% of naive",
                   verdict: String(format: "%.1f%% ", ratio * 100) + verdict(ratio <= 0.30)),
            Result(scenario: "day", measure: "oldest data of an order still active, just before any cycle",
                   median: String(format: "%.0f s", oldestActive), spread: "max over the day", target: "≤ interval + one cycle (60 s)",
                   verdict: verdict(oldestActive <= bound)),
            Result(scenario: "day", measure: "PayU token requests in 8 h (tokens last 7199 s)",
                   median: "\(tokenRequests)", spread: "simulator counted \(served)", target: "one per renewal",
                   verdict: verdict(tokenRequests == served && tokenRequests <= Int((hours * 3600 / (0.9 * 7199)).rounded(.up)) + 1)),
        ]
    }
}

/// A small seeded generator, so every run draws the same watchlist.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
