import Foundation
import RefundKit
import RefundStore
import WatchlistModel

/// Commands without a watchlist (`lookup`, `payu token`) still share PayU tokens with the team: a
/// rotating refresh token used outside the team's chain would be refused, and would refuse the
/// team's. The team's database is the one `$REFUNDWATCH_DATABASE_URL` or `database_url` names.
extension ConfigurationSource {
    /// What a database that cannot be used does to the command.
    enum TeamTrouble {
        /// It is the command's error (`payu token`: it shows where tokens are kept).
        case fails
        /// A warning, and the tokens are kept in the user's token cache for this run (`lookup`: it
        /// goes on).
        case warns
    }

    /// The service, sharing PayU tokens through the team's PostgreSQL database when the
    /// environment or the configuration names one and an account has `[payu.oauth]` (a fixed
    /// bearer token has nothing to share); otherwise as `makeEnvironment()`. Not in the demo.
    func makeEnvironment(configuredTeam trouble: TeamTrouble,
                         environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> ServiceEnvironment {
        guard !demo else { return try await makeEnvironment() }
        let configuration = try ConfigurationLoader(environment: environment).load(explicit: config)
        let named = environment["REFUNDWATCH_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? configuration.databaseURL
        guard let url = named, PostgresLocation.isURL(url), configuration.accounts.contains(where: { $0.payu?.oauth != nil }) else {
            return try await makeEnvironment()
        }
        let store: PostgresStore
        do {
            store = try await PostgresStore.open(try DatabaseChoice.location(url, fromArgument: false, config: config, environment: environment),
                                                 environment: environment)
        } catch {
            guard trouble == .warns else { throw error }
            standardError("refundwatch: warning: \(error) PayU tokens are not shared with the team for this run: they are kept in this user's token cache.")
            return try await makeEnvironment()
        }
        do {
            var made = try await makeEnvironment(team: store)
            made.team = store
            return made
        } catch {
            await store.close()
            throw error
        }
    }
}
