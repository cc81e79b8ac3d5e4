// Cordon console: a thin client of the HTTP API. Every value is inserted with textContent, never as HTML.
"use strict";

const state = { token: sessionStorage.getItem("cordon.token") || "", me: null, notice: null, audit: null };
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v; else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// replaceChildren turns null into the text "null": only nodes and strings go in.
function show(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
}

// Bilingual labels for the values the API answers with (keys stay as the API spells them).
const LABELS = {
  permit: "允许", "permit-masked": "脱敏允许", deny: "拒绝", done: "已执行",
  open: "处理中", completed: "已完成", refused: "已拒绝",
  granted: "已同意", "granted-by-guardian": "监护人已同意", withdrawn: "已撤回", "needs-renewal": "需重新同意", none: "未同意", expired: "已过期",
  access: "查阅", copy: "复制", portability: "转移", correction: "更正", deletion: "删除", restriction: "限制处理",
  withdrawal: "撤回同意", cancellation: "注销账号", explanation: "解释说明",
  self: "本人", guardian: "监护人", "close-relative": "近亲属",
  active: "正常", restricted: "限制处理", deceased: "已故", cancelled: "已注销",
  passed: "通过", failed: "未通过",
};
const bi = (key, labels = LABELS) => (key && labels[key] ? `${key} · ${labels[key]}` : key || "");

// Times are shown in Beijing time (UTC+8) whatever the browser's zone, and say so.
function beijing(iso) {
  if (!iso) return "";
  const t = new Date(Date.parse(iso) + 8 * 3600 * 1000);
  if (Number.isNaN(t.getTime())) return iso;
  const p = (n) => String(n).padStart(2, "0");
  return `${t.getUTCFullYear()}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())} +08:00`;
}

// A datetime-local value read as Beijing time, for the API.
function fromBeijingInput(value) {
  if (!value) return null;
  return (value.length === 16 ? value + ":00" : value) + "+08:00";
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
  const me = state.me;
  $("who").textContent = me ? `${me.actor} · ${me.role} · tenant ${me.tenant}` : "Not signed in · 未登录";
  $("tabs").hidden = !me;
  $("signin").hidden = !!me;
  for (const section of document.querySelectorAll(".tab")) section.hidden = true;
  if (me) selectTab(document.querySelector("nav button.active").dataset.tab);
}

// A tab naming roles (data-roles) is shown to those roles only; the API refuses the others anyway.
function mayOpen(button) {
  const roles = button.dataset.roles;
  return !roles || (!!state.me && roles.split(" ").includes(state.me.role));
}

function selectTab(name) {
  for (const button of document.querySelectorAll("nav button[data-tab]")) button.hidden = !mayOpen(button);
  const chosen = document.querySelector(`nav button[data-tab="${name}"]`);
  if (!chosen || chosen.hidden) name = "subject";
  for (const button of document.querySelectorAll("nav button")) button.classList.toggle("active", button.dataset.tab === name);
  for (const section of document.querySelectorAll(".tab")) section.hidden = section.id !== "tab-" + name;
  if (name === "sharing" && state.me) loadSharing();
}

async function loadNotice() {
  const response = await fetch("/v1/privacy-notice?tenant=" + encodeURIComponent(state.me.tenant));
  if (!response.ok) return;
  state.notice = await response.json();
  for (const id of ["subject-purpose", "decision-purpose"]) {
    show($(id), state.notice.purposes.map((p) => el("option", { value: p.key }, p.key)));
  }
  const roles = ["patient", "guardian", "physician", "pharmacist", "nurse", "support", "marketing", "analyst", "dpo", "security", "admin", "app"];
  show($("decision-role"), roles.map((r) => el("option", { value: r }, r)));
}

// Nothing is shown until the server has accepted the token (GET /v1/me): a made-up one gets the server's problem.
async function signIn() {
  const token = $("token").value.trim();
  show($("signin-problem"));
  state.token = token;
  const result = token ? await api("/v1/me") : { ok: false, status: 401, json: { code: "auth.unauthenticated", title: "Paste a bearer token", detail: "" } };
  if (!result.ok || !result.json) {
    state.token = "";
    state.me = null;
    sessionStorage.removeItem("cordon.token");
    show($("signin-problem"), problemBox(result.json, result.status));
    showWho();
    return;
  }
  state.me = result.json;
  sessionStorage.setItem("cordon.token", token);
  showWho();
  await loadNotice();
}

function signOut() {
  sessionStorage.removeItem("cordon.token");
  state.token = "";
  state.me = null;
  $("token").value = "";
  show($("signin-problem"));
  showWho();
}

// The value travels in the body of POST /v1/subjects/search, never in a URL, and is not kept by the page.
async function searchSubjects() {
  const out = $("search-result");
  const value = $("search-value").value.trim();
  show(out, el("div", { class: "muted" }, "Searching… · 查找中"));
  const result = await api("/v1/subjects/search", { method: "POST", body: { kind: $("search-kind").value, value } });
  if (!result.ok) {
    show(out, problemBox(result.json, result.status));
    return;
  }
  const subjects = result.json.subjects;
  if (subjects.length === 0) {
    show(out, el("div", { class: "muted" }, "No patient found · 未找到患者"));
    return;
  }
  show(out, el("div", {}, `${subjects.length} found · 找到 ${subjects.length} 位: `,
    subjects.map((id) => el("button", { class: "secondary", "data-testid": "search-hit", "data-subject": id }, id))));
  for (const button of out.querySelectorAll("button[data-subject]")) {
    button.addEventListener("click", () => { $("subject-id").value = button.dataset.subject; loadSubject(); });
  }
}

async function loadSubject() {
  const out = $("subject-result");
  const id = $("subject-id").value.trim();
  const purpose = $("subject-purpose").value;
  show(out, el("div", { class: "muted" }, "Loading… · 加载中"));
  const [subject, consents, records] = await Promise.all([
    api("/v1/subjects/" + encodeURIComponent(id)),
    api("/v1/subjects/" + encodeURIComponent(id) + "/consents"),
    api("/v1/subjects/" + encodeURIComponent(id) + "/records", { purpose, justification: $("subject-justification").value.trim() || undefined }),
  ]);
  const parts = [];
  if (subject.ok) {
    const s = subject.json;
    parts.push(el("div", { class: "card" }, el("h3", {}, s.id),
      el("span", { class: "tag" }, "state · 状态 " + bi(s.state)), el("span", { class: "tag" }, "age · 年龄段 " + s.ageBand),
      s.guardianSubjectId ? el("span", { class: "tag" }, "guardian · 监护人 " + s.guardianSubjectId) : null));
  } else {
    parts.push(problemBox(subject.json, subject.status));
  }
  if (consents.ok) {
    parts.push(el("h3", {}, "Consents · 同意"));
    parts.push(el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, "Purpose · 目的"), el("th", {}, "State · 状态"), el("th", {}, "Since (Beijing) · 起始（北京时间）"), el("th", {}, "Given by · 授权人"))),
      el("tbody", {}, consents.json.current.map((c) =>
        el("tr", {}, el("td", {}, c.purpose), el("td", { class: c.state === "granted" ? "permit" : "deny" }, bi(c.state)), el("td", {}, beijing(c.since)), el("td", {}, bi(c.grantedBy)))))));
  }
  parts.push(el("h3", {}, "Records under · 目的下的记录 " + purpose));
  if (records.ok) {
    if (records.json.records.length === 0) parts.push(el("div", { class: "muted" }, "Nothing this purpose may show · 此目的下无可显示的记录"));
    for (const r of records.json.records) {
      parts.push(el("div", { class: "card", "data-testid": "record" }, el("h3", {}, `${r.type} · ${r.level} · v${r.version}`),
        el("div", { class: "muted" }, r.id), el("pre", {}, JSON.stringify(r.resource, null, 2))));
    }
  } else {
    parts.push(problemBox(records.json, records.status));
  }
  show(out, parts);
}

// The audit view: newest first, paged on `before` (the API's `next`), filtered by subject, actor, action, outcome and time.
function auditFilter() {
  const f = {};
  const put = (key, value) => { if (value) f[key] = value; };
  put("subject", $("audit-subject").value.trim());
  put("actor", $("audit-actor").value.trim());
  put("action", $("audit-action").value.trim());
  put("outcome", $("audit-outcome").value);
  put("from", fromBeijingInput($("audit-from").value));
  put("to", fromBeijingInput($("audit-to").value));
  return f;
}

function auditQuery(filter, limit, before) {
  const query = new URLSearchParams({ ...filter, order: "desc", limit: String(limit) });
  if (before) query.set("before", String(before));
  return "/v1/audit?" + query;
}

async function searchAudit() {
  state.audit = { filter: auditFilter(), limit: Number($("audit-limit").value), cursors: [null], next: null };
  await showAuditPage();
}

async function showAuditPage() {
  const view = state.audit;
  const before = view.cursors[view.cursors.length - 1];
  const result = await api(auditQuery(view.filter, view.limit, before));
  const body = $("audit-table").querySelector("tbody");
  if (!result.ok) {
    show($("audit-status"), problemBox(result.json, result.status));
    show(body);
    view.next = null;
    updatePager(0);
    return;
  }
  show($("audit-status"));
  // The view is the log as it stood at the search: the first page is pinned below the entries written since.
  if (view.cursors.length === 1 && view.cursors[0] === null && result.json.entries.length > 0) view.cursors[0] = result.json.entries[0].id + 1;
  view.next = result.json.next;
  show(body, result.json.entries.map((e) => el("tr", { "data-entry": e.id },
    el("td", {}, e.id), el("td", {}, beijing(e.time)), el("td", {}, e.actor), el("td", {}, e.role), el("td", {}, e.purpose || ""),
    el("td", {}, e.action), el("td", {}, e.subject || ""), el("td", { class: e.outcome === "deny" ? "deny" : "permit" }, bi(e.outcome)),
    el("td", {}, [e.code, ...(e.rules || [])].filter(Boolean).join(" ")), el("td", {}, (e.flags || []).join(" ")))));
  updatePager(result.json.entries.length);
}

function updatePager(count) {
  const view = state.audit;
  const page = view ? view.cursors.length : 1;
  const start = (page - 1) * (view ? view.limit : 0);
  $("audit-page").textContent = count === 0 ? `page ${page} · 第 ${page} 页: no entries · 无记录` : `page ${page} · 第 ${page} 页: entries ${start + 1}–${start + count}, newest first · 由新到旧`;
  $("audit-newer").disabled = !view || view.cursors.length <= 1;
  $("audit-older").disabled = !view || !view.next;
}

async function olderAudit() {
  if (!state.audit || !state.audit.next) return;
  state.audit.cursors.push(state.audit.next);
  await showAuditPage();
}

async function newerAudit() {
  if (!state.audit || state.audit.cursors.length <= 1) return;
  state.audit.cursors.pop();
  await showAuditPage();
}

// A cell a spreadsheet could read as a formula (= + - @, or a tab or carriage return before one) is prefixed with '.
function csvCell(value) {
  let text = value === null || value === undefined ? "" : Array.isArray(value) ? value.join(" ") : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = "'" + text;
  return '"' + text.replace(/"/g, '""') + '"';
}

const CSV_COLUMNS = [
  ["id", (e) => e.id], ["lane", (e) => e.lane], ["seq", (e) => e.seq], ["time (Beijing, UTC+8)", (e) => beijing(e.time)],
  ["actor", (e) => e.actor], ["role", (e) => e.role], ["purpose", (e) => e.purpose], ["action", (e) => e.action],
  ["subject", (e) => e.subject], ["records", (e) => e.recordIds], ["outcome", (e) => e.outcome], ["code", (e) => e.code],
  ["rules", (e) => e.rules], ["flags", (e) => e.flags], ["requestId", (e) => e.requestId], ["clientAddress", (e) => e.clientAddress], ["hash", (e) => e.hash],
];
const CSV_MAX_ENTRIES = 50000;

// Exports every entry of the view's filter (not only the page shown), newest first.
async function exportAudit() {
  const filter = state.audit ? state.audit.filter : auditFilter();
  const rows = [];
  let before = state.audit ? state.audit.cursors[0] : null;
  while (rows.length < CSV_MAX_ENTRIES) {
    const result = await api(auditQuery(filter, 1000, before));
    if (!result.ok) {
      show($("audit-status"), problemBox(result.json, result.status));
      return;
    }
    rows.push(...result.json.entries);
    before = result.json.next;
    if (!before) break;
  }
  const lines = [CSV_COLUMNS.map(([name]) => csvCell(name)).join(","), ...rows.map((e) => CSV_COLUMNS.map(([, get]) => csvCell(get(e))).join(","))];
  const blob = new Blob(["\ufeff" + lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const stamp = beijing(new Date().toISOString()).slice(0, 16).replace(/[-: ]/g, "");
  const link = el("a", { href: url, download: `cordon-audit-${stamp}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  show($("audit-status"), el("div", { class: "ok" },
    `Exported ${rows.length} entries · 已导出 ${rows.length} 条` + (before ? ` (first ${CSV_MAX_ENTRIES} only: narrow the filter · 仅前 ${CSV_MAX_ENTRIES} 条，请缩小范围)` : "")));
}

async function verifyAudit() {
  const result = await api("/v1/audit/verify");
  if (!result.ok) {
    show($("audit-status"), problemBox(result.json, result.status));
    return;
  }
  const v = result.json;
  show($("audit-status"), v.valid
    ? el("div", { class: "ok" }, `Chain valid · 审计链完整: ${v.entries} entries verified.`)
    : el("div", { class: "problem" }, `Chain broken · 审计链被破坏 at lane ${v.lane}, entry ${v.firstBroken}: ${v.reason}`));
}

function daysLeft(r) {
  if (r.status !== "open" || r.workingDaysLeft === null || r.workingDaysLeft === undefined) return "—";
  const n = r.workingDaysLeft;
  if (r.late) return n < 0 ? `late by ${-n} working days · 逾期 ${-n} 个工作日` : "late · 逾期";
  return n === 0 ? "due today · 今日到期" : `${n} working days · ${n} 个工作日`;
}

function rightsActions(r) {
  if (r.status !== "open" || !state.me || !["dpo", "admin"].includes(state.me.role)) return null;
  const note = el("input", { placeholder: "note · 说明", "data-testid": "rights-note", "aria-label": "note" });
  const rule = el("input", { placeholder: "rule · 依据 (R22)", size: "6", "data-testid": "rights-rule", "aria-label": "rule" });
  const act = (label, testid, path, body) => {
    const button = el("button", { class: "secondary", "data-testid": testid }, label);
    button.addEventListener("click", () => rightsAct(r.id, path, body ? body(note.value.trim(), rule.value.trim()) : undefined));
    return button;
  };
  const buttons = [];
  if (r.relation === "close-relative") buttons.push(act("Verify proof · 核验证明", "rights-verify", "verify-proof"));
  if (["portability", "deletion", "withdrawal", "cancellation"].includes(r.kind)) buttons.push(act("Retry · 重试", "rights-retry", "retry"));
  buttons.push(act("Complete · 办结", "rights-complete", "resolve", (n) => ({ outcome: "completed", note: n })));
  buttons.push(act("Refuse · 拒绝", "rights-refuse", "resolve", (n, rl) => ({ outcome: "refused", note: n, rule: rl || null })));
  return el("div", { class: "actions" }, note, rule, buttons);
}

async function rightsAct(id, path, body) {
  const result = await api(`/v1/rights-requests/${encodeURIComponent(id)}/${path}`, { method: "POST", body });
  if (!result.ok) {
    show($("rights-status-line"), problemBox(result.json, result.status));
    return;
  }
  await loadRights(`${result.json.id}: ${bi(result.json.status)}`);
}

async function loadRights(done) {
  const query = new URLSearchParams();
  if ($("rights-status").value) query.set("status", $("rights-status").value);
  if ($("rights-late").checked) query.set("late", "true");
  if ($("rights-subject").value.trim()) query.set("subject", $("rights-subject").value.trim());
  const result = await api("/v1/rights-requests?" + query);
  const body = $("rights-table").querySelector("tbody");
  if (!result.ok) {
    show($("rights-status-line"), problemBox(result.json, result.status));
    show(body);
    return;
  }
  const requests = result.json.requests;
  const late = requests.filter((r) => r.late).length;
  show($("rights-status-line"),
    typeof done === "string" ? el("div", { class: "ok", "data-testid": "rights-done" }, "Done · 已处理 — " + done) : null,
    el("div", { class: late ? "problem" : "ok" }, `${requests.length} request(s) · ${late} late · 逾期 ${late}`));
  show(body, requests.map((r) => el("tr", { class: r.late ? "deny" : "", "data-request": r.id },
    el("td", {}, r.id), el("td", {}, bi(r.kind)), el("td", {}, r.subjectId),
    el("td", {}, bi(r.relation), r.proofReference ? el("div", { class: "muted" }, "proof · 证明: " + r.proofReference) : null),
    el("td", { class: r.status === "refused" ? "deny" : r.status === "completed" ? "permit" : "", "data-testid": "rights-state" }, r.late ? `${bi(r.status)} (late · 逾期)` : bi(r.status)),
    el("td", {}, beijing(r.createdAt)), el("td", {}, r.dueOn), el("td", { "data-testid": "rights-days-left" }, daysLeft(r)),
    el("td", {}, r.refusal ? `${r.refusal.code} ${r.refusal.rule || ""}: ${r.refusal.reasons.join("; ")}` : ((r.result && r.result.summary) || []).join(" ")),
    el("td", {}, rightsActions(r)))));
}

// Sharing: the recipient register with what the egress gate would still refuse each one for, the disclosure log and
// this year's cross-border counts (the counts are for the DPO and administrators only).
const SHARING = {
  "entrusted-processor": "受托处理者", controller: "个人信息处理者", "joint-controller": "共同处理者", sdk: "第三方 SDK", cloud: "云服务",
  provide: "向他人提供", entrust: "委托处理", disclose: "公开",
  api: "接口推送", package: "加密数据包",
  started: "处理中", delivered: "已送达", failed: "送达失败", refused: "已拒绝",
  none: "无需", "standard-contract-or-certification": "标准合同或认证", "security-assessment": "安全评估",
  exempt: "豁免", "standard-contract": "标准合同", certification: "认证",
};

const beijingToday = () => beijing(new Date().toISOString()).slice(0, 10);

function contractCell(c) {
  if (!c) return el("span", { class: "deny" }, "none · 无");
  const today = beijingToday();
  const inForce = c.validFrom <= today && today <= c.validUntil;
  return el("div", {}, c.reference,
    el("div", { class: inForce ? "permit" : "deny" }, `${c.validFrom} – ${c.validUntil}` + (inForce ? "" : " (not in force · 未生效或已到期)")));
}

function transferCell(r) {
  if (!r.abroad) return el("span", { class: "muted" }, "— in China · 境内");
  const t = r.transfer;
  if (!t) return el("span", { class: "deny" }, "none · 无");
  return el("div", {}, bi(t.kind, SHARING), t.exemptBasis ? el("div", { class: "muted" }, t.exemptBasis) : null,
    el("div", { class: "muted" }, t.reference + (t.validUntil ? ` · until ${t.validUntil}` : "")));
}

// The body of a list's table when the API answered; else the problem in its status line, the table emptied, and null.
function listBody(result, statusId, tableId) {
  const body = $(tableId).querySelector("tbody");
  if (result.ok) return body;
  show($(statusId), problemBox(result.json, result.status));
  show(body);
  return null;
}

function showRecipients(result) {
  const body = listBody(result, "recipients-status", "recipients-table");
  if (!body) return;
  const recipients = result.json.recipients;
  const incomplete = recipients.filter((r) => r.missing.length > 0).length;
  show($("recipients-status"), el("div", { class: incomplete ? "problem" : "ok" },
    `${recipients.length} recipient(s) · ${recipients.length} 个接收方; ${incomplete} the gate would still refuse · ${incomplete} 个尚不满足条件`));
  show(body, recipients.map((r) => el("tr", { "data-recipient": r.key },
    el("td", {}, el("code", {}, r.key)),
    el("td", {}, r.name),
    el("td", {}, bi(r.kind, SHARING), el("div", { class: "muted" }, bi(r.activity, SHARING))),
    el("td", {}, r.jurisdiction + " ", r.abroad ? el("span", { class: "tag deny" }, "abroad · 境外") : null,
      r.foreignControlled ? el("span", { class: "tag" }, "foreign-controlled · 外资控制") : null),
    el("td", {}, bi(r.method, SHARING)),
    el("td", {}, r.purposes.length ? r.purposes.map((p) => el("span", { class: "tag" }, p)) : "—"),
    el("td", { "data-testid": "recipient-contract" }, contractCell(r.contract)),
    el("td", {}, transferCell(r)),
    el("td", { "data-testid": "recipient-missing" }, r.missing.length
      ? el("ul", { class: "missing" }, r.missing.map((m) => el("li", {}, m)))
      : el("span", { class: "permit" }, "nothing · 无")))));
}

function showDisclosures(result) {
  const body = listBody(result, "disclosures-status", "disclosures-table");
  if (!body) return;
  const disclosures = result.json.disclosures;
  show($("disclosures-status"), disclosures.length ? null : el("div", { class: "muted" }, "No disclosure yet · 暂无对外提供记录"));
  show(body, disclosures.map((d) => el("tr", { "data-disclosure": d.id },
    el("td", {}, beijing(d.createdAt)), el("td", {}, d.id),
    el("td", { class: d.status === "delivered" ? "permit" : d.status === "started" ? "" : "deny", "data-testid": "disclosure-status" }, bi(d.status, SHARING)),
    el("td", {}, d.recipient), el("td", {}, d.purpose), el("td", {}, d.subjects), el("td", {}, d.records),
    el("td", {}, d.abroad ? "yes · 是" : "no · 否"), el("td", {}, d.detail))));
}

function counter(testid, label, value) {
  return el("div", { class: "counter" }, el("span", { class: "muted" }, label), el("strong", { "data-testid": testid }, value));
}

function showCrossBorder(result) {
  const out = $("crossborder");
  const table = $("crossborder-table");
  const body = table.querySelector("tbody");
  table.hidden = true;
  show(body);
  if (!result) {
    show(out, el("div", { class: "muted" }, "The cross-border counts are for the DPO and administrators · 出境统计仅限个人信息保护负责人与管理员查看"));
    return;
  }
  if (!result.ok) {
    show(out, problemBox(result.json, result.status));
    return;
  }
  const c = result.json;
  const t = c.thresholds;
  show(out,
    el("div", { class: "counters" },
      counter("crossborder-year", "Year · 年度", c.year),
      counter("crossborder-non-sensitive", "Individuals, non-sensitive · 一般个人信息（人）", c.nonSensitive),
      counter("crossborder-sensitive", "Individuals, sensitive · 敏感个人信息（人）", c.sensitive),
      counter("crossborder-required", "Required mechanism · 所需机制", bi(c.required, SHARING))),
    el("div", { class: "muted" }, `Rule ${c.rule}. Counted since 1 January · 自 1 月 1 日起累计. Nothing below ${t.exemptBelow} individuals without sensitive data; `
      + `a standard contract or certification from ${t.exemptBelow}, or for any sensitive data; a security assessment from ${t.assessmentAt} (non-sensitive) or ${t.sensitiveAssessmentAt} (sensitive).`
      + (c.importantData ? " Important data was transferred · 已有重要数据出境." : "")),
    c.recipients.length ? null : el("div", { class: "muted" }, "No recipient in the register is abroad · 登记中无境外接收方"));
  table.hidden = c.recipients.length === 0;
  show(body, c.recipients.map((r) => el("tr", { "data-recipient": r.key },
    el("td", {}, el("code", {}, r.key), el("div", { class: "muted" }, r.name)), el("td", {}, r.jurisdiction),
    el("td", { class: r.held ? "" : "deny" }, r.held ? bi(r.held, SHARING) : "nothing · 无"), el("td", {}, r.reference || "—"),
    el("td", {}, r.validUntil || "—"), el("td", {}, r.renewFrom || "—"),
    el("td", { class: r.renewalDue ? "deny" : "" }, r.renewalDue ? "renewal due · 应续期" : "no · 否"),
    el("td", { class: r.sufficient ? "permit" : "deny" }, r.sufficient ? "yes · 是" : "no · 否"))));
}

async function loadSharing() {
  const officer = ["dpo", "admin"].includes(state.me.role);
  const [recipients, disclosures, crossborder] = await Promise.all([
    api("/v1/recipients"),
    api("/v1/disclosures?limit=100"),
    officer ? api("/v1/crossborder") : Promise.resolve(null),
  ]);
  showRecipients(recipients);
  showDisclosures(disclosures);
  showCrossBorder(crossborder);
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
    show(out, problemBox(result.json, result.status));
    return;
  }
  const d = result.json;
  show(out,
    el("div", { class: d.decision === "deny" ? "problem" : "ok", "data-testid": "decision" }, el("strong", {}, bi(d.decision)),
      d.code ? el("div", {}, [d.code, d.rule, d.citation].filter(Boolean).join(" — ")) : null, d.detail ? el("div", {}, d.detail) : null),
    el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, "Rule · 规则"), el("th", {}, "Check · 检查"), el("th", {}, "Result · 结果"), el("th", {}, "Citation · 依据"), el("th", {}, "Why · 说明"))),
      el("tbody", {}, d.rules.map((r) => el("tr", {},
        el("td", {}, r.rule), el("td", {}, r.check), el("td", { class: r.passed ? "permit" : "deny" }, bi(r.passed ? "passed" : "failed")), el("td", {}, r.citation || ""), el("td", {}, r.detail || ""))))),
    d.masks.length ? el("div", {}, "Masks · 脱敏: ", d.masks.map((m) => el("span", { class: "tag" }, `${m.path} ${m.method}`))) : null);
}

$("signin-button").addEventListener("click", signIn);
$("signout-button").addEventListener("click", signOut);
$("search-run").addEventListener("click", searchSubjects);
$("subject-load").addEventListener("click", loadSubject);
$("audit-load").addEventListener("click", searchAudit);
$("audit-older").addEventListener("click", olderAudit);
$("audit-newer").addEventListener("click", newerAudit);
$("audit-export").addEventListener("click", exportAudit);
$("audit-verify").addEventListener("click", verifyAudit);
$("decision-run").addEventListener("click", explainDecision);
$("rights-load").addEventListener("click", () => loadRights());
$("sharing-load").addEventListener("click", loadSharing);
for (const button of document.querySelectorAll("nav button[data-tab]")) button.addEventListener("click", () => selectTab(button.dataset.tab));

if (state.token) {
  $("token").value = state.token;
  signIn();
} else {
  showWho();
}
