import Foundation

/// Where an order was found: the account and the payment configuration that knew it (and the
/// phone number id, when it is not the account's own).
public struct OrderPlace: Sendable, Hashable {
    public var account: String
    public var phoneNumberID: String?
    public var paymentConfigID: String?

    public init(account: String, phoneNumberID: String? = nil, paymentConfigID: String? = nil) {
        self.account = account
        self.phoneNumberID = phoneNumberID
        self.paymentConfigID = paymentConfigID
    }
}
