import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The token cache: one small JSON file per token URL and client id, holding the access token, its
/// times and the newest refresh token, readable by its owner only.
final class PayUTokenCache: Sendable {
    struct Entry: Codable, Sendable {
        var tokenURL: String
        var clientID: String
        /// SHA-256 of the configured refresh token this entry descends from: a new refresh token in
        /// the configuration (after authorizing again) starts a new chain instead of using this one.
        var configuredRefreshToken: String
        var accessToken: String
        var obtainedAt: Double
        var expiresAt: Double
        var refreshToken: String

        init(settings: PayUOAuthSettings, accessToken: String, obtainedAt: Date, expiresAt: Date, refreshToken: String) {
            tokenURL = settings.tokenURL
            clientID = settings.clientID
            configuredRefreshToken = PayUTokenCache.digest(settings.refreshToken.value)
            self.accessToken = accessToken
            self.obtainedAt = obtainedAt.timeIntervalSince1970
            self.expiresAt = expiresAt.timeIntervalSince1970
            self.refreshToken = refreshToken
        }

        /// The team's record read as an entry of the client `settings` describes (the record's key
        /// names that client).
        init(record: PayUTokenRecord, settings: PayUOAuthSettings) {
            tokenURL = settings.tokenURL
            clientID = settings.clientID
            configuredRefreshToken = record.configuredRefreshToken
            accessToken = record.accessToken.value
            obtainedAt = record.obtainedAt.timeIntervalSince1970
            expiresAt = record.expiresAt.timeIntervalSince1970
            refreshToken = record.refreshToken.value
        }

        func record(key: String) -> PayUTokenRecord {
            PayUTokenRecord(key: key, configuredRefreshToken: configuredRefreshToken, accessToken: Secret(accessToken),
                            obtainedAt: Date(timeIntervalSince1970: obtainedAt), expiresAt: Date(timeIntervalSince1970: expiresAt),
                            refreshToken: Secret(refreshToken))
        }

        var token: PayUAccessToken {
            PayUAccessToken(value: Secret(accessToken), obtainedAt: Date(timeIntervalSince1970: obtainedAt), expiresAt: Date(timeIntervalSince1970: expiresAt))
        }

        func belongs(to settings: PayUOAuthSettings) -> Bool {
            tokenURL == settings.tokenURL && clientID == settings.clientID && configuredRefreshToken == PayUTokenCache.digest(settings.refreshToken.value)
        }
    }

    let directory: String
    let file: String
    private let lockFile: String

    init(directory: String, settings: PayUOAuthSettings) {
        self.directory = directory
        let name = "payu-token-" + Self.digest(settings.tokenURL + "\n" + settings.clientID).prefix(16)
        file = directory + "/" + name + ".json"
        lockFile = directory + "/" + name + ".lock"
    }

    static func digest(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The entry, or nil when there is none or it cannot be read (then a new token is requested
    /// and the file replaced).
    func read() -> Entry? {
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        return try? JSONDecoder().decode(Entry.self, from: data)
    }

    /// Replaces the file atomically: written to a temporary file of mode 0600 beside it, flushed,
    /// then renamed over it, so a reader sees the old entry or the new one, never half of one. A
    /// cache that cannot be written leaves tokens in memory only.
    func write(_ entry: Entry) {
        guard ensureDirectory(), let data = try? JSONEncoder().encode(entry) else { return }
        let temporary = file + ".\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        let written = data.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        let flushed = fsync(descriptor) == 0
        close(descriptor)
        guard written == data.count, flushed, rename(temporary, file) == 0 else {
            unlink(temporary)
            return
        }
    }

    /// Runs `body` holding an exclusive lock on the cache, waited for without blocking a thread.
    /// Without a lock (the folder cannot be created) `body` runs anyway: tokens still work, only
    /// the sharing between processes is lost. The wait is on real time: it is for another
    /// process, which no injected clock moves.
    func withLock<T: Sendable>(_ body: @Sendable () async -> T) async -> T {
        guard ensureDirectory() else { return await body() }
        let descriptor = open(lockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return await body() }
        defer { close(descriptor) }
        let deadline = ContinuousClock.now + .seconds(30)
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        defer { flock(descriptor, LOCK_UN) }
        return await body()
    }

    private func ensureDirectory() -> Bool {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) { return isDirectory.boolValue }
        return (try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])) != nil
    }
}
