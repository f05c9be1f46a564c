import Foundation
import TracedeskCompare
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel

/// `tracedesk import FILE…`: record status bodies captured elsewhere.
public struct ImportBodies: Sendable {
    public var history: HistoryLocation
    /// Files, or `-` for standard input.
    public var files: [String]
    /// The team of bodies that carry no `workflowCode`.
    public var team: String?
    public var json: Bool

    public init(history: HistoryLocation, files: [String], team: String?, json: Bool) {
        self.history = history
        self.files = files
        self.team = team
        self.json = json
    }

    public func run(in context: CommandContext) throws(TracedeskError) -> CommandOutcome {
        var sources: [CaptureSource] = []
        var comparisons: [Comparison] = []
        for file in files {
            let (found, comparison) = try Self.sources(file, in: context)
            sources += found
            if let comparison { comparisons.append(comparison) }
        }
        let store = try history.openForWriting(in: context)
        let progress = ImportProgress(output: context.errors, clock: context.clock)
        let summary = try Importer(store: store).importBodies(from: sources, team: team, at: context.clock.now()) { progress.show($0) }
        progress.finish()
        // A comparison report's comparison, once its runs are in.
        var comparisonLines: [String] = []
        for comparison in comparisons {
            let label = "comparison of \(comparison.team) (A \(comparison.label(baseline: true)) against B \(comparison.label(baseline: false)))"
            switch try ComparisonImport(store: store).record(comparison, at: context.clock.now()) {
            case .recorded(let id, let runs):
                comparisonLines.append("Imported the \(label) as #\(id), with its \(runs) run\(runs == 1 ? "" : "s")")
            case .alreadyRecorded(let id):
                comparisonLines.append("The \(label) is already recorded, as #\(id)")
            case .withoutRuns:
                try context.warn("the \(label) was not recorded: none of its runs is in the history")
            }
        }
        for jobId in summary.runsWithoutTeam {
            try context.warn("run \(jobId) names no team (no workflowCode); recorded without one, pass --team to name it")
        }
        if json {
            try context.writeJSON(ImportOutput(summary: summary, database: store.path))
            return .success
        }
        let count = { (value: Int) in TextFormat.count(Int64(value)) }
        let plural = { (value: Int, one: String, many: String) in "\(count(value)) \(value == 1 ? one : many)" }
        // Status bodies and debug streams are each said when there are any: a streamed run has no bodies.
        var read: [String] = []
        var figures: [String] = []
        if summary.bodiesRead > 0 || summary.streamsRead == 0 {
            read.append(plural(summary.bodiesRead, "body", "bodies"))
            figures.append("\(count(summary.bodiesStored)) stored, \(count(summary.bodiesAlreadyKnown)) already recorded")
        }
        if summary.streamsRead > 0 {
            read.append(plural(summary.streamsRead, "debug stream", "debug streams"))
            figures.append(plural(summary.eventsStored, "event stored", "events stored")
                           + (summary.streamedRunsAlreadyKnown > 0 ? ", " + plural(summary.streamedRunsAlreadyKnown, "streamed run", "streamed runs") + " already recorded" : ""))
        }
        figures.append(plural(summary.newRuns, "new run", "new runs"))
        var text = "Imported \(read.joined(separator: " and ")) into \(plural(summary.runs.count, "run", "runs")) "
            + "(\(figures.joined(separator: "; "))) in \(store.path)\n"
        for run in summary.runs.prefix(Self.listedRuns) {
            text += "  \(run.jobId)  \(run.team ?? "?")  \(run.status)\(run.isNew ? "  (new)" : "")\n"
        }
        if summary.runs.count > Self.listedRuns {
            text += "  ... and \(TextFormat.count(Int64(summary.runs.count - Self.listedRuns))) more (tracedesk runs lists them)\n"
        }
        if summary.exchangesSkipped > 0 {
            text += "  (\(summary.exchangesSkipped) recorded exchanges without a status body skipped: token calls, error answers)\n"
        }
        if summary.streamsWithoutRun > 0 {
            text += "  (\(plural(summary.streamsWithoutRun, "debug stream", "debug streams")) of runs not in the history skipped: their events never said what run they are)\n"
        }
        for line in comparisonLines { text += line + "\n" }
        try context.output.write(text)
        return .success
    }

    /// Runs listed by name after an import; a large import says how many more there are.
    static let listedRuns = 20

    /// The sources `file` stands for: itself, or, for a comparison report, the run reports it
    /// links to (written beside it by `compare -o`), which hold the bodies.
    /// A comparison report also gives the comparison it holds, to record once its runs are in.
    static func sources(_ file: String, in context: CommandContext) throws(TracedeskError) -> (sources: [CaptureSource], comparison: Comparison?) {
        let source = try source(file, in: context)
        guard case .file(let path, _) = source, [".html", ".htm"].contains(where: path.lowercased().hasSuffix),
              let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              (attributes[.size] as? Int ?? .max) <= 64 << 20,
              let data = FileManager.default.contents(atPath: path),
              let (links, comparison) = try ComparisonReport.read(data, origin: file) else { return ([source], nil) }
        guard !links.isEmpty else {
            throw .badInput("\(file): a comparison report without links to its runs' reports (a --self-contained one embeds their pages, "
                            + "not their bodies); import the reports compare -o writes beside it")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().resolvingSymlinksInPath().standardizedFileURL
        let linked = try links.map { link throws(TracedeskError) in
            let decoded = link.removingPercentEncoding ?? link
            let shown = TextFormat.snippet(decoded, width: 80)
            let target = folder.appendingPathComponent(decoded).standardizedFileURL.resolvingSymlinksInPath()
            // Only regular files inside the report's folder, resolved first: `../`, `%2e%2e/` and a
            // link through a symbolic link cannot lead elsewhere. A refused file is named, never read.
            guard target.path.hasPrefix(folder.path.hasSuffix("/") ? folder.path : folder.path + "/") else {
                throw .badInput("\(file): links to \(shown), which is outside the report's folder; refused")
            }
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: target.path, isDirectory: &isFolder) else {
                throw .badInput("\(file): a comparison report; the runs are in the reports it links to, and \(shown) is not beside it "
                                + "(copy the report's -runs folder with it)")
            }
            let type = (try? FileManager.default.attributesOfItem(atPath: target.path))?[.type] as? FileAttributeType
            guard !isFolder.boolValue, type == .typeRegular, [".html", ".htm"].contains(where: target.path.lowercased().hasSuffix) else {
                throw .badInput("\(file): links to \(shown), which is not a run report (an .html file); refused")
            }
            return CaptureSource.file(path: target.path, origin: decoded)
        }
        return (linked, comparison)
    }

    static func source(_ file: String, in context: CommandContext) throws(TracedeskError) -> CaptureSource {
        if file == "-" {
            let input = context.standardInput()
            // Typed at a terminal, the bodies end with Ctrl-D: say so rather than wait in silence.
            if isatty(input.fileDescriptor) != 0 {
                try context.note("reading status bodies from standard input until Ctrl-D (or pipe them in: curl … | tracedesk import -)")
            }
            return .stream(input, origin: "standard input")
        }
        let path = context.absolutePath(file)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .badInput("\(file): no such file")
        }
        if isDirectory.boolValue { throw .badInput("\(file): is a folder; name the files in it") }
        guard FileManager.default.isReadableFile(atPath: path) else { throw .badInput("\(file): cannot be read") }
        return .file(path: path, origin: file)
    }
}
