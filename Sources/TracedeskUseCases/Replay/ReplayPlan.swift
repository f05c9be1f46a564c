import Foundation
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel

/// What a replay of a recorded run sends with it: the recorded outputs of its data steps pinned
/// (`debugParams.overrides`), so that only its reasoning steps run, and a breakpoint before every
/// data step of the team's definition that the recording never reached, so that a replay that
/// takes a new path stops there instead of calling live systems.
///
/// Worked out before anything is sent, and refused whole (exit 2) where a pin would not be the
/// recorded output: a step cut short by the pod, larger than a pin may be, failed, or answering
/// differently on each loop iteration (a pin holds one output). `--live CODE` runs such a step live.
public struct ReplayPlan: Sendable {
    /// The step types whose outputs are data from outside the team: pinned by default. LLM,
    /// AGENT, CODE, SET_FIELDS and conditions run live, as Oracle's CLI replays.
    public static let dataStepTypes: Set<String> = [
        "BO_FUNCTION", "EXTERNAL_REST", "REST", "WORKFLOW", "TOOL", "RAG_DOCUMENT_TOOL", "DOCUMENT_READER", "DOCUMENT_WRITER",
        "VECTOR_DB_READER", "VECTOR_DB_WRITER", "POLICY", "EMAIL",
    ]

    /// The largest output pinned, in bytes: Oracle's CLI refuses pinned data above about 3 KB
    /// (the pod's own limit is not documented). `--max-pin-bytes` raises it.
    public static let defaultMaximumPinBytes = 3 * 1024

    /// A recorded text as a test file holds it: JSON where the text is JSON (as Oracle's files
    /// show data), else the text.
    static func recorded(_ text: String?) -> JSONValue {
        text.map { JSONValue(parsing: $0) ?? .string($0) } ?? .null
    }

    public static func isDataStep(_ type: String?) -> Bool {
        guard let type = type?.uppercased() else { return false }
        return dataStepTypes.contains(type) || type.hasSuffix("_TOOL") || type.hasSuffix("_READER") || type.hasSuffix("_WRITER")
    }

    /// What the replay did, as the history keeps it beside the run (`replayPlan`).
    public struct Summary: Sendable, Codable, Equatable {
        /// The steps whose recorded outputs were pinned.
        public var pinned: [String]
        /// The steps let run live although the recording holds their outputs.
        public var live: [String]
        /// The data steps the recording never reached, stopped before.
        public var stoppedBefore: [String]
        /// Whether steps the recording never reached were let run live (`--allow-live`).
        public var allowLive: Bool
        /// The steps run with another model than their definition's, by code (`--model`).
        public var models: [String: String]? = nil
    }

    /// The step types that call a model, whose model `--model` may change.
    public static let modelStepTypes: Set<String> = ["LLM", "AGENT"]

    /// `debugParams.overrides`: per step code, `{output: {success: true, output: TEXT}}` for a
    /// pinned step, `{spec: STEP}` for one run with another model.
    public private(set) var overrides: [String: JSONValue] = [:]
    /// `debugParams.breakPoints`.
    public private(set) var breakPoints: [String] = []
    public private(set) var summary: Summary
    /// Per pinned step code, the recorded data as Oracle's test files hold it (`testData.nodes`):
    /// `nodeType`, `input` and `response`.
    public private(set) var recordedData: [String: JSONValue] = [:]
    /// The codes of the run's own steps, in the order they first ran (a called team's left out).
    public private(set) var stepsRun: [String] = []

    /// The plan for replaying `source`. `live` and `pin` name steps to run live or to pin besides
    /// the data steps; `models` runs steps with another model (which takes their definitions);
    /// `definition` is the team's, for the steps a new path may reach and the steps' definitions.
    public init(source: RunDetails, live: [String] = [], pin: [String] = [], models: [String: String] = [:],
                definition: TeamDefinition?, allowLive: Bool, maximumPinBytes: Int = ReplayPlan.defaultMaximumPinBytes) throws(TracedeskError) {
        let run = source.run
        let team = run.teamCode ?? run.workflowCode
        if let code = definition?.workflowCode, let team, code.uppercased() != team.uppercased() {
            throw .badInput("--definition is team \(code)'s, not \(team)'s: give the definition of the team replayed")
        }
        // The run's own steps, each code once with its iterations; not those of a team it called.
        var order: [String] = []
        var iterations: [String: [NodeRecord]] = [:]
        var insideCalledRun: Set<Int> = []
        for node in source.nodes {
            if let parent = node.parentPosition, insideCalledRun.contains(parent) {
                insideCalledRun.insert(node.position)
                continue
            }
            if node.nestedJobId != nil || node.type?.uppercased() == "WORKFLOW" { insideCalledRun.insert(node.position) }
            guard let code = node.code, !code.isEmpty else { continue }
            if iterations[code] == nil { order.append(code) }
            iterations[code, default: []].append(node)
        }
        let known = Set(order).union(definition?.steps.map(\.code) ?? [])
        for code in live + pin + models.keys.sorted() where !known.contains(code) {
            throw .badInput("run \(run.jobId.prefix(8)) has no step \(code)\(definition == nil ? "" : " and its definition names none") (codes are case-sensitive)")
        }
        if let both = Set(live).intersection(pin).sorted().first {
            throw .badInput("\(both) is given to both --live and --pin: a step is run live or pinned, not both")
        }
        if let both = Set(models.keys).intersection(pin).sorted().first {
            throw .badInput("\(both) is given to both --model and --pin: a pinned step does not run, so its model is never called")
        }
        let liveSet = Set(live), pinSet = Set(pin)
        var pinned: [String] = [], liveRecorded: [String] = [], refusals: [String] = []
        for code in order {
            let nodes = iterations[code] ?? []
            let type = nodes.first?.type
            guard pinSet.contains(code) || (Self.isDataStep(type) && !liveSet.contains(code)) else {
                if liveSet.contains(code) { liveRecorded.append(code) }
                continue
            }
            if nodes.contains(where: { ["ERROR", "FAILED"].contains(($0.status ?? "").uppercased()) || $0.error != nil
                                        || $0.output.map(StepResult.saysFailed) == true }) {
                refusals.append("\(code) failed in the recording: it has no output to pin")
                continue
            }
            // What the step answered, as a pin carries it: a streamed step's output is unwrapped.
            let outputs = Set(nodes.map { $0.output.flatMap(StepResult.unwrapped) })
            guard outputs.count == 1, let output = outputs.first ?? nil else {
                refusals.append(outputs.count > 1 ? "\(code) gave \(outputs.count) different outputs over its \(nodes.count) iterations: a pin holds one"
                                : "\(code) recorded no output")
                continue
            }
            if output.hasSuffix(".....") {
                refusals.append("\(code)'s recorded output was cut short by the pod (it ends in '.....'): pinned, it would not be the step's output")
                continue
            }
            if output.utf8.count > maximumPinBytes {
                refusals.append("\(code)'s recorded output is \(TextFormat.bytes(Int64(output.utf8.count))), more than a pin may be (\(TextFormat.bytes(Int64(maximumPinBytes))); --max-pin-bytes raises it)")
                continue
            }
            overrides[code] = .object(["output": .object(["success": .bool(true), "output": .string(output)])])
            pinned.append(code)
            recordedData[code] = .object(["nodeType": type.map { .string($0.uppercased()) } ?? .null,
                                          "input": Self.recorded(nodes.first?.input), "response": Self.recorded(output)])
        }
        // Another model for a step travels as the step's definition with its model changed.
        for (code, model) in models.sorted(by: { $0.key < $1.key }) {
            guard let definition else {
                throw .badInput("--model \(code)=\(model) sends the step's definition with its model changed, which takes the team's: pass --definition FILE.wf")
            }
            let type = definition.steps.first { $0.code == code }?.type ?? iterations[code]?.first?.type?.uppercased() ?? "?"
            guard Self.modelStepTypes.contains(type) else {
                throw .badInput("--model \(code)=\(model): \(code) is a \(type) step, which calls no model (an LLM or AGENT step does)")
            }
            guard let specification = definition.specification(of: code, withModel: model) else {
                throw .badInput("--model \(code)=\(model): the definition has no step \(code), so its changed definition cannot be sent")
            }
            overrides[code] = .object(["spec": specification])
        }
        if let first = refusals.first {
            let more = refusals.count > 1 ? " (and \(refusals.count - 1) more)" : ""
            throw .badInput("cannot replay run \(run.jobId.prefix(8)) with its data pinned: \(first)\(more); --live CODE runs a step live instead")
        }
        // The data steps a new path may reach, stopped before unless they may run live.
        var stoppedBefore: [String] = []
        if !allowLive {
            guard let definition else {
                throw .badInput("a replay stops before any data step the recording never reached, which takes the team's definition: "
                                + "pass --definition FILE.wf (exported from AI Agent Studio), or --allow-live to let such steps run")
            }
            let recorded = Set(order)
            stoppedBefore = definition.steps.filter { Self.isDataStep($0.type) && !recorded.contains($0.code) && !liveSet.contains($0.code) }.map(\.code)
        }
        breakPoints = stoppedBefore
        stepsRun = order.filter { code in !(iterations[code]?.first.map(RunInsights.isBookend) ?? false) }
        summary = Summary(pinned: pinned, live: liveRecorded + live.filter { iterations[$0] == nil },
                          stoppedBefore: stoppedBefore, allowLive: allowLive, models: models.isEmpty ? nil : models)
    }
}

extension ReplayPlan {
    /// The recorded run as a test file of Oracle's AI Agent Studio CLI: the team, the input, the
    /// path it took as assertions (the steps it ran must run again; the data steps it never reached,
    /// with a definition, must not), and the recorded outputs of its data steps as `testData`,
    /// which a replay pins. `status` is the version status the data was recorded on.
    public func oracleTestFile(name: String, team: String, message: String, parameters: [String: String], status: String) -> JSONValue {
        var path: [String: JSONValue] = ["mustExecute": .array(stepsRun.map(JSONValue.string))]
        if !summary.stoppedBefore.isEmpty { path["mustNotExecute"] = .array(summary.stoppedBefore.map(JSONValue.string)) }
        return .object([
            "testName": .string(name),
            "workflow": .object(["workflowCode": .string(team)]),
            "input": .object([
                "message": .string(message),
                "parameters": .object(parameters.mapValues(JSONValue.string)),
                "singleTurnOnly": .bool(true),
            ]),
            "pathAssertions": .object(path),
            "testData": .object(["status": .string(status), "nodes": .object(recordedData)]),
        ])
    }
}
