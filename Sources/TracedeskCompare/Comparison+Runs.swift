import Foundation
import TracedeskHistory
import TracedeskModel

extension Comparison {
    /// Two recorded runs as a comparison of one prompt, for `tracedesk diff`.
    public static func of(_ a: RunDetails, _ b: RunDetails) -> Comparison {
        func outcome(_ run: RunRecord) -> RunOutcome {
            RunOutcome(repetition: 1, jobId: run.jobId, status: run.status.rawValue, timeTakenMs: run.timeTakenMs, tokens: run.tokens?.total,
                       checks: [], output: run.output)
        }
        func spec(_ run: RunRecord) -> String {
            let text = [run.versionStatus, run.version.map { String($0) }].compactMap { $0 }.joined(separator: ":")
            return text.isEmpty ? run.jobId : text
        }
        let prompt = PromptSuite.Prompt(label: a.run.message == b.run.message ? nil : "two runs", message: a.run.message ?? b.run.message ?? "")
        let result = PromptResult(index: 0, prompt: prompt, a: SideResult(spec: spec(a.run), runs: [outcome(a.run)]),
                                  b: SideResult(spec: spec(b.run), runs: [outcome(b.run)]), diff: RunDiff(a: a, b: b), thresholds: Thresholds())
        let team = a.run.teamCode == b.run.teamCode ? a.run.teamCode ?? "?" : "\(a.run.teamCode ?? "?") / \(b.run.teamCode ?? "?")"
        return Comparison(id: nil, team: team, baseline: spec(a.run), candidate: spec(b.run), suite: nil, repeats: 1,
                          thresholds: Thresholds(), prompts: [result])
    }
}
