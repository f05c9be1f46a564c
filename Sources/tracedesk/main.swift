import TracedeskCommandLine

// The `tracedesk` binary: everything it does is in TracedeskCommandLine (the arguments) and
// TracedeskUseCases (the work), where tests reach it without launching a process.
await TracedeskCommandLine.main()
