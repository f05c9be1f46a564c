import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization
import TracedeskModel

/// The transport of the tool: AsyncHTTPClient, with the guards a client of someone else's
/// server needs.
///
/// - **No redirect is followed here.** A 3xx comes back as an answer, for `RedirectPolicy` to
///   follow only to the same origin, so that a token never reaches another host and a POST
///   never becomes a GET.
/// - **Answers are capped** (`maximumBodyBytes`, 64 MiB unless `--max-body` says otherwise):
///   beyond it the call fails, instead of the process growing with whatever a server streams.
/// - **Every call has a deadline**: the request's own `timeout` (a command's `--timeout` lowers
///   it), else `defaultTimeout`; it bounds the connection, the head and the whole body, so a
///   server that drips one byte at a time cannot hold a command past it.
/// - TLS is always verified against the system's roots, plus a private CA bundle with `--cacert`.
/// - `HTTPS_PROXY`/`HTTP_PROXY` (with `user:password@` if given) and `NO_PROXY` are honoured.
public final class NetworkTransport: HTTPTransport {
    /// The largest answer accepted unless told otherwise.
    public static let defaultMaximumBodyBytes = 64 << 20
    public static let defaultTimeout: Duration = .seconds(60)

    private let direct: HTTPClient
    private let proxied: HTTPClient?
    /// Clients for streamed answers: the same, but a silence of up to `streamIdleTimeout` between
    /// bytes is no failure (a step of a streamed run may think for minutes).
    private let directStreaming: HTTPClient
    private let proxiedStreaming: HTTPClient?
    private let noProxy: [String]
    public let maximumBodyBytes: Int
    public let defaultTimeout: Duration

    /// Reads the PEM bundle at `caBundle` when given; a bundle that does not read is refused with its path.
    public init(caBundle: String? = nil, environment: [String: String], maximumBodyBytes: Int = NetworkTransport.defaultMaximumBodyBytes,
                defaultTimeout: Duration = NetworkTransport.defaultTimeout) throws(TracedeskError) {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        if let caBundle {
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(caBundle)
            } catch {
                throw .badInput("--cacert \(caBundle): not a readable PEM bundle of certificates")
            }
            guard !certificates.isEmpty else { throw .badInput("--cacert \(caBundle): holds no certificate") }
            tls.additionalTrustRoots = [.certificates(certificates)]
        }
        let proxy = Self.proxy(environment)
        direct = ClientPool.client(key: "\(caBundle ?? "")|direct", tls: tls, proxy: nil)
        proxied = proxy.map { ClientPool.client(key: "\(caBundle ?? "")|\($0.key)", tls: tls, proxy: $0.proxy) }
        directStreaming = ClientPool.client(key: "\(caBundle ?? "")|direct|stream", tls: tls, proxy: nil, read: Self.streamIdleTimeout)
        proxiedStreaming = proxy.map { ClientPool.client(key: "\(caBundle ?? "")|\($0.key)|stream", tls: tls, proxy: $0.proxy, read: Self.streamIdleTimeout) }
        noProxy = (environment["NO_PROXY"] ?? environment["no_proxy"] ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        self.maximumBodyBytes = maximumBodyBytes
        self.defaultTimeout = defaultTimeout
    }

    public func send(_ request: HTTPRequestData) async throws -> HTTPResponseData {
        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = .RAW(value: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        let client = (proxied != nil && !bypassesProxy(request.url.host ?? "")) ? proxied! : direct
        let timeout = max(request.timeout ?? defaultTimeout, .milliseconds(1))
        let limit = maximumBodyBytes
        let host = request.url.host ?? request.url.absoluteString
        let prepared = outgoing
        return try await Self.within(timeout) {
            let response: HTTPClientResponse
            do {
                response = try await client.execute(prepared, timeout: .nanoseconds(Self.nanoseconds(timeout)))
            } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout].contains(error) {
                throw NetworkTimeout(after: timeout)
            }
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: limit)
            } catch is NIOTooManyBytesError {
                throw TracedeskError(.podUnavailable, "the answer from \(host) is larger than \(Self.size(limit)) (the --max-body limit); refused")
            }
            var headers: [String: String] = [:]
            for header in response.headers { headers[header.name] = header.value }
            return HTTPResponseData(status: Int(response.status.code), headers: headers, body: Data(body.readableBytesView))
        }
    }

    /// The longest silence a streamed answer may keep between bytes.
    public static let streamIdleTimeout: Duration = .seconds(900)

    public func stream(_ request: HTTPRequestData) async throws -> HTTPStreamingResponse {
        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = .RAW(value: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        let client = (proxiedStreaming != nil && !bypassesProxy(request.url.host ?? "")) ? proxiedStreaming! : directStreaming
        let timeout = max(request.timeout ?? defaultTimeout, .milliseconds(1))
        let response: HTTPClientResponse
        do {
            // The deadline bounds the head; AsyncHTTPClient lets it go once the head is in.
            response = try await client.execute(outgoing, timeout: .nanoseconds(Self.nanoseconds(timeout)))
        } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout].contains(error) {
            throw NetworkTimeout(after: timeout)
        }
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name] = header.value }
        let body = response.body
        let stream = AsyncThrowingStream<[UInt8], any Error> { continuation in
            let task = Task {
                do {
                    for try await buffer in body { continuation.yield(Array(buffer.readableBytesView)) }
                    continuation.finish()
                } catch let error as HTTPClientError where error == .readTimeout {
                    continuation.finish(throwing: NetworkTimeout(after: Self.streamIdleTimeout))
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
        return HTTPStreamingResponse(status: Int(response.status.code), headers: headers, body: stream)
    }

    /// Runs `operation`, cancelling it when `timeout` passes (the body's collection included).
    static func within<T: Sendable>(_ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw NetworkTimeout(after: timeout) }
            guard let value = first else { throw NetworkTimeout(after: timeout) }
            return value
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : whole.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }

    static func size(_ bytes: Int) -> String {
        bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }

    /// NO_PROXY: `*`, a host, or a domain suffix (`.example.com` or `example.com`).
    func bypassesProxy(_ host: String) -> Bool {
        let host = host.lowercased()
        return noProxy.contains { entry in
            entry == "*" || host == entry || host.hasSuffix(entry.hasPrefix(".") ? entry : "." + entry)
        }
    }

    /// The proxy of the environment, with its credentials, and a key naming it.
    static func proxy(_ environment: [String: String]) -> (proxy: HTTPClient.Configuration.Proxy, key: String)? {
        let text = environment["HTTPS_PROXY"] ?? environment["https_proxy"] ?? environment["HTTP_PROXY"] ?? environment["http_proxy"]
        guard let text, !text.isEmpty, let url = URL(string: text.contains("://") ? text : "http://" + text), let host = url.host else { return nil }
        let port = url.port ?? 8080
        if let user = url.user {
            let password = url.password ?? ""
            return (.server(host: host, port: port, authorization: .basic(username: user.removingPercentEncoding ?? user,
                                                                          password: password.removingPercentEncoding ?? password)),
                    "\(host):\(port):\(user)")
        }
        return (.server(host: host, port: port), "\(host):\(port)")
    }
}

/// No complete answer within the time allowed.
public struct NetworkTimeout: Error, CustomStringConvertible {
    public let after: Duration
    public var description: String { "no answer within \(TextFormat.duration(after))" }
}

/// One HTTP client per configuration for the life of the process: AsyncHTTPClient wants each
/// client shut down before it goes away, and a command-line tool simply exits instead.
enum ClientPool {
    private static let clients = Mutex<[String: HTTPClient]>([:])

    static func client(key: String, tls: TLSConfiguration, proxy: HTTPClient.Configuration.Proxy?, read: Duration = .seconds(30)) -> HTTPClient {
        clients.withLock { clients in
            if let client = clients[key] { return client }
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow,
                                                         timeout: .init(connect: .seconds(15), read: .seconds(read.components.seconds)), proxy: proxy)
            configuration.decompression = .disabled
            // A refused connection is an answer: Tracedesk's own retries (with backoff, --retries)
            // decide what happens next, instead of the pool retrying until its connect timeout.
            configuration.connectionPool.retryConnectionEstablishment = false
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[key] = client
            return client
        }
    }
}
