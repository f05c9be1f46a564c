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

/// The network transport against a real HTTP server (the simulator, served by Hummingbird on a
/// free loopback port): TLS with a private CA, and the hostile pod's faults.
@Suite("The network transport")
struct NetworkTransportTests {
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
            let trusting = try NetworkTransport(caBundle: Self.fixtures.appendingPathComponent("test-ca.pem").path, environment: [:])
            let bearer = try await token(trusting, base)
            #expect(!bearer.isEmpty)
            let client = AgentClient(pod: base, team: "XX_TRAVEL_POLICY_ADVISOR", transport: trusting, tokens: StaticTokenProvider(bearer))
            #expect(try await client.invoke(InvokeRequest(message: "Business class?")).body.status == .running)

            do {
                _ = try await token(try NetworkTransport(environment: [:]), base)
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
            _ = try NetworkTransport(caBundle: "/etc/hostname", environment: [:])
        }
        let transport = try NetworkTransport(caBundle: Self.fixtures.appendingPathComponent("test-ca.pem").path,
                                             environment: ["HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "localhost,.oraclecloud.com"])
        #expect(transport.bypassesProxy("localhost"))
        #expect(transport.bypassesProxy("fa-abcd.fa.ocs.oraclecloud.com"))
        #expect(!transport.bypassesProxy("example.com"))
        let proxy = NetworkTransport.proxy(["HTTPS_PROXY": "http://me:p%40ss@proxy.corp:3128"])
        #expect(proxy?.key == "proxy.corp:3128:me", "credentials in the proxy URL are used")
    }

    // MARK: A hostile pod

    /// The simulator over plain HTTP on a free port, and a bearer token of it.
    func withPlainPod(_ body: @escaping @Sendable (URL, String) async throws -> Void) async throws {
        let library = try ScenarioLibrary.load(directory: SimulatorTransport.scenarios)
        let pod = SimulatedPod(library: library, configuration: .demo(), runClock: ScaledClock(speed: 1000))
        let port = AsyncStream<Int>.makeStream()
        let app = Application(router: PodRouter.build(pod: pod), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in port.continuation.yield(channel.localAddress?.port ?? 0) },
                              logger: Logger(label: "plain-pod", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            var ports = port.stream.makeAsyncIterator()
            let base = URL(string: "http://127.0.0.1:\(await ports.next() ?? 0)")!
            let bearer = try await token(try NetworkTransport(environment: [:]), base)
            try await body(base, bearer)
            group.cancelAll()
        }
    }

    func statusRequest(_ base: URL, bearer: String, fault: String, timeout: Duration? = nil) -> HTTPRequestData {
        HTTPRequestData(method: "GET", url: base.appendingPathComponent("api/fusion-ai/orchestrator/agent/v1/XX_WORKER_CARD/status/no-such-job"),
                        headers: ["Authorization": "Bearer \(bearer)", "X-Simulator-Fault": fault], timeout: timeout)
    }

    @Test("a pod that never answers, or drips a byte at a time, is cut off at the call's deadline")
    func hangAndDrip() async throws {
        try await withPlainPod { base, bearer in
            let transport = try NetworkTransport(environment: [:])
            for fault in ["hang", "drip;delay-ms=300"] {
                let started = ContinuousClock.now
                await #expect(throws: NetworkTimeout.self, "\(fault)") {
                    _ = try await transport.send(statusRequest(base, bearer: bearer, fault: fault, timeout: .seconds(1)))
                }
                #expect(ContinuousClock.now - started < .seconds(10), "\(fault) held the call")
            }
            // Under a command's deadline, the same is a timeout of the command: exit 3.
            let deadline = Deadline(after: .seconds(1), clock: .system)
            let bounded = DeadlineTransport(inner: transport, deadline: deadline)
            let error = await #expect(throws: TracedeskError.self) {
                _ = try await bounded.send(statusRequest(base, bearer: bearer, fault: "hang"))
            }
            #expect(error?.kind == .timedOut)
            #expect(error?.message == "no answer from 127.0.0.1 within the --timeout of 1.0 s", "\(error?.message ?? "")")
        }
    }

    @Test("an answer larger than the cap fails the call without holding it in memory; --max-body lowers the cap")
    func hugeAnswer() async throws {
        try await withPlainPod { base, bearer in
            let transport = try NetworkTransport(environment: [:])
            let error = await #expect(throws: TracedeskError.self) {
                _ = try await transport.send(statusRequest(base, bearer: bearer, fault: "huge;size-mb=80"))
            }
            #expect(error?.message == "the answer from 127.0.0.1 is larger than 64 MiB (the --max-body limit); refused")
            let small = try NetworkTransport(environment: [:], maximumBodyBytes: 1 << 10)
            let cut = await #expect(throws: TracedeskError.self) {
                _ = try await small.send(statusRequest(base, bearer: bearer, fault: "huge;size-mb=1"))
            }
            #expect(cut?.message.contains("larger than 1024 bytes") == true)
        }
    }

    @Test("redirects are not followed by the transport; the policy follows none to another origin")
    func redirects() async throws {
        try await withPlainPod { base, bearer in
            let transport = try NetworkTransport(environment: [:])
            let answer = try await transport.send(statusRequest(base, bearer: bearer, fault: "redirect;code=307;to=http://127.0.0.2:9/x"))
            #expect(answer.status == 307)
            let error = await #expect(throws: TracedeskError.self) {
                _ = try await RedirectPolicy(inner: transport).send(statusRequest(base, bearer: bearer, fault: "redirect;code=307;to=http://127.0.0.2:9/x"))
            }
            #expect(error?.kind == .podUnavailable)
            #expect(error?.message.contains("redirected (307) to another origin, http://127.0.0.2:9") == true, "\(error?.message ?? "")")
        }
    }
}
