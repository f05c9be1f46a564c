import Foundation
import Testing
import TracedeskClient
import TracedeskCommandLine
import TracedeskCompare
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

/// `tracedesk import`, `runs` and `show`, end to end with the built binary.
@Suite("History commands, end to end")
struct HistoryCommandsTests {
    let temporary: TemporaryFolder
    var folder: URL { temporary.url }
    let tracedesk: CommandLineHarness
    let samples = [
        "samples/bodies/approval-waiting.json", "samples/bodies/coe-invoke-running.json",
        "samples/bodies/coe-status-complete.json", "samples/bodies/document-chunks-complete.json",
        "samples/bodies/supervisor-complete.json", "samples/bodies/worker-card-error.json",
        "samples/bodies/workflow-nested-complete.json",
    ]

    init() throws {
        temporary = try TemporaryFolder()
        tracedesk = CommandLineHarness(database: temporary.path("history.sqlite"))
    }

    func json(_ text: String) throws -> JSONValue {
        try #require(JSONValue(parsing: text), "not JSON: \(text.prefix(200))")
    }

    @Test("runs says when more runs match than --limit shows; sizes are given in binary units")
    func runsBeyondTheLimit() async throws {
        #expect(await tracedesk.run(["import"] + samples).status == 0)
        let limited = await tracedesk.run(["runs", "--limit", "3"])
        #expect(limited.stdout.split(separator: "\n").count == 4, "a header and three runs: \(limited.stdout)")
        #expect(limited.stderr.contains("the newest 3 shown; more runs match: --limit 6 shows more"), "\(limited.stderr)")
        let all = await tracedesk.run(["runs", "--limit", "6"])
        #expect(all.stderr.isEmpty, "six runs, six shown: \(all.stderr)")
        #expect(JSONValue(parsing: await tracedesk.run(["runs", "--json", "--limit", "3"]).stdout)?.arrayValue?.count == 3)
        #expect(TextFormat.bytes(0) == "0 B" && TextFormat.bytes(1_536) == "1.5 KiB" && TextFormat.bytes(3 << 20) == "3.0 MiB")
        #expect(!(await tracedesk.run(["history"]).stdout.contains(" MB")), "no '0.0 MB'")
    }

    @Test("import, then runs and show, as in the README")
    func importRunsShow() async throws {
        let imported = await tracedesk.run(["import"] + samples)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.hasPrefix("Imported 7 bodies into 6 runs (7 stored, 0 already recorded; 6 new runs)"))
        #expect(imported.stderr.isEmpty)

        let again = await tracedesk.run(["import"] + samples)
        #expect(again.status == 0)
        #expect(again.stdout.contains("(0 stored, 7 already recorded; 0 new runs)"))

        let runs = await tracedesk.run(["runs"])
        #expect(runs.status == 0)
        let lines = runs.stdout.split(separator: "\n")
        #expect(lines.count == 7, "a header and six runs")
        #expect(lines[0].hasPrefix("JOB"))
        #expect(lines[1].hasPrefix("6a1d8e3f  XX_TRAVEL_POLICY_ADVISOR"), "newest first")
        #expect(runs.stdout.contains("c73c1580  PRODUCT_COMPARISON_ADVISOR_COE"))
        #expect(runs.stdout.contains("v13 PUBLISHED"))

        let show = await tracedesk.run(["show", "last"])
        #expect(show.status == 0)
        #expect(show.stdout.hasPrefix("Run 5f0c2a9e-1b7d-4c3e-9a51-7d2e8b4f6c10\n"), "the run recorded last")
        #expect(show.stdout.contains("Tokens         8,331 in / 787 out"))
        #expect(show.stdout.contains("Nodes (20)"))
        #expect(show.stdout.contains("├─ FETCH_PERIOD_STATUS"))
        #expect(show.stdout.contains("→ run c41f9e27 COMPLETE"))
    }

    @Test("show lists each citation as it lists chunks: title, page, the quote, and the address on a line of its own")
    func citations() async throws {
        _ = await tracedesk.run(["import", "samples/bodies/document-chunks-complete.json"])
        let shown = await tracedesk.run(["show", "6a1d"])
        #expect(shown.status == 0)
        let section = try #require(shown.stdout.components(separatedBy: "\nCitations\n").last)
        let lines = section.split(separator: "\n").prefix(4).map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("  1. Global Travel Policy 2026, page 7: Business class may be booked for a single flight segment"))
        #expect(lines[1] == "     https://intranet.example.com/policies/travel-2026.pdf")
        #expect(lines[2] == "  2. Travel FAQ: Each flight segment is considered on its own.")
        #expect(lines[3] == "     https://intranet.example.com/policies/travel-faq.html")
    }

    @Test("a run whose bodies carry no token counts has unknown tokens in every view, never 0 or -100%")
    func unknownTokens() async throws {
        _ = await tracedesk.run(["import", "samples/bodies/worker-card-error.json", "samples/bodies/supervisor-complete.json"])
        let shown = await tracedesk.run(["show", "d8b2"])
        #expect(shown.stdout.contains("Tokens         -\n"))
        let diff = await tracedesk.run(["diff", "7d3b", "d8b2"])
        #expect(diff.stdout.contains("tokens unknown"))
        #expect(diff.stdout.contains("Tokens: unknown"))
        #expect(!diff.stdout.contains("-100%"))
        let report = folder.appendingPathComponent("card.html").path
        _ = await tracedesk.run(["report", "d8b2", "-o", report])
        let document = try HTMLDocument(parsing: try String(contentsOfFile: report, encoding: .utf8), origin: "report")
        let rows = document.stepRows
        #expect(rows.count == 6, "7 steps, START folded out of the tree (this run ended before an END)")
        for row in rows {
            let cells = row.children.map(\.textContent)
            #expect(cells.last == "-", "a step without tokens shows none, not 0: \(cells)")
        }
        let total = try #require(document.elements { $0.classes.contains("tree-row") && $0.classes.contains("total") }.first)
        #expect(total.children.last?.textContent == "unknown")
    }

    @Test("runs --json and show --json give the documented objects")
    func jsonOutput() async throws {
        _ = await tracedesk.run(["import"] + samples)
        let runs = try json(await tracedesk.run(["runs", "--json"]).stdout)
        let items = try #require(runs.arrayValue)
        #expect(items.count == 6)
        let coe = try #require(items.first { $0["jobId"]?.stringValue == "c73c1580-70cc-4f62-93c0-48d9484d8b8b" })
        #expect(coe["status"]?.stringValue == "COMPLETE")
        #expect(coe["timeTakenMs"]?.intValue == 26_771)
        #expect(coe["parameters"]?.objectValue != nil, "parameters is an object, not JSON text")
        #expect(coe["source"]?.stringValue == "import")

        let show = await tracedesk.run(["show", "6a1d", "--json"])
        #expect(show.status == 0)
        let details = try json(show.stdout)
        #expect(details["run"]?["jobId"]?.stringValue == "6a1d8e3f-2c7b-4f9a-b5e0-8d4c1f6a3b27")
        #expect(details["nodes"]?.arrayValue?.count == 6)
        #expect(details["chunks"]?.arrayValue?.count == 3)
        #expect(details["citations"]?.arrayValue?.count == 2)
        #expect(details["snapshots"]?.arrayValue?.first?["timesSeen"]?.intValue == 1)
    }

    @Test("show --raw prints the latest body exactly as received")
    func rawBody() async throws {
        _ = await tracedesk.run(["import", "samples/bodies/coe-invoke-running.json", "samples/bodies/coe-status-complete.json"])
        let raw = await tracedesk.run(["show", "c73c1580", "--raw"])
        let file = try String(contentsOf: CommandLineHarness.repository.appendingPathComponent("samples/bodies/coe-status-complete.json"), encoding: .utf8)
        #expect(raw.stdout == file)
    }

    @Test("runs filters: --team, --status, --since, --search, --limit")
    func filters() async throws {
        _ = await tracedesk.run(["import"] + samples)
        func jobs(_ arguments: [String]) async throws -> [String] {
            let result = await tracedesk.run(["runs", "--json"] + arguments)
            #expect(result.status == 0, "\(result.stderr)")
            return try json(result.stdout).arrayValue?.compactMap { $0["jobId"]?.stringValue.map { String($0.prefix(8)) } } ?? []
        }
        #expect(try await jobs(["--team", "XX_WORKER_CARD"]) == ["d8b2f6a4"])
        #expect(try await jobs(["--status", "waiting"]) == ["3e9a7c1d"])
        #expect(try await jobs(["--since", "2026-03-13T19:00:00Z"]) == ["6a1d8e3f", "d8b2f6a4"])
        #expect(try await jobs(["--search", "business class"]) == ["6a1d8e3f"])
        #expect(try await jobs(["--limit", "1"]).count == 1)
        #expect(try await jobs(["--since", "1d"]).isEmpty, "the samples are from March 2026")
    }

    @Test("bodies from standard input, with --team for bodies that name none")
    func standardInput() async throws {
        let body = #"{"jobId": "stdin-0001", "status": "COMPLETE", "output": "ok"}"#
        let result = await tracedesk.run(["import", "-", "--team", "MY_TEAM"], stdin: body + "\n")
        #expect(result.status == 0, "\(result.stderr)")
        let run = try json(await tracedesk.run(["show", "stdin", "--json"]).stdout)
        #expect(run["run"]?["teamCode"]?.stringValue == "MY_TEAM")

        let anonymous = await tracedesk.run(["import", "-"], stdin: #"{"jobId": "stdin-0002"}"#)
        #expect(anonymous.status == 0)
        #expect(anonymous.stderr.contains("warning: run stdin-0002 names no team"))
    }

    @Test("bad input: one line on stderr, exit 2, and the history unchanged")
    func badInput() async throws {
        _ = await tracedesk.run(["import", "samples/bodies/supervisor-complete.json"])
        let database = URL(fileURLWithPath: tracedesk.database)
        let before = await tracedesk.run(["runs", "--json"]).stdout

        let notJSON = folder.appendingPathComponent("notes.txt")
        try Data("these are my notes, not JSON\n".utf8).write(to: notJSON)
        let noJobId = folder.appendingPathComponent("nojob.json")
        try Data(#"{"status": "RUNNING"}"#.utf8).write(to: noJobId)

        let cases: [([String], String)] = [
            (["import", "samples/bodies/worker-card-error.json", notJSON.path], "\(notJSON.path): body 1 (line 1) not JSON (unexpected 'these' at line 1, column 1)"),
            (["import", noJobId.path], "\(noJobId.path): not a status body: it has no jobId"),
            (["import", "no-such-file.json"], "no-such-file.json: no such file"),
            (["show", "zzzz"], "no run matches 'zzzz'"),
            (["show", "7d"], "a run prefix needs at least 4 characters"),
            (["runs", "--frobnicate"], "Unknown option '--frobnicate'"),
            (["runs", "--status", "DONE"], "--status takes RUNNING, WAITING, COMPLETE or ERROR"),
            (["runs", "--since", "last tuesday"], "--since takes an age"),
            (["show"], "Missing expected argument"),
            // A run that has ended has nothing to follow: show it, not poll it.
            (["resume", "7d3b9f1e", "--approve"],
             "run 7d3b9f1e-4a2c-4e6d-8b05-3f9a1c7e2d64 is COMPLETE, not WAITING: there is nothing to answer (it has ended; see it with: tracedesk show 7d3b9f1e)"),
        ]
        for (arguments, message) in cases {
            let result = await tracedesk.run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("tracedesk: "), "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        }
        #expect(await tracedesk.run(["runs", "--json"]).stdout == before)
        #expect(FileManager.default.fileExists(atPath: database.path))
    }

    @Test("show folds a long run: a container of many steps shows its first three and its last, a failure always; --all and --depth N")
    func showFoldsALongRun() async throws {
        let start: Int64 = 1_773_341_443_000
        func step(_ code: String, _ type: String, _ status: String, at: Int64, children: [String] = []) -> String {
            #"{"nodeCode": "\#(code)", "nodeType": "\#(type)", "status": "\#(status)", "startTime": \#(start + at), "endTime": \#(start + at + 3)"#
                + (children.isEmpty ? "}" : #", "children": [\#(children.joined(separator: ","))]}"#)
        }
        let items = (1...300).map { number in
            step("ITEM_\(number)", "SET_FIELDS", "COMPLETED", at: Int64(number) * 10,
                 children: [step("CHECK_\(number)", "CODE", number == 150 ? "FAILED" : "COMPLETED", at: Int64(number) * 10 + 1)])
        }
        let nodes = [step("START", "START", "COMPLETED", at: 0), step("EACH_ITEM", "LOOP", "FAILED", at: 5, children: items),
                     step("END", "END", "COMPLETED", at: 4_000)]
        let body = #"{"jobId": "fold-0001", "status": "ERROR", "workflowCode": "XX_FOLD", "nodes": [\#(nodes.joined(separator: ","))]}"#
        // From a file: the harness writes standard input whole before the command reads it, and 80 KB fills a pipe.
        let file = folder.appendingPathComponent("fold.json")
        try Data(body.utf8).write(to: file)
        #expect(await tracedesk.run(["import", file.path]).status == 0)

        let folded = await tracedesk.run(["show", "fold-0001"])
        #expect(folded.status == 0, "\(folded.stderr)")
        let lines = folded.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("  EACH_ITEM ") }, "the run's own steps all show")
        for shown in ["ITEM_1 ", "ITEM_2 ", "ITEM_3 ", "ITEM_150 ", "CHECK_150 ", "ITEM_300 "] {
            #expect(lines.contains { $0.contains("─ " + shown) }, "\(shown): first three, the failure, the last")
        }
        #expect(!lines.contains { $0.contains("─ ITEM_4 ") || $0.contains("─ ITEM_299 ") })
        #expect(lines.contains("  ├─ … 146 more steps (292 with the steps under them)"), "\(folded.stdout)")
        #expect(lines.contains("  ├─ … 149 more steps (298 with the steps under them)"))
        #expect(lines.contains("  Showing 13 of 603 steps: every step with: tracedesk show fold-000 --all (or --depth N for the first levels)"))

        let all = await tracedesk.run(["show", "fold-0001", "--all"])
        #expect(all.stdout.contains("─ ITEM_299 ") && !all.stdout.contains("Showing "))
        let top = await tracedesk.run(["show", "fold-0001", "--depth", "0"])
        #expect(top.stdout.contains("(+600 under it)") && !top.stdout.contains("─ ITEM_1 "), "\(top.stdout)")
        let level = await tracedesk.run(["show", "fold-0001", "--depth", "1"])
        #expect(level.stdout.contains("─ … 146 more steps (292 with the steps under them)") && !level.stdout.contains("─ CHECK_1 "),
                "down to a depth, a loop's iterations still fold: \(level.stdout)")
        #expect(await tracedesk.run(["show", "fold-0001", "--all", "--depth", "1"]).status == 2)
    }

    @Test("two runs sharing a prefix: the prefix is refused, naming both")
    func ambiguousPrefix() async throws {
        _ = await tracedesk.run(["import", "-"], stdin: #"{"jobId": "dup0-aaaa"}{"jobId": "dup0-bbbb"}"#)
        let result = await tracedesk.run(["show", "dup0"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("matches several runs"))
        #expect(result.stderr.contains("dup0-aaaa") && result.stderr.contains("dup0-bbbb"))
    }

    @Test("runs --conversation takes a conversationId or its first characters and lists its turns oldest first; a prefix of two conversations is refused, naming both")
    func conversationPrefix() async throws {
        _ = await tracedesk.run(["import", "-"], stdin: #"{"jobId": "turn-1", "conversationId": "chat-7f3a-one", "status": "COMPLETE"}"#
                                 + #"{"jobId": "turn-2", "conversationId": "chat-7f3a-one", "status": "COMPLETE"}"#
                                 + #"{"jobId": "other", "conversationId": "chat-7f3a-two", "status": "COMPLETE"}"#)
        func jobs(_ conversation: String) async throws -> [String] {
            let listed = await tracedesk.run(["runs", "--conversation", conversation, "--json"])
            return try #require(JSONValue(parsing: listed.stdout)?.arrayValue, "\(listed.stderr)").compactMap { $0["jobId"]?.stringValue }
        }
        #expect(try await jobs("chat-7f3a-one") == ["turn-1", "turn-2"], "a conversation's turns, oldest first")
        #expect(try await jobs("chat-7f3a-o") == ["turn-1", "turn-2"], "a prefix of one conversation")
        #expect(try await jobs("none-such") == [])
        let ambiguous = await tracedesk.run(["runs", "--conversation", "chat-7f3a"])
        #expect(ambiguous.status == 2 && ambiguous.stderr.contains("chat-7f3a-one") && ambiguous.stderr.contains("chat-7f3a-two"), "\(ambiguous.stderr)")
        let short = await tracedesk.run(["runs", "--conversation", "cha"])
        #expect(short.status == 2 && short.stderr.contains("at least 4 characters"))
        #expect(await tracedesk.run(["runs", "--conversation", "none-such"]).stdout.contains("No run of a conversation 'none-such'"))
    }

    @Test("a corrupt database: exit 6, a clear line, and the file left as it was")
    func corruptDatabase() async throws {
        let path = folder.appendingPathComponent("corrupt.sqlite").path
        let garbage = Data(String(repeating: "not sqlite ", count: 100).utf8)
        try garbage.write(to: URL(fileURLWithPath: path))
        for arguments in [["runs"], ["show", "last"], ["import", "samples/bodies/supervisor-complete.json"]] {
            let result = await tracedesk.run(arguments + ["--db", path])
            #expect(result.status == 6, "\(arguments): \(result.stderr)")
            #expect(result.stderr == "tracedesk: the history at \(path) is not a readable SQLite database (file is not a database); move it aside or pass another --db\n")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
    }
}

/// What issue 12 added to the history commands: nested runs by jobId, prune and history.
@Suite("Nested runs, prune and history")
struct HistoryMaintenanceCommandsTests {
    let folder: TemporaryFolder
    let tracedesk: CommandLineHarness

    init() throws {
        folder = try TemporaryFolder()
        tracedesk = CommandLineHarness(database: folder.path("history.sqlite"))
    }

    @Test("a run called by a step is shown by its jobId or a prefix, with its caller; show --json names it on the step")
    func nestedRuns() async throws {
        #expect(await tracedesk.run(["import", "samples/bodies/workflow-wrapped-nested-complete.json"]).status == 0)
        let parent = await tracedesk.run(["show", "2d7f8a1c"])
        #expect(parent.stdout.contains("→ run 9b1c4e7a COMPLETE"))
        let nested = await tracedesk.run(["show", "9b1c"])
        #expect(nested.status == 0, "\(nested.stderr)")
        #expect(nested.stdout.hasPrefix("Run 9b1c4e7a-3d2f-4a6b-8c5e-1f7a2d9e6b30\n"))
        #expect(nested.stdout.contains("Team           XX_FIN_GL_PERIOD_STATUS_WORKFLOW"))
        #expect(nested.stdout.contains("Called by      run 2d7f8a1c (XX_GL_PERIOD_CHECK), step CHECK_PERIOD"))
        #expect(nested.stdout.contains("Nodes (4)"))
        #expect(nested.stdout.contains("SUMMARISE_PERIOD_STATUS"))
        let json = try #require(JSONValue(parsing: await tracedesk.run(["show", "2d7f", "--json"]).stdout))
        let step = try #require(json["nodes"]?.arrayValue?.first { $0["code"]?.stringValue == "CHECK_PERIOD" })
        #expect(step["nestedRun"]?["jobId"]?.stringValue == "9b1c4e7a-3d2f-4a6b-8c5e-1f7a2d9e6b30")
        #expect(step["nestedRun"]?["traceId"]?.stringValue == "00000000000000003e8d2c7b1a9f4e60")
        #expect(step["nestedRun"]?["status"]?.stringValue == "COMPLETE")
        #expect(step["nestedRun"]?["inputTokens"]?.intValue == 612)
        let nestedJSON = try #require(JSONValue(parsing: await tracedesk.run(["show", "9b1c4e7a", "--json"]).stdout))
        #expect(nestedJSON["calledBy"]?["jobId"]?.stringValue == "2d7f8a1c-6e4b-4c9d-b3a2-5f1e7c9d8a46")
        #expect(nestedJSON["run"]?["source"]?.stringValue == "nested")
        let report = await tracedesk.run(["report", "9b1c", "-o", folder.path("nested.html")])
        #expect(report.status == 0, "\(report.stderr)")
        let diff = await tracedesk.run(["diff", "9b1c", "2d7f"])
        #expect(diff.status == 0, "\(diff.stderr)")
    }

    @Test("prune removes old runs with everything recorded about them, sparing the recent and the compared")
    func prune() async throws {
        _ = await tracedesk.run(["import", "samples/bodies/supervisor-complete.json", "samples/bodies/worker-card-error.json",
                                 "samples/bodies/document-chunks-complete.json"])
        let dry = await tracedesk.run(["prune", "--older-than", "30d", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.hasPrefix("Would remove 3 runs started before "))
        #expect(JSONValue(parsing: await tracedesk.run(["runs", "--json"]).stdout)?.arrayValue?.count == 3, "a dry run removes nothing")
        let kept = await tracedesk.run(["prune", "--older-than", "30d", "--team", "XX_WORKER_CARD"])
        #expect(kept.stdout.hasPrefix("Removed 1 run started before "))
        #expect(kept.stdout.contains("of XX_WORKER_CARD"))
        #expect(await tracedesk.run(["show", "d8b2"]).status == 2, "gone with its bodies")
        #expect(await tracedesk.run(["runs", "--search", "worker"]).stdout.contains("No run matches"), "and its search entry")
        let recent = await tracedesk.run(["prune", "--older-than", "30d", "--keep-last", "1"])
        #expect(recent.stdout.contains("Kept 2 as their team's most recent"))
        #expect(await tracedesk.run(["prune", "--older-than", "someday"]).status == 2)
    }

    @Test("prune and --vacuum of a mistyped --db say there is no history there and create none")
    func pruneOfNoHistory() async throws {
        let mistyped = folder.path("histroy.sqlite")
        let harness = CommandLineHarness(database: mistyped)
        for arguments in [["prune", "--older-than", "90d", "--dry-run"], ["prune", "--older-than", "90d"], ["history", "--vacuum"]] {
            let result = await harness.run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("no history at \(mistyped)"), "\(arguments): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: mistyped), "\(arguments) created the history")
        }
    }

    @Test("--db naming a folder says it is a folder, for commands that record as for those that read")
    func historyThatIsAFolder() async throws {
        let harness = CommandLineHarness(database: folder.url.path)
        for arguments in [["import", "samples/bodies/supervisor-complete.json"], ["prune", "--older-than", "90d"], ["runs"]] {
            let result = await harness.run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("is a folder, not a history"), "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("disk I/O"), "\(arguments): \(result.stderr)")
        }
    }

    @Test("history says where the history is, how large, and what it holds; --vacuum compacts it")
    func describe() async throws {
        _ = await tracedesk.run(["import", "samples/bodies/supervisor-complete.json", "samples/bodies/worker-card-error.json"])
        let text = await tracedesk.run(["history"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.hasPrefix("History       \(tracedesk.database)\n"))
        #expect(text.stdout.contains("Runs          2\n"))
        #expect(text.stdout.contains("Bodies        2\n"))
        #expect(text.stdout.contains("Oldest run    2026-03-13"))
        #expect(text.stdout.contains("snapshot"), "the size of each table")
        let json = try #require(JSONValue(parsing: await tracedesk.run(["history", "--json"]).stdout))
        #expect(json["runs"]?.intValue == 2 && json["schemaVersion"]?.intValue == 6)
        let vacuumed = await tracedesk.run(["history", "--vacuum"])
        #expect(vacuumed.stdout.contains("Vacuumed      "))
        let missing = await CommandLineHarness(database: folder.path("none/x.sqlite")).run(["history"])
        #expect(missing.status == 2 && missing.stderr.contains("no history at"))
        #expect(!FileManager.default.fileExists(atPath: folder.path("none")), "reading creates nothing")
    }
}
