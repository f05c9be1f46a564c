import ArgumentParser

/// `--param NAME=VALUE` flags, as `invoke` and `compare` take them.
enum ParameterFlags {
    /// Refuses a flag that is not NAME=VALUE; `option` and `form` name it in the error.
    static func validate(_ flags: [String], option: String = "--param", form: String = "NAME=VALUE", emptyValue: Bool = true) throws {
        for flag in flags where !flag.contains("=") || flag.hasPrefix("=") || (!emptyValue && flag.hasSuffix("=")) {
            throw ValidationError("\(option) takes \(form), not '\(flag)'")
        }
    }

    /// The flags as a dictionary; a later NAME wins.
    static func values(_ flags: [String]) -> [String: String] {
        var values: [String: String] = [:]
        for flag in flags {
            let pair = flag.split(separator: "=", maxSplits: 1).map(String.init)
            values[pair[0]] = pair.count > 1 ? pair[1] : ""
        }
        return values
    }
}
