import Foundation

/// Where a PostgreSQL database is, from a URL in the forms libpq users know:
///
///     postgres://user@host:5432/dbname?sslmode=verify-full
///     postgresql://user@/dbname?host=/run/postgresql      (a Unix-socket folder)
///     postgres://user@%2Frun%2Fpostgresql/dbname          (the same, in the host part)
///
/// Missing parts default as libpq's do: the socket folder `/var/run/postgresql`, port 5432, the
/// user `$PGUSER` or the login name, the database `$PGDATABASE` or the user's name, `sslmode`
/// `prefer`. A password is never taken from the URL (`ps` and shell history would show it): it
/// comes from `PGPASSWORD` or the password file (`PGPASSFILE`, else `~/.pgpass`).
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public enum Endpoint: Sendable, Hashable {
        case tcp(host: String, port: Int)
        /// A Unix socket: the folder holding `.s.PGSQL.<port>`.
        case socket(folder: String, port: Int)
    }

    public enum SSLMode: String, Sendable, Hashable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var endpoint: Endpoint
    public var user: String
    public var database: String
    public var sslMode: SSLMode
    /// Seconds to wait for the server to answer (`connect_timeout`); 10 by default.
    public var connectTimeout: Double

    /// A URL's problem: what is wrong and what to write instead. Never holds a password.
    public struct Invalid: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
    }

    /// Whether `text` is meant as a PostgreSQL URL (else `--db` names a SQLite file).
    public static func isURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(Invalid) {
        guard Self.isURL(text) else {
            throw Invalid(description: "not a PostgreSQL URL; expected postgres://user@host:port/dbname")
        }
        let schemeEnd = text.range(of: "://")!.upperBound
        var rest = Substring(text[schemeEnd...])
        var queryText: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            queryText = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var pathText: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            pathText = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var userText: Substring?
        if let at = rest.lastIndex(of: "@") {
            userText = rest[..<at]
            rest = rest[rest.index(after: at)...]
        }
        if let userText, userText.contains(":") {
            throw Invalid(description: "the URL holds a password, which ps and shell history would show: remove it (postgres://user@host/db) and set PGPASSWORD, or put it in ~/.pgpass")
        }
        var query: [String: String] = [:]
        for pair in queryText.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let key = Self.decode(parts[0]) ?? String(parts[0])
            let value = parts.count > 1 ? (Self.decode(parts[1]) ?? String(parts[1])) : ""
            if key == "password" {
                throw Invalid(description: "the URL holds a password (password=), which ps and shell history would show: remove it and set PGPASSWORD, or put it in ~/.pgpass")
            }
            query[key] = value
        }
        // host[:port]; an IPv6 address is written in brackets.
        var hostText = String(rest)
        var portText: String?
        if hostText.hasPrefix("[") {
            guard let close = hostText.firstIndex(of: "]") else { throw Invalid(description: "\"\(hostText)\": an IPv6 address needs its closing ]") }
            let after = hostText[hostText.index(after: close)...]
            if after.hasPrefix(":") { portText = String(after.dropFirst()) }
            hostText = String(hostText[hostText.index(after: hostText.startIndex)..<close])
        } else if let colon = hostText.lastIndex(of: ":") {
            portText = String(hostText[hostText.index(after: colon)...])
            hostText = String(hostText[..<colon])
        }
        let host = query["host"] ?? (hostText.isEmpty ? nil : Self.decode(Substring(hostText)) ?? hostText)
        let portValue = query["port"] ?? portText
        var port = 5432
        if let portValue, !portValue.isEmpty {
            guard let parsed = Int(portValue), (1...65535).contains(parsed) else {
                throw Invalid(description: "port \"\(portValue)\" is not a port number (1 to 65535)")
            }
            port = parsed
        }
        let user = query["user"] ?? userText.flatMap { Self.decode($0) }.flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["PGUSER"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.loginName()
        let database = query["dbname"] ?? Self.decode(pathText).flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["PGDATABASE"].flatMap { $0.isEmpty ? nil : $0 } ?? user
        let modeText = query["sslmode"] ?? environment["PGSSLMODE"] ?? "prefer"
        guard let mode = SSLMode(rawValue: modeText) else {
            throw Invalid(description: "sslmode \"\(modeText)\" is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var timeout = 10.0
        if let text = query["connect_timeout"] {
            guard let seconds = Double(text), seconds > 0 else { throw Invalid(description: "connect_timeout \"\(text)\" is not a number of seconds") }
            timeout = seconds
        }
        if let host, host.hasPrefix("/") {
            endpoint = .socket(folder: host, port: port)
        } else if let host {
            endpoint = .tcp(host: host, port: port)
        } else {
            endpoint = .socket(folder: "/var/run/postgresql", port: port)
        }
        self.user = user
        self.database = database
        sslMode = mode
        connectTimeout = timeout
    }

    /// The server as messages name it: "postgres://user@host:5432/db" or
    /// "postgres://user@/db?host=/run/postgresql". Never a password.
    public var description: String {
        switch endpoint {
        case .tcp(let host, let port):
            let shown = host.contains(":") ? "[\(host)]" : host
            return "postgres://\(user)@\(shown):\(port)/\(database)"
        case .socket(let folder, let port):
            return "postgres://\(user)@/\(database)?host=\(folder)" + (port == 5432 ? "" : "&port=\(port)")
        }
    }

    /// The host a password file line is matched against: the host name, or "localhost" for a
    /// Unix socket, as libpq does.
    var passwordFileHost: String {
        switch endpoint {
        case .tcp(let host, _): host
        case .socket: "localhost"
        }
    }

    var port: Int {
        switch endpoint {
        case .tcp(_, let port), .socket(_, let port): port
        }
    }

    /// The password: `PGPASSWORD`, else the first matching line of the password file
    /// (`hostname:port:database:username:password`, `*` matching anything, `\:` and `\\` escaped).
    /// A password file that its group or others can read is ignored, as libpq ignores it.
    public func password(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let password = environment["PGPASSWORD"], !password.isEmpty { return password }
        let file = environment["PGPASSFILE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.pgpass")
        var info = stat()
        guard stat(file, &info) == 0, Int(info.st_mode) & 0o077 == 0,
              let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        let wanted = [passwordFileHost, String(port), database, user]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = Self.passwordFileFields(line)
            guard fields.count == 5 else { continue }
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    static func passwordFileFields(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" && fields.count < 4 {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }

    private static func decode(_ text: Substring) -> String? {
        String(text).removingPercentEncoding
    }

    private static func loginName() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "postgres"
    }
}
