import Foundation
import Glibc

/// HTTP/1.1 over raw sockets, for `refundwatch listen`'s tests: a request written byte by byte as
/// the test chooses (a slow client, a huge body, a burst), and the answer read off the socket.
/// Each blocking exchange runs on a thread of its own, never on the concurrency pool.
/// One HTTP/1.1 answer as read off the socket.
struct HTTPAnswer: Sendable, CustomStringConvertible {
    var status: Int
    /// Names lowercased.
    var headers: [String: String]
    var body: String

    /// The body as a JSON object, compared as one (`["asked": 1, …]`).
    var json: JSONObject? { JSONObject(body) }

    var description: String { "HTTP \(status) \(headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")) \(body.debugDescription)" }
}

/// A JSON object read from an answer's body, equal to a dictionary literal of the same fields.
struct JSONObject: Equatable, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    let fields: NSDictionary

    init?(_ text: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
        fields = object as NSDictionary
    }

    init(dictionaryLiteral elements: (String, Any)...) {
        fields = Dictionary(elements, uniquingKeysWith: { $1 }) as NSDictionary
    }

    subscript(key: String) -> Any? { fields[key] }

    static func == (a: JSONObject, b: JSONObject) -> Bool { a.fields.isEqual(b.fields) }

    var description: String { "\(fields)" }
}

/// A TCP connection to 127.0.0.1 with blocking calls, bounded by `timeout` each: for the tests'
/// own threads (`onThread`), never the concurrency pool's.
final class RawConnection: @unchecked Sendable {
    let fd: Int32
    private var buffer: [UInt8] = []

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(port: Int, timeout: Double) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let error = errno
            close(fd)
            throw Failure(description: "connect to 127.0.0.1:\(port): errno \(error)")
        }
    }

    deinit { close(fd) }

    /// Sends all of `bytes`; false when the peer closed, or stopped reading for `timeout`.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                if errno == EINTR { continue }
                return false
            }
            sent += count
        }
        return true
    }

    /// Whether an answer (or the end) can be read within `seconds`.
    func readable(within seconds: Double) -> Bool {
        if !buffer.isEmpty { return true }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, Int32(seconds * 1000)) > 0
    }

    /// Reads one answer: its head, then Content-Length bytes of body (or up to the end).
    func readAnswer() throws -> HTTPAnswer {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while true {
            if let end = Self.find(separator, in: buffer) { headEnd = end; break }
            guard try fill() else { break }
        }
        guard let headEnd else { throw Failure(description: "the connection ended before an answer's head: \(String(decoding: buffer, as: UTF8.self).debugDescription)") }
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, head[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw Failure(description: "not an HTTP status line: \(head[0].debugDescription)")
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let bodyStart = headEnd + separator.count
        if let length = headers["content-length"].flatMap(Int.init) {
            while buffer.count < bodyStart + length {
                guard try fill() else { throw Failure(description: "the connection ended inside a body of \(length) bytes") }
            }
            let body = String(decoding: buffer[bodyStart..<(bodyStart + length)], as: UTF8.self)
            buffer.removeFirst(bodyStart + length)
            return HTTPAnswer(status: status, headers: headers, body: body)
        }
        while try fill() {}
        let body = String(decoding: buffer[bodyStart...], as: UTF8.self)
        buffer.removeAll()
        return HTTPAnswer(status: status, headers: headers, body: body)
    }

    /// Sends a request and reads its answer.
    func exchange(_ request: [UInt8]) throws -> HTTPAnswer {
        guard send(request) else { throw Failure(description: "the request could not be sent") }
        return try readAnswer()
    }

    /// Reads what arrived; false at the end. Throws when nothing came within the timeout.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if count > 0 {
                buffer += chunk[..<count]
                return true
            }
            if count == 0 { return false }
            if errno == EINTR { continue }
            if errno == ECONNRESET { return false }
            throw Failure(description: "no answer: errno \(errno)")
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<(start + needle.count)]) == needle { return start }
        }
        return nil
    }
}

enum RawHTTP {
    /// A request's head, up to the blank line.
    static func head(_ method: String, _ path: String, headers: [String: String] = [:], contentLength: Int?, keepAlive: Bool) -> [UInt8] {
        var lines = ["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1", "User-Agent: refundwatch-tests"]
        lines += headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        if let contentLength { lines.append("Content-Length: \(contentLength)") }
        lines.append("Connection: \(keepAlive ? "keep-alive" : "close")")
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }

    static func request(_ method: String, _ path: String, headers: [String: String] = [:], body: String = "", keepAlive: Bool = false) -> [UInt8] {
        let bytes = Array(body.utf8)
        return head(method, path, headers: headers, contentLength: method == "POST" || !bytes.isEmpty ? bytes.count : nil, keepAlive: keepAlive) + bytes
    }

    /// One request on a connection of its own, answered.
    static func send(port: Int, _ method: String, _ path: String, headers: [String: String] = [:], body: String = "") async throws -> HTTPAnswer {
        let request = request(method, path, headers: headers, body: body)
        return try await onThread {
            try RawConnection(port: port, timeout: 15).exchange(request)
        }
    }
}

/// Runs blocking `work` on a thread of its own, so that sockets waiting never hold one of the
/// concurrency pool's few threads (two on a two-core machine).
func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
