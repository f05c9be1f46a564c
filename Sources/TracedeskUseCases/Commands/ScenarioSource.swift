import Foundation
import FusionSimulator
import TracedeskModel

/// Which scenarios the simulator and the demo run: the folder `--scenarios` names, else the
/// built-in ones (compiled into the binary from `samples/scenarios`, so an installed binary needs
/// no source tree).
enum ScenarioSource: Sendable, CustomStringConvertible {
    case builtIn
    case folder(URL)

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
        }
    }
}
