// Cordon console: a thin client of the HTTP API. Every value is inserted with textContent, never as HTML.
"use strict";

const state = { token: sessionStorage.getItem("cordon.token") || "", claims: null, notice: null };
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function decodeClaims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = decodeURIComponent(Array.from(atob(part), (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join(""));
    return JSON.parse(json);
  } catch {
    return null;
  }
}

async function api(path, { method = "GET", purpose, body, justification } = {}) {
  const headers = { Authorization: "Bearer " + state.token };
  if (purpose) headers["X-Purpose"] = purpose;
  if (justification) headers["X-Justification"] = encodeURIComponent(justification);
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  return { ok: response.ok, status: response.status, json };
}

function problemBox(problem, status) {
  const p = problem || {};
  return el("div", { class: "problem", "data-testid": "problem" },
    el("strong", {}, (p.code || "error") + " · " + (p.title || status)),
    p.rule ? el("div", {}, "Rule " + p.rule + (p.citation ? " — " + p.citation : "")) : null,
    el("div", {}, p.detail || ""),
    p.errors ? el("pre", {}, JSON.stringify(p.errors, null, 2)) : null);
}

function showWho() {
  const c = state.claims;
  $("who").textContent = c ? `${c.sub} · ${c.role} · tenant ${c.tid || "default"}` : "Not signed in · 未登录";
  $("tabs").hidden = !c;
  $("signin").hidden = !!c;
  for (const section of document.querySelectorAll(".tab")) section.hidden = true;
  if (c) selectTab(document.querySelector("nav button.active").dataset.tab);
}

function selectTab(name) {
  for (const button of document.querySelectorAll("nav button")) button.classList.toggle("active", button.dataset.tab === name);
  for (const section of document.querySelectorAll(".tab")) section.hidden = section.id !== "tab-" + name;
}

async function loadNotice() {
  const tenant = state.claims && state.claims.tid ? "?tenant=" + encodeURIComponent(state.claims.tid) : "";
  const response = await fetch("/v1/privacy-notice" + tenant);
  if (!response.ok) return;
  state.notice = await response.json();
  for (const id of ["subject-purpose", "decision-purpose"]) {
    const select = $(id);
    select.replaceChildren(...state.notice.purposes.map((p) => el("option", { value: p.key }, p.key)));
  }
  const roles = ["patient", "guardian", "physician", "pharmacist", "nurse", "support", "marketing", "analyst", "dpo", "security", "admin", "app"];
  $("decision-role").replaceChildren(...roles.map((r) => el("option", { value: r }, r)));
}

async function signIn() {
  const token = $("token").value.trim();
  const claims = decodeClaims(token);
  if (!claims) {
    $("who").textContent = "That is not a bearer token.";
    return;
  }
  state.token = token;
  state.claims = claims;
  sessionStorage.setItem("cordon.token", token);
  showWho();
  await loadNotice();
}

function signOut() {
  sessionStorage.removeItem("cordon.token");
  state.token = "";
  state.claims = null;
  $("token").value = "";
  showWho();
}

async function loadSubject() {
  const out = $("subject-result");
  const id = $("subject-id").value.trim();
  const purpose = $("subject-purpose").value;
  out.replaceChildren(el("div", { class: "muted" }, "Loading…"));
  const [subject, consents, records] = await Promise.all([
    api("/v1/subjects/" + encodeURIComponent(id)),
    api("/v1/subjects/" + encodeURIComponent(id) + "/consents"),
    api("/v1/subjects/" + encodeURIComponent(id) + "/records", { purpose, justification: $("subject-justification").value.trim() || undefined }),
  ]);
  const parts = [];
  if (subject.ok) {
    const s = subject.json;
    parts.push(el("div", { class: "card" }, el("h3", {}, s.id),
      el("span", { class: "tag" }, "state " + s.state), el("span", { class: "tag" }, "age " + s.ageBand),
      s.guardianSubjectId ? el("span", { class: "tag" }, "guardian " + s.guardianSubjectId) : null));
  } else {
    parts.push(problemBox(subject.json, subject.status));
  }
  if (consents.ok) {
    parts.push(el("h3", {}, "Consents · 同意"));
    parts.push(el("table", {}, el("tbody", {}, ...consents.json.current.map((c) =>
      el("tr", {}, el("td", {}, c.purpose), el("td", { class: c.state === "granted" ? "permit" : "deny" }, c.state), el("td", {}, c.since || ""), el("td", {}, c.grantedBy || ""))))));
  }
  parts.push(el("h3", {}, "Records under " + purpose));
  if (records.ok) {
    if (records.json.records.length === 0) parts.push(el("div", { class: "muted" }, "Nothing this purpose may show."));
    for (const r of records.json.records) {
      parts.push(el("div", { class: "card", "data-testid": "record" }, el("h3", {}, `${r.type} · ${r.level} · v${r.version}`),
        el("div", { class: "muted" }, r.id), el("pre", {}, JSON.stringify(r.resource, null, 2))));
    }
  } else {
    parts.push(problemBox(records.json, records.status));
  }
  out.replaceChildren(...parts);
}

async function loadAudit() {
  const query = new URLSearchParams({ limit: "200" });
  if ($("audit-subject").value.trim()) query.set("subject", $("audit-subject").value.trim());
  if ($("audit-actor").value.trim()) query.set("actor", $("audit-actor").value.trim());
  const result = await api("/v1/audit?" + query);
  const body = $("audit-table").querySelector("tbody");
  if (!result.ok) {
    $("audit-status").replaceChildren(problemBox(result.json, result.status));
    body.replaceChildren();
    return;
  }
  $("audit-status").replaceChildren();
  body.replaceChildren(...result.json.entries.map((e) => el("tr", {},
    el("td", {}, e.id), el("td", {}, e.time), el("td", {}, e.actor), el("td", {}, e.role), el("td", {}, e.purpose || ""),
    el("td", {}, e.action), el("td", {}, e.subject || ""), el("td", { class: e.outcome === "deny" ? "deny" : "permit" }, e.outcome),
    el("td", {}, [e.code, ...(e.rules || [])].filter(Boolean).join(" ")), el("td", {}, (e.flags || []).join(" ")))));
}

async function verifyAudit() {
  const result = await api("/v1/audit/verify");
  if (!result.ok) {
    $("audit-status").replaceChildren(problemBox(result.json, result.status));
    return;
  }
  const v = result.json;
  $("audit-status").replaceChildren(v.valid
    ? el("div", { class: "ok" }, `Chain valid · 审计链完整: ${v.entries} entries verified.`)
    : el("div", { class: "problem" }, `Chain broken · 审计链被破坏 at lane ${v.lane}, entry ${v.firstBroken}: ${v.reason}`));
}

async function loadRights() {
  const query = new URLSearchParams();
  if ($("rights-status").value) query.set("status", $("rights-status").value);
  if ($("rights-late").checked) query.set("late", "true");
  if ($("rights-subject").value.trim()) query.set("subject", $("rights-subject").value.trim());
  const result = await api("/v1/rights-requests?" + query);
  const body = $("rights-table").querySelector("tbody");
  if (!result.ok) {
    $("rights-status-line").replaceChildren(problemBox(result.json, result.status));
    body.replaceChildren();
    return;
  }
  const requests = result.json.requests;
  const late = requests.filter((r) => r.late).length;
  $("rights-status-line").replaceChildren(el("div", { class: late ? "problem" : "ok" },
    `${requests.length} request(s) · ${late} late · 逾期 ${late}`));
  body.replaceChildren(...requests.map((r) => el("tr", { class: r.late ? "deny" : "" },
    el("td", {}, r.id), el("td", {}, r.kind), el("td", {}, r.subjectId),
    el("td", { class: r.status === "refused" ? "deny" : r.status === "completed" ? "permit" : "" }, r.late ? `${r.status} (late · 逾期)` : r.status),
    el("td", {}, r.createdAt), el("td", {}, r.dueOn),
    el("td", {}, r.refusal ? `${r.refusal.code} ${r.refusal.rule || ""}: ${r.refusal.reasons.join("; ")}` : ((r.result && r.result.summary) || []).join(" ")))));
}

async function explainDecision() {
  const result = await api("/v1/decisions", {
    method: "POST",
    body: {
      actor: { role: $("decision-role").value, id: $("decision-actor").value.trim(), justification: $("decision-justification").checked },
      purpose: $("decision-purpose").value,
      subjectId: $("decision-subject").value.trim(),
      recordType: $("decision-type").value.trim(),
    },
  });
  const out = $("decision-result");
  if (!result.ok) {
    out.replaceChildren(problemBox(result.json, result.status));
    return;
  }
  const d = result.json;
  out.replaceChildren(
    el("div", { class: d.decision === "deny" ? "problem" : "ok", "data-testid": "decision" }, el("strong", {}, d.decision),
      d.code ? el("div", {}, `${d.code} — ${d.rule || ""} ${d.citation || ""}`) : null, d.detail ? el("div", {}, d.detail) : null),
    el("table", {}, el("tbody", {}, ...d.rules.map((r) => el("tr", {},
      el("td", {}, r.rule), el("td", {}, r.check), el("td", { class: r.passed ? "permit" : "deny" }, r.passed ? "passed" : "failed"), el("td", {}, r.citation), el("td", {}, r.detail))))),
    d.masks.length ? el("div", {}, "Masks: ", ...d.masks.map((m) => el("span", { class: "tag" }, `${m.path} ${m.method}`))) : null);
}

$("signin-button").addEventListener("click", signIn);
$("signout-button").addEventListener("click", signOut);
$("subject-load").addEventListener("click", loadSubject);
$("audit-load").addEventListener("click", loadAudit);
$("audit-verify").addEventListener("click", verifyAudit);
$("decision-run").addEventListener("click", explainDecision);
$("rights-load").addEventListener("click", loadRights);
for (const button of document.querySelectorAll("nav button")) button.addEventListener("click", () => selectTab(button.dataset.tab));

if (state.token) {
  $("token").value = state.token;
  signIn();
} else {
  showWho();
}
