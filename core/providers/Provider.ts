/**
 * What Tradeport knows about a provider before it talks to it: one typed record per provider (its id, what kind of
 * business it is, how merchants authorise it, its hosts per environment, how its tokens are refreshed and its
 * webhooks signed, and what it can do). Providers register a descriptor with their adapters; nothing outside the
 * catalogue switches on provider ids.
 */
import { Schema } from "effect"

/** A provider's id as stored on connections and in URLs (`shopify`, `fedex`, `ups`…). */
export const ProviderId = Schema.String.pipe(Schema.check(Schema.isPattern(/^[a-z][a-z0-9_]{1,31}$/)))
export type ProviderId = typeof ProviderId.Type

export const ProviderKind = Schema.Literals(["channel", "marketplace", "carrier", "ads", "source"])
export type ProviderKind = typeof ProviderKind.Type

/**
 * How a merchant authorises Tradeport: an OAuth authorization code (with PKCE or without), a key exchange (the
 * store posts API keys back), client credentials of the merchant's own account, the deployment's own account
 * (configured by the operator), or a signing secret Tradeport issues.
 */
export const AuthKind = Schema.Literals([
  "authorization_code",
  "authorization_code_pkce",
  "key_exchange",
  "client_credentials",
  "deployment_account",
  "signing_secret"
])
export type AuthKind = typeof AuthKind.Type

/** How access tokens are renewed before they expire. */
export const RefreshKind = Schema.Literals(["refresh_token", "client_credentials", "deployment_account", "none"])
export type RefreshKind = typeof RefreshKind.Type

/** How inbound webhooks are signed: per connection, with the app's secret, with the deployment account's, or none. */
export const WebhookSigning = Schema.Literals(["connection_secret", "app_secret", "account_secret", "none"])
export type WebhookSigning = typeof WebhookSigning.Type

export const Capability = Schema.Literals([
  "orders",
  "webhooks",
  "rates",
  "labels",
  "tracking",
  "purchases",
  "catalog",
  "profiles"
])
export type Capability = typeof Capability.Type

/**
 * What a merchant enters to connect an account (drawn as a form by the console): for a browser flow the install
 * parameters (a shop domain, a store URL, a region), for client credentials the account's own credentials.
 */
export class ConnectField extends Schema.Class<ConnectField>("ConnectField")({
  name: Schema.String,
  label: Schema.String,
  input: Schema.Literals(["text", "url", "password", "choice"]),
  placeholder: Schema.optionalKey(Schema.String),
  pattern: Schema.optionalKey(Schema.String),
  choices: Schema.optionalKey(Schema.Array(Schema.Struct({ value: Schema.String, label: Schema.String })))
}) {}

export class ProviderDescriptor extends Schema.Class<ProviderDescriptor>("ProviderDescriptor")({
  id: ProviderId,
  displayName: Schema.String,
  kind: ProviderKind,
  auth: AuthKind,
  /** The scopes asked for at consent (empty when the provider has none). */
  scopes: Schema.Array(Schema.String),
  /** API origins by environment (`sandbox`, `live`, or per region for providers that have regions). */
  endpoints: Schema.Record(Schema.String, Schema.String),
  refresh: RefreshKind,
  webhooks: WebhookSigning,
  capabilities: Schema.Array(Capability),
  /** What a merchant enters to connect (empty for deployment accounts and signing secrets). */
  connectFields: Schema.Array(ConnectField),
  /** Where the provider documents its API (for operators and for whoever adds the next provider). */
  documentation: Schema.String
}) {}

export const can = (descriptor: ProviderDescriptor, capability: Capability) =>
  descriptor.capabilities.includes(capability)
