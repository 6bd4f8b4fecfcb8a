import Foundation
import TOMLKit

/// `[alerts]` for everyone: when a deadline is near, when failing fetches are an alert, who "I"
/// am when acknowledging, how a dashboard rings. No secret.
public struct AlertSettings: Sendable, Hashable {
    public var thresholds = AlertThresholds()
    /// `user`: the name acknowledgements are signed with; nil for the operating system's user.
    public var user: String?
    /// `notify`: how a dashboard tells of new alerts (the bell unless set).
    public var notify: NotifyStyle = .bell

    public init() {}

    /// `user`, else `$USER` / `$LOGNAME`, else the account's name.
    public func person(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let user, !user.isEmpty { return user }
        for key in ["USER", "LOGNAME"] { if let name = environment[key], !name.isEmpty { return name } }
        return NSUserName()
    }
}

/// `[alerts]` for the poller that delivers each new and resolved alert once for the whole team:
/// a command given the alert as JSON on stdin, and/or a webhook given it by an HTTP POST signed
/// with HMAC-SHA256.
public struct AlertDelivery: Sendable, Hashable {
    /// `command`: the program and its arguments (no shell).
    public var command: [String]?
    /// `command_timeout`: how long the command may run before it is stopped and counted failed.
    public var commandTimeout: Double = 10
    /// `webhook_url`: where the alert is POSTed as JSON.
    public var webhookURL: String?
    /// `webhook_secret` (or `webhook_secret_env`): signs each body (`X-Refundwatch-Signature`).
    public var webhookSecret: Secret?
    /// `retry_after`: the wait after a first failed try; each further failure doubles it, up to
    /// 5 minutes.
    public var retryAfter: Double = 5

    public init(command: [String]? = nil, commandTimeout: Double = 10, webhookURL: String? = nil, webhookSecret: Secret? = nil) {
        self.command = command
        self.commandTimeout = commandTimeout
        self.webhookURL = webhookURL
        self.webhookSecret = webhookSecret
    }

    /// Where alerts go, by the name deliveries are kept under ("command", "webhook").
    public var targets: [String] {
        (command == nil ? [] : ["command"]) + (webhookURL == nil ? [] : ["webhook"])
    }
}

/// Reads `[alerts]`:
///
///     [alerts]
///     deadline_lead = "12h"          # business time before a deadline that it is "near"
///     fetch_failing_after = "30m"
///     user = "asha"                  # acknowledgements' name; the OS user when absent
///     notify = "bell"                # bell | osc777 | osc9 | off
///     command = ["/usr/local/bin/notify-desk"]
///     command_timeout = "10s"
///     webhook_url = "https://hooks.slack.com/services/..."
///     webhook_secret_env = "REFUNDWATCH_WEBHOOK_SECRET"
///     retry_after = "5s"             # first wait after a failed delivery, doubling up to 5 minutes
struct AlertSettingsReader {
    let reader: TableReader

    func settings() throws(ConfigurationError) -> AlertSettings {
        var settings = AlertSettings()
        guard let table = try reader.table("alerts") else { return settings }
        settings.thresholds.deadlineLead = try table.duration("deadline_lead", range: 0...(30 * 86_400)) ?? settings.thresholds.deadlineLead
        settings.thresholds.fetchFailingAfter = try table.duration("fetch_failing_after", range: 60...(30 * 86_400)) ?? settings.thresholds.fetchFailingAfter
        settings.user = try table.string("user").map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        if let style = try table.string("notify") {
            guard let parsed = NotifyStyle(rawValue: style.lowercased()) else {
                throw table.error("notify", "\"\(TerminalSafe.text(style))\" is not one of bell, osc777, osc9, off")
            }
            settings.notify = parsed
        }
        return settings
    }

    /// The delivery targets; the webhook's secret is read here, and one missing is refused.
    func delivery() throws(ConfigurationError) -> AlertDelivery? {
        guard let table = try reader.table("alerts") else { return nil }
        var delivery = AlertDelivery()
        if let value = table.table["command"] {
            guard let array = value.array, !array.isEmpty else {
                throw table.error("command", "expected the program and its arguments as a list, e.g. [\"/usr/local/bin/notify-desk\", \"--room\", \"refunds\"]")
            }
            var words: [String] = []
            for element in array {
                guard let word = element.string else { throw table.error("command", "every item must be a string in quotes, found \(element.type)") }
                words.append(word)
            }
            guard !words[0].trimmingCharacters(in: .whitespaces).isEmpty else {
                throw table.error("command", "the program (the first item) is empty")
            }
            delivery.command = words
        }
        delivery.commandTimeout = try table.duration("command_timeout", range: 1...3600) ?? delivery.commandTimeout
        delivery.retryAfter = try table.duration("retry_after", range: 1...300) ?? delivery.retryAfter
        if let url = try table.string("webhook_url") {
            guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme), parsed.host != nil else {
                throw table.error("webhook_url", "\"\(TerminalSafe.text(url))\" is not an http(s) URL; expected e.g. \"https://hooks.example.com/refunds\"")
            }
            delivery.webhookURL = url
            delivery.webhookSecret = try table.secret("webhook_secret", expected: "the secret each body is signed with (X-Refundwatch-Signature)")
        }
        return delivery.targets.isEmpty ? nil : delivery
    }
}
