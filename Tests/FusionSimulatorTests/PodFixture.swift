import Foundation
import Testing
@testable import FusionSimulator

/// A simulated pod on the sample scenarios, with clocks the test moves by hand.
struct PodFixture {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let scenarios = repository.appendingPathComponent("samples/scenarios")

    let runClock = ManualClock()
    let wallClock = ManualClock(1_795_000_000_000)
    let pod: SimulatedPod

    init(tokenLifetime: Int = 3600, seed: UInt64 = 42, library: ScenarioLibrary? = nil) throws {
        let library = try library ?? ScenarioLibrary.load(directory: Self.scenarios)
        pod = SimulatedPod(library: library, configuration: .demo(tokenLifetime: tokenLifetime, seed: seed),
                           runClock: runClock, wallClock: wallClock)
    }

    static func basic(_ id: String = DemoCredentials.clientId, _ secret: String = DemoCredentials.clientSecret) -> String {
        "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()
    }

    /// A bearer header for a fresh client-credentials token.
    func bearer() async throws -> String {
        let answer = await pod.token(form: ["grant_type": "client_credentials"], authorization: Self.basic())
        let token = try #require(json(answer)["access_token"]?.string)
        return "Bearer \(token)"
    }

    func invoke(_ team: String, _ body: String, bearer: String? = nil, fault: String? = nil) async throws -> PodResponse {
        var header = bearer
        if header == nil { header = try await self.bearer() }
        return await pod.invoke(team: team, body: Data(body.utf8), authorization: header, fault: fault)
    }

    func start(_ team: String, message: String = "hello", status: String = "PUBLISHED", mode: String = "ADMIN",
               parameters: String = "{}", conversationId: String? = nil) async throws -> (jobId: String, bearer: String) {
        let bearer = try await bearer()
        let conversation = conversationId.map { "\"\($0)\"" } ?? "null"
        let answer = try await invoke(team, """
            {"message": "\(message)", "conversational": true, "conversationId": \(conversation), "status": "\(status)",
             "invocationMode": "\(mode)", "parameters": \(parameters)}
            """, bearer: bearer)
        #expect(answer.status == 200, "\(answer.body)")
        return (try #require(json(answer)["jobId"]?.string), bearer)
    }

    func status(_ team: String, _ jobId: String, bearer: String, mode: String? = "ADMIN", fault: String? = nil) async -> PodResponse {
        await pod.status(team: team, jobId: jobId, invocationMode: mode, authorization: bearer, fault: fault)
    }

    func body(_ team: String, _ jobId: String, bearer: String, mode: String? = "ADMIN") async throws -> PodJSON {
        try json(await status(team, jobId, bearer: bearer, mode: mode))
    }

    /// Moves the run clock forward by `seconds`.
    func advance(_ seconds: Double) {
        runClock.advance(byMilliseconds: Int64(seconds * 1000))
    }

    func json(_ answer: PodResponse) throws -> PodJSON {
        try #require(PodJSON.parse(Data(answer.body.utf8)), "not JSON: \(answer.body.prefix(200))")
    }
}

extension PodJSON {
    var keys: [String] {
        if case .object(let members) = self { return members.map(\.0) }
        return []
    }

    var array: [PodJSON] {
        if case .array(let items) = self { return items }
        return []
    }

    /// A string member that holds JSON, parsed.
    var parsed: PodJSON? { string.flatMap { PodJSON.parse(Data($0.utf8)) } }

    /// Node codes of a `nodes` array, depth first.
    var nodeCodes: [String] {
        array.flatMap { node in [node["nodeCode"]?.string ?? "?"] + (node["children"]?.nodeCodes ?? []) }
    }
}
