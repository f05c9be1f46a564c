import Foundation
import SwiftProtobuf
import Testing
import TracedeskClient
import TracedeskCommandLine
@testable import TracedeskExport
import TracedeskModel
import TracedeskUseCases

/// `tracedesk export otlp` and `--otlp`, against a backend that answers from a script.
@Suite("Exporting to an OpenTelemetry backend")
struct ExportCommandTests {
    let folder: TemporaryFolder
    var tracedesk: CommandLineHarness

    init() throws {
        folder = try TemporaryFolder()
        tracedesk = CommandLineHarness(database: folder.path("history.sqlite"))
    }

    /// Runs `tracedesk ARGUMENTS` with `backend` as the network.
    func run(_ arguments: [String], backend: CapturingTransport, environment: [String: String] = [:]) async -> CommandLineHarness.Result {
        var harness = tracedesk
        for (key, value) in environment { harness.environment[key] = value }
        let (context, stdout, stderr) = harness.context()
        var network = context
        network.transports = .fixed(backend)
        network.clock = PollingClock(now: { Date().epochMilliseconds }, sleep: { _ in })
        let status = await TracedeskCommandLine.run(arguments, in: network)
        return CommandLineHarness.Result(status: status, stdout: stdout.text, stderr: stderr.text)
    }

    func spans(in request: HTTPRequestData) throws -> [Opentelemetry_Proto_Trace_V1_Span] {
        let decoded = try Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest(serializedBytes: request.body ?? Data())
        return decoded.resourceSpans.flatMap { $0.scopeSpans.flatMap(\.spans) }
    }

    @Test("every run the filters select, as protobuf to the endpoint, with the headers; a summary line")
    func exportsRuns() async throws {
        _ = await tracedesk.run(["import", "samples/bodies/supervisor-complete.json", "samples/bodies/worker-card-error.json"])
        let backend = CapturingTransport()
        let result = await run(["export", "otlp", "--endpoint", "https://otel.example.com", "--header", "api_key=s3cret", "--project", "payroll"],
                               backend: backend)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("Exported 2 runs as 15 spans in 1 batch to https://otel.example.com/v1/traces (project payroll) in "))
        let request = try #require(backend.requests.first)
        #expect(request.method == "POST" && request.url.absoluteString == "https://otel.example.com/v1/traces")
        #expect(request.headers["Content-Type"] == "application/x-protobuf")
        #expect(request.headers["api_key"] == "s3cret")
        #expect(try spans(in: request).count == 15, "7 for the supervisor run (root and 6 steps), 8 for the worker card (root and 7 steps)")
        let filtered = CapturingTransport()
        _ = await run(["export", "otlp", "--team", "XX_WORKER_CARD", "--endpoint", "https://otel.example.com/custom/path"], backend: filtered)
        #expect(filtered.requests.first?.url.path == "/custom/path", "an endpoint with a path is used as given")
        #expect(try spans(in: try #require(filtered.requests.first)).count == 8)
    }

    @Test("the endpoint and headers follow OpenTelemetry's variables when no flag gives them")
    func environment() async throws {
        _ = await tracedesk.run(["import", "samples/bodies/supervisor-complete.json"])
        let base = CapturingTransport()
        _ = await run(["export", "otlp", "last"], backend: base,
                      environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "https://otel.example.com/", "OTEL_EXPORTER_OTLP_HEADERS": "x-key=a%20b,tenant=t1"])
        #expect(base.requests.first?.url.absoluteString == "https://otel.example.com/v1/traces")
        #expect(base.requests.first?.headers["x-key"] == "a b" && base.requests.first?.headers["tenant"] == "t1")
        let traces = CapturingTransport()
        _ = await run(["export", "otlp", "last"], backend: traces,
                      environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "https://other.example.com",
                                    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://otel.example.com/traces"])
        #expect(traces.requests.first?.url.absoluteString == "https://otel.example.com/traces")
        #expect(try OTLPDestination.resolve(endpoint: nil, headers: [], environment: [:]).endpoint.absoluteString
                == "http://localhost:4318/v1/traces")
    }

    @Test("429 and 503 are tried again after their Retry-After; a refusal or no backend is exit 5 with a line")
    func failures() async throws {
        _ = await tracedesk.run(["import", "samples/bodies/supervisor-complete.json"])
        let busy = CapturingTransport(answers: [HTTPResponseData(status: 429, headers: ["Retry-After": "1"], body: Data()),
                                                HTTPResponseData(status: 503, headers: [:], body: Data())])
        let retried = await run(["export", "otlp", "--endpoint", "https://otel.example.com"], backend: busy)
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(busy.requests.count == 3)
        let refusing = CapturingTransport(answers: [HTTPResponseData(status: 415, headers: [:], body: Data("Unsupported content type".utf8))])
        let refused = await run(["export", "otlp", "--endpoint", "https://otel.example.com"], backend: refusing)
        #expect(refused.status == 5)
        #expect(refused.stderr == "tracedesk: the OpenTelemetry backend at https://otel.example.com/v1/traces refused the spans (415): Unsupported content type; is it an OTLP/HTTP traces endpoint?\n")
        let locked = CapturingTransport(answers: [HTTPResponseData(status: 401, headers: [:], body: Data())])
        #expect(await run(["export", "otlp", "--endpoint", "https://otel.example.com"], backend: locked).status == 4)
        var harness = tracedesk
        harness.environment = [:]
        let (context, _, stderr) = harness.context()
        var network = context
        network.transports = .network
        network.clock = PollingClock(now: { Date().epochMilliseconds }, sleep: { _ in })
        let status = await TracedeskCommandLine.run(["export", "otlp", "--endpoint", "http://127.0.0.1:9"], in: network)
        #expect(status == 5)
        #expect(stderr.text.hasPrefix("tracedesk: no OpenTelemetry backend answers at http://127.0.0.1:9/v1/traces"))
        #expect(stderr.text.split(separator: "\n").count == 1)
    }

    @Test("--dry-run prints the spans as JSON and sends nothing; bad flags exit 2")
    func dryRunAndBadFlags() async throws {
        _ = await tracedesk.run(["import", "samples/bodies/worker-card-error.json"])
        let backend = CapturingTransport()
        let dry = await run(["export", "otlp", "--dry-run"], backend: backend)
        #expect(dry.status == 0 && backend.requests.isEmpty)
        let spans = try #require(JSONValue(parsing: dry.stdout)?.arrayValue)
        #expect(spans.count == 8)
        #expect(spans[0]["kind"]?.stringValue == "AGENT" && spans[0]["status"]?["code"]?.stringValue == "ERROR")
        #expect(spans[1]["attributes"]?["fusion.node.type"]?.stringValue == "START")
        for bad in [["--status", "DONE"], ["last", "--team", "T"], ["--header", "novalue"], ["--endpoint", "ftp://x"], ["--max-value-bytes", "10"]] {
            let result = await run(["export", "otlp"] + bad, backend: backend)
            #expect(result.status == 2, "\(bad): \(result.stderr)")
        }
    }

    @Test("--otlp exports a run when it ends, with the ids a later export uses; a backend down is a warning, not a failure")
    func liveExport() async throws {
        let pod = try CommandLineHarness.withPod(in: folder.url)
        let backend = CapturingTransport(fallback: pod.pod)
        let (context, _, stderr) = pod.context()
        var network = context
        network.transports = .fixed(backend)
        let status = await TracedeskCommandLine.run(["invoke", "XX_TRAVEL_POLICY_ADVISOR", "Business class?", "--otlp-endpoint", "https://otel.example.com",
                                                     "--quiet"], in: network)
        #expect(status == 0, "\(stderr.text)")
        #expect(stderr.text.contains("exported the run as 7 spans to https://otel.example.com/v1/traces"))
        let live = try spans(in: try #require(backend.requests.first))
        let later = CapturingTransport()
        var history = tracedesk
        history.database = pod.database
        let (exportContext, _, _) = history.context()
        var exportNetwork = exportContext
        exportNetwork.transports = .fixed(later)
        _ = await TracedeskCommandLine.run(["export", "otlp", "last", "--endpoint", "https://otel.example.com"], in: exportNetwork)
        #expect(try spans(in: try #require(later.requests.first)).map(\.spanID) == live.map(\.spanID))

        let down = CapturingTransport(answers: Array(repeating: HTTPResponseData(status: 503, headers: [:], body: Data()), count: 10), fallback: pod.pod)
        network.transports = .fixed(down)
        network.clock = pod.pod!.clock()
        let still = await TracedeskCommandLine.run(["invoke", "XX_TRAVEL_POLICY_ADVISOR", "Business class?", "--otlp", "--quiet"], in: network)
        #expect(still.self == 0, "the run completed; only its export failed")
        #expect(stderr.text.contains("warning: not exported: "))
    }
}
