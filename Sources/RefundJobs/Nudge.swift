import Synchronization

/// Wakes a waiting task early: `poke()` from one task ends another's `wait()` at once (a poke
/// with nobody waiting is kept for the next wait; several are one). What a sleeping poller waits
/// on beside its clock, poked when another process writes to the store (a push that asked for an
/// order, a dashboard's `r`).
public final class Nudge: Sendable {
    private struct State {
        var poked = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    public func poke() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.poked = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns when poked (at once when poked since the last wait), or when the task is cancelled.
    public func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    // The cancellation flag is set before the handler below takes the lock: either
                    // it is seen here, or the handler finds the waiter and resumes it.
                    if state.poked || Task.isCancelled {
                        state.poked = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
