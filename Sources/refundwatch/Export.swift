import ArgumentParser
import Foundation
import RefundJobs
import RefundKit
import WatchlistModel
import RefundStore

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export the watchlist's refunds from the store, one row per refund, as CSV (for a spreadsheet) or JSON. No API call is made.",
        discussion: "PayU records that match no WhatsApp refund get a row of their own, with the WhatsApp columns empty."
    )

    @Option(help: "csv or json (default: from the --output file's extension, else csv).")
    var format: ExportFormat?

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of stdout (replaced whole, never half-written).", valueName: "FILE"))
    var output: String?

    @OptionGroup var accounts: AccountFilter

    @OptionGroup var source: StoreSource

    func validate() throws { try source.validate() }

    var chosenFormat: ExportFormat {
        if let format { return format }
        return output.map(ExportFormat.init(path:)) ?? .csv
    }

    func run() async throws {
        let export: ExportFile
        do {
            let settings = try source.settings()
            let chosen = try accounts.resolved(settings.accountNames)
            let store = try await source.openStore()
            let orderIDs = chosen.isEmpty ? nil : try await store.trackedOrders().filter { AccountFilter.keeps($0, chosen) }.compactMap(\.id)
            export = try await ExportFile.load(store: store, orderIDs: orderIDs, rules: settings.deadlineRules, now: try await source.clock(store)(), format: chosenFormat)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw report(error)
        }
        if let output {
            do {
                try export.write(to: output)
            } catch {
                standardError("refundwatch: \(error.message)")
                throw ExitStatus.badInput.exitCode
            }
            standardError("refundwatch: wrote \(plural(export.refunds, "refund")) to \(output).")
        } else {
            FileHandle.standardOutput.write(export.data)
        }
        if export.unfetched > 0 {
            standardError("refundwatch: \(plural(export.unfetched, "order")) not fetched yet, so not exported; run: refundwatch track refresh")
        }
    }
}

extension ExportFormat: ExpressibleByArgument {}
