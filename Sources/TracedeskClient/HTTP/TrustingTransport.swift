import AsyncHTTPClient
import Foundation
import TracedeskModel
import NIOCore
import NIOSSL

/// The transport used with `--cacert`: AsyncHTTPClient, trusting the system's roots *and* a
/// private CA bundle (as enterprise proxies and pods behind a private CA need).
///
/// Linux URLSession reads only the system's bundle and has no way to add a CA, hence this
/// transport. Certificates are always verified: the bundle adds trust, it never removes checks.
/// `HTTPS_PROXY`/`HTTP_PROXY` and `NO_PROXY` from the environment are honoured as URLSession does.
public final class TrustingTransport: HTTPTransport {
    private let direct: HTTPClient
    private let proxied: HTTPClient?
    private let noProxy: [String]
    private let timeout: TimeAmount

    /// Reads the PEM bundle at `caBundle`; a bundle that does not read is refused with its path.
    public init(caBundle: String, environment: [String: String], timeout: TimeInterval = 60) throws(TracedeskError) {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(caBundle)
        } catch {
            throw .badInput("--cacert \(caBundle): not a readable PEM bundle of certificates")
        }
        guard !certificates.isEmpty else { throw .badInput("--cacert \(caBundle): holds no certificate") }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.additionalTrustRoots = [.certificates(certificates)]
        tls.certificateVerification = .fullVerification
        self.timeout = .seconds(Int64(timeout))
        let timeouts = HTTPClient.Configuration.Timeout(connect: .seconds(15), read: .seconds(Int64(timeout)))
        direct = HTTPClient(eventLoopGroupProvider: .singleton,
                            configuration: HTTPClient.Configuration(tlsConfiguration: tls, timeout: timeouts))
        if let proxy = Self.proxy(environment) {
            proxied = HTTPClient(eventLoopGroupProvider: .singleton,
                                 configuration: HTTPClient.Configuration(tlsConfiguration: tls, timeout: timeouts, proxy: proxy))
        } else {
            proxied = nil
        }
        noProxy = (environment["NO_PROXY"] ?? environment["no_proxy"] ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
    }

    /// Closes the connections (a short-lived command may simply exit instead).
    public func shutdown() async throws {
        try await direct.shutdown()
        try await proxied?.shutdown()
    }

    public func send(_ request: HTTPRequestData) async throws -> HTTPResponseData {
        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = .RAW(value: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        let client = (proxied != nil && !bypassesProxy(request.url.host ?? "")) ? proxied! : direct
        let response = try await client.execute(outgoing, timeout: timeout)
        let body = try await response.body.collect(upTo: 64 << 20)
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name] = header.value }
        return HTTPResponseData(status: Int(response.status.code), headers: headers, body: Data(buffer: body))
    }

    /// NO_PROXY: `*`, a host, or a domain suffix (`.example.com` or `example.com`).
    func bypassesProxy(_ host: String) -> Bool {
        let host = host.lowercased()
        return noProxy.contains { entry in
            entry == "*" || host == entry || host.hasSuffix(entry.hasPrefix(".") ? entry : "." + entry)
        }
    }

    static func proxy(_ environment: [String: String]) -> HTTPClient.Configuration.Proxy? {
        let text = environment["HTTPS_PROXY"] ?? environment["https_proxy"] ?? environment["HTTP_PROXY"] ?? environment["http_proxy"]
        guard let text, let url = URL(string: text.contains("://") ? text : "http://" + text), let host = url.host else { return nil }
        return .server(host: host, port: url.port ?? 8080)
    }
}

extension Data {
    init(buffer: ByteBuffer) {
        self = Data(buffer.readableBytesView)
    }
}
