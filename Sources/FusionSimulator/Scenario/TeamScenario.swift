import Foundation

/// One scripted team of the simulated pod: a file of `samples/scenarios/`.
///
/// A team has versions, each DRAFT or PUBLISHED, each with the steps it takes. Texts may draw on
/// the request: `{{message}}`, `{{parameters.NAME}}`, `{{feedback}}` (what a human answered at a
/// HUMAN step) and `{{turn}}` (the turn of the conversation, from 1). `docs/scenarios.md`
/// documents the format.
public struct TeamScenario: Codable, Sendable {
    public var team: String
    public var name: String?
    /// `data_pipeline` for a workflow team, `supervisor` for a supervisor team.
    public var architecture: String?
    public var versions: [VersionScenario]
    /// Faults this team's calls meet, in order (see `FaultRule`).
    public var faults: [FaultRule]?
}

/// A saved version of a team, DRAFT or PUBLISHED, and how it runs.
public struct VersionScenario: Codable, Sendable {
    public var version: Int
    /// `PUBLISHED` or `DRAFT`.
    public var status: String
    public var steps: [StepScenario]
    /// The final answer, a template.
    public var output: String?
    /// When set, the run ends in ERROR with this error once its steps are done.
    public var error: ErrorScenario?
    public var followUpQuestions: [String]?
    public var supportingChunks: [DocumentScenario]?
    public var citations: [DocumentScenario]?
    /// Milliseconds between the request and the first step (queueing on the pod).
    public var startDelayMs: Int?
    /// How runs of this version differ from one another, as a model's runs do; none when absent.
    public var variation: VariationScenario?
    /// Answers to particular questions: the first whose `when` the message contains is given.
    public var answers: [AnswerScenario]?
}

/// How a version answers a particular question: a prompt that contains `when` (in any case)
/// gets this answer, and its steps take longer or shorter and spend more or fewer tokens.
public struct AnswerScenario: Codable, Sendable {
    public var when: String
    /// The final answer (a template); the version's `output` when absent.
    public var output: String?
    /// Outputs of particular steps, by step code.
    public var stepOutputs: [String: PodJSON]?
    /// Every step's duration times this.
    public var durationScale: Double?
    /// Every LLM call's tokens times this.
    public var tokenScale: Double?
}

extension VersionScenario {
    /// The request parameters this version's texts use (`{{parameters.NAME}}`): a request
    /// without one of them is refused, as a team with a required input is.
    public var parameterNames: Set<String> {
        guard let data = try? JSONEncoder().encode(self) else { return [] }
        let text = String(decoding: data, as: UTF8.self)
        var names: Set<String> = []
        var rest = text[...]
        while let open = rest.range(of: "{{parameters.") {
            rest = rest[open.upperBound...]
            guard let close = rest.range(of: "}}") else { break }
            names.insert(String(rest[..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return names
    }
}

/// Run-to-run differences, drawn once per job from the pod's seeded generator, so that repeats
/// of one prompt differ the way a real team's do (and a given seed still gives the same runs).
public struct VariationScenario: Codable, Sendable {
    /// Each step's duration is scaled by a factor within 1 ± this (0.15 for ±15%).
    public var durationSpread: Double?
    /// The run's token counts are scaled by one factor within 1 ± this.
    public var tokenSpread: Double?
    /// Other answers the version may give instead of `output`, each as likely.
    public var outputs: [String]?
}

/// One step of a run: a workflow node, or an agent of a supervisor team.
public struct StepScenario: Codable, Sendable {
    public var code: String
    public var name: String?
    /// START, LLM, TOOL, WORKFLOW, PARALLEL, LOOP, HUMAN, WAIT, AGENT, ...
    public var type: String
    /// The step's own time; a step with children also lasts as long as they do.
    public var durationMs: Int?
    public var tokens: TokenScenario?
    public var model: String?
    /// For an LLM step: the messages it sent the model, reported in `nodeStepInfo.details`.
    public var prompt: PromptScenario?
    public var input: PodJSON?
    /// The step's input as a recorded run received it, sent as it is (no template is filled):
    /// what `simulator --replay` gives a step, in place of `input`.
    public var inputText: String?
    /// The step's output; strings are templates.
    public var output: PodJSON?
    /// Steps inside this one: run one after another, or all at once for a PARALLEL step.
    public var children: [StepScenario]?
    /// Repeat this step so many times (codes get `_1`, `_2`... suffixes): for LOOP bodies and large runs.
    public var `repeat`: Int?
    /// For a WORKFLOW step: the team it calls. Its output is that run's whole status body.
    public var calls: CallScenario?
    /// For a HUMAN or WAIT step: what the run waits for.
    public var wait: WaitScenario?
    /// When set, the step fails with this message and the run ends in ERROR.
    public var fails: String?
    /// For an LLM step: the model's type, which AI units are billed by (PREMIUM, STANDARD, BASIC;
    /// else the pod's model-type map decides).
    public var modelType: String?
    /// Set when `repeat` unrolls a step: the code it was written with, and its iteration from 0
    /// (a LOOP's `loopIndex` in a debug stream). Not written in scenario files.
    public var baseCode: String?
    public var iteration: Int?
}

/// What an LLM step asks its model: a system prompt and a user message (templates).
public struct PromptScenario: Codable, Sendable {
    public var system: String?
    public var user: String?
}

/// Token counts of an LLM call: Oracle's (billed) input and output, and the hidden reasoning
/// tokens the provider reports besides (its own counts then differ from Oracle's, as seen live).
public struct TokenScenario: Codable, Sendable {
    public var input: Int
    public var output: Int
    public var reasoning: Int?

    public init(input: Int, output: Int, reasoning: Int? = nil) {
        self.input = input
        self.output = output
        self.reasoning = reasoning
    }
}

/// The team a WORKFLOW step calls, and which of its versions.
public struct CallScenario: Codable, Sendable {
    public var team: String
    public var version: Int?
    public var status: String?
}

/// A pause: a human to answer (HUMAN) or a set time (WAIT).
public struct WaitScenario: Codable, Sendable {
    /// `human` waits for a resuming invokeAsync; `timer` waits `durationMs` with no one.
    public var kind: String
    /// CHAT, EMAIL or APPROVAL_PROCESS, for a human.
    public var channel: String?
    public var message: String?
    public var actions: [String]?
    public var durationMs: Int?
    /// The final answer when the human rejects (the run then ends COMPLETE with it).
    public var rejectedOutput: String?
    /// How many rounds a person may ask for changes in (RFI_ACTION), the first included (3 unless given).
    public var maxIterations: Int?
    /// What the person is told after asking for changes, and when no round is left.
    public var requestChangeMessage: String?
    public var maxIterationMessage: String?
}

/// The error a run ends with.
public struct ErrorScenario: Codable, Sendable {
    public var code: String?
    public var title: String?
    public var message: String
}

/// A supporting chunk or citation a document tool returns.
public struct DocumentScenario: Codable, Sendable {
    public var title: String?
    public var source: String?
    public var score: Double?
    public var text: String?
    public var page: Int?
    /// Repeat this item so many times (for large runs).
    public var `repeat`: Int?
}
