import ArgumentParser
import Foundation
import TracedeskCore
#if canImport(Glibc)
import Glibc
#endif

/// Follows a job to its end for `invoke`, `poll` and `resume`: progress on stderr, Ctrl-C handled,
/// the ending printed and turned into the exit code of DESIGN.md.
struct RunFollower {
    let team: String
    let jobId: String
    let poller: Poller
    let store: HistoryStore
    let json: Bool
    let quiet: Bool
    /// Where to write the run's report when following ends (`--report`), and from which templates.
    var reportPath: String? = nil
    var templates: String? = nil

    /// Polls to the end; returns normally only for COMPLETE.
    func follow(after first: ReceivedBody?) async throws {
        // Checked before polling, so that a wrong --templates does not surface after a long run.
        let templates = try templates.map { try ReportTemplates.overridden(by: $0) } ?? .embedded
        let progress = ProgressPrinter(team: team, live: isatty(STDERR_FILENO) != 0, quiet: quiet)
        if let first { progress.show(first.body) }
        let poller = self.poller
        let jobId = self.jobId
        let task = Task { () throws -> PollOutcome in
            try await poller.poll(jobId: jobId, after: first) { event in
                switch event {
                case .received(let received, _): progress.show(received.body)
                case .callFailed(let error, let retryIn): progress.note("\(error.message); trying again in \(TextFormat.duration(Int64(retryIn.components.seconds * 1000)))")
                }
            }
        }
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupt.setEventHandler { task.cancel() }
        interrupt.resume()
        defer {
            interrupt.cancel()
            signal(SIGINT, SIG_DFL)
        }

        let outcome: PollOutcome
        do {
            outcome = try await task.value
        } catch let error as TracedeskError {
            progress.finish()
            let hint = ProgressText.resumeHint(jobId: jobId, team: team)
            switch error.kind {
            case .interrupted:
                throw TracedeskError(.interrupted, "interrupted; everything received is recorded. \(hint)")
            case .timedOut, .podUnavailable:
                // The timeout is what the user must hear about; a report that cannot be written is a warning.
                do { try writeReport(templates: templates) } catch { Terminal.warning("no report written: \(error)") }
                throw TracedeskError(error.kind, "\(error.message); \(hint)")
            default:
                throw error
            }
        }
        progress.finish()
        let run = try store.run(jobId)
        try writeReport(templates: templates)
        switch outcome {
        case .stoppedWhileWaiting:
            // The progress printer has shown what the run waits for, unless it was told to be quiet.
            if quiet, let body = try store.latestSnapshot(of: run).flatMap({ try? StatusBody(data: Data($0.body.utf8)) }) {
                Terminal.error(ProgressText.waiting(body, team: team))
            }
            throw TracedeskError(.timedOut, "stopped while WAITING (--on-waiting stop); \(ProgressText.resumeHint(jobId: jobId, team: team))")
        case .finished(let status):
            try report(run)
            if status == .error { throw ExitCode(ExitStatus.runFailed) }
        }
    }

    /// Writes the run's report to `--report`, if asked, and says where on stderr.
    private func writeReport(templates: ReportTemplates) throws {
        guard let reportPath else { return }
        let path = try ReportFile.writeRunReport(of: store.run(jobId), from: store, to: reportPath, templates: templates)
        if !quiet { Terminal.error("report written to \(path)") }
    }

    private func report(_ run: RunRecord) throws {
        if json {
            try Terminal.write(Terminal.json(store.details(of: run)))
            return
        }
        var lines = ["\(run.status)  \(run.jobId)  \(TextFormat.duration(run.timeTakenMs))  \(TextFormat.tokens(run.tokens))  \(run.nodeCount) nodes"]
        if let error = run.error { lines.append("Error: \(error)") }
        if let output = run.output { lines.append(""); lines.append(output) }
        lines.append("")
        lines.append("Recorded; see the steps with: tracedesk show \(run.jobId.prefix(8))")
        Terminal.write(lines.joined(separator: "\n") + "\n")
    }
}

/// Writes progress to stderr: one line rewritten in place on a terminal, plain lines elsewhere
/// (only when something other than the clock changed).
final class ProgressPrinter: @unchecked Sendable {
    private let lock = NSLock()
    private let team: String
    private let live: Bool
    private let quiet: Bool
    private let started = ContinuousClock.now
    private var lastPlain = ""
    private var lastWaiting: String?
    private var waitingSince: ContinuousClock.Instant?
    private var lineShown = false

    init(team: String, live: Bool, quiet: Bool) {
        self.team = team
        self.live = live
        self.quiet = quiet
    }

    func show(_ body: StatusBody) {
        guard !quiet else { return }
        lock.lock(); defer { lock.unlock() }
        var line = ProgressText.line(body, elapsed: ContinuousClock.now - started)
        if body.status == .waiting {
            let since = waitingSince ?? ContinuousClock.now
            waitingSince = since
            line += "  waited \(TextFormat.duration(ProgressText.milliseconds(ContinuousClock.now - since)))"
            let notice = ProgressText.waiting(body, team: team)
            if notice != lastWaiting {
                clearLine()
                write(notice + "\n")
                lastWaiting = notice
            }
        } else {
            lastWaiting = nil
            waitingSince = nil
        }
        if live {
            write("\r\u{1B}[2K" + line)
            lineShown = true
        } else {
            let key = ProgressText.signature(body)
            if key != lastPlain {
                write(line + "\n")
                lastPlain = key
            }
        }
    }

    func note(_ text: String) {
        guard !quiet else { return }
        lock.lock(); defer { lock.unlock() }
        clearLine()
        write("tracedesk: \(text)\n")
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        clearLine()
    }

    private func clearLine() {
        if live && lineShown {
            write("\r\u{1B}[2K")
            lineShown = false
        }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
