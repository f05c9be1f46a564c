import Foundation
import TracedeskHistory
import TracedeskModel

extension Comparison {
    /// Two recorded runs as a comparison of one prompt, for `tracedesk diff`.
    /// Said when two runs diffed were not asked the same thing: their answers are bound to differ.
    public static func differentPrompts(_ a: RunRecord, _ b: RunRecord) -> String? {
        guard a.message != b.message else { return nil }
        return "The two runs were asked different prompts: A “\(TextFormat.snippet(a.message ?? "", width: 80))”, "
            + "B “\(TextFormat.snippet(b.message ?? "", width: 80))”"
    }

    public static func of(_ a: RunDetails, _ b: RunDetails) -> Comparison {
        func outcome(_ run: RunRecord) -> RunOutcome {
            var outcome = RunOutcome(repetition: 1, jobId: run.jobId, status: run.status.rawValue, timeTakenMs: run.timeTakenMs,
                                     tokens: run.tokens?.total, checks: [], output: run.output)
            outcome.aiUnits = run.aiUnits
            outcome.version = run.version
            return outcome
        }
        func spec(_ run: RunRecord) -> String {
            let text = [run.versionStatus, run.version.map { String($0) }].compactMap { $0 }.joined(separator: ":")
            return text.isEmpty ? run.jobId : text
        }
        let prompt = PromptSuite.Prompt(label: a.run.message == b.run.message ? nil : "two runs", message: a.run.message ?? b.run.message ?? "")
        var result = PromptResult(index: 0, prompt: prompt, a: SideResult(spec: spec(a.run), runs: [outcome(a.run)]),
                                  b: SideResult(spec: spec(b.run), runs: [outcome(b.run)]), diff: RunDiff(a: a, b: b, pinned: RunDiff.pinned(a.run, b.run)), thresholds: Thresholds())
        if let note = differentPrompts(a.run, b.run) { result.notes.insert(note, at: 0) }
        let team = a.run.teamCode == b.run.teamCode ? a.run.teamCode ?? "?" : "\(a.run.teamCode ?? "?") / \(b.run.teamCode ?? "?")"
        return Comparison(id: nil, team: team, baseline: spec(a.run), candidate: spec(b.run), suite: nil, repeats: 1,
                          thresholds: Thresholds(), prompts: [result])
    }
}
