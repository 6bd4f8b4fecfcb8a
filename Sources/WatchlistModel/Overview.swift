import Foundation
import RefundModel

/// The window the overview and `report` look back over.
public enum OverviewWindow: String, Sendable, Hashable, CaseIterable {
    case day = "24h"
    case week = "7d"
    case month = "30d"

    public var seconds: TimeInterval {
        switch self {
        case .day: 86_400
        case .week: 7 * 86_400
        case .month: 30 * 86_400
        }
    }

    /// The next one, for the key that cycles them.
    public var next: OverviewWindow {
        let all = Self.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }
}

/// A stretch of time the numbers are counted over: `[since, until)`.
public struct OverviewPeriod: Sendable, Hashable {
    public var since: Date
    public var until: Date
    /// The accounts whose orders are counted (their names as configured); empty: every order.
    public var accounts: [String]

    public init(since: Date, until: Date, accounts: [String] = []) {
        self.since = since
        self.until = max(since, until)
        self.accounts = accounts
    }

    public static func last(_ window: OverviewWindow, until now: Date, accounts: [String] = []) -> OverviewPeriod {
        OverviewPeriod(since: now.addingTimeInterval(-window.seconds), until: now, accounts: accounts)
    }

    public var length: TimeInterval { until.timeIntervalSince(since) }
    /// The same length just before, to compare with ("p90 to ARN 41h, was 33h").
    public var before: OverviewPeriod { OverviewPeriod(since: since.addingTimeInterval(-length), until: since, accounts: accounts) }
    public func contains(_ date: Date) -> Bool { date >= since && date < until }

    /// The timeline's step: an hour over two days or less, else a day.
    public var step: OverviewStep { length <= 2 * 86_400 ? .hour : .day }

    /// The starts of the timeline's buckets, from the one holding `since` to the one holding the
    /// last moment before `until`.
    public var bucketStarts: [Date] {
        let first = step.start(of: since)
        let last = step.start(of: until.addingTimeInterval(-0.001))
        return stride(from: first.timeIntervalSince1970, through: last.timeIntervalSince1970, by: step.seconds).map(Date.init(timeIntervalSince1970:))
    }
}

/// The timeline's bucket: an hour or a day in India (on the hour, midnight to midnight IST; UTC+5:30
/// has no daylight saving, so a day is always 86,400 seconds, and India's hours start at half past
/// UTC's).
public enum OverviewStep: String, Sendable, Hashable {
    case hour
    case day

    /// India's offset from UTC.
    public static let indiaOffset: TimeInterval = 19_800

    public var seconds: TimeInterval { self == .hour ? 3600 : 86_400 }

    /// Where the bucket's start is counted from: India's midnight (and so its hours).
    public var offset: TimeInterval { Self.indiaOffset }

    public func start(of date: Date) -> Date {
        let shifted = date.timeIntervalSince1970 + offset
        return Date(timeIntervalSince1970: (shifted / seconds).rounded(.down) * seconds - offset)
    }
}

/// How old an open refund is, from its creation.
public enum AgeBucket: Int, Sendable, Hashable, CaseIterable, Comparable {
    case underDay, oneToThree, threeToFive, fiveToSeven, overSeven

    /// The bucket's lower bound, in seconds of age.
    public var lower: TimeInterval { [0, 1, 3, 5, 7][rawValue] * 86_400 }

    public var label: String { ["<24h", "1-3d", "3-5d", "5-7d", ">7d"][rawValue] }

    public init(age: TimeInterval) {
        self = Self.allCases.last { age >= $0.lower } ?? .underDay
    }

    public static func < (a: AgeBucket, b: AgeBucket) -> Bool { a.rawValue < b.rawValue }
}

/// How long a refund took to reach a milestone, for the histograms.
public enum SpanBucket: Int, Sendable, Hashable, CaseIterable, Comparable {
    case underSixHours, sixToTwelve, twelveToDay, oneToTwo, twoToThree, threeToFive, fiveToSeven, overSeven

    public var lower: TimeInterval { [0, 6, 12, 24, 48, 72, 120, 168][rawValue] * 3600 }

    public var label: String { ["<6h", "6-12h", "12-24h", "1-2d", "2-3d", "3-5d", "5-7d", ">7d"][rawValue] }

    public init(seconds: TimeInterval) {
        self = Self.allCases.last { seconds >= $0.lower } ?? .underSixHours
    }

    public static func < (a: SpanBucket, b: SpanBucket) -> Bool { a.rawValue < b.rawValue }
}

/// How long refunds took to a milestone within one period: a histogram, the median and the 90th
/// percentile (nearest rank: the value at rank ⌈p·n⌉ of the n sorted).
public struct SpanStats: Sendable, Hashable {
    /// Counts by `SpanBucket`, in its order.
    public var histogram: [Int]
    public var median: TimeInterval?
    public var p90: TimeInterval?

    public init(histogram: [Int] = Array(repeating: 0, count: SpanBucket.allCases.count), median: TimeInterval? = nil, p90: TimeInterval? = nil) {
        self.histogram = histogram
        self.median = median
        self.p90 = p90
    }

    public var count: Int { histogram.reduce(0, +) }

    /// The same from plain values.
    public init(_ spans: [TimeInterval]) {
        self.init(sorted: spans.sorted())
    }

    /// The same from values already sorted, lowest first (as the store reads them).
    public init(sorted: [TimeInterval]) {
        self.init()
        for span in sorted { histogram[SpanBucket(seconds: span).rawValue] += 1 }
        median = Self.rank(0.5, sorted)
        p90 = Self.rank(0.9, sorted)
    }

    /// The nearest-rank percentile: ⌈p·n⌉, as integers so SQL computes the same rank.
    public static func rankIndex(_ percent: Int, count: Int) -> Int { (percent * count + 99) / 100 }

    static func rank(_ p: Double, _ sorted: [TimeInterval]) -> TimeInterval? {
        guard !sorted.isEmpty else { return nil }
        return sorted[rankIndex(Int((p * 100).rounded()), count: sorted.count) - 1]
    }
}

/// Open refunds of one age at one stage: how many, and how much money (smallest units).
public struct OpenTally: Sendable, Hashable {
    public var age: AgeBucket
    public var progress: RefundProgress
    public var count: Int
    public var amountMinor: Int64

    public init(age: AgeBucket, progress: RefundProgress, count: Int, amountMinor: Int64) {
        self.age = age
        self.progress = progress
        self.count = count
        self.amountMinor = amountMinor
    }
}

/// One bucket of the timeline: refunds created, completed and failed in it.
public struct TimelineBucket: Sendable, Hashable {
    public var start: Date
    public var created: Int
    public var completed: Int
    public var failed: Int

    public init(start: Date, created: Int = 0, completed: Int = 0, failed: Int = 0) {
        self.start = start
        self.created = created
        self.completed = completed
        self.failed = failed
    }
}

/// Deadlines of one stage: passed now, and coming within 24 hours (not passed).
public struct DeadlineTally: Sendable, Hashable {
    public var stage: DeadlineStage
    public var late: Int
    public var dueSoon: Int

    public init(stage: DeadlineStage, late: Int, dueSoon: Int) {
        self.stage = stage
        self.late = late
        self.dueSoon = dueSoon
    }

    /// What "due soon" means.
    public static let soon: TimeInterval = 24 * 3600
}

/// Alerts of one rule not resolved, and of those how many nobody has acknowledged or snoozed.
public struct AlertTally: Sendable, Hashable {
    public var rule: AlertRule
    public var unresolved: Int
    public var unattended: Int

    public init(rule: AlertRule, unresolved: Int, unattended: Int) {
        self.rule = rule
        self.unresolved = unresolved
        self.unattended = unattended
    }
}

/// Refunds of one gateway (or payment method): open now, their money, and the median time to an
/// ARN for those whose ARN came in the period.
public struct GroupTally: Sendable, Hashable {
    public var name: String
    public var open: Int
    public var openAmountMinor: Int64
    public var arns: Int
    public var medianToARN: TimeInterval?

    public init(name: String, open: Int, openAmountMinor: Int64, arns: Int, medianToARN: TimeInterval?) {
        self.name = name
        self.open = open
        self.openAmountMinor = openAmountMinor
        self.arns = arns
        self.medianToARN = medianToARN
    }
}

/// How the fetching goes: orders whose last fetch failed (by why), stored without PayU's side, never
/// fetched, and the pollers.
public struct FetchHealth: Sendable, Hashable {
    public var orders: Int
    public var failing: Int
    /// Failing orders by `ErrorCategory` raw value ("rate_limited": throttled), most first.
    public var failingBy: [FailureTally]
    public var partlyFailing: Int
    public var neverFetched: Int
    public var pollers: [PollerPresence]

    public init(orders: Int = 0, failing: Int = 0, failingBy: [FailureTally] = [], partlyFailing: Int = 0, neverFetched: Int = 0,
                pollers: [PollerPresence] = []) {
        self.orders = orders
        self.failing = failing
        self.failingBy = failingBy
        self.partlyFailing = partlyFailing
        self.neverFetched = neverFetched
        self.pollers = pollers
    }

    /// Orders whose last fetch was refused for the request rate.
    public var throttled: Int { failingBy.first { $0.category == ErrorCategory.rateLimited.rawValue }?.count ?? 0 }
}

public struct FailureTally: Sendable, Hashable {
    public var category: String
    public var count: Int

    public init(category: String, count: Int) {
        self.category = category
        self.count = count
    }
}

/// The picture of the whole desk over a period: what the overview screen draws and `report`
/// prints. Every number is counted by the store in SQL from its `refund_fact` rows, the summary
/// columns and the alerts.
public struct Overview: Sendable, Hashable {
    public var period: OverviewPeriod
    /// The moment "open", "late" and ages are judged at (the period's end).
    public var now: Date { period.until }
    /// Open refunds by age and stage; only the cells with refunds.
    public var open: [OpenTally]
    /// Refunds whose ARN came in the period (and the one before): creation to ARN.
    public var toARN: SpanStats
    public var toARNBefore: SpanStats
    /// Refunds completed in the period (and the one before): creation to completion.
    public var toCompletion: SpanStats
    public var toCompletionBefore: SpanStats
    /// Created, completed and failed per `period.step`, one bucket each of `period.bucketStarts`.
    public var timeline: [TimelineBucket]
    /// Deadlines late and due within 24 hours, by stage, every stage listed.
    public var deadlines: [DeadlineTally]
    /// Unresolved alerts by rule, every rule listed.
    public var alerts: [AlertTally]
    /// By gateway and by payment method, the most open first.
    public var gateways: [GroupTally]
    public var methods: [GroupTally]
    public var health: FetchHealth

    public init(period: OverviewPeriod, open: [OpenTally] = [], toARN: SpanStats = SpanStats(), toARNBefore: SpanStats = SpanStats(),
                toCompletion: SpanStats = SpanStats(), toCompletionBefore: SpanStats = SpanStats(), timeline: [TimelineBucket] = [],
                deadlines: [DeadlineTally] = [], alerts: [AlertTally] = [], gateways: [GroupTally] = [], methods: [GroupTally] = [],
                health: FetchHealth = FetchHealth()) {
        self.period = period
        self.open = open
        self.toARN = toARN
        self.toARNBefore = toARNBefore
        self.toCompletion = toCompletion
        self.toCompletionBefore = toCompletionBefore
        self.timeline = timeline
        self.deadlines = deadlines
        self.alerts = alerts
        self.gateways = gateways
        self.methods = methods
        self.health = health
    }

    public var openCount: Int { open.reduce(0) { $0 + $1.count } }
    public var openAmountMinor: Int64 { open.reduce(0) { $0 + $1.amountMinor } }

    public func open(_ age: AgeBucket) -> [OpenTally] { open.filter { $0.age == age } }
}

/// A part of the overview that can be chosen, standing for exactly the orders counted in it: the
/// watchlist opens filtered to those (`WatchlistStore.overviewOrders`).
public enum OverviewSelection: Sendable, Hashable {
    /// Open refunds of this age (at this stage; nil: any).
    case open(AgeBucket, RefundProgress?)
    /// Refunds whose ARN came in the period after this long.
    case toARN(SpanBucket)
    /// Refunds completed in the period after this long.
    case toCompletion(SpanBucket)
    /// Refunds created, completed or failed in the timeline bucket starting then.
    case created(Date)
    case completed(Date)
    case failed(Date)
    /// Deadlines of the stage passed (`late`) or due within 24 hours.
    case deadline(DeadlineStage, late: Bool)
    /// Orders with an unresolved alert of the rule.
    case alert(AlertRule)
    /// Open refunds of a gateway, or a payment method.
    case gateway(String)
    case method(String)
    /// Orders whose last fetch failed (of this category; nil: any).
    case failing(String?)

    /// "open 3-5d at the bank": what the filtered watchlist says it shows.
    public var title: String {
        func time(_ date: Date) -> String { Self.format(date) }
        switch self {
        case .open(let age, let progress): return "open \(age.label)" + (progress.map { " " + $0.label } ?? "")
        case .toARN(let span): return "ARN after \(span.label)"
        case .toCompletion(let span): return "completed after \(span.label)"
        case .created(let start): return "created \(time(start))"
        case .completed(let start): return "completed \(time(start))"
        case .failed(let start): return "failed \(time(start))"
        case .deadline(let stage, let late): return "\(stage.name) deadline " + (late ? "passed" : "within 24h")
        case .alert(let rule): return "alert: \(rule.title)"
        case .gateway(let name): return "open on \(name)"
        case .method(let name): return "open by \(name)"
        case .failing(let category): return "fetch failing" + (category.map { " (\($0))" } ?? "")
        }
    }

    /// "5 Dec 14:00" in India's time.
    public static func format(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: Int(OverviewStep.indiaOffset)) ?? .gmt
        let c = calendar.dateComponents([.day, .month, .hour, .minute], from: date)
        let month = OverviewWords.month(c.month ?? 1)
        func two(_ n: Int?) -> String { n.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return c.hour == 0 && c.minute == 0 ? "\(c.day ?? 1) \(month)" : "\(c.day ?? 1) \(month) \(two(c.hour)):\(two(c.minute))"
    }
}

/// The overview's numbers in words, the same on the screen and in `report`.
public enum OverviewWords {
    /// "₹12,34,567": whole rupees (paise rounded), in Indian grouping.
    public static func rupees(_ paise: Int64) -> String {
        let rupees = (paise + (paise >= 0 ? 50 : -50)) / 100
        return Money(amount: Decimal(rupees), currency: "INR", fractionDigits: 0).formatted
    }

    /// "12,34,567": a count in Indian grouping.
    public static func count(_ number: Int) -> String {
        number < 0 ? "-" + count(-number) : Money.group(String(number), indian: true)
    }

    /// A span for the histograms' figures: minutes under an hour, hours up to three days ("41h",
    /// as PayU counts the ARN's), days beyond ("4.5d"); "—" for none.
    public static func span(_ seconds: TimeInterval?) -> String {
        guard let seconds, seconds.isFinite else { return "—" }
        if seconds < 3600 { return "\(Int((seconds / 60).rounded()))m" }
        if seconds < 72 * 3600 { return "\(Int((seconds / 3600).rounded()))h" }
        let days = seconds / 86_400
        return days < 10 ? "\((days * 10).rounded() / 10)d".replacingOccurrences(of: ".0d", with: "d") : "\(Int(days.rounded()))d"
    }

    /// A deadline's stage as the overview and `report` name it: "PayU queue", "ARN".
    public static func stage(_ stage: DeadlineStage) -> String {
        switch stage {
        case .payment: "payment"
        case .queued: "PayU queue"
        case .bank: "bank"
        case .arn: "ARN"
        case .credit: "credit"
        }
    }

    /// An error category ("rate_limited") in words: "rate limited".
    public static func category(_ category: String) -> String {
        category.isEmpty ? "other" : category.replacingOccurrences(of: "_", with: " ")
    }

    /// "Dec" for 12.
    public static func month(_ number: Int) -> String {
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][max(0, min(11, number - 1))]
    }

    /// "median 18h, p90 41h (was 15h, 33h)": a window's figures against the one before.
    public static func figures(_ now: SpanStats, before: SpanStats) -> String {
        guard now.count > 0 else { return before.count > 0 ? "none (was median \(span(before.median)), p90 \(span(before.p90)))" : "none yet" }
        let was = before.count > 0 ? " (was \(span(before.median)), \(span(before.p90)))" : ""
        return "median \(span(now.median)), p90 \(span(now.p90))\(was)"
    }
}
