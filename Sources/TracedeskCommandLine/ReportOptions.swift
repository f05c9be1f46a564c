import ArgumentParser

/// Where report templates come from: the built-in copy, or `--templates DIR`.
struct ReportOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Read report templates from this folder (files of templates/ in the source tree); each file found replaces the built-in one.",
                               valueName: "dir"), completion: .directory)
    var templates: String?
}
