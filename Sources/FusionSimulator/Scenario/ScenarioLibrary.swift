import Foundation

/// Why a scenario file was refused: the file and the reason, in one line.
public struct ScenarioError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var reason: String

    public var description: String { "\(file): \(reason)" }
}

/// The teams the simulated pod knows, read and checked from scenario files.
public struct ScenarioLibrary: Sendable {
    public private(set) var teams: [String: TeamScenario]

    public init(teams: [TeamScenario]) throws(ScenarioError) {
        var byCode: [String: TeamScenario] = [:]
        for team in teams {
            if byCode[team.team] != nil {
                throw ScenarioError(file: team.team, reason: "team \(team.team) is defined twice")
            }
            byCode[team.team] = team
        }
        self.teams = byCode
        for team in teams { try Self.validate(team, in: byCode, file: team.team) }
    }

    /// Reads every `*.json` file of a folder; a malformed file is refused with its name and the reason.
    public static func load(directory: URL) throws(ScenarioError) -> ScenarioLibrary {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasSuffix(".json") }.sorted()
        } catch {
            throw ScenarioError(file: directory.path, reason: "cannot read the folder (\(error.localizedDescription))")
        }
        if names.isEmpty { throw ScenarioError(file: directory.path, reason: "holds no scenario (*.json) file") }
        var files: [(origin: String, data: Data)] = []
        for name in names {
            let url = directory.appendingPathComponent(name)
            do { files.append((url.path, try Data(contentsOf: url))) } catch {
                throw ScenarioError(file: url.path, reason: "cannot be read")
            }
        }
        return try load(files)
    }

    /// The scenarios compiled into the binary (a copy of the source tree's `samples/scenarios`),
    /// so that `demo` and `simulator` run from an installed binary with no source tree beside it.
    public static func builtIn() throws(ScenarioError) -> ScenarioLibrary {
        try load(EmbeddedScenarios.files.sorted { $0.key < $1.key }.map { ("built-in \($0.key)", Data($0.value.utf8)) })
    }

    /// The names of the built-in scenario files and their text, for checking them against the files.
    public static var builtInFiles: [String: String] { EmbeddedScenarios.files }

    /// Reads scenario files given as their text, each named by `origin` in what it is refused for.
    public static func load(_ files: [(origin: String, data: Data)]) throws(ScenarioError) -> ScenarioLibrary {
        var teams: [TeamScenario] = []
        var origins: [String: String] = [:]
        for file in files {
            let team = try decode(file.data, origin: file.origin)
            if let other = origins[team.team] {
                throw ScenarioError(file: file.origin, reason: "team \(team.team) is already defined in \(other)")
            }
            origins[team.team] = file.origin
            teams.append(team)
        }
        var byCode: [String: TeamScenario] = [:]
        for team in teams { byCode[team.team] = team }
        for team in teams { try validate(team, in: byCode, file: origins[team.team] ?? team.team) }
        return try ScenarioLibrary(teams: teams)
    }

    private static func decode(_ data: Data, origin: String) throws(ScenarioError) -> TeamScenario {
        do {
            return try JSONDecoder().decode(TeamScenario.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ScenarioError(file: origin, reason: "missing \"\(key.stringValue)\" at \(path(context.codingPath))")
        } catch let DecodingError.typeMismatch(_, context) {
            throw ScenarioError(file: origin, reason: "wrong type at \(path(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.valueNotFound(_, context) {
            throw ScenarioError(file: origin, reason: "missing value at \(path(context.codingPath))")
        } catch {
            throw ScenarioError(file: origin, reason: "not JSON")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        let text = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return text.isEmpty ? "the top" : String(text.drop(while: { $0 == "." }))
    }

    private static let statuses: Set<String> = ["PUBLISHED", "DRAFT"]

    static func validate(_ team: TeamScenario, in teams: [String: TeamScenario], file: String) throws(ScenarioError) {
        func fail(_ reason: String) -> ScenarioError { ScenarioError(file: file, reason: reason) }
        if team.team.isEmpty || team.team.contains("/") { throw fail("the team code must be a non-empty word") }
        if team.versions.isEmpty { throw fail("team \(team.team) has no version") }
        var seen: Set<String> = []
        for version in team.versions {
            let key = "\(version.version) \(version.status)"
            guard statuses.contains(version.status) else {
                throw fail("version \(version.version): status must be PUBLISHED or DRAFT, not \(version.status)")
            }
            if !seen.insert(key).inserted { throw fail("version \(version.version) \(version.status) is defined twice") }
            if version.steps.isEmpty { throw fail("version \(version.version) \(version.status) has no step") }
            try validate(steps: version.steps, where: "version \(version.version) \(version.status)")
            if let variation = version.variation {
                for (name, spread) in [("durationSpread", variation.durationSpread), ("tokenSpread", variation.tokenSpread)] {
                    if let spread, !(0...0.9).contains(spread) {
                        throw fail("version \(version.version) \(version.status): variation.\(name) must be 0 to 0.9")
                    }
                }
                if variation.outputs?.contains(where: \.isEmpty) == true {
                    throw fail("version \(version.version) \(version.status): variation.outputs holds an empty answer")
                }
            }
            for answer in version.answers ?? [] {
                if answer.when.isEmpty { throw fail("version \(version.version) \(version.status): an answer's `when` is empty") }
                for (name, scale) in [("durationScale", answer.durationScale), ("tokenScale", answer.tokenScale)] {
                    if let scale, !(0.01...100).contains(scale) {
                        throw fail("version \(version.version) \(version.status): the answer when '\(answer.when)' has \(name) \(scale); it must be 0.01 to 100")
                    }
                }
            }
        }

        func validate(steps: [StepScenario], where place: String) throws(ScenarioError) {
            for step in steps {
                let here = "\(place), step \(step.code.isEmpty ? "?" : step.code)"
                if step.code.isEmpty { throw fail("\(place): a step has an empty code") }
                if step.type.isEmpty { throw fail("\(here): no type") }
                if let duration = step.durationMs, duration < 0 { throw fail("\(here): durationMs is negative") }
                if let count = step.repeat, count < 1 || count > 100_000 { throw fail("\(here): repeat must be 1 to 100000") }
                // Without `calls`, a WORKFLOW step answers with its `output` (a recorded run's step, whose called run is in it).
                if step.type == "WORKFLOW", step.calls == nil, step.output == nil { throw fail("\(here): a WORKFLOW step needs \"calls\" (or the \"output\" it answers with)") }
                if let call = step.calls {
                    guard let called = teams[call.team] else { throw fail("\(here): calls unknown team \(call.team)") }
                    if call.team == team.team { throw fail("\(here): a team cannot call itself") }
                    if !called.versions.contains(where: { ($0.status == (call.status ?? "PUBLISHED")) && (call.version == nil || $0.version == call.version) }) {
                        throw fail("\(here): team \(call.team) has no version \(call.version.map(String.init) ?? "") \(call.status ?? "PUBLISHED")")
                    }
                }
                if step.type == "HUMAN" || step.type == "WAIT" {
                    guard let wait = step.wait else { throw fail("\(here): a \(step.type) step needs \"wait\"") }
                    guard wait.kind == "human" || wait.kind == "timer" else { throw fail("\(here): wait.kind must be human or timer") }
                    if wait.kind == "timer", (wait.durationMs ?? 0) <= 0 { throw fail("\(here): a timer wait needs a positive durationMs") }
                }
                try validate(steps: step.children ?? [], where: here)
            }
        }
    }

    /// The version a request asks for: the given number and status, or the newest of that status.
    public func version(of team: String, number: Int?, status: String) -> VersionScenario? {
        guard let scenario = teams[team] else { return nil }
        let candidates = scenario.versions.filter { $0.status == status && (number == nil || $0.version == number) }
        return candidates.max { $0.version < $1.version }
    }
}
