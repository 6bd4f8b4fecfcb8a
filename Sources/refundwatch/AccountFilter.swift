import ArgumentParser
import Foundation
import RefundJobs
import RefundKit
import WatchlistModel

/// `--account NAME`, given once or more, on the commands that read the watchlist (`track list`,
/// `export`, `report`): only the orders of these accounts. Names are the configuration's ("default"
/// for `[kaleyra]`, NAME for `[accounts.NAME]`), compared without regard to case.
struct AccountFilter: ParsableArguments {
    @Option(name: .customLong("account"), help: ArgumentHelp("Only the orders of this account (\"default\" for [kaleyra], NAME for [accounts.NAME]); give it again for more.", valueName: "NAME"))
    var names: [String] = []

    func validate() throws {
        for name in names where name.wholeMatch(of: /[A-Za-z0-9_-]{1,32}/) == nil {
            throw ValidationError("--account \"\(TerminalSafe.text(name))\": an account name is 1 to 32 letters, digits, _ or -.")
        }
    }

    /// The names as the configuration spells them. A name it does not have is refused (exit 2),
    /// naming those it has; without a configuration (no file) the names are taken as given.
    func resolved(_ configured: [String]) throws -> [String] {
        try names.map { asked in
            if configured.isEmpty { return asked }
            guard let found = configured.first(where: { $0.lowercased() == asked.lowercased() }) else {
                standardError("refundwatch: --account \(TerminalSafe.text(asked)): the configuration has no such account (it has \(configured.joined(separator: ", "))).")
                throw ExitStatus.badInput.exitCode
            }
            return found
        }
    }

    /// Whether an order is one of `accounts` (every order when there are none).
    static func keeps(_ order: TrackedOrder, _ accounts: [String]) -> Bool {
        accounts.isEmpty || accounts.contains { $0.lowercased() == order.account?.lowercased() }
    }
}
