import Foundation
import Testing
import RefundKit

/// `DurationText.short`: the one way refundwatch writes a duration.
@Suite struct DurationTextTests {
    @Test func atMostTwoUnitsTheMostSignificantFirst() {
        let cases: [(seconds: Double, text: String)] = [
            (0, "0s"), (-5, "0s"), (0.0004, "1ms"), (0.5, "500ms"), (0.9996, "1s"), (1, "1s"), (1.4, "1s"), (45, "45s"),
            (59.4, "59s"), (59.6, "1m"), (60, "1m"), (90, "1m 30s"), (18 * 60, "18m"), (3_599, "59m 59s"),
            (3_600, "1h"), (3 * 3_600 + 12 * 60, "3h 12m"), (3 * 3_600 + 12 * 60 + 40, "3h 13m"), (86_399, "1d"),
            (86_400, "1d"), (2 * 86_400 + 4 * 3_600, "2d 4h"), (14 * 86_400, "14d"), (.nan, "0s"),
        ]
        for (seconds, text) in cases {
            #expect(DurationText.short(seconds) == text, "\(seconds) s")
        }
        // Beyond any real duration it is clamped, never a crash.
        #expect(DurationText.short(.infinity) == DurationText.short(1e12))
    }

    @Test func configurationErrorsWriteDurationsTheSameWay() throws {
        let text = """
        refresh_interval = "2m"
        settled_interval = 90
        [kaleyra]
        sid = "S"
        api_key = "k"
        phone_number_id = "1"
        payment_config_id = "c"
        """
        #expect(throws: ConfigurationError(file: "t.toml", key: "settled_interval",
                                           problem: "1m 30s is shorter than refresh_interval (2m); settled orders are polled less often, not more")) {
            try ConfigurationLoader(environment: [:]).parse(text, file: "t.toml")
        }
        #expect(throws: ConfigurationError(file: "t.toml", key: "archive_after", problem: "30m is out of range; expected 1h to 3650d")) {
            try ConfigurationLoader(environment: [:]).parse("archive_after = \"30m\"\n" + text.replacingOccurrences(of: "settled_interval = 90\n", with: ""), file: "t.toml")
        }
    }
}
