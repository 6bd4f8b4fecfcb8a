/// Which account, and which of its payment configurations, each catalogue order belongs to.
///
/// Every (account, payment configuration) pair is one slot, in the order of `accounts` and of each
/// account's `paymentConfigIDs`; an order goes to the slot its reference id's FNV-1a hash picks
/// (FNV-1a with SplitMix64's finalizer, not Swift's per-process `hashValue`), so the same seed gives the same split
/// in every run. With one slot (one account with one configuration) every order is in it. A PayU
/// transaction belongs where its order does.
struct OrderOwnership: Sendable {
    struct Slot: Sendable, Equatable {
        /// Index into `SimulatorOptions.accounts`.
        let account: Int
        let paymentConfigID: String
    }

    let slots: [Slot]
    private let byReferenceID: [String: Int]
    private let byPayUID: [String: Int]

    init(accounts: [SimulatorCredentials], catalogue: Catalogue) {
        var slots: [Slot] = []
        for (index, account) in accounts.enumerated() {
            for config in account.paymentConfigIDs { slots.append(Slot(account: index, paymentConfigID: config)) }
        }
        if slots.isEmpty { slots = [Slot(account: 0, paymentConfigID: "")] }
        self.slots = slots
        var byReferenceID: [String: Int] = [:]
        var byPayUID: [String: Int] = [:]
        for order in catalogue.orders {
            let slot = Self.slot(of: order.referenceID, among: slots.count)
            byReferenceID[order.referenceID] = slot
            for payuID in order.payuTransactionIDs { byPayUID[payuID] = slot }
        }
        self.byReferenceID = byReferenceID
        self.byPayUID = byPayUID
    }

    /// The slot of a catalogue order; nil for a reference id the catalogue does not have.
    func slot(ofOrder referenceID: String) -> Slot? {
        byReferenceID[referenceID].map { slots[$0] }
    }

    /// The account a payu_id belongs to: its order's, or (a PayU transaction on no order) the
    /// slot its own hash picks.
    func account(ofPayUID payuID: String) -> Int {
        slots[byPayUID[payuID] ?? Self.slot(of: payuID, among: slots.count)].account
    }

    static func slot(of text: String, among count: Int) -> Int {
        guard count > 1 else { return 0 }
        // SplitMix64's finalizer spreads FNV's bits, so ids that differ in one digit spread too.
        var z = fnv1a(text)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(count))
    }

    /// FNV-1a, 64 bits, over the UTF-8 bytes: fixed forever, unlike `Hasher`.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}
