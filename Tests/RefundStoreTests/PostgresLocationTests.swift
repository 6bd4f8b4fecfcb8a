import Foundation
import Testing
@testable import RefundStore
import WatchlistModel
import TestSupport
import TestReports
import RefundKit

/// PostgreSQL URLs as libpq users write them, and passwords that never come from the URL.
@Suite struct PostgresLocationTests {
    private let environment = ["PGUSER": "", "PGDATABASE": "", "HOME": "/nonexistent"]

    private func location(_ url: String, _ extra: [String: String] = [:]) throws(PostgresLocation.Invalid) -> PostgresLocation {
        try PostgresLocation(url: url, environment: environment.merging(extra) { $1 })
    }

    @Test func hostPortDatabaseAndTLS() throws {
        let tcp = try location("postgres://desk@db.internal:6543/refunds?sslmode=verify-full")
        #expect(tcp.endpoint == .tcp(host: "db.internal", port: 6543))
        #expect(tcp.user == "desk" && tcp.database == "refunds" && tcp.sslMode == .verifyFull)
        #expect(tcp.description == "postgres://desk@db.internal:6543/refunds")
        let defaults = try location("postgresql://desk@db.internal")
        #expect(defaults.endpoint == .tcp(host: "db.internal", port: 5432))
        #expect(defaults.database == "desk", "the database defaults to the user's name")
        #expect(defaults.sslMode == .prefer)
        let v6 = try location("postgres://desk@[::1]:5433/r")
        #expect(v6.endpoint == .tcp(host: "::1", port: 5433))
        #expect(v6.description == "postgres://desk@[::1]:5433/r")
    }

    @Test func unixSocketFolders() throws {
        let query = try location("postgres://desk@/refunds?host=/run/postgresql")
        #expect(query.endpoint == .socket(folder: "/run/postgresql", port: 5432))
        #expect(query.description == "postgres://desk@/refunds?host=/run/postgresql")
        let encoded = try location("postgres://desk@%2Ftmp%2Fpg:6000/refunds")
        #expect(encoded.endpoint == .socket(folder: "/tmp/pg", port: 6000))
        let bare = try location("postgres:///refunds", ["PGUSER": "ops"])
        #expect(bare.endpoint == .socket(folder: "/var/run/postgresql", port: 5432))
        #expect(bare.user == "ops")
    }

    @Test(arguments: [
        ("postgres://desk:s3cret-pw@db/refunds", "the URL holds a password"),
        ("postgres://desk@db/refunds?password=s3cret-pw", "the URL holds a password (password=)"),
        ("postgres://desk@db:port/refunds", "port \"port\" is not a port number"),
        ("postgres://desk@db/refunds?sslmode=always", "sslmode \"always\" is not one of disable, allow, prefer, require, verify-ca, verify-full"),
        ("postgres://desk@[::1/refunds", "needs its closing ]"),
    ])
    func mistakesSayWhatToWriteAndNeverThePassword(url: String, mentions: String) {
        do {
            _ = try location(url)
            Issue.record("accepted \(url)")
        } catch {
            #expect(error.description.contains(mentions), "\(error)")
            #expect(!error.description.contains("s3cret-pw"))
        }
    }

    @Test func sslmodeSaysWhetherTLSIsRequiredAndWhatIsChecked() {
        let modes = PostgresLocation.SSLMode.allCases.map { mode in
            PostgresConnector.tlsSettings(mode).map { tls -> String in
                let checks = switch tls.settings.certificateVerification {
                case .fullVerification: "certificate and host"
                case .noHostnameVerification: "certificate"
                default: "nothing"
                }
                return "checks \(checks), \(tls.required ? "required" : "optional")"
            } ?? "off"
        }
        #expect(modes == ["off", "checks nothing, optional", "checks nothing, optional", "checks nothing, required",
                          "checks certificate, required", "checks certificate and host, required"])
    }

    @Test func thePasswordComesFromPGPASSWORDOrAPrivatePasswordFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-pgpass-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let file = folder + "/pgpass"
        try """
            # host:port:database:user:password
            other:5432:*:desk:not-this
            db.internal:6543:refunds:desk:pa\\:ss\\\\word
            localhost:*:*:desk:socket-pw
            """.write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)
        let tcp = try location("postgres://desk@db.internal:6543/refunds")
        #expect(tcp.password(environment: ["PGPASSFILE": file]) == "pa:ss\\word")
        #expect(tcp.password(environment: ["PGPASSFILE": file, "PGPASSWORD": "from-env"]) == "from-env")
        let socket = try location("postgres://desk@/refunds?host=/run/postgresql")
        #expect(socket.password(environment: ["PGPASSFILE": file]) == "socket-pw", "a socket matches localhost")
        chmod(file, 0o644)
        #expect(tcp.password(environment: ["PGPASSFILE": file]) == nil, "a password file others can read is ignored, as libpq does")
    }
}

/// A private PostgreSQL server: connecting, and each way connecting fails, said for a person.
@Suite struct PostgresConnectionTests {
    @Test func connectsAndEachFailureNamesTheServerNotThePassword() async throws {
        try await withPostgres { server in
            let url = server.url()
            let good = try PostgresLocation(url: url, environment: [:])
            let version = try await PostgresConnector.serverVersion(good, environment: ["PGPASSWORD": server.password])
            #expect(version.hasPrefix("1"), "server_version: \(version)")

            do throws(StoreError) {
                _ = try await PostgresConnector.serverVersion(good, environment: ["PGPASSWORD": "wrong-TESTSECRET"])
                Issue.record("a wrong password was accepted")
            } catch {
                #expect(error.kind == .authentication)
                #expect(error.description == "database \(good.description): the server refused the password of user refundwatch. Set the right one in PGPASSWORD or ~/.pgpass (host:port:database:user:password, mode 0600).")
                #expect(!error.description.contains("wrong-TESTSECRET") && !error.description.contains(server.password))
            }
            do throws(StoreError) {
                _ = try await PostgresConnector.serverVersion(good, environment: ["HOME": "/nonexistent"])
                Issue.record("no password was accepted")
            } catch {
                #expect(error.kind == .authentication)
                #expect(error.description.contains("the server asks for a password and none is set"), "\(error)")
            }
            let missing = try PostgresLocation(url: server.url(database: "nowhere"), environment: [:])
            do throws(StoreError) {
                _ = try await PostgresConnector.serverVersion(missing, environment: ["PGPASSWORD": server.password])
                Issue.record("a missing database was accepted")
            } catch {
                #expect(error.description.hasSuffix("the server has no database nowhere. Create it (createdb nowhere) or fix the URL's database name."), "\(error)")
            }
            await server.stop()
            do throws(StoreError) {
                _ = try await PostgresConnector.serverVersion(good, environment: ["PGPASSWORD": server.password])
                Issue.record("a stopped server answered")
            } catch {
                #expect(error.kind == .unreachable)
                // stop() removes the server's folder with its socket; a folder left without a socket is below.
                #expect(error.description == "database \(good.description): cannot connect: there is no folder \(server.folder) for the server's socket. "
                    + "Is the server running (systemctl status postgresql), and is \(server.folder) the folder of its socket "
                    + "(unix_socket_directories in postgresql.conf; the URL names it with ?host=)?", "\(error)")
            }
        }
    }

    /// With no server at all: what a person reads names what is missing in words, never a system
    /// call or an errno, and every parenthesis it opens it closes.
    @Test func aServerThatIsNotThereIsSaidInWords() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-nosocket-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await withRefusingLoopbackPort { port in
            let cases: [(url: String, says: String)] = [
                ("postgres://desk@/refunds?host=\(folder)", "cannot connect: there is no server socket \(folder)/.s.PGSQL.5432. Is the server running"),
                ("postgres://desk@/refunds?host=\(folder)/gone", "cannot connect: there is no folder \(folder)/gone for the server's socket. Is the server running"),
                ("postgres://desk@127.0.0.1:\(port)/refunds?sslmode=disable", "cannot connect: 127.0.0.1 refused the connection on port \(port)"),
            ]
            for (url, says) in cases {
                let location = try PostgresLocation(url: url, environment: [:])
                do throws(StoreError) {
                    _ = try await PostgresConnector.serverVersion(location, environment: ["PGPASSWORD": "pw-TESTSECRET"])
                    Issue.record("\(url) answered")
                } catch {
                    let text = error.description
                    #expect(error.kind == .unreachable)
                    #expect(text.hasPrefix("database \(location.description): \(says)"), "\(text)")
                    #expect(!text.contains("descriptor") && !text.contains("errno") && !text.contains("pw-TESTSECRET"), "\(text)")
                    #expect(text.filter { $0 == "(" }.count == text.filter { $0 == ")" }.count, "unbalanced: \(text)")
                }
            }
        }
    }
}

/// The PostgreSQL store's own checks, on a private server: a database that is someone else's or
/// newer is refused untouched, and two processes recording one order write its history once.
@Suite struct PostgresStoreTests {
    typealias B = ReportBuilder

    @Test func someoneElsesOrANewerDatabaseIsRefusedAndLeftUntouched() async throws {
        try await withPostgres { server in
            let environment = ["PGPASSWORD": server.password]
            try await server.psql("CREATE DATABASE other")
            try await server.psql("CREATE TABLE invoices (id int)", database: "other")
            let other = try PostgresLocation(url: server.url(database: "other"), environment: [:])
            do throws(StoreError) {
                _ = try await PostgresStore.open(other, environment: environment)
                Issue.record("someone else's database was opened")
            } catch {
                #expect(error.kind == .notRefundwatch)
                #expect(error.description == "database \(other.description): this database is not one of refundwatch's (it holds other tables). It was left untouched. Create an empty database for refundwatch (createdb refundwatch) and name it in the URL.")
            }
            #expect(try await server.psql("SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = 'public'", database: "other") == "invoices\n")

            try await server.psql("CREATE DATABASE watchlist")
            let ours = try PostgresLocation(url: server.url(database: "watchlist"), environment: [:])
            let store = try await PostgresStore.open(ours, environment: environment)
            _ = try await store.add([TrackedOrder(referenceID: "ORD-1", addedAt: B.created)])
            await store.close()
            let reopened = try await PostgresStore.open(ours, environment: environment)
            #expect(try await reopened.count() == 1, "opening again keeps what is there")
            await reopened.close()
            try await server.psql("UPDATE refundwatch_meta SET value = '99' WHERE key = 'schema_version'", database: "watchlist")
            do throws(StoreError) {
                _ = try await PostgresStore.open(ours, environment: environment)
                Issue.record("a newer database was opened")
            } catch {
                #expect(error.kind == .newerSchema)
                #expect(error.description.hasSuffix("it was written by a newer refundwatch (schema 99, this version knows up to \(PostgresSchema.latest)). It was left untouched. Upgrade refundwatch."))
            }
        }
    }

    @Test func twoProcessesRecordingOneOrderWriteItsHistoryOnce() async throws {
        try await withPostgres { server in
            let environment = ["PGPASSWORD": server.password]
            try await server.psql("CREATE DATABASE watchlist")
            let place = try PostgresLocation(url: server.url(database: "watchlist"), environment: [:])
            let first = try await PostgresStore.open(place, environment: environment)
            let second = try await PostgresStore.open(place, environment: environment)
            let id = try #require(try await first.add([TrackedOrder(referenceID: "ORD-1", addedAt: B.created)]).added.first?.id)
            let report = B.order([B.transaction("t", refunds: [B.refund("r", payu: B.record("r", status: .queued))])], fetchedAt: B.created)
            async let a = first.record(report, orderID: id, rules: DeadlineRules())
            async let b = second.record(report, orderID: id, rules: DeadlineRules())
            let outcomes = try await [a, b]
            #expect(outcomes.filter { $0?.isFirstFetch == true }.count == 1, "one of them saw the other's report")
            #expect(try await first.history(orderID: id).map(\.change) == OrderChange.between(nil, report))
            // Each sees the other's writes as another process's, and not its own.
            let seen = try await first.externalChanges()
            _ = try await second.add([TrackedOrder(referenceID: "ORD-2", addedAt: B.created)])
            #expect(try await first.externalChanges() != seen)
            await first.close()
            await second.close()
        }
    }
}
