// The account page of the accountapi example server.
//
// It is a front end written against the Account API as a customer's would
// be: a bearer token, JSON bodies, the logto-verification-id header carrying
// an identity proof, the API's localized error messages shown as they are.
// The access token lives in this module's memory only (never localStorage or
// a cookie), so reloading the page signs out.
//
// DEVELOPMENT ONLY: in development mode the token comes from the example
// server's POST /dev/sign-in, and the development panel reads the codes the
// server "sent" from GET /dev/outbox. Neither exists in production mode,
// where the page takes an access token from the identity provider instead.

const $ = (id) => document.getElementById(id);

const state = {
  token: "", // the access token: in memory only
  expiresAt: 0, // when the token expires (ms), 0 when unknown
  dev: null, // GET /dev/config in development mode, else null
  me: null, // GET /api/my-account
  factors: [], // GET /api/my-account/mfa-verifications
  proof: null, // {id, expiresAt}: the identity proof in hand
  totp: null, // {secret, replace}: a secret being set up
  backupCodes: null, // codes generated and not yet turned on
  lang: "", // the Accept-Language chosen in the footer, "" for the browser's
};
let expiryTimer = 0;
let statusTimer = 0;

// ---------------------------------------------------------------- the API

class ApiError extends Error {
  constructor(status, body) {
    const message = body && typeof body.message === "string" && body.message ? body.message : "";
    // details (English, for developers) say which member a guard refused.
    const details = body && typeof body.details === "string" && body.details ? ` (${body.details})` : "";
    super(message ? message + details : ApiError.fallback(status));
    this.status = status;
    this.code = (body && body.code) || "";
  }

  static fallback(status) {
    return status === 404 || status === 405
      ? "This server does not offer that."
      : `The server answered ${status}.`;
  }
}

// Cancelled is thrown when the person closes the identity-proof dialog.
class Cancelled extends Error {}

// acceptLanguage is what the page sends as Accept-Language: the language
// chosen in the footer, else the browser's list.
function acceptLanguage() {
  if (state.lang) return state.lang;
  const langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
  return langs.slice(0, 6).map((l, i) => (i === 0 ? l : `${l};q=${(1 - i / 10).toFixed(1)}`)).join(", ");
}

// request calls the API and returns the parsed JSON body (null when empty),
// or throws an ApiError carrying the API's code and localized message.
async function request(method, path, { body, proof, auth = true } = {}) {
  const headers = { Accept: "application/json", "Accept-Language": acceptLanguage() };
  if (auth) headers.Authorization = `Bearer ${state.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (proof) headers["logto-verification-id"] = proof;
  let res;
  try {
    res = await fetch(path, {
      method, headers, cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new Error("The server could not be reached.");
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

const api = {
  get: (path, opts) => request("GET", path, opts),
  post: (path, body, opts) => request("POST", path, { ...opts, body }),
  put: (path, body, opts) => request("PUT", path, { ...opts, body }),
  patch: (path, body, opts) => request("PATCH", path, { ...opts, body }),
  del: (path, opts) => request("DELETE", path, opts),
};

// ------------------------------------------------------- identity proof

// The routes that change identifiers, passwords and factors want proof that
// the caller is the user (logto-verification-id). withProof runs fn with the
// proof in hand, if any; when the API answers that proof is needed, it asks
// the person for it once and runs fn again.
async function withProof(fn) {
  const held = state.proof && state.proof.expiresAt - 15000 > Date.now() ? state.proof.id : undefined;
  try {
    return await fn(held);
  } catch (e) {
    if (!(e instanceof ApiError && e.code === "verification_record.permission_denied")) throw e;
    state.proof = null;
  }
  return fn(await askForProof());
}

function keepProof(id, expiresAt) {
  const at = expiresAt ? Date.parse(expiresAt) : NaN;
  state.proof = { id, expiresAt: Number.isNaN(at) ? Date.now() + 5 * 60000 : at };
  return id;
}

let proofPending = null; // {resolve, reject, emailRecord}

function askForProof() {
  const dialog = $("proof-dialog");
  const select = $("proof-method");
  const methods = [];
  if (state.me && state.me.hasPassword) methods.push(["password", "Your password"]);
  if (factor("Totp")) methods.push(["totp", "A code from your authenticator app"]);
  if (factor("WebAuthn")) methods.push(["passkey", "A passkey"]);
  if (factor("BackupCode")) methods.push(["backup", "A backup code"]);
  if (state.me && state.me.primaryEmail) methods.push(["email", `A code sent to ${state.me.primaryEmail}`]);
  if (methods.length === 0) methods.push(["password", "Your password"]);
  select.replaceChildren(...methods.map(([value, label]) => new Option(label, value)));
  $("proof-method-field").hidden = methods.length < 2;
  $("proof-password").value = "";
  $("proof-code").value = "";
  $("proof-msg").textContent = "";
  showProofMethod();
  return new Promise((resolve, reject) => {
    proofPending = { resolve, reject, emailRecord: null };
    dialog.showModal();
    const first = dialog.querySelector(".field:not([hidden]) input");
    (first || select).focus();
  });
}

function showProofMethod() {
  const m = $("proof-method").value;
  $("proof-password-field").hidden = m !== "password";
  $("proof-code-field").hidden = !["totp", "backup", "email"].includes(m);
  $("proof-code-label").textContent = {
    totp: "6-digit code from the app", backup: "Backup code", email: "Code from the email",
  }[m] || "Code";
  $("proof-submit").textContent = m === "passkey" ? "Use a passkey" : m === "email" && !(proofPending && proofPending.emailRecord) ? "Send code" : "Confirm";
}

async function submitProof(e) {
  e.preventDefault();
  const pending = proofPending;
  if (!pending) return;
  const m = $("proof-method").value;
  const msg = $("proof-msg");
  await busy($("proof-submit"), msg, async () => {
    let id;
    switch (m) {
      case "password": {
        const password = $("proof-password").value;
        if (!password) throw new Error("Enter your password.");
        const rec = await api.post("/api/verifications/password", { password });
        id = keepProof(rec.verificationRecordId, rec.expiresAt);
        break;
      }
      case "totp":
      case "backup": {
        const code = $("proof-code").value.trim();
        if (!code) throw new Error("Enter the code.");
        const rec = await api.post(m === "totp" ? "/api/verifications/totp/verify" : "/api/verifications/backup-code/verify", { code });
        id = keepProof(rec.verificationRecordId, rec.expiresAt);
        break;
      }
      case "passkey":
        id = await passkeyProof();
        break;
      case "email": {
        const identifier = { type: "email", value: state.me.primaryEmail };
        if (!pending.emailRecord) {
          const rec = await api.post("/api/verifications/verification-code", { identifier, templateType: "UserPermissionValidation" });
          pending.emailRecord = rec;
          showProofMethod();
          msg.textContent = "We sent you a code.";
          msg.classList.add("ok");
          refreshOutbox();
          $("proof-code").focus();
          return;
        }
        const code = $("proof-code").value.trim();
        if (!code) throw new Error("Enter the code.");
        await api.post("/api/verifications/verification-code/verify", { identifier, verificationId: pending.emailRecord.verificationRecordId, code });
        id = keepProof(pending.emailRecord.verificationRecordId, pending.emailRecord.expiresAt);
        break;
      }
    }
    proofPending = null;
    $("proof-dialog").close();
    pending.resolve(id);
  });
}

// passkeyProof runs a WebAuthn authentication ceremony and returns the
// verified record's id.
async function passkeyProof() {
  const begin = await api.post("/api/verifications/web-authn/authentication");
  if (!("parseRequestOptionsFromJSON" in PublicKeyCredential)) {
    throw new Error("This browser cannot read WebAuthn options as JSON (PublicKeyCredential.parseRequestOptionsFromJSON).");
  }
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(begin.authenticationOptions);
  const cred = await webauthn(() => navigator.credentials.get({ publicKey }));
  const payload = cred.toJSON();
  payload.type = "WebAuthn";
  const done = await api.post("/api/verifications/web-authn/authentication/verify", {
    verificationRecordId: begin.verificationRecordId, payload,
  });
  return keepProof(done.verificationRecordId, begin.expiresAt);
}

// webauthn runs a ceremony and turns the browser's exceptions into
// sentences.
async function webauthn(ceremony) {
  try {
    return await ceremony();
  } catch (e) {
    if (e && e.name === "NotAllowedError") throw new Error("The passkey request was cancelled or timed out.");
    if (e && e.name === "InvalidStateError") throw new Error("This authenticator already holds a passkey for your account.");
    if (e && e.name === "SecurityError") throw new Error("Passkeys need a secure origin: open this page as http://localhost or over HTTPS.");
    throw e;
  }
}

// ask asks the person to confirm a destructive action in the page's own
// dialog, and resolves to their answer.
function ask(question, detail, action) {
  const dialog = $("confirm-dialog");
  $("confirm-title").textContent = question;
  $("confirm-desc").textContent = detail;
  $("confirm-ok").textContent = action;
  return new Promise((resolve) => {
    dialog.returnValue = "";
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
    $("confirm-cancel").focus();
  });
}

// ------------------------------------------------------------ feedback

// say shows a status message in the polite live region.
function say(text, error = false) {
  const p = document.createElement("p");
  p.textContent = text;
  if (error) p.className = "error";
  $("status").replaceChildren(p);
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => $("status").replaceChildren(), 10000);
}

const running = new WeakSet();

// busy runs an action started by button: the button says it is busy (it
// keeps focus, so it is not disabled), errors go to msg (or the status
// line), and a token the API no longer accepts ends the session.
async function busy(button, msg, fn) {
  if (button && running.has(button)) return;
  if (button) {
    running.add(button);
    button.setAttribute("aria-busy", "true");
  }
  if (msg) {
    msg.textContent = "";
    msg.classList.remove("ok");
  }
  try {
    await fn();
  } catch (e) {
    if (e instanceof Cancelled) return;
    if (e instanceof ApiError && e.status === 401 && ["auth.unauthorized", "user.suspended"].includes(e.code) && state.token) {
      endSession(e.code === "user.suspended" ? e.message : "Your session ended. Sign in again.", true);
      return;
    }
    const text = (e && e.message) || String(e);
    if (msg) msg.textContent = text;
    else say(text, true);
  } finally {
    if (button) {
      running.delete(button);
      button.removeAttribute("aria-busy");
    }
  }
}

// on wires a button's clicks or a form's submissions to an action whose
// errors show in msg (an element or its id; none: the status line).
function on(target, fn, msg) {
  const isForm = target.tagName === "FORM";
  const out = typeof msg === "string" ? $(msg) : msg || null;
  target.addEventListener(isForm ? "submit" : "click", (e) => {
    e.preventDefault();
    const button = isForm ? e.submitter || target.querySelector("button:not([type=button])") : target;
    busy(button, out, () => fn(e));
  });
}

// ---------------------------------------------------------- sessions

async function startSession(token, expiresInSeconds) {
  state.token = token;
  state.expiresAt = expiresInSeconds ? Date.now() + expiresInSeconds * 1000 : jwtExpiry(token);
  try {
    await reload();
  } catch (e) {
    state.token = "";
    state.expiresAt = 0;
    throw e;
  }
  clearTimeout(expiryTimer);
  const left = state.expiresAt - Date.now();
  if (state.expiresAt && left < 2 ** 31 - 1) { // longer than setTimeout can wait: the API will say
    expiryTimer = setTimeout(() => endSession("Your access token expired. Sign in again.", true), Math.max(0, left));
  }
  $("signin-view").hidden = true;
  $("account-view").hidden = false;
  $("who").hidden = false;
  $("devpanel").hidden = !state.dev;
  $("signin-password").value = "";
  $("token-input").value = "";
  window.scrollTo(0, 0);
  $("main").focus({ preventScroll: true });
  say(`Signed in as ${displayName()}.`);
}

// jwtExpiry reads the exp claim of a pasted token, for the page's own
// information only (the server checks it).
function jwtExpiry(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(atob(part));
    return typeof claims.exp === "number" ? claims.exp * 1000 : 0;
  } catch {
    return 0;
  }
}

// endSession forgets the token and everything the page learnt with it.
function endSession(message, error = false) {
  clearTimeout(expiryTimer);
  Object.assign(state, { token: "", expiresAt: 0, me: null, factors: [], proof: null, totp: null, backupCodes: null });
  for (const el of document.querySelectorAll("#account-view input, #account-view textarea")) {
    if (el.type === "checkbox") el.checked = false;
    else el.value = "";
  }
  for (const id of ["totp-secret", "backup-new-codes", "backup-list", "outbox", "passkeys", "identities", "details-rows",
    "profile-name", "profile-username", "profile-avatar", "avatar", "email-value", "phone-value", "totp-status",
    "backup-status", "who-name", "token-info"]) $(id).replaceChildren();
  $("totp-qr").removeAttribute("src");
  for (const el of document.querySelectorAll("#account-view .panel")) el.hidden = true;
  for (const el of document.querySelectorAll("#account-view .msg")) el.textContent = "";
  for (const d of ["proof-dialog", "confirm-dialog"]) if ($(d).open) $(d).close();
  $("account-view").hidden = true;
  $("who").hidden = true;
  $("devpanel").hidden = true;
  $("signin-view").hidden = false;
  say(message, error);
  $("signin-title").setAttribute("tabindex", "-1");
  $("signin-title").focus();
}

// reload reads the account and its factors and renders them.
async function reload() {
  if (state.dev) {
    // The account center's settings may have changed since the last look.
    state.dev = (await api.get("/dev/config", { auth: false }).catch(() => null)) || state.dev;
  }
  const me = await api.get("/api/my-account");
  let factors = [];
  try {
    factors = await api.get("/api/my-account/mfa-verifications");
  } catch (e) {
    // MFA may be off on this server, or the field hidden: no factors then.
    if (!(e instanceof ApiError) || e.status === 401) throw e;
  }
  state.me = me;
  state.factors = Array.isArray(factors) ? factors : [];
  render();
  refreshOutbox();
}

// --------------------------------------------------------- rendering

const factor = (type) => state.factors.find((f) => f.type === type);
const fields = () => (state.dev && state.dev.fields) || null;

// control is an account-center field's control: "Edit", "ReadOnly" or
// "Off". Outside development the page cannot read the settings and lets
// the API decide ("Edit").
function control(name) {
  const f = fields();
  if (!f) return "Edit";
  if (name === "passkey" && !f.passkey) return f.mfa || "Off";
  return f[name] || "Off";
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });
function when(v) {
  if (v === undefined || v === null || v === "") return "";
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? "" : dateFormat.format(d);
}

function displayName() {
  const me = state.me || {};
  return me.name || me.username || me.primaryEmail || me.primaryPhone || me.id || "";
}

// shown is how the page writes an email address or phone number (the API
// keeps phone numbers as digits, country code first).
const shown = (kind, v) => (kind === "phone" ? `+${v}` : v);

function text(el, value, empty = "Not set") {
  el.classList.toggle("empty", !value);
  el.textContent = value || empty;
}

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") e.className = v;
    else if (k === "dataset") Object.assign(e.dataset, v);
    else if (k.startsWith("aria-") || k === "for" || k === "role") e.setAttribute(k, v);
    else e[k] = v;
  }
  e.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return e;
}

const profileKeys = [
  ["givenName", "Given name"], ["familyName", "Family name"], ["nickname", "Nickname"], ["website", "Website"],
  ["birthdate", "Birth date"], ["gender", "Gender"], ["locale", "Locale"], ["zoneinfo", "Time zone"],
];

function render() {
  const me = state.me;
  $("who-name").textContent = displayName();

  // Profile: members the account center turned off are absent.
  text($("profile-name"), me.name);
  text($("profile-username"), me.username);
  text($("profile-avatar"), me.avatar);
  $("profile-name").parentElement.hidden = !("name" in me);
  $("profile-username").parentElement.hidden = !("username" in me);
  $("profile-avatar").parentElement.hidden = !("avatar" in me);
  $("profile-edit").hidden = !["name", "avatar", "username"].some((f) => control(f) === "Edit");
  renderAvatar();

  const profile = me.profile || {};
  const rows = profileKeys.filter(([k]) => profile[k]).map(([k, label]) =>
    el("div", { class: "row" }, el("dt", {}, label), el("dd", {}, profile[k])));
  $("details-rows").replaceChildren(...rows);
  $("details-title").hidden = !("profile" in me);
  $("details-rows").hidden = rows.length === 0 || !("profile" in me);
  $("details-empty").hidden = rows.length > 0 || !("profile" in me);
  $("details-edit").hidden = !("profile" in me) || control("profile") !== "Edit";

  // Email and phone.
  for (const [kind, key, field] of [["email", "primaryEmail", "email"], ["phone", "primaryPhone", "phone"]]) {
    text($(`${kind}-value`), me[key] && shown(kind, me[key]));
    $(`${kind}-item`).hidden = !(key in me);
    $(`${kind}-change`).textContent = me[key] ? "Change" : "Add";
    $(`${kind}-change`).hidden = control(field) !== "Edit";
    $(`${kind}-remove`).hidden = !me[key] || control(field) !== "Edit";
  }
  $("contact-card").hidden = !("primaryEmail" in me) && !("primaryPhone" in me);

  // Password.
  $("password-card").hidden = control("password") !== "Edit";
  $("password-sub").textContent = me.hasPassword ? "Change the password you sign in with." : "You have no password yet: set one to sign in with it.";
  $("current-password-field").hidden = !me.hasPassword;
  $("password-submit").textContent = me.hasPassword ? "Change password" : "Set password";

  // Two-step verification.
  const mfaOn = control("mfa") !== "Off";
  $("mfa-card").hidden = !mfaOn;
  const totp = factor("Totp");
  statusLine($("totp-status"), totp ? "On" : "Off", totp ? `Added ${when(totp.createdAt)}` : "Not set up");
  $("totp-setup").textContent = totp ? "Replace" : "Set up";
  $("totp-remove").hidden = !totp;
  $("totp-submit").textContent = state.totp && state.totp.replace ? "Replace" : "Turn on";
  const backup = factor("BackupCode");
  statusLine($("backup-status"), backup ? "On" : "Off",
    backup ? `${backup.remainCodes} of 10 codes unused` : "Codes to use if you lose your other factors");
  $("backup-show").hidden = !backup;
  for (const id of ["totp-setup", "totp-remove", "backup-generate"]) if (control("mfa") !== "Edit") $(id).hidden = true;

  // Passkeys.
  $("passkeys-card").hidden = control("passkey") === "Off";
  $("passkey-form").hidden = control("passkey") !== "Edit";
  renderPasskeys();

  // Social identities.
  renderIdentities();

  // Data and deletion: deletion shows when the server says it is allowed,
  // or, outside development, always (the API answers if it is not).
  // A deleteAccountUrl (the account center's) is where the service takes
  // deletion requests of its own.
  const del = control("deleteAccount") === "Edit";
  const url = /^https?:\/\//i.test(me.deleteAccountUrl || "") ? me.deleteAccountUrl : "";
  $("delete-item").hidden = !del;
  $("delete-url-item").hidden = !url;
  if (url) $("delete-url").href = url;
  $("delete-off").hidden = del || !!url;

  // The development panel.
  if (state.dev) {
    const at = state.expiresAt ? ` Token expires at ${timeFormat.format(new Date(state.expiresAt))}.` : "";
    $("token-info").textContent = `User id ${me.id}.${at}`;
  }
}

function statusLine(target, badge, detail) {
  target.replaceChildren(el("span", { class: badge === "On" ? "badge on" : "badge" }, badge), " ", detail);
}

function renderAvatar() {
  const box = $("avatar");
  const initials = displayName().split(/[\s@._-]+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join("") || "?";
  if (state.me.avatar) {
    const img = el("img", { alt: "", src: state.me.avatar });
    img.addEventListener("error", () => box.replaceChildren(initials), { once: true });
    box.replaceChildren(img);
  } else {
    box.replaceChildren(initials);
  }
}

// agentName turns a user agent into "Chrome on Linux".
function agentName(ua) {
  if (!ua) return "";
  const browser = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" : /Chrom(e|ium)\//.test(ua) ? "Chrome"
    : /Safari\//.test(ua) ? "Safari" : "";
  const os = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Windows/.test(ua) ? "Windows"
    : /Mac OS X/.test(ua) ? "macOS" : /CrOS/.test(ua) ? "ChromeOS" : /Linux/.test(ua) ? "Linux" : "";
  return [browser, os].filter(Boolean).join(" on ") || "A browser";
}

function renderPasskeys() {
  const keys = state.factors.filter((f) => f.type === "WebAuthn");
  const editable = control("passkey") === "Edit";
  const items = keys.map((k) => {
    const name = k.name || "Passkey";
    const meta = [agentName(k.agent), `added ${when(k.createdAt)}`, k.lastUsedAt ? `last used ${when(k.lastUsedAt)}` : "never used"]
      .filter(Boolean).join(" · ");
    const inputId = `rename-${k.id}`;
    const form = el("form", { class: "panel stack", hidden: true, noValidate: true },
      el("div", { class: "field" }, el("label", { for: inputId }, "New name"),
        el("div", { class: "inline" }, el("input", { id: inputId, value: name, maxLength: 64 }),
          el("button", { class: "btn primary" }, "Save"),
          el("button", { type: "button", class: "btn quiet" }, "Cancel"))),
      el("p", { class: "msg", role: "alert" }));
    const rename = el("button", { type: "button", class: "btn secondary small", "aria-label": `Rename ${name}`, "aria-expanded": "false" }, "Rename");
    const remove = el("button", { type: "button", class: "btn danger-quiet small", "aria-label": `Delete ${name}` }, "Delete");
    const li = el("li", { dataset: { id: k.id } },
      el("div", {}, el("p", { class: "title" }, name), el("p", { class: "meta", title: k.agent || "" }, meta)),
      editable ? el("div", { class: "buttons" }, rename, remove) : null,
      form);
    const input = form.querySelector("input");
    const msg = form.querySelector(".msg");
    rename.addEventListener("click", () => {
      form.hidden = !form.hidden;
      rename.setAttribute("aria-expanded", String(!form.hidden));
      if (!form.hidden) {
        input.focus();
        input.select();
      }
    });
    form.querySelector("button[type=button]").addEventListener("click", () => {
      form.hidden = true;
      rename.setAttribute("aria-expanded", "false");
      rename.focus();
    });
    on(form, async () => {
      const next = input.value.trim();
      if (!next) throw new Error("Enter a name.");
      await withProof((proof) => api.patch(`/api/my-account/mfa-verifications/${encodeURIComponent(k.id)}/name`, { name: next }, { proof }));
      await reload();
      say(`Passkey renamed to ${next}.`);
      focusPasskeyList();
    }, msg);
    on(remove, async () => {
      if (!(await ask(`Delete the passkey “${name}”?`, "You can no longer sign in with it.", "Delete passkey"))) return;
      await withProof((proof) => api.del(`/api/my-account/mfa-verifications/${encodeURIComponent(k.id)}`, { proof }));
      await reload();
      say(`Passkey ${name} deleted.`);
      focusPasskeyList();
    }, $("passkey-msg"));
    return li;
  });
  $("passkeys").replaceChildren(...(items.length ? items : [el("li", { class: "none" }, "No passkeys yet.")]));
}

function focusPasskeyList() {
  $("passkey-name").focus();
}

function renderIdentities() {
  const me = state.me;
  const ids = me.identities || {};
  const editable = control("social") === "Edit";
  $("social-card").hidden = !("identities" in me);
  const items = Object.entries(ids).map(([target, id]) => {
    const d = id.details || {};
    const meta = [`user ${id.userId}`, d.email, d.name].filter(Boolean).join(" · ");
    const unlink = el("button", { type: "button", class: "btn danger-quiet small", "aria-label": `Unlink ${target}` }, "Unlink");
    on(unlink, async () => {
      if (!(await ask(`Unlink ${target}?`, "You can no longer sign in with it.", "Unlink"))) return;
      await withProof((proof) => api.del(`/api/my-account/identities/${encodeURIComponent(target)}`, { proof }));
      await reload();
      say(`${target} unlinked.`);
    });
    return el("li", {}, el("div", {}, el("p", { class: "title" }, target), el("p", { class: "meta" }, meta)),
      editable ? el("div", { class: "buttons" }, unlink) : null);
  });
  $("identities").replaceChildren(...(items.length ? items : [el("li", { class: "none" }, "No connected accounts.")]));
  const linkable = state.dev && editable && state.dev.socialConnectors.some((c) => !ids[c]);
  $("social-form").hidden = !linkable;
}

// ------------------------------------------------ development panel

async function refreshOutbox() {
  if (!state.dev || !state.token) return;
  let res;
  try {
    res = await api.get("/dev/outbox");
  } catch {
    return;
  }
  const items = (res.messages || []).map((m) => el("li", { dataset: { to: m.to, type: m.type } },
    el("span", { class: "to" }, m.channel === "sms" ? shown("phone", m.to) : m.to),
    el("span", { class: "kind" }, `${m.channel === "sms" ? "Text" : "Email"} · ${words(m.type)} · ${timeFormat.format(new Date(m.sentAt))}`),
    m.code ? el("span", { class: "code" }, m.code) : null));
  $("outbox").replaceChildren(...(items.length ? items : [el("li", { class: "none" }, "No messages yet.")]));
}

// words turns "BindNewIdentifier" into "bind new identifier".
const words = (s) => String(s || "").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();

// ------------------------------------------------------------ panels

function openPanel(toggle, panel) {
  panel.hidden = false;
  if (toggle) toggle.setAttribute("aria-expanded", "true");
  const first = panel.querySelector("input:not([type=hidden]), select, textarea, button");
  if (first) first.focus();
}

function closePanel(panel) {
  panel.hidden = true;
  const toggle = document.querySelector(`[aria-controls="${panel.id}"]`);
  if (toggle) {
    toggle.setAttribute("aria-expanded", "false");
    if (!toggle.hidden) toggle.focus();
  }
}

function download(name, type, content) {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ------------------------------------------------------------ wiring

function wireSignIn() {
  on($("signin-form"), async () => {
    const identifier = $("signin-identifier").value.trim();
    const password = $("signin-password").value;
    if (!identifier || !password) throw new Error("Enter your username or email and your password.");
    const tok = await api.post("/dev/sign-in", { identifier, password }, { auth: false });
    await startSession(tok.accessToken, tok.expiresIn);
  }, "signin-msg");

  on($("token-form"), async () => {
    const token = $("token-input").value.trim().replace(/^Bearer\s+/i, "");
    if (!token) throw new Error("Paste an access token.");
    await startSession(token, 0);
  }, "token-msg");

  $("sign-out").addEventListener("click", () => endSession("You signed out."));
}

function wireProfile() {
  $("profile-edit").addEventListener("click", () => {
    const me = state.me;
    $("name-input").value = me.name || "";
    $("username-input").value = me.username || "";
    $("avatar-input").value = me.avatar || "";
    $("name-input").disabled = control("name") !== "Edit";
    $("username-input").disabled = control("username") !== "Edit";
    $("avatar-input").disabled = control("avatar") !== "Edit";
    $("profile-msg").textContent = "";
    openPanel($("profile-edit"), $("profile-form"));
  });
  on($("profile-form"), async () => {
    const me = state.me;
    const patch = {};
    for (const [key, input] of [["name", "name-input"], ["avatar", "avatar-input"], ["username", "username-input"]]) {
      const v = $(input).value.trim();
      if (!$(input).disabled && v !== (me[key] || "")) patch[key] = v || null;
    }
    if (Object.keys(patch).length === 0) {
      closePanel($("profile-form"));
      return;
    }
    state.me = await withProof((proof) => api.patch("/api/my-account", patch, { proof }));
    await reload();
    closePanel($("profile-form"));
    say("Profile saved.");
  }, "profile-msg");

  $("details-edit").addEventListener("click", () => {
    const profile = state.me.profile || {};
    for (const input of document.querySelectorAll("[data-profile]")) input.value = profile[input.dataset.profile] || "";
    $("details-msg").textContent = "";
    openPanel($("details-edit"), $("details-form"));
  });
  on($("details-form"), async () => {
    const profile = state.me.profile || {};
    const patch = {};
    for (const input of document.querySelectorAll("[data-profile]")) {
      const key = input.dataset.profile;
      const v = input.value.trim();
      if (v !== (profile[key] || "")) patch[key] = v;
    }
    if (Object.keys(patch).length === 0) {
      closePanel($("details-form"));
      return;
    }
    await api.patch("/api/my-account/profile", patch);
    await reload();
    closePanel($("details-form"));
    say("Personal details saved.");
  }, "details-msg");
}

// wireIdentifier wires the change and removal of the primary email
// ("email") or phone ("phone"): a code to the new address, then the change
// with identity proof.
function wireIdentifier(kind) {
  const key = kind === "email" ? "primaryEmail" : "primaryPhone";
  const noun = kind === "email" ? "email address" : "phone number";
  const form = $(`${kind}-form`);
  const input = $(`${kind}-new`);
  const codeInput = $(`${kind}-code`);
  const step = form.querySelector(".code-step");
  const msg = $(`${kind}-msg`);
  let pending = null; // {value, recordId, verified}

  const reset = () => {
    pending = null;
    input.value = "";
    codeInput.value = "";
    step.hidden = true;
    msg.textContent = "";
  };
  $(`${kind}-change`).addEventListener("click", () => {
    if (!form.hidden) return closePanel(form);
    reset();
    openPanel($(`${kind}-change`), form);
  });

  on(form, async (e) => {
    const verifying = pending && (e.submitter === $(`${kind}-verify`) || document.activeElement === codeInput);
    const identifier = () => ({ type: kind, value: pending.value });
    if (!verifying) {
      // Logto takes phone numbers as digits only, country code first.
      const value = kind === "phone" ? input.value.replace(/[\s().+-]/g, "") : input.value.trim();
      if (!value) throw new Error(`Enter the new ${noun}.`);
      const rec = await api.post("/api/verifications/verification-code", { identifier: { type: kind, value } });
      pending = { value, recordId: rec.verificationRecordId, verified: false };
      step.hidden = false;
      codeInput.value = "";
      codeInput.focus();
      msg.classList.add("ok");
      msg.textContent = `We sent a code to ${shown(kind, value)}.`;
      refreshOutbox();
      return;
    }
    const code = codeInput.value.trim();
    if (!pending.verified) {
      if (!code) throw new Error("Enter the code.");
      await api.post("/api/verifications/verification-code/verify", { identifier: identifier(), verificationId: pending.recordId, code });
      pending.verified = true;
    }
    const body = { [kind]: pending.value, newIdentifierVerificationRecordId: pending.recordId };
    await withProof((proof) => api.post(`/api/my-account/primary-${kind}`, body, { proof }));
    const value = pending.value;
    await reload();
    reset();
    closePanel(form);
    say(`Your ${noun} is now ${shown(kind, value)}.`);
  }, `${kind}-msg`);

  on($(`${kind}-remove`), async () => {
    if (!(await ask(`Remove ${shown(kind, state.me[key])}?`, `You can no longer sign in with it or receive codes at this ${noun}.`, "Remove"))) return;
    await withProof((proof) => api.del(`/api/my-account/primary-${kind}`, { proof }));
    await reload();
    say(`Your ${noun} was removed.`);
  });
}

function wirePassword() {
  on($("password-form"), async () => {
    const next = $("new-password").value;
    if (!next) throw new Error("Enter a new password.");
    if (state.me.hasPassword) {
      // The identity-proof step: the current password proves it's you.
      const current = $("current-password").value;
      if (!current) throw new Error("Enter your current password.");
      const rec = await api.post("/api/verifications/password", { password: current });
      keepProof(rec.verificationRecordId, rec.expiresAt);
      await api.post("/api/my-account/password", { password: next }, { proof: rec.verificationRecordId });
    } else {
      await withProof((proof) => api.post("/api/my-account/password", { password: next }, { proof }));
    }
    $("current-password").value = "";
    $("new-password").value = "";
    await reload();
    say("Password changed.");
  }, "password-msg");
}

function wireTOTP() {
  on($("totp-setup"), async () => {
    const s = await api.post("/api/my-account/mfa-verifications/totp-secret/generate");
    state.totp = { secret: s.secret, replace: !!factor("Totp") };
    $("totp-qr").src = s.secretQrCode;
    $("totp-secret").textContent = s.secret.replace(/(.{4})/g, "$1 ").trim();
    $("totp-code").value = "";
    $("totp-submit").textContent = state.totp.replace ? "Replace" : "Turn on";
    openPanel($("totp-setup"), $("totp-panel"));
    $("totp-code").focus();
  }, "totp-msg");
  $("totp-copy").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(state.totp.secret);
      say("Key copied.");
    } catch {
      say("Copying is not allowed here: select the key and copy it.", true);
    }
  });
  on($("totp-panel"), async () => {
    const code = $("totp-code").value.replace(/\s/g, "");
    if (!/^\d{6}$/.test(code)) throw new Error("Enter the 6-digit code your app shows.");
    const { secret, replace } = state.totp;
    await withProof((proof) => replace
      ? api.put("/api/my-account/mfa-verifications/totp", { secret, code }, { proof })
      : api.post("/api/my-account/mfa-verifications", { type: "Totp", secret, code }, { proof }));
    state.totp = null;
    $("totp-secret").replaceChildren();
    $("totp-qr").removeAttribute("src");
    await reload();
    closePanel($("totp-panel"));
    say(replace ? "Authenticator app replaced." : "Authenticator app turned on.");
  }, "totp-msg");
  on($("totp-remove"), async () => {
    const f = factor("Totp");
    if (!f || !(await ask("Remove the authenticator app?", "Its codes stop working at once.", "Remove"))) return;
    await withProof((proof) => api.del(`/api/my-account/mfa-verifications/${encodeURIComponent(f.id)}`, { proof }));
    await reload();
    say("Authenticator app removed.");
  }, "totp-msg");
}

function wireBackupCodes() {
  on($("backup-generate"), async () => {
    const res = await api.post("/api/my-account/mfa-verifications/backup-codes/generate");
    state.backupCodes = res.codes;
    $("backup-new-codes").replaceChildren(...res.codes.map((c) => el("li", {}, c)));
    $("backup-list-panel").hidden = true;
    openPanel(null, $("backup-new"));
  }, "backup-msg");
  on($("backup-download"), async () => {
    const lines = [
      `Backup codes for ${displayName()} at ${location.host}`,
      `Generated ${dateFormat.format(new Date())}. Each code works once.`,
      "", ...state.backupCodes, "",
    ];
    download("backup-codes.txt", "text/plain", lines.join("\n"));
  }, "backup-msg");
  on($("backup-bind"), async () => {
    const codes = state.backupCodes;
    await withProof((proof) => api.post("/api/my-account/mfa-verifications", { type: "BackupCode", codes }, { proof }));
    state.backupCodes = null;
    $("backup-new-codes").replaceChildren();
    await reload();
    closePanel($("backup-new"));
    $("backup-generate").focus();
    say("Backup codes turned on.");
  }, "backup-msg");
  on($("backup-show"), async () => {
    if (!$("backup-list-panel").hidden) return closePanel($("backup-list-panel"));
    const res = await withProof((proof) => api.get("/api/my-account/mfa-verifications/backup-codes", { proof }));
    $("backup-list").replaceChildren(...res.codes.map((c) => el("li", { class: c.usedAt ? "used" : "" },
      el("span", {}, c.code), el("span", { class: "state" }, c.usedAt ? `used ${when(c.usedAt)}` : "unused"))));
    $("backup-new").hidden = true;
    openPanel($("backup-show"), $("backup-list-panel"));
  }, "backup-msg");
}

function wirePasskeys() {
  on($("passkey-form"), async () => {
    if (!window.PublicKeyCredential || !("parseCreationOptionsFromJSON" in PublicKeyCredential)) {
      throw new Error("This browser cannot create passkeys from JSON options (PublicKeyCredential.parseCreationOptionsFromJSON).");
    }
    const name = $("passkey-name").value.trim();
    const begin = await api.post("/api/verifications/web-authn/registration");
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(begin.registrationOptions);
    const cred = await webauthn(() => navigator.credentials.create({ publicKey }));
    const payload = cred.toJSON();
    payload.type = "WebAuthn"; // Logto's payload names the factor type here
    const done = await api.post("/api/verifications/web-authn/registration/verify", {
      verificationRecordId: begin.verificationRecordId, payload,
    });
    const body = { type: "WebAuthn", newIdentifierVerificationRecordId: done.verificationRecordId };
    if (name) body.name = name;
    await withProof((proof) => api.post("/api/my-account/mfa-verifications", body, { proof }));
    $("passkey-name").value = "";
    await reload();
    say(name ? `Passkey “${name}” added.` : "Passkey added.");
  }, "passkey-msg");
}

function wireSocial() {
  on($("social-form"), async () => {
    const userId = $("social-userid").value.trim();
    if (!userId) throw new Error("Enter the social user id.");
    const connectorData = { userId };
    if ($("social-email").value.trim()) connectorData.email = $("social-email").value.trim();
    if ($("social-name").value.trim()) connectorData.name = $("social-name").value.trim();
    const stateParam = crypto.randomUUID();
    const rec = await api.post("/api/verifications/social", {
      connectorId: "mock-social", state: stateParam, redirectUri: `${location.origin}/`,
    });
    // A real connector: location.assign(rec.authorizationUri), then verify
    // with what the provider sends back to redirectUri.
    await api.post("/api/verifications/social/verify", { verificationRecordId: rec.verificationRecordId, connectorData });
    await withProof((proof) => api.post("/api/my-account/identities",
      { newIdentifierVerificationRecordId: rec.verificationRecordId }, { proof }));
    for (const id of ["social-userid", "social-email", "social-name"]) $(id).value = "";
    await reload();
    say("mock-social linked.");
  }, "social-msg");
}

function wireData() {
  on($("export"), async () => {
    const data = await withProof((proof) => api.get("/api/my-account/export", { proof }));
    download(`account-${state.me.id}.json`, "application/json", JSON.stringify(data, null, 2));
    say("Your data was downloaded.");
  }, "data-msg");
  on($("delete-form"), async () => {
    if (!$("delete-confirm").checked) throw new Error("Tick the box to confirm.");
    await withProof((proof) => api.del("/api/my-account", { proof }));
    endSession("Your account was deleted.");
  }, "data-msg");
}

function wireCommon() {
  for (const b of document.querySelectorAll("[data-cancel]")) {
    b.addEventListener("click", () => {
      const panel = $(b.dataset.cancel) || $(`${b.dataset.cancel}-form`);
      if (panel.id === "totp-panel") state.totp = null;
      if (panel.id === "backup-new") state.backupCodes = null;
      closePanel(panel);
    });
  }

  $("proof-method").addEventListener("change", () => {
    if (proofPending) proofPending.emailRecord = null;
    $("proof-msg").textContent = "";
    showProofMethod();
  });
  $("proof-form").addEventListener("submit", submitProof);
  $("proof-cancel").addEventListener("click", () => $("proof-dialog").close());
  $("proof-dialog").addEventListener("close", () => {
    $("proof-password").value = "";
    $("proof-code").value = "";
    if (proofPending) {
      const p = proofPending;
      proofPending = null;
      p.reject(new Cancelled());
    }
  });

  $("confirm-ok").addEventListener("click", () => $("confirm-dialog").close("ok"));
  $("confirm-cancel").addEventListener("click", () => $("confirm-dialog").close("cancel"));

  $("outbox-refresh").addEventListener("click", () => refreshOutbox());
  $("lang").addEventListener("change", () => { state.lang = $("lang").value; });
}

async function init() {
  wireCommon();
  wireSignIn();
  wireProfile();
  wireIdentifier("email");
  wireIdentifier("phone");
  wirePassword();
  wireTOTP();
  wireBackupCodes();
  wirePasskeys();
  wireSocial();
  wireData();

  try {
    const cfg = await api.get("/dev/config", { auth: false });
    if (cfg && cfg.development) state.dev = cfg;
  } catch {
    state.dev = null; // production mode: no development routes
  }
  $("devflag").hidden = !state.dev;
  $("dev-signin").hidden = !state.dev;
  $("prod-signin").hidden = !!state.dev;
  $("token-box").open = !state.dev;
  if (state.dev) $("ttl-minutes").textContent = String(Math.round(state.dev.tokenTtlSeconds / 60));
  $("create-user-cmd").textContent = $("create-user-cmd").textContent.replace("http://localhost:8080", location.origin);
  $("signin-view").hidden = false;
  document.body.dataset.ready = "true";
}

init();
