import Foundation
import TracedeskModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The loopback redirect target of the authorization code grant: a one-shot HTTP listener on
/// 127.0.0.1 that waits for the browser to bring back `code` and `state`, answers with a page
/// saying the sign-in is done, and closes.
public final class LoopbackReceiver: @unchecked Sendable {
    /// The port it listens on (chosen by the system when 0 was asked).
    public let port: Int
    private let socket: Int32

    /// Binds 127.0.0.1:`port` (0 for any free port).
    public init(port: Int = 0) throws(TracedeskError) {
        let descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw .badInput("cannot open a loopback socket for the sign-in redirect") }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 4) == 0 else {
            close(descriptor)
            throw .badInput("cannot listen on 127.0.0.1:\(port) for the sign-in redirect: \(String(cString: strerror(errno)))")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        self.socket = descriptor
        self.port = Int(UInt16(bigEndian: actual.sin_port))
    }

    deinit { close(socket) }

    /// The redirect URI to register and send: `http://127.0.0.1:PORT/callback`.
    public var redirectURI: String { "http://127.0.0.1:\(port)/callback" }

    /// Waits (on a thread of its own) for the redirect that carries `state`, and returns its code.
    ///
    /// Requests for other paths (a browser's favicon) are answered 404 and waiting goes on; a
    /// redirect with an `error`, or with another state, ends the wait with that error.
    public func waitForCode(state: String, timeout: Duration) async throws(TracedeskError) -> String {
        let socket = self.socket
        let seconds = Int(timeout.components.seconds)
        let result: Result<String, TracedeskError> = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: Self.accept(on: socket, state: state, timeoutSeconds: max(1, seconds)))
            }
        }
        return try result.get()
    }

    private static func accept(on socket: Int32, state: String, timeoutSeconds: Int) -> Result<String, TracedeskError> {
        let deadline = Date().addingTimeInterval(TimeInterval(timeoutSeconds))
        while Date() < deadline {
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let remaining = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
            guard poll(&poller, 1, min(remaining, 1000)) > 0 else { continue }
            let client = Glibc.accept(socket, nil, nil)
            guard client >= 0 else { continue }
            defer { close(client) }
            var buffer = [UInt8](repeating: 0, count: 8192)
            let count = read(client, &buffer, buffer.count)
            guard count > 0 else { continue }
            let head = String(decoding: buffer[0..<count], as: UTF8.self)
            guard let line = head.split(separator: "\r\n").first, line.hasPrefix("GET "),
                  let target = line.split(separator: " ").dropFirst().first,
                  let components = URLComponents(string: "http://127.0.0.1\(target)"), components.path == "/callback" else {
                respond(client, status: "404 Not Found", text: "Not found.")
                continue
            }
            let items = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
            if let error = items["error"] {
                respond(client, status: "400 Bad Request", text: "Sign-in failed: \(error). You can close this tab.")
                return .failure(TracedeskError(.authenticationRefused, "the sign-in was refused: \(error) \(items["error_description"] ?? "")"))
            }
            guard items["state"] == state, let code = items["code"], !code.isEmpty else {
                respond(client, status: "400 Bad Request", text: "This sign-in was not started here. You can close this tab.")
                return .failure(TracedeskError(.authenticationRefused, "the sign-in redirect carried another state or no code"))
            }
            respond(client, status: "200 OK", text: "Signed in to Tracedesk. You can close this tab.")
            return .success(code)
        }
        return .failure(TracedeskError(.authenticationRefused, "no sign-in came back within \(timeoutSeconds) s"))
    }

    private static func respond(_ client: Int32, status: String, text: String) {
        let body = "<!DOCTYPE html><html><body><p>\(text)</p></body></html>"
        let response = "HTTP/1.1 \(status)\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        _ = response.withCString { write(client, $0, strlen($0)) }
    }
}
