import ArgumentParser
import Foundation
import TracedeskCore

/// Where report templates come from: the built-in copy, or `--templates DIR`.
struct ReportOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Read report templates from this folder (files of templates/ in the source tree); each file found replaces the built-in one.",
                               valueName: "dir"), completion: .directory)
    var templates: String?

    /// The templates to render with.
    func load() throws -> ReportTemplates {
        guard let templates else { return .embedded }
        return try ReportTemplates.overridden(by: templates)
    }
}
