/** IdentityRepository in process memory, for unit tests; same contract as the Postgres adapter. */
import { DateTime, Effect, Layer, Option, Ref } from "effect"
import { randomUUID } from "node:crypto"
import {
  EmailTaken, LastOwner, MemberChanged, MemberNotFound, Membership, MemberView, Organization, type Role, User
} from "../../core/identity/Identity.ts"
import { IdentityRepository } from "../../core/identity/ports/IdentityRepository.ts"
import { OrgId, UserId } from "../../core/shared/Ids.ts"

interface StoredMembership {
  readonly membership: Membership
  readonly joinedAt: string
}

interface State {
  readonly organizations: ReadonlyMap<string, Organization>
  readonly users: ReadonlyMap<string, { readonly user: User; readonly passwordHash: string }>
  readonly memberships: ReadonlyArray<StoredMembership>
}

export const layer = Layer.effect(
  IdentityRepository,
  Effect.gen(function*() {
    const state = yield* Ref.make<State>({ organizations: new Map(), users: new Map(), memberships: [] })
    const view = (s: State, stored: StoredMembership): MemberView => {
      const user = [...s.users.values()].find((u) => u.user.id === stored.membership.userId)!.user
      return new MemberView({ userId: user.id, email: user.email, role: stored.membership.role, joinedAt: stored.joinedAt })
    }
    const find = (s: State, organizationId: string, userId: string) =>
      s.memberships.find((m) => m.membership.organizationId === organizationId && m.membership.userId === userId)
    const otherOwner = (s: State, organizationId: string, userId: string) =>
      s.memberships.some((m) => m.membership.organizationId === organizationId && m.membership.role === "owner" && m.membership.userId !== userId)
    const joinedAt = DateTime.now.pipe(Effect.map(DateTime.formatIso))
    /** Atomically computes an outcome and the next state. */
    const transact = <A, E>(f: (s: State) => readonly [Effect.Effect<A, E>, State]): Effect.Effect<A, E> =>
      Ref.modify(state, f).pipe(Effect.flatten)

    return IdentityRepository.of({
      registerOwner: (registration) =>
        Effect.gen(function*() {
          const at = yield* joinedAt
          return yield* transact<{ organization: Organization; user: User; membership: Membership }, EmailTaken>((s) => {
            if (s.users.has(registration.email)) return [Effect.fail(new EmailTaken()), s] as const
            const organization = new Organization({ id: registration.organizationId, name: registration.organizationName })
            const user = new User({ id: registration.userId, email: registration.email })
            const membership = new Membership({ organizationId: organization.id, userId: user.id, role: "owner" })
            const next: State = {
              organizations: new Map(s.organizations).set(organization.id, organization),
              users: new Map(s.users).set(user.email, { user, passwordHash: registration.passwordHash }),
              memberships: [...s.memberships, { membership, joinedAt: at }]
            }
            return [Effect.succeed({ organization, user, membership }), next] as const
          })
        }),
      findCredentials: (email) => Ref.get(state).pipe(Effect.map((s) => Option.fromNullishOr(s.users.get(email)))),
      membershipsOf: (userId) =>
        Ref.get(state).pipe(Effect.map((s) => s.memberships.filter((m) => m.membership.userId === userId).map((m) => m.membership))),
      organization: (organizationId) => Ref.get(state).pipe(Effect.map((s) => Option.fromNullishOr(s.organizations.get(organizationId)))),
      member: (organizationId, userId) =>
        Ref.get(state).pipe(Effect.map((s) => Option.fromNullishOr(find(s, organizationId, userId)).pipe(Option.map((m) => view(s, m))))),
      listMembers: (organizationId) =>
        Ref.get(state).pipe(Effect.map((s) => s.memberships.filter((m) => m.membership.organizationId === organizationId).map((m) => view(s, m)))),
      addMember: (organizationId, added) =>
        Effect.gen(function*() {
          const at = yield* joinedAt
          return yield* transact<MemberView, EmailTaken>((s) => {
            if (s.users.has(added.email)) return [Effect.fail(new EmailTaken()), s] as const
            const user = new User({ id: UserId.make(randomUUID()), email: added.email })
            const stored = { membership: new Membership({ organizationId, userId: user.id, role: added.role }), joinedAt: at }
            const next: State = {
              ...s,
              users: new Map(s.users).set(user.email, { user, passwordHash: added.passwordHash }),
              memberships: [...s.memberships, stored]
            }
            return [Effect.succeed(view(next, stored)), next] as const
          })
        }),
      changeRole: (organizationId, userId, from, to: Role) =>
        transact<MemberView, MemberNotFound | MemberChanged | LastOwner>((s) => {
          const current = find(s, organizationId, userId)
          if (current === undefined) return [Effect.fail(new MemberNotFound()), s] as const
          if (current.membership.role !== from) return [Effect.fail(new MemberChanged()), s] as const
          if (from === "owner" && to !== "owner" && !otherOwner(s, organizationId, userId)) return [Effect.fail(new LastOwner()), s] as const
          const changed = { ...current, membership: new Membership({ ...current.membership, role: to }) }
          const next: State = { ...s, memberships: s.memberships.map((m) => (m === current ? changed : m)) }
          return [Effect.succeed(view(next, changed)), next] as const
        }),
      removeMember: (organizationId, userId, expectedRole) =>
        transact<void, MemberNotFound | MemberChanged | LastOwner>((s) => {
          const current = find(s, organizationId, userId)
          if (current === undefined) return [Effect.fail(new MemberNotFound()), s] as const
          if (current.membership.role !== expectedRole) return [Effect.fail(new MemberChanged()), s] as const
          if (current.membership.role === "owner" && !otherOwner(s, organizationId, userId)) return [Effect.fail(new LastOwner()), s] as const
          return [Effect.void, { ...s, memberships: s.memberships.filter((m) => m !== current) }] as const
        })
    })
  })
)
