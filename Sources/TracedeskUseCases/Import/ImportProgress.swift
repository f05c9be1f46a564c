import Foundation
import Synchronization
import TracedeskClient
import TracedeskModel

/// Progress of a long import on a terminal: bodies a second and runs so far, rewritten in place
/// four times a second once the import has lasted a second. Silent when standard error is not a
/// terminal, and for short imports.
final class ImportProgress: Sendable {
    private struct State {
        var lastShown: Int64 = 0
        var shown = false
    }

    private let output: TextOutput
    private let clock: PollingClock
    private let started: Int64
    private let state = Mutex(State())

    init(output: TextOutput, clock: PollingClock) {
        self.output = output
        self.clock = clock
        self.started = clock.now()
    }

    func show(_ progress: Importer.Progress) {
        guard output.isTerminal else { return }
        let now = clock.now()
        let elapsed = now - started
        state.withLock { state in
            guard elapsed >= 1000, now - state.lastShown >= 250 else { return }
            state.lastShown = now
            state.shown = true
            let rate = Double(progress.bodies) / (Double(elapsed) / 1000)
            try? output.writeControl("\r\u{1B}[2K")
            try? output.write("tracedesk: importing: \(TextFormat.count(Int64(progress.bodies))) bodies (\(TextFormat.count(Int64(rate)))/s), "
                              + "\(TextFormat.count(Int64(progress.runs))) runs, \(TextFormat.bytes(Int64(progress.bytes))) read")
        }
    }

    func finish() {
        state.withLock { state in
            if state.shown { try? output.writeControl("\r\u{1B}[2K") }
            state.shown = false
        }
    }

}
