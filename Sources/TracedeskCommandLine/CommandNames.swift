import ArgumentParser
import TracedeskModel

/// The subcommand names a command line uses, checked before parsing: a name that is no command
/// (`tracedesk invok`, `tracedesk help nosuch`, `tracedesk auth chek`) is refused in one line
/// that names the closest command, instead of the parser's "unexpected argument".
enum CommandNames {
    /// The error for the first word of `arguments` that should name a subcommand and does not.
    static func unknownCommand(in arguments: [String]) -> TracedeskError? {
        let root: any ParsableCommand.Type = Tracedesk.self
        var words = arguments[...]
        if words.first == "help" { words = words.dropFirst() }
        var command = root
        var path = [root.configuration.commandName ?? "tracedesk"]
        for word in words {
            let subcommands = command.configuration.subcommands
            if subcommands.isEmpty || word.hasPrefix("-") { return nil }
            if let next = subcommands.first(where: { $0.configuration.commandName == word }) {
                command = next
                path.append(word)
                continue
            }
            let names = subcommands.compactMap { $0.configuration.commandName }
            let scope = path.joined(separator: " ")
            if let closest = closest(to: word, among: names) {
                return TracedeskError(.badInput, "'\(word)' is not a command of \(scope); did you mean '\(closest)'? (see '\(scope) --help')")
            }
            return TracedeskError(.badInput, "'\(word)' is not a command of \(scope); the commands are \(names.joined(separator: ", "))")
        }
        return nil
    }

    /// The command `arguments` name, as words: `["tracedesk", "export", "otlp"]`.
    static func path(of arguments: [String]) -> [String] {
        var command: any ParsableCommand.Type = Tracedesk.self
        var path = ["tracedesk"]
        for word in arguments.drop(while: { $0 == "help" }) {
            guard !word.hasPrefix("-"),
                  let next = command.configuration.subcommands.first(where: { $0.configuration.commandName == word }) else { break }
            command = next
            path.append(word)
        }
        return path
    }

    /// The name nearest `word`, when it is near enough to be what was meant: within two edits
    /// (one for short names), or a name that `word` starts.
    static func closest(to word: String, among names: [String]) -> String? {
        let lowered = word.lowercased()
        let scored = names.map { (name: $0, distance: editDistance(lowered, $0)) }.sorted { $0.distance < $1.distance }
        if let best = scored.first, best.distance <= (word.count <= 4 ? 1 : 2) { return best.name }
        if lowered.count >= 2, let prefixed = names.first(where: { $0.hasPrefix(lowered) }) { return prefixed }
        return nil
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
