/**
 * IdentityRepository in process memory, for unit tests; same contract as the Postgres adapter. Each write logs its
 * inverse, so a unit of work that does not succeed takes it back (see UnitOfWork.ts).
 */
import { DateTime, Effect, Layer, Option, Ref } from "effect"
import { randomUUID } from "node:crypto"
import {
  EmailTaken,
  LastOwner,
  MemberChanged,
  MemberNotFound,
  Membership,
  MemberView,
  Organization,
  type Role,
  User
} from "../../core/identity/Identity.ts"
import { type Credentials, IdentityRepository } from "../../core/identity/ports/IdentityRepository.ts"
import { UserId } from "../../core/shared/Ids.ts"
import { onRollback } from "./UnitOfWork.ts"

interface StoredMembership {
  readonly membership: Membership
  readonly joinedAt: string
}

interface State {
  readonly organizations: ReadonlyMap<string, Organization>
  readonly users: ReadonlyMap<string, Credentials>
  readonly memberships: ReadonlyArray<StoredMembership>
}

/** Takes one write back out of whatever the state has become since. */
type Undo = (s: State) => State

export const layer = Layer.effect(
  IdentityRepository,
  Effect.gen(function* () {
    const state = yield* Ref.make<State>({ organizations: new Map(), users: new Map(), memberships: [] })
    const view = (s: State, stored: StoredMembership): Effect.Effect<MemberView> => {
      const found = [...s.users.values()].find((u) => u.user.id === stored.membership.userId)
      // A membership is only ever stored together with its user.
      if (found === undefined)
        return Effect.die(
          new Error(`MemoryIdentityRepository: membership of user ${stored.membership.userId}, who is not stored`)
        )
      const { user } = found
      return Effect.succeed(
        new MemberView({ userId: user.id, email: user.email, role: stored.membership.role, joinedAt: stored.joinedAt })
      )
    }
    const find = (s: State, organizationId: string, userId: string) =>
      s.memberships.find((m) => m.membership.organizationId === organizationId && m.membership.userId === userId)
    const otherOwner = (s: State, organizationId: string, userId: string) =>
      s.memberships.some(
        (m) =>
          m.membership.organizationId === organizationId &&
          m.membership.role === "owner" &&
          m.membership.userId !== userId
      )
    const joinedAt = DateTime.now.pipe(Effect.map(DateTime.formatIso))
    /** Atomically computes an outcome and the next state; `undo`, if given, takes the write back on rollback. */
    const transact = <A, E>(f: (s: State) => readonly [Effect.Effect<A, E>, State, Undo?]): Effect.Effect<A, E> =>
      Ref.modify(state, (s) => {
        const [outcome, next, undo] = f(s)
        const logged = undo === undefined ? outcome : Effect.tap(outcome, () => onRollback(Ref.update(state, undo)))
        return [logged, next] as const
      }).pipe(Effect.flatten)
    const byId = (s: State, userId: string) => [...s.users.values()].find((c) => c.user.id === userId)
    /** Changes a user; inside a unit of work that fails, the user is put back as they were. */
    const updateUser = (userId: string, change: (c: Credentials) => Credentials) =>
      Ref.modify(state, (s) => {
        const found = byId(s, userId)
        return found === undefined
          ? [undefined, s]
          : [found, { ...s, users: new Map(s.users).set(found.user.email, change(found)) }]
      }).pipe(
        Effect.flatMap((before) =>
          before === undefined
            ? Effect.void
            : onRollback(Ref.update(state, (s) => ({ ...s, users: new Map(s.users).set(before.user.email, before) })))
        )
      )
    const without = <V>(map: ReadonlyMap<string, V>, key: string) => {
      const copy = new Map(map)
      copy.delete(key)
      return copy
    }

    return IdentityRepository.of({
      registerOwner: (registration) =>
        Effect.gen(function* () {
          const at = yield* joinedAt
          return yield* transact<{ organization: Organization; user: User; membership: Membership }, EmailTaken>(
            (s) => {
              if (s.users.has(registration.email)) return [Effect.fail(new EmailTaken()), s] as const
              const organization = new Organization({
                id: registration.organizationId,
                name: registration.organizationName
              })
              const user = new User({ id: registration.userId, email: registration.email })
              const membership = new Membership({ organizationId: organization.id, userId: user.id, role: "owner" })
              const stored = { membership, joinedAt: at }
              const next: State = {
                organizations: new Map(s.organizations).set(organization.id, organization),
                users: new Map(s.users).set(user.email, {
                  user,
                  passwordHash: registration.passwordHash,
                  verified: true
                }),
                memberships: [...s.memberships, stored]
              }
              const undo: Undo = (later) => ({
                organizations: without(later.organizations, organization.id),
                users: without(later.users, user.email),
                memberships: later.memberships.filter((m) => m !== stored)
              })
              return [Effect.succeed({ organization, user, membership }), next, undo] as const
            }
          )
        }),
      findCredentials: (email) => Ref.get(state).pipe(Effect.map((s) => Option.fromNullishOr(s.users.get(email)))),
      credentialsOf: (userId) => Ref.get(state).pipe(Effect.map((s) => Option.fromNullishOr(byId(s, userId)))),
      setPassword: (userId, passwordHash) => updateUser(userId, (c) => ({ ...c, passwordHash })),
      markEmailVerified: (userId) => updateUser(userId, (c) => ({ ...c, verified: true })),
      membershipsOf: (userId) =>
        Ref.get(state).pipe(
          Effect.map((s) => s.memberships.filter((m) => m.membership.userId === userId).map((m) => m.membership))
        ),
      organization: (organizationId) =>
        Ref.get(state).pipe(Effect.map((s) => Option.fromNullishOr(s.organizations.get(organizationId)))),
      member: (organizationId, userId) =>
        Ref.get(state).pipe(
          Effect.flatMap((s) =>
            Effect.transposeOption(
              Option.fromNullishOr(find(s, organizationId, userId)).pipe(Option.map((m) => view(s, m)))
            )
          )
        ),
      listMembers: (organizationId) =>
        Ref.get(state).pipe(
          Effect.flatMap((s) =>
            Effect.forEach(
              s.memberships.filter((m) => m.membership.organizationId === organizationId),
              (m) => view(s, m)
            )
          )
        ),
      addMember: (organizationId, added) =>
        Effect.gen(function* () {
          const at = yield* joinedAt
          return yield* transact<MemberView, EmailTaken>((s) => {
            const existing = s.users.get(added.email)
            // An account in no organisation any more (a removed member) is taken over; any membership is EmailTaken.
            if (existing !== undefined && s.memberships.some((m) => m.membership.userId === existing.user.id))
              return [Effect.fail(new EmailTaken()), s] as const
            const user = existing?.user ?? new User({ id: UserId.make(randomUUID()), email: added.email })
            const stored = {
              membership: new Membership({ organizationId, userId: user.id, role: added.role }),
              joinedAt: at
            }
            const next: State = {
              ...s,
              users: new Map(s.users).set(user.email, { user, passwordHash: added.passwordHash, verified: true }),
              memberships: [...s.memberships, stored]
            }
            const undo: Undo = (later) => ({
              ...later,
              users:
                existing === undefined
                  ? without(later.users, user.email)
                  : new Map(later.users).set(user.email, existing),
              memberships: later.memberships.filter((m) => m !== stored)
            })
            return [view(next, stored), next, undo] as const
          })
        }),
      changeRole: (organizationId, userId, from, to: Role) =>
        transact<MemberView, MemberNotFound | MemberChanged | LastOwner>((s) => {
          const current = find(s, organizationId, userId)
          if (current === undefined) return [Effect.fail(new MemberNotFound()), s] as const
          if (current.membership.role !== from) return [Effect.fail(new MemberChanged()), s] as const
          if (from === "owner" && to !== "owner" && !otherOwner(s, organizationId, userId))
            return [Effect.fail(new LastOwner()), s] as const
          const changed = { ...current, membership: new Membership({ ...current.membership, role: to }) }
          const next: State = { ...s, memberships: s.memberships.map((m) => (m === current ? changed : m)) }
          const undo: Undo = (later) => ({
            ...later,
            memberships: later.memberships.map((m) => (m === changed ? current : m))
          })
          return [view(next, changed), next, undo] as const
        }),
      removeMember: (organizationId, userId, expectedRole) =>
        transact<void, MemberNotFound | MemberChanged | LastOwner>((s) => {
          const current = find(s, organizationId, userId)
          if (current === undefined) return [Effect.fail(new MemberNotFound()), s] as const
          if (current.membership.role !== expectedRole) return [Effect.fail(new MemberChanged()), s] as const
          if (current.membership.role === "owner" && !otherOwner(s, organizationId, userId))
            return [Effect.fail(new LastOwner()), s] as const
          const index = s.memberships.indexOf(current)
          const undo: Undo = (later) => ({ ...later, memberships: later.memberships.toSpliced(index, 0, current) })
          return [Effect.void, { ...s, memberships: s.memberships.filter((m) => m !== current) }, undo] as const
        })
    })
  })
)
