/** Connections handlers: the caller's organisation only (row-level security underneath). */
import { DateTime, Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import type { Connection } from "../../core/connections/Connection.ts"
import * as Connect from "../../core/connections/Connect.ts"
import * as Connections from "../../core/connections/Connections.ts"
import { freshness, refreshDueAt } from "../../core/connections/TokenLifecycle.ts"
import { MAX_AGE } from "../../core/connections/RefreshRunner.ts"
import { caller } from "./Authentication.ts"
import { Api } from "./Api.ts"
import { ConnectionView, CustomSourceCreated, TokenHealth } from "./ConnectionsApi.ts"
import { problems } from "./ErrorMapping.ts"
import { NotFound } from "./Problems.ts"

const iso = (t: DateTime.Utc | null) => (t === null ? null : DateTime.formatIso(t))

export const toView = (c: Connection) =>
  new ConnectionView({
    id: c.id,
    provider: c.provider,
    externalAccount: c.externalAccount,
    displayName: c.displayName,
    status: c.status,
    tokenExpiresAt: iso(c.tokenExpiresAt),
    lastRefreshedAt: iso(c.lastRefreshedAt),
    lastError: c.lastError,
    settings: c.settings
  })

const notFound = () => Effect.fail(new NotFound({ code: "connection_not_found" }))

export const ConnectionsHandlers = HttpApiBuilder.group(Api, "connections", (handlers) =>
  handlers
    .handle("list", () =>
      caller.pipe(
        Effect.flatMap(Connections.list),
        Effect.map((all) => ({ connections: all.map(toView) })),
        Effect.catchTags({ PersistenceError: problems.PersistenceError })
      )
    )
    .handle("get", ({ params }) =>
      caller.pipe(
        Effect.flatMap((p) => Connections.get(p, params.id)),
        Effect.map(toView),
        Effect.catchTags({ ConnectionNotFound: notFound, PersistenceError: problems.PersistenceError })
      )
    )
    .handle("status", ({ params }) =>
      Effect.gen(function* () {
        const connection = yield* Connections.get(yield* caller, params.id)
        const now = yield* DateTime.now
        const expiresAt = Option.fromNullishOr(connection.tokenExpiresAt)
        return new TokenHealth({
          id: connection.id,
          provider: connection.provider,
          status: connection.status,
          token:
            connection.status === "disconnected"
              ? "none"
              : Option.isNone(expiresAt)
                ? "none"
                : freshness(expiresAt, now),
          expiresAt: iso(connection.tokenExpiresAt),
          expiresInSeconds: Option.match(expiresAt, {
            onNone: () => null,
            onSome: (t) => Math.floor((DateTime.toEpochMillis(t) - DateTime.toEpochMillis(now)) / 1000)
          }),
          nextRefreshAt:
            connection.status !== "connected" || connection.tokenExpiresAt === null
              ? null
              : DateTime.formatIso(
                  DateTime.min(
                    refreshDueAt(connection.tokenExpiresAt),
                    DateTime.addDuration(connection.lastRefreshedAt ?? now, MAX_AGE)
                  )
                ),
          lastRefreshedAt: iso(connection.lastRefreshedAt),
          lastError: connection.lastError
        })
      }).pipe(Effect.catchTags({ ConnectionNotFound: notFound, PersistenceError: problems.PersistenceError }))
    )
    .handle("createCustomSource", ({ payload }) =>
      caller.pipe(
        Effect.flatMap((principal) => Connect.createCustomSource(principal, payload.name)),
        Effect.map(
          ({ connection, webhookSecret, webhookUrl }) =>
            new CustomSourceCreated({ connection: toView(connection), webhookUrl, webhookSecret })
        ),
        Effect.catchTags({ InsufficientRole: problems.InsufficientRole, PersistenceError: problems.PersistenceError })
      )
    )
    .handle("disconnect", ({ params }) =>
      caller.pipe(
        Effect.flatMap((p) => Connections.disconnect(p, params.id)),
        Effect.map(toView),
        Effect.catchTags({
          InsufficientRole: problems.InsufficientRole,
          ConnectionNotFound: notFound,
          PersistenceError: problems.PersistenceError
        })
      )
    )
)
