// The volunteer phone page: sign in (the dashboard's accounts and cookie), the tasks of my community that
// need people (nearest first), take one, record it done with an optional photo (downscaled here before it is
// sent), my points. Every call is an ordinary GridGov API call carrying the HttpOnly session cookie.
"use strict";
const S = JSON.parse(document.getElementById("strings").textContent);
const $ = (id) => document.getElementById(id);
const MAX_SIDE = 1600, QUALITY = 0.8;
const photos = {};  // task id -> downscaled JPEG blob

function fmt(text, values) { return text.replace(/\{(\w+)\}/g, (_, k) => values[k]); }
function say(text) { $("result").textContent = text; }
// Times come with the district's offset (2026-12-01T09:00:00+08:00): shown as the district's clock reads them,
// whatever the phone's own time zone.
function when(iso) { return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`; }

document.querySelectorAll("[data-s]").forEach((el) => { el.textContent = S[el.dataset.s]; });
$("title").textContent = S.title;

async function call(url, options) {
  const response = await fetch(url, Object.assign({ credentials: "same-origin" }, options || {}));
  if (response.status === 204) return null;
  const body = await response.json();
  if (!response.ok) {
    const error = new Error(body.map ? body.map((e) => e.description).join("; ") : String(response.status));
    error.status = response.status;
    throw error;
  }
  return body;
}

async function downscale(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale); canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
}

function taskItem(task, mine) {
  const item = $("task").content.firstElementChild.cloneNode(true);
  item.dataset.task = task.number;
  item.querySelector(".kind").textContent = S["kind_" + task.kind] || task.kind;
  item.querySelector(".name").textContent = task.title;
  item.querySelector(".when").textContent = fmt(S.when, { start: when(task.starts_at), end: when(task.ends_at) });
  const where = [task.address, task.distance_m === null ? "" : fmt(S.distance, { m: task.distance_m })];
  item.querySelector(".where").textContent = where.filter(Boolean).join(" · ");
  const skills = task.skills.map((s) => S["code_" + s] || s).join("、");
  const status = mine ? S["status_" + task.my_status] : fmt(S.places, { left: task.headcount - task.on_task, headcount: task.headcount });
  item.querySelector(".skills").textContent = [skills, status].filter(Boolean).join(" · ");
  item.querySelector(".desc").textContent = task.description;
  if (mine && task.my_status === "done") item.classList.add("done");
  const actions = item.querySelector(".actions");
  if (!mine) actions.append(button(S.take, () => take(task)));
  else if (task.my_status === "active") completeForm(actions, task);
  return item;
}

function button(text, onclick) {
  const b = document.createElement("button");
  b.type = "button"; b.textContent = text; b.onclick = onclick;
  return b;
}

function completeForm(box, task) {
  const label = document.createElement("label");
  label.className = "photo-button"; label.textContent = S.photo;
  const input = document.createElement("input");
  input.type = "file"; input.accept = "image/*"; input.capture = "environment"; input.className = "photo";
  label.append(input);
  const preview = document.createElement("img"); preview.className = "preview"; preview.hidden = true;
  const info = document.createElement("p"); info.className = "info photo-info";
  const note = document.createElement("textarea"); note.rows = 2; note.maxLength = 1000; note.placeholder = S.note;
  note.className = "note";
  input.onchange = async () => {
    if (!input.files[0]) return;
    photos[task.id] = await downscale(input.files[0]);
    preview.src = URL.createObjectURL(photos[task.id]); preview.hidden = false;
    info.textContent = fmt(S.photo_ready, { kb: Math.round(photos[task.id].size / 1024) });
  };
  box.append(label, preview, info, note, button(S.complete, () => complete(task, note.value)));
}

async function take(task) {
  try {
    await call(`../v1/volunteer/tasks/${task.id}/sign-up`, { method: "POST" });
    say(fmt(S.taken, { number: task.number }));
    await load();
  } catch (err) { say(fmt(S.error, { message: err.message })); }
}

async function complete(task, note) {
  say(S.sending);
  const form = new FormData();
  form.append("note", note.trim());
  if (photos[task.id]) form.append("media", photos[task.id], "photo.jpg");
  try {
    const done = await call(`../v1/volunteer/tasks/${task.id}/complete`, { method: "POST", body: form });
    delete photos[task.id];
    await load();
    say(fmt(S.completed, { points: done.points }));
  } catch (err) { say(fmt(S.error, { message: err.message })); }
}

function fill(list, tasks, mine, empty) {
  const box = $(list);
  box.textContent = "";
  if (!tasks.length) { const li = document.createElement("li"); li.className = "info"; li.textContent = empty; box.append(li); }
  for (const task of tasks) box.append(taskItem(task, mine));
}

async function load() {
  let me;
  try { me = await call("../v1/volunteer/me"); } catch (err) {
    $("home").hidden = true; $("sign-in").hidden = false;
    if (err.status === 403) say(S.not_volunteer); else if (err.status !== 401) say(fmt(S.error, { message: err.message }));
    return;
  }
  $("sign-in").hidden = true; $("home").hidden = false;
  $("who").textContent = fmt(S.signed_in_as, { name: me.name, community: me.community });
  $("balance").textContent = fmt(S.balance, { points: me.balance });
  fill("my-tasks", me.my_tasks, true, S.none_mine);
  fill("open-tasks", me.open_tasks, false, S.none_open);
  const ledger = $("ledger");
  ledger.textContent = "";
  for (const e of (await call("../v1/volunteer/points")).slice(0, 10)) {
    const li = document.createElement("li");
    const what = document.createElement("span"); what.textContent = `${when(e.at)} ${e.kind === "redeem" ? S.redeemed : S.earned} ${e.task || e.note}`;
    const points = document.createElement("span"); points.textContent = (e.points > 0 ? "+" : "") + e.points;
    if (e.points < 0) points.className = "minus";
    li.append(what, points); ledger.append(li);
  }
}

$("sign-in").onsubmit = async (event) => {
  event.preventDefault();
  const form = new URLSearchParams({ username: $("username").value.trim(), password: $("password").value });
  try {
    await call("../v1/volunteer/sign-in", { method: "POST", body: form });
    $("password").value = ""; say("");
    await load();
  } catch (err) { say(fmt(S.error, { message: err.message })); }
};
$("sign-out").onclick = async () => { await call("../v1/volunteer/sign-out", { method: "POST" }).catch(() => null); await load(); };

load();
