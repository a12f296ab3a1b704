// @ts-check
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The Tradeport console: plain ES modules, no framework and no build step (type-checked by tsc through JSDoc).
 * The access token lives in memory only; the refresh token is an HttpOnly cookie the page cannot read, renewed
 * through POST /api/v1/auth/session/refresh with the X-Tradeport-CSRF header. Everything shown is inserted as
 * text, never as HTML.
 */

/** @type {string | undefined} */
let accessToken
/** @type {number | undefined} */
let ticker

const main = /** @type {HTMLElement} */ (document.getElementById("main"))
const banner = /** @type {HTMLElement} */ (document.getElementById("banner"))
const nav = /** @type {HTMLElement} */ (document.getElementById("nav"))
const logoutButton = /** @type {HTMLButtonElement} */ (document.getElementById("logout"))

/** What each connect-flow outcome means to a person (the reason codes the callbacks send). */
const OUTCOMES = /** @type {Record<string, string>} */ ({
  denied: "Connection failed: you denied permission.",
  state_invalid: "The link expired, try again.",
  not_allowed: "This store URL is not allowed.",
  invalid_response: "Connection failed: the provider's answer could not be verified. Try again.",
  insufficient_scope:
    "Connection failed: not every permission Tradeport needs was granted. Try again and approve all of them.",
  exchange_failed: "Connection failed: the provider did not accept the authorisation. Try again.",
  keys_not_received: "Connection failed: the store did not send its API keys. Try again.",
  session_mismatch:
    "Connection failed: finish connecting in the browser where you started it, while logged in to Tradeport.",
  provider_error: "Connection failed: the provider reported a problem. Try again later."
})

/**
 * The provider catalogue (GET /api/v1/providers): names, how each is connected and what a merchant enters. Loaded
 * after login; the console draws its connect cards from it and knows no provider of its own.
 * @type {Array<Record<string, any>>}
 */
let catalogue = []

const loadCatalogue = async () => {
  const response = await api("GET", "/api/v1/providers")
  if (response.ok) catalogue = (await response.json()).providers
  return catalogue
}

/** @param {string} id */
const nameOf = (id) => catalogue.find((p) => p.id === id)?.displayName ?? id

const STATUS = /** @type {Record<string, string>} */ ({
  connected: "Connected",
  error: "Error",
  needs_reauth: "Needs re-auth",
  disconnected: "Disconnected"
})

/**
 * @param {string} tag
 * @param {Record<string, string>} [attributes]
 * @param {Array<Node | string>} [children]
 */
const el = (tag, attributes = {}, children = []) => {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value)
  for (const child of children) node.append(child)
  return node
}

/** @param {string} text @param {"ok" | "error"} kind */
const say = (text, kind) => {
  banner.className = kind
  banner.setAttribute("role", kind === "error" ? "alert" : "status")
  banner.textContent = text
}

/** @param {Response} response */
const problemOf = async (response) => {
  try {
    const body = await response.json()
    return typeof body?.detail === "string"
      ? body.detail
      : typeof body?.code === "string"
        ? body.code
        : `HTTP ${response.status}`
  } catch {
    return `HTTP ${response.status}`
  }
}

/** @param {unknown} body */
const rememberSession = (body) => {
  const session = /** @type {{ accessToken?: string }} */ (body)
  accessToken = session.accessToken
}

/** @type {Promise<boolean> | undefined} */
let renewing

/**
 * One renewal at a time: the refresh token rotates, and presenting the old one again (a second renewal racing the
 * first) counts as reuse and ends the session. Within the page the in-flight renewal is shared; across tabs a Web
 * Lock serialises them (the next tab then presents the already rotated cookie).
 */
const renew = () => {
  renewing ??= (async () => {
    const once = async () => {
      const response = await fetch("/api/v1/auth/session/refresh", {
        method: "POST",
        headers: { "x-tradeport-csrf": "1" },
        credentials: "same-origin"
      })
      if (!response.ok) return false
      rememberSession(await response.json())
      return true
    }
    return navigator.locks === undefined ? once() : navigator.locks.request("tradeport-session-renew", once)
  })().finally(() => {
    renewing = undefined
  })
  return renewing
}

/**
 * An API call with the in-memory access token, renewed once on a 401.
 * @param {string} method @param {string} path
 * @param {{ json?: unknown, body?: BodyInit, contentType?: string, accept?: string }} [options]
 * @returns {Promise<Response>}
 */
const api = async (method, path, options = {}) => {
  const send = () => {
    /** @type {Record<string, string>} */
    const headers = { accept: options.accept ?? "application/json" }
    if (accessToken !== undefined) headers["authorization"] = `Bearer ${accessToken}`
    if (options.json !== undefined) headers["content-type"] = "application/json"
    if (options.contentType !== undefined) headers["content-type"] = options.contentType
    const body = options.json !== undefined ? JSON.stringify(options.json) : options.body
    return fetch(path, { method, headers, credentials: "same-origin", ...(body === undefined ? {} : { body }) })
  }
  let response = await send()
  if (response.status === 401 && (await renew())) response = await send()
  if (response.status === 401) {
    accessToken = undefined
    showLogin()
  }
  return response
}

/** @param {string} title @param {Array<Node | string>} children */
const page = (title, children) => {
  if (ticker !== undefined) window.clearInterval(ticker)
  main.replaceChildren(el("h1", {}, [title]), ...children)
  main.focus()
}

const loading = () => el("p", { class: "loading", "aria-busy": "true" }, ["Loading…"])

// ---- Login and the account pages (sign up, verify, forgot, reset, change) -------------------------------------

/**
 * A form on a card: labelled inputs, a submit button that is disabled while the request runs, and the banner (a live
 * region; role=alert for errors) saying what happened. `hint` ids describe fields (aria-describedby).
 * @param {string} title @param {Array<Node>} fields @param {string} action
 * @param {(data: FormData, form: HTMLFormElement) => Promise<void>} submit
 */
const formCard = (title, fields, action, submit) => {
  const button = /** @type {HTMLButtonElement} */ (el("button", { type: "submit" }, [action]))
  const form = /** @type {HTMLFormElement} */ (el("form", { "aria-label": title }, [...fields, button]))
  form.addEventListener("submit", async (event) => {
    event.preventDefault()
    button.disabled = true
    try {
      await submit(new FormData(form), form)
    } finally {
      button.disabled = false
    }
  })
  return form
}

/** A new-password input with the policy as its description; marked invalid (and focused) when refused. */
const newPasswordField = (id = "new-password", label = "New password") => [
  el("label", { for: id }, [label]),
  el("input", {
    id,
    name: id,
    type: "password",
    autocomplete: "new-password",
    required: "",
    minlength: "12",
    maxlength: "256",
    "aria-describedby": `${id}-hint`
  }),
  el("p", { id: `${id}-hint`, class: "hint" }, ["At least 12 characters; a few unrelated words make a good one."])
]

/** @param {HTMLFormElement} form @param {string} name @param {boolean} invalid */
const markInvalid = (form, name, invalid) => {
  const input = form.querySelector(`[name="${name}"]`)
  if (input === null) return
  if (invalid) {
    input.setAttribute("aria-invalid", "true")
    const target = /** @type {HTMLElement} */ (input)
    target.focus()
  } else input.removeAttribute("aria-invalid")
}

/** @param {string} path @param {unknown} body */
const postJson = (path, body) =>
  fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    credentials: "same-origin",
    body: JSON.stringify(body)
  })

/** @param {string} href @param {string} text */
const link = (href, text) => el("a", { href }, [text])

/** The one-time token a link carries in its fragment; removed from the address bar (and history) at once. */
const takeToken = () => {
  const token = new URLSearchParams(window.location.hash.slice(1)).get("token") ?? ""
  if (window.location.hash !== "") window.history.replaceState({}, "", window.location.pathname)
  return token
}

/** @param {string} email */
const resendCard = (email = "") =>
  el("div", { class: "card" }, [
    el("h2", {}, ["Need a new confirmation link?"]),
    formCard(
      "Send a new confirmation link",
      [
        el("label", { for: "resend-email" }, ["Email"]),
        el("input", {
          id: "resend-email",
          name: "email",
          type: "email",
          autocomplete: "email",
          required: "",
          value: email
        })
      ],
      "Send a new link",
      async (data) => {
        const response = await postJson("/api/v1/auth/verify/resend", { email: data.get("email") })
        if (!response.ok) return say(await problemOf(response), "error")
        say("If that address has an unconfirmed account, a new link is on its way. Check your email.", "ok")
      }
    )
  ])

const showLogin = () => {
  nav.hidden = true
  logoutButton.hidden = true
  const form = formCard(
    "Log in",
    [
      el("label", { for: "email" }, ["Email"]),
      el("input", { id: "email", name: "email", type: "email", autocomplete: "username", required: "" }),
      el("label", { for: "password" }, ["Password"]),
      el("input", {
        id: "password",
        name: "password",
        type: "password",
        autocomplete: "current-password",
        required: ""
      })
    ],
    "Log in",
    async (data) => {
      const email = String(data.get("email") ?? "")
      const response = await postJson("/api/v1/auth/session", { email, password: data.get("password") })
      if (!response.ok)
        return say(response.status === 401 ? "Email or password is incorrect." : await problemOf(response), "error")
      rememberSession(await response.json())
      banner.textContent = ""
      window.history.pushState({}, "", "/console/connections")
      await loadCatalogue()
      route()
    }
  )
  page("Log in", [
    el("div", { class: "card" }, [form]),
    el("p", { class: "links" }, [
      link("/console/signup", "Create an account"),
      " · ",
      link("/console/forgot-password", "Forgot your password?")
    ])
  ])
}

const showSignup = () => {
  const form = formCard(
    "Create an account",
    [
      el("label", { for: "organization" }, ["Organisation name"]),
      el("input", {
        id: "organization",
        name: "organizationName",
        type: "text",
        autocomplete: "organization",
        required: "",
        maxlength: "200"
      }),
      el("label", { for: "signup-email" }, ["Email"]),
      el("input", { id: "signup-email", name: "email", type: "email", autocomplete: "email", required: "" }),
      ...newPasswordField("password", "Password")
    ],
    "Create account",
    async (data, form) => {
      const response = await postJson("/api/v1/auth/register", {
        organizationName: data.get("organizationName"),
        email: data.get("email"),
        password: data.get("password")
      })
      markInvalid(form, "password", response.status === 422)
      if (!response.ok) return say(await problemOf(response), "error")
      banner.textContent = ""
      page("Check your email", [
        el("div", { class: "card" }, [
          el("p", {}, [
            `We sent an email to ${String(data.get("email"))}. Follow the link in it to confirm your address, then log in.`
          ]),
          el("p", { class: "hint" }, ["The link works once and expires in 24 hours."])
        ]),
        resendCard(String(data.get("email") ?? ""))
      ])
      say("Check your email to finish signing up.", "ok")
    }
  )
  page("Create an account", [
    el("div", { class: "card" }, [form]),
    el("p", { class: "links" }, [link("/console", "Already have an account? Log in")])
  ])
}

const showVerify = async () => {
  const token = takeToken()
  page("Confirm your email", [loading()])
  const response = token === "" ? undefined : await postJson("/api/v1/auth/verify", { token })
  if (response?.status === 204) {
    say("Your email address is confirmed. You can log in now.", "ok")
    return showLogin()
  }
  say(response === undefined ? "This link is not valid." : await problemOf(response), "error")
  page("Confirm your email", [
    el("p", {}, [
      "This confirmation link is not valid: it expired or was already used. If you already confirmed, log in."
    ]),
    el("p", { class: "links" }, [link("/console", "Log in")]),
    resendCard()
  ])
}

const showForgot = () => {
  const form = formCard(
    "Reset your password",
    [
      el("label", { for: "forgot-email" }, ["Email"]),
      el("input", { id: "forgot-email", name: "email", type: "email", autocomplete: "email", required: "" })
    ],
    "Send reset link",
    async (data) => {
      const response = await postJson("/api/v1/auth/password/forgot", { email: data.get("email") })
      if (!response.ok) return say(await problemOf(response), "error")
      say(
        "If that address has an account, a reset link is on its way. Check your email: it works for 30 minutes.",
        "ok"
      )
    }
  )
  page("Forgot your password?", [
    el("div", { class: "card" }, [form]),
    el("p", { class: "links" }, [link("/console", "Back to log in")])
  ])
}

const showReset = () => {
  const token = takeToken()
  const form = formCard(
    "Choose a new password",
    [...newPasswordField(), ...newPasswordField("confirm-password", "Repeat the new password")],
    "Set new password",
    async (data, form) => {
      if (data.get("new-password") !== data.get("confirm-password")) {
        markInvalid(form, "confirm-password", true)
        return say("The two passwords differ.", "error")
      }
      const response = await postJson("/api/v1/auth/password/reset", { token, password: data.get("new-password") })
      if (response.status === 204) {
        say("Your password is changed and every session was logged out. Log in with the new password.", "ok")
        window.history.pushState({}, "", "/console")
        return showLogin()
      }
      const body = await response.json().catch(() => ({}))
      markInvalid(form, "new-password", body?.code === "weak_password")
      say(typeof body?.detail === "string" ? body.detail : `HTTP ${response.status}`, "error")
      if (body?.code === "invalid_token")
        form.after(el("p", { class: "links" }, [link("/console/forgot-password", "Ask for a new link")]))
    }
  )
  page("Choose a new password", [el("div", { class: "card" }, [form])])
}

const showAccount = async () => {
  const form = formCard(
    "Change password",
    [
      el("label", { for: "current-password" }, ["Current password"]),
      el("input", {
        id: "current-password",
        name: "current-password",
        type: "password",
        autocomplete: "current-password",
        required: ""
      }),
      ...newPasswordField()
    ],
    "Change password",
    async (data, form) => {
      const response = await api("POST", "/api/v1/me/password", {
        json: { currentPassword: data.get("current-password"), newPassword: data.get("new-password") }
      })
      markInvalid(form, "current-password", response.status === 403)
      markInvalid(form, "new-password", response.status === 422)
      if (!response.ok) return say(await problemOf(response), "error")
      form.reset()
      say("Password changed. Your other sessions were logged out.", "ok")
    }
  )
  page("Account", [el("section", { class: "card" }, [el("h2", {}, ["Change password"]), form])])
}

/** Pages for people who are not logged in: shown without a session. */
const PUBLIC = /** @type {Record<string, () => void | Promise<void>>} */ ({
  signup: showSignup,
  verify: showVerify,
  "forgot-password": showForgot,
  "reset-password": showReset
})

// ---- Connections ----------------------------------------------------------------------------------------------

/** @param {string} status */
const badge = (status) => el("span", { class: `badge ${status}` }, [STATUS[status] ?? status])

/**
 * Starts a browser connect flow: the API answers the consent URL (and sets the flow's cookie), the page goes there.
 * @param {string} path
 */
const startFlow = async (path) => {
  const response = await api("GET", path)
  if (!response.ok) return say(await problemOf(response), "error")
  const { authorizeUrl } = await response.json()
  window.location.assign(authorizeUrl)
}

/** @param {string} id @param {string} label @param {string} type @param {Record<string, string>} [extra] */
const field = (id, label, type, extra = {}) => [
  el("label", { for: id }, [label]),
  el("input", { id, name: id, type, required: "", ...extra })
]

/** @param {string} title @param {Array<Node>} fields @param {string} action @param {(data: FormData, button: HTMLButtonElement) => Promise<void>} submit */
const connectCard = (title, fields, action, submit) => {
  const button = /** @type {HTMLButtonElement} */ (el("button", { type: "submit" }, [action]))
  const form = el("form", { "aria-label": title }, [...fields, button])
  form.addEventListener("submit", async (event) => {
    event.preventDefault()
    button.disabled = true
    try {
      await submit(new FormData(/** @type {HTMLFormElement} */ (form)), button)
    } finally {
      button.disabled = false
    }
  })
  return el("section", { class: "card" }, [el("h2", {}, [title]), form])
}

/** Flows a merchant completes in the browser: started with the provider's connect fields as query parameters. */
const BROWSER_FLOWS = ["authorization_code", "authorization_code_pkce", "key_exchange"]

/** @param {Record<string, any>} provider @param {Record<string, string>} values */
const install = (provider, values) =>
  startFlow(`/api/v1/auth/${provider.id}/install?${new URLSearchParams(values).toString()}`)

/**
 * Reconnecting repeats the browser flow for the same account: its one connect field comes from the account (the
 * part before ":" for a choice such as a region).
 * @param {Record<string, any>} c
 */
const reconnect = (c) => {
  const provider = catalogue.find((p) => p.id === c.provider)
  if (provider === undefined || !provider.configured || !BROWSER_FLOWS.includes(provider.auth)) return undefined
  const [first] = provider.connectFields
  if (first === undefined || provider.connectFields.length !== 1) return undefined
  const account = String(c.externalAccount)
  const value = first.input === "choice" ? (account.split(":")[0] ?? account) : account
  return () => install(provider, { [first.name]: value })
}

/** A form field as the catalogue describes it; ids are prefixed by the provider so every card's are unique. */
/** @param {Record<string, any>} provider @param {Record<string, any>} f */
const connectField = (provider, f) => {
  const id = `${provider.id}-${f.name}`
  if (f.input === "choice") {
    return [
      el("label", { for: id }, [f.label]),
      el(
        "select",
        { id, name: f.name },
        f.choices.map((/** @type {{value: string, label: string}} */ o) => el("option", { value: o.value }, [o.label]))
      )
    ]
  }
  return field(id, f.label, f.input, {
    name: f.name,
    autocomplete: "off",
    ...(f.placeholder === undefined ? {} : { placeholder: f.placeholder }),
    ...(f.pattern === undefined ? {} : { pattern: f.pattern })
  })
}

/** @param {FormData} data */
const valuesOf = (data) => Object.fromEntries([...data.entries()].map(([k, v]) => [k, String(v)]))

/** @param {Record<string, any>} provider @param {string} g2a */
const providerCard = (provider, g2a) => {
  if (!provider.configured) {
    return el("section", { class: "card" }, [
      el("h2", {}, [provider.displayName]),
      el("p", { class: "muted" }, ["Not configured on this server: the operator adds the app's credentials."])
    ])
  }
  if (BROWSER_FLOWS.includes(provider.auth)) {
    return connectCard(
      provider.displayName,
      provider.connectFields.flatMap((/** @type {Record<string, any>} */ f) => connectField(provider, f)),
      `Connect ${provider.displayName}`,
      async (data) => install(provider, valuesOf(data))
    )
  }
  if (provider.auth === "client_credentials") {
    return connectCard(
      provider.displayName,
      provider.connectFields.flatMap((/** @type {Record<string, any>} */ f) => connectField(provider, f)),
      `Add ${provider.displayName} account`,
      async (data) => {
        const added = await api("POST", `/api/v1/carriers/${provider.id}`, { json: valuesOf(data) })
        if (!added.ok) return say(await problemOf(added), "error")
        say(`${provider.displayName} account added.`, "ok")
        await showConnections()
      }
    )
  }
  if (provider.auth === "deployment_account") {
    return el("section", { class: "card" }, [
      el("h2", {}, [provider.displayName]),
      el("p", {}, ["Account of this deployment: ", el("strong", {}, [g2a])]),
      el("p", { class: "muted" }, ["Configured by the operator; the credential check runs with readiness."])
    ])
  }
  return undefined
}

const showConnections = async () => {
  page("Connections", [loading()])
  const response = await api("GET", "/api/v1/connections")
  if (!response.ok) return
  const { connections } = await response.json()
  await loadCatalogue()
  const rows = connections.map((/** @type {Record<string, any>} */ c) => {
    const actions = el("td")
    const again = reconnect(c)
    if (again !== undefined) {
      const button = el("button", { type: "button", class: "secondary" }, ["Reconnect"])
      button.addEventListener("click", again)
      actions.append(button, " ")
    }
    if (c.status !== "disconnected") {
      const button = el("button", { type: "button", class: "secondary", "aria-label": `Disconnect ${c.displayName}` }, [
        "Disconnect"
      ])
      button.addEventListener("click", async () => {
        if (!window.confirm(`Disconnect ${c.displayName}? Its stored credentials are deleted.`)) return
        const done = await api("DELETE", `/api/v1/connections/${c.id}`)
        if (!done.ok) return say(await problemOf(done), "error")
        say(`${c.displayName} disconnected.`, "ok")
        await showConnections()
      })
      actions.append(button)
    }
    return el("tr", { "data-provider": c.provider }, [
      el("td", {}, [nameOf(c.provider)]),
      el("td", {}, [c.displayName]),
      el("td", {}, [badge(c.status)]),
      el("td", { class: "muted" }, [c.lastError ?? ""]),
      actions
    ])
  })
  const table =
    connections.length === 0
      ? el("p", { class: "empty" }, ["No connections yet: connect a provider below."])
      : el("table", {}, [
          el("thead", {}, [
            el(
              "tr",
              {},
              ["Provider", "Account", "Status", "Last error", "Actions"].map((h) => el("th", { scope: "col" }, [h]))
            )
          ]),
          el("tbody", {}, rows)
        ])
  const readiness = await fetch("/health/ready")
    .then((r) => r.json())
    .catch(() => ({}))
  const g2a = /** @type {Record<string, string> | undefined} */ (readiness?.checks)?.["g2a"] ?? "unknown"
  page("Connections", [
    table,
    el("h2", {}, ["Connect a provider"]),
    el(
      "div",
      { class: "cards" },
      catalogue.map((provider) => providerCard(provider, g2a)).filter((card) => card !== undefined)
    )
  ])
}

// ---- Token health ---------------------------------------------------------------------------------------------

/** @param {number | null} seconds */
const countdown = (seconds) => {
  if (seconds === null) return "does not expire"
  if (seconds <= 0) return "expired"
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = seconds % 60
  return `${h > 0 ? `${h} h ` : ""}${m} min ${s} s`
}

/** @param {string | null} iso */
const when = (iso) => (iso === null ? "—" : new Date(iso).toLocaleString())

const showTokens = async () => {
  page("Token health", [loading()])
  const response = await api("GET", "/api/v1/connections")
  if (!response.ok) return
  const { connections } = await response.json()
  if (connections.length === 0) return page("Token health", [el("p", { class: "empty" }, ["No connections yet."])])
  /** @type {Array<{ cell: HTMLElement, expiresAt: number | null }>} */
  const clocks = []
  const cards = await Promise.all(
    connections.map(async (/** @type {Record<string, any>} */ c) => {
      const health = await (await api("GET", `/api/v1/connections/${c.id}/status`)).json()
      const history = await api("GET", `/api/v1/org/audit?target=${encodeURIComponent(c.id)}&limit=10`)
      const entries = history.ok ? (await history.json()).entries : []
      const cell = el("dd", { "data-countdown": "" }, [countdown(health.expiresInSeconds)])
      clocks.push({ cell, expiresAt: health.expiresAt === null ? null : Date.parse(health.expiresAt) })
      return el("section", { class: "card", "aria-label": `${c.displayName} token` }, [
        el("h2", {}, [`${nameOf(c.provider)} — ${c.displayName}`]),
        badge(health.status),
        el("dl", {}, [
          el("dt", {}, ["Token"]),
          el("dd", {}, [health.token]),
          el("dt", {}, ["Expires in"]),
          cell,
          el("dt", {}, ["Last refresh"]),
          el("dd", {}, [when(health.lastRefreshedAt)]),
          el("dt", {}, ["Next scheduled refresh"]),
          el("dd", {}, [when(health.nextRefreshAt)]),
          el("dt", {}, ["Last error"]),
          el("dd", {}, [health.lastError ?? "none"])
        ]),
        el("h3", {}, ["Refresh history"]),
        entries.length === 0
          ? el("p", { class: "empty" }, ["No refresh activity yet."])
          : el(
              "ul",
              {},
              entries.map((/** @type {Record<string, any>} */ e) =>
                el("li", {}, [`${when(e.occurredAt)} — ${e.action}`])
              )
            )
      ])
    })
  )
  page("Token health", [el("div", { class: "cards" }, cards)])
  ticker = window.setInterval(() => {
    for (const clock of clocks) {
      clock.cell.textContent = countdown(
        clock.expiresAt === null ? null : Math.floor((clock.expiresAt - Date.now()) / 1000)
      )
    }
  }, 1000)
}

// ---- Orders and inventory -------------------------------------------------------------------------------------

const showOrders = async () => {
  page("Orders", [loading()])
  const response = await api("GET", "/api/v1/orders?limit=50")
  if (!response.ok) return
  const { orders } = await response.json()
  page("Orders", [
    orders.length === 0
      ? el("p", { class: "empty" }, ["No orders yet."])
      : el("table", {}, [
          el("thead", {}, [
            el(
              "tr",
              {},
              ["Created", "Status", "Source", "Lines", "External id"].map((h) => el("th", { scope: "col" }, [h]))
            )
          ]),
          el(
            "tbody",
            {},
            orders.map((/** @type {Record<string, any>} */ o) =>
              el("tr", {}, [
                el("td", {}, [when(o.createdAt)]),
                el("td", {}, [o.status]),
                el("td", {}, [o.source]),
                el("td", {}, [
                  o.lines.map((/** @type {Record<string, any>} */ l) => `${l.quantity} × ${l.sku}`).join(", ")
                ]),
                el("td", {}, [o.externalOrderId ?? ""])
              ])
            )
          )
        ])
  ])
}

const showInventory = async () => {
  page("Inventory", [loading()])
  const response = await api("GET", "/api/v1/inventory")
  if (!response.ok) return
  const { levels } = await response.json()
  const report = el("div", { id: "import-report", "aria-live": "polite" })
  const button = /** @type {HTMLButtonElement} */ (el("button", { type: "submit" }, ["Import"]))
  const form = el("form", { "aria-label": "Bulk inventory import" }, [
    el("label", { for: "file" }, ["CSV file (sku,quantity[,location])"]),
    el("input", { id: "file", name: "file", type: "file", accept: ".csv,text/csv", required: "" }),
    el("label", { for: "mode" }, ["When a row is invalid"]),
    el("select", { id: "mode", name: "mode" }, [
      el("option", { value: "all-or-nothing" }, ["Apply nothing"]),
      el("option", { value: "partial" }, ["Apply the valid rows"])
    ]),
    button
  ])
  form.addEventListener("submit", async (event) => {
    event.preventDefault()
    const data = new FormData(/** @type {HTMLFormElement} */ (form))
    const file = /** @type {File} */ (data.get("file"))
    button.disabled = true
    report.replaceChildren(loading())
    const result = await api("POST", `/api/v1/inventory/bulk?mode=${encodeURIComponent(String(data.get("mode")))}`, {
      body: await file.text(),
      contentType: "text/csv"
    })
    button.disabled = false
    const body = await result.json().catch(() => ({}))
    const summary = body.report ?? body
    if (!Array.isArray(summary.errors))
      return report.replaceChildren(el("p", { role: "alert" }, [await problemOf(result)]))
    report.replaceChildren(
      el("p", { role: summary.errors.length > 0 ? "alert" : "status" }, [
        `${summary.applied} of ${summary.received} rows applied; ${summary.errors.length} with errors.`
      ]),
      el(
        "ul",
        { class: "report" },
        summary.errors.map((/** @type {Record<string, any>} */ e) =>
          el("li", {}, [`Row ${e.row}${e.sku === null ? "" : ` (${e.sku})`}: ${e.field} — ${e.message}`])
        )
      )
    )
  })
  page("Inventory", [
    el("section", { class: "card" }, [el("h2", {}, ["Bulk import"]), form, report]),
    el("h2", {}, ["Stock"]),
    levels.length === 0
      ? el("p", { class: "empty" }, ["No stock recorded yet."])
      : el("table", {}, [
          el("thead", {}, [
            el(
              "tr",
              {},
              ["SKU", "Location", "On hand", "Reserved", "Available"].map((h) => el("th", { scope: "col" }, [h]))
            )
          ]),
          el(
            "tbody",
            {},
            levels.map((/** @type {Record<string, any>} */ l) =>
              el(
                "tr",
                {},
                [l.sku, l.location, String(l.onHand), String(l.reserved), String(l.available)].map((v) =>
                  el("td", {}, [v])
                )
              )
            )
          )
        ])
  ])
}

// ---- Routing --------------------------------------------------------------------------------------------------

const VIEWS = /** @type {Record<string, () => Promise<void>>} */ ({
  connections: showConnections,
  tokens: showTokens,
  orders: showOrders,
  inventory: showInventory,
  account: showAccount
})

const route = () => {
  nav.hidden = false
  logoutButton.hidden = false
  const name = window.location.pathname.replace(/^\/console\/?/, "").split("/")[0] || "connections"
  const view = VIEWS[name] ?? showConnections
  for (const link of nav.querySelectorAll("a")) {
    if (link.dataset["view"] === name) link.setAttribute("aria-current", "page")
    else link.removeAttribute("aria-current")
  }
  void view()
}

nav.addEventListener("click", (event) => {
  const link = /** @type {HTMLElement} */ (event.target).closest("a")
  if (link === null) return
  event.preventDefault()
  window.history.pushState({}, "", link.getAttribute("href") ?? "/console")
  banner.textContent = ""
  route()
})
window.addEventListener("popstate", route)

logoutButton.addEventListener("click", async () => {
  await fetch("/api/v1/auth/session", {
    method: "DELETE",
    headers: { "x-tradeport-csrf": "1" },
    credentials: "same-origin"
  })
  accessToken = undefined
  say("Logged out.", "ok")
  showLogin()
})

const boot = async () => {
  const publicView = PUBLIC[window.location.pathname.replace(/^\/console\/?/, "").split("/")[0] ?? ""]
  if (publicView !== undefined) {
    nav.hidden = true
    logoutButton.hidden = true
    return void publicView()
  }
  // Where a connect flow ended: a message from our own table, never the text the URL carries.
  const params = new URLSearchParams(window.location.search)
  const outcome = params.get("outcome")
  const loggedIn = await renew()
  if (loggedIn) await loadCatalogue()
  if (outcome === "connected") say(`${nameOf(params.get("provider") ?? "Provider")} connected.`, "ok")
  else if (outcome === "error") say(OUTCOMES[params.get("reason") ?? ""] ?? "Connection failed. Try again.", "error")
  if (outcome !== null) window.history.replaceState({}, "", window.location.pathname)
  if (loggedIn) route()
  else showLogin()
}

void boot()
