import Foundation
import Testing




import TracedeskModel

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `tracedesk simulator`, end to end: the built binary serving on a free port.
@Suite("The simulator command, end to end")
struct SimulatorCommandTests {
    func request(_ url: URL, method: String = "GET", headers: [String: String] = [:], body: String? = nil) async throws -> (Int, JSONValue?) {
        var request = URLRequest(url: url)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body.map { Data($0.utf8) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, JSONValue(parsing: data))
    }

    @Test("serves a token, invokeAsync and status on the port it prints, and stops on Ctrl-C")
    func servesTheFlow() async throws {
        let simulator = try LiveSimulator(speed: 200)
        let process = simulator.process
        let base = simulator.url
        let basic = "Basic " + Data("tracedesk-demo:demo-secret".utf8).base64EncodedString()
        let (tokenStatus, token) = try await request(base.appendingPathComponent("oauth2/v1/token"), method: "POST",
                                                     headers: ["Authorization": basic, "Content-Type": "application/x-www-form-urlencoded"],
                                                     body: "grant_type=client_credentials")
        #expect(tokenStatus == 200)
        let bearer = "Bearer " + (try #require(token?["access_token"]?.stringValue))
        let team = base.appendingPathComponent("api/fusion-ai/orchestrator/agent/v1/PRODUCT_COMPARISON_ADVISOR_COE")
        let (invokeStatus, invoked) = try await request(
            team.appendingPathComponent("invokeAsync"), method: "POST",
            headers: ["Authorization": bearer, "Content-Type": "application/json"],
            body: #"{"message": "Compare M1000034 of org IMO and M1000040 of Org SBI", "conversational": true, "conversationId": null, "status": "PUBLISHED", "invocationMode": "ADMIN"}"#)
        #expect(invokeStatus == 200)
        let body = try StatusBody(value: try #require(invoked))
        #expect(body.status == .running)

        var statusURL = URLComponents(url: team.appendingPathComponent("status/\(body.jobId)"), resolvingAgainstBaseURL: false)!
        statusURL.queryItems = [URLQueryItem(name: "invocationMode", value: "ADMIN")]
        var final: StatusBody?
        for _ in 0..<100 {
            let (_, polled) = try await request(statusURL.url!, headers: ["Authorization": bearer])
            let current = try StatusBody(value: try #require(polled))
            if current.status?.isTerminal == true { final = current; break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let complete = try #require(final, "the run completes (26 s of pod time at speed 200)")
        #expect(complete.status == .complete)
        #expect(complete.nodes.map(\.label) == ["START", "PARSE_ITEMS", "FETCH_ITEM_DETAILS", "COMPARE_ITEMS", "END"])
        #expect(complete.totalTokens == TokenUsage(input: 2210, output: 412), "decoded by TracedeskModel from an independent producer")

        let errors = simulator.stopReadingErrors()
        #expect(process.terminationStatus == 0, "Ctrl-C stops it gracefully")
        #expect(!errors.contains("error"), "a clean Ctrl-C logs no error: \(errors)")
    }

    @Test("run from any folder, as an installed binary is, it plays the built-in scenarios")
    func builtInScenarios() throws {
        let elsewhere = FileManager.default.temporaryDirectory.appendingPathComponent("no-source-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let simulator = try LiveSimulator(speed: 200, directory: elsewhere)
        #expect(simulator.banner.hasSuffix("(speed 200x, built-in scenarios)"), "\(simulator.banner)")
        let errors = simulator.stopReadingErrors()
        #expect(simulator.process.terminationStatus == 0, "\(errors)")
    }

    @Test("a malformed scenario file is refused at start, naming the file and the reason")
    func refusesBadScenarios() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bad-scenarios-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(#"{"team": "T", "versions": [{"version": 1, "status": "SOMETIMES", "steps": [{"code": "A", "type": "LLM"}]}]}"#.utf8)
            .write(to: folder.appendingPathComponent("team.json"))
        let result = try TracedeskProcess(database: folder.appendingPathComponent("h.sqlite").path)
            .run(["simulator", "--port", "0", "--scenarios", folder.path])
        #expect(result.status == 2)
        #expect(result.stderr == "tracedesk: scenario \(folder.path)/team.json: version 1: status must be PUBLISHED or DRAFT, not SOMETIMES\n")
        let missing = try TracedeskProcess(database: "/tmp/unused.sqlite").run(["simulator", "--scenarios", "/no/such/folder"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("--scenarios /no/such/folder: no such folder"))
    }
}
