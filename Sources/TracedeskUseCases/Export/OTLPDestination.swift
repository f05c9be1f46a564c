import Foundation
import TracedeskModel

/// Where spans go and with which headers, by OpenTelemetry's own rules: `--endpoint`, else
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, else
/// `http://localhost:4318/v1/traces`; headers from `--header` and from
/// `OTEL_EXPORTER_OTLP_HEADERS` (and its `TRACES_` form), a flag winning over the environment.
public struct OTLPDestination: Sendable, Equatable {
    public var endpoint: URL
    public var headers: [String: String]

    public init(endpoint: URL, headers: [String: String] = [:]) {
        self.endpoint = endpoint
        self.headers = headers
    }

    /// The endpoint for messages: a `user:password@` in it is shown as `***@`.
    public var shownEndpoint: String { Self.withoutCredentials(endpoint) }

    static func withoutCredentials(_ url: URL) -> String {
        guard url.user != nil || url.password != nil, var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else {
            return url.absoluteString
        }
        components.user = nil
        components.password = nil
        let text = components.string ?? ""
        return text.replacingOccurrences(of: "://", with: "://***@", options: [], range: text.range(of: "://"))
    }

    /// Resolves flags and environment. An `--endpoint` with no path gets `/v1/traces`, so that a
    /// backend's base URL (`http://127.0.0.1:6006`) works as given.
    public static func resolve(endpoint flag: String?, headers flags: [String], environment: [String: String]) throws(TracedeskError) -> OTLPDestination {
        let destination = try resolveUnchecked(endpoint: flag, headers: flags, environment: environment)
        for (name, value) in destination.headers where name.contains(where: { $0.isNewline || $0 == ":" }) || value.contains(where: \.isNewline) {
            // A line break in a header would start another header (request splitting): refused, never retried.
            throw .badInput("the OTLP header \(TextFormat.snippet(name, width: 40)) holds a line break or its name a ':'; refused")
        }
        return destination
    }

    private static func resolveUnchecked(endpoint flag: String?, headers flags: [String], environment: [String: String]) throws(TracedeskError) -> OTLPDestination {
        let url: URL
        if let flag, !flag.isEmpty {
            url = try parse(flag, what: "--endpoint")
            return OTLPDestination(endpoint: url.path.isEmpty || url.path == "/" ? url.appendingPathComponent("v1/traces") : url,
                                   headers: try headers(flags, environment: environment))
        }
        if let traces = environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"], !traces.isEmpty {
            url = try parse(traces, what: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        } else if let base = environment["OTEL_EXPORTER_OTLP_ENDPOINT"], !base.isEmpty {
            let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
            url = try parse(trimmed + "/v1/traces", what: "OTEL_EXPORTER_OTLP_ENDPOINT")
        } else {
            url = URL(string: "http://localhost:4318/v1/traces")!
        }
        return OTLPDestination(endpoint: url, headers: try headers(flags, environment: environment))
    }

    private static func parse(_ text: String, what: String) throws(TracedeskError) -> URL {
        guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw .badInput("\(what) \(URL(string: text).map(withoutCredentials) ?? TextFormat.snippet(text, width: 60)) is not an http(s) URL")
        }
        return url
    }

    /// The headers of a `--header-file`: one `NAME=VALUE` (or `NAME: VALUE`) a line; blank lines
    /// and `#` comments skipped. A key kept in a file stays out of the process list.
    public static func headerLines(fromFile path: String) throws(TracedeskError) -> [String] {
        guard let data = FileManager.default.contents(atPath: path), data.count <= 1 << 20 else {
            throw .badInput("--header-file \(path): cannot be read")
        }
        var lines: [String] = []
        for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if !trimmed.contains("="), let colon = trimmed.firstIndex(of: ":") {
                lines.append(trimmed[..<colon].trimmingCharacters(in: .whitespaces) + "=" + trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            } else {
                lines.append(trimmed)
            }
        }
        return lines
    }

    /// `NAME=VALUE` flags over the environment's `key1=value1,key2=value2` (values percent-encoded).
    private static func headers(_ flags: [String], environment: [String: String]) throws(TracedeskError) -> [String: String] {
        var headers: [String: String] = [:]
        for variable in ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"] {
            for pair in (environment[variable] ?? "").split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw .badInput("\(variable): '\(pair)' is not key=value")
                }
                headers[parts[0].removingPercentEncoding ?? parts[0]] = parts[1].removingPercentEncoding ?? parts[1]
            }
        }
        for flag in flags {
            let parts = flag.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw .badInput("--header takes NAME=VALUE (a header without '=' given; its text is not repeated here)") }
            headers[parts[0]] = parts[1]
        }
        return headers
    }
}
