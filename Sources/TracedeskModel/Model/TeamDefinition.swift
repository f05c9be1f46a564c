import Foundation

/// A team's definition as AI Agent Studio exports it (a `.wf` file): its code and every step it
/// may run, by code and type, wherever the step sits (the pipeline, a branch, a loop's body).
///
/// Only what a replay needs is read: the steps a run could reach, so that one it never reached
/// can be stopped before. The rest of the definition (inputs, outcomes, layout) is left as it is.
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

    public init(workflowCode: String?, version: Int? = nil, status: String? = nil, steps: [Step]) {
        self.workflowCode = workflowCode
        self.version = version
        self.status = status
        self.steps = steps
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
        var seen: Set<String> = []
        // Depth first, in the file's order: a step is any object with a string code and type.
        var stack: [JSONValue] = [specification]
        while let next = stack.popLast() {
            switch next {
            case .object(let members):
                if let code = members["code"]?.stringValue, let type = members["type"]?.stringValue, !code.isEmpty,
                   seen.insert(code).inserted {
                    steps.append(Step(code: code, type: type.uppercased()))
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
                  status: value["status"]?.stringValue?.uppercased(), steps: steps)
    }
}
