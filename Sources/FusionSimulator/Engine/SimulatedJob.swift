import Crypto
import Foundation

/// A job of the simulated pod: what was asked, and the human answers it has received.
struct SimulatedJob: Sendable {
    var jobId: String
    var traceId: String
    var team: TeamScenario
    var version: VersionScenario
    var message: String
    var parameters: [String: String]
    var conversationId: String?
    var conversational: Bool
    var invocationMode: String
    var workflowId: String
    var turn: Int
    /// When the job was created, in epoch ms of the real clock (see `PodClock.jobOrigin()`).
    var createdAt: Int64
    /// The run clock's reading at creation: the job's time is `createdAt` plus the run clock's
    /// progress since, so a sped-up pod starts each job at the real time and only runs it faster.
    var clockStart: Int64
    var answers: [String: RunSchedule.Answer] = [:]
    /// Requests for changes (RFI_ACTION) each HUMAN step received, in order: each opens a new round.
    var rounds: [String: [RunSchedule.Answer]] = [:]
    /// The pins and breakpoints of a debug run.
    var debugging = RunSchedule.Debugging.none
    /// Callback tokens already used to resume: each suspension is resumed once.
    var usedTokens: Set<String> = []
    /// Started over `/debug` rather than `invokeAsync`.
    var streamed = false
    /// The events the job's debug streams have sent (instant and payload): a resumed stream
    /// sends only what its earlier streams did not, as a pod goes on from where it stopped.
    var sentEvents: Set<DebugStreamWriter.EventKey> = []
    /// Identities of nested runs, drawn once so that every poll shows the same ones.
    var nestedIdentities: [String: NestedIdentity] = [:]

    struct NestedIdentity: Sendable {
        var jobId: String
        var traceId: String
    }

    /// The job's instant now: its start on the real clock plus the run clock's progress since.
    func now(on clock: any PodClock) -> Int64 {
        let progress = clock.now() - clockStart
        return createdAt.addingReportingOverflow(progress).overflow ? .max : createdAt + progress
    }

    var startsAt: Int64 { createdAt + Int64(version.startDelayMs ?? 150) }

    func schedule(library: ScenarioLibrary) -> RunSchedule {
        RunSchedule(steps: version.steps, start: startsAt, answers: answers, rounds: rounds, debugging: debugging, library: library) { path in
            let identity = nestedIdentities[path]
            return (identity?.jobId ?? "\(jobId)-\(path)", identity?.traceId ?? traceId)
        }
    }

    /// The callback token of one suspension (a step's round): drawn from the job's identity, so
    /// every body and event shows the same one, and a new one for each round.
    func callbackToken(step code: String, round: Int) -> String {
        let digest = SHA256.hash(data: Data("\(jobId)|\(traceId)|\(code)|\(round)|tracedesk-simulator".utf8))
        return "cbt-" + digest.prefix(18).map { String(format: "%02x", $0) }.joined()
    }

    /// The paths of the WORKFLOW steps of this job's scenario, nested ones included.
    func workflowPaths(library: ScenarioLibrary) -> [String] {
        func walk(_ steps: [StepScenario], prefix: String) -> [String] {
            RunSchedule.expand(steps).flatMap { step -> [String] in
                var paths: [String] = []
                let path = prefix.isEmpty ? step.code : "\(prefix)/\(step.code)"
                if let call = step.calls, let version = library.version(of: call.team, number: call.version, status: call.status ?? "PUBLISHED") {
                    paths.append(path)
                    paths += walk(version.steps, prefix: path)
                }
                paths += walk(step.children ?? [], prefix: prefix)
                return paths
            }
        }
        return walk(version.steps, prefix: "")
    }

    /// Fills `{{message}}`, `{{parameters.NAME}}`, `{{feedback}}` and `{{turn}}` in a text.
    func fill(_ template: String) -> String {
        guard template.contains("{{") else { return template }
        var text = template.replacingOccurrences(of: "{{message}}", with: message)
            .replacingOccurrences(of: "{{turn}}", with: String(turn))
        let feedback = answers.values.sorted { $0.at < $1.at }.last?.feedback ?? ""
        text = text.replacingOccurrences(of: "{{feedback}}", with: feedback)
        for (name, value) in parameters {
            text = text.replacingOccurrences(of: "{{parameters.\(name)}}", with: value)
        }
        return text
    }

    func fill(_ json: PodJSON) -> PodJSON {
        switch json {
        case .string(let text): .string(fill(text))
        case .array(let items): .array(items.map(fill))
        case .object(let members): .object(members.map { ($0.0, fill($0.1)) })
        default: json
        }
    }
}
