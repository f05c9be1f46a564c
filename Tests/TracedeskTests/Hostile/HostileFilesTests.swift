import Foundation
import Testing
import TracedeskCommandLine
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

/// Bodies and files written to hurt: numbers at the edges of Int64, parents that name themselves,
/// terminal escapes, reports larger than libxml2's defaults. Each case once crashed, hung, or
/// reached the terminal raw (issue 15); none may again.
@Suite("Hostile bodies and files")
struct HostileFilesTests {
    let folder: TemporaryFolder
    let tracedesk: CommandLineHarness

    init() throws {
        folder = try TemporaryFolder()
        tracedesk = CommandLineHarness(database: folder.path("history.sqlite"))
    }

    func write(_ name: String, _ text: String) throws -> String {
        try text.write(toFile: folder.path(name), atomically: true, encoding: .utf8)
        return folder.path(name)
    }

    @Test("counts, times and dates at the edges of Int64 are unknown, not a trap, in every view")
    func edgeNumbers() async throws {
        let imported = await tracedesk.run(["import", "Fuzz/corpus/body/edge-numbers.json"])
        #expect(imported.status == 0, "\(imported.stderr)")
        for command in [["runs"], ["show", "edge"], ["show", "edge", "--json"], ["report", "edge", "-o", folder.path("edge.html")],
                        ["diff", "edge", "edge"], ["export", "otlp", "edge", "--dry-run"]] {
            let result = await tracedesk.run(command)
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
        let shown = await tracedesk.run(["show", "edge"])
        #expect(shown.stdout.contains("Tokens         -\n"), "Int64.max tokens are not a count a pod means")
        #expect(!shown.stdout.contains("Started"), "a start in the year 1e300 is unknown")
        #expect(TokenUsage(input: .max, output: .max).total == .max, "sums saturate")
        #expect(TextFormat.count(.min) == "-9,223,372,036,854,775,808")
    }

    @Test("20,000 nodes that name themselves as parent: every node kept, flat, in linear time")
    func selfParents() async throws {
        let nodes = Array(repeating: #"{"nodeCode": "A", "parentNodeCode": "A", "status": "COMPLETED"}"#, count: 20_000).joined(separator: ",")
        let path = try write("self.json", #"{"jobId": "self-20000", "status": "COMPLETE", "workflowCode": "XX", "nodes": [\#(nodes)]}"#)
        let imported = await tracedesk.run(["import", path])
        #expect(imported.status == 0, "\(imported.stderr)")
        let json = try #require(JSONValue(parsing: await tracedesk.run(["show", "self-20000", "--json"]).stdout))
        let depths = (json["nodes"]?.arrayValue ?? []).compactMap { $0["depth"]?.intValue }
        #expect(depths.count == 20_000)
        #expect(depths.allSatisfy { $0 == 0 }, "a self-reference is no parent")
    }

    @Test("a chain of parent references deeper than 64 levels attaches at level 64, keeping every node")
    func deepChain() throws {
        let items = (0..<5_000).map { index in
            JSONValue.object(["nodeCode": .string("N\(index)")].merging(index == 0 ? [:] : ["parentNodeCode": .string("N\(index - 1)")]) { $1 })
        }
        let roots = Node.tree(reading: items)
        var count = 0
        var deepest = 0
        var stack = roots.map { ($0, 0) }
        while let (node, depth) = stack.popLast() {
            count += 1
            deepest = max(deepest, depth)
            stack += node.children.map { ($0, depth + 1) }
        }
        #expect(count == 5_000)
        #expect(deepest == Node.maximumReferenceDepth - 1)
    }

    @Test("ESC, BEL, C1 and bidirectional overrides from a pod never reach the terminal raw")
    func terminalEscapes() async throws {
        let imported = await tracedesk.run(["import", "Fuzz/corpus/body/escapes.json"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let hostile: [Unicode.Scalar] = ["\u{1B}", "\u{07}", "\u{9B}", "\u{202E}", "\u{00}"]
        for command in [["runs"], ["show", "esc"], ["diff", "esc", "esc"], ["runs", "--search", "t"]] {
            let result = await tracedesk.run(command)
            let text = result.stdout + result.stderr
            #expect(!text.unicodeScalars.contains { hostile.contains($0) }, "\(command): \(text.debugDescription.prefix(300))")
        }
        #expect(TextOutput.visible("a\u{1B}]0;t\u{07}b\u{202E}c") == "a\\x1B]0;t\\x07b\\u{202E}c")
    }

    @Test("a jobId with a NUL is refused, not merged with another")
    func nulInJobId() async throws {
        let refused = await tracedesk.run(["import", "Fuzz/corpus/body/nul-job.json"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("its jobId holds a control character"))
    }

    @Test("a report of an 11 MB body is imported back whole: whatever report writes, import reads")
    func hugeReportRoundTrip() async throws {
        let output = String(repeating: "y", count: 11 << 20)
        let path = try write("big.json", #"{"jobId": "big-body", "status": "COMPLETE", "workflowCode": "XX", "output": "\#(output)"}"#)
        #expect(await tracedesk.run(["import", path]).status == 0)
        #expect(await tracedesk.run(["report", "big-body", "-o", folder.path("big.html")]).status == 0)
        let colleague = CommandLineHarness(database: folder.path("colleague.sqlite"))
        let imported = await colleague.run(["import", folder.path("big.html")])
        #expect(imported.status == 0, "\(imported.stderr)")
        let json = try #require(JSONValue(parsing: await colleague.run(["show", "big-body", "--json"]).stdout))
        #expect(json["run"]?["output"]?.stringValue?.utf8.count == 11 << 20)
    }

    @Test("a report's data-first-seen at Int64.min is no instant; an empty HTML file is refused in a line")
    func reportEdges() async throws {
        _ = await tracedesk.run(["import", "samples/bodies/approval-waiting.json"])
        _ = await tracedesk.run(["report", "3e9a", "-o", folder.path("r.html")])
        var html = try String(contentsOfFile: folder.path("r.html"), encoding: .utf8)
        html = html.replacingOccurrences(of: #"data-first-seen="\d+""#, with: #"data-first-seen="-9223372036854775808""#, options: .regularExpression)
        let colleague = CommandLineHarness(database: folder.path("colleague.sqlite"))
        let imported = await colleague.run(["import", try write("min.html", html)])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(await colleague.run(["show", "3e9a"]).status == 0)
        let empty = await colleague.run(["import", try write("empty.html", "")])
        #expect(empty.status == 2)
    }

    @Test("report -o: a read-only file is left as it is")
    func readOnlyReport() async throws {
        _ = await tracedesk.run(["import", "samples/bodies/approval-waiting.json"])
        let path = try write("kept.html", "keep me")
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
        let refused = await tracedesk.run(["report", "3e9a", "-o", path])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("is read-only; it is left as it is"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
    }

    @Test("a suite of the wrong shape is described in the suite's words, not Swift's")
    func suiteWording() async throws {
        let path = try write("suite.yaml", "prompts:\n  a: 1\n")
        let refused = await tracedesk.run(["compare", "XX_TEAM", "--suite", path, "--pod", "http://127.0.0.1:9", "--token-file", path])
        #expect(refused.status == 2)
        #expect(refused.stderr.hasPrefix("tracedesk: \(path): prompts should be a list"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("Array<"))
    }
}
