import Foundation
import Synchronization
import TracedeskClient
import TracedeskModel

/// Writes a streamed run's progress to standard error: a line when a step starts (for those
/// that take time) and one when it ends, with its type, time and tokens, indented by how deep
/// it is nested, each the moment its event arrives.
///
/// `  0.9 s  ▶ SUMMARISE_JOURNAL (LLM)` then `  3.0 s  ✓ SUMMARISE_JOURNAL (LLM)  2.1 s  950 in / 61 out`.
/// Progress is a courtesy: a failure to write it never stops following.
final class StreamProgressPrinter: Sendable {
    private let output: TextOutput
    private let quiet: Bool
    private let clock: PollingClock
    private let started: Int64
    private let depths = Mutex<[String: Int]>([:])

    init(output: TextOutput, quiet: Bool, clock: PollingClock) {
        self.output = output
        self.quiet = quiet
        self.clock = clock
        self.started = clock.now()
    }

    /// Instant steps say nothing when they start: their end comes in the same event.
    static let instantTypes: Set<String> = ["START", "END", "CODE", "SET_FIELDS", "CONDITION", "RETURN"]

    func show(_ event: StreamFollower.Event) {
        guard !quiet else { return }
        switch event {
        case .opened, .started:
            break
        case .stepStarted(let step):
            let depth = depth(of: step)
            guard !Self.instantTypes.contains(step.nodeType ?? "") else { return }
            write(line(mark: "▶", step: step, depth: depth, figures: []))
        case .stepEnded(let step):
            var figures: [String] = []
            if let duration = step.durationMs { figures.append(TextFormat.duration(duration)) }
            let tokens = step.tokens
            if !tokens.isZero { figures.append(TextFormat.tokens(tokens)) }
            if let error = step.error { figures.append("error: \(TextFormat.snippet(error, width: 80))") }
            if step.outputTruncated { figures.append("output cut short by the pod") }
            write(line(mark: step.failed ? "✗" : "✓", step: step, depth: depth(of: step), figures: figures))
        case .warning(let text):
            write("tracedesk: warning: \(text)")
        }
    }

    private func depth(of step: DebugStreamRun.Step) -> Int {
        depths.withLock { depths in
            let depth = step.parentCode.map { (depths[$0] ?? 0) + 1 } ?? 0
            depths[step.code] = depth
            return min(depth, 12)
        }
    }

    private func line(mark: String, step: DebugStreamRun.Step, depth: Int, figures: [String]) -> String {
        let elapsed = TextFormat.duration(clock.now() - started).spacePadded(to: 8)
        let loop = step.loopIndex.map { " [\($0)]" } ?? ""
        let name = "\(step.code)\(loop)" + (step.nodeType.map { " (\($0))" } ?? "")
        return ([elapsed + "  " + String(repeating: "  ", count: depth) + "\(mark) \(name)"] + figures).joined(separator: "  ")
    }

    private func write(_ text: String) {
        try? output.write(text + "\n")
    }
}

extension String {
    /// The string with spaces before it, to `width` characters.
    func spacePadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
