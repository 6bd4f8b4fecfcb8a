import ArgumentParser
import Foundation
import RefundJobs
import RefundKit
import RefundStore
import WatchlistModel

/// `refundwatch report`: the overview's numbers for a lead's morning mail or a cron job.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The whole desk's numbers since a moment: open refunds by age and stage, time to ARN and to completion, refunds per day, deadlines, alerts, gateways, fetch health. No API call is made.",
        discussion: """
            The same numbers as the dashboard's overview (v), counted by the store. Text is for a mail; JSON has a \
            documented schema (docs/report.md); CSV is one table per section in one file; HTML is one page with its \
            charts inside it (no script, nothing fetched), for a browser or for print.
            """
    )

    @Option(help: ArgumentHelp("How far back: a duration (24h, 7d, 30d) or a day (2026-12-01, from midnight in India).", valueName: "WHEN"))
    var since = "24h"

    @Option(help: "text, json, csv or html (default: from the --output file's extension, else text).")
    var format: OverviewReport.Format?

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of stdout (replaced whole, never half-written).", valueName: "FILE"))
    var output: String?

    @OptionGroup var accounts: AccountFilter

    @OptionGroup var source: StoreSource

    func validate() throws {
        try source.validate()
        _ = try Self.start(since, now: Date())
    }

    var chosenFormat: OverviewReport.Format {
        if let format { return format }
        let ending = output.map { URL(fileURLWithPath: $0).pathExtension.lowercased() } ?? ""
        return OverviewReport.Format(rawValue: ending == "htm" ? "html" : ending) ?? .text
    }

    /// The start of the report: `now` less a duration, or midnight in India of a day.
    static func start(_ text: String, now: Date) throws -> Date {
        if let day = BusinessCalendar.Day(text) {
            let start = Date(timeIntervalSince1970: Double(day.number) * 86_400 - OverviewStep.indiaOffset)
            guard start < now else { throw ValidationError("--since \(text) is not in the past; give an earlier day, or a duration such as 7d.") }
            return start
        }
        do {
            return now.addingTimeInterval(-(try DurationText.seconds(text)))
        } catch {
            throw ValidationError("--since \"\(text)\" is neither a duration nor a day; give e.g. 24h, 7d, 30d or 2026-12-01.")
        }
    }

    func run() async throws {
        let report: OverviewReport
        do {
            let settings = try source.settings()
            // Read only: the file is not read whole for damage first (a 100,000-order file takes
            // about a second), as nothing is written to it.
            let store = try await source.openStore(verifyingEveryPage: false)
            let now = try await source.clock(store)()
            let period = OverviewPeriod(since: try Self.start(since, now: now), until: now, accounts: try accounts.resolved(settings.accountNames))
            report = OverviewReport(overview: try await store.overview(period), rules: settings.deadlineRules, generatedAt: now, source: store.location)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw refundwatch.report(error)
        }
        let data = Data(try report.render(chosenFormat).utf8)
        guard let output else {
            FileHandle.standardOutput.write(data)
            return
        }
        do {
            try ExportFile.write(data, to: output, example: "report.\(chosenFormat.rawValue)")
        } catch {
            standardError("refundwatch: \(error.message)")
            throw ExitStatus.badInput.exitCode
        }
        standardError("refundwatch: wrote the report (\(chosenFormat.rawValue)) to \(output).")
    }
}

extension OverviewReport.Format: ExpressibleByArgument {}
