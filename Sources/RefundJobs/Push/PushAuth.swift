import Crypto
import Foundation
import RefundKit

/// How one source's pushes prove where they come from, as `[listen.SOURCE]` sets it. Every method
/// set must pass; a push that fails one is answered 401 and nothing of it is kept. Neither Kaleyra
/// nor PayU documents a signature: Kaleyra's callback profiles can add a header or basic
/// authentication, PayU's calls come from PayU's addresses; Meta signs its own calls.
public struct PushAuth: Sendable {
    /// A shared secret in a header of the operator's choosing (`header`, `secret`).
    public var header: HeaderSecret?
    /// HTTP basic authentication.
    public var basic: BasicCredentials?
    /// The client addresses allowed; empty: any address.
    public var allow: [AddressRange] = []
    /// The reverse proxy's own addresses: only a request from one of them has its
    /// `X-Forwarded-For` believed, and then the client is the last address in it that is not a proxy.
    public var proxies: [AddressRange] = []
    /// Meta's app secret: `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body>`.
    public var metaAppSecret: Secret?

    public struct HeaderSecret: Sendable {
        /// Lowercased, as the request's header names are compared.
        public var name: String
        public var secret: Secret
        public init(name: String, secret: Secret) {
            self.name = name.lowercased()
            self.secret = secret
        }
    }

    public struct BasicCredentials: Sendable {
        public var user: String
        public var password: Secret
        public init(user: String, password: Secret) {
            self.user = user
            self.password = password
        }
    }

    public init(header: HeaderSecret? = nil, basic: BasicCredentials? = nil, allow: [AddressRange] = [], proxies: [AddressRange] = [],
                metaAppSecret: Secret? = nil) {
        self.header = header
        self.basic = basic
        self.allow = allow
        self.proxies = proxies
        self.metaAppSecret = metaAppSecret
    }

    /// No method set: anyone who can reach the port can push (and so make refundwatch look an
    /// order up, nothing more).
    public var isOpen: Bool { header == nil && basic == nil && allow.isEmpty && metaAppSecret == nil }

    /// The client's address: the peer's, or behind one of `proxies` the last address of
    /// `X-Forwarded-For` that is not a proxy's. nil when it cannot be read.
    public func client(peer: String, forwardedFor: String?) -> String? {
        guard let peerAddress = IPAddress(peer) else { return nil }
        guard let forwardedFor, proxies.contains(where: { $0.contains(peerAddress) }) else { return peerAddress.description }
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard let address = IPAddress(hop) else { return nil }
            if !proxies.contains(where: { $0.contains(address) }) { return address.description }
        }
        return peerAddress.description
    }

    /// nil when the push passes every method set, else why not (401). `headers`: the request's,
    /// names lowercased. The reasons name what failed, never a value that was sent.
    public func check(peer: String, headers: [String: String], body: Data) -> PushRejection? {
        if !allow.isEmpty {
            guard let client = client(peer: peer, forwardedFor: headers["x-forwarded-for"]), let address = IPAddress(client) else {
                return PushRejection(status: 401, "the client's address could not be read")
            }
            guard allow.contains(where: { $0.contains(address) }) else {
                return PushRejection(status: 401, "the client \(address) is not in the allowed addresses")
            }
        }
        if let header {
            guard let sent = headers[header.name] else { return PushRejection(status: 401, "the header \(header.name) is missing") }
            guard Self.same(sent, header.secret.value) else { return PushRejection(status: 401, "the header \(header.name) does not hold the secret") }
        }
        if let basic {
            guard let authorization = headers["authorization"], authorization.lowercased().hasPrefix("basic "),
                  let decoded = Data(base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
                  let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":") else {
                return PushRejection(status: 401, "basic authentication is missing")
            }
            // Both compared, whatever the first gives, so the time taken does not tell which failed.
            let userMatches = Self.same(String(pair[..<colon]), basic.user)
            let passwordMatches = Self.same(String(pair[pair.index(after: colon)...]), basic.password.value)
            guard userMatches && passwordMatches else { return PushRejection(status: 401, "basic authentication failed") }
        }
        if let metaAppSecret {
            guard let signature = headers["x-hub-signature-256"] else { return PushRejection(status: 401, "X-Hub-Signature-256 is missing") }
            guard signature.hasPrefix("sha256="), let mac = Self.hexBytes(signature.dropFirst(7)), mac.count == SHA256.byteCount else {
                return PushRejection(status: 401, "X-Hub-Signature-256 is not sha256=<64 hex digits>")
            }
            let key = SymmetricKey(data: Data(metaAppSecret.value.utf8))
            guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: key) else {
                return PushRejection(status: 401, "X-Hub-Signature-256 does not match the body")
            }
        }
        return nil
    }

    /// Equal strings, compared in time that does not depend on where they differ: the digests of
    /// both, which Crypto compares in constant time.
    static func same(_ a: String, _ b: String) -> Bool {
        SHA256.hash(data: Data(a.utf8)) == SHA256.hash(data: Data(b.utf8))
    }

    static func hexBytes(_ hex: Substring) -> [UInt8]? {
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}

extension PushAuth {
    /// A source's methods as `[listen.SOURCE]` sets them, behind `[listen] proxies`.
    public init(_ source: ListenSettings.Source, proxies: [AddressRange]) {
        self.init(header: zip(source.headerName, source.headerSecret).map { HeaderSecret(name: $0, secret: $1) },
                  basic: zip(source.basicUser, source.basicPassword).map { BasicCredentials(user: $0, password: $1) },
                  allow: source.allow, proxies: proxies, metaAppSecret: source.metaAppSecret)
    }
}

/// Both, or nil.
private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
