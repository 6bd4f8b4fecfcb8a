import Foundation
import Logging

/// Where refundwatch writes its log: `$XDG_STATE_HOME/refundwatch/refundwatch.log`
/// (`~/.local/state/refundwatch/refundwatch.log`). Never the screen: if the file cannot be opened,
/// logging is off. `REFUNDWATCH_LOG_LEVEL` (trace, debug, info, notice, warning, error) sets the level.
enum LogFile {
    static func path(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/state")
        return state + "/refundwatch/refundwatch.log"
    }

    /// Sets up swift-log once for the process.
    static func bootstrap(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let file = path(environment: environment)
        let level = environment["REFUNDWATCH_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        let sink = LogSink(path: file)
        LoggingSystem.bootstrap { label in
            guard let sink else { return SwiftLogNoOpLogHandler() }
            var handler = FileLogHandler(label: label, sink: sink)
            handler.logLevel = level
            return handler
        }
    }
}

/// One open log file shared by every logger; lines are appended whole, under a lock.
final class LogSink: @unchecked Sendable {
    private let handle: FileHandle
    private let lock = NSLock()

    init?(path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: path) {
                guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else { return nil }
            }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
        } catch {
            return nil
        }
    }

    func write(_ line: String) {
        lock.withLock { try? handle.write(contentsOf: Data(line.utf8)) }
    }
}

struct FileLogHandler: LogHandler {
    let label: String
    let sink: LogSink
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        let merged = metadata.merging(extra ?? [:]) { $1 }
        let fields = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let stamp = Date().formatted(.iso8601.year().month().day().timeZone(separator: .omitted).time(includingFractionalSeconds: true))
        sink.write("\(stamp) \(level) [\(label)] \(message)\(fields)\n")
    }
}
