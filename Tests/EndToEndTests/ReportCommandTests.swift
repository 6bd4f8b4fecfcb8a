import Foundation
import Testing
import TestSupport

/// `refundwatch report` through the binary: the demo's month in each format, where it writes, and
/// what a bad argument or a bad place to write gets.
@Suite struct ReportCommandTests {
    @Test func theDemosMonthInEachFormatToStdoutOrAFile() async throws {
        let space = try StateWorkspace()
        let json = try await CLIRunner.run(["report", "--demo", "--since", "30d", "--format", "json"], environment: space.environment)
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["schema"] as? String == "refundwatch.report/1")
        // The demo store replays its month when it is made: ARNs came over the 30 days.
        let arn = try #require((object["time_to_arn"] as? [String: Any])?["window"] as? [String: Any])
        #expect((arn["count"] as? Int ?? 0) >= 20, "\(arn)")
        #expect(((object["fetch_health"] as? [String: Any])?["orders"] as? Int) == 68)

        let text = try await CLIRunner.run(["report", "--demo", "--since", "7d"], environment: space.environment)
        #expect(text.status == 0 && text.stdout.hasPrefix("refundwatch report: "), "\(text.stdout)")
        #expect(text.stdout.contains("\nTIME TO ARN (") && text.stdout.contains("\nPER DAY (IST)\n"))

        // The format from the file's extension; the file written whole, a line on stderr says so.
        let html = try await CLIRunner.run(["report", "--demo", "--output", space.folder + "/desk.html"], environment: space.environment)
        #expect(html.status == 0 && html.stdout.isEmpty, "\(html.stderr)")
        #expect(html.stderr.contains("wrote the report (html) to \(space.folder)/desk.html"))
        let page = try String(contentsOfFile: space.folder + "/desk.html", encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains("<svg"))
        let csv = try await CLIRunner.run(["report", "--demo", "--format", "csv", "--since", "2026-01-01"], environment: space.environment)
        #expect(csv.status == 0 && csv.stdout.hasPrefix("section,since,until,step,generated_at,source,accounts\r\n"), "\(csv.stderr)")
    }

    @Test func aBadSinceOrPlaceToWriteIsSaidAndNothingIsWritten() async throws {
        let space = try StateWorkspace()
        let since = try await CLIRunner.run(["report", "--demo", "--since", "last week"], environment: space.environment)
        #expect(since.status == 2)
        #expect(since.stderr.contains("--since \"last week\" is neither a duration nor a day; give e.g. 24h, 7d, 30d or 2026-12-01."), "\(since.stderr)")
        let future = try await CLIRunner.run(["report", "--demo", "--since", "2999-01-01"], environment: space.environment)
        #expect(future.status == 2 && future.stderr.contains("--since 2999-01-01 is not in the past"), "\(future.stderr)")
        let format = try await CLIRunner.run(["report", "--demo", "--format", "pdf"], environment: space.environment)
        #expect(format.status == 2 && format.stderr.contains("pdf"), "\(format.stderr)")
        let folder = try await CLIRunner.run(["report", "--demo", "--output", space.folder + "/missing/desk.json"], environment: space.environment)
        #expect(folder.status == 2)
        #expect(folder.stderr.contains("cannot write \(space.folder)/missing/desk.json: there is no folder \(space.folder)/missing."), "\(folder.stderr)")
        #expect(!FileManager.default.fileExists(atPath: space.folder + "/missing"))
    }
}
