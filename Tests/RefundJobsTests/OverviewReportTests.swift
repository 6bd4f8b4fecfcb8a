import Foundation
import RefundJobs
import RefundKit
import RefundStore
import TestReports
import Testing
import WatchlistModel

/// `report`'s text, JSON, CSV and HTML for a fixed watchlist, byte for byte, and what each does with
/// hostile names from the APIs. The files are in `Reports/`; RECORD_REPORTS=1 writes what the code
/// prints now (then read every file).
@Suite struct OverviewReportTests {
    typealias B = ReportBuilder
    static let now = B.created.addingTimeInterval(5 * 86_400)
    static let hostileGateway = "evil\u{1B}]52;c;cm0gLXJmIH4=\u{07}<script>alert(1)</script>"
    static let hostileMethod = "=HYPERLINK(\"http://x\",\"pay\")"

    /// Six orders fetched twice each over five days: ARNs arriving between fetches, one failed
    /// refund, one still queued, a gateway and a method with hostile names, a fetch failure.
    static func report() async throws -> OverviewReport {
        let store = try await SQLiteStore.inMemory()
        let added = try await store.add((1...6).map { TrackedOrder(referenceID: "ORD-REPORT-\($0)", addedAt: B.created) }).added
        let day: TimeInterval = 86_400
        for (index, order) in added.enumerated() {
            let id = try #require(order.id)
            let created = B.created.addingTimeInterval(Double(index) * 0.5 * day)
            let gateway: Gateway = index == 5 ? Gateway(rawValue: hostileGateway) : .payu
            let method = (["upi", "card", "netbanking", hostileMethod, nil, "upi"] as [String?])[index]
            func fetch(_ record: PayURefundRecord?, status: RefundStatus, at: Date) -> OrderReport {
                let refund = B.refund("R\(index)", status: status, paise: 10_000 * (index + 1), created: created, payu: gateway == .payu ? record : nil)
                return B.order([B.transaction("T\(index)", gateway: gateway, refunds: [refund], method: method, created: created)], fetchedAt: at)
            }
            // First fetch half a day after creation: queued at PayU (pending elsewhere).
            _ = try await store.record(fetch(B.record("R\(index)", status: .queued), status: .pending, at: created.addingTimeInterval(0.5 * day)),
                                       orderID: id, rules: DeadlineRules())
            // Second fetch: the ARN came (settled for the first two), one failed, one still queued,
            // the hostile gateway's still pending.
            let second = created.addingTimeInterval(Double(index + 1) * 0.4 * day + 0.5 * day)
            let record: PayURefundRecord?
            let status: RefundStatus
            switch index {
            case 0, 1: (record, status) = (B.record("R\(index)", status: .success, arn: "ARN\(index)", settlement: "S\(index)"), .success)
            case 2: (record, status) = (B.record("R\(index)", status: .failure), .failed)
            case 3, 5: (record, status) = (B.record("R\(index)", status: .queued), .pending)
            default: (record, status) = (B.record("R\(index)", status: .success, arn: "ARN\(index)"), .success)
            }
            _ = try await store.record(fetch(record, status: status, at: min(second, now.addingTimeInterval(-60))), orderID: id, rules: DeadlineRules())
        }
        try await store.recordFailure(ReportedError(category: .rateLimited, service: .kaleyra, message: "Kaleyra asked to slow down"),
                                      at: now.addingTimeInterval(-120), orderID: try #require(added[3].id))
        let overview = try await store.overview(OverviewPeriod(since: now.addingTimeInterval(-7 * day), until: now))
        return OverviewReport(overview: overview, rules: DeadlineRules(), generatedAt: now, source: "watchlist.sqlite")
    }

    func expectFile(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Reports")
        let path = folder.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["RECORD_REPORTS"] == "1" {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try actual.write(to: path, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: path, encoding: .utf8)
        if actual != expected { try? actual.write(to: folder.appendingPathComponent(name + ".actual"), atomically: true, encoding: .utf8) }
        #expect(actual == expected, "Reports/\(name) differs; what was printed is in Reports/\(name).actual", sourceLocation: sourceLocation)
    }

    @Test func eachFormatPrintsTheFixedWatchlistExactly() async throws {
        let report = try await Self.report()
        #expect(report.overview.openCount == 3 && report.overview.toARN.count == 3 && report.overview.toCompletion.count == 2, "the fixture: \(report.overview)")
        try expectFile(try report.render(.text), "fixed.txt")
        try expectFile(try report.render(.json), "fixed.json")
        try expectFile(try report.render(.csv), "fixed.csv")
        try expectFile(try report.render(.html), "fixed.html")
    }

    @Test func theJSONFollowsItsDocumentedSchema() async throws {
        let data = Data(try await Self.report().render(.json).utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["schema"] as? String == "refundwatch.report/1")
        #expect(object["accounts"] as? [String] == [], "every account's orders")
        #expect(Set(object.keys) == ["schema", "generated_at", "source", "accounts", "since", "until", "step", "open", "time_to_arn", "time_to_completion",
                                     "timeline", "deadlines", "alerts", "gateways", "methods", "fetch_health"])
        let open = try #require(object["open"] as? [String: Any])
        let ages = try #require(open["by_age"] as? [[String: Any]])
        #expect(ages.map { $0["age"] as? String } == ["<24h", "1-3d", "3-5d", "5-7d", ">7d"])
        let arn = try #require((object["time_to_arn"] as? [String: Any])?["window"] as? [String: Any])
        #expect(arn["count"] as? Int == 3 && arn["median_seconds"] is Double)
        let health = try #require(object["fetch_health"] as? [String: Any])
        #expect(health["failing"] as? Int == 1)
        #expect((health["failing_by"] as? [[String: Any]])?.first?["category"] as? String == "rate_limited")
    }

    @Test func hostileNamesAreHarmlessInEveryFormat() async throws {
        let report = try await Self.report()
        let text = try report.render(.text)
        #expect(!text.contains("\u{1B}") && !text.contains("\u{07}"), "no raw escape reaches a terminal")
        #expect(text.contains("evil\\e]52;c;cm0gLXJmIH4=\\x07<script>"), "shown visibly: \(text)")
        let csv = try report.render(.csv)
        #expect(csv.contains("methods,'=HYPERLINK(\"\"http://x\"\",\"\"pay\"\")\",") || csv.contains("methods,\"'=HYPERLINK(\"\"http://x\"\",\"\"pay\"\")\","),
                "a formula is guarded: \(csv)")
        #expect(!csv.contains(",=HYPERLINK"))
        #expect(!csv.contains("\u{1B}") && csv.contains("evil\\e]52"), "control characters written visibly")
        let json = try report.render(.json)
        #expect(!json.contains("\u{1B}") && json.contains("\\u001b]52"), "JSON escapes control characters")
        let html = try report.render(.html)
        #expect(!html.contains("<script>alert(1)") && !html.contains("\u{1B}"), "HTML escapes the name")
    }
}
