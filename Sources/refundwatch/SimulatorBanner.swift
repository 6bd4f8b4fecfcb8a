import Foundation
import RefundJobs
import RefundKit
import WatchlistModel
import RefundSimulator

/// What `simulate` prints: where it listens, what it accepts, and how to try it.
enum SimulatorBanner {
    static func text(for simulator: RunningSimulator) -> String {
        let credentials = simulator.options.credentials
        let sample = simulator.catalogue.orders(in: .refundInProgress).first ?? simulator.catalogue.orders[0]
        let kaleyraURL = [simulator.kaleyraBaseURL, "v1", credentials.sid, "wrapper", credentials.phoneNumberID, "payments",
                          credentials.paymentConfigID, sample.referenceID].joined(separator: "/")
        let payuID = samplePayUID(simulator)
        let hash = PayUHash.compute(merchantID: credentials.merchantID, payuID: payuID, clientSecret: credentials.clientSecret)
        var lines: [String] = [
            "refundwatch simulator (seed \(simulator.options.seed), speed \(simulator.options.speed)x, \(simulator.catalogue.orders.count) orders, rate limits: \(simulator.options.rateLimits))",
            "",
            "Kaleyra base URL:      \(simulator.kaleyraBaseURL)",
            "PayU refund status:    \(simulator.payuRefundStatusURL)   (POST JSON or GET query)",
            "PayU token endpoint:   \(simulator.payuTokenURL)   (tokens last \(simulator.options.tokenLifetime) s, simulated)",
            "Alert webhook:         \(simulator.webhookURL)   (POST takes alerts, GET lists those taken: curl it after refundwatch poll)",
            simulator.options.push.map { "Pushes to:             \($0.baseURL)/push/SOURCE   (when an order moves; run refundwatch listen with the configuration below)" },
            "",
            "Credentials it accepts (simulator only, not secrets):",
            "  kaleyra sid              \(credentials.sid)",
            "  kaleyra api-key          \(credentials.apiKey)",
            "  kaleyra phone_number_id  \(credentials.phoneNumberID)",
            "  kaleyra payment_config   \(credentials.paymentConfigID)",
            "  payu merchant_id         \(credentials.merchantID)",
            "  payu reseller_id         \(credentials.resellerID)",
            "  payu client_secret       \(credentials.clientSecret)",
            "  payu bearer token        \(credentials.bearerToken)   (fixed, never expires)",
            "  payu oauth client_id     \(credentials.clientID)",
            "  payu oauth refresh token \(credentials.refreshToken)   (each refresh token works once)",
            "",
            "Try:",
            "  curl -s -H 'api-key: \(credentials.apiKey)' '\(kaleyraURL)'",
            "  curl -s -X POST -H 'Authorization: Bearer \(credentials.bearerToken)' -H 'Content-Type: application/json' \\",
            "       -d '{\"merchant_id\":\"\(credentials.merchantID)\",\"payu_id\":\"\(payuID)\",\"reseller_id\":\"\(credentials.resellerID)\",\"hash\":\"\(hash)\"}' \\",
            "       '\(simulator.payuRefundStatusURL)'",
            "",
            "Reference ids by scenario:",
        ].compactMap { $0 }
        for scenario in Scenario.allCases {
            let ids = simulator.catalogue.orders(in: scenario).prefix(3).map(\.referenceID)
            guard !ids.isEmpty else { continue }
            lines.append("  " + scenario.rawValue.padding(toLength: 28, withPad: " ", startingAt: 0) + ids.joined(separator: "  "))
        }
        lines += ["", "Configuration for refundwatch --config FILE:", "", simulator.demoConfigurationTOML(), "Serving; Ctrl-C stops."]
        return lines.joined(separator: "\n")
    }

    /// A payu_id from the catalogue, for the PayU curl example.
    private static func samplePayUID(_ simulator: RunningSimulator) -> String {
        simulator.catalogue.samplePayUID ?? "403993715529606983"
    }
}
