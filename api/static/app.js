// The snap-and-report page: photo (downscaled here before upload), position (browser, else the photo's GPS,
// corrected on the map), category (with suggestions from the text), description; likely duplicates are
// offered to follow instead. No key: a signed-in grid member reports as themselves (the session cookie), anyone
// else through the district's residents' channel (api/page_reports.py). Every sentence shown comes from the
// page's catalogue (api/page_strings.py); the API's refusals arrive as reason words mapped to it.
"use strict";
const SETUP = JSON.parse(document.getElementById("setup").textContent);
const S = SETUP.strings, ME = SETUP.me;
const $ = (id) => document.getElementById(id);
const state = { lat: null, lon: null, photo: null, checked: false, ref: randomRef() };
const MAX_SIDE = 1600, QUALITY = 0.8;
// Who reports: the signed-in person when their role reports on patrol, else a resident (when that is open).
const AS = ME && ME.may_report ? "member" : (SETUP.residents ? "resident" : null);
// The reason word of a refusal that carries none (an Open311 route), by HTTP status.
const BY_STATUS = { 400: "bad_input", 403: "forbidden", 404: "not_found", 413: "too_large", 429: "rate_limited" };

function randomRef() {  // our idempotency key: a retry on a flaky link never makes a second case
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return "page-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
function fmt(text, values) { return text.replace(/\{(\w+)\}/g, (_, k) => values[k]); }
function say(id, text) { $(id).textContent = text; }
function role(code) { return S["role_" + code] || code; }

document.querySelectorAll("[data-s]").forEach((el) => { el.textContent = S[el.dataset.s]; });
say("title", S.title);
$("lang-switch").href = SETUP.switch;
$("preview").alt = S.photo_alt;
localStorage.removeItem("gridgov_key");  // the device key of the page's first version: no longer used
showWho();

function showWho() {
  const link = $("sign-in");
  link.href = SETUP.sign_in;
  link.textContent = S.sign_in;
  if (ME && ME.may_report) {
    say("who-text", fmt(S.as_member, { role: role(ME.role), name: ME.name })
                    + (ME.grids.length ? " · " + fmt(S.member_grids, { grids: ME.grids.join("、") }) : ""));
    link.hidden = true;
  } else {
    const who = ME ? fmt(S.cannot_patrol, { role: role(ME.role), name: ME.name }) : "";
    say("who-text", [who, SETUP.residents ? S.as_resident : S.closed_to_residents].filter(Boolean).join(" · "));
    link.hidden = !!ME;
  }
  $("contact").hidden = AS !== "resident";
  $("submit").disabled = AS === null;
}

class Refused extends Error {  // a refusal or a failure, by its reason word (its sentence: S["err_" + reason])
  constructor(reason) { super(reason); this.reason = reason; }
}
function sentence(err) { return S["err_" + (err && err.reason)] || S.err_failed; }
async function call(url, options) {
  let response, body = null;
  try { response = await fetch(url, options); } catch (err) { throw new Refused("network"); }
  try { body = await response.json(); } catch (err) { /* not JSON: the status decides */ }
  if (!response.ok) {
    const reason = Array.isArray(body) && body.length && body[0].reason;
    throw new Refused(reason || BY_STATUS[response.status] || "failed");
  }
  return body;
}
function getJSON(url) { return call(url); }
function postForm(url, form) { return call(url, { method: "POST", body: form }); }
function refused(err) {  // the sentence in the result line; signed out: the way back to the sign-in
  say("result", fmt(S.error, { message: sentence(err) }));
  if (err.reason === "signed_out") { $("sign-in").textContent = S.sign_in_again; $("sign-in").hidden = false; }
}

// ---- map and position
let map = null, marker = null;
async function initMap() {
  const config = await getJSON("../v1/map");
  map = L.map("map", { zoomControl: false, attributionControl: !!config.tiles });
  L.control.zoom({ zoomInTitle: S.zoom_in, zoomOutTitle: S.zoom_out }).addTo(map);
  if (config.tiles) {
    L.tileLayer(config.tiles.url, { attribution: config.tiles.attribution, maxZoom: config.tiles.max_zoom,
                                   subdomains: config.tiles.subdomains }).addTo(map);
  }
  if (config.bounds) map.fitBounds([[config.bounds[1], config.bounds[0]], [config.bounds[3], config.bounds[2]]]);
  else map.setView([0, 0], 2);
  map.on("click", (e) => setPosition(e.latlng.lat, e.latlng.lng));
}
async function setPosition(lat, lon) {
  state.lat = lat; state.lon = lon; state.checked = false;
  if (map) {
    if (!marker) {
      marker = L.marker([lat, lon], { draggable: true, alt: S.marker, title: S.marker }).addTo(map);
      marker.on("dragend", () => { const p = marker.getLatLng(); setPosition(p.lat, p.lng); });
    } else marker.setLatLng([lat, lon]);
    map.setView([lat, lon], Math.max(map.getZoom(), 16));
  }
  try {
    const where = await getJSON(`../v1/where?lat=${lat}&long=${lon}`);
    say("where", where.inside ? fmt(S.located, { grid: `${where.grid.code} ${where.grid.name}` }) + ownGrid(where.grid)
                                + " · " + S.drag_hint : S.outside);
  } catch (err) { say("where", sentence(err)); }
}
function ownGrid(grid) {  // a grid member sees whether the position is one of their grids
  if (AS !== "member" || !ME.grids.length) return "";
  return ME.grids.includes(grid.code) ? S.your_grid : S.not_your_grid;
}
function locate() {
  if (!navigator.geolocation) { say("where", S.no_position); return; }
  say("where", S.locating);
  navigator.geolocation.getCurrentPosition((p) => setPosition(p.coords.latitude, p.coords.longitude),
                                           () => { if (state.lat === null) say("where", S.no_position); },
                                           { enableHighAccuracy: true, timeout: 10000 });
}

// ---- photo: EXIF GPS read first (the canvas drops it), then downscaled to a small JPEG
function exifGps(buffer) {
  const v = new DataView(buffer);
  if (v.byteLength < 4 || v.getUint16(0) !== 0xffd8) return null;
  let at = 2;
  while (at + 4 < v.byteLength) {
    const marker = v.getUint16(at), size = v.getUint16(at + 2);
    if (marker === 0xffe1 && v.getUint32(at + 4) === 0x45786966) return tiffGps(v, at + 10);
    if ((marker & 0xff00) !== 0xff00) return null;
    at += 2 + size;
  }
  return null;
}
function tiffGps(v, tiff) {
  const little = v.getUint16(tiff) === 0x4949;
  const u16 = (o) => v.getUint16(tiff + o, little), u32 = (o) => v.getUint32(tiff + o, little);
  const entries = (ifd) => Array.from({ length: u16(ifd) }, (_, i) => ifd + 2 + 12 * i);
  const gpsEntry = entries(u32(4)).find((e) => u16(e) === 0x8825);
  if (gpsEntry === undefined) return null;
  const tags = {};
  for (const e of entries(u32(gpsEntry + 8))) tags[u16(e)] = e;
  const ref = (t) => String.fromCharCode(v.getUint8(tiff + tags[t] + 8));
  const dms = (t) => { const o = u32(tags[t] + 8); let d = 0;
    for (let i = 0; i < 3; i++) d += u32(o + 8 * i) / (u32(o + 8 * i + 4) || 1) / [1, 60, 3600][i];
    return d; };
  if (!(2 in tags && 4 in tags)) return null;
  return { lat: (ref(1) === "S" ? -1 : 1) * dms(2), lon: (ref(3) === "W" ? -1 : 1) * dms(4) };
}
async function downscale(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale); canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
}
$("photo").onchange = async () => {
  const file = $("photo").files[0];
  if (!file) return;
  const gps = exifGps(await file.arrayBuffer());
  if (gps && state.lat === null) setPosition(gps.lat, gps.lon);
  state.photo = await downscale(file);
  $("preview").src = URL.createObjectURL(state.photo); $("preview").hidden = false;
  say("photo-info", fmt(S.photo_ready, { kb: Math.round(state.photo.size / 1024) }));
};

// ---- categories and suggestions
async function loadCategories() {
  const services = await getJSON("../../open311/v2/services.json");
  const select = $("category");
  select.add(new Option(S.category_unknown, ""));
  for (const s of services) select.add(new Option(`${s.group} · ${s.service_name}`, s.service_code));
}
$("category").onchange = async () => {  // the category's questions (Open311 service attributes)
  const box = $("questions");
  box.textContent = "";
  const code = $("category").value;
  if (!code) return;
  const definition = await getJSON(`../../open311/v2/services/${encodeURIComponent(code)}.json`).catch(() => null);
  for (const a of (definition ? definition.attributes : [])) box.append(question(a));
};
function question(a) {
  const wrap = document.createElement("div");
  const label = document.createElement(a.variable ? "label" : "p");
  label.textContent = a.description + (a.required ? " *" : "");
  wrap.append(label);
  if (!a.variable) { label.className = "info"; return wrap; }
  let input;
  if (a.datatype === "singlevaluelist" || a.datatype === "multivaluelist") {
    input = document.createElement("select");
    input.multiple = a.datatype === "multivaluelist";
    if (!input.multiple) input.add(new Option("—", ""));
    for (const v of a.values) input.add(new Option(v.name, v.key));
  } else {
    input = document.createElement(a.datatype === "text" ? "textarea" : "input");
    if (a.datatype === "number") input.inputMode = "decimal";
    if (a.datatype_description) input.placeholder = a.datatype_description;
  }
  input.dataset.attribute = a.code;
  input.name = `attribute[${a.code}]`;
  wrap.append(input);
  return wrap;
}
function answers() {
  const found = [];
  for (const input of $("questions").querySelectorAll("[data-attribute]")) {
    const name = `attribute[${input.dataset.attribute}]`;
    if (input.multiple) for (const o of input.selectedOptions) found.push([name + "[]", o.value]);
    else if (input.value.trim()) found.push([name, input.value.trim()]);
  }
  return found;
}
let typing = null;
$("description").oninput = () => {
  clearTimeout(typing);
  typing = setTimeout(async () => {
    const text = $("description").value.trim();
    const box = $("suggestions");
    box.textContent = "";
    if (text.length < 2) return;
    const found = await getJSON(`../v1/suggestions?description=${encodeURIComponent(text)}`).catch(() => null);
    if (!found || !found.suggestions.length) return;
    box.append(S.suggested);
    for (const s of found.suggestions) {
      const chip = document.createElement("button");
      chip.type = "button"; chip.textContent = `${s.service_name} ${Math.round(s.confidence * 100)}%`;
      chip.onclick = () => { $("category").value = s.service_code; $("category").onchange(); };
      box.append(chip);
    }
  }, 500);
};

// ---- duplicates, follow, submit
function form(extra) {
  const data = new FormData();
  data.append("source_id", state.ref);
  if (AS === "resident") extra = { ...extra, phone: $("phone").value.trim() };
  for (const [k, v] of Object.entries(extra)) if (v !== null && v !== "") data.append(k, v);
  return data;
}
function reportForm(extra) {
  const data = form(extra);
  for (const [name, value] of answers()) data.append(name, value);
  return data;
}
async function showDuplicates() {
  const query = new URLSearchParams({ lat: state.lat, long: state.lon, description: $("description").value });
  if ($("category").value) query.append("service_code", $("category").value);
  const found = (await getJSON(`../v1/duplicates?${query}`)).duplicates;
  if (!found.length) return false;
  const list = $("duplicate-list");
  list.textContent = "";
  for (const d of found) {
    const item = document.createElement("li");
    item.textContent = fmt(S.duplicate_line, { number: d.service_request_id, name: d.service_name || "",
                                               metres: Math.round(d.distance_m) });
    const follow = document.createElement("button");
    follow.type = "button"; follow.textContent = S.follow;
    follow.onclick = async () => {
      try {
        const sent = form({});
        const done = await postForm(`follow/${encodeURIComponent(d.service_request_id)}?as=${AS}`, sent);
        say("result", fmt(sent.has("phone") ? S.followed_told : S.followed, { number: done.service_request_id }));
        $("duplicates").hidden = true;
      } catch (err) { refused(err); }
    };
    item.append(follow); list.append(item);
  }
  $("duplicates").hidden = false;
  return true;
}
async function send() {
  say("result", S.sending);
  try {
    const done = await postForm(`submit?as=${AS}`, reportForm({
      lat: state.lat, long: state.lon, service_code: $("category").value,
      description: $("description").value.trim(), media: state.photo }));
    say("result", fmt(S.done, { number: done.service_request_id }));
    $("duplicates").hidden = true;
  } catch (err) { refused(err); }
}
$("report-anyway").onclick = send;
$("report").onsubmit = async (event) => {
  event.preventDefault();
  if (AS === null) return;
  if (state.lat === null) { say("result", S.need_position); return; }
  if (!$("category").value && !$("description").value.trim()) { say("result", S.need_what); return; }
  if (!state.checked) {
    state.checked = true;
    try { if (await showDuplicates()) return; } catch (err) { /* no duplicate check: report anyway */ }
  }
  await send();
};

initMap().catch((err) => say("where", sentence(err))).finally(locate);
loadCategories().catch((err) => say("result", sentence(err)));
