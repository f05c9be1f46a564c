import Foundation
import FusionSimulator
import Hummingbird
import HummingbirdTLS
import Logging
import NIOSSL
import Testing
@testable import TracedeskClient
@testable import TracedeskCommandLine
@testable import TracedeskCompare
@testable import TracedeskDocuments
@testable import TracedeskHistory
@testable import TracedeskModel
@testable import TracedeskUseCases

@Suite("--cacert: a pod behind a private CA")
struct TrustingTransportTests {
    static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    /// The simulator served over TLS with a certificate of the test CA, on a free port.
    func withTLSPod(_ body: @escaping @Sendable (URL) async throws -> Void) async throws {
        let library = try ScenarioLibrary.load(directory: SimulatorTransport.scenarios)
        let pod = SimulatedPod(library: library, configuration: .demo(), runClock: ScaledClock(speed: 1000))
        let certificates = try NIOSSLCertificate.fromPEMFile(Self.fixtures.appendingPathComponent("localhost.pem").path)
        let key = try NIOSSLPrivateKey(file: Self.fixtures.appendingPathComponent("localhost-key.pem").path, format: .pem)
        let tls = TLSConfiguration.makeServerConfiguration(certificateChain: certificates.map { .certificate($0) }, privateKey: .privateKey(key))
        let port = AsyncStream<Int>.makeStream()
        let app = Application(router: PodRouter.build(pod: pod), server: try .tls(tlsConfiguration: tls),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in port.continuation.yield(channel.localAddress?.port ?? 0) },
                              logger: Logger(label: "tls-pod", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            var ports = port.stream.makeAsyncIterator()
            let bound = await ports.next() ?? 0
            try await body(URL(string: "https://127.0.0.1:\(bound)")!)
            group.cancelAll()
        }
    }

    func token(_ transport: any HTTPTransport, _ base: URL) async throws -> String {
        try await OAuthTokenProvider(
            settings: OAuthSettings(tokenURL: base.appendingPathComponent("oauth2/v1/token"), clientId: DemoCredentials.clientId,
                                    clientSecret: DemoCredentials.clientSecret, scope: DemoCredentials.scope, grant: .clientCredentials),
            transport: transport, cache: nil).token(forceRefresh: false)
    }

    @Test("with the CA bundle the pod is trusted; without it the certificate is refused, never ignored")
    func privateCA() async throws {
        try await withTLSPod { base in
            let trusting = try TrustingTransport(caBundle: Self.fixtures.appendingPathComponent("test-ca.pem").path, environment: [:])
            let bearer = try await token(trusting, base)
            #expect(!bearer.isEmpty)
            let client = AgentClient(pod: base, team: "XX_TRAVEL_POLICY_ADVISOR", transport: trusting, tokens: StaticTokenProvider(bearer))
            #expect(try await client.invoke(InvokeRequest(message: "Business class?")).body.status == .running)
            try await trusting.shutdown()

            do {
                _ = try await token(URLSessionTransport(), base)
                Issue.record("an untrusted certificate was accepted")
            } catch {
                let refused = error as? TracedeskError
                #expect(refused?.kind == .podUnavailable, "TLS failures are reported, not bypassed: \(error)")
            }
        }
    }

    @Test("a bundle that is not PEM is refused with its path; NO_PROXY hosts bypass the proxy")
    func bundleAndProxy() async throws {
        #expect(throws: TracedeskError.badInput("--cacert /etc/hostname: not a readable PEM bundle of certificates")) {
            _ = try TrustingTransport(caBundle: "/etc/hostname", environment: [:])
        }
        let transport = try TrustingTransport(caBundle: Self.fixtures.appendingPathComponent("test-ca.pem").path,
                                              environment: ["HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "localhost,.oraclecloud.com"])
        #expect(transport.bypassesProxy("localhost"))
        #expect(transport.bypassesProxy("fa-abcd.fa.ocs.oraclecloud.com"))
        #expect(!transport.bypassesProxy("example.com"))
        try await transport.shutdown()
    }
}
