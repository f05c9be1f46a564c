import Foundation

/// A fault the simulated pod injects: set per team in a scenario, or per request with the
/// `X-Simulator-Fault` header or the `simulatorFault` query item (honoured only by the simulator).
///
/// The per-request form is the kind followed by `;name=value` options:
/// `429;retry-after=2`, `status;code=503`, `drop`, `slow;delay-ms=3000`, `malformed`, `html`,
/// `expire-token`, and the hostile ones: `redirect;code=307;to=http://elsewhere:9/x`,
/// `mismatched-job`, `huge;size-mb=100`, `drip;delay-ms=2000`, `hang`, and `429;retry-after=1e300`.
public struct FaultRule: Codable, Sendable, Equatable {
    /// What goes wrong.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// 429 Too Many Requests with a Retry-After header.
        case tooManyRequests = "429"
        /// A 5xx (or any) status with an error body.
        case status
        /// The connection closes before the answer is complete.
        case drop
        /// The answer comes after a delay.
        case slow
        /// 200 with a body that is not JSON.
        case malformed
        /// An HTML error page, as a proxy or load balancer sends.
        case html
        /// The bearer token is revoked just before this call, which then answers 401.
        case expireToken = "expire-token"
        /// A redirect (`statusCode`, 302 unless given) to `location`, by default another origin.
        case redirect
        /// The answer is about another job than the one asked for.
        case mismatchedJob = "mismatched-job"
        /// A 200 whose body is `sizeMiB` (100 unless given) of JSON, streamed.
        case huge
        /// The answer, one byte every `delayMs` (1000 unless given).
        case drip
        /// No answer at all: the connection stays open and silent.
        case hang
    }

    public var kind: Kind
    /// Which calls: `invoke`, `status`, or `any` (the default).
    public var on: String?
    /// Skip this many matching calls first.
    public var after: Int?
    /// Fault this many matching calls, then stop (default 1).
    public var count: Int?
    public var statusCode: Int?
    public var retryAfterSeconds: Int?
    public var delayMs: Int?
    /// The Retry-After header as written, any text (`1e300`, `inf`), over `retryAfterSeconds`.
    public var retryAfter: String?
    /// Where a `redirect` points.
    public var location: String?
    /// The size of a `huge` answer, in MiB.
    public var sizeMiB: Int?

    public init(kind: Kind, on: String? = nil, after: Int? = nil, count: Int? = nil, statusCode: Int? = nil,
                retryAfterSeconds: Int? = nil, delayMs: Int? = nil, retryAfter: String? = nil, location: String? = nil,
                sizeMiB: Int? = nil) {
        self.kind = kind
        self.on = on
        self.after = after
        self.count = count
        self.statusCode = statusCode
        self.retryAfterSeconds = retryAfterSeconds
        self.delayMs = delayMs
        self.retryAfter = retryAfter
        self.location = location
        self.sizeMiB = sizeMiB
    }

    /// Reads the per-request form (`429;retry-after=2`); `nil` when it names no fault.
    public init?(header: String) {
        let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first = parts.first else { return nil }
        let word = first.lowercased()
        var kind = Kind(rawValue: word)
        var statusCode: Int?
        if kind == nil, let code = Int(word), (400...599).contains(code) {
            kind = .status
            statusCode = code
        }
        guard let kind else { return nil }
        self.init(kind: kind, statusCode: statusCode)
        for option in parts.dropFirst() {
            let pair = option.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            switch pair[0].lowercased() {
            case "retry-after": if let value = Int(pair[1]) { retryAfterSeconds = value } else { retryAfter = pair[1] }
            case "to", "location": location = pair[1]
            case "code", "status": if let value = Int(pair[1]) { self.statusCode = value }
            case "delay-ms", "delay": if let value = Int(pair[1]) { delayMs = value }
            case "size-mb": if let value = Int(pair[1]) { sizeMiB = value }
            default: continue
            }
        }
    }

    func applies(to call: String) -> Bool {
        guard let on, on != "any" else { return true }
        return on == call
    }
}
