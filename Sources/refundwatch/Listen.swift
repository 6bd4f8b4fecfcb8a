import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import RefundJobs
import RefundKit
import RefundStore
import WatchlistModel

/// `refundwatch listen`: the receiver of Kaleyra's and PayU's pushes. Each accepted push is kept
/// in the store and makes the orders it names due now, as `r` does: a poller fetches them within
/// a second. A push is a hint, never the truth: what is stored comes from the lookup.
struct ListenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Take pushes from Kaleyra and PayU: each makes the orders it names due now, for a poller to fetch.",
        discussion: """
            Routes: POST /push/SOURCE (and /push/SOURCE/ACCOUNT) for each source [listen.SOURCE] turns on \
            (kaleyra, payu-webhook, payu-refund-status, payu-arn), and GET /health. Each push is authenticated as its \
            table says, kept once, and the orders it names asked for; a poller on the same store fetches them \
            (with no poller, listen fetches them itself; --no-fetch: never). SIGTERM or SIGINT stops it.

            To watch pushes arrive: refundwatch --demo --push, or refundwatch simulate --webhook http://127.0.0.1:8088 \
            beside listen, which pushes whenever one of its orders moves (docs/listen.md, "Trying it with the simulator").

            \(ExitStatus.helpText)
            """
    )

    @Option(help: ArgumentHelp("The address to listen on (default: [listen] bind, else 127.0.0.1).", valueName: "ADDR"))
    var bind: String?

    @Option(help: ArgumentHelp("The port (default: [listen] port, else 8088; 0 for any free port).", valueName: "N"))
    var port: Int?

    @Flag(help: "Write nothing to stderr but errors (the log file still gets every push).")
    var quiet = false

    @Flag(name: .customLong("no-fetch"), help: "Never fetch: leave the orders pushes ask for to the pollers, even when none runs.")
    var noFetch = false

    @OptionGroup var source: StoreSource

    func validate() throws {
        try source.validate()
        if source.demo {
            throw ValidationError("--demo: the demo's dashboard keeps its watchlist in memory, where listen cannot reach it. To watch pushes arrive in the demo, run refundwatch --demo --push (a receiver inside the dashboard); with listen as a process of its own, run refundwatch simulate --webhook http://127.0.0.1:8088 beside it (docs/listen.md, \"Trying it with the simulator\").")
        }
        if let port, !(0...65_535).contains(port) { throw ValidationError("--port \(port): give 1 to 65535, or 0 for any free port.") }
        if let bind, IPAddress(bind) == nil { throw ValidationError("--bind \(bind.terminalSafe): give an address such as 127.0.0.1 or ::1.") }
    }

    func run() async throws {
        // [listen] and the accounts' names only: recording pushes needs none of the APIs' secrets.
        let configuration: WatchlistSettings
        let store: any WatchlistStore
        do {
            store = try await source.openStore()
            configuration = try ConfigurationLoader().loadSettings(explicit: source.api.config)
        } catch {
            throw report(error)
        }
        guard var settings = configuration.listen, !settings.sources.isEmpty else {
            standardError("refundwatch: \(configuration.source ?? "the configuration") has no [listen.SOURCE] table: add one for each source that pushes, e.g. [listen.kaleyra] with header and secret_env (docs/listen.md).")
            throw ExitStatus.configuration.exitCode
        }
        if let bind { settings.bind = bind }
        if let port { settings.port = port }
        let listen = settings
        let receiver = PushReceiver(settings: settings, accounts: configuration.accountNames)
        let logger = Logger(label: "refundwatch.listen")
        let quiet = self.quiet
        let say: @Sendable (String) -> Void = { line in if !quiet { standardError("refundwatch listen: " + line) } }
        // With no poller on the store, listen fetches what pushes ask for itself, through the
        // configured accounts and their request budget; without them it only records.
        var environment: ServiceEnvironment?
        var fetcher: PushFetcher<ContinuousClock>?
        if noFetch {
            logger.info("--no-fetch: the pollers fetch what pushes ask for")
        } else {
            do {
                let made = try await source.makeEnvironment(store: store)
                let clock = try await source.clock(store)
                let api = made.service.configuration
                let refresher = WatchlistRefresher(store: store, service: made.service, rules: api.deadlineRules, thresholds: api.alerts.thresholds, now: clock)
                fetcher = PushFetcher(store: store, refresher: refresher, policy: api.pollPolicy, now: clock, clock: ContinuousClock(),
                                      poller: Poller(lease: 30, id: "listen:\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"),
                                      logger: logger, say: say)
                fetcher?.pushSilence = PushSilence(settings, watchedSince: Date())
                environment = made
            } catch {
                let line = "fetches nothing itself (\(described(error).1.terminalSafe)); run refundwatch poll beside it"
                logger.warning("\(line)")
                say(line)
            }
        }
        let (nudge, selfFetcher) = (fetcher?.nudge, fetcher)
        let sink = StorePushSink(store: store, settings: settings, asked: { nudge?.poke() })
        let server: HTTPServerBuilder
        do {
            server = try Self.server(settings)
        } catch {
            standardError("refundwatch: \(configuration.source ?? "the configuration"): \(error)")
            throw ExitStatus.configuration.exitCode
        }
        let scheme = settings.tlsCertificate == nil ? "" : " (TLS)"
        let application = Self.application(settings: settings, receiver: receiver, sink: sink, server: server, logger: logger) { port in
            let routes = listen.sources.keys.sorted().map { "/push/\($0)" }.joined(separator: ", ")
            let line = "listening on \(listen.bind):\(port): \(routes), /health\(scheme)"
            logger.info("\(line)")
            if !quiet { standardError("refundwatch listen: " + line) }
        }
        let keepBodies = settings.keepBodies
        do {
            try await Lifecycle.run(grace: .seconds(3)) {
                // Bodies past [listen] keep_bodies are dropped now and then every hour; what the
                // pushes named stays.
                let retention = Task {
                    while !Task.isCancelled {
                        _ = try? await store.forgetPushBodies(receivedBefore: Date().addingTimeInterval(-keepBodies))
                        try? await Task.sleep(for: .seconds(3_600))
                    }
                }
                let fetching = selfFetcher.map { fetcher in Task { await fetcher.run() } }
                defer {
                    retention.cancel()
                    fetching?.cancel()
                }
                try await application.runService()
            }
        } catch {
            await environment?.close()
            throw report(error)
        }
        await environment?.close()
        if !quiet { standardError("refundwatch listen: stopped") }
    }

    /// HTTP/1.1, idle connections closed after `read_timeout`; with TLS when `[listen]` has a
    /// certificate.
    static func server(_ settings: ListenSettings) throws(TLSFileError) -> HTTPServerBuilder {
        let http = HTTPServerBuilder.http1(configuration: .init(idleTimeout: .seconds(Int64(settings.readTimeout.rounded(.up)))))
        guard let tls = try Self.tls(settings) else { return http }
        do {
            return try .tls(http, tlsConfiguration: tls)
        } catch {
            throw TLSFileError(key: "tls_certificate", path: settings.tlsCertificate ?? "", problem: "\(error)", expected: "a certificate for its key")
        }
    }

    /// The receiver as an HTTP application: each request's body read (413, 408), handed to
    /// `receiver`, answered, and logged in one line. `running` is told the port once it listens.
    static func application(settings: ListenSettings, receiver: PushReceiver, sink: any PushSink, server: HTTPServerBuilder, logger: Logger,
                            running: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        let (maxBody, readTimeout) = (settings.maxBody, settings.readTimeout)
        return Application(
            responder: CallbackResponder<ListenContext> { request, context in
                let peer = context.remoteAddress?.ipAddress ?? "0.0.0.0"
                let body: ByteBuffer
                do {
                    body = try await Self.read(request, upTo: maxBody, within: readTimeout)
                } catch let refusal as PushRejection {
                    logger.notice("\(request.method) \(request.uri.path.terminalSafe) from \(peer): \(refusal.status) \(refusal.reason)")
                    return Self.response(PushResponse.refused(refusal))
                }
                var headers: [String: String] = [:]
                for field in request.headers {
                    let name = field.name.canonicalName.lowercased()
                    headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
                }
                let push = PushRequest(method: request.method.rawValue, path: request.uri.path, query: request.uri.query, peer: peer, headers: headers,
                                       body: Data(buffer: body))
                let answer = await receiver.handle(push, sink: sink)
                let line = "\(push.method) \(push.path.terminalSafe) from \(peer): \(answer.status) \(answer.body.terminalSafe)"
                if answer.status == 200 { logger.info("\(line)") } else { logger.notice("\(line)") }
                return Self.response(answer)
            },
            server: server,
            configuration: .init(address: .hostname(settings.bind, port: settings.port), serverName: "refundwatch"),
            onServerRunning: { channel in running(channel.localAddress?.port ?? settings.port) },
            logger: Logger(label: "refundwatch.listen.http") { _ in SwiftLogNoOpLogHandler() }
        )
    }

    /// `[listen] tls_certificate` and `tls_key` read into a server configuration; nil without
    /// them (behind a TLS-terminating proxy). A file that cannot be read is a configuration
    /// error naming it and why.
    static func tls(_ settings: ListenSettings) throws(TLSFileError) -> TLSConfiguration? {
        guard let certificatePath = settings.tlsCertificate, let keyPath = settings.tlsKey else { return nil }
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw TLSFileError(key: "tls_certificate", path: certificatePath, problem: "\(error)", expected: "a PEM certificate chain")
        }
        guard !certificates.isEmpty else {
            throw TLSFileError(key: "tls_certificate", path: certificatePath, problem: "no certificate in it", expected: "a PEM certificate chain")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw TLSFileError(key: "tls_key", path: keyPath, problem: "\(error)", expected: "the PEM private key of the certificate")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: certificates.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        return configuration
    }

    struct TLSFileError: Error, CustomStringConvertible {
        var key: String
        var path: String
        var problem: String
        var expected: String
        var description: String {
            "[listen] \(key) = \"\(path.terminalSafe)\": cannot be read as \(expected) (\(problem.terminalSafe))"
        }
    }

    /// The body, at most `limit` bytes (413 beyond), read within `seconds` (408 after: a client
    /// that sends a byte a second is cut off, and the others are answered throughout).
    static func read(_ request: Request, upTo limit: Int, within seconds: Double) async throws -> ByteBuffer {
        try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask {
                do {
                    return try await request.body.collect(upTo: limit)
                } catch is NIOTooManyBytesError {
                    throw PushRejection(status: 413, "the body is over \(limit) bytes")
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let body = first else {
                throw PushRejection(status: 408, "the request took more than \(DurationText.short(seconds)) to arrive")
            }
            return body
        }
    }

    /// The answer as HTTP: JSON with a newline after it, or Meta's challenge exactly as it came.
    static func response(_ answer: PushResponse) -> Response {
        var headers: HTTPFields = [.contentType: answer.contentType]
        if let wait = answer.headers["Retry-After"] { headers[.retryAfter] = wait }
        if let allow = answer.headers["Allow"] { headers[.allow] = allow }
        return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: answer.contentType == "text/plain" ? answer.body : answer.body + "\n")))
    }
}

/// A request's context with the peer's address, for the allow-lists and the per-address rate.
struct ListenContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
