import TracedeskHistory
import TracedeskModel

/// `serve --redact`: what the pages and the JSON API show of a run goes through the server's one
/// redactor, so a person keeps one pseudonym on every page while the server runs.
extension ServePages {
    /// `runs` as shown: each learnt from its latest body first (a name in a message is known only
    /// from the worker the run read), then redacted; as they are without `--redact`.
    func shown(_ runs: [RunRecord]) throws(TracedeskError) -> [RunRecord] {
        guard let redactor = settings.redactor else { return runs }
        for run in runs {
            redactor.learn(run)
            if let body = try store.latestSnapshot(of: run)?.body { redactor.learn(json: body) }
        }
        return runs.map { redactor.redact($0) }
    }

    /// `details` as shown: learnt (its latest body too) and redacted, or as they are without `--redact`.
    func shown(_ details: RunDetails) throws(TracedeskError) -> RunDetails {
        guard let redactor = settings.redactor else { return details }
        redactor.learn(details)
        if let body = try store.latestSnapshot(of: details.run)?.body { redactor.learn(json: body) }
        return redactor.redact(details)
    }

    /// The runs filter as served: under `--redact`, without its search (searching the history's
    /// text would tell which runs hold a value the pages do not show).
    func served(_ filter: RunsFilter) -> RunsFilter {
        guard settings.redactor != nil else { return filter }
        var filter = filter
        filter.search = nil
        return filter
    }
}
