import Foundation
import RefundJobs
import RefundKit
import Testing
import TestSupport
import WatchlistModel

/// `report --format html`: the page's exact bytes against `Reports/overview.html`, hostile names
/// escaped, nothing that asks for anything, and Chromium opening it, drawing it and printing its DOM.
/// Set RECORD_REPORTS=1 to write what the code makes now into `Reports/` (then read the page).
@Suite struct OverviewReportHTMLTests {
    static let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    /// Numbers in every section: open refunds at every stage in four age buckets, ARNs and
    /// completions in both windows, a week of days, late and due deadlines, alerts, two gateways,
    /// three methods (one not said), failing orders of two kinds, two pollers.
    static func overview(gateways: [GroupTally]? = nil, methods: [GroupTally]? = nil, failingBy: [FailureTally]? = nil) -> Overview {
        let period = OverviewPeriod.last(.week, until: t0)
        var histogram = Array(repeating: 0, count: SpanBucket.allCases.count)
        histogram[SpanBucket.sixToTwelve.rawValue] = 3
        histogram[SpanBucket.twelveToDay.rawValue] = 6
        histogram[SpanBucket.oneToTwo.rawValue] = 9
        histogram[SpanBucket.threeToFive.rawValue] = 2
        histogram[SpanBucket.overSeven.rawValue] = 1
        var before = histogram
        before[SpanBucket.oneToTwo.rawValue] = 4
        before[SpanBucket.twoToThree.rawValue] = 5
        let failures = failingBy ?? [FailureTally(category: "rate_limited", count: 2), FailureTally(category: "network", count: 1)]
        return Overview(
            period: period,
            open: [
                OpenTally(age: .underDay, progress: .pending, count: 3, amountMinor: 450_000),
                OpenTally(age: .underDay, progress: .queued, count: 4, amountMinor: 1_234_500),
                OpenTally(age: .underDay, progress: .arn, count: 8, amountMinor: 5_000_000),
                OpenTally(age: .oneToThree, progress: .bank, count: 6, amountMinor: 900_000),
                OpenTally(age: .oneToThree, progress: .unsettled, count: 5, amountMinor: 2_500_050),
                OpenTally(age: .fiveToSeven, progress: .arn, count: 1, amountMinor: 99_900),
                OpenTally(age: .overSeven, progress: .arn, count: 2, amountMinor: 12_345_600),
            ],
            toARN: SpanStats(histogram: histogram, median: 30 * 3600, p90: 41 * 3600),
            toARNBefore: SpanStats(histogram: before, median: 20 * 3600, p90: 33 * 3600),
            toCompletion: SpanStats(histogram: before, median: 50 * 3600, p90: 80 * 3600),
            toCompletionBefore: SpanStats(histogram: histogram, median: 44 * 3600, p90: 70 * 3600),
            timeline: period.bucketStarts.enumerated().map { TimelineBucket(start: $1, created: 6 + $0 * 2, completed: 3 + $0, failed: $0 == 3 ? 2 : $0 % 2) },
            deadlines: DeadlineStage.allCases.map { DeadlineTally(stage: $0, late: $0 == .arn ? 2 : $0 == .bank ? 1 : 0, dueSoon: $0 == .queued ? 1 : $0 == .arn ? 4 : 0) },
            alerts: AlertRule.allCases.map { rule in
                AlertTally(rule: rule, unresolved: rule == .deadlinePassed ? 3 : rule == .fetchFailing ? 1 : 0, unattended: rule == .deadlinePassed ? 1 : 0)
            },
            gateways: gateways ?? [GroupTally(name: "payu", open: 27, openAmountMinor: 22_530_050, arns: 21, medianToARN: 30 * 3600),
                                   GroupTally(name: "razorpay", open: 2, openAmountMinor: 0, arns: 0, medianToARN: nil)],
            methods: methods ?? [GroupTally(name: "upi", open: 18, openAmountMinor: 6_234_500, arns: 14, medianToARN: 26 * 3600),
                                 GroupTally(name: "card", open: 9, openAmountMinor: 14_845_650, arns: 7, medianToARN: 44 * 3600),
                                 GroupTally(name: "", open: 2, openAmountMinor: 1_350_000, arns: 0, medianToARN: nil)],
            health: FetchHealth(orders: 40, failing: 3, failingBy: failures, partlyFailing: 1, neverFetched: 2,
                                pollers: [PollerPresence(id: "p1", host: "desk-1", pid: 4242, sinceBeat: 3, sinceCycle: 14),
                                          PollerPresence(id: "p2", host: "desk-2", pid: 77, sinceBeat: 8, sinceCycle: nil)]))
    }

    static func report(_ overview: Overview = overview(), source: String = "/var/lib/refundwatch/watchlist.sqlite") -> OverviewReport {
        OverviewReport(overview: overview, rules: DeadlineRules(), generatedAt: t0.addingTimeInterval(95), source: source)
    }

    /// The charts every page has (open refunds, two histograms, the timeline), and one small bar a
    /// gateway and a method.
    static let charts = 4 + 2 + 3

    @Test func thePageIsExactlyTheRecordedOne() throws {
        let html = try Self.report().render(.html)
        #expect(html == Self.report().html, "the same value makes the same bytes")
        try expectFile(html, "overview.html")
        // What a reader sees first, section by section, in the screen's order.
        let order = ["<h1>refundwatch report</h1>",
                     "11 Nov 2026 16:36 IST – 18 Nov 2026 16:36 IST", "Generated</dt><dd>18 Nov 2026 16:38 IST",
                     "/var/lib/refundwatch/watchlist.sqlite",
                     "Open refunds by age", "29 refunds · ₹2,25,301",
                     "Time to ARN", "21 · median 30h, p90 41h (was 20h, 33h)",
                     "Time to completion", "21 · median 50h, p90 3.3d (was 44h, 70h)",
                     "Per day", "104 created, 52 completed, 5 failed",
                     "Deadlines", "72 business hours after creation",
                     "Open alerts", "By gateway", "By payment method", "(not said)",
                     "Fetch health", "desk-1", "14s ago", "none yet"]
        var from = html.startIndex
        for words in order {
            let found = try #require(html.range(of: words, range: from..<html.endIndex), "\(words) after what comes before it")
            from = found.upperBound
        }
        #expect(html.contains("<title>Time to ARN 1-2d: 9 this period, 4 the period before</title>"))
        #expect(html.contains("<title>&lt;24h, no ARN yet: 8 refunds, ₹50,000</title>"), "a stacked segment says its age, stage, count and money")
        #expect(html.contains("<tr><td>14 Nov</td><td class=\"num\">12</td><td class=\"num\">6</td><td class=\"num bad\">2</td></tr>"),
                "each day's numbers as text under the chart")
    }

    @Test func aDayIsDrawnAnHourABucketWithIndiasTimes() throws {
        var overview = Self.overview()
        overview.period = OverviewPeriod.last(.day, until: Self.t0)
        overview.timeline = overview.period.bucketStarts.map { TimelineBucket(start: $0, created: 1, completed: 0, failed: 0) }
        let html = Self.report(overview).html
        #expect(overview.timeline.count == 25, "a day from 16:36 is 25 of India's hours, 16:00 the first")
        #expect(html.contains("<h2 id=\"timeline-title\">Per hour</h2><span class=\"detail\">25 created, 0 completed, 0 failed</span>"))
        #expect(html.contains("<th>hour (IST)</th>"))
        #expect(html.contains("<title>17 Nov 16:00: 1 created</title>"), "the first hour's bar")
        #expect(html.contains(">16:00</text>") && html.contains(">17 Nov</text>") && html.contains(">18 Nov</text>"),
                "the axis: hours in India, each day's date under its first label")
    }

    @Test func hostileNamesAreShownEscapedAndNeverRaw() throws {
        let script = "<script>alert(1)</script>"
        let quote = "\"onload="
        let escapeCode = "\u{1B}[31m"
        let entity = "&amp;"
        let overview = Self.overview(
            gateways: [GroupTally(name: script, open: 3, openAmountMinor: 100, arns: 1, medianToARN: 3600),
                       GroupTally(name: entity, open: 1, openAmountMinor: 100, arns: 0, medianToARN: nil)],
            methods: [GroupTally(name: quote, open: 2, openAmountMinor: 100, arns: 0, medianToARN: nil),
                      GroupTally(name: "it's", open: 2, openAmountMinor: 100, arns: 0, medianToARN: nil)],
            failingBy: [FailureTally(category: escapeCode, count: 1), FailureTally(category: script, count: 1), FailureTally(category: quote, count: 1)])
        let html = Self.report(overview, source: "postgres://desk@db/\(script)\(escapeCode)").html
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.unicodeScalars.contains("\u{1B}"), "no ESC byte")
        #expect(!html.contains(quote) && !html.contains("it's"), "quotes never raw")
        #expect(!html.contains(">\(entity)</td>"), "an entity in a name is shown as typed, not passed on")
        // Shown, escaped: in cells, in the bars' titles and labels, and in the header.
        let shownScript = "&lt;script&gt;alert(1)&lt;/script&gt;"
        #expect(html.contains("<td class=\"name\">\(shownScript)</td>"))
        #expect(html.contains("<title>\(shownScript): 3 open refunds, ₹1</title>"))
        #expect(html.contains("aria-label=\"\(shownScript): 3 open\""))
        #expect(html.contains("<td class=\"name\">&amp;amp;</td>"))
        #expect(html.contains("<td class=\"name\">&quot;onload=</td>") && html.contains("aria-label=\"&quot;onload=: 2 open\""))
        #expect(html.contains("<td class=\"name\">it&#39;s</td>"))
        #expect(html.contains("<td class=\"name\">\\e[31m</td>"), "ESC shown as \\e, as on the terminal")
        #expect(html.contains("<dd>postgres://desk@db/\(shownScript)\\e[31m</dd>"))
    }

    @Test func thePageAsksForNothing() throws {
        let html = Self.report().html
        for request in ["http://", "https://", "src=", "href=", "<script", "<link", "<img", "<iframe", "<object", "@import", "<base", "javascript:"] {
            #expect(!html.lowercased().contains(request), "\(request) in the page")
        }
        // The only url() are the page's own patterns.
        let urls = html.components(separatedBy: "url(").dropFirst()
        #expect(!urls.isEmpty && urls.allSatisfy { $0.hasPrefix("#") }, "\(urls.map { $0.prefix(20) })")
        #expect(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"))
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"))
    }

    /// Chromium (Debian's `chromium`) opens the page headless: it prints the DOM with every chart
    /// and draws a screenshot. HOME, the XDG folders and its profile are in a temporary folder.
    @Test(.timeLimit(.minutes(3))) func chromiumDrawsThePage() async throws {
        let chromium = try #require(Self.onPath("chromium"),
                                    "chromium is not on PATH: install Debian's chromium package (apt-get install chromium) to run this test")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-report-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let html = Self.report().html
        let page = folder.appendingPathComponent("overview.html")
        try html.write(to: page, atomically: true, encoding: .utf8)
        let screenshot = folder.appendingPathComponent("overview.png")

        let shot = try await Self.runChromium(chromium, ["--screenshot=\(screenshot.path)", "--window-size=1200,2400", page.absoluteString], home: folder)
        #expect(shot.status == 0, "\(shot)\n\(shot.stderr)")
        let size = (try? FileManager.default.attributesOfItem(atPath: screenshot.path)[.size] as? Int) ?? 0
        #expect(size > 10_000, "the screenshot is \(size) bytes")

        let dump = try await Self.runChromium(chromium, ["--dump-dom", page.absoluteString], home: folder)
        #expect(dump.status == 0, "\(dump)\n\(dump.stderr)")
        let dom = dump.stdout
        #expect(dom.contains("<title>refundwatch report</title>"), "\(dom.prefix(400))")
        let svgs = dom.components(separatedBy: "<svg").count - 1
        #expect(svgs >= Self.charts && svgs == html.components(separatedBy: "<svg").count - 1, "\(svgs) charts in the DOM")
        #expect(dom.contains("Fetch health") && dom.contains("desk-2"), "the page was read to its end")
    }

    // MARK: - Helpers

    static func runChromium(_ chromium: String, _ arguments: [String], home: URL) async throws -> ProcessOutcome {
        let profile = home.appendingPathComponent("profile").path
        let environment: [String: String?] = [
            "HOME": home.path,
            "XDG_CONFIG_HOME": home.appendingPathComponent("config").path,
            "XDG_CACHE_HOME": home.appendingPathComponent("cache").path,
            "XDG_DATA_HOME": home.appendingPathComponent("data").path,
            "XDG_STATE_HOME": home.appendingPathComponent("state").path,
        ]
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile)", "--no-first-run", "--no-default-browser-check",
                     "--disable-extensions", "--disable-background-networking", "--disable-sync", "--hide-scrollbars"]
        return try await ProcessRunner.run(ProcessCommand(chromium, flags + arguments, environment: .inherited(changing: environment), timeout: .seconds(60)))
    }

    /// The program's path in PATH, as a shell would find it.
    static func onPath(_ program: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Compares `actual` with `Reports/NAME`; writes it there with RECORD_REPORTS=1, and beside it
    /// as `NAME.actual.html` when they differ.
    func expectFile(_ actual: String, _ file: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Reports")
        let path = folder.appendingPathComponent(file)
        let actualPath = folder.appendingPathComponent(file.replacingOccurrences(of: ".html", with: ".actual.html"))
        if ProcessInfo.processInfo.environment["RECORD_REPORTS"] == "1" {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try actual.write(to: path, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: path, encoding: .utf8)
        guard actual != expected else { return }
        try? actual.write(to: actualPath, atomically: true, encoding: .utf8)
        // The first line that differs, rather than two whole pages.
        let made = actual.components(separatedBy: "\n"), recorded = expected.components(separatedBy: "\n")
        let line = Array(zip(made, recorded)).firstIndex { $0.0 != $0.1 } ?? min(made.count, recorded.count)
        Issue.record("""
            \(file) differs from line \(line + 1); what was made is in Reports/\(actualPath.lastPathComponent)
            recorded: \(recorded.indices.contains(line) ? recorded[line] : "(the end)")
            made:     \(made.indices.contains(line) ? made[line] : "(the end)")
            """, sourceLocation: sourceLocation)
    }
}
