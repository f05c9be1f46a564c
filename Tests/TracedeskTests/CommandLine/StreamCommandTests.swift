import Foundation
import FusionSimulator
import Testing
import TracedeskClient
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

/// `invoke --stream` and `resume` over the debug endpoint, against the in-process simulator.
@Suite("Following runs over the debug stream")
struct StreamCommandTests {
    let folder: TemporaryFolder
    let tracedesk: CommandLineHarness

    init() throws {
        folder = try TemporaryFolder()
        tracedesk = try CommandLineHarness.withPod(in: folder.url)
    }

    func details(_ run: String = "last", harness: CommandLineHarness? = nil) async throws -> JSONValue {
        try #require(JSONValue(parsing: await (harness ?? tracedesk).run(["show", run, "--json"]).stdout))
    }

    /// Everything Tracedesk wrote: the history's files, the outputs, and a folder's files.
    func written(_ outputs: [CommandLineHarness.Result], also folders: [URL] = []) throws -> String {
        var text = outputs.map { $0.stdout + $0.stderr }.joined()
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.url.path) where name.hasPrefix("history.sqlite") {
            text += String(decoding: try Data(contentsOf: folder.url.appendingPathComponent(name)), as: UTF8.self)
        }
        for url in folders {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [] {
                text += String(decoding: try Data(contentsOf: url.appendingPathComponent(name)), as: UTF8.self)
            }
        }
        return text
    }

    @Test("invoke --stream: each step on stderr as it starts and ends, every event kept, and the same steps and times as the polled run")
    func streamedLikePolled() async throws {
        let message = "Compare M1000034 of org IMO and M1000040 of Org SBI"
        let streamed = await tracedesk.run(["invoke", "PRODUCT_COMPARISON_ADVISOR_COE", message, "--stream"])
        #expect(streamed.status == 0, "\(streamed.stderr)")
        #expect(streamed.stderr.contains("streamed over the debug endpoint"))
        #expect(streamed.stderr.contains("▶ COMPARE_ITEMS (LLM)") && streamed.stderr.contains("✓ COMPARE_ITEMS (LLM)"), "\(streamed.stderr)")
        #expect(streamed.stderr.contains("    ✓ GET_ITEM_M1000034 (TOOL)") || streamed.stderr.contains("  ✓ GET_ITEM_M1000034"), "children indented")
        let stream = try await details()
        #expect(stream["run"]?["transport"]?.stringValue == "stream")
        #expect((stream["streamEvents"]?.intValue ?? 0) >= 10)
        #expect(stream["snapshots"]?.arrayValue?.isEmpty == true, "no body was received: none is stored as one")

        let polled = await tracedesk.run(["invoke", "PRODUCT_COMPARISON_ADVISOR_COE", message])
        #expect(polled.status == 0)
        let poll = try await details()
        func steps(_ value: JSONValue) -> [String] {
            (value["nodes"]?.arrayValue ?? []).map { node in
                "\(node["code"]?.stringValue ?? "?") \(node["type"]?.stringValue ?? "?") \(node["durationMs"]?.intValue ?? -1) \(node["inputTokens"]?.intValue ?? 0)/\(node["outputTokens"]?.intValue ?? 0)"
            }
        }
        #expect(steps(stream) == steps(poll), "the same steps, times and tokens, whichever way they were followed")
        #expect(stream["run"]?["output"] == poll["run"]?["output"])
        #expect(stream["run"]?["inputTokens"] == poll["run"]?["inputTokens"])
        let streamTime = try #require(stream["run"]?["timeTakenMs"]?.intValue), pollTime = try #require(poll["run"]?["timeTakenMs"]?.intValue)
        #expect(abs(streamTime - pollTime) <= 200, "within the pod's own timing: \(streamTime) against \(pollTime)")
        // One request for the streamed run (the feature configuration is read once, and kept).
        let requests = tracedesk.pod?.requests ?? []
        #expect(requests.filter { $0.url.path.hasSuffix("/debug") }.count == 1)
        #expect(requests.filter { $0.url.path.contains("featureConfigurations") }.count == 1)
    }

    @Test("every field of a step's model call is in its own row: messages, settings, response, both counts, reasoning, AI units")
    func llmCalls() async throws {
        let result = await tracedesk.run(["invoke", "PRODUCT_COMPARISON_ADVISOR_COE", "Compare M1000034 of org IMO and M1000040 of Org SBI", "--stream"])
        #expect(result.status == 0)
        let value = try await details()
        let compare = try #require(value["nodes"]?.arrayValue?.first { $0["code"]?.stringValue == "COMPARE_ITEMS" })
        let call = try #require(compare["llmCalls"]?.arrayValue?.first)
        #expect(call["model"]?.stringValue == "cohere.command-r-plus-08-2024")
        #expect(call["modelType"]?.stringValue == "PREMIUM")
        #expect(call["messages"]?.arrayValue?.compactMap { $0["role"]?.stringValue } == ["SYSTEM", "USER"])
        #expect(call["parameters"]?["max_completion_tokens"]?.intValue == 4096)
        #expect(call["responseText"]?.stringValue?.isEmpty == false)
        #expect(call["finishReason"]?.stringValue == "stop")
        let input = try #require(call["inputTokens"]?.intValue), output = try #require(call["outputTokens"]?.intValue)
        #expect(call["providerPromptTokens"]?.intValue != input, "the provider counts its own way")
        let units = try #require(call["aiUnits"]?.intValue)
        #expect(units == Int64((Double(Int64((Double(input + output) * 0.001).rounded(.up))) * 2.5).rounded(.up)))
        #expect(value["run"]?["aiUnits"]?.intValue == units, "the run's one model call")
        let shown = await tracedesk.run(["show", "last"])
        #expect(shown.stdout.contains("AI units"), "\(shown.stdout)")
    }

    @Test("a model the pod's rates do not type leaves AI units unknown, never guessed")
    func unknownUnits() async throws {
        let result = await tracedesk.run(["invoke", "XX_TRAVEL_POLICY_ADVISOR", "Can I book business class for a 7-hour flight?", "--stream"])
        #expect(result.status == 0, "\(result.stderr)")
        let value = try await details()
        let calls = (value["nodes"]?.arrayValue ?? []).flatMap { $0["llmCalls"]?.arrayValue ?? [] }
        #expect(calls.contains { $0["model"]?.stringValue == "cohere.embed-multilingual-v3.0" && $0["aiUnits"] == nil })
        #expect(value["run"]?["aiUnits"] == nil, "one call is unknown: so is the run's total")
    }

    @Test("a streamed wait: exit 3 with the answers the node offers; its callback token reaches no history, output or recording; resume streams on as one run")
    func streamedWaitAndResume() async throws {
        let record = folder.url.appendingPathComponent("record")
        let invoked = await tracedesk.run(["invoke", "XX_GL_JOURNAL_APPROVAL", "Post the reversal", "--param", "journal=JE-2026-03-0417",
                                           "--stream", "--record", record.path])
        #expect(invoked.status == 3, "\(invoked.stderr)")
        #expect(invoked.stderr.contains("WAITING for APPROVE_POSTING (HUMAN, channel CHAT, round 1 of 3)"), "\(invoked.stderr)")
        #expect(invoked.stderr.contains("answer with: tracedesk resume") && invoked.stderr.contains("--request-changes TEXT"))
        let callbacks = folder.url.appendingPathComponent("cache/tracedesk/callbacks")
        let files = try FileManager.default.contentsOfDirectory(atPath: callbacks.path)
        #expect(files.count == 1)
        let file = callbacks.appendingPathComponent(files[0])
        #expect((try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int).map { $0 & 0o777 } == 0o600)
        let first = try #require(JSONValue(parsing: try Data(contentsOf: file))?["token"]?.stringValue)
        #expect(try await details()["run"]?["waiting"]?["node"]?.stringValue == "APPROVE_POSTING")

        let again = await tracedesk.run(["resume", "last", "--request-changes", "which period?", "--record", record.path])
        #expect(again.status == 3, "waits again: \(again.stderr)")
        #expect(again.stderr.contains("round 2 of 3"), "\(again.stderr)")
        #expect(again.stderr.contains("--approve | --reject [--feedback TEXT] | --request-changes TEXT"), "feedback goes with approve and reject: \(again.stderr)")
        let both = await tracedesk.run(["resume", "last", "--request-changes", "x", "--feedback", "y"])
        #expect(both.status == 2 && both.stderr.contains("--request-changes takes its text itself"))
        let second = try #require(JSONValue(parsing: try Data(contentsOf: file))?["token"]?.stringValue)
        #expect(second != first, "a new round, a new token")
        let wrongAnswer = await tracedesk.run(["resume", "last", "--skip-wait"])
        #expect(wrongAnswer.status == 2 && wrongAnswer.stderr.contains("waits for a person"))

        let approved = await tracedesk.run(["resume", "last", "--approve", "--feedback", "ok for March", "--record", record.path])
        #expect(approved.status == 0, "\(approved.stderr)")
        #expect(approved.stdout.contains("Approver's note: ok for March"))
        #expect(!FileManager.default.fileExists(atPath: file.path), "a used token is forgotten")
        let value = try await details()
        #expect(value["statusChanges"]?.arrayValue?.compactMap { $0["status"]?.stringValue }
                    == ["RUNNING", "WAITING", "RUNNING", "WAITING", "RUNNING", "COMPLETE"])
        #expect(JSONValue(parsing: await tracedesk.run(["runs", "--json"]).stdout)?.arrayValue?.count == 1, "one run")
        let resumes = (tracedesk.pod?.requests ?? []).filter { $0.url.path.hasSuffix("/debug") }.compactMap { $0.body.flatMap { JSONValue(parsing: $0) } }
        #expect(resumes.count == 3)
        #expect(resumes.dropFirst().allSatisfy { $0["message"]?.stringValue == "" && $0["jobId"] != nil && $0["resumeInput"]?["messageInstanceId"] != nil })
        #expect(resumes.last?["resumeInput"]?["userResponse"]?.stringValue == "APPROVE_ACTION")
        #expect(resumes.last?["resumeInput"]?["content"]?.stringValue == "ok for March")
        let everything = try written([invoked, again, approved], also: [record])
        #expect(!everything.contains(first) && !everything.contains(second), "the tokens are in the 0600 store and nowhere else")
        #expect(everything.contains(CallbackTokens.marker), "a marker holds their place")
    }

    /// What another history makes of a run: its steps, calls and figures, as `show --json` says.
    func essentials(_ value: JSONValue) -> [String] {
        let run = value["run"]
        var lines = ["status", "message", "output", "inputTokens", "outputTokens", "aiUnits", "transport", "teamCode", "nodeCount", "pod",
                     "startedAt"].map { key in
            "\(key)=\(run?[key]?.compactText ?? "-")"
        } + ["waitingMs=\(value["waitingMs"]?.compactText ?? "-")"]
        for node in value["nodes"]?.arrayValue ?? [] {
            lines.append(["code", "status", "durationMs", "loopIndex", "depth", "startedAt", "endedAt"].map { node[$0]?.compactText ?? "-" }.joined(separator: " ")
                         + " calls=\(node["llmCalls"]?.arrayValue?.count ?? 0)")
        }
        lines += (value["statusChanges"]?.arrayValue ?? []).map { "\($0["status"]?.stringValue ?? "?") at \($0["at"]?.compactText ?? "-")" }
        return lines
    }

    @Test("a streamed run's report imports into another history as the same run: steps, model calls, AI units, every event; twice is once")
    func reportRoundTrip() async throws {
        let invoked = await tracedesk.run(["invoke", "PRODUCT_COMPARISON_ADVISOR_COE", "Compare M1000034 of org IMO and M1000040 of Org SBI", "--stream", "--quiet"])
        #expect(invoked.status == 0, "\(invoked.stderr)")
        let original = try await details()
        let report = folder.url.appendingPathComponent("run.html")
        #expect(await tracedesk.run(["report", "last", "-o", report.path]).status == 0)
        let html = try String(contentsOf: report, encoding: .utf8)
        #expect(html.contains("Model call") && html.contains("Tokens (the provider") && html.contains("AI units"), "the report shows the calls")

        let other = CommandLineHarness(database: folder.url.appendingPathComponent("other.sqlite").path)
        let imported = await other.run(["import", report.path])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.hasPrefix("Imported 1 debug stream into 1 run ("), "no '0 bodies' for a streamed run: \(imported.stdout)")
        let copy = try await details(harness: other)
        let (a, b) = (essentials(copy), essentials(original))
        #expect(a == b, "\(a.enumerated().filter { $0.offset >= b.count || b[$0.offset] != $0.element }.map(\.element)) against \(b.enumerated().filter { $0.offset >= a.count || a[$0.offset] != $0.element }.map(\.element))")
        #expect(copy["streamEvents"] == original["streamEvents"])
        let again = await other.run(["import", report.path])
        #expect(again.stdout.contains("1 streamed run already recorded"), "\(again.stdout)")
        #expect(try await details(harness: other)["streamEvents"] == original["streamEvents"], "nothing doubled")
    }

    @Test("invoke --stream refuses the flags the debug endpoint cannot honour, before any request: --version, --end-user, --api v1")
    func streamRefusals() async throws {
        let cases: [([String], String)] = [
            (["--version", "3"], "--version cannot go over the debug stream"),
            (["--end-user"], "--end-user cannot go over the debug stream"),
            (["--api", "v1"], "--api v1 cannot go over the debug stream"),
        ]
        for (flags, message) in cases {
            let before = (tracedesk.pod?.requests ?? []).filter { $0.url.path.hasSuffix("/debug") }.count
            let refused = await tracedesk.run(["invoke", "PRODUCT_COMPARISON_ADVISOR_COE", "Compare M1000034 and M1000040", "--stream"] + flags)
            #expect(refused.status == 2 && refused.stderr.contains(message), "\(flags): \(refused.stderr)")
            #expect((tracedesk.pod?.requests ?? []).filter { $0.url.path.hasSuffix("/debug") }.count == before, "nothing sent for \(flags)")
        }
        let v2 = await tracedesk.run(["invoke", "PRODUCT_COMPARISON_ADVISOR_COE", "Compare M1000034 and M1000040", "--stream", "--api", "v2", "--quiet"])
        #expect(v2.status == 0, "\(v2.stderr)")
    }

    @Test("compare --stream: each job one /debug request, the same verdict as polling; a numbered version is refused")
    func compareStreamed() async throws {
        let suite = CommandLineHarness.repository.appendingPathComponent("samples/suites/product-comparison.yaml").path
        let polled = await tracedesk.run(["compare", "PRODUCT_COMPARISON_ADVISOR_COE", "--suite", suite, "--json", "--quiet"])
        let before = (tracedesk.pod?.requests ?? []).count
        let streamed = await tracedesk.run(["compare", "PRODUCT_COMPARISON_ADVISOR_COE", "--suite", suite, "--json", "--quiet", "--stream"])
        #expect(streamed.status == 0, "\(streamed.stderr)")
        let requests = (tracedesk.pod?.requests ?? []).dropFirst(before)
        #expect(requests.filter { $0.url.path.hasSuffix("/debug") }.count == 6, "three prompts, both sides")
        #expect(!requests.contains { $0.url.path.contains("/status/") }, "no polling")
        let a = try #require(JSONValue(parsing: polled.stdout)), b = try #require(JSONValue(parsing: streamed.stdout))
        #expect(a["verdict"] == b["verdict"] && a["regressions"] == b["regressions"], "\(b["verdict"] ?? .null)")
        #expect(b["prompts"]?.arrayValue?.first?["a"]?["medianAIUnits"]?.intValue ?? 0 > 0, "each side's AI units")
        let table = await tracedesk.run(["compare", "PRODUCT_COMPARISON_ADVISOR_COE", "--message", "Compare M1000034 and M1000040", "--quiet"])
        #expect(table.stdout.contains("AI UNITS A → B"), "\(table.stdout)")
        let runs = try #require(JSONValue(parsing: await tracedesk.run(["runs", "--json", "--limit", "100"]).stdout)?.arrayValue)
        #expect(runs.filter { $0["transport"]?.stringValue == "stream" }.count == 6)
        let waiting = await tracedesk.run(["compare", "XX_GL_JOURNAL_APPROVAL", "--message", "Post it", "--param", "journal=JE-9", "--stream"])
        #expect(waiting.stderr.contains("WAITING at APPROVE_POSTING, not answered"), "where each side waits, not 'in -': \(waiting.stderr)")
        #expect(!waiting.stderr.contains(" in -"))
        let numbered = await tracedesk.run(["compare", "PRODUCT_COMPARISON_ADVISOR_COE", "--message", "x", "--a", "PUBLISHED:13", "--stream"])
        #expect(numbered.status == 2 && numbered.stderr.contains("not a numbered one"), "\(numbered.stderr)")
    }

    @Test("a recorded streamed run and its resume import as one run, the token nowhere")
    func recordedRoundTrip() async throws {
        let record = folder.url.appendingPathComponent("record")
        let invoked = await tracedesk.run(["invoke", "XX_GL_JOURNAL_APPROVAL", "Post it", "--param", "journal=JE-9", "--stream", "--quiet", "--record", record.path])
        #expect(invoked.status == 3)
        #expect(await tracedesk.run(["resume", "last", "--approve", "--quiet", "--record", record.path]).status == 0)
        let original = try await details()
        let files = try FileManager.default.contentsOfDirectory(atPath: record.path).sorted().map { record.appendingPathComponent($0).path }
        let other = CommandLineHarness(database: folder.url.appendingPathComponent("other.sqlite").path)
        let imported = await other.run(["import"] + files)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.hasPrefix("Imported 2 debug streams into 1 run ("), "\(imported.stdout)")
        let copy = try await details(harness: other)
        #expect(copy["run"]?["status"]?.stringValue == "COMPLETE")
        #expect(copy["run"]?["message"]?.stringValue == "Post it")
        let (a, b) = (essentials(copy), essentials(original))
        #expect(a == b, "steps with their instants, AI units from the recorded rates, the pod, the status history and the wait: \(a.enumerated().filter { $0.offset >= b.count || b[$0.offset] != $0.element }.map(\.element)) against \(b.enumerated().filter { $0.offset >= a.count || a[$0.offset] != $0.element }.map(\.element))")
        #expect((original["run"]?["aiUnits"]?.intValue ?? 0) > 0 && (original["waitingMs"]?.intValue ?? -1) >= 0)
        #expect(copy["streamEvents"] == original["streamEvents"])
        let poll = await other.run(["poll", "last"])
        #expect(!poll.stderr.contains("following run") || poll.stderr.contains("not followed without --pod"), "an imported run's pod is not used: \(poll.stderr)")
    }

    @Test("an imported WAITING body's callback token is kept out of the history, show, the JSON and the report")
    func importedToken() async throws {
        let token = "cbt-5f0c2a9e7d41b3c8a6e2f9d07b1c4e8a5d3f"
        let imported = await tracedesk.run(["import", "samples/bodies/approval-waiting.json"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let shown = await tracedesk.run(["show", "last"])
        #expect(shown.stdout.contains("round 1 of 3") && shown.stdout.contains("RFI_ACTION Request changes"), "\(shown.stdout)")
        let json = await tracedesk.run(["show", "last", "--json"])
        let report = folder.url.appendingPathComponent("reports")
        try FileManager.default.createDirectory(at: report, withIntermediateDirectories: true)
        let written = await tracedesk.run(["report", "last", "-o", report.appendingPathComponent("waiting.html").path])
        #expect(written.status == 0, "\(written.stderr) \(written.stdout)")
        let everything = try self.written([imported, shown, json, written], also: [report])
        #expect(!everything.contains(token))
        #expect(everything.contains(CallbackTokens.marker))
    }

    @Test("a WAIT node ends the stream too; --skip-wait resumes it at once, and --approve is refused for it")
    func skipWait() async throws {
        let invoked = await tracedesk.run(["invoke", "XX_GL_JOURNAL_APPROVAL", "Post it", "--param", "journal=JE-9", "--draft", "--stream", "--quiet"])
        #expect(invoked.status == 3)
        #expect(await tracedesk.run(["resume", "last", "--approve", "--quiet"]).status == 3, "the approval, then the posting window")
        let between = try await details()["nodes"]?.arrayValue ?? []
        func status(_ code: String, in nodes: [JSONValue]) -> String? { nodes.first { $0["code"]?.stringValue == code }?["status"]?.stringValue }
        #expect(status("APPROVE_POSTING", in: between) == "COMPLETED", "the approved step ended in the stream that went on: \(between)")
        #expect(status("WAIT_FOR_POSTING_WINDOW", in: between) == "RUNNING", "the new wait started in it")
        let refused = await tracedesk.run(["resume", "last", "--approve"])
        #expect(refused.status == 2 && refused.stderr.contains("WAIT node"), "\(refused.stderr)")
        let skipped = await tracedesk.run(["resume", "last", "--skip-wait"])
        #expect(skipped.status == 0, "\(skipped.stderr)")
        let value = try await details()
        let window = try #require(value["nodes"]?.arrayValue?.first { $0["code"]?.stringValue == "WAIT_FOR_POSTING_WINDOW" })
        #expect(window["status"]?.stringValue == "COMPLETED", "one step, ended by the resumed stream: \(window)")
        #expect((window["durationMs"]?.intValue ?? 5000) < 5000, "skipped, not waited out")
    }

    @Test("a --skip-wait that comes after the wait ran out says so and how to go on, never that it skipped; the token stays")
    func lateSkipWait() async throws {
        #expect(await tracedesk.run(["invoke", "XX_GL_JOURNAL_APPROVAL", "Post it", "--param", "journal=JE-9", "--draft", "--stream", "--quiet"]).status == 3)
        #expect(await tracedesk.run(["resume", "last", "--approve", "--quiet"]).status == 3, "the approval, then the posting window")
        let pod = try #require(tracedesk.pod)
        pod.runClock.advance(byMilliseconds: 24 * 3_600_000)
        pod.wallClock.advance(byMilliseconds: 24 * 3_600_000)
        let late = await tracedesk.run(["resume", "last", "--skip-wait"])
        #expect(late.status == 2, "\(late.stderr)")
        #expect(!late.stderr.contains("skipped"), "nothing was skipped: \(late.stderr)")
        #expect(late.stderr.contains("did not take --skip-wait for WAIT_FOR_POSTING_WINDOW") && late.stderr.contains("has most likely run out")
                && late.stderr.contains("tracedesk poll "), "\(late.stderr)")
        #expect(late.stderr.split(separator: "\n").count == 1, "one line: \(late.stderr)")
        let callbacks = folder.url.appendingPathComponent("cache/tracedesk/callbacks")
        #expect(try FileManager.default.contentsOfDirectory(atPath: callbacks.path).count == 1, "a refused answer keeps its token")
    }

    @Test("a stream cut mid-run: exit 5, every event kept, and poll carries on to the end")
    func cutStream() async throws {
        let harness = try CommandLineHarness.withPod(in: folder.url, faults: ["PRODUCT_COMPARISON_ADVISOR_COE": [FaultRule(kind: .drop, on: "debug")]])
        let cut = await harness.run(["invoke", "PRODUCT_COMPARISON_ADVISOR_COE", "Compare M1000034 and M1000040", "--stream"])
        #expect(cut.status == 5, "\(cut.stderr)")
        #expect(cut.stderr.contains("the stream was cut") && cut.stderr.contains("are recorded") && cut.stderr.contains("tracedesk poll "), "\(cut.stderr)")
        let kept = try await details(harness: harness)
        #expect((kept["streamEvents"]?.intValue ?? 0) > 0)
        #expect(kept["run"]?["status"]?.stringValue == "RUNNING")
        let polled = await harness.run(["poll", "last"])
        #expect(polled.status == 0, "\(polled.stderr)")
        #expect(try await details(harness: harness)["run"]?["status"]?.stringValue == "COMPLETE")
    }

    @Test("a polled run's wait: the token stays out of the history; resume sends v2 invokeAsync with the real resumeNodeInput")
    func polledResume() async throws {
        let stopped = await tracedesk.run(["invoke", "XX_GL_JOURNAL_APPROVAL", "Post", "--param", "journal=JE-3", "--on-waiting", "stop"])
        #expect(stopped.status == 3)
        let resumed = await tracedesk.run(["resume", "last", "--reject", "--feedback", "wrong period"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("rejected it (wrong period)"))
        let request = try #require((tracedesk.pod?.requests ?? []).last { $0.url.path.hasSuffix("/invokeAsync") && $0.body.map { String(decoding: $0, as: UTF8.self).contains("resumeNodeInput") } == true })
        #expect(request.url.path.contains("/agent/v2/"), "the resume is a v2 call")
        let body = try #require(request.body.flatMap { JSONValue(parsing: $0) })
        #expect(body["resumeNodeInput"]?["userResponse"]?.stringValue == "REJECT_ACTION")
        #expect(body["resumeNodeInput"]?["content"]?.stringValue == "wrong period")
        let token = try #require(body["resumeNodeInput"]?["messageInstanceId"]?.stringValue)
        #expect(!(try written([stopped, resumed])).contains(token))
    }

    @Test("an imported run keeps the pod its capture names, but is followed on the configured one: a crafted report gets no token")
    func importedPodNotFollowed() async throws {
        _ = await tracedesk.run(["invoke", "XX_GL_JOURNAL_APPROVAL", "Post it", "--param", "journal=JE-9", "--stream", "--quiet"])
        let report = folder.url.appendingPathComponent("waiting.html")
        #expect(await tracedesk.run(["report", "last", "-o", report.path]).status == 0)
        let html = try String(contentsOf: report, encoding: .utf8)
        #expect(html.contains("\"pod\":\"https://pod.example.com\""), "the report says where the run was followed")
        try html.replacingOccurrences(of: "https://pod.example.com", with: "https://attacker.example").write(to: report, atomically: true, encoding: .utf8)
        let elsewhere = try TemporaryFolder()
        let other = try CommandLineHarness.withPod(in: elsewhere.url)
        #expect(await other.run(["import", report.path]).status == 0)
        #expect(try await details(harness: other)["run"]?["pod"]?.stringValue == "https://attacker.example")
        let before = other.pod?.requests.count ?? 0
        let poll = await other.run(["poll", "last"])
        #expect(poll.stderr.contains("not followed without --pod"), "\(poll.stderr)")
        let sent = (other.pod?.requests ?? []).dropFirst(before)
        #expect(!sent.isEmpty && !sent.contains { $0.url.host == "attacker.example" }, "every call went to the configured pod: \(sent.map(\.url))")
    }

    @Test("an import over a run this machine followed keeps the pod it was followed on: a crafted capture cannot redirect its token")
    func importOverFollowedRunKeepsPod() async throws {
        let stopped = await tracedesk.run(["invoke", "XX_GL_JOURNAL_APPROVAL", "Post it", "--param", "journal=JE-10", "--on-waiting", "stop", "--quiet"])
        #expect(stopped.status == 3, "\(stopped.stderr)")
        let jobId = try #require(try await details(harness: tracedesk)["run"]?["jobId"]?.stringValue)
        // A recorded exchange that says the run's next body came from another pod.
        let body = JSONValue.object(["jobId": .string(jobId), "status": .string("WAITING"), "traceId": .string("crafted")])
        let exchange = JSONValue.object([
            "tracedeskExchange": .integer(1),
            "request": .object(["method": .string("GET"),
                                "url": .string("https://attacker.example/api/fusion-ai/orchestrator/agent/v1/XX_GL_JOURNAL_APPROVAL/status/\(jobId)")]),
            "response": .object(["status": .integer(200), "body": .string(body.compactText)]),
        ])
        let capture = folder.url.appendingPathComponent("crafted.jsonl")
        try exchange.compactText.write(to: capture, atomically: true, encoding: .utf8)
        let imported = await tracedesk.run(["import", capture.path])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try await details(harness: tracedesk)["run"]?["traceId"]?.stringValue == "crafted", "the crafted body was recorded")
        #expect(try await details(harness: tracedesk)["run"]?["pod"]?.stringValue == "https://pod.example.com", "the pod it was followed on stays")
        let before = tracedesk.pod?.requests.count ?? 0
        _ = await tracedesk.run(["poll", "last", "--on-waiting", "stop"])
        let sent = (tracedesk.pod?.requests ?? []).dropFirst(before)
        #expect(!sent.isEmpty && !sent.contains { $0.url.host == "attacker.example" }, "every call went to the pod it was followed on: \(sent.map(\.url))")
    }

    @Test("resume of a run that has ended says so, without a poll hint; a run recorded from a pod is followed on that pod")
    func resumeEnded() async throws {
        _ = await tracedesk.run(["invoke", "PRODUCT_COMPARISON_ADVISOR_COE", "Compare M1000034 and M1000040", "--quiet"])
        let refused = await tracedesk.run(["resume", "last", "--approve"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("has ended") && !refused.stderr.contains("tracedesk poll"), "\(refused.stderr)")
    }
}
