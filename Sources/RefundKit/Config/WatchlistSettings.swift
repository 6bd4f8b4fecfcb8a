import Foundation

/// The part of `config.toml` that reading and showing the watchlist needs: where the watchlist is,
/// how often orders are polled, when a refund is overdue, how the dashboard looks. None of it is a
/// secret, and none of it comes from `[kaleyra]` or `[payu]` (only the accounts' names do).
///
/// `track list`, `track history`, `export`, `track add`, `track remove` and a `--no-fetch`
/// dashboard read only these, so they work where the API credentials are not set: a team's
/// support staff read the shared watchlist with the team's file and no API key. The secrets are
/// read (and a missing one refused) only when an API client is made (`ConfigurationLoader.load`).
public struct WatchlistSettings: Sendable, Hashable {
    /// Where it was read from, for messages; nil for the defaults.
    public var source: String?
    /// `refresh_interval`: how often an order that can still change soon is fetched (30 s).
    public var refreshInterval: Double = 30
    /// `settled_interval`: how often an order that waits for nothing more is fetched (6 h).
    public var settledInterval: Double = PollPolicy.defaultSettledInterval
    /// `archive_after`: an order settled this long is no longer polled (14 days).
    public var archiveAfter: Double = PollPolicy.defaultArchiveAfter
    /// `[deadlines]` (and the older `arn_overdue_business_hours`): when each stage of a refund is
    /// late, and the bank holidays business time leaves out.
    public var deadlineRules = DeadlineRules()
    /// `[alerts]`: thresholds, who acknowledges, how a dashboard rings (no delivery target: those
    /// belong to the poller's configuration, with their secret).
    public var alerts = AlertSettings()
    /// `database_url`: the team's PostgreSQL database; nil for the SQLite file of one person.
    public var databaseURL: String?
    /// `[listen]` (`refundwatch listen` records pushes without the APIs' secrets, so reads it
    /// through `loadSettings`; it fetches with them when it can).
    public var listen: ListenSettings?
    /// `theme`: the dashboard's theme by name; nil for the default.
    public var theme: String?
    /// `mouse`: whether the dashboard takes clicks and the wheel.
    public var mouse = true
    /// `braille`: the overview may draw finer lines in braille (true); false keeps to block
    /// characters, for a font without braille.
    public var braille = true
    /// `start_screen`: the dashboard opens on the watchlist (the default) or on the overview,
    /// the whole desk at a glance (a desk lead's, or a new operator's, first look).
    public var startOnOverview = false
    /// `[[views]]`: the saved views of this file, in its order.
    public var views: [SavedView] = []
    /// What a person should fix about the file although it works (see `RefundConfiguration.warnings`).
    public var warnings: [String] = []
    /// The names of the accounts the file describes, in `RefundConfiguration.accounts`' order:
    /// `["default"]` for the single form (`[kaleyra]`), else `default` (when `[kaleyra]` is
    /// written) and then the `[accounts.NAME]` names sorted. Found from the tables alone: no key of
    /// theirs (and so no secret) is read. Empty for a file without `[kaleyra]`, `[payu]` or
    /// `[accounts]`, which serves the watchlist but cannot fetch.
    public var accountNames: [String] = []

    /// The defaults, for when there is no configuration file.
    public init() {}

    public var pollPolicy: PollPolicy { PollPolicy(interval: refreshInterval, settledInterval: settledInterval, archiveAfter: archiveAfter) }
}

extension RefundConfiguration {
    /// This configuration's settings that need no secret.
    public var watchlistSettings: WatchlistSettings {
        var settings = WatchlistSettings()
        settings.source = source
        settings.refreshInterval = refreshInterval
        settings.settledInterval = settledInterval
        settings.archiveAfter = archiveAfter
        settings.deadlineRules = deadlineRules
        settings.alerts = alerts
        settings.databaseURL = databaseURL
        settings.theme = theme
        settings.mouse = mouse
        settings.braille = braille
        settings.startOnOverview = startOnOverview
        settings.views = views
        settings.warnings = warnings
        settings.accountNames = accounts.map(\.name)
        settings.listen = listen
        return settings
    }
}
