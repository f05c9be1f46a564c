import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TracedeskHistory
import TracedeskModel
@testable import TracedeskServe
import TracedeskUseCases

/// Personal values placed in every text field of real status bodies (prompt, parameters, answer,
/// follow-up questions, step inputs and outputs, model prompts and responses, chunks, citations,
/// waiting messages, errors, nested runs) leave no trace in anything written with `--redact`:
/// reports, a diff, OTLP spans, serve's pages and JSON, recordings, and a history recorded with
/// `[redact] at = "record"`.
@Suite("Redaction: a corpus of personal values through every output")
struct RedactionCorpusTests {
    /// The values, each found by a detector or a rule, and `Lovelace` by the name field it stands in.
    static let corpus = [
        "ada.lovelace@example.com", "+44 20 7946 0958", "GB82 WEST 1234 5698 7654 32", "4111 1111 1111 1111", "123-45-6789",
        "192.168.10.4", "2001:db8::8a2e:370:7334", "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl", "Lovelace", "955160",
    ]
    static let samples = ["approval-waiting", "document-chunks-complete", "supervisor-complete", "worker-card-error", "workflow-nested-complete"]
    /// Keys whose values are ids, codes, types, states or instants: the run's shape, not its content
    /// (codes are the team author's names for steps, which redaction keeps so that runs align).
    static let structural: Set<String> = [
        "jobId", "conversationId", "traceId", "status", "nodeCode", "nodeType", "type", "workflowCode", "workflowStatus", "architecture",
        "agentCode", "code", "modelName", "model", "startDate", "endDate", "createDate", "timestamp", "invocationMode", "waitingToolCode",
        "workflowName", "nodeName", "agentName", "name",
    ]

    let folder: TemporaryFolder
    let tracedesk: CommandLineHarness
    let rules: String

    init() throws {
        folder = try TemporaryFolder()
        var harness = try CommandLineHarness.withPod(in: folder.url)
        harness.environment["XDG_CONFIG_HOME"] = folder.path("config")
        tracedesk = harness
        rules = folder.path("rules.toml")
        try "[redact]\nkeys = [\"PersonNumber\"]\n".write(toFile: rules, atomically: true, encoding: .utf8)
    }

    /// Every text of `value` with the whole corpus added, JSON inside texts included; a worker's
    /// name and person number added to its first step's output.
    static func seeded(_ value: JSONValue, key: String? = nil) -> JSONValue {
        switch value {
        case .string(let text):
            if let key, structural.contains(key) || key.hasSuffix("Code") || key.hasSuffix("Version") { return value }
            if let json = JSONValue(parsing: text), json.objectValue != nil || json.arrayValue != nil {
                return .string(seeded(json).compactText)
            }
            return .string(text + " — " + corpus.joined(separator: " ; "))
        case .array(let items):
            return .array(items.map { seeded($0, key: key) })
        case .object(let members):
            var result = Dictionary(uniqueKeysWithValues: members.map { ($0.key, seeded($0.value, key: $0.key)) })
            if var nodes = result["nodes"]?.arrayValue, !nodes.isEmpty, var first = nodes[0].objectValue {
                first["nodeOutput"] = .string(#"{"items":[{"DisplayName":"Ada Lovelace","PersonNumber":"955160","note":"Lovelace"}]}"#)
                nodes[0] = .object(first)
                result["nodes"] = .array(nodes)
            }
            return .object(result)
        default:
            return value
        }
    }

    /// Imports the seeded samples; returns their jobIds.
    func importCorpus(_ harness: CommandLineHarness? = nil) async throws -> [String] {
        var jobIds: [String] = []
        var paths: [String] = []
        for name in Self.samples {
            let body = try #require(JSONValue(parsing: Data(contentsOf: Fixtures.repository.appendingPathComponent("samples/bodies/\(name).json"))))
            let path = folder.path("\(name)-seeded.json")
            try Self.seeded(body).prettyText.write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
            jobIds.append(try #require(body["jobId"]?.stringValue))
        }
        let imported = await (harness ?? tracedesk).run(["import"] + paths)
        #expect(imported.status == 0, "\(imported.stderr)")
        return jobIds
    }

    /// The corpus values found in `text`, each with how often.
    static func leaks(in text: String) -> [String: Int] {
        var found: [String: Int] = [:]
        for value in corpus {
            let count = text.components(separatedBy: value).count - 1
            if count > 0 { found[value] = count }
        }
        return found
    }

    @Test("the seeded runs hold every value: the check below can fail")
    func seededRunsHoldTheCorpus() async throws {
        let jobIds = try await importCorpus()
        let report = await tracedesk.run(["report", jobIds[0], "-o", "-"])
        #expect(Set(Self.leaks(in: report.stdout).keys) == Set(Self.corpus))
    }

    @Test("reports and a diff written with --redact hold none of them, and pseudonyms in their place")
    func reports() async throws {
        let jobIds = try await importCorpus()
        for jobId in jobIds {
            let report = await tracedesk.run(["report", jobId, "--redact-rules", rules, "-o", "-"])
            #expect(report.status == 0, "\(report.stderr)")
            #expect(Self.leaks(in: report.stdout).isEmpty, "\(jobId): \(Self.leaks(in: report.stdout))")
            #expect(report.stdout.contains("«email-1»") && report.stdout.contains("«name-"))
            // A person number is named after its key, unless a name field held it first (the
            // worker card's personName parameter, seeded with the whole corpus, does).
            if jobId == jobIds[0] { #expect(report.stdout.contains("«PersonNumber-1»")) }
        }
        let diff = folder.path("diff.html")
        let written = await tracedesk.run(["diff", jobIds[1], jobIds[2], "--redact-rules", rules, "-o", diff])
        #expect(written.status == 0, "\(written.stderr)")
        let files = try FileManager.default.subpathsOfDirectory(atPath: folder.url.path).filter { $0.hasPrefix("diff") && $0.hasSuffix(".html") }
        #expect(files.count >= 3)
        for file in files {
            let text = try String(contentsOfFile: folder.path(file), encoding: .utf8)
            #expect(Self.leaks(in: text).isEmpty, "\(file): \(Self.leaks(in: text))")
        }
    }

    @Test("a redacted report imports: the run it brings in holds the pseudonyms")
    func redactedReportImports() async throws {
        let jobIds = try await importCorpus()
        let path = folder.path("redacted.html")
        #expect(await tracedesk.run(["report", jobIds[1], "--redact-rules", rules, "-o", path]).status == 0)
        var elsewhere = CommandLineHarness(database: folder.path("elsewhere.sqlite"))
        elsewhere.environment["XDG_CONFIG_HOME"] = folder.path("config")
        let imported = await elsewhere.run(["import", path])
        #expect(imported.status == 0, "\(imported.stderr)")
        let shown = await elsewhere.run(["show", jobIds[1], "--json"])
        #expect(shown.status == 0 && shown.stdout.contains("«email-1»"))
        #expect(Self.leaks(in: shown.stdout).isEmpty, "\(Self.leaks(in: shown.stdout))")
    }

    @Test("OTLP spans exported with --redact hold none of them")
    func spans() async throws {
        let jobIds = try await importCorpus()
        let exported = await tracedesk.run(["export", "otlp"] + jobIds + ["--dry-run", "--redact-rules", rules])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stdout.contains("«email-1»"))
        #expect(Self.leaks(in: exported.stdout).isEmpty, "\(Self.leaks(in: exported.stdout))")
    }

    @Test("serve --redact: the runs page, each run's page and download, a diff and the JSON API hold none of them")
    func serve() async throws {
        let jobIds = try await importCorpus()
        let store = try HistoryStore(path: tracedesk.database, mode: .readOnly)
        var settings = ServeSettings(port: 0)
        settings.redactor = try Redactor(rules: RedactionRules(keys: ["PersonNumber"]))
        let server = TracedeskServer(store: store, settings: settings)
        let app = Application(router: server.router())
        // The search is off under --redact: `q=Lovelace` would tell which runs hold the name.
        let pages = ["/", "/api/runs", "/?q=Lovelace", "/api/runs?q=Lovelace", "/diff/\(jobIds[1])/\(jobIds[2])"]
            + jobIds.flatMap { ["/runs/\($0)", "/runs/\($0)/report.html", "/api/runs/\($0)"] }
        try await app.test(.router) { client in
            for page in pages {
                let (status, text) = try await client.execute(uri: page, method: .get) { ($0.status.code, String(buffer: $0.body)) }
                #expect(status == 200, "\(page)")
                #expect(Self.leaks(in: text).isEmpty, "\(page): \(Self.leaks(in: text))")
                if page.contains("q=") { #expect(jobIds.allSatisfy { text.contains($0) }, "\(page) searched") }
            }
        }
    }

    @Test("--record DIR --redact: the saved exchanges hold none of them")
    func recordings() async throws {
        let record = folder.path("exchanges")
        let message = "Worker card of 955160: " + Self.corpus.filter { $0 != "Lovelace" }.joined(separator: ", ")
        let invoked = await tracedesk.run(["invoke", "XX_TRAVEL_POLICY_ADVISOR", message, "--param", "PersonNumber=955160",
                                           "--record", record, "--redact-rules", rules, "--quiet"])
        #expect(invoked.status == 0, "\(invoked.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: record)
        #expect(files.count >= 3)
        var pseudonyms = 0
        for file in files {
            let text = try String(contentsOfFile: "\(record)/\(file)", encoding: .utf8)
            #expect(Self.leaks(in: text).isEmpty, "\(file): \(Self.leaks(in: text))")
            pseudonyms += text.components(separatedBy: "«").count - 1
        }
        #expect(pseudonyms > 0)
        // The redacted recording still imports.
        var elsewhere = CommandLineHarness(database: folder.path("elsewhere.sqlite"))
        elsewhere.environment["XDG_CONFIG_HOME"] = folder.path("config")
        let imported = await elsewhere.run(["import"] + files.sorted().map { "\(record)/\($0)" })
        #expect(imported.status == 0, "\(imported.stdout) \(imported.stderr)")
    }

    @Test("[redact] at = \"record\": the history never holds them, says so, and is searched by the pseudonyms")
    func recordedRedacted() async throws {
        let config = folder.url.appendingPathComponent("config/tracedesk")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try "[redact]\nat = \"record\"\nkeys = [\"PersonNumber\"]\n".write(to: config.appendingPathComponent("config.toml"), atomically: true, encoding: .utf8)
        let jobIds = try await importCorpus()
        // Every text of every table, read back.
        let store = try HistoryStore(path: tracedesk.database, mode: .readOnly)
        var texts = ""
        for jobId in jobIds {
            let run = try store.run(jobId)
            let details = try store.details(of: run)
            texts += "\(RunDetailsOutput(details))" + (try store.snapshots(of: run).map(\.body).joined())
        }
        #expect(texts.contains("«email-1»"))
        #expect(Self.leaks(in: texts).isEmpty, "\(Self.leaks(in: texts))")
        let bytes = [tracedesk.database, tracedesk.database + "-wal"].compactMap { FileManager.default.contents(atPath: $0) }
            .map { String(decoding: $0, as: UTF8.self) }.joined()
        #expect(Self.leaks(in: bytes).isEmpty, "file bytes: \(Self.leaks(in: bytes))")
        let shown = await tracedesk.run(["show", jobIds[0]])
        #expect(shown.stdout.contains("recorded redacted (detectors: all; keys: PersonNumber)"))
        // Search finds the pseudonyms (numbered across the history), and never the values.
        let found = await tracedesk.run(["runs", "--search", "«PersonNumber-1»"])
        #expect(found.status == 0 && jobIds.allSatisfy { found.stdout.contains($0.prefix(8)) }, "\(found.stdout) \(found.stderr)")
        let raw = await tracedesk.run(["runs", "--search", "ada.lovelace@example.com"])
        #expect(!jobIds.contains { raw.stdout.contains($0.prefix(8)) })
    }

    @Test("[redact] at = \"record\": a value keeps its pseudonym across commands (a keyed digest in the history, never the value); a comparison is stored redacted")
    func ledger() async throws {
        let config = folder.url.appendingPathComponent("config/tracedesk")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try "[redact]\nat = \"record\"\n".write(to: config.appendingPathComponent("config.toml"), atomically: true, encoding: .utf8)
        var harness = tracedesk
        harness.environment["XDG_DATA_HOME"] = folder.path("data")
        func body(_ jobId: String, _ message: String) throws -> String {
            let path = folder.path("\(jobId).json")
            try #"{"jobId": "\#(jobId)", "status": "COMPLETE", "output": "\#(message)", "input": {"message": "\#(message)"}}"#
                .write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        // Three commands, three processes' worth of redactors, one history.
        #expect(await harness.run(["import", try body("job-1", "mail ada@example.com")]).status == 0)
        #expect(await harness.run(["import", try body("job-2", "mail grace@example.com, cc ada@example.com")]).status == 0)
        #expect(await harness.run(["import", try body("job-3", "from grace@example.com")]).status == 0)
        var outputs: [String] = []
        for jobId in ["job-1", "job-2", "job-3"] {
            let shown = await harness.run(["show", jobId, "--json"])
            outputs.append(try #require(JSONValue(parsing: shown.stdout)?["run"]?["output"]?.stringValue, "\(shown.stderr)"))
        }
        #expect(outputs == ["mail «email-1»", "mail «email-2», cc «email-1»", "from «email-2»"])
        let key = try FileManager.default.attributesOfItem(atPath: folder.path("data/tracedesk/redaction.key"))
        #expect((key[.posixPermissions] as? Int) == 0o600 && (key[.size] as? Int) == 32)
        let database = try String(decoding: #require(FileManager.default.contents(atPath: harness.database)), as: UTF8.self)
        #expect(!database.contains("ada@example.com") && !database.contains("grace@example.com"))

        // A comparison run on the pod is stored with its prompts and answers redacted too.
        let compared = await harness.run(["compare", "XX_TRAVEL_POLICY_ADVISOR", "--message", "Business class for ada@example.com?", "--quiet"])
        #expect(compared.status == 0, "\(compared.stderr)")
        let store = try HistoryStore(path: harness.database, mode: .readOnly)
        let id = try #require(try store.comparisons().first?.id)
        let stored = try #require(try store.comparison(id).resultJSON)
        #expect(!stored.contains("ada@example.com") && stored.contains("«email-1»"))
    }

    @Test("fail closed: a pattern that does not compile, an unknown detector or a missing rules file ends the command (exit 2) and writes nothing")
    func failClosed() async throws {
        let jobIds = try await importCorpus()
        let bad = folder.path("bad.toml")
        for text in ["[redact]\npatterns = [\"(unclosed\"]\n", "[redact]\ndetectors = [\"emails\"]\n", "[other]\nkeys = [\"a\"]\n"] {
            try text.write(toFile: bad, atomically: true, encoding: .utf8)
            let out = folder.path("never.html")
            let result = await tracedesk.run(["report", jobIds[0], "--redact-rules", bad, "-o", out])
            #expect(result.status == 2, "\(text): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
            #expect(!FileManager.default.fileExists(atPath: out))
        }
        #expect(await tracedesk.run(["report", jobIds[0], "--redact-rules", folder.path("missing.toml"), "-o", "-"]).status == 2)
    }
}
