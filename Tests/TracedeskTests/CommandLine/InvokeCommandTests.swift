import Foundation
import Testing
import TracedeskClient
import TracedeskCommandLine
import TracedeskCompare
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

/// `invoke`, `poll`, `resume`, `compare` and `auth check` against the simulated pod, as a user
/// runs them (in process: the pod's clock moves only when the poll loop waits).
@Suite("Invoking, polling and resuming")
final class InvokeCommandTests {
    let temporary: TemporaryFolder
    var folder: URL { temporary.url }
    let tracedesk: CommandLineHarness

    init() throws {
        temporary = try TemporaryFolder()
        tracedesk = try CommandLineHarness.withPod(in: temporary.url)
    }

    @Test("invoke runs to COMPLETE with progress, records the run, and no secret or token lands anywhere")
    func invokeToCompletion() async throws {
        let result = await tracedesk.run(["invoke", "PRODUCT_COMPARISON_ADVISOR_COE", "Compare M1000034 of org IMO and M1000040 of Org SBI", "--label", "smoke"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("COMPLETE  "))
        #expect(result.stdout.contains("Here's a concise comparison"))
        #expect(result.stderr.contains("started job "))
        #expect(result.stderr.contains("COMPLETE"), "plain progress lines when stderr is not a terminal")
        let runs = JSONValue(parsing: await tracedesk.run(["runs", "--json"]).stdout)?.arrayValue ?? []
        #expect(runs.count == 1)
        #expect(runs.first?["label"]?.stringValue == "smoke")
        #expect(runs.first?["source"]?.stringValue == "invoke")
        #expect(runs.first?["nodeCount"]?.intValue == 7)

        let cacheFiles = try FileManager.default.subpathsOfDirectory(atPath: folder.appendingPathComponent("cache").path).filter { $0.hasSuffix(".json") }
        let cached = try Data(contentsOf: folder.appendingPathComponent("cache").appendingPathComponent(try #require(cacheFiles.first)))
        let token = try #require(JSONValue(parsing: cached)?["accessToken"]?.stringValue)
        var everything = result.stdout + result.stderr
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasPrefix("history.sqlite") {
            everything += String(decoding: try Data(contentsOf: folder.appendingPathComponent(name)), as: UTF8.self)
        }
        #expect(!everything.contains(token), "the token is in the 0600 cache and nowhere else")
        #expect(!everything.contains("demo-secret"))
    }

    @Test("WAITING: --on-waiting stop exits 3 with the command that answers; resume approves and follows to COMPLETE")
    func waitingThenResume() async throws {
        let stopped = await tracedesk.run(["invoke", "XX_GL_JOURNAL_APPROVAL", "Post the reversal", "--param", "journal=JE-2026-03-0417", "--on-waiting", "stop"])
        #expect(stopped.status == 3, "\(stopped.stderr)")
        #expect(stopped.stderr.contains("WAITING for APPROVE_POSTING (HUMAN, channel CHAT, round 1 of 3): Approve posting JE-2026-03-0417"), "\(stopped.stderr)")
        #expect(stopped.stderr.contains("[APPROVE_ACTION Approve, REJECT_ACTION Reject, RFI_ACTION Request changes]"))
        #expect(stopped.stderr.contains("answer with: tracedesk resume ") && stopped.stderr.contains("--approve | --reject [--feedback TEXT] | --request-changes TEXT"))
        let resumed = await tracedesk.run(["resume", "last", "--approve", "--feedback", "ok for March"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("Approver's note: ok for March"))
        let details = try #require(JSONValue(parsing: await tracedesk.run(["show", "last", "--json"]).stdout))
        #expect(details["run"]?["status"]?.stringValue == "COMPLETE")
        #expect(details["statusChanges"]?.arrayValue?.compactMap { $0["status"]?.stringValue } == ["RUNNING", "WAITING", "RUNNING", "COMPLETE"])
        let again = await tracedesk.run(["resume", "last", "--approve"])
        #expect(again.status == 2 && again.stderr.contains("not WAITING"))
    }

    @Test("poll of a WAITING run counts the wait from when it began, not from the poll; a wait just seen has no 'waited 0 ms'")
    func waitedCountsFromTheWait() async throws {
        let stopped = await tracedesk.run(["invoke", "XX_GL_JOURNAL_APPROVAL", "Post it", "--param", "journal=JE-7", "--on-waiting", "stop"])
        #expect(stopped.status == 3, "\(stopped.stderr)")
        #expect(!stopped.stderr.contains("waited 0 ms"), "\(stopped.stderr)")
        // Ten minutes pass at the pod (and on this machine's clock) before anyone looks again.
        let pod = try #require(tracedesk.pod)
        try await pod.clock().sleep(.seconds(600))
        let polled = await tracedesk.run(["poll", "last", "--on-waiting", "stop"])
        #expect(polled.status == 3, "\(polled.stderr)")
        #expect(polled.stderr.contains("waited 10 min"), "counted from the wait, not from the poll: \(polled.stderr)")
        #expect(polled.stderr.contains("WAITING   10 min"), "the run's time too, from when it was first recorded: \(polled.stderr)")
    }

    @Test("a timeout exits 3 and says how to follow on; poll picks the job up, and an ERROR run exits 1")
    func timeoutThenPoll() async throws {
        let timedOut = await tracedesk.run(["invoke", "XX_WORKER_CARD", "Show the worker card for Ana Lopez", "--timeout", "0.3"])
        #expect(timedOut.status == 3, "\(timedOut.stderr)")
        #expect(timedOut.stderr.contains("the run is still RUNNING after 300 ms; the job goes on at the pod; follow it with: tracedesk poll "))
        let polled = await tracedesk.run(["poll", "last"])
        #expect(polled.status == 1, "the run ended in ERROR: \(polled.stderr)")
        #expect(polled.stdout.hasPrefix("ERROR  "))
        #expect(polled.stdout.contains("Error: FAI-50021: Node GET_PERSON_DETAILS failed"))
        #expect(JSONValue(parsing: await tracedesk.run(["runs", "--json"]).stdout)?.arrayValue?.count == 1, "one run, picked up again")
    }

    @Test("invoke --report writes the report when the run ends, an ERROR run too (exit 1)")
    func invokeWithReport() async throws {
        let path = folder.appendingPathComponent("worker-card.html").path
        let result = await tracedesk.run(["invoke", "XX_WORKER_CARD", "Show the worker card for Ana Lopez", "--report", path])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("report written to \(path)"))
        let document = try HTMLDocument(parsing: String(contentsOfFile: path, encoding: .utf8), origin: path)
        #expect(document.elements { $0.attribute("data-slot") == "status" }.first?.textContent == "ERROR")
        #expect(!document.elements { $0.attribute("id") == "error" }.isEmpty, "the error section is there")
        #expect(await tracedesk.run(["invoke", "T", "m", "--report", "-"]).status == 2)

        // --report-bodies last: the final body alone is embedded, and import still has the run as it ended.
        let last = folder.appendingPathComponent("last.html").path
        let again = await tracedesk.run(["invoke", "XX_TRAVEL_POLICY_ADVISOR", "Business class?", "--report", last, "--report-bodies", "last"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try EmbeddedRun.read(Data(contentsOf: URL(fileURLWithPath: last)), origin: last).bodies.count == 1)
        #expect(await tracedesk.run(["invoke", "T", "m", "--report-bodies", "some"]).status == 2)
    }

    @Test("compare prints the verdict table; --fail-on regression exits 7; --json carries every delta; diff compares two runs")
    func compareAndDiff() async throws {
        let suite = CommandLineHarness.repository.appendingPathComponent("samples/suites/product-comparison.yaml").path
        let report = folder.appendingPathComponent("compare.html").path
        let plain = await tracedesk.run(["compare", "PRODUCT_COMPARISON_ADVISOR_COE", "--suite", suite, "--repeat", "2", "-o", report])
        #expect(plain.status == 0, "without --fail-on a regression is reported, not an error: \(plain.stderr)")
        #expect(plain.stdout.contains("token budget         regression"))
        #expect(plain.stdout.contains("Verdict: regression (1 of 3 prompts)"))
        #expect(plain.stderr.contains("[12/12]"))
        let runsFolder = folder.appendingPathComponent("compare-runs").path
        #expect(try FileManager.default.contentsOfDirectory(atPath: runsFolder).count == 12)
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("href=\"compare-runs/PRODUCT_COMPARISON_ADVISOR_COE-"))

        let gated = await tracedesk.run(["compare", "PRODUCT_COMPARISON_ADVISOR_COE", "--suite", suite, "--fail-on", "regression", "--json", "--quiet"])
        #expect(gated.status == 7)
        let json = try #require(JSONValue(parsing: gated.stdout))
        #expect(json["verdict"]?.stringValue == "regression")
        #expect(json["regressions"]?.intValue == 1)
        #expect(json["prompts"]?.arrayValue?.first?["diff"]?["steps"]?.arrayValue?.count == 8)

        let passing = await tracedesk.run(["compare", "PRODUCT_COMPARISON_ADVISOR_COE", "--message", "Compare M1000034 and M1000040",
                                         "--fail-on", "regression", "--max-time-increase", "20%", "--quiet"])
        #expect(passing.status == 0, "DRAFT is faster and has no expectation to fail: \(passing.stdout)")
        let slower = await tracedesk.run(["compare", "PRODUCT_COMPARISON_ADVISOR_COE", "--message", "Compare them",
                                        "--a", "DRAFT", "--b", "PUBLISHED:13", "--fail-on", "regression", "--max-time-increase", "10", "--quiet"])
        #expect(slower.status == 7, "PUBLISHED takes 22.3 s against DRAFT's 19.2 s: +16%")
        #expect(slower.stdout.contains("median time +16% (limit +10%)"))

        for bad in [["--suite", suite, "--message", "x"], ["--message", "x", "--a", "LATEST"], ["--message", "x", "--repeat", "0"],
                    ["--message", "x", "--fail-on", "anything"], ["--message", "x", "--max-token-increase", "ten"],
                    ["--message", "x", "--a", "DRAFT", "--b", "DRAFT"], ["--suite", "/no/such.yaml"]] {
            let refused = await tracedesk.run(["compare", "PRODUCT_COMPARISON_ADVISOR_COE"] + bad)
            #expect(refused.status == 2, "\(bad): \(refused.stderr)")
            #expect(refused.stderr.split(separator: "\n").count == 1, "\(bad): one line")
        }

        let runs = try #require(JSONValue(parsing: await tracedesk.run(["runs", "--json", "--team", "PRODUCT_COMPARISON_ADVISOR_COE"]).stdout)?.arrayValue)
        let published = try #require(runs.first { $0["versionStatus"]?.stringValue == "PUBLISHED" }?["jobId"]?.stringValue)
        let draft = try #require(runs.first { $0["versionStatus"]?.stringValue == "DRAFT" }?["jobId"]?.stringValue)
        let diff = await tracedesk.run(["diff", published, draft])
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(diff.stdout.contains("  + GET_ONHAND_QUANTITIES  BO_FUNCTION"))
        #expect(diff.stdout.contains("Tokens: +726 (+28%)"))
        // diff -o says where the runs' own reports went, and its report speaks of two runs: no medians, no ranges.
        let written = await tracedesk.run(["diff", published, draft, "-o", folder.appendingPathComponent("pair.html").path])
        #expect(written.stderr.contains("report written to \(folder.appendingPathComponent("pair.html").path) (each run's own report in "
                                        + "\(folder.appendingPathComponent("pair-runs").path)/, beside it"), "\(written.stderr)")
        let pair = try String(contentsOf: folder.appendingPathComponent("pair.html"), encoding: .utf8)
        #expect(!pair.contains("median (min – max)") && pair.contains("<th>Time</th>"))
        #expect(!pair.contains("Expectations, B vs A") && pair.contains("Run A: COMPLETE") && !pair.contains("repeat 1"))
    }

    @Test("diff sees the DRAFT's new model on a step: in the terminal, the JSON and the report, with where the runs first diverged")
    func diffSeesAModelChange() async throws {
        let team = "XX_FIN_GL_LEDGER_CLOSURE_WORKFLOW"
        #expect(await tracedesk.run(["invoke", team, "Close the ledger for March", "--quiet"]).status == 0)
        #expect(await tracedesk.run(["invoke", team, "Close the ledger for March", "--draft", "--quiet"]).status == 0)
        let runs = try #require(JSONValue(parsing: await tracedesk.run(["runs", "--json", "--team", team]).stdout)?.arrayValue)
        let published = try #require(runs.first { $0["versionStatus"]?.stringValue == "PUBLISHED" }?["jobId"]?.stringValue)
        let draft = try #require(runs.first { $0["versionStatus"]?.stringValue == "DRAFT" }?["jobId"]?.stringValue)
        let diff = await tracedesk.run(["diff", published, draft])
        #expect(diff.stdout.contains("~ RENDER_SUMMARY  LLM (model"), "\(diff.stdout)")
        #expect(diff.stdout.contains("      model: cohere.command-r-plus-08-2024 → meta.llama-3.3-70b-instruct"))
        #expect(diff.stdout.contains("First divergence: RENDER_SUMMARY (model differs)"))
        #expect(!diff.stdout.contains("0 changed"), "not 'the same' any more")
        let json = try #require(JSONValue(parsing: await tracedesk.run(["diff", published, draft, "--json"]).stdout))
        let step = try #require(json["steps"]?.arrayValue?.first { $0["path"]?.stringValue == "RENDER_SUMMARY" })
        #expect(step["change"]?.stringValue == "changed" && step["modelB"]?.stringValue == "meta.llama-3.3-70b-instruct")
        #expect(json["firstDivergence"]?["path"]?.stringValue == "RENDER_SUMMARY")
        let file = folder.appendingPathComponent("ledger.html")
        #expect(await tracedesk.run(["diff", published, draft, "-o", file.path]).status == 0)
        let html = try String(contentsOf: file, encoding: .utf8)
        #expect(html.contains("Model of RENDER_SUMMARY: ") && html.contains("First divergence: RENDER_SUMMARY (model differs)."))
        #expect(html.contains("<h5>US Primary Ledger") && !html.contains("<h2>US Primary Ledger"),
                "an answer's ## under the report's h4 is an h5: the outline skips no level")
    }

    @Test("Ctrl-C records what arrived, says how to resume, and exits 130")
    func interrupt() async throws {
        let (context, _, stderr) = tracedesk.context()
        let command = Task { await TracedeskCommandLine.run(["invoke", "XX_GL_JOURNAL_APPROVAL", "Post it", "--param", "journal=JE-9"], in: context) }
        while !stderr.text.contains("answer with") { try await Task.sleep(for: .milliseconds(5)) }
        command.cancel()
        let status = await command.value
        #expect(status == 130, "\(stderr.text)")
        #expect(stderr.text.contains("interrupted; everything received is recorded, and the job goes on at the pod; follow it with: tracedesk poll "),
                "one sentence: no lower-case sentence after a full stop")
        let runs = JSONValue(parsing: await tracedesk.run(["runs", "--json"]).stdout)?.arrayValue ?? []
        #expect(runs.first?["status"]?.stringValue == "WAITING")
        #expect(await tracedesk.run(["resume", "last", "--reject", "--feedback", "wrong period"]).status == 0)
    }

    @Test("refusals: FAI-40300 and a wrong secret exit 4; an unreachable pod exits 5; bad flags exit 2")
    func refusals() async throws {
        let missing = await tracedesk.run(["invoke", "PRODUCT_COMPARISON_ADVISOR_COE", "x", "--version", "99"])
        #expect(missing.status == 4)
        #expect(missing.stderr.contains("403 FAI-40300): the version asked for does not exist"))

        var wrongSecret = tracedesk
        wrongSecret.environment["TRACEDESK_CLIENT_SECRET"] = "not-the-secret"
        wrongSecret.environment["XDG_CACHE_HOME"] = folder.appendingPathComponent("other-cache").path
        let refused = await wrongSecret.run(["invoke", "PRODUCT_COMPARISON_ADVISOR_COE", "x"])
        #expect(refused.status == 4)
        #expect(refused.stderr.contains("invalid_client"))
        #expect(!refused.stderr.contains("not-the-secret"))

        var unreachable = CommandLineHarness(database: tracedesk.database)
        unreachable.environment = ["TRACEDESK_TOKEN": "static-token"]
        let (context, _, stderr) = unreachable.context()
        var network = context
        network.transports = .network
        let downStatus = await TracedeskCommandLine.run(["invoke", "ANY_TEAM", "x", "--pod", "http://127.0.0.1:9", "--retries", "0"], in: network)
        let down = CommandLineHarness.Result(status: downStatus, stdout: "", stderr: stderr.text)
        #expect(down.status == 5, "\(down.stderr)")
        #expect(down.stderr.contains("no answer from 127.0.0.1"))

        #expect(await tracedesk.run(["invoke", "T", "m", "--param", "novalue"]).status == 2)
        #expect(await tracedesk.run(["resume", "last"]).status == 2)
        #expect(await tracedesk.run(["invoke", "T", "m", "--pod", "ftp://x"]).status == 2)
    }

    @Test("a secret tried as a flag is refused saying where secrets come from; a bad value names the file and profile it came from")
    func whereSettingsComeFrom() async throws {
        for (flag, variable) in [("--client-secret", "TRACEDESK_CLIENT_SECRET"), ("--password=hunter2", "TRACEDESK_PASSWORD")] {
            let result = await tracedesk.run(["invoke", "XX_WORKER_CARD", "hi", flag, "s3cret"])
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stderr.contains("is not an option: a secret given as a flag is seen by every user"), "\(result.stderr)")
            #expect(result.stderr.contains("comes from \(variable) or the file"), "\(result.stderr)")
            #expect(!result.stderr.contains("Unknown option"), "\(result.stderr)")
        }

        let home = folder.appendingPathComponent("config")
        try FileManager.default.createDirectory(at: home.appendingPathComponent("tracedesk"), withIntermediateDirectories: true)
        let config = home.appendingPathComponent("tracedesk/config.toml")
        try Data("default = \"test\"\n[profiles.test]\npod = 3\napi = \"v9\"\n".utf8).write(to: config)
        var configured = tracedesk
        configured.environment = ["XDG_CONFIG_HOME": home.path]
        let pod = await configured.run(["invoke", "XX_WORKER_CARD", "hi"])
        #expect(pod.status == 2)
        #expect(pod.stderr.contains("pod of [profiles.test] in \(config.path) 3 is not an http(s) URL"), "\(pod.stderr)")
        #expect(!pod.stderr.contains("--pod"), "the value came from a file, not a flag: \(pod.stderr)")
    }

    @Test("--record saves the exchanges; import replays them into another history")
    func recordThenImport() async throws {
        let recordings = folder.appendingPathComponent("recordings")
        let result = await tracedesk.run(["invoke", "XX_TRAVEL_POLICY_ADVISOR", "Business class?", "--record", recordings.path, "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: recordings.path).map { recordings.appendingPathComponent($0).path }
        #expect(files.count >= 3, "a token call, invokeAsync, and status calls")
        var other = CommandLineHarness(database: folder.appendingPathComponent("other.sqlite").path)
        other.environment = [:]
        let imported = await other.run(["import"] + files)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("recorded exchanges without a status body skipped"))
        let runs = JSONValue(parsing: await other.run(["runs", "--json"]).stdout)?.arrayValue ?? []
        #expect(runs.first?["status"]?.stringValue == "COMPLETE")
        #expect(runs.first?["chunkCount"]?.intValue == 3)
    }

    @Test("a profile of config.toml names the pod and the client; the secret comes from a file it names")
    func profile() async throws {
        let config = folder.appendingPathComponent("config/tracedesk")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        let secret = folder.appendingPathComponent("client-secret")
        try Data("demo-secret\n".utf8).write(to: secret)
        try Data("""
            [profiles.sim]
            pod = "\(SimulatorTransport.pod.absoluteString)"
            api = "v2"
            token_url = "\(SimulatorTransport.tokenURL.absoluteString)"
            client_id = "tracedesk-demo"
            client_secret_file = "\(secret.path)"
            """.utf8).write(to: config.appendingPathComponent("config.toml"))
        var process = tracedesk
        process.environment = ["XDG_CONFIG_HOME": folder.appendingPathComponent("config").path,
                               "XDG_CACHE_HOME": folder.appendingPathComponent("profile-cache").path]
        let result = await process.run(["invoke", "XX_TRAVEL_POLICY_ADVISOR", "Business class?", "--profile", "sim", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let check = await process.run(["auth", "check", "--profile", "sim"])
        #expect(check.stdout.hasPrefix("Profile   sim\nToken for tracedesk-demo"))
        let unknown = await process.run(["auth", "check", "--profile", "prod"])
        #expect(unknown.status == 2 && unknown.stderr.contains("no profile prod"))
    }

    @Test("auth check names who the token is for and when it expires, never the token")
    func authCheck() async throws {
        let result = await tracedesk.run(["auth", "check"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("Token for tracedesk-demo\n"))
        #expect(result.stdout.contains("Expires   "))
        #expect(!result.stdout.contains("eyJ"), "no JWT printed")
    }
}
