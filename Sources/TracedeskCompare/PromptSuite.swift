import Foundation
import TracedeskModel
import TracedeskHistory
import Yams

/// Prompts to run on both sides of a comparison, read from a YAML or JSON file (`docs/suites.md`).
public struct PromptSuite: Sendable, Codable, Equatable {
    /// One prompt, with what its answer is expected to be.
    public struct Prompt: Sendable, Codable, Equatable {
        public var label: String?
        public var message: String
        public var parameters: [String: String]?
        public var expect: Expectations?

        public init(label: String? = nil, message: String, parameters: [String: String]? = nil, expect: Expectations? = nil) {
            self.label = label
            self.message = message
            self.parameters = parameters
            self.expect = expect
        }

        /// The label, else the message cut short.
        public var name: String { label ?? TextFormat.snippet(message, width: 48) }
    }

    /// What an answer must satisfy. Every field is optional.
    public struct Expectations: Sendable, Codable, Equatable {
        /// Text the answer must contain (case-insensitive), each.
        public var contains: [String]?
        /// Text the answer must not contain (case-insensitive), any.
        public var notContains: [String]?
        /// At most this many tokens, input and output together.
        public var maxTokens: Int64?
        /// At most this many seconds.
        public var maxSeconds: Double?
        /// The status the run must end with (default: COMPLETE).
        public var status: String?

        public init(contains: [String]? = nil, notContains: [String]? = nil, maxTokens: Int64? = nil,
                    maxSeconds: Double? = nil, status: String? = nil) {
            self.contains = contains
            self.notContains = notContains
            self.maxTokens = maxTokens
            self.maxSeconds = maxSeconds
            self.status = status
        }

        /// Each expectation with whether `run` meets it, in a stable order.
        public func check(_ run: RunRecord) -> [ExpectationCheck] {
            var checks: [ExpectationCheck] = []
            let answer = (run.output ?? "").lowercased()
            let wanted = (status ?? "COMPLETE").uppercased()
            checks.append(ExpectationCheck(name: "status \(wanted)", met: run.status == RunStatus(wanted)))
            for text in contains ?? [] {
                checks.append(ExpectationCheck(name: "contains \"\(text)\"", met: answer.contains(text.lowercased())))
            }
            for text in notContains ?? [] {
                checks.append(ExpectationCheck(name: "does not contain \"\(text)\"", met: !answer.contains(text.lowercased())))
            }
            if let maxTokens {
                checks.append(ExpectationCheck(name: "at most \(TextFormat.count(maxTokens)) tokens", met: run.tokens.map { $0.total <= maxTokens } ?? false))
            }
            if let maxSeconds {
                let met = run.timeTakenMs.map { Double($0) / 1000 <= maxSeconds } ?? false
                checks.append(ExpectationCheck(name: "at most \(maxSeconds.formatted()) s", met: met))
            }
            return checks
        }
    }

    /// The statuses a run can be expected to end with: `WAITING` for a run that must stop for a person.
    static let expectedStatuses: Set<String> = ["COMPLETE", "ERROR", "WAITING"]

    public var name: String?
    /// The team the suite is written for; `compare` warns when it names another.
    public var team: String?
    public var prompts: [Prompt]

    public init(name: String? = nil, team: String? = nil, prompts: [Prompt]) {
        self.name = name
        self.team = team
        self.prompts = prompts
    }

    /// Reads a suite file: JSON when it ends in `.json`, else YAML (of which JSON is a part).
    /// The largest suite file read: a suite is prompts and expectations, not data.
    public static let maximumFileBytes = 16 << 20

    public static func load(path: String) throws(TracedeskError) -> PromptSuite {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let type = attributes?[.type] as? FileAttributeType, type != .typeRegular {
            throw .badInput("--suite \(path): not a regular file")
        }
        if let size = attributes?[.size] as? Int, size > maximumFileBytes {
            throw .badInput("--suite \(path): larger than \(maximumFileBytes >> 20) MiB; a suite holds prompts, not data")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .badInput("--suite \(path): no such file, or it cannot be read")
        }
        return try parse(data, origin: path, json: path.lowercased().hasSuffix(".json"))
    }

    /// Reads suite text; `origin` names it in errors.
    public static func parse(_ data: Data, origin: String, json: Bool) throws(TracedeskError) -> PromptSuite {
        let suite: PromptSuite
        do {
            suite = json ? try JSONDecoder().decode(PromptSuite.self, from: data)
                : try YAMLDecoder().decode(PromptSuite.self, from: data)
        } catch let error as DecodingError {
            throw .badInput("\(origin): \(Self.describe(error))")
        } catch {
            throw .badInput("\(origin): not \(json ? "JSON" : "YAML") (\(String(describing: error).split(separator: "\n").first ?? ""))")
        }
        if suite.prompts.isEmpty { throw .badInput("\(origin): lists no prompts") }
        if let empty = suite.prompts.firstIndex(where: { $0.message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
            throw .badInput("\(origin): prompt \(empty + 1) has an empty message")
        }
        if let long = suite.prompts.firstIndex(where: { $0.message.utf8.count > InvokeRequest.maximumMessageBytes }) {
            throw .badInput("\(origin): prompt \(long + 1)'s message is longer than \(InvokeRequest.maximumMessageBytes >> 10) KiB")
        }
        for (index, prompt) in suite.prompts.enumerated() {
            if let status = prompt.expect?.status, !Self.expectedStatuses.contains(status.uppercased()) {
                throw .badInput("\(origin): prompt \(index + 1): expect.status is \(TextFormat.snippet(status, width: 30)); "
                                + "it takes \(Self.expectedStatuses.sorted().joined(separator: ", "))")
            }
        }
        return suite
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0 + 1)]" } ?? ".\($0.stringValue)" }.joined()
        }
        func place(_ context: DecodingError.Context) -> String {
            let at = path(context)
            return at.isEmpty ? "the suite" : at.hasPrefix(".") ? String(at.dropFirst()) : at
        }
        switch error {
        case .keyNotFound(let key, let context):
            let at = path(context)
            return "\(at.isEmpty ? "" : String(at.dropFirst()) + ".")\(key.stringValue) is missing"
        case .typeMismatch(let type, let context):
            return "\(place(context)) should be \(Self.kind(of: type))" + (Self.found(in: context.debugDescription).map { ", not \($0)" } ?? "")
        case .valueNotFound(let type, let context):
            return "\(place(context)) should be \(Self.kind(of: type)), not empty"
        case .dataCorrupted(let context):
            return "\(place(context)): not a value a suite can hold"
        @unknown default:
            return "not a suite"
        }
    }

    /// A Swift type as the kind of YAML or JSON value it reads.
    static func kind(of type: Any.Type) -> String {
        let name = String(describing: type)
        if name.hasPrefix("Array") || name == "Sequence" { return "a list" }
        if name.hasPrefix("Dictionary") || name == "Mapping" { return "a mapping of names to values" }
        if name.contains("String") { return "text" }
        if name.contains("Int") { return "a whole number" }
        if name.contains("Double") || name.contains("Float") { return "a number" }
        if name.contains("Bool") { return "true or false" }
        if name == "Scalar" { return "a single value (text or a number)" }
        return "a \(name)"
    }

    /// What was found instead, from the decoder's own words ("but found a dictionary instead").
    static func found(in description: String) -> String? {
        for (word, kind) in [("dictionary", "a mapping"), ("mapping", "a mapping"), ("array", "a list"), ("sequence", "a list"), ("string", "text"), ("number", "a number"),
                             ("null", "empty"), ("bool", "true or false")] where description.lowercased().contains("found \(word)")
            || description.lowercased().contains("found a \(word)") || description.lowercased().contains("found an \(word)") {
            return kind
        }
        return nil
    }
}

/// One expectation checked against one run.
public struct ExpectationCheck: Sendable, Codable, Equatable {
    public var name: String
    public var met: Bool
}
