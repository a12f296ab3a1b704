/**
 * The scheduler's job runner. Each registered job runs on its own Schedule (an interval, or a cron expression) in
 * its own fiber, every attempt bounded by a timeout and retried as the job's policy says, traced as a span, counted in metrics and recorded in the job's state (last run, last success,
 * consecutive failures) for operators. A failed run is logged and retried on the next tick; it never stops the
 * loop.
 *
 * Graceful shutdown: when the runner's scope closes, a job that is mid-run gets `drainTimeout` to finish before
 * it is interrupted; idle jobs stop at once.
 */
import {
  Context,
  Cron,
  DateTime,
  Duration,
  Effect,
  Fiber,
  Layer,
  Metric,
  Option,
  Ref,
  Schedule,
  Scope,
  Semaphore
} from "effect"
import { JobStore } from "../../core/ops/ports/JobStore.ts"
import { instanceId } from "./Instance.ts"

export interface Job<R = never> {
  readonly name: string
  /** The interval between runs (with `cron`: the nominal gap between two fires, for health checks). */
  readonly every: Duration.Duration
  /** When set, runs fire on this cron schedule (the first at its next occurrence) instead of every `every`. */
  readonly cron?: Cron.Cron | undefined
  /** Bounds each attempt. */
  readonly timeout: Duration.Duration
  /** Attempts after a failed one within the same run (exponential backoff from 1 s); 0 by default. */
  readonly retries?: number | undefined
  readonly run: Effect.Effect<void, unknown, R>
}

export interface JobState {
  readonly name: string
  readonly every: Duration.Duration
  readonly lastRunAt: Option.Option<DateTime.Utc>
  readonly lastSuccessAt: Option.Option<DateTime.Utc>
  readonly lastError: Option.Option<string>
  readonly consecutiveFailures: number
  readonly runs: number
}

const runs = Metric.counter("scheduler_job_runs_total", { description: "Job runs by job and outcome" })
const runDuration = Metric.histogram("scheduler_job_duration_seconds", {
  description: "Job run duration",
  boundaries: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60]
})

export class JobRunner extends Context.Service<
  JobRunner,
  {
    readonly start: <R>(job: Job<R>) => Effect.Effect<void, never, R>
    readonly states: Effect.Effect<ReadonlyArray<JobState>>
  }
>()("tradeport/apps/scheduler/JobRunner") {
  static readonly layer = (drainTimeout: Duration.Input = "10 seconds") =>
    Layer.effect(
      JobRunner,
      Effect.gen(function* () {
        const states = yield* Ref.make(new Map<string, JobState>())
        // Where operators (and the HTTP app's readiness) see this instance's jobs; optional for unit tests.
        const store = yield* Effect.serviceOption(JobStore)
        const publish = (name: string) =>
          Effect.gen(function* () {
            if (Option.isNone(store)) return
            const state = (yield* Ref.get(states)).get(name)
            if (state === undefined) return
            yield* store.value
              .record({
                job: state.name,
                instanceId,
                every: state.every,
                lastRunAt: Option.getOrUndefined(state.lastRunAt),
                lastSuccessAt: Option.getOrUndefined(state.lastSuccessAt),
                lastError: Option.getOrUndefined(state.lastError),
                consecutiveFailures: state.consecutiveFailures,
                runs: state.runs
              })
              .pipe(
                Effect.catch((e) =>
                  Effect.logWarning("job state not recorded").pipe(Effect.annotateLogs({ job: name, reason: e.reason }))
                )
              )
          })
        const scope = yield* Effect.scope
        // Finalizers run in the context of whoever closes the scope: keep ours (logger, tracer) for their logs.
        const services = yield* Effect.context<never>()

        const update = (name: string, f: (s: JobState) => JobState) =>
          Ref.update(states, (all) => {
            const current = all.get(name)
            return current === undefined ? all : new Map(all).set(name, f(current))
          })

        const runOnce = <R>(job: Job<R>) =>
          Effect.gen(function* () {
            const started = yield* DateTime.now
            const t0 = performance.now()
            const outcome = yield* job.run.pipe(
              Effect.timeoutOrElse({
                duration: job.timeout,
                orElse: () => Effect.fail(`timed out after ${Duration.format(job.timeout)}`)
              }),
              Effect.retry({ times: job.retries ?? 0, schedule: Schedule.exponential("1 second") }),
              Effect.withSpan(`job.${job.name}`),
              // A defect in one run is that run's failure (logged, counted, retried next time), never the end of the
              // job's schedule.
              Effect.catchDefect((defect) =>
                Effect.fail(`defect: ${defect instanceof Error ? defect.message : String(defect)}`)
              ),
              Effect.result
            )
            const seconds = (performance.now() - t0) / 1000
            const ok = outcome._tag === "Success"
            yield* Metric.update(Metric.withAttributes(runs, { job: job.name, outcome: ok ? "success" : "failure" }), 1)
            yield* Metric.update(Metric.withAttributes(runDuration, { job: job.name }), seconds)
            if (ok) {
              yield* update(job.name, (s) => ({
                ...s,
                lastRunAt: Option.some(started),
                lastSuccessAt: Option.some(started),
                lastError: Option.none(),
                consecutiveFailures: 0,
                runs: s.runs + 1
              }))
              yield* publish(job.name)
            } else {
              const message = String(outcome.failure)
              yield* Effect.logWarning("job run failed").pipe(Effect.annotateLogs({ job: job.name, error: message }))
              yield* update(job.name, (s) => ({
                ...s,
                lastRunAt: Option.some(started),
                lastError: Option.some(message),
                consecutiveFailures: s.consecutiveFailures + 1,
                runs: s.runs + 1
              }))
              yield* publish(job.name)
            }
          })

        const start = <R>(job: Job<R>) =>
          Effect.gen(function* () {
            yield* Ref.update(states, (all) =>
              new Map(all).set(job.name, {
                name: job.name,
                every: job.every,
                lastRunAt: Option.none(),
                lastSuccessAt: Option.none(),
                lastError: Option.none(),
                consecutiveFailures: 0,
                runs: 0
              })
            )
            // Holding the permit means "a run is in progress"; the finalizer takes it to wait for that run.
            const running = yield* Semaphore.make(1)
            const tick = running.withPermits(1)(runOnce(job))
            const cron = job.cron
            const loop =
              cron === undefined
                ? tick.pipe(Effect.repeat(Schedule.spaced(job.every)))
                : Effect.gen(function* () {
                    // A cron job waits for its first occurrence (a nightly job does not run at every deploy).
                    const first =
                      Cron.next(cron, DateTime.toDateUtc(yield* DateTime.now)).getTime() -
                      DateTime.toEpochMillis(yield* DateTime.now)
                    yield* Effect.sleep(Duration.millis(Math.max(0, first)))
                    yield* tick.pipe(Effect.repeat(Schedule.cron(cron)))
                  })
            const fiber = yield* loop.pipe(Effect.forkIn(scope))
            yield* Scope.addFinalizer(
              scope,
              running
                .take(1)
                .pipe(
                  Effect.timeoutOption(drainTimeout),
                  Effect.andThen(Fiber.interrupt(fiber)),
                  Effect.andThen(Effect.logInfo("job stopped").pipe(Effect.annotateLogs({ job: job.name }))),
                  Effect.provideContext(services)
                )
            )
            yield* Effect.logInfo("job scheduled").pipe(
              Effect.annotateLogs({
                job: job.name,
                ...(cron === undefined ? { every: Duration.format(job.every) } : { cron: Cron.format(cron) }),
                retries: job.retries ?? 0
              })
            )
          })

        return JobRunner.of({
          start,
          states: Ref.get(states).pipe(Effect.map((all) => [...all.values()]))
        })
      })
    )
}
