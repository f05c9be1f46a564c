import Foundation

/// Lets a bounded number of heavy page renders (a run, a diff, a comparison) run at once; the
/// others wait their turn for a while, then are turned away, so that a few large runs opened in
/// many tabs cost a few renders' memory, not one per tab.
actor RenderGate {
    private let permits: Int
    private var running = 0
    private var waiting: [(id: UInt64, continuation: CheckedContinuation<Bool, Never>)] = []
    private var nextWaiter: UInt64 = 0

    init(permits: Int) {
        self.permits = max(1, permits)
    }

    /// Runs `work` once a permit is free, or returns `nil` when none came within `timeout`.
    ///
    /// The work runs on a dispatch queue, not on Swift's cooperative threads: a render of a large
    /// run takes a core for a while, and on a machine of two cores two of them would otherwise
    /// leave no thread to answer any other request.
    nonisolated func run<T: Sendable>(timeout: Duration, _ work: @escaping @Sendable () throws -> T) async throws -> T? {
        guard await acquire(timeout: timeout) else { return nil }
        let result: Result<T, any Error> = await withCheckedContinuation { continuation in
            Self.queue.async { continuation.resume(returning: Result { try work() }) }
        }
        await release()
        return try result.get()
    }

    private static let queue = DispatchQueue(label: "tracedesk.serve.render", qos: .userInitiated, attributes: .concurrent)

    private func acquire(timeout: Duration) async -> Bool {
        if running < permits {
            running += 1
            return true
        }
        nextWaiter += 1
        let id = nextWaiter
        return await withCheckedContinuation { continuation in
            waiting.append((id, continuation))
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.expire(id)
            }
        }
    }

    private func expire(_ id: UInt64) {
        guard let index = waiting.firstIndex(where: { $0.id == id }) else { return }
        waiting.remove(at: index).continuation.resume(returning: false)
    }

    private func release() {
        if waiting.isEmpty {
            running -= 1
        } else {
            // The permit passes straight to the next in line.
            waiting.removeFirst().continuation.resume(returning: true)
        }
    }
}
