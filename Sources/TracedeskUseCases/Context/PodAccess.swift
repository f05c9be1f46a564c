import Foundation
import TracedeskClient
import TracedeskHistory
import TracedeskModel

/// How a command reaches a pod: the pod settings given as flags (`PodSetting`), the profile to
/// fall back on, retries, a private CA, and whether to record every exchange.
public struct PodAccess: Sendable {
    /// Settings given as flags.
    public var flags: [PodSetting: String]
    /// `--profile`: a profile of `config.toml` (else its `default`, if any).
    public var profile: String?
    /// Retries of a failed call (5xx, 429, network) before giving up.
    public var retries: Int
    /// `--cacert`: a PEM bundle of CA certificates to trust besides the system's.
    public var caBundle: String?
    /// `--record`: save every HTTP exchange in this folder.
    public var recordFolder: String?
    /// `--max-body`: the largest answer accepted.
    public var maximumBodyBytes: Int
    /// `--timeout`: the whole command, every call and wait included, ends by then.
    public var timeout: Duration?
    /// `--record DIR --redact` (or `[redact] at = "record"`): the recording's bodies are redacted
    /// by it; one redactor for the command, so that its files share their pseudonyms.
    public var recordRedactor: Redactor?

    public init(flags: [PodSetting: String] = [:], profile: String? = nil, retries: Int = 5, caBundle: String? = nil,
                recordFolder: String? = nil, maximumBodyBytes: Int = NetworkTransport.defaultMaximumBodyBytes, timeout: Duration? = nil) {
        self.flags = flags
        self.profile = profile
        self.retries = retries
        self.caBundle = caBundle
        self.recordFolder = recordFolder
        self.maximumBodyBytes = maximumBodyBytes
        self.timeout = timeout
    }

    /// The settings of flags, environment and profile together.
    public func settings(in context: CommandContext) throws(TracedeskError) -> PodSettings {
        PodSettings(flags: flags, environment: context.environment,
                    profile: try Profile.load(named: profile, environment: context.environment))
    }

    /// The transport for pod and token calls: redirects followed only to the same origin, every
    /// call within the deadline, every exchange recorded when asked.
    public func transport(in context: CommandContext, deadline: Deadline? = nil) throws(TracedeskError) -> any HTTPTransport {
        var transport = try context.transports.make(
            .init(caBundle: caBundle.map(context.absolutePath), maximumBodyBytes: maximumBodyBytes), context.environment)
        if let recordFolder {
            let errors = context.errors
            transport = try RecordingTransport(inner: transport, folder: URL(fileURLWithPath: context.absolutePath(recordFolder)),
                                               now: context.clock.now, redactor: recordRedactor, onWriteFailure: { try? errors.write("tracedesk: warning: \($0)\n") })
        }
        if let deadline { transport = DeadlineTransport(inner: transport, deadline: deadline) }
        return RedirectPolicy(inner: transport)
    }

    /// These settings for following a run already recorded: its own pod and API version unless
    /// flags say otherwise (not `$TRACEDESK_POD` or the profile's, which may name another pod
    /// since), and a note when they differ from what is configured. An imported run is followed
    /// on the configured pod: its recorded one came from a capture.
    public func following(_ run: RunRecord, in context: CommandContext) throws(TracedeskError) -> (access: PodAccess, note: String?) {
        var access = self
        var notes: [String] = []
        let configured = try settings(in: context)
        // Only a pod this machine followed the run on is used again: an imported run's pod is what
        // a capture says, and a crafted one must not receive this machine's token.
        if flags[.pod] == nil, let pod = run.pod {
            if run.source.isFollowed {
                if let other = configured.value(.pod), other != pod { notes.append("the pod it was recorded from, \(pod) (not \(other))") }
                access.flags[.pod] = pod
            } else if let other = configured.value(.pod), other != pod {
                notes.append("the configured pod \(other) (the run was imported from a capture of \(pod), which is not followed without --pod)")
            }
        }
        if flags[.api] == nil, let api = run.api {
            if let other = configured.value(.api), other != api { notes.append("API \(api), as recorded (not \(other))") }
            access.flags[.api] = api
        }
        return (access, notes.isEmpty ? nil : "following run \(run.jobId.prefix(8)) on " + notes.joined(separator: " and ") + "; --pod or --api choose otherwise")
    }

    /// The deadline of `--timeout`, from now.
    public func deadline(in context: CommandContext) -> Deadline? {
        timeout.map { Deadline(after: $0, clock: context.clock) }
    }

    /// The token provider for `pod`, with the token cache of this environment.
    public func tokenProvider(settings: PodSettings, pod: URL, transport: any HTTPTransport,
                              in context: CommandContext) throws(TracedeskError) -> any TokenProvider {
        let errors = context.errors
        return try settings.tokenProvider(pod: pod, transport: transport, cache: TokenCache(folder: context.paths.tokenCache)) { url in
            try? errors.write("tracedesk: sign in with a browser: open this URL (waiting up to 5 minutes for the redirect)\n  \(url.absoluteString)\n")
        }
    }

    /// A client for one team on the pod, authenticated.
    public func client(team: String, in context: CommandContext) throws(TracedeskError) -> AgentClient {
        guard retries >= 0 else { throw .badInput("--retries takes 0 or more") }
        let team = try TeamCode.validated(team)
        let settings = try settings(in: context)
        let pod = try settings.podURL()
        let deadline = deadline(in: context)
        let transport = try transport(in: context, deadline: deadline)
        var client = AgentClient(pod: pod, api: try settings.apiVersion(), team: team, transport: transport,
                                 tokens: try tokenProvider(settings: settings, pod: pod, transport: transport, in: context),
                                 retry: RetryPolicy(maxAttempts: min(retries, 1_000) + 1), clock: context.clock)
        client.deadline = deadline
        return client
    }
}
