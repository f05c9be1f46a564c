import ArgumentParser
import Foundation
import TracedeskClient
import TracedeskModel
import TracedeskUseCases

/// The exit codes (README "Exit codes"), and the one place errors become them.
enum ExitStatus {
    static let success: Int32 = 0
    static let runFailed: Int32 = 1
    static let badInput: Int32 = 2
    static let timedOut: Int32 = 3
    static let authenticationRefused: Int32 = 4
    static let podUnavailable: Int32 = 5
    static let database: Int32 = 6
    /// `compare --fail-on regression` found the candidate worse than the baseline.
    static let regression: Int32 = 7
    /// Standard output could not be written.
    static let output: Int32 = 8
    /// `test` found an expectation that did not hold.
    static let expectationFailed: Int32 = 9
    /// A suite or a comparison could not be graded.
    static let notGraded: Int32 = 10
    static let interrupted: Int32 = 130

    /// Writes what `error` means for the user to standard error and returns its exit code;
    /// a usage error points to the help of the command that `arguments` name.
    static func report(_ error: any Error, arguments: [String] = [], in context: CommandContext) -> Int32 {
        if let error = error as? TracedeskError {
            try? context.note(error.message)
            return code(for: error.kind)
        }
        if let exit = error as? ExitCode {
            return exit.rawValue
        }
        let parserCode = Tracedesk.exitCode(for: error)
        if parserCode == .success {
            // --help, --version, --generate-completion-script: argument-parser's "clean exits".
            do {
                try context.output.writeData(Tracedesk.fullMessage(for: error) + "\n")
            } catch {
                try? context.note(error.message)
                return output
            }
            return success
        }
        var message = Tracedesk.message(for: error).trimmingCharacters(in: .whitespacesAndNewlines)
        // `--client-secret X` is refused for a reason, which the parser cannot tell.
        if let secret = PodSecret.refusedFlag(in: arguments), message.contains("'\(secret.refusedFlag)") {
            try? context.note(secret.whereItComesFrom)
            return badInput
        }
        if message.isEmpty { message = String(describing: error) }
        message = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        try? context.note("\(message) (see '\(CommandNames.path(of: arguments).joined(separator: " ")) --help')")
        return badInput
    }

    static func code(for kind: TracedeskError.Kind) -> Int32 {
        switch kind {
        case .badInput: badInput
        case .runFailed: runFailed
        case .timedOut: timedOut
        case .authenticationRefused: authenticationRefused
        case .podUnavailable: podUnavailable
        case .database: database
        case .output: output
        case .interrupted: interrupted
        }
    }
}
