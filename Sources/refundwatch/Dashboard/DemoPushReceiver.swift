import Foundation
import Hummingbird
import Logging
import RefundJobs
import RefundKit
import RefundSimulator
import WatchlistModel

/// `refundwatch --demo --push`: a receiver inside the demo dashboard, on a free loopback port,
/// taking the pushes of the demo's simulator as `refundwatch listen` takes Kaleyra's and PayU's
/// (the same routes, the simulator's header secret, the same store writes). The demo's watchlist
/// lives in the dashboard's memory, where no `listen` process could write, so the receiver runs
/// here; each push it keeps is told to the dashboard, which fetches what it names at once.
final class DemoPushReceiver: Sendable {
    /// The port the simulator pushes to.
    let port: Int
    /// One signal a push that asked for an order (several waiting are one).
    let signals: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let serving: Task<Void, Never>

    private init(port: Int, signals: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation, serving: Task<Void, Never>) {
        self.port = port
        self.signals = signals
        self.continuation = continuation
        self.serving = serving
    }

    /// `listen`'s settings for the demo: every route the simulator pushes to, on loopback, any free
    /// port, each checking the simulator's header secret.
    static func settings() -> ListenSettings {
        var settings = ListenSettings()
        settings.port = 0
        var source = ListenSettings.Source()
        source.headerName = PushTarget.defaultHeader
        source.headerSecret = Secret(PushTarget.defaultSecret)
        for name in PushSource.allCases { settings.sources[name.rawValue] = source }
        return settings
    }

    /// Listens, and returns once it does (or throws when it cannot).
    static func start(store: any WatchlistStore, accounts: [String]) async throws -> DemoPushReceiver {
        let settings = settings()
        let (signals, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let receiver = PushReceiver(settings: settings, accounts: accounts)
        let sink = StorePushSink(store: store, settings: settings, asked: { continuation.yield() })
        let (ports, portContinuation) = AsyncStream<Int>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let application = ListenCommand.application(settings: settings, receiver: receiver, sink: sink, server: try ListenCommand.server(settings),
                                                    logger: Logger(label: "refundwatch.demo.push")) { port in
            portContinuation.yield(port)
            portContinuation.finish()
        }
        let serving = Task {
            do {
                try await application.runService()
            } catch {
                Logger(label: "refundwatch.demo.push").warning("the demo's receiver stopped: \(String(describing: error).terminalSafe)")
            }
            portContinuation.finish()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            serving.cancel()
            throw CannotListen()
        }
        return DemoPushReceiver(port: port, signals: signals, continuation: continuation, serving: serving)
    }

    struct CannotListen: Error, CustomStringConvertible {
        var description: String { "the demo's push receiver could not listen on a loopback port" }
    }

    func stop() {
        serving.cancel()
        continuation.finish()
    }
}
