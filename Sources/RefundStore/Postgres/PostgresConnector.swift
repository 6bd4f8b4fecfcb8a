import Foundation
import WatchlistModel
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// Connecting to a `PostgresLocation` through PostgresNIO, with every way that fails said as a
/// `StoreError` that names the server (never the password) and what to do.
public enum PostgresConnector {
    /// A connection configuration: the endpoint, the user, the password from `PGPASSWORD` or the
    /// password file, and TLS as `sslmode` asks (Unix sockets never use TLS).
    static func configuration(for location: PostgresLocation, environment: [String: String]) throws(StoreError) -> PostgresConnection.Configuration {
        let password = location.password(environment: environment)
        var configuration: PostgresConnection.Configuration
        switch location.endpoint {
        case .socket(let folder, let port):
            configuration = PostgresConnection.Configuration(unixSocketPath: folder + "/.s.PGSQL.\(port)", username: location.user,
                                                            password: password, database: location.database)
        case .tcp(let host, let port):
            configuration = PostgresConnection.Configuration(host: host, port: port, username: location.user, password: password,
                                                            database: location.database, tls: try tls(location))
        }
        configuration.options.connectTimeout = .milliseconds(Int64(location.connectTimeout * 1000))
        return configuration
    }

    /// What `sslmode` asks of TLS, as libpq reads it: nil for `disable`; otherwise the settings
    /// (`allow`, `prefer` and `require` encrypt without checking the certificate, `verify-ca`
    /// checks it against the system's roots, `verify-full` also the host name) and whether the
    /// connection must use TLS (`require` and the verify modes) or may go without.
    static func tlsSettings(_ mode: PostgresLocation.SSLMode) -> (settings: TLSConfiguration, required: Bool)? {
        var settings = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable: return nil
        case .allow, .prefer: settings.certificateVerification = .none; return (settings, false)
        case .require: settings.certificateVerification = .none; return (settings, true)
        case .verifyCA: settings.certificateVerification = .noHostnameVerification; return (settings, true)
        case .verifyFull: settings.certificateVerification = .fullVerification; return (settings, true)
        }
    }

    private static func tls(_ location: PostgresLocation) throws(StoreError) -> PostgresConnection.Configuration.TLS {
        guard let (settings, required) = tlsSettings(location.sslMode) else { return .disable }
        do {
            let context = try NIOSSLContext(configuration: settings)
            return required ? .require(context) : .prefer(context)
        } catch {
            throw StoreError(.cannotOpen, file: location.description, problem: "TLS could not be set up (\(error)).")
        }
    }

    /// Connects once and returns the server's version: whether the URL, the password and TLS work.
    public static func serverVersion(_ location: PostgresLocation, environment: [String: String] = ProcessInfo.processInfo.environment) async throws(StoreError) -> String {
        let configuration = try configuration(for: location, environment: environment)
        let logger = Logger(label: "refundwatch.postgres")
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
            defer { Task { try? await connection.close() } }
            var version = ""
            for try await (text,) in try await connection.query("SHOW server_version", logger: logger).decode((String,).self) {
                version = text
            }
            return version
        } catch {
            throw storeError(error, location: location)
        }
    }

    /// What a connection or query failure means, said for a person.
    static func storeError(_ error: any Error, location: PostgresLocation) -> StoreError {
        let server = location.description
        guard let psql = error as? PSQLError else {
            return StoreError(.cannotOpen, file: server, problem: "cannot connect (\(error)). Check the URL.")
        }
        let state = psql.serverInfo?[.sqlState]
        let message = psql.serverInfo?[.message] ?? ""
        switch state {
        case "28P01":
            return StoreError(.authentication, file: server, problem: "the server refused the password of user \(location.user). Set the right one in PGPASSWORD or ~/.pgpass (host:port:database:user:password, mode 0600).")
        case "28000":
            return StoreError(.authentication, file: server, problem: "the server does not let user \(location.user) in (\(message)). Ask its administrator for access (pg_hba.conf), or use another user in the URL.")
        case "3D000":
            return StoreError(.cannotOpen, file: server, problem: "the server has no database \(location.database). Create it (createdb \(location.database)) or fix the URL's database name.")
        default:
            break
        }
        if psql.code == .authMechanismRequiresPassword {
            return StoreError(.authentication, file: server, problem: "the server asks for a password and none is set. Set PGPASSWORD, or add a line to ~/.pgpass (host:port:database:user:password, mode 0600).")
        }
        if psql.code == .sslUnsupported {
            return StoreError(.cannotOpen, file: server, problem: "the server does not offer TLS, and sslmode=\(location.sslMode.rawValue) needs it. Enable TLS on the server, or (on a trusted network) use sslmode=prefer.")
        }
        if psql.code == .connectionError {
            return StoreError(.unreachable, file: server, problem: "cannot connect: " + connectionFailure(psql.underlying, location: location))
        }
        if !message.isEmpty {
            return StoreError(.other, file: server, problem: "the server says: \(message).")
        }
        return StoreError(.other, file: server, problem: "\(psql.code).")
    }

    /// Why the connection itself failed, in words, with what to check: never the system call NIO
    /// names (`connect(descriptor:addr:size:)`) or an errno number, which tell a person nothing.
    static func connectionFailure(_ underlying: (any Error)?, location: PostgresLocation) -> String {
        let running = "Is the server running (systemctl status postgresql)"
        switch location.endpoint {
        case .socket(let folder, let port):
            let socket = folder + "/.s.PGSQL.\(port)"
            let check = "\(running), and is \(folder) the folder of its socket (unix_socket_directories in postgresql.conf; the URL names it with ?host=)?"
            switch errno(of: underlying) {
            case ENOENT?:
                var isFolder: ObjCBool = false
                if !FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) || !isFolder.boolValue {
                    return "there is no folder \(folder) for the server's socket. \(check)"
                }
                return "there is no server socket \(socket). \(check)"
            case ECONNREFUSED?:
                return "nothing answers on the socket \(socket): the server is not running or is shutting down. \(check)"
            case EACCES?, EPERM?:
                return "this user may not use the socket \(socket) (permission denied). Ask the server's administrator for access, or connect over TCP (postgres://user@host/dbname)."
            default:
                return "\(reason(underlying)) on the socket \(socket). \(check)"
            }
        case .tcp(let host, let port):
            let check = "\(running), and does it listen on \(host) port \(port) (listen_addresses and port in postgresql.conf)?"
            if let lookup = underlying as? NIOConnectionError, lookup.connectionErrors.isEmpty, lookup.dnsAError != nil || lookup.dnsAAAAError != nil {
                return "the host name \(host) cannot be found (DNS). Check the host in the URL."
            }
            if case ChannelError.connectTimeout? = underlying as? ChannelError {
                return "\(host) port \(port) did not answer within \(location.connectTimeout.formatted()) s. Is the host right, and does a firewall let the port through? (connect_timeout=SECONDS in the URL waits longer.)"
            }
            switch errno(of: underlying) {
            case ECONNREFUSED?:
                return "\(host) refused the connection on port \(port). \(check)"
            case ETIMEDOUT?:
                return "\(host) port \(port) did not answer. Is the host right, and does a firewall let the port through?"
            case ENETUNREACH?, EHOSTUNREACH?:
                return "there is no route to \(host) from this machine. Check the host in the URL and the network."
            default:
                return "\(reason(underlying)) at \(host) port \(port). \(check)"
            }
        }
    }

    /// The system error behind a connection failure, from NIO's error or the first of its attempts.
    private static func errno(of error: (any Error)?) -> CInt? {
        if let io = error as? IOError { return io.errnoCode }
        if let attempts = error as? NIOConnectionError { return attempts.connectionErrors.lazy.compactMap { errno(of: $0.error) }.first }
        return nil
    }

    /// A failure no case above words: the system's own words for its errno ("network is down"),
    /// else the error's type, so that a person can still search for it.
    private static func reason(_ error: (any Error)?) -> String {
        if let code = errno(of: error) {
            let words = String(cString: strerror(code))
            return words.prefix(1).lowercased() + words.dropFirst()
        }
        guard let error else { return "the connection failed" }
        return "the connection failed (\(String(describing: type(of: error))))"
    }
}
