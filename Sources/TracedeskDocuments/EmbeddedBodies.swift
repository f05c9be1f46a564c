import Foundation
import TracedeskHistory

/// Which of a run's status bodies a report embeds (`--bodies`): every one as received, those
/// at which the run's status changed, or the last. `import` rebuilds the run from whichever are
/// there; fewer bodies give a smaller file and a shorter status history after import.
public enum EmbeddedBodies: String, Sendable, CaseIterable {
    /// Every distinct body, as received (the default): the run and its history, losslessly.
    case all
    /// The first body, each body whose status differs from the one before, and the last.
    case changed
    /// The final body alone: the run as it ended.
    case last

    /// The bodies of `snapshots` (in order) this choice keeps.
    public func select(_ snapshots: [SnapshotRecord]) -> [SnapshotRecord] {
        switch self {
        case .all:
            return snapshots
        case .last:
            return snapshots.last.map { [$0] } ?? []
        case .changed:
            var kept: [SnapshotRecord] = []
            for (index, snapshot) in snapshots.enumerated() {
                let isLast = index == snapshots.count - 1
                if kept.isEmpty || kept.last?.status != snapshot.status || isLast { kept.append(snapshot) }
            }
            return kept
        }
    }
}
