import Foundation
import FusionSimulator
import InProcessPod
import Testing
import TracedeskClient
import TracedeskHistory
import TracedeskModel
@testable import TracedeskUseCases

/// `tracedesk replay`: a recorded run again, its data pinned, against the in-process simulator.
@Suite("Replaying a recorded run with its data pinned")
struct ReplayCommandTests {
    let folder: TemporaryFolder
    let tracedesk: CommandLineHarness
    static let definition = "samples/definitions/product-comparison-advisor-draft.wf"
    static let team = "PRODUCT_COMPARISON_ADVISOR_COE"

    init() throws {
        folder = try TemporaryFolder()
        tracedesk = try CommandLineHarness.withPod(in: folder.url)
    }

    func details(_ run: String = "last") async throws -> JSONValue {
        try #require(JSONValue(parsing: await tracedesk.run(["show", run, "--json"]).stdout))
    }

    /// The bodies of the debug requests sent so far.
    func debugRequests() -> [JSONValue] {
        (tracedesk.pod?.requests ?? []).filter { $0.url.path.hasSuffix("/debug") }.compactMap { $0.body.flatMap { JSONValue(parsing: $0) } }
    }

    /// A polled run of the team, recorded; its jobId.
    func recordedRun() async throws -> String {
        let invoked = await tracedesk.run(["invoke", Self.team, "Compare M1000034 and M1000040", "--quiet"])
        #expect(invoked.status == 0, "\(invoked.stderr)")
        return try #require(try await details()["run"]?["jobId"]?.stringValue)
    }

    @Test("on the same version with its data pinned, the replay takes the source's path and gives its answer; each is linked to the other")
    func samePath() async throws {
        let source = try await recordedRun()
        let recorded = try await details(source)
        let replayed = await tracedesk.run(["replay", String(source.prefix(8)), "--definition", Self.definition])
        #expect(replayed.status == 0, "\(replayed.stderr)")
        #expect(replayed.stderr.contains("2 steps pinned to their recorded outputs (GET_ITEM_M1000034, GET_ITEM_M1000040)"), "\(replayed.stderr)")
        // No step differs in what it did.
        #expect(replayed.stdout.contains("Steps: 0 added, 0 removed, 0 changed") && replayed.stdout.contains("Answer: the same"), "\(replayed.stdout)")
        #expect(!replayed.stdout.contains("BO_FUNCTION (time"), "pinned steps are not compared by time: \(replayed.stdout)")
        #expect(!replayed.stdout.contains("PARALLEL (time"), "nor the parallel step that holds only pinned ones: \(replayed.stdout)")

        let request = try #require(debugRequests().last)
        #expect(request["message"]?.stringValue == "Compare M1000034 and M1000040" && request["status"]?.stringValue == "PUBLISHED")
        let overrides = try #require(request["debugParams"]?["overrides"]?.objectValue)
        #expect(Set(overrides.keys) == ["GET_ITEM_M1000034", "GET_ITEM_M1000040"], "only the data steps")
        let output = recorded["nodes"]?.arrayValue?.first { $0["code"]?.stringValue == "GET_ITEM_M1000034" }?["output"]?.stringValue
        #expect(overrides["GET_ITEM_M1000034"]?["output"]?["output"]?.stringValue == output && output != nil, "the recorded output, as recorded")
        #expect(overrides["GET_ITEM_M1000034"]?["output"]?["success"] == .bool(true))
        #expect(request["debugParams"]?["breakPoints"]?.arrayValue == [.string("GET_ONHAND_QUANTITIES")], "the data step the recording never reached")

        let replay = try await details()
        #expect(replay["run"]?["replayOf"]?.stringValue == source)
        #expect(replay["run"]?["replayPlan"]?["pinned"]?.arrayValue?.count == 2)
        let replayId = try #require(replay["run"]?["jobId"]?.stringValue)
        #expect(try await details(source)["replays"]?.arrayValue == [.string(replayId)])
        let shown = await tracedesk.run(["show", "last"])
        #expect(shown.stdout.contains("Replay of      run \(source.prefix(8)), 2 steps pinned"), "\(shown.stdout)")
        #expect(await tracedesk.run(["show", String(source.prefix(8))]).stdout.contains("Replays        \(replayId.prefix(8))"))
        // diff knows the replay's pins later too, from either side.
        for (a, b) in [(source, replayId), (replayId, source)] {
            let diffed = await tracedesk.run(["diff", a, b])
            #expect(diffed.status == 0 && !diffed.stdout.contains("BO_FUNCTION (time"), "pinned steps are not compared by time: \(diffed.stdout)")
        }
    }

    @Test("on DRAFT, the added data step stops the replay before it; with --allow-live it runs and is the first divergence")
    func draft() async throws {
        let source = try await recordedRun()
        let paused = await tracedesk.run(["replay", source, "--draft", "--definition", Self.definition])
        #expect(paused.status == 0, "\(paused.stderr)")
        #expect(paused.stderr.contains("it reached GET_ONHAND_QUANTITIES, a data step, and stopped before it"), "\(paused.stderr)")
        #expect(try await details()["run"]?["status"]?.stringValue == "PAUSED")
        #expect(debugRequests().last?["status"] == nil, "DRAFT is the request without a status")

        let live = await tracedesk.run(["replay", source, "--draft", "--allow-live"])
        #expect(live.status == 0, "\(live.stderr)")
        #expect(live.stdout.contains("+ GET_ONHAND_QUANTITIES") && live.stdout.contains("First divergence: GET_ONHAND_QUANTITIES (only B ran it)"), "\(live.stdout)")
        #expect(debugRequests().last?["debugParams"]?["breakPoints"]?.arrayValue == [], "--allow-live sets no breakpoint")
    }

    @Test("--save-fixture writes the run as an Oracle CLI test file: its data steps' outputs as testData, its path as assertions; nothing is sent")
    func saveFixture() async throws {
        let source = try await recordedRun()
        let sentBefore = tracedesk.pod?.requests.count ?? 0
        let file = folder.url.appendingPathComponent("fixture.json")
        let written = await tracedesk.run(["replay", String(source.prefix(8)), "--save-fixture", file.path, "--definition", Self.definition])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stdout.hasPrefix("Fixture written to \(file.path): run \(source.prefix(8)) of \(Self.team) as an Oracle CLI test file, "))
        #expect(tracedesk.pod?.requests.count == sentBefore, "a fixture is written from the history alone")

        let fixture = try #require(JSONValue(parsing: try Data(contentsOf: file)))
        #expect(fixture["workflow"]?["workflowCode"]?.stringValue == Self.team)
        #expect(fixture["input"]?["message"]?.stringValue == "Compare M1000034 and M1000040")
        #expect(fixture["testData"]?["status"]?.stringValue == "PUBLISHED")
        let recorded = try await details(source)["nodes"]?.arrayValue ?? []
        let dataSteps = recorded.filter { ReplayPlan.isDataStep($0["type"]?.stringValue) && $0["depth"]?.intValue == 1 }
        #expect(!dataSteps.isEmpty)
        let nodes = fixture["testData"]?["nodes"]?.objectValue ?? [:]
        #expect(Set(nodes.keys) == Set(dataSteps.compactMap { $0["code"]?.stringValue }), "every data step the run called, and only those")
        for step in dataSteps {
            let code = try #require(step["code"]?.stringValue)
            #expect(nodes[code]?["nodeType"]?.stringValue == "BO_FUNCTION")
            let output = try #require(step["output"]?.stringValue)
            #expect(nodes[code]?["response"] == (JSONValue(parsing: output) ?? .string(output)), "\(code): the recorded output")
        }
        let mustRun = fixture["pathAssertions"]?["mustExecute"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(mustRun.first == "PARSE_ITEMS" && mustRun.contains("COMPARE_ITEMS") && !mustRun.contains("START") && !mustRun.contains("END"), "\(mustRun)")
        #expect(fixture["pathAssertions"]?["mustNotExecute"]?.arrayValue?.compactMap(\.stringValue) == ["GET_ONHAND_QUANTITIES"],
                "the definition's data step the run never reached")
    }

    @Test("simulator --replay: a recorded run is played as its team, the same steps, outputs, tokens and time, offline")
    func recordedRunsAsTeams() async throws {
        let source = try await recordedRun()
        let (context, _, _) = tracedesk.context()
        let played = try ScenarioSource.recorded([String(source.prefix(8))], history: HistoryLocation(database: tracedesk.database), in: context)
        #expect(played.description == "1 recorded run as teams")
        let library = try played.load()
        #expect(library.teams.keys.sorted() == [Self.team])

        // Another machine, no pod: the same invocation on the recording, into the same history.
        var offline = CommandLineHarness(database: tracedesk.database, pod: InProcessPodTransport(library: library, seed: 99))
        offline.environment["XDG_CACHE_HOME"] = folder.url.appendingPathComponent("offline-cache").path
        let again = await offline.run(["invoke", Self.team, "Compare M1000034 and M1000040", "--quiet"])
        #expect(again.status == 0, "\(again.stderr)")
        let replayed = try #require(try await details()["run"]?["jobId"]?.stringValue)
        #expect(replayed != source)
        let diff = try #require(JSONValue(parsing: await tracedesk.run(["diff", source, replayed, "--json"]).stdout))
        let steps = diff["steps"]?.arrayValue ?? []
        #expect(!steps.isEmpty && steps.allSatisfy { $0["change"]?.stringValue == "same" }, "\(steps.map { ($0["path"]?.stringValue ?? "", $0["differences"]?.compactText ?? "") })")
        #expect(diff["a"]?["output"] == diff["b"]?["output"])
        #expect(steps.allSatisfy { $0["durationMsA"] == $0["durationMsB"] }, "the recorded times, step by step: \(steps.map { ($0["path"]?.stringValue ?? "", $0["durationMsA"]?.intValue ?? -1, $0["durationMsB"]?.intValue ?? -1) })")
        #expect(diff["a"]?["inputTokens"] == diff["b"]?["inputTokens"] && diff["a"]?["outputTokens"] == diff["b"]?["outputTokens"])

        let nothing = await tracedesk.run(["simulator", "--replay", "no-such-run-0000", "--port", "0"])
        #expect(nothing.status == 2 && nothing.stderr.contains("no run matches"), "\(nothing.stderr)")
    }

    @Test("--live runs a recorded data step; --pin pins a reasoning step too")
    func liveAndPin() async throws {
        let source = try await recordedRun()
        let result = await tracedesk.run(["replay", source, "--definition", Self.definition, "--live", "GET_ITEM_M1000040", "--pin", "COMPARE_ITEMS"])
        #expect(result.status == 0, "\(result.stderr)")
        let overrides = try #require(debugRequests().last?["debugParams"]?["overrides"]?.objectValue)
        #expect(Set(overrides.keys) == ["GET_ITEM_M1000034", "COMPARE_ITEMS"])
        #expect(try await details()["run"]?["replayPlan"]?["live"]?.arrayValue == [.string("GET_ITEM_M1000040")])
    }

    @Test("--model runs one step with another model: its definition, model changed, is the only spec sent, and only that step's model moves")
    func anotherModel() async throws {
        let source = try await recordedRun()
        let result = await tracedesk.run(["replay", source, "--definition", Self.definition, "--model", "COMPARE_ITEMS=meta.llama-3.3-70b-instruct"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("COMPARE_ITEMS on meta.llama-3.3-70b-instruct"), "\(result.stderr)")
        let overrides = try #require(debugRequests().last?["debugParams"]?["overrides"]?.objectValue)
        #expect(Set(overrides.keys) == ["GET_ITEM_M1000034", "GET_ITEM_M1000040", "COMPARE_ITEMS"])
        let spec = try #require(overrides["COMPARE_ITEMS"]?["spec"])
        #expect(spec["code"]?.stringValue == "COMPARE_ITEMS" && spec["type"]?.stringValue == "LLM", "the step's own definition")
        #expect(spec["metadata"]?["modelConfiguration"]?["modelName"]?.stringValue == "meta.llama-3.3-70b-instruct")
        #expect(spec["metadata"]?["name"]?.stringValue == "Compare the items", "the rest of its definition kept")
        #expect(overrides["COMPARE_ITEMS"]?["output"] == nil && overrides["GET_ITEM_M1000034"]?["spec"] == nil)

        let replay = try await details()
        let nodes = replay["nodes"]?.arrayValue ?? []
        let calls = nodes.first { $0["code"]?.stringValue == "COMPARE_ITEMS" }?["llmCalls"]?.arrayValue ?? []
        #expect(!calls.isEmpty && calls.allSatisfy { $0["model"]?.stringValue == "meta.llama-3.3-70b-instruct" }, "\(calls)")
        #expect(nodes.filter { $0["code"]?.stringValue != "COMPARE_ITEMS" }.allSatisfy { $0["llmCalls"]?.arrayValue?.isEmpty ?? true },
                "no other step called a model")
        #expect(replay["run"]?["replayPlan"]?["models"]?["COMPARE_ITEMS"]?.stringValue == "meta.llama-3.3-70b-instruct")
        #expect(result.stdout.contains("~ COMPARE_ITEMS") && result.stdout.contains("model: cohere.command-r-plus-08-2024 → meta.llama-3.3-70b-instruct"),
                "\(result.stdout)")
        #expect(result.stdout.contains("First divergence: COMPARE_ITEMS (model differs)"), "\(result.stdout)")
        #expect(await tracedesk.run(["show", "last"]).stdout.contains("COMPARE_ITEMS on meta.llama-3.3-70b-instruct"))
    }

    @Test("--model is refused without a definition, on a step that calls no model, on a pinned step, and without a model")
    func anotherModelRefused() async throws {
        let source = try await recordedRun()
        let sent = debugRequests().count
        let cases: [([String], String)] = [
            (["--allow-live", "--model", "COMPARE_ITEMS=x"], "pass --definition FILE.wf"),
            (["--definition", Self.definition, "--model", "PARSE_ITEMS=x"], "PARSE_ITEMS is a CODE step, which calls no model"),
            (["--definition", Self.definition, "--model", "COMPARE_ITEMS=x", "--pin", "COMPARE_ITEMS"], "given to both --model and --pin"),
            (["--definition", Self.definition, "--model", "NOPE=x"], "has no step NOPE"),
            (["--definition", Self.definition, "--model", "COMPARE_ITEMS="], "--model takes CODE=MODEL"),
        ]
        for (flags, says) in cases {
            let refused = await tracedesk.run(["replay", source] + flags)
            #expect(refused.status == 2 && refused.stderr.contains(says), "\(flags): \(refused.stderr)")
        }
        #expect(debugRequests().count == sent, "nothing was sent")
    }

    @Test("refused before anything is sent: no definition, an unknown step, a pin too large, another team's definition, a run still going")
    func refusals() async throws {
        let source = try await recordedRun()
        let sent = debugRequests().count
        let cases: [([String], String)] = [
            ([], "pass --definition FILE.wf"),
            (["--definition", Self.definition, "--live", "NO_SUCH_STEP"], "has no step NO_SUCH_STEP"),
            (["--definition", Self.definition, "--max-pin-bytes", "10"], "GET_ITEM_M1000034's recorded output is"),
            (["--definition", "samples/definitions/product-comparison-advisor-draft.wf", "--live", "GET_ITEM_M1000034", "--pin", "GET_ITEM_M1000034"], "not both"),
        ]
        for (flags, says) in cases {
            let refused = await tracedesk.run(["replay", source] + flags)
            #expect(refused.status == 2 && refused.stderr.contains(says), "\(flags): \(refused.stderr)")
        }
        let other = folder.url.appendingPathComponent("other.wf")
        try #"{"workflowCode": "XX_OTHER", "specification": {"dataPipeline": {"pipelineNodes": [{"code": "START", "type": "START"}]}}}"#
            .write(to: other, atomically: true, encoding: .utf8)
        let wrongTeam = await tracedesk.run(["replay", source, "--definition", other.path])
        #expect(wrongTeam.status == 2 && wrongTeam.stderr.contains("is team XX_OTHER's"), "\(wrongTeam.stderr)")
        #expect(await tracedesk.run(["replay", source, "--draft", "--published"]).status == 2)

        _ = await tracedesk.run(["invoke", "XX_GL_JOURNAL_APPROVAL", "Post", "--param", "journal=JE-3", "--on-waiting", "stop", "--quiet"])
        let waiting = await tracedesk.run(["replay", "last", "--allow-live"])
        #expect(waiting.status == 2 && waiting.stderr.contains("is WAITING: replay a run that has ended"), "\(waiting.stderr)")
        #expect(debugRequests().count == sent, "nothing was sent")
    }

    @Test("a step cut short by the pod, a failed one, or a loop whose iterations differ cannot be pinned; a called team's steps are not pinned")
    func whatCannotBePinned() throws {
        func details(_ nodes: String) throws -> RunDetails {
            let store = try HistoryStore.inMemory()
            let body = #"{"jobId": "J-1", "status": "COMPLETE", "workflowCode": "T", "output": "ok", "nodes": \#(nodes)}"#
            _ = try Importer(store: store).importBodies(from: [.data(Data(body.utf8), origin: "body")], team: nil)
            return try store.details(of: store.run("J-1"))
        }
        func refusal(_ nodes: String) throws -> String {
            do {
                _ = try ReplayPlan(source: try details(nodes), definition: nil, allowLive: true)
                return "no refusal"
            } catch { return String(describing: error) }
        }
        #expect(try refusal(#"[{"nodeCode": "GET", "nodeType": "BO_FUNCTION", "status": "COMPLETE", "output": "[{\"a\": 1}, ....."}]"#)
                    .contains("GET's recorded output was cut short by the pod"))
        #expect(try refusal(#"[{"nodeCode": "GET", "nodeType": "BO_FUNCTION", "status": "ERROR", "error": "401"}]"#)
                    .contains("GET failed in the recording"))
        let loop = { (second: String) in
            #"[{"nodeCode": "EACH", "nodeType": "LOOP", "status": "COMPLETE", "children": [{"nodeCode": "LOOK", "nodeType": "TOOL", "status": "COMPLETE", "output": "a"}, {"nodeCode": "LOOK", "nodeType": "TOOL", "status": "COMPLETE", "output": "\#(second)"}]}]"#
        }
        #expect(try refusal(loop("b")).contains("LOOK gave 2 different outputs over its 2 iterations"))
        let same = try ReplayPlan(source: try details(loop("a")), definition: nil, allowLive: true)
        #expect(same.summary.pinned == ["LOOK"] && same.overrides["LOOK"]?["output"]?["output"]?.stringValue == "a")
        let nested = #"[{"nodeCode": "CALL", "nodeType": "WORKFLOW", "status": "COMPLETE", "output": "{\"jobId\": \"N-1\", \"status\": \"COMPLETE\", \"output\": \"fine\", \"nodes\": [{\"nodeCode\": \"INNER\", \"nodeType\": \"BO_FUNCTION\", \"status\": \"COMPLETE\", \"output\": \"x\"}]}"}]"#
        let called = try ReplayPlan(source: try details(nested), definition: nil, allowLive: true)
        #expect(called.summary.pinned == ["CALL"], "the call is pinned whole; the called team's steps are not this team's")
        let streamed = try ReplayPlan(source: try details(#"[{"nodeCode": "GET", "nodeType": "BO_FUNCTION", "status": "COMPLETE", "output": "{\"success\": true, \"output\": \"{\\\"a\\\": 1}\"}"}]"#),
                                      definition: nil, allowLive: true)
        #expect(streamed.overrides["GET"]?["output"]?["output"]?.stringValue == #"{"a": 1}"#, "a streamed step's wrapper is taken off: the pin is the output")
    }

    @Test("a .wf definition gives every step wherever it sits, each code once")
    func definition() throws {
        let read = try TeamDefinition(data: try Data(contentsOf: URL(fileURLWithPath: Self.definition)), origin: "wf")
        #expect(read.workflowCode == Self.team && read.status == "DRAFT" && read.version == 14)
        #expect(Set(read.steps.map(\.code)) == ["START", "PARSE_ITEMS", "FETCH_ITEM_DETAILS", "GET_ITEM_M1000034", "GET_ITEM_M1000040",
                                                "GET_ONHAND_QUANTITIES", "COMPARE_ITEMS", "END"])
        #expect(throws: TracedeskError.self) { try TeamDefinition(data: Data("{}".utf8), origin: "empty.wf") }
    }
}
