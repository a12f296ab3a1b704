/**
 * Port: the absolute URLs a person follows from an email (the console's pages), derived by the app from its public
 * base URL. Core writes the emails; where the console lives is the deployment's business.
 */
import { Context } from "effect"

export interface PublicLinksShape {
  /** The console page that confirms an email address; the token travels in the fragment, never to a server log. */
  readonly verifyEmail: (token: string) => string
  readonly resetPassword: (token: string) => string
  readonly forgotPassword: string
  readonly login: string
  readonly connections: string
}

export class PublicLinks extends Context.Service<PublicLinks, PublicLinksShape>()(
  "tradeport/core/shared/ports/PublicLinks"
) {}
