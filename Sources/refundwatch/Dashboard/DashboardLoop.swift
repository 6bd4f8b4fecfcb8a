import CursesTerminal
import DashboardCore
import Dispatch
import Foundation
import ServiceLifecycle
import Synchronization
import RefundJobs
import RefundKit
import WatchlistModel
import RefundStore

/// Set when a graceful shutdown begins, read by the UI thread between its steps.
final class StopFlag: Sendable {
    private let stopped = Mutex(false)
    func set() { stopped.withLock { $0 = true } }
    var isSet: Bool { stopped.withLock { $0 } }
}

/// Runs the dashboard: one thread owns the terminal (ncurses is not thread-safe) and runs
/// `DashboardRunner`, which waits for keys 100 ms at a time, applies actions and draws when
/// something changed. Effects run as tasks (`DashboardEffects`) and come back as actions. SIGINT,
/// SIGTERM and SIGHUP begin a graceful shutdown (`Lifecycle`, as for every long-running job),
/// which ends the loop the same way `q` does, so the terminal is always restored.
final class DashboardLoop: @unchecked Sendable {
    private let session: DashboardSession
    private let theme: Theme
    private let noColor: Bool
    private let stop = StopFlag()
    private var state: DashboardState

    init(session: DashboardSession, theme: Theme, noColor: Bool, flash: String?) {
        self.session = session
        self.theme = theme
        self.noColor = noColor
        state = DashboardState(now: session.clock(), wall: Date(), size: Size(width: 80, height: 24), interval: session.interval,
                               rules: session.rules, themeName: theme.name, demo: session.demo)
        let settings = session.settings
        state.mouse = settings.mouse
        state.readOnly = session.readOnly
        state.clockRate = session.demo ? DemoWatchlist.speed : 1
        state.settledInterval = settings.settledInterval
        state.archiveAfter = settings.archiveAfter
        state.notify = settings.alerts.notify
        state.person = settings.alerts.person()
        // tmux swallows an OSC notification unless it comes through its passthrough.
        state.insideTmux = !(ProcessInfo.processInfo.environment["TMUX"] ?? "").isEmpty
        // Charts in block characters and braille only where the locale is UTF-8.
        state.glyphs = ChartGlyphs.forLocale(ProcessInfo.processInfo.environment)
        state.braille = settings.braille && state.glyphs == .unicode
        state.accounts = settings.accountNames
        state.configuredViews = settings.views
        if settings.startOnOverview {
            // Above the watchlist, as `v` opens it; read on the first tick.
            state.stack.append(Frame(.overview))
            state.overviewStale = true
        }
        if let flash { state.flash = Flash(message: flash, isError: true, at: state.wall) }
    }

    /// Runs until `q` or a signal; throws when curses cannot start on this terminal.
    func run() async throws {
        try await Lifecycle.run { try await self.runUntilStopped() }
    }

    private func runUntilStopped() async throws {
        // The store is read whole for damage (`SQLiteStore.verify`) beside the first load; the
        // first page is shown before it ends, but the whole watchlist (and so any refresh, and any
        // write) only once it passed.
        let store = session.store
        let effects = DashboardEffects(session: session, verification: Task.detached { try await store.verify() })
        let stop = self.stop
        let started = Mutex<CursesError?>(nil)
        await withGracefulShutdownHandler {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                let thread = Thread { [self] in
                    // The terminal is given back before the command is told the loop ended: the
                    // process exits soon after (at once with nothing to close), and an exit before
                    // `restore` would leave the terminal on the dashboard's screen.
                    do throws(CursesError) {
                        let terminal = try CursesTerminal(theme: theme, noColor: noColor, mouse: state.mouse)
                        defer { terminal.restore() }
                        let clock = session.clock
                        let runner = DashboardRunner(state: state, terminal: terminal, performer: effects, clock: { (clock(), Date()) })
                        runner.run(until: { stop.isSet })
                    } catch {
                        started.withLock { $0 = error }
                    }
                    done.resume()
                }
                thread.name = "refundwatch-ui"
                thread.start()
            }
        } onGracefulShutdown: {
            stop.set()
        }
        // The subscriptions and the effects still running end with the dashboard.
        await effects.stop()
        if let error = started.withLock({ $0 }) { throw error }
    }
}
