import ArgumentParser
import Foundation
import RefundJobs
import RefundKit
import WatchlistModel

struct PayUCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payu",
        abstract: "PayU's side: the access token refundwatch uses.",
        subcommands: [PayUToken.self]
    )
}

/// `refundwatch payu token [--renew]`: where PayU's access token comes from and when it expires,
/// never the token itself.
struct PayUToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Show where PayU's access token comes from and when it expires (never the token).",
        discussion: """
        With [payu.oauth], refundwatch renews the token itself at 90% of its life and keeps it in \
        its token cache ($XDG_STATE_HOME/refundwatch, mode 0600), shared by every refundwatch \
        process of this user. With a team's PostgreSQL database ($REFUNDWATCH_DATABASE_URL or \
        database_url) it keeps it there instead, shared by every process of every user that uses \
        the database. --renew renews it now, e.g. after setting a new refresh token.

        \(ExitStatus.helpText)
        """
    )

    @Flag(help: "Renew the access token now (needs [payu.oauth]).")
    var renew = false

    @OptionGroup var source: ConfigurationSource

    func validate() throws {
        try source.validate()
    }

    func run() async throws {
        let environment: ServiceEnvironment
        do {
            environment = try await source.makeEnvironment(configuredTeam: .fails)
        } catch {
            throw report(error)
        }
        let configuration = environment.service.configuration
        let file = configuration.source ?? "the configuration"
        guard let payu = environment.service.payu else {
            await environment.close()
            standardError("refundwatch: \(file) has no [payu] table, so PayU is not asked and there is no token. Add [payu] (docs/configuration.md).")
            throw ExitCode(ExitStatus.configuration.rawValue)
        }
        guard let tokens = payu.tokens else {
            await environment.close()
            if renew {
                standardError("refundwatch: --renew needs [payu.oauth] in \(file); a fixed bearer_token cannot be renewed by refundwatch. Add [payu.oauth] with client_id and refresh_token_env (docs/configuration.md, \"PayU tokens\").")
                throw ExitCode(ExitStatus.configuration.rawValue)
            }
            printText("""
                PayU access token
                  from       the fixed bearer_token in \(file)
                  expires    unknown: a fixed token cannot be inspected. PayU's last about two hours; when it \
                expires every PayU call fails until you replace it. [payu.oauth] renews tokens by itself.
                """)
            return
        }
        var renewal: Result<PayUAccessToken, RefundWatchError>?
        if renew {
            do throws(RefundWatchError) {
                renewal = .success(try await tokens.renew())
            } catch {
                renewal = .failure(error)
            }
        }
        let status = await tokens.status()
        let now = await tokens.currentTime
        await environment.close()
        if case .failure(let error)? = renewal { throw report(error) }
        printText(PayUTokenText.render(status, now: now, renewed: renewal != nil))
    }
}

enum PayUTokenText {
    static func render(_ status: PayUTokenStatus, now: Date, renewed: Bool) -> String {
        var lines = [renewed ? "PayU access token renewed" : "PayU access token",
                     "  from       OAuth at \(status.tokenURL), client id \(status.clientID)",
                     "  cache      \(cache(status))"]
        if let token = status.token {
            lines.append("  obtained   \(timestamp(token.obtainedAt)) (\(relative(token.obtainedAt, now: now)))")
            if token.expiresAt <= now {
                lines.append("  expires    \(timestamp(token.expiresAt)) (expired \(DurationText.short(now.timeIntervalSince(token.expiresAt))) ago; the next PayU call renews it)")
            } else {
                lines.append("  expires    \(timestamp(token.expiresAt)) (in \(DurationText.short(token.expiresAt.timeIntervalSince(now))))")
                lines.append("  renews     \(timestamp(token.renewAt)) (at 90% of its life\(token.renewAt <= now ? ", due now" : ""))")
            }
        } else {
            lines.append("  token      none yet: the first PayU call obtains one (or run: refundwatch payu token --renew)")
        }
        lines.append("  refresh    \(status.refreshTokenOrigin)")
        return lines.joined(separator: "\n")
    }

    /// Where the token is kept: the team's database (its URL, never a password), the cache file,
    /// or memory.
    private static func cache(_ status: PayUTokenStatus) -> String {
        if let database = status.database {
            let shared = "the team's database \(database) (table payu_token)"
            return status.databaseProblem.map { shared + "; cannot be read now: \($0)" } ?? shared
        }
        return status.cacheFile ?? "memory only (demo: its simulator starts afresh each run)"
    }

    private static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss zzz"
        return formatter.string(from: date)
    }

    private static func relative(_ date: Date, now: Date) -> String {
        let seconds = now.timeIntervalSince(date)
        return seconds >= 0 ? "\(DurationText.short(seconds)) ago" : "in \(DurationText.short(-seconds))"
    }
}
