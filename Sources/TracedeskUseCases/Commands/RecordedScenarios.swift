import Foundation
import FusionSimulator
import TracedeskHistory
import TracedeskModel

/// Recorded runs as the simulator's teams (`simulator --replay`): each run becomes a version of
/// its team that takes the recorded steps, with their types, times, models, tokens, inputs and
/// outputs, and ends with the recorded answer, chunks and citations, or the recorded failure.
///
/// A user's real session thereby becomes something anyone can run without the pod: the same
/// team, version and message poll or stream as they did (times scaled by `--speed`), and a
/// replay's pins and breakpoints act as on a pod. A team called by a step is not run again: the
/// step answers with the run's body as recorded.
enum RecordedScenarios {
    /// Scenario files, one per team, of `runs` (the first run of a version and status wins).
    static func scenarios(of runs: [RunDetails]) -> [(origin: String, data: Data)] {
        var teams: [String: [String: Any]] = [:]
        var order: [String] = []
        var taken: Set<String> = []
        for details in runs {
            let run = details.run
            guard let team = run.teamCode ?? run.workflowCode else { continue }
            let status = (run.versionStatus ?? "PUBLISHED").uppercased() == "DRAFT" ? "DRAFT" : "PUBLISHED"
            let version = run.version ?? (status == "DRAFT" ? 2 : 1)
            guard taken.insert("\(team) \(version) \(status)").inserted else { continue }
            if teams[team] == nil {
                order.append(team)
                var scenario: [String: Any] = ["team": team, "versions": [[String: Any]]()]
                if let name = run.workflowName { scenario["name"] = name }
                if let architecture = run.architecture { scenario["architecture"] = architecture }
                teams[team] = scenario
            }
            var versions = teams[team]?["versions"] as? [[String: Any]] ?? []
            versions.append(self.version(of: details, number: version, status: status))
            teams[team]?["versions"] = versions
        }
        return order.compactMap { team in
            guard let scenario = teams[team],
                  let data = try? JSONSerialization.data(withJSONObject: scenario, options: [.sortedKeys]) else { return nil }
            return ("recorded team \(team)", data)
        }
    }

    /// One recorded run as a version of its team.
    static func version(of details: RunDetails, number: Int, status: String) -> [String: Any] {
        let nodes = details.nodes
        var children: [Int: [Int]] = [:]
        var roots: [Int] = []
        var index: [Int: Int] = [:]
        for (offset, node) in nodes.enumerated() {
            index[node.position] = offset
            if let parent = node.parentPosition, let up = index[parent] { children[up, default: []].append(offset) } else { roots.append(offset) }
        }
        // Iterative, bottom-up: a step is written once the steps under it are.
        var written: [Int: [String: Any]] = [:]
        for offset in nodes.indices.reversed() {
            let node = nodes[offset]
            var step: [String: Any] = ["code": node.code ?? "STEP_\(node.position + 1)", "type": (node.type ?? "CODE").uppercased()]
            if let name = node.name { step["name"] = name }
            if let input = node.input { step["inputText"] = input }
            // The prompt the step sent, role by role, as the simulator draws an LLM call's.
            if let call = details.calls(ofStepAt: node.position).first {
                var prompt: [String: String] = [:]
                for message in call.messages where ["SYSTEM", "USER"].contains(message.role) {
                    let key = message.role == "SYSTEM" ? "system" : "user"
                    prompt[key] = prompt[key].map { $0 + "\n" + message.text } ?? message.text
                }
                if !prompt.isEmpty { step["prompt"] = prompt }
                if let type = call.modelType { step["modelType"] = type }
            }
            if let output = node.output { step["output"] = output }
            if let model = node.model { step["model"] = model }
            let tokens = node.displayTokens
            if node.nestedJobId == nil, tokens.input + tokens.output > 0, node.model != nil || ReplayPlan.modelStepTypes.contains(node.type?.uppercased() ?? "") {
                step["tokens"] = ["input": tokens.input, "output": tokens.output]
            }
            let inner = (children[offset] ?? []).compactMap { written[$0] }
            // A called team's steps are its run's, answered by the step's recorded output.
            if node.nestedJobId == nil, node.type?.uppercased() != "WORKFLOW", !inner.isEmpty {
                step["children"] = inner
                // A container's own time comes after its steps': from the last one's end to its own.
                let lastEnd = (children[offset] ?? []).compactMap { nodes[$0].endedAt }.max()
                if let end = node.endedAt, let lastEnd { step["durationMs"] = max(0, end - lastEnd) }
            } else if let duration = node.durationMs {
                step["durationMs"] = max(0, duration)
            }
            if node.failed { step["fails"] = node.error ?? "failed in the recording" }
            switch node.type?.uppercased() {
            case "HUMAN":
                step["wait"] = ["kind": "human", "channel": "CHAT", "message": details.run.waitingSummary ?? "Approve \(node.label)?",
                                "actions": ["APPROVE_ACTION", "REJECT_ACTION", "RFI_ACTION"]]
            case "WAIT":
                step["wait"] = ["kind": "timer", "durationMs": max(1, node.durationMs ?? 1)]
            default:
                break
            }
            written[offset] = step
        }
        var version: [String: Any] = ["version": number, "status": status, "steps": roots.compactMap { written[$0] }]
        if let output = details.run.output { version["output"] = output }
        if !details.run.followUpQuestions.isEmpty { version["followUpQuestions"] = details.run.followUpQuestions }
        if let error = details.run.error, !nodes.contains(where: \.failed) {
            version["error"] = ["code": "FAI-50021", "message": error]
        }
        if let start = details.run.startedAt, let first = nodes.compactMap(\.startedAt).min(), first >= start {
            version["startDelayMs"] = first - start
        }
        func documents(_ items: [DocumentReferenceRecord]) -> [[String: Any]] {
            items.map { item in
                var document: [String: Any] = [:]
                if let title = item.title { document["title"] = title }
                if let source = item.source { document["source"] = source }
                if let score = item.score { document["score"] = score }
                if let text = item.text { document["text"] = text }
                if let page = item.page.flatMap({ Int($0) }) { document["page"] = page }
                return document
            }
        }
        if !details.chunks.isEmpty { version["supportingChunks"] = documents(details.chunks) }
        if !details.citations.isEmpty { version["citations"] = documents(details.citations) }
        return version
    }
}
