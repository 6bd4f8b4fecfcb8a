import Foundation

/// One account of the configuration: a Kaleyra side (the WhatsApp business number's Kaleyra
/// account) and, optionally, the PayU side of the same business, with the request budgets of both.
///
/// A file names its accounts in one of two forms, or both:
///
///     [kaleyra]                  # the account "default" (the single form)
///     ...
///     [payu]                     # optional: the PayU side of "default"
///     ...
///
///     [accounts.acme.kaleyra]    # the account "acme"
///     ...
///     [accounts.acme.payu]       # optional, and [accounts.acme.payu.oauth]
///     ...
///
/// Each `[accounts.NAME.…]` table takes exactly the keys of the top-level table of the same name.
/// `RefundConfiguration.accounts` lists `default` first (when `[kaleyra]` is written), then the
/// named accounts sorted by name.
public struct AccountSettings: Sendable, Hashable {
    /// The name of the account the single form (`[kaleyra]` and `[payu]` at the top) describes.
    public static let defaultName = "default"

    /// The budgets an account has when its tables set no `max_requests_per_second`:
    /// `RequestBudget.kaleyraDefault` for Kaleyra, `RequestBudget.payuDefault` for PayU.
    public static let defaultRequestsPerSecond: [Service: Double] = [
        .kaleyra: RequestBudget.kaleyraDefault, .payu: RequestBudget.payuDefault,
    ]

    /// `default` for the single form, else NAME of `[accounts.NAME]`: 1 to 32 letters, digits,
    /// `_` or `-`. Two names that differ only in case are the same name, and the file is refused.
    public var name: String
    /// `[kaleyra]` or `[accounts.NAME.kaleyra]`.
    public var kaleyra: KaleyraSettings
    /// `[payu]` or `[accounts.NAME.payu]`; nil when the account has none (its PayU transactions
    /// then show without bank details).
    public var payu: PayUSettings?
    /// `max_requests_per_second` of the account's Kaleyra table (`.kaleyra`) and PayU table
    /// (`.payu`), each `defaultRequestsPerSecond` when not written. The PayU budget is there even
    /// for an account without PayU.
    public var requestsPerSecond: [Service: Double]

    public init(name: String, kaleyra: KaleyraSettings, payu: PayUSettings?,
                requestsPerSecond: [Service: Double] = AccountSettings.defaultRequestsPerSecond) {
        self.name = name
        self.kaleyra = kaleyra
        self.payu = payu
        self.requestsPerSecond = requestsPerSecond
    }

    /// Whether `name` may name an account: 1 to 32 ASCII letters, digits, `_` or `-`.
    static func isValidName(_ name: String) -> Bool {
        name.wholeMatch(of: /[A-Za-z0-9_-]{1,32}/) != nil
    }

    /// Whether two account names are the same name (case is not significant).
    static func sameName(_ a: String, _ b: String) -> Bool {
        a.lowercased() == b.lowercased()
    }
}
