import ArgumentParser
import Foundation
import Logging
import RefundJobs
import RefundKit
import WatchlistModel
import RefundSimulator

struct Lookup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Look up one order: the payment, its transactions, and each refund with WhatsApp's and PayU's sides joined.",
        discussion: """
        The order is printed even when PayU could not be asked for a transaction (its reason is shown \
        in place of the bank details); the exit status is then 11, partly failed.

        \(ExitStatus.helpText)
        """
    )

    @Argument(help: "The order's reference id, as sent in the WhatsApp order_details message.")
    var reference: String

    @Flag(help: "Print the joined report as JSON (snake_case; amounts as decimal strings with their currency).")
    var json = false

    @OptionGroup var source: ConfigurationSource

    func validate() throws {
        try source.validate()
    }

    func run() async throws {
        let referenceID = reference.trimmingCharacters(in: .whitespaces)
        let environment: ServiceEnvironment
        do {
            environment = try await source.makeEnvironment(configuredTeam: .warns)
        } catch {
            throw report(error)
        }
        let outcome: Result<OrderReport, RefundWatchError>
        do throws(RefundWatchError) {
            outcome = .success(try await environment.service.report(referenceID: referenceID))
        } catch {
            outcome = .failure(error)
        }
        await environment.close()
        switch outcome {
        case .failure(let error):
            throw report(error)
        case .success(let order):
            if json {
                let data = try order.jsonData()
                FileHandle.standardOutput.write(data + Data("\n".utf8))
            } else {
                printText(LookupText.render(order, rules: environment.service.configuration.deadlineRules), terminator: "")
            }
            // The order was found, but PayU's side of it is missing: a partial failure, with an exit
            // status of its own, so that a script can tell it from a whole answer.
            if let missing = PartialFailure(referenceID: referenceID, report: order) {
                let what = plural(missing.transactions, "transaction")
                standardError("refundwatch: partly failed: \(missing.service) could not be asked for \(what); its bank details are missing (the reason is in the output).")
                Logger(label: "refundwatch.lookup").warning("\(referenceID): partly failed: \(missing.service) could not be asked for \(what): \(missing.message)")
                throw ExitStatus.partialFailure.exitCode
            }
        }
    }
}
