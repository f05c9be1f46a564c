import Foundation
import Testing
import TracedeskCommandLine

/// What a newcomer meets first: help that reads whole, and one line that says what to type
/// instead when a command or a value is wrong.
@Suite("Help and usage errors")
struct HelpTests {
    let folder: TemporaryFolder
    let tracedesk: CommandLineHarness

    init() throws {
        folder = try TemporaryFolder()
        tracedesk = CommandLineHarness(database: folder.path("history.sqlite"))
    }

    static let commands = [["invoke"], ["poll"], ["resume"], ["import"], ["runs"], ["show"], ["report"], ["compare"], ["diff"], ["replay"],
                           ["demo"], ["export", "otlp"], ["prune"], ["history"], ["auth", "check"], ["simulator"]]

    @Test("every example in the help stays whole at 80 columns: long ones continue with a backslash", arguments: commands)
    func examplesDoNotWrap(command: [String]) async {
        let help = await tracedesk.run(command + ["--help"])
        #expect(help.status == 0)
        let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("Example") }) else { return }
        let examples = lines[(start + 1)...].prefix { !$0.isEmpty }
        #expect(!examples.isEmpty)
        for line in examples {
            #expect(line.hasPrefix("  "), "a wrapped example line: \(line)")
            #expect(line.count <= 80)
        }
        for (line, next) in zip(examples, examples.dropFirst()) where next.hasPrefix("    ") {
            #expect(line.hasSuffix("\\"), "a continued example ends with a backslash: \(line)")
        }
    }

    @Test("--version is tracedesk's alone; invoke --version N is the team's version")
    func versionFlag() async {
        #expect(await tracedesk.run(["--version"]).stdout == "0.2.0\n")
        let invokeHelp = await tracedesk.run(["invoke", "--help"]).stdout
        #expect(invokeHelp.components(separatedBy: "--version").count - 1 == 1, "listed once, as --version <n>")
        #expect(await tracedesk.run(["--help"]).stdout.contains("'tracedesk --version' prints the version."))
        #expect(invokeHelp.contains("--version <n>"))
        let bad = await tracedesk.run(["invoke", "TEAM", "hello", "--version", "0"])
        #expect(bad.status == 2)
        #expect(bad.stderr == "tracedesk: --version takes a positive number (see 'tracedesk invoke --help')\n")
    }

    @Test("a command that does not exist: exit 2, the closest name, or the list")
    func unknownCommands() async {
        let typo = await tracedesk.run(["invok", "TEAM", "hello"])
        #expect(typo.status == 2)
        #expect(typo.stderr == "tracedesk: 'invok' is not a command of tracedesk; did you mean 'invoke'? (see 'tracedesk --help')\n")
        let nested = await tracedesk.run(["auth", "chek"])
        #expect(nested.stderr == "tracedesk: 'chek' is not a command of tracedesk auth; did you mean 'check'? (see 'tracedesk auth --help')\n")
        let help = await tracedesk.run(["help", "nosuch"])
        #expect(help.status == 2, "not the main help with exit 0")
        #expect(help.stdout.isEmpty)
        #expect(help.stderr.hasPrefix("tracedesk: 'nosuch' is not a command of tracedesk; the commands are invoke, poll, resume, "))
        #expect(await tracedesk.run(["help", "export", "otlp"]).status == 0)
    }

    @Test("a negative number is read as the option's value and refused by name, not as a missing value")
    func negativeNumbers() async {
        let limit = await tracedesk.run(["runs", "--limit", "-1"])
        #expect(limit.status == 2)
        #expect(limit.stderr == "tracedesk: --limit takes a positive number (see 'tracedesk runs --help')\n")
        let retries = await tracedesk.run(["poll", "abc", "--retries", "-3"])
        #expect(retries.stderr == "tracedesk: --retries takes 0 to 100, not -3 (see 'tracedesk poll --help')\n")
        let option = await tracedesk.run(["runs", "--jsn"])
        #expect(option.stderr == "tracedesk: Unknown option '--jsn'. Did you mean '--json'? (see 'tracedesk runs --help')\n")
    }
}
