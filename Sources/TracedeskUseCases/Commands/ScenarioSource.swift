import Foundation
import FusionSimulator
import TracedeskHistory
import TracedeskModel

/// Which scenarios the simulator and the demo run: the folder `--scenarios` names, else the
/// built-in ones (compiled into the binary from `samples/scenarios`, so an installed binary needs
/// no source tree).
enum ScenarioSource: Sendable, CustomStringConvertible {
    case builtIn
    case folder(URL)
    /// Recorded runs as teams (`simulator --replay`): the library made of them, and how many.
    case recorded(ScenarioLibrary, runs: Int)

    /// The runs `references` name, as teams: each a run of the history (a jobId, a prefix, `last`),
    /// or a file or folder of captures (`--record` files, bodies, reports), read without
    /// touching the history.
    static func recorded(_ references: [String], history: HistoryLocation, in context: CommandContext) throws(TracedeskError) -> ScenarioSource {
        var runs: [RunDetails] = []
        var captures: [CaptureSource] = []
        var store: HistoryStore?
        for reference in references {
            let path = context.absolutePath(reference)
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
                let files: [String]
                if isFolder.boolValue {
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                    files = names.filter { [".json", ".jsonl", ".ndjson", ".html"].contains(where: $0.lowercased().hasSuffix) }.sorted()
                        .map { (path as NSString).appendingPathComponent($0) }
                    if files.isEmpty { throw .badInput("--replay \(reference): the folder holds no capture (.json, .jsonl, .html)") }
                } else {
                    files = [path]
                }
                for file in files { captures += try ImportBodies.sources(file, in: context).sources }
            } else {
                // The history is opened once, for the first run named from it.
                if store == nil { store = try history.openForReading(in: context) }
                guard let opened = store else { continue }
                runs.append(try opened.details(of: opened.run(reference)))
            }
        }
        if !captures.isEmpty {
            let scratch = try HistoryStore.inMemory()
            let summary = try Importer(store: scratch).importBodies(from: captures, team: nil, at: context.clock.now())
            for run in summary.runs { runs.append(try scratch.details(of: scratch.run(run.jobId))) }
        }
        let ended = runs.filter { $0.run.status.isTerminal }
        guard !ended.isEmpty else {
            throw .badInput("--replay: no run that has ended among \(references.joined(separator: ", ")): a team is made of a run's recorded steps")
        }
        do {
            return .recorded(try ScenarioLibrary.load(RecordedScenarios.scenarios(of: ended)), runs: ended.count)
        } catch {
            throw .badInput("--replay: the recorded runs do not make a team: \(error.description)")
        }
    }

    /// `--scenarios DIR` when given (refused when it is not a folder), else the built-in scenarios.
    init(_ given: String?, in context: CommandContext) throws(TracedeskError) {
        guard let given else {
            self = .builtIn
            return
        }
        let path = context.absolutePath(given)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .badInput("--scenarios \(given): no such folder")
        }
        self = .folder(URL(fileURLWithPath: path))
    }

    /// The teams, read and checked; a malformed scenario is refused naming its file.
    func load() throws(TracedeskError) -> ScenarioLibrary {
        do {
            switch self {
            case .builtIn: return try ScenarioLibrary.builtIn()
            case .folder(let folder): return try ScenarioLibrary.load(directory: folder)
            case .recorded(let library, _): return library
            }
        } catch {
            throw .badInput("scenario \(error.description)")
        }
    }

    /// `built-in scenarios`, or `scenarios from DIR`, for the simulator's banner.
    var description: String {
        switch self {
        case .builtIn: "built-in scenarios"
        case .folder(let folder): "scenarios from \(folder.path)"
        case .recorded(_, let runs): "\(runs) recorded run\(runs == 1 ? "" : "s") as teams"
        }
    }
}
