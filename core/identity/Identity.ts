/**
 * Organisations, users and memberships: who may act for which merchant. Values are validated here so that every
 * entry point (HTTP, CLI, tests) gets the same rules.
 */
import { Schema, SchemaTransformation } from "effect"
import { OrgId, UserId } from "../shared/Ids.ts"

/** Emails are compared case-insensitively: decoding trims and lower-cases them. */
export const Email = Schema.String.pipe(
  Schema.decode(
    SchemaTransformation.composeTransformation(SchemaTransformation.trim(), SchemaTransformation.toLowerCase())
  ),
  Schema.check(
    Schema.isMaxLength(254),
    Schema.isPattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: "must be an email address" })
  ),
  Schema.brand("Email")
)
export type Email = typeof Email.Type

/**
 * A new password as presented. Its rules (length in code points, no control characters, not common) are the
 * PasswordPolicy, which the use cases apply before hashing, so that a refusal is a WeakPassword with a reason
 * rather than a decoding error.
 */
export const Password = Schema.String.pipe(Schema.brand("Password"))
export type Password = typeof Password.Type

export const OrganizationName = Schema.String.pipe(
  Schema.check(Schema.isTrimmed(), Schema.isMinLength(1), Schema.isMaxLength(200)),
  Schema.brand("OrganizationName")
)
export type OrganizationName = typeof OrganizationName.Type

/**
 * C0 and C1 controls (NUL, ESC, line breaks …) and the bidirectional embedding, override, isolate and mark characters
 * that make a name display as something else (U+202E shows "Acme \u202Esdoog" as "Acme goods").
 */
const UNSAFE_IN_NAMES = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u

/**
 * A name chosen now: an OrganizationName without control or bidirectional formatting characters. Stored names are
 * still read as OrganizationName, so a name accepted before this rule keeps loading.
 */
export const NewOrganizationName = OrganizationName.check(
  Schema.makeFilter((name: string) => !UNSAFE_IN_NAMES.test(name), {
    message: "must not contain control or bidirectional formatting characters"
  })
)

export const Role = Schema.Literals(["owner", "admin", "member"])
export type Role = typeof Role.Type

export class Organization extends Schema.Class<Organization>("Organization")({
  id: OrgId,
  name: OrganizationName
}) {}

export class User extends Schema.Class<User>("User")({
  id: UserId,
  email: Email
}) {}

export class Membership extends Schema.Class<Membership>("Membership")({
  organizationId: OrgId,
  userId: UserId,
  role: Role
}) {}

export const WeakPasswordReason = Schema.Literals([
  "too_short",
  "too_long",
  "control_character",
  "invalid_text",
  "too_few_distinct",
  "common"
])
export type WeakPasswordReason = typeof WeakPasswordReason.Type

/** A new password the PasswordPolicy refuses; `reason` names the first rule it breaks. */
export class WeakPassword extends Schema.TaggedError<WeakPassword>()("WeakPassword", {
  reason: WeakPasswordReason
}) {}

export class EmailTaken extends Schema.TaggedError<EmailTaken>()("EmailTaken", {}) {}

/** A password change whose current password is wrong (or whose account is locked by failed attempts). */
export class WrongPassword extends Schema.TaggedError<WrongPassword>()("WrongPassword", {}) {}

/** Wrong email, wrong password, unknown account or locked account: deliberately indistinguishable. */
export class InvalidCredentials extends Schema.TaggedError<InvalidCredentials>()("InvalidCredentials", {}) {}

/** The refresh token is unknown, expired, revoked or was already used. */
export class InvalidRefreshToken extends Schema.TaggedError<InvalidRefreshToken>()("InvalidRefreshToken", {}) {}

export class InsufficientRole extends Schema.TaggedError<InsufficientRole>()("InsufficientRole", {
  required: Role
}) {}

export class MemberNotFound extends Schema.TaggedError<MemberNotFound>()("MemberNotFound", {}) {}

/** The member's role changed between reading it and acting on it: the caller should look again. */
export class MemberChanged extends Schema.TaggedError<MemberChanged>()("MemberChanged", {}) {}

/** An organisation always keeps at least one owner. */
export class LastOwner extends Schema.TaggedError<LastOwner>()("LastOwner", {}) {}

export class MemberView extends Schema.Class<MemberView>("MemberView")({
  userId: UserId,
  email: Email,
  role: Role,
  joinedAt: Schema.String
}) {}
