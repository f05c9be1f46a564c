import ArgumentParser
import Foundation
import TracedeskModel
import TracedeskClient
import TracedeskUseCases

/// `--pod`, `--api`, `--profile` and friends, shared by every command that calls a pod.
struct PodOptions: ParsableArguments {
    @Option(help: ArgumentHelp(PodSetting.pod.help + " Default: $TRACEDESK_POD, else the profile's.", valueName: "url"))
    var pod: String?

    @Option(help: ArgumentHelp(PodSetting.api.help, valueName: "v1|v2"))
    var api: String?

    @Option(help: ArgumentHelp("A profile of $XDG_CONFIG_HOME/tracedesk/config.toml (default: its 'default').", valueName: "name"))
    var profile: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Retries of a failed call (5xx, 429, network) before giving up, with backoff.", valueName: "n"))
    var retries: Int = 5

    @Option(help: ArgumentHelp("A PEM bundle of CA certificates to trust besides the system's (a private CA); TLS is always verified.", valueName: "file"),
            completion: .file(extensions: ["pem", "crt"]))
    var cacert: String?

    @Option(help: ArgumentHelp("Save every HTTP exchange in this folder (no Authorization header, secrets redacted); tracedesk import reads them.", valueName: "dir"),
            completion: .directory)
    var record: String?

    @Option(help: ArgumentHelp("The largest answer accepted from the pod or the identity domain: 64M (the default), 512K, 1G, or bytes; a larger one fails the call.",
                               valueName: "size"))
    var maxBody = "64M"

    func validate() throws {
        guard (0...100).contains(retries) else { throw ValidationError("--retries takes 0 to 100, not \(retries)") }
        guard Self.bytes(maxBody) != nil else { throw ValidationError("--max-body takes a size from 1K to 4G, such as 64M or 512K, not '\(maxBody)'") }
    }

    /// A size with an optional K, M or G suffix (powers of 1,024), from 1 KiB to 4 GiB.
    static func bytes(_ text: String) -> Int? {
        let upper = text.trimmingCharacters(in: .whitespaces).uppercased()
        let shifts: [Character: Int] = ["K": 10, "M": 20, "G": 30]
        var digits = Substring(upper)
        var shift = 0
        if let last = digits.last, let value = shifts[last] {
            shift = value
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let number = Int(digits), number > 0, number <= (4 << 30) >> shift else { return nil }
        let bytes = number << shift
        return (1 << 10...4 << 30).contains(bytes) ? bytes : nil
    }
}

/// How to authenticate: a token, or an OAuth client. Secrets only from files or the environment.
/// Each option is a `PodSetting`, which also names its variable and profile key.
struct AuthOptions: ParsableArguments {
    @Option(help: ArgumentHelp(PodSetting.tokenFile.help, valueName: "path"))
    var tokenFile: String?

    @Option(help: ArgumentHelp(PodSetting.tokenURL.help, valueName: "url"))
    var tokenURL: String?

    @Option(help: ArgumentHelp(PodSetting.clientId.help, valueName: "id"))
    var clientId: String?

    @Option(help: ArgumentHelp(PodSetting.scope.help, valueName: "scope"))
    var scope: String?

    @Option(help: ArgumentHelp(PodSetting.grant.help, valueName: "grant"))
    var grant: String?

    @Option(parsing: .unconditional, help: ArgumentHelp(PodSetting.redirectPort.help, valueName: "port"))
    var redirectPort: Int?

    @Option(help: ArgumentHelp(PodSetting.user.help, valueName: "name"))
    var user: String?

    @Option(help: ArgumentHelp(PodSetting.clientSecretFile.help, valueName: "path"))
    var clientSecretFile: String?

    @Option(help: ArgumentHelp(PodSetting.passwordFile.help, valueName: "path"))
    var passwordFile: String?

    @Option(help: ArgumentHelp(PodSetting.refreshTokenFile.help, valueName: "path"))
    var refreshTokenFile: String?

    @Option(help: ArgumentHelp(PodSetting.privateKey.help, valueName: "path"))
    var privateKey: String?

    @Option(help: ArgumentHelp(PodSetting.keyId.help, valueName: "kid"))
    var keyId: String?

    var flags: [PodSetting: String] {
        let values: [PodSetting: String?] = [
            .tokenFile: tokenFile, .tokenURL: tokenURL, .clientId: clientId, .scope: scope, .grant: grant,
            .redirectPort: redirectPort.map(String.init), .user: user, .clientSecretFile: clientSecretFile,
            .passwordFile: passwordFile, .refreshTokenFile: refreshTokenFile, .privateKey: privateKey, .keyId: keyId,
        ]
        return values.compactMapValues { $0 }
    }
}

/// The pod options and the sign-in options together, as one `PodAccess`; `timeout` bounds the
/// whole command (`--timeout` of the commands that follow a run).
func podAccess(_ pod: PodOptions, _ auth: AuthOptions, timeout: Duration? = nil) -> PodAccess {
    var flags = auth.flags
    if let url = pod.pod { flags[.pod] = url }
    if let api = pod.api { flags[.api] = api }
    return PodAccess(flags: flags, profile: pod.profile, retries: pod.retries, caBundle: pod.cacert, recordFolder: pod.record,
                     maximumBodyBytes: PodOptions.bytes(pod.maxBody) ?? NetworkTransport.defaultMaximumBodyBytes, timeout: timeout)
}

/// `podAccess` with its recording redacted by `redaction` (`--record DIR --redact`), or by the
/// configuration's rules when they redact at record.
func podAccess(_ pod: PodOptions, _ auth: AuthOptions, timeout: Duration? = nil, redaction: RedactionRules?,
               in context: CommandContext) throws(TracedeskError) -> PodAccess {
    var access = podAccess(pod, auth, timeout: timeout)
    guard pod.record != nil else { return access }
    var rules = redaction
    if rules == nil { rules = try RedactionSettings.forRecording(profile: pod.profile, environment: context.environment) }
    if let rules { access.recordRedactor = try Redactor(rules: rules) }
    return access
}
