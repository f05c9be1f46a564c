import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import FusionSimulator

@Suite("The pod over HTTP: in-process and live on port 0")
struct PodHTTPTests {
    func application() throws -> some ApplicationProtocol {
        let library = try ScenarioLibrary.load(directory: PodFixture.scenarios)
        let pod = SimulatedPod(library: library, configuration: .demo(), runClock: ScaledClock(speed: 1000))
        return PodRouter.application(pod: pod, port: 0)
    }

    @Test("token, invokeAsync under v2, then status under v1, as a client makes them")
    func wholeFlow() async throws {
        try await application().test(.router) { client in
            let token = try await client.execute(
                uri: "/oauth2/v1/token", method: .post,
                headers: [.authorization: PodFixture.basic(), .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "grant_type=client_credentials&scope=urn%3Aopc%3Aresource%3Afusion%3Asim%3Afusion-ai%2F")
            ) { response in
                #expect(response.status == .ok)
                return try #require(PodJSON.parse(Data(buffer: response.body))?["access_token"]?.string)
            }
            let bearer: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
            let jobId = try await client.execute(
                uri: "/api/fusion-ai/orchestrator/agent/v2/XX_TRAVEL_POLICY_ADVISOR/invokeAsync", method: .post, headers: bearer,
                body: ByteBuffer(string: #"{"message": "Business class?", "conversational": true, "conversationId": null, "invocationMode": "ADMIN"}"#)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                return try #require(PodJSON.parse(Data(buffer: response.body))?["jobId"]?.string)
            }
            try await Task.sleep(for: .milliseconds(50)) // 50 s of pod time at speed 1000
            try await client.execute(
                uri: "/api/fusion-ai/orchestrator/agent/v1/XX_TRAVEL_POLICY_ADVISOR/status/\(jobId)?invocationMode=ADMIN",
                method: .get, headers: bearer
            ) { response in
                let body = try #require(PodJSON.parse(Data(buffer: response.body)))
                #expect(body["status"]?.string == "COMPLETE")
                #expect(body["nodes"]?.array.isEmpty == false)
            }
            try await client.execute(
                uri: "/api/fusion-ai/orchestrator/agent/v1/XX_TRAVEL_POLICY_ADVISOR/status/\(jobId)?simulatorFault=429%3Bretry-after%3D4",
                method: .get, headers: bearer
            ) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "4")
            }
            try await client.execute(uri: "/oauth2/v1/authorize?response_type=code", method: .get) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    /// Runs `body` against the pod live on a free port, with a token and the fault header set.
    func live(fault: String, _ body: @escaping @Sendable (any TestClientProtocol, HTTPFields) async throws -> Void) async throws {
        try await application().test(.live) { client in
            let token = try await client.execute(
                uri: "/oauth2/v1/token", method: .post,
                headers: [.authorization: PodFixture.basic(), .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "grant_type=client_credentials")
            ) { try #require(PodJSON.parse(Data(buffer: $0.body))?["access_token"]?.string) }
            let name = try #require(HTTPField.Name(PodRouter.faultHeader))
            var headers: HTTPFields = [.authorization: "Bearer \(token)"]
            headers[name] = fault
            try await body(client, headers)
        }
    }

    @Test("live on port 0: a dropped connection fails the client")
    func dropped() async throws {
        try await live(fault: "drop") { client, headers in
            await #expect(throws: (any Error).self) {
                try await client.execute(uri: "/api/fusion-ai/orchestrator/agent/v1/XX_WORKER_CARD/status/any", method: .get, headers: headers)
            }
        }
    }

    @Test("live on port 0: a slow answer is the real answer, late")
    func slow() async throws {
        try await live(fault: "slow;delay-ms=300") { client, headers in
            let started = ContinuousClock.now
            try await client.execute(uri: "/api/fusion-ai/orchestrator/agent/v1/XX_WORKER_CARD/status/any", method: .get, headers: headers) { response in
                #expect(response.status == .notFound)
            }
            #expect(ContinuousClock.now - started >= .milliseconds(300))
        }
    }
}
