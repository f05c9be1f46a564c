import Foundation

/// A team's definition as AI Agent Studio exports it (a `.wf` file): its code and every step it
/// may run, by code and type, wherever the step sits (the pipeline, a branch, a loop's body).
///
/// What a replay needs is read: the steps a run could reach, so that one it never reached can be
/// stopped before, and each step's whole definition as the file holds it, so that one can be sent
/// changed (`debugParams.overrides[CODE].spec`, as a model change travels).
public struct TeamDefinition: Sendable, Equatable {
    /// One step the team may run.
    public struct Step: Sendable, Equatable {
        public var code: String
        public var type: String
    }

    public var workflowCode: String?
    /// The version the file holds, when it says.
    public var version: Int?
    /// DRAFT or PUBLISHED, when the file says.
    public var status: String?
    /// The steps, each code once.
    public var steps: [Step]
    /// Each step's definition as the file holds it (its inputs, metadata, outcomes), by code.
    public var specifications: [String: JSONValue]

    public init(workflowCode: String?, version: Int? = nil, status: String? = nil, steps: [Step],
                specifications: [String: JSONValue] = [:]) {
        self.workflowCode = workflowCode
        self.version = version
        self.status = status
        self.steps = steps
        self.specifications = specifications
    }

    /// The step's definition with its model replaced: `metadata.modelConfiguration.modelName`
    /// set to `model`, the configuration's other keys kept (the key is inferred from the name a
    /// step's model call reports, `modelName`). `nil` when the definition has no step `code`.
    public func specification(of code: String, withModel model: String) -> JSONValue? {
        guard case .object(var step)? = specifications[code] else { return nil }
        var metadata = step["metadata"]?.objectValue ?? [:]
        var configuration = metadata["modelConfiguration"]?.objectValue ?? [:]
        configuration["modelName"] = .string(model)
        metadata["modelConfiguration"] = .object(configuration)
        step["metadata"] = .object(metadata)
        return .object(step)
    }

    /// Reads a `.wf` file's text; `origin` names it in errors.
    public init(data: Data, origin: String) throws(TracedeskError) {
        guard let value = JSONValue(parsing: data), value.objectValue != nil else {
            throw .badInput("\(origin): not a team definition (a .wf file is one JSON object)")
        }
        guard let specification = value["specification"], specification.objectValue != nil else {
            throw .badInput("\(origin): not a team definition: it has no \"specification\" (export the team from AI Agent Studio)")
        }
        var steps: [Step] = []
        var specifications: [String: JSONValue] = [:]
        var seen: Set<String> = []
        // Depth first, in the file's order: a step is any object with a string code and type.
        var stack: [JSONValue] = [specification]
        while let next = stack.popLast() {
            switch next {
            case .object(let members):
                if let code = members["code"]?.stringValue, let type = members["type"]?.stringValue, !code.isEmpty,
                   seen.insert(code).inserted {
                    steps.append(Step(code: code, type: type.uppercased()))
                    specifications[code] = next
                }
                stack += members.keys.sorted().reversed().compactMap { members[$0] }
            case .array(let items):
                stack += items.reversed()
            default:
                break
            }
        }
        guard !steps.isEmpty else { throw .badInput("\(origin): a team definition with no steps") }
        self.init(workflowCode: value["workflowCode"]?.stringValue, version: value["version"]?.intValue,
                  status: value["status"]?.stringValue?.uppercased(), steps: steps, specifications: specifications)
    }
}
