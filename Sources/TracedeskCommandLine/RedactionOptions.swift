import ArgumentParser
import TracedeskClient
import TracedeskModel
import TracedeskUseCases

/// `--redact` and `--redact-rules FILE`, shared by every command that writes a run out.
struct RedactionOptions: ParsableArguments {
    @Flag(help: ArgumentHelp("Replace personal and secret values by stable pseudonyms («email-3»): the [redact] rules of config.toml, else every built-in detector (docs/redaction.md)."))
    var redact = false

    @Option(help: ArgumentHelp("Redact by the [redact] table of this TOML file too (implies --redact).", valueName: "file"),
            completion: .file(extensions: ["toml"]))
    var redactRules: String?

    /// The rules to apply, or `nil` when the output is not redacted.
    func rules(profile: String? = nil, in context: CommandContext) throws(TracedeskError) -> RedactionRules? {
        try RedactionSettings.forOutput(redact: redact, profile: profile, rulesFile: redactRules.map(context.absolutePath),
                                        environment: context.environment)
    }
}
