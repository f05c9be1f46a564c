import Foundation
import Synchronization
import TracedeskClient
import TracedeskModel

/// Writes a followed run's progress to standard error: one line rewritten in place on a
/// terminal, plain lines elsewhere (only when something other than the clock changed), and what
/// a WAITING run waits for, once each time it changes.
///
/// Progress is a courtesy: a failure to write it (standard error closed) never stops following.
final class ProgressPrinter: Sendable {
    private struct State {
        var lastPlain = ""
        var lastWaiting: String?
        var waitingSince: Int64?
        var lineShown = false
    }

    private let team: String
    private let output: TextOutput
    private let quiet: Bool
    private let clock: PollingClock
    private let started: Int64
    private let state = Mutex(State())

    /// `since`: when the history first recorded the run, and `waitingSince`: when it began its
    /// current wait, so that following it again (`poll`) counts both from then, not from now.
    init(team: String, output: TextOutput, quiet: Bool, clock: PollingClock, since: Int64? = nil, waitingSince: Int64? = nil) {
        self.team = team
        self.output = output
        self.quiet = quiet
        self.clock = clock
        self.started = min(since ?? clock.now(), clock.now())
        state.withLock { $0.waitingSince = waitingSince }
    }

    func show(_ body: StatusBody) {
        guard !quiet else { return }
        let now = clock.now()
        state.withLock { state in
            var line = ProgressText.line(body, elapsed: .milliseconds(now - started))
            if body.status == .waiting {
                let since = min(state.waitingSince ?? now, now)
                state.waitingSince = since
                // A wait just seen has no length to tell yet ("waited 0 ms" says nothing).
                if now - since >= 1_000 { line += "  waited \(TextFormat.duration(now - since))" }
                let notice = ProgressText.waiting(body, team: team)
                if notice != state.lastWaiting {
                    clearLine(&state)
                    write(notice + "\n")
                    state.lastWaiting = notice
                }
            } else {
                state.lastWaiting = nil
                state.waitingSince = nil
            }
            if output.isTerminal {
                try? output.writeControl("\r\u{1B}[2K")
                write(line)
                state.lineShown = true
            } else {
                let key = ProgressText.signature(body)
                if key != state.lastPlain {
                    write(line + "\n")
                    state.lastPlain = key
                }
            }
        }
    }

    func note(_ text: String) {
        guard !quiet else { return }
        state.withLock { state in
            clearLine(&state)
            write("tracedesk: \(text)\n")
        }
    }

    func finish() {
        state.withLock { clearLine(&$0) }
    }

    private func clearLine(_ state: inout State) {
        if output.isTerminal && state.lineShown {
            try? output.writeControl("\r\u{1B}[2K")
            state.lineShown = false
        }
    }

    private func write(_ text: String) {
        try? output.write(text)
    }
}
