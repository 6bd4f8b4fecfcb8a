import ArgumentParser
import Foundation
import RefundJobs
import RefundKit
import WatchlistModel
import RefundStore

struct TrackHistory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "The timeline of one tracked order: every status, ARN and settlement change, with the time it was seen.",
        discussion: "Exit status 4 when the order is not on the watchlist."
    )

    @Argument(help: ArgumentHelp("The order's reference id.", valueName: "REF"))
    var reference: String

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var source: StoreSource

    func validate() throws { try source.validate() }

    func run() async throws {
        let id = reference.trimmingCharacters(in: .whitespaces)
        var timelines: [(order: TrackedOrder, entries: [HistoryEntry])] = []
        do {
            let store = try await source.openStore()
            for order in try await store.orders(referenceID: id) {
                timelines.append((order, try await store.history(orderID: order.id ?? -1)))
            }
        } catch {
            throw report(error)
        }
        guard !timelines.isEmpty else {
            standardError("refundwatch: \(id) is not on the watchlist. Add it with: refundwatch track add \(id)")
            throw ExitStatus.notFound.exitCode
        }
        if json {
            FileHandle.standardOutput.write(try JSONOutput.encode(timelines.map { HistoryJSON(order: $0.order, entries: $0.entries) }) + Data("\n".utf8))
        } else {
            printText(timelines.map { HistoryText.render(order: $0.order, entries: $0.entries) }.joined(separator: "\n"), terminator: "")
        }
    }
}

enum HistoryText {
    static func render(order: TrackedOrder, entries: [HistoryEntry], timeZone: TimeZone = .current) -> String {
        var title = order.referenceID
        if let label = order.label { title += " (\(label.terminalSafe))" }
        var lookup: [String] = []
        if let phone = order.phoneNumberID { lookup.append("phone number id \(phone)") }
        if let config = order.paymentConfigID { lookup.append("payment config \(config)") }
        if !lookup.isEmpty { title += " under " + lookup.joined(separator: ", ") }
        let block = TextBlock(timeZone: timeZone)
        var out = title.terminalSafe + "\n"
        if entries.isEmpty {
            return out + "  No history yet: it has not been fetched. Run: refundwatch track refresh\n"
        }
        let subjects = entries.map { $0.change.subject.terminalSafe }
        // In terminal columns, as `track list` measures (an id from outside may hold wide characters).
        let width = subjects.map(TextTable.width).max() ?? 0
        for (entry, subject) in zip(entries, subjects) {
            out += "  \(block.time(entry.seenAt))  \(TextTable.padded(subject, to: width))  \(entry.change.words.terminalSafe)\n"
        }
        return out
    }
}

struct HistoryJSON: Encodable {
    var order: TrackedOrder
    var entries: [HistoryEntry]

    enum CodingKeys: String, CodingKey {
        case referenceID = "reference_id", account, phoneNumberID = "phone_number_id", paymentConfigID = "payment_config_id", label, history
    }

    struct Entry: Encodable {
        var entry: HistoryEntry
        enum CodingKeys: String, CodingKey { case seenAt = "seen_at" }
        func encode(to encoder: any Encoder) throws {
            try entry.change.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(Timestamp.known(entry.seenAt), forKey: .seenAt)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(order.referenceID, forKey: .referenceID)
        try c.encode(order.account, forKey: .account)
        try c.encode(order.phoneNumberID, forKey: .phoneNumberID)
        try c.encode(order.paymentConfigID, forKey: .paymentConfigID)
        try c.encode(order.label, forKey: .label)
        try c.encode(entries.map(Entry.init), forKey: .history)
    }
}
