import CursesTerminal
import DashboardCore
import Dispatch
import Foundation
import RefundKit
import RefundStore

/// Actions that arrive from other threads (fetch results, loads) for the UI thread to apply.
final class Inbox: @unchecked Sendable {
    private var actions: [Action] = []
    private let lock = NSLock()
    func post(_ action: Action) { lock.withLock { actions.append(action) } }
    func drain() -> [Action] { lock.withLock { defer { actions.removeAll() }; return actions } }
}

/// Set from a signal handler's queue, read by the UI thread.
final class StopFlag: @unchecked Sendable {
    private var stopped = false
    private let lock = NSLock()
    func set() { lock.withLock { stopped = true } }
    var isSet: Bool { lock.withLock { stopped } }
}

/// Runs the dashboard: one thread owns the terminal (ncurses is not thread-safe) and the state;
/// it waits for keys 100 ms at a time, applies actions, and draws when something changed. Effects
/// run as tasks and come back through the inbox. SIGINT, SIGTERM and SIGHUP end the loop the same
/// way `q` does, so the terminal is always restored.
final class DashboardLoop: @unchecked Sendable {
    private let session: DashboardSession
    private let theme: Theme
    private let noColor: Bool
    private let inbox = Inbox()
    private let stop = StopFlag()
    private var state: DashboardState
    private var signalSources: [any DispatchSourceSignal] = []
    /// The store read whole for damage (`RefundStore.verify`), started with the loop; rows are shown
    /// (and so refreshed, and written) only once it passed.
    private var verification: Task<Void, any Error>?

    init(session: DashboardSession, theme: Theme, noColor: Bool, flash: String?) {
        self.session = session
        self.theme = theme
        self.noColor = noColor
        let now = session.clock()
        state = DashboardState(now: now, wall: Date(), size: Size(width: 80, height: 24), interval: session.interval,
                               rule: session.refresher.rule, themeName: theme.name, demo: session.demo)
        if let flash { state.flash = Flash(message: flash, isError: true, at: state.wall) }
    }

    func run() async {
        watchSignals()
        let store = session.store
        verification = Task.detached { try store.verify() }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let thread = Thread { [self] in
                uiLoop()
                done.resume()
            }
            thread.name = "refundwatch-ui"
            thread.start()
        }
        for source in signalSources { source.cancel() }
    }

    private func watchSignals() {
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [stop] in stop.set() }
            source.resume()
            signalSources.append(source)
        }
    }

    private func uiLoop() {
        let terminal = CursesTerminal(theme: theme, noColor: noColor)
        defer { terminal.restore() }
        var quit = false
        var dirty = true
        var lastTick = Date.distantPast
        func dispatch(_ action: Action) {
            for effect in Dashboard.update(&state, action) {
                switch effect {
                case .quit:
                    quit = true
                case .switchTheme(let name):
                    // Drawing belongs to this thread, so the theme is applied here.
                    switch ThemeFiles.load(name) {
                    case .success(let theme):
                        terminal.setTheme(theme)
                        inbox.post(.themeChanged(name))
                    case .failure(let error):
                        inbox.post(.failed(error.description))
                    }
                case .copy(let text):
                    terminal.copyToClipboard(text)
                default:
                    perform(effect)
                }
            }
            dirty = true
        }
        dispatch(.resize(terminal.size))
        perform(.loadWatchlist)
        while !quit && !stop.isSet {
            if let event = terminal.next(waiting: 100) {
                switch event {
                case .key(let key): dispatch(.key(key))
                case .resize(let size): dispatch(.resize(size))
                }
            }
            for action in inbox.drain() { dispatch(action) }
            let wall = Date()
            if wall.timeIntervalSince(lastTick) >= 1 {
                lastTick = wall
                dispatch(.tick(now: session.clock(), wall: wall))
            }
            if dirty && !quit {
                terminal.draw(Dashboard.render(state))
                dirty = false
            }
        }
    }

    private func perform(_ effect: Effect) {
        let store = session.store
        let inbox = self.inbox
        switch effect {
        case .quit, .switchTheme, .copy:
            break
        case .lookup(let id, let referenceID):
            let service = session.environment.service
            Task.detached {
                do throws(RefundWatchError) {
                    inbox.post(.lookedUp(id, report: try await service.report(referenceID: referenceID), error: nil))
                } catch {
                    inbox.post(.lookedUp(id, report: nil, error: ReportedError(error)))
                }
            }
        case .track(let referenceIDs):
            let now = session.clock()
            Task.detached {
                do throws(StoreError) {
                    let outcome = try store.add(referenceIDs.map { TrackedOrder(referenceID: $0, addedAt: now) })
                    inbox.post(.watchlistLoaded(try store.watchlist()))
                    inbox.post(.tracked(added: outcome.added, alreadyTracked: outcome.duplicates.map(\.referenceID)))
                } catch {
                    inbox.post(.failed(error.description))
                }
            }
        case .untrack(let referenceID):
            Task.detached {
                do throws(StoreError) {
                    _ = try store.remove(referenceIDs: [referenceID])
                    inbox.post(.watchlistLoaded(try store.watchlist()))
                    inbox.post(.untracked(referenceID))
                } catch {
                    inbox.post(.failed(error.description))
                }
            }
        case .export(let orderIDs, let path):
            let (rule, now) = (session.refresher.rule, session.clock())
            Task.detached {
                do {
                    let file = try ExportFile(store: store, orderIDs: Set(orderIDs), rule: rule, now: now, format: ExportFile.format(for: path))
                    try file.write(to: path)
                    let full = URL(fileURLWithPath: path).standardizedFileURL.path
                    var message = "exported \(plural(file.refunds, "refund")) of \(plural(file.orders, "order")) to \(full)"
                    if file.unfetched > 0 { message += " (\(file.unfetched) not fetched yet, left out)" }
                    inbox.post(.notice(message))
                } catch let error as ExportFile.WriteError {
                    inbox.post(.failed("export: " + error.message))
                } catch {
                    inbox.post(.failed("export: \(error)"))
                }
            }
        case .loadWatchlist:
            let verification = self.verification
            Task.detached {
                do {
                    let rows = try store.watchlist()
                    try await verification?.value
                    inbox.post(.watchlistLoaded(rows))
                } catch let error as StoreError {
                    inbox.post(.failed(error.description))
                } catch {
                    inbox.post(.failed("\(error)"))
                }
            }
        case .loadDetail(let id):
            Task.detached {
                do throws(StoreError) {
                    inbox.post(.detailLoaded(id, Detail(report: try store.report(orderID: id), history: try store.history(orderID: id))))
                } catch {
                    inbox.post(.failed(error.description))
                }
            }
        case .refresh(let orders):
            let refresher = session.refresher
            Task.detached {
                do throws(StoreError) {
                    _ = try await refresher.refresh(orders) { result, _ in
                        guard let id = result.order.id else { return }
                        let row = try? store.watchedOrder(id: id)
                        switch result.outcome {
                        case .failed(let error):
                            inbox.post(.fetched(id, row: row, error: error))
                        case .unreadable(let error):
                            inbox.post(.failed(error.description))
                            inbox.post(.fetched(id, row: row, error: nil))
                        case .recorded, .removed:
                            inbox.post(.fetched(id, row: row, error: nil))
                        }
                    }
                } catch {
                    inbox.post(.failed(error.description))
                    for order in orders { if let id = order.id { inbox.post(.fetched(id, row: nil, error: nil)) } }
                }
            }
        }
    }
}
