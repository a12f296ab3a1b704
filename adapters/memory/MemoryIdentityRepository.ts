/** IdentityRepository in process memory, for unit tests; same contract as the Postgres adapter. */
import { Effect, Layer, Ref } from "effect"
import { randomUUID } from "node:crypto"
import { EmailTaken, Membership, Organization, User } from "../../core/identity/Identity.ts"
import { IdentityRepository } from "../../core/identity/ports/IdentityRepository.ts"
import { OrgId, UserId } from "../../core/shared/Ids.ts"

interface State {
  readonly organizations: ReadonlyMap<OrgId, Organization>
  readonly users: ReadonlyMap<string, { readonly user: User; readonly passwordHash: string }>
  readonly memberships: ReadonlyArray<Membership>
}

export const layer = Layer.effect(
  IdentityRepository,
  Effect.gen(function*() {
    const state = yield* Ref.make<State>({ organizations: new Map(), users: new Map(), memberships: [] })
    return IdentityRepository.of({
      registerOwner: (registration) =>
        Ref.modify(state, (s): readonly [Effect.Effect<{ organization: Organization; user: User; membership: Membership }, EmailTaken>, State] => {
          if (s.users.has(registration.email)) return [Effect.fail(new EmailTaken()), s]
          const organization = new Organization({ id: OrgId.make(randomUUID()), name: registration.organizationName })
          const user = new User({ id: UserId.make(randomUUID()), email: registration.email })
          const membership = new Membership({ organizationId: organization.id, userId: user.id, role: "owner" })
          const next: State = {
            organizations: new Map(s.organizations).set(organization.id, organization),
            users: new Map(s.users).set(user.email, { user, passwordHash: registration.passwordHash }),
            memberships: [...s.memberships, membership]
          }
          return [Effect.succeed({ organization, user, membership }), next]
        }).pipe(Effect.flatten)
    })
  })
)
