import ArgumentParser
import Foundation
import RefundJobs
import RefundKit
import WatchlistModel
import RefundSimulator

struct Lookup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Look up one order: the payment, its transactions, and each refund with WhatsApp's and PayU's sides joined.",
        discussion: ExitStatus.helpText
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
            environment = try await source.makeEnvironment()
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
                printText(LookupText.render(order), terminator: "")
            }
            // Exit status 0 says the order was found; say on stderr that part of it is missing.
            let missing = order.transactions.filter { $0.payuError != nil }.count
            if missing > 0 {
                let what = missing == 1 ? "1 transaction" : "\(missing) transactions"
                standardError("refundwatch: warning: PayU could not be asked for \(what); its bank details are missing (the reason is in the output).")
            }
        }
    }
}
