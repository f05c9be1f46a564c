import Foundation
import Synchronization

/// The simulated pod's sense of time, in epoch milliseconds.
public protocol PodClock: Sendable {
    func now() -> Int64
    /// The instant a new job starts at: `now()` for most clocks; the real time for a sped-up
    /// one, whose `now()` runs ahead of the real clock the longer the pod runs.
    func jobOrigin() -> Int64
    /// How long to wait in real time until the clock reads `instant` (a requirement, so that a
    /// sped-up clock is asked through `any PodClock` too).
    func realDelay(until instant: Int64) -> Duration
}

extension PodClock {
    public func jobOrigin() -> Int64 { now() }

    /// How long to wait in real time until the clock reads `instant`.
    public func realDelay(until instant: Int64) -> Duration {
        .milliseconds(max(0, instant - now()))
    }
}

/// Wall-clock time, sped up by `speed` from the moment the clock was made: with speed 10, a step
/// of 5 seconds takes half a real second, and bodies still carry plausible epoch instants.
public struct ScaledClock: PodClock {
    private let origin: Int64
    private let started: ContinuousClock.Instant
    public let speed: Double

    public init(speed: Double = 1, origin: Date = Date()) {
        self.speed = speed
        self.origin = Int64((origin.timeIntervalSince1970 * 1000).rounded())
        self.started = ContinuousClock.now
    }

    public func now() -> Int64 {
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return origin + Int64((milliseconds * speed).rounded())
    }

    /// A run-clock interval in real time: `speed` times shorter.
    public func realDelay(until instant: Int64) -> Duration {
        let left = max(0, instant - now())
        return .microseconds(Int64((Double(left) * 1000 / max(speed, 0.001)).rounded(.up)))
    }

    /// The real time: each job starts when it is asked for, however long the pod has run, and
    /// only its steps run `speed` times faster (so its end may lie ahead of the real clock).
    public func jobOrigin() -> Int64 {
        speed == 1 ? now() : Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}

/// Time that moves only when told: for tests that step a run through its life exactly.
public final class ManualClock: PodClock {
    private let current: Mutex<Int64>

    public init(_ start: Int64 = 1_773_341_443_081) {
        current = Mutex(start)
    }

    public func now() -> Int64 { current.withLock { $0 } }

    /// Moves time forward.
    public func advance(byMilliseconds milliseconds: Int64) {
        current.withLock { $0 += milliseconds }
    }
}

/// A seeded generator (SplitMix64): the same seed gives the same jobIds, tokens and codes, and a
/// benchmark the same runs.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A UUID-shaped identifier, as Fusion's jobIds and conversationIds are.
    mutating func uuid() -> String {
        let a = next(), b = next()
        let hex = String(format: "%016llx%016llx", a, b)
        let chars = Array(hex)
        return "\(String(chars[0..<8]))-\(String(chars[8..<12]))-4\(String(chars[13..<16]))-a\(String(chars[17..<20]))-\(String(chars[20..<32]))"
    }

    /// A 32-hex-digit trace id, zero-padded like Fusion's.
    mutating func traceId() -> String { String(format: "0000000000000000%016llx", next()) }

    /// A URL-safe random token.
    mutating func token(bytes: Int = 24) -> String {
        var data = Data()
        while data.count < bytes { withUnsafeBytes(of: next()) { data.append(contentsOf: $0) } }
        return data.prefix(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
