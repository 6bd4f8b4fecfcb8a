import ArgumentParser
import Foundation
import RefundJobs
import RefundKit
import RefundStore
import WatchlistModel

/// `refundwatch alerts`: the team's alerts, for scripts and for people without the dashboard.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "List the team's alerts, acknowledge one, or snooze one. No API call is made.",
        discussion: """
            Alerts are raised by whoever fetches (the dashboard, track refresh, poll): a refund failed, a stage's \
            deadline is near or has passed, WhatsApp and PayU disagree, an order's fetches have failed for a while, \
            PayU refuses its token. Each is raised once for the whole team and resolves by itself when its condition clears.
            """,
        subcommands: [AlertsList.self, AlertsAcknowledge.self, AlertsSnooze.self],
        defaultSubcommand: AlertsList.self
    )
}

struct AlertsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List unresolved alerts, the newest first.")

    @Flag(help: "Resolved alerts too.")
    var all = false

    @Option(help: "At most this many.")
    var limit = 500

    @Flag(help: "Print JSON (snake_case; times in ISO 8601).")
    var json = false

    @OptionGroup var source: StoreSource

    func validate() throws {
        try source.validate()
        guard limit > 0 else { throw ValidationError("--limit must be at least 1.") }
    }

    func run() async throws {
        let alerts: [Alert]
        let now: Date
        do {
            _ = try source.settings()   // a named configuration that is missing or broken is said so
            let store = try await source.openStore()
            alerts = try await store.alerts(resolved: all, limit: limit)
            now = try await source.clock(store)()
        } catch {
            throw report(error)
        }
        if json {
            FileHandle.standardOutput.write(try JSONOutput.encode(alerts.map { AlertJSON($0, now: now) }) + Data("\n".utf8))
            return
        }
        guard !alerts.isEmpty else {
            printText(all ? "No alerts." : "No unresolved alerts.")
            return
        }
        var table = TextTable([.init(title: "ID", rightAligned: true), .init(title: "STATE"), .init(title: "RAISED"), .init(title: "RULE"),
                               .init(title: "ORDER"), .init(title: "REFUND", maxWidth: 14), .init(title: "WHO"), .init(title: "ALERT", maxWidth: 70)])
        for alert in alerts {
            var notes: [String] = []
            if let note = alert.note, !note.isEmpty { notes.append("  ↳ \(alert.acknowledgedBy ?? "someone"): \(note)") }
            table.add([
                "\(alert.id)", AlertWords.state(alert, now: now), Age.text(since: alert.raisedAt, now: now), alert.rule.title,
                alert.referenceID ?? "(all orders)", alert.refundID ?? "", alert.acknowledgedBy ?? "", alert.detail,
            ], notes: notes)
        }
        let open = alerts.filter { $0.state(at: now) == .open }.count
        printText(table.render() + "\n" + plural(alerts.count, "alert") + " · \(open) open · acknowledge with: refundwatch alerts ack ID --note \"...\"")
    }
}

struct AlertsAcknowledge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ack", abstract: "Say \"I have it\": the alert is signed with [alerts] user (or your login) and the time.")

    @Argument(help: "The alert's id (alerts list shows it).")
    var id: Int64

    @Option(help: "A note for the team, e.g. the ticket you opened.")
    var note: String?

    @Flag(help: "Print the alert as JSON.")
    var json = false

    @OptionGroup var source: StoreSource

    func validate() throws {
        try source.validate()
        if let note, note.contains(where: \.isNewline) { throw ValidationError("--note must be one line.") }
    }

    func run() async throws {
        let alert: Alert?
        let now: Date
        do {
            let person = try source.settings().alerts.person()
            let store = try await source.openStore()
            now = try await source.clock(store)()
            alert = try await store.acknowledgeAlert(id: id, by: person, note: note?.trimmingCharacters(in: .whitespaces).nilIfEmpty, at: now)
        } catch {
            throw report(error)
        }
        try AlertWords.print(alert, id: id, json: json, now: now, done: "acknowledged")
    }
}

struct AlertsSnooze: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "snooze", abstract: "Put an alert aside for a while (1h, 4h, 1d…); it counts as open again after.")

    @Argument(help: "The alert's id (alerts list shows it).")
    var id: Int64

    @Argument(help: "For how long: 30m, 1h, 4h, 1d.")
    var duration: String

    @Flag(help: "Print the alert as JSON.")
    var json = false

    @OptionGroup var source: StoreSource

    func validate() throws {
        try source.validate()
        do { _ = try DurationText.seconds(duration) } catch { throw ValidationError("\(error.description).") }
    }

    func run() async throws {
        let alert: Alert?
        let now: Date
        do {
            let store = try await source.openStore()
            now = try await source.clock(store)()
            alert = try await store.snoozeAlert(id: id, until: now.addingTimeInterval(try DurationText.seconds(duration)))
        } catch {
            throw report(error)
        }
        try AlertWords.print(alert, id: id, json: json, now: now, done: "snoozed")
    }
}

enum AlertWords {
    /// "open", "acknowledged", "snoozed 3h 59m", "resolved".
    static func state(_ alert: Alert, now: Date) -> String {
        let state = alert.state(at: now)
        if state == .snoozed, let until = alert.snoozedUntil { return "snoozed \(DurationText.short(until.timeIntervalSince(now)))" }
        return state.rawValue
    }

    static func print(_ alert: Alert?, id: Int64, json: Bool, now: Date, done: String) throws {
        guard let alert else {
            standardError("refundwatch: there is no alert \(id). refundwatch alerts list --all shows them with their ids.")
            throw ExitStatus.notFound.exitCode
        }
        if json {
            FileHandle.standardOutput.write(try JSONOutput.encode(AlertJSON(alert, now: now)) + Data("\n".utf8))
        } else {
            printText("Alert \(alert.id) \(done): \(alert.text) (\(state(alert, now: now)))")
        }
    }
}

private extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
