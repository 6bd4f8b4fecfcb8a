import Crypto
import Foundation

/// PayU's request hash: lowercase hex SHA-512 of `merchant_id|payu_id|client_secret`.
///
/// The hash input holds the client secret, so it is built and dropped here and never kept,
/// logged or shown; only the digest leaves this function.
public enum PayUHash {
    public static func compute(merchantID: String, payuID: String, clientSecret: String) -> String {
        let input = Data("\(merchantID)|\(payuID)|\(clientSecret)".utf8)
        return SHA512.hash(data: input).map { String(format: "%02x", $0) }.joined()
    }
}
