import ArgumentParser
import Foundation
import RefundJobs
import RefundKit
import WatchlistModel

@main
struct RefundWatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refundwatch",
        abstract: "Watch WhatsApp Pay refunds in India: Kaleyra's payment status joined with PayU's bank-side refund status.",
        discussion: """
        Try it with no credentials: refundwatch --demo (the dashboard), or refundwatch lookup --demo ORD-20261009-2760

        \(ExitStatus.helpText)
        """,
        version: "0.1.0",
        subcommands: [DashboardCommand.self, Lookup.self, Track.self, AlertsCommand.self, ViewsCommand.self, ReportCommand.self, Export.self, Poll.self, ListenCommand.self, DbCommand.self, PayUCommand.self, Simulate.self],
        defaultSubcommand: DashboardCommand.self
    )

    /// Runs the command and maps every failure to a documented exit status. ArgumentParser's own
    /// usage errors (64) become 2, "bad input", like every other tool's usage error.
    static func main() async {
        LogFile.bootstrap()
        TerminalLocale.useUTF8()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                // Usage errors quote the arguments given, which may hold anything a script passed along.
                FileHandle.standardError.write(Data(TerminalSafe.text(fullMessage(for: error) + "\n", keepingLayout: true).utf8))
                Foundation.exit(ExitStatus.badInput.rawValue)
            }
            exit(withError: error)
        }
    }
}
