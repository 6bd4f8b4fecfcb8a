import Foundation

/// Runs the I/O an `Effect` asks for (fetching, storing, writing files) and posts what came of it
/// as actions; the executable's implementation is the only one that touches the store and the
/// network. It decides nothing a user sees: the words come from `update`.
public protocol EffectPerformer: Sendable {
    /// Starts `effect` (it may finish later, on another thread) and posts its results.
    func perform(_ effect: Effect, post: @escaping @Sendable (Action) -> Void)
    /// Reads the theme called `name`, or says why it cannot be used.
    func loadTheme(_ name: String) -> Result<Theme, ThemeFailure>
}

/// Why a theme could not be used, in words for the flash line.
public struct ThemeFailure: Error, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Actions that arrive from other threads (fetch results, loads) for the loop's thread to apply.
final class Inbox: @unchecked Sendable {
    private var actions: [Action] = []
    private let lock = NSLock()
    func post(_ action: Action) { lock.withLock { actions.append(action) } }
    func drain() -> [Action] { lock.withLock { defer { actions.removeAll() }; return actions } }
}

/// The dashboard's loop, on the one thread that owns the terminal: it waits for an event, applies
/// it and whatever effects posted back, ticks the clocks once a second, and draws when something
/// changed. Effects on the terminal (quit, copy, theme) are done here; the rest go to the
/// performer.
public final class DashboardRunner {
    public private(set) var state: DashboardState
    public private(set) var quit = false
    private let terminal: any Terminal
    private let performer: any EffectPerformer
    private let clock: () -> (now: Date, wall: Date)
    private let inbox = Inbox()
    private var dirty = true
    private var lastTick = Date.distantPast
    /// When an effect last went to the performer.
    private var lastEffect = Date.distantPast

    /// `clock` gives the data's time and real time (they differ in the demo).
    public init(state: DashboardState, terminal: any Terminal, performer: any EffectPerformer, clock: @escaping () -> (now: Date, wall: Date)) {
        self.state = state
        self.terminal = terminal
        self.performer = performer
        self.clock = clock
    }

    /// Takes the terminal's size and loads the watchlist: call once before `step`.
    public func start() {
        dispatch(.resize(terminal.size))
        dispatch(effects: [.loadWatchlist])
    }

    /// One turn: an event (waiting up to `milliseconds`), the actions posted meanwhile, a tick if
    /// a second passed, a frame if anything changed. Returns false once the dashboard quit.
    @discardableResult
    public func step(waiting milliseconds: Int) -> Bool {
        if let event = terminal.next(waiting: milliseconds) {
            switch event {
            case .key(let key): dispatch(.key(key))
            case .mouse(let mouse): dispatch(.mouse(mouse))
            case .resize(let size): dispatch(.resize(size))
            case .hangup: quit = true
            }
        }
        for action in inbox.drain() { dispatch(action) }
        let (now, wall) = clock()
        if wall.timeIntervalSince(lastTick) >= 1 {
            lastTick = wall
            dispatch(.tick(now: now, wall: wall))
        }
        if dirty && !quit {
            terminal.draw(Dashboard.render(state))
            dirty = false
        }
        return !quit
    }

    /// Steps until the dashboard quits or `stop` says so.
    public func run(until stop: () -> Bool) {
        start()
        while !quit && !stop() { step(waiting: waitMilliseconds) }
    }

    /// How long a step waits for the terminal. Curses cannot be woken by another thread, so an
    /// effect's result waits until the wait ends: short (15 ms) while results are expected (the
    /// watchlist loading, a refresh running, an effect started in the last two seconds), 100 ms
    /// when idle, which keeps an idle dashboard at ten wake-ups a second. With a fixed 100 ms the
    /// loaded watchlist waited up to 100 ms to be drawn. While pollers run, what they store is
    /// the news: 25 ms, so a change is on screen within a few tens of milliseconds of its NOTIFY.
    public var waitMilliseconds: Int {
        let expecting = !state.loaded || state.isRefreshing || clock().wall.timeIntervalSince(lastEffect) < 2
        return expecting ? 15 : state.pollersRun ? 25 : 100
    }

    /// An action from outside the loop (a test, a signal): applied on the next step.
    public func post(_ action: Action) { inbox.post(action) }

    private func dispatch(_ action: Action) {
        dispatch(effects: Dashboard.update(&state, action))
        dirty = true
    }

    private func dispatch(effects: [Effect]) {
        let inbox = self.inbox
        for effect in effects {
            switch effect {
            case .quit:
                quit = true
            case .switchTheme(let name):
                // Drawing belongs to this thread, so the theme is applied here.
                switch performer.loadTheme(name) {
                case .success(let theme):
                    terminal.setTheme(theme)
                    inbox.post(.themeChanged(name))
                case .failure(let failure):
                    inbox.post(.themeFailed(name, failure.description))
                }
            case .copy(let text):
                terminal.copyToClipboard(text)
            case .ring(let sequence):
                terminal.ring(sequence)
            default:
                lastEffect = clock().wall
                performer.perform(effect) { inbox.post($0) }
            }
        }
    }
}
