import ArgumentParser
import Foundation
import TracedeskModel
import TracedeskUseCases

/// `tracedesk replay RUN`: run a recorded run again with its data steps pinned, and compare.
struct ReplayCommand: TracedeskCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run a recorded run again with the recorded outputs of its data steps pinned, and say how it differs.",
        discussion: """
            The replay goes over the debug stream, in the same team with the same message and \
            parameters, with the outputs the recording holds for its data steps (business objects, \
            REST, tools, document and vector readers, calls to other teams) pinned, so only its \
            reasoning steps (LLM, agents, code, conditions) run. Every data step of the team's \
            definition (--definition) that the recording never reached is a breakpoint: a replay \
            that takes a new path stops there instead of calling live systems, unless --allow-live. \
            The replay is recorded as a run of its own ('show' says what it replays) and compared \
            with its source at once.

            Examples:
              tracedesk replay c73c --definition product-comparison.wf
              tracedesk replay c73c --draft --definition product-comparison-draft.wf
              tracedesk replay c73c --allow-live --live GET_ITEM_M1000034
              tracedesk replay c73c --definition product-comparison.wf \\
                --model COMPARE_ITEMS=meta.llama-3.3-70b-instruct
            """
    )

    @OptionGroup var history: HistoryOptions
    @OptionGroup var podOptions: PodOptions
    @OptionGroup var auth: AuthOptions
    @OptionGroup var follow: FollowOptions

    @Argument(help: ArgumentHelp("The run to replay: a jobId, a prefix of one, or 'last'.", valueName: "run"),
              completion: .custom(HistoryOptions.completeRun))
    var run: String

    @Flag(help: "Replay on the DRAFT version.")
    var draft = false

    @Flag(help: "Replay on the PUBLISHED version (the default is the status the run had).")
    var published = false

    @Option(help: ArgumentHelp("The team's definition (a .wf file exported from AI Agent Studio): its data steps the recording never reached are stopped before.", valueName: "file"))
    var definition: String?

    @Flag(help: "Let data steps the recording never reached run live instead of stopping before them.")
    var allowLive = false

    @Option(name: .customLong("live"), help: ArgumentHelp("Run this recorded step live rather than pinned (repeatable).", valueName: "code"))
    var live: [String] = []

    @Option(name: .customLong("pin"), help: ArgumentHelp("Pin this step's recorded output too, whatever its type (repeatable).", valueName: "code"))
    var pin: [String] = []

    @Option(name: .customLong("model"), help: ArgumentHelp("Run this LLM or AGENT step with another model, CODE=MODEL (repeatable; needs --definition).", valueName: "code=model"))
    var models: [String] = []

    @Option(help: ArgumentHelp("The largest recorded output pinned, in bytes (Oracle's CLI refuses above about 3 KB).", valueName: "bytes"))
    var maxPinBytes = ReplayPlan.defaultMaximumPinBytes

    @Option(help: ArgumentHelp("Another message instead of the recorded one.", valueName: "text"))
    var message: String?

    @Option(name: .customLong("param"), help: ArgumentHelp("A parameter set over the recorded ones, NAME=VALUE (repeatable).", valueName: "name=value"))
    var parameters: [String] = []

    @Option(help: ArgumentHelp("A label to find the replay by later.", valueName: "text"))
    var label: String?

    @Option(help: ArgumentHelp("Write the run as an Oracle CLI test file instead (its data steps' recorded outputs as testData, its path as assertions); nothing is sent.",
                               valueName: "file"), completion: .file(extensions: ["json"]))
    var saveFixture: String?

    func validate() throws {
        try ParameterFlags.validate(parameters)
        try ParameterFlags.validate(models, option: "--model", form: "CODE=MODEL", emptyValue: false)
        if draft && published { throw ValidationError("--draft and --published choose one version: give one of them") }
        if maxPinBytes < 1 { throw ValidationError("--max-pin-bytes takes a positive number") }
        if let api = podOptions.api, api.lowercased() != "v2" {
            throw ValidationError("--api \(api) cannot replay: a replay goes over the debug stream, which is a v2 endpoint")
        }
        if let message, message.utf8.count > InvokeRequest.maximumMessageBytes {
            throw ValidationError("the message is longer than \(InvokeRequest.maximumMessageBytes >> 10) KiB")
        }
    }

    func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        let settings = try follow.settings(profile: podOptions.profile, in: context)
        let pod = try podAccess(podOptions, auth, timeout: settings.timeout, redaction: settings.redaction, in: context)
        var replay = ReplayRun(history: history.location, pod: pod,
                               follow: settings, run: run)
        replay.status = draft ? .draft : published ? .published : nil
        replay.message = message
        replay.parameters = ParameterFlags.values(parameters)
        replay.live = live
        replay.pin = pin
        replay.models = ParameterFlags.values(models)
        replay.definition = definition
        replay.allowLive = allowLive
        replay.maximumPinBytes = maxPinBytes
        replay.label = label
        replay.saveFixture = saveFixture
        return try await replay.run(in: context)
    }
}
