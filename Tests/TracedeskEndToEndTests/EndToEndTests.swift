import Foundation
import Testing
import TracedeskModel

/// The built binary, launched as a user launches it: what only a process can show (its exit
/// codes, Ctrl-C, help and completions, the demo's real server). Everything else is tested in
/// process (TracedeskTests).
@Suite("The binary, end to end")
struct EndToEndTests {
    let folder: URL
    let tracedesk: TracedeskProcess

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tracedesk-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        tracedesk = TracedeskProcess(database: folder.appendingPathComponent("history.sqlite").path)
    }

    @Test("help, version and shell completions exit 0")
    func helpAndCompletions() throws {
        let help = try tracedesk.run(["show", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("tracedesk show last"), "an example")
        #expect(try tracedesk.run(["--version"]).stdout == "0.2.0\n")
        for shell in ["bash", "zsh", "fish"] {
            let completion = try tracedesk.run(["--generate-completion-script", shell])
            #expect(completion.status == 0)
            #expect(completion.stdout.contains("runs"), "\(shell)")
        }
    }

    @Test("completions offer --status and --bodies values, and team codes from the history")
    func completionValues() throws {
        let bash = try tracedesk.run(["--generate-completion-script", "bash"]).stdout
        #expect(bash.contains("'RUNNING'$'\\n''WAITING'$'\\n''COMPLETE'$'\\n''ERROR'"), "--status values")
        #expect(bash.contains("'all'$'\\n''changed'$'\\n''last'"), "--bodies values")
        #expect(bash.contains("---completion runs -- --team"), "--team is completed by tracedesk itself")
        _ = try tracedesk.run(["import", "samples/bodies/supervisor-complete.json", "samples/bodies/worker-card-error.json"])
        let teams = try tracedesk.run(["---completion", "runs", "--", "--team", "3", "4", "tracedesk", "runs", "--team", "XX_W"])
        #expect(teams.status == 0)
        #expect(teams.stdout.split(separator: "\n").contains("XX_WORKER_CARD"), "\(teams.stdout)")
        #expect(!teams.stdout.contains("XX_HCM"), "only codes starting as typed: \(teams.stdout)")
    }

    @Test("a usage error and a corrupt database: one line and the documented exit code from the process")
    func exitCodes() throws {
        let unknown = try tracedesk.run(["runs", "--frobnicate"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.hasPrefix("tracedesk: Unknown option '--frobnicate'"))
        let path = folder.appendingPathComponent("corrupt.sqlite").path
        try Data(String(repeating: "not sqlite ", count: 100).utf8).write(to: URL(fileURLWithPath: path))
        let corrupt = try tracedesk.run(["runs", "--db", path])
        #expect(corrupt.status == 6)
        #expect(corrupt.stderr.split(separator: "\n").count == 1)
    }

    @Test("Ctrl-C while following records what arrived, says how to resume, and exits 130")
    func interrupt() throws {
        let simulator = try LiveSimulator(speed: 20, seed: UInt64.random(in: 1...1_000_000))
        defer { simulator.stop() }
        let process = Process()
        process.executableURL = TracedeskProcess.binary
        process.arguments = ["invoke", "XX_GL_JOURNAL_APPROVAL", "Post it", "--param", "journal=JE-9"]
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in simulator.environment(cache: folder.appendingPathComponent("cache")) { environment[key] = value }
        environment["TRACEDESK_DB"] = tracedesk.database
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var text = ""
        while !text.contains("answer with"), process.isRunning {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        process.interrupt()
        text += String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(text)")
        #expect(text.contains("interrupted; everything received is recorded"))
        let runs = try JSONValue(parsing: tracedesk.run(["runs", "--json"]).stdout)?.arrayValue ?? []
        #expect(runs.first?["status"]?.stringValue == "WAITING")
    }

    @Test("every fuzzing seed (the hostile cases found so far) passes through its target in an ordinary build",
          arguments: ["body", "report", "scanner"])
    func fuzzSeeds(target: String) throws {
        let replayer = TracedeskProcess.binary.deletingLastPathComponent().appendingPathComponent("tracedesk-fuzz")
        let corpus = TracedeskProcess.repository.appendingPathComponent("Fuzz/corpus/\(target)")
        let seeds = try FileManager.default.contentsOfDirectory(atPath: corpus.path).map { corpus.appendingPathComponent($0).path }
        #expect(!seeds.isEmpty)
        let process = Process()
        process.executableURL = replayer
        process.arguments = [target] + seeds
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text == "replayed \(seeds.count) input\(seeds.count == 1 ? "" : "s") through \(target)\n")
    }

    @Test("Ctrl-C during compare names the jobs left going at the pod, with the poll command of each")
    func interruptCompare() throws {
        let simulator = try LiveSimulator(speed: 1, seed: UInt64.random(in: 1...1_000_000))
        defer { simulator.stop() }
        let process = Process()
        process.executableURL = TracedeskProcess.binary
        process.arguments = ["compare", "XX_WORKER_CARD", "--message", "Show the worker card of Casey Brown"]
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in simulator.environment(cache: folder.appendingPathComponent("cache")) { environment[key] = value }
        environment["TRACEDESK_DB"] = tracedesk.database
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Both jobs are started (and recorded) once the history lists two runs; each takes 30 s at this speed.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let listed = try JSONValue(parsing: tracedesk.run(["runs", "--json"]).stdout)?.arrayValue ?? []
            if listed.count == 2 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        process.interrupt()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(text)")
        let runs = try JSONValue(parsing: tracedesk.run(["runs", "--json"]).stdout)?.arrayValue ?? []
        #expect(runs.count == 2)
        for run in runs {
            let jobId = try #require(run["jobId"]?.stringValue)
            #expect(text.contains("tracedesk poll \(jobId) --team XX_WORKER_CARD"), "\(text)")
        }
        #expect(text.contains("interrupted comparison #1; everything received is recorded; 2 jobs still going at the pod"))
    }

    @Test("demo runs five teams (one for two turns of a conversation) on the embedded simulator, answers the WAITING one, and writes their reports")
    func demo() throws {
        let out = folder.appendingPathComponent("demo")
        // From a folder of its own, as a user who installed the binary elsewhere runs it.
        var elsewhere = tracedesk
        elsewhere.currentDirectory = folder
        let result = try elsewhere.run(["demo", "--out", out.path, "--speed", "40", "--db", tracedesk.database])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("suspended at APPROVE_POSTING (HUMAN"), "\(result.stdout)")
        #expect(result.stdout.contains("step events as they happened"), "one team is streamed")
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".html") }
        let reports = files.filter { !$0.hasPrefix("compare-") }
        #expect(reports.count == 6)
        #expect(files.contains("compare-PRODUCT_COMPARISON_ADVISOR_COE.html"), "the demo ends with a comparison")
        for report in reports { #expect(result.stdout.contains(out.appendingPathComponent(report).path)) }
        let runs = try #require(JSONValue(parsing: try tracedesk.run(["runs", "--json"]).stdout)?.arrayValue)
            .filter { $0["label"]?.stringValue == "demo" }
        #expect(runs.count == 6, "six demo runs, besides the comparison's")
        let statuses = Dictionary(runs.map { ($0["teamCode"]?.stringValue ?? "?", $0["status"]?.stringValue ?? "?") }) { first, _ in first }
        let travel = runs.filter { $0["teamCode"]?.stringValue == "XX_TRAVEL_POLICY_ADVISOR" }
        #expect(travel.count == 2 && Set(travel.compactMap { $0["conversationId"]?.stringValue }).count == 1, "two turns of one conversation")
        #expect(statuses["XX_GL_JOURNAL_APPROVAL"] == "COMPLETE", "the demo approved the waiting step")
        let journal = try #require(runs.first { $0["teamCode"]?.stringValue == "XX_GL_JOURNAL_APPROVAL" })
        #expect(journal["transport"]?.stringValue == "stream", "\(journal)")
        #expect(statuses["XX_WORKER_CARD"] == "ERROR")
        // Every "Next:" command runs as printed, from where the demo ran (the binary named as it can be run).
        let next = result.stdout.components(separatedBy: "\nNext:\n").last?.split(separator: "\n")
            .prefix { $0.hasPrefix("  ") }.map { String($0.dropFirst(2)).components(separatedBy: "   ").first! } ?? []
        #expect(next.count == 7)
        #expect(next.contains { $0.contains(" runs --conversation ") })
        // The two servers (serve and simulator) run until Ctrl-C: every other command is run.
        for command in next where !command.contains(" simulator") && !command.contains(" serve") {
            let shell = Process()
            shell.executableURL = URL(fileURLWithPath: "/bin/sh")
            shell.arguments = ["-c", command + " > /dev/null"]
            shell.environment = ["PATH": "/usr/bin:/bin", "HOME": folder.path, "TRACEDESK_DB": folder.appendingPathComponent("elsewhere.sqlite").path]
            shell.currentDirectoryURL = folder
            try shell.run()
            shell.waitUntilExit()
            #expect(shell.terminationStatus == 0, "\(command)")
        }
        // At --speed 40 the pod's instants run 40 times faster than the machine's: said, not hidden.
        let card = try #require(runs.first { $0["teamCode"]?.stringValue == "XX_WORKER_CARD" }?["jobId"]?.stringValue)
        let shown = try tracedesk.run(["show", card]).stdout
        #expect(shown.contains("Here they differ: the pod's clock ran "), "\(shown)")
        // Each job starts at the real time, however long the demo has run.
        let started = try #require(runs.first { $0["teamCode"]?.stringValue == "XX_WORKER_CARD" }?["startedAt"]?.intValue)
        #expect(abs(Double(started) / 1000 - Date().timeIntervalSince1970) < 120, "started at \(started)")
        // Each report holds every step of its run in its step tree, START and END aside (folded out).
        for run in runs {
            let jobId = try #require(run["jobId"]?.stringValue)
            let file = try #require(reports.first { $0.contains(jobId) })
            let html = try String(contentsOf: out.appendingPathComponent(file), encoding: .utf8)
            let nodes = try #require(JSONValue(parsing: try tracedesk.run(["show", jobId, "--json"]).stdout)?["nodes"]?.arrayValue)
            #expect(nodes.count == run["nodeCount"]?.intValue)
            let work = nodes.filter { !["START", "END"].contains($0["type"]?.stringValue?.uppercased() ?? "") }
            #expect(html.components(separatedBy: "<div class=\"tree-row\" data-position=").count - 1 == work.count)
            #expect(html.contains("<section id=\"insights\">"))
        }
    }
}
