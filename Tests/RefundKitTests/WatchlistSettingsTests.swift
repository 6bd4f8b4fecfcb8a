import Foundation
import Testing
import RefundKit

/// `ConfigurationLoader.loadSettings`: what reading the watchlist needs, without the API secrets.
@Suite struct WatchlistSettingsTests {
    func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rw-settings-\(UUID()).toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let team = """
    database_url = "postgres://desk@db.internal:5432/refunds"
    archive_after = "3d"
    arn_overdue_business_hours = 24
    theme = "mono"
    mouse = false
    [kaleyra]
    sid = "S"
    api_key_env = "RW_UNSET_KALEYRA_KEY"
    phone_number_id = "1"
    payment_config_id = "c"
    """

    @Test func theSettingsNeedNoSecretAndTheAPIsStillDo() throws {
        let path = try file(Self.team)
        let loader = ConfigurationLoader(environment: [:])
        let settings = try loader.loadSettings(explicit: path)
        #expect(settings.source == path)
        #expect(settings.databaseURL == "postgres://desk@db.internal:5432/refunds")
        #expect(settings.pollPolicy.archiveAfter == 3 * 86_400 && settings.refreshInterval == 30)
        #expect(settings.deadlineRules == DeadlineRules(arnBusinessHours: 24))
        #expect(settings.theme == "mono" && settings.mouse == false)
        #expect(throws: ConfigurationError(file: path, key: "kaleyra.api_key_env",
                                           problem: "names the environment variable RW_UNSET_KALEYRA_KEY, which is not set or empty; export it, or put api_key in the file")) {
            try loader.load(explicit: path)
        }
        // With the secret set, the full configuration carries the same settings.
        let full = try ConfigurationLoader(environment: ["RW_UNSET_KALEYRA_KEY": "k"]).load(explicit: path)
        #expect(full.watchlistSettings == settings)
    }

    @Test func aFileWithoutAPITablesServesTheWatchlistButNotAFetch() throws {
        let path = try file("database_url = \"postgres://desk@db.internal/refunds\"\n")
        #expect(try ConfigurationLoader(environment: [:]).loadSettings(explicit: path).databaseURL == "postgres://desk@db.internal/refunds")
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader(environment: [:]).load(explicit: path) }
    }

    @Test func aMistakeInTheSettingsIsStillRefused() throws {
        let path = try file("refresh_interval = \"soon\"\n" + Self.team)
        #expect(throws: ConfigurationError(file: path, key: "refresh_interval",
                                           problem: "\"soon\" is not a duration; expected seconds or a number with s, m, h or d, e.g. 30s, 5m, 6h, 14d")) {
            try ConfigurationLoader(environment: [:]).loadSettings(explicit: path)
        }
    }
}
