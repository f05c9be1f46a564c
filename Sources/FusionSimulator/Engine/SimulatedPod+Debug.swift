import Foundation

extension SimulatedPod {
    /// `POST …/agent/v2/{team}/debug`: starts a job and streams it (`text/event-stream`), or,
    /// with `jobId` and `resumeInput`, resumes a suspended one and streams on from there.
    ///
    /// The body is what Oracle's CLI sends: `message`, `workflowCode`, `conversationId`,
    /// `invocationMode`, `status` (`PUBLISHED`; absent means DRAFT), `parameters`, and
    /// `debugParams` with `breakPoints` (steps to stop before) and `overrides` (per step,
    /// `output: {success, output: "<JSON text>"}` pins its output: the step is not run; `spec`, the
    /// step's definition changed, runs it with `metadata.modelConfiguration.modelName`). A
    /// `drop` fault cuts the stream half-way.
    public func debug(team: String, body: Data, authorization: String?, fault: String?) -> PodResponse {
        if let response = checkToken(authorization) { return response }
        let injected = injectFault(team: team, call: "debug", header: fault, authorization: authorization)
        var cut = false
        if let response = injected.response {
            guard response.dropConnection else { return response }
            cut = true
        }
        guard let scenario = library.teams[team] else {
            return .fusionError(404, code: "FAI-40400", title: "Not Found", detail: "No agent team with code \(team).")
        }
        guard let request = PodJSON.parse(body), case .object = request else {
            return .fusionError(400, code: "FAI-40000", title: "Bad Request", detail: "The request body is not a JSON object.")
        }
        guard let message = request["message"]?.string else {
            return .fusionError(400, code: "FAI-40001", title: "Bad Request", detail: "The request has no message.")
        }
        if let code = request["workflowCode"]?.string, code != team {
            return .fusionError(400, code: "FAI-40003", title: "Bad Request", detail: "workflowCode \(code) is not the team \(team) of the path.")
        }
        let job: SimulatedJob
        let from: Int64
        var isResume = false
        if let jobId = request["jobId"]?.string, let input = request["resumeInput"] {
            guard var resumed = jobs[jobId], resumed.team.team == team else {
                return .fusionError(404, code: "FAI-40401", title: "Not Found", detail: "No job \(jobId) for team \(team).")
            }
            // Read before the answer is taken, so the step it ends is in the stream that follows.
            from = resumed.now(on: runClock)
            if let refusal = resume(&resumed, with: input, field: "resumeInput") { return refusal }
            jobs[jobId] = resumed
            job = resumed
            isResume = true
        } else {
            var debugging = RunSchedule.Debugging()
            let params = request["debugParams"]
            for code in params?["breakPoints"]?.array ?? [] { if let code = code.string { debugging.breakPoints.insert(code) } }
            if case .object(let overrides)? = params?["overrides"] {
                for (code, override) in overrides {
                    if let spec = override["spec"] {
                        // A step's definition, changed: of what it may change, the model is simulated.
                        guard case .object = spec, spec["code"]?.string == nil || spec["code"]?.string == code else {
                            return .fusionError(400, code: "FAI-40021", title: "Bad Request",
                                                detail: "debugParams.overrides.\(code).spec must be the step's definition, an object with its code.")
                        }
                        if let model = spec["metadata"]?["modelConfiguration"]?["modelName"]?.string { debugging.models[code] = model }
                    }
                    guard let output = override["output"] else { continue }
                    guard output["success"] != nil, let pinned = output["output"] else {
                        return .fusionError(400, code: "FAI-40020", title: "Bad Request",
                                            detail: "debugParams.overrides.\(code).output must be {success, output}.")
                    }
                    debugging.pins[code] = pinned
                }
            }
            let status = (request["status"]?.string ?? "DRAFT").uppercased()
            switch createJob(scenario: scenario, request: request, message: message, number: nil, status: status, conversational: true,
                             configure: { job in
                                 job.streamed = true
                                 job.debugging = debugging
                             }) {
            case .failure(let refusal):
                // Oracle's pods answer an unsaved DRAFT over the stream too: 200 with one error event.
                if refusal.response.status == 403 {
                    let event = PodJSON.object([("message", .object([("output", .string("FAI-40300: the version asked for does not exist, or the user lacks a role for the team.")),
                                                                    ("finishReason", .string("error"))]))])
                    return PodResponse(status: 200, headers: [("Content-Type", "text/event-stream")], body: "",
                                       stream: .events([PodResponse.TimedFrame(at: runClock.now(), text: "data: \(event.text)\n\n")], clock: runClock, dropAfter: nil))
                }
                return refusal.response
            case .success(let created):
                job = created
                from = created.createdAt
            }
        }
        let schedule = job.schedule(library: library)
        let writer = StatusBodyWriter(library: library, job: job, schedule: schedule, now: .max, admin: true, aiUnits: configuration.aiUnits)
        let (events, sent) = DebugStreamWriter(body: writer, job: job, schedule: schedule).events(from: from, resumed: isResume, alreadySent: job.sentEvents)
        // The frames are timed on the job's clock; the stream sends each when the run clock reaches it.
        let offset = job.clockStart - job.createdAt
        let frames = DebugStreamWriter.frames(events).map { PodResponse.TimedFrame(at: $0.at + offset, text: $0.text) }
        let dropAfter = cut ? max(1, frames.count / 2) : nil
        // Only what the stream delivers counts as sent: a cut stream's later events come on the next one.
        jobs[job.jobId]?.sentEvents.formUnion(sent.prefix(dropAfter ?? sent.count))
        var response = PodResponse(status: 200, headers: [("Content-Type", "text/event-stream"), ("Cache-Control", "no-store")], body: "",
                                   stream: .events(frames, clock: runClock, dropAfter: dropAfter))
        response.delayMs = injected.delayMs
        return response
    }

    /// `GET {pod}/api/boss/data/objects/ora/commonFusionAI/genAIBoss/v1/featureConfigurations`:
    /// the `ACTION_UNITS_REPORTING` rows that say how model calls become AI units.
    public func featureConfigurations(authorization: String?) -> PodResponse {
        if let response = checkToken(authorization) { return response }
        let units = configuration.aiUnits
        let types = PodJSON.object([("modelTypes", .array(units.modelTypes.map { .object([($0.type, .array($0.models.map(PodJSON.string)))]) }))])
        let multipliers = PodJSON.object([
            ("tokenUnits", .object([("multipliers", .object([("general", .double(units.tokenMultiplier))]))])),
            ("actionUnits", .array(units.typeMultipliers.map {
                .object([("model", .string($0.type)), ("multipliers", .object([("general", .double($0.multiplier))]))])
            })),
        ])
        func row(_ name: String, _ value: PodJSON) -> PodJSON {
            .object([("featureCode", .string("ACTION_UNITS_REPORTING")), ("parameterCode", .string(name)),
                     ("parameterValue", .string(value.text)), ("activeFlag", .bool(true))])
        }
        return .json(200, .object([("items", .array([row("MODEL_TYPES", types), row("UNIT_MULTIPLIERS", multipliers)])),
                                   ("count", .int(2)), ("hasMore", .bool(false))]))
    }
}
