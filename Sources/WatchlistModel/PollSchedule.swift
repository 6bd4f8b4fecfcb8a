import Foundation
import RefundModel

/// The watchlist's poll schedule kept up to date order by order, for a screen that shows it every
/// second: what `PollPlan` says of the watchlist at any moment, without working out every order's
/// due time each time (10,000 orders: a few milliseconds a second, most of an idle dashboard's
/// CPU). An order's row changing costs a binary search; the clock moving costs nothing, except
/// when an order settled long ago becomes archived. It keeps nothing per order but sorted slots
/// (about 40 bytes an order), so the caller says which row an order had (`update`).
///
/// Each order is waiting (it can still change soon, its last fetch failed, it was never fetched
/// or someone asked for it), settled (it waits for nothing more) or archived (settled longer
/// than `archiveAfter`), with the time it is due, as `PollPolicy` says.
public struct PollSchedule: Sendable {
    public private(set) var policy: PollPolicy
    /// Settled longer than `archive_after`: not polled.
    public private(set) var archived = 0

    fileprivate struct Slot: Comparable, Sendable {
        var date: Date
        var id: Int64
        static func < (a: Slot, b: Slot) -> Bool { a.date != b.date ? a.date < b.date : a.id < b.id }
    }

    private enum Kind: Sendable {
        case waiting, settled, archived
    }

    /// Where an order is: nothing is kept per order but these slots (a watchlist of 100,000 orders
    /// is the dashboard's memory), so that an order's old row says where to find it.
    private struct Place {
        var kind: Kind
        var due: Date
        /// When it becomes archived by the clock alone (nil: never, or already).
        var archivesAt: Date?
    }

    private var waiting = SortedSlots()
    private var settled = SortedSlots()
    /// When orders become archived, with where each is until then (its kind and due time).
    private var archiving: [(slot: Slot, kind: Kind, due: Date)] = []

    public init(policy: PollPolicy) { self.policy = policy }

    /// The schedule of `rows` at `now`.
    public init(_ rows: [WatchedOrder], policy: PollPolicy, now: Date) {
        self.policy = policy
        reset(rows, now: now)
    }

    /// Every order again (the watchlist read whole, a new policy, a clock set back).
    public mutating func reset(_ rows: [WatchedOrder], policy: PollPolicy? = nil, now: Date) {
        if let policy { self.policy = policy }
        archived = 0
        var waiting: [Slot] = [], settled: [Slot] = []
        var archiving: [(slot: Slot, kind: Kind, due: Date)] = []
        waiting.reserveCapacity(rows.count)
        for row in rows {
            guard let id = row.order.id else { continue }
            let place = classify(row, now: now)
            switch place.kind {
            case .waiting: waiting.append(Slot(date: place.due, id: id))
            case .settled: settled.append(Slot(date: place.due, id: id))
            case .archived: archived += 1
            }
            if let at = place.archivesAt { archiving.append((Slot(date: at, id: id), place.kind, place.due)) }
        }
        waiting.sort()
        settled.sort()
        archiving.sort { $0.slot < $1.slot }
        self.waiting = SortedSlots(waiting)
        self.settled = SortedSlots(settled)
        self.archiving = archiving
    }

    /// One order's row changed (fetched, changed by another process), was added (`old` nil) or
    /// removed (`new` nil). `old` is the row the schedule last had for it: it says where the order
    /// was. The schedule must have been advanced to `now` (`advance(to:)`) as the clock moved.
    public mutating func update(_ new: WatchedOrder?, replacing old: WatchedOrder?, now: Date) {
        if let old, let id = old.order.id { take(classify(old, now: now), id: id) }
        if let new, let id = new.order.id { put(classify(new, now: now), id: id) }
    }

    /// The clock moved to `now`: orders settled longer than `archiveAfter` by then are archived.
    public mutating func advance(to now: Date) {
        guard let first = archiving.first, first.slot.date <= now else { return }
        let count = archiving.prefix { $0.slot.date <= now }.count
        for (slot, kind, due) in archiving.prefix(count) {
            switch kind {
            case .waiting: waiting.remove(Slot(date: due, id: slot.id))
            case .settled: settled.remove(Slot(date: due, id: slot.id))
            case .archived: break
            }
            archived += 1
        }
        archiving.removeFirst(count)
    }

    private mutating func put(_ place: Place, id: Int64) {
        switch place.kind {
        case .waiting: waiting.insert(Slot(date: place.due, id: id))
        case .settled: settled.insert(Slot(date: place.due, id: id))
        case .archived: archived += 1
        }
        if let at = place.archivesAt {
            let slot = Slot(date: at, id: id)
            archiving.insert((slot, place.kind, place.due), at: archivingPosition(of: slot))
        }
    }

    private mutating func take(_ place: Place, id: Int64) {
        switch place.kind {
        case .waiting: waiting.remove(Slot(date: place.due, id: id))
        case .settled: settled.remove(Slot(date: place.due, id: id))
        case .archived: archived -= 1
        }
        if let at = place.archivesAt {
            let slot = Slot(date: at, id: id)
            let index = archivingPosition(of: slot)
            if index < archiving.count, archiving[index].slot == slot { archiving.remove(at: index) }
        }
    }

    /// The position of the first archiving slot not before `slot`.
    private func archivingPosition(of slot: Slot) -> Int {
        var low = 0, high = archiving.count
        while low < high {
            let middle = (low + high) / 2
            if archiving[middle].slot < slot { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// As `PollPlan`: archived when settled longer than `archiveAfter` (unless asked for); else
    /// settled or waiting, due when `WatchedOrder.due` says.
    private func classify(_ row: WatchedOrder, now: Date) -> Place {
        if row.requestedAt != nil {
            // Asked for: due now, whatever else.
            return Place(kind: .waiting, due: .distantPast, archivesAt: nil)
        }
        switch row.due(policy, now: now) {
        case .archived:
            return Place(kind: .archived, due: .distantFuture, archivesAt: nil)
        case .at(let date):
            let archivesAt = row.summary?.settledAt.map { $0.addingTimeInterval(policy.archiveAfter) }
            let kind: Kind = row.summary?.settledAt != nil && row.failures == 0 ? .settled : .waiting
            return Place(kind: kind, due: date, archivesAt: archivesAt)
        }
    }

    // MARK: - What it says at a moment

    /// Orders due by `date`, waiting or settled.
    public func dueCount(by date: Date) -> Int {
        waiting.count(through: date) + settled.count(through: date)
    }

    /// The orders due by `date`, soonest first.
    public func due(by date: Date) -> [Int64] {
        (waiting.prefix(through: date) + settled.prefix(through: date)).sorted().map(\.id)
    }

    /// Orders that can still change soon and are not due at `now`, and when the first is due.
    public func waiting(after now: Date) -> (count: Int, next: Date?) {
        (waiting.count - waiting.count(through: now), waiting.first(after: now)?.date)
    }

    /// Settled orders not due at `now`, and when the first is due.
    public func settled(after now: Date) -> (count: Int, next: Date?) {
        (settled.count - settled.count(through: now), settled.first(after: now)?.date)
    }

    /// Everything not archived.
    public var polled: Int { waiting.count + settled.count }
}

extension PollSchedule {
    /// Slots kept sorted, for binary searches.
    fileprivate struct SortedSlots: Sendable {
        private(set) var items: [Slot]

        init(_ sorted: [Slot] = []) { items = sorted }

        var count: Int { items.count }
        var first: Slot? { items.first }

        /// The position of the first slot not before `slot`.
        private func position(of slot: Slot) -> Int {
            var low = 0, high = items.count
            while low < high {
                let middle = (low + high) / 2
                if items[middle] < slot { low = middle + 1 } else { high = middle }
            }
            return low
        }

        /// The number of slots dated `date` or earlier.
        func count(through date: Date) -> Int {
            var low = 0, high = items.count
            while low < high {
                let middle = (low + high) / 2
                if items[middle].date <= date { low = middle + 1 } else { high = middle }
            }
            return low
        }

        func prefix(through date: Date) -> ArraySlice<Slot> { items.prefix(count(through: date)) }

        func first(after date: Date) -> Slot? {
            let index = count(through: date)
            return index < items.count ? items[index] : nil
        }

        mutating func insert(_ slot: Slot) { items.insert(slot, at: position(of: slot)) }

        mutating func remove(_ slot: Slot) {
            let index = position(of: slot)
            if index < items.count, items[index] == slot { items.remove(at: index) }
        }

    }
}
