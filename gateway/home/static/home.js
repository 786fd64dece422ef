// The home check-in page: one question per screen, every answer saved at the gateway
// before the next question shows (so nothing is lost if the tablet is switched off).
"use strict";

const page = {
  lang: localStorage.getItem("wearmon-home-lang") || "ko",
  labels: {},
  people: [],
  person: null,
  checkins: [], // offered questionnaires, the weekly one first
  instrument: null, // the one being answered
  busy: false,
  queue: [],
};

const $ = (id) => document.getElementById(id);
const SCREENS = ["people-screen", "welcome-screen", "checkin-screen", "end-screen"];

function show(id) {
  for (const s of SCREENS) $(s).hidden = s !== id;
}

function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (_, k) => (k in values ? values[k] : ""));
}

async function call(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const answer = await fetch(path, options);
  const data = await answer.json();
  if (!answer.ok) throw new Error(data.error || String(answer.status));
  return data;
}

function problem(error) {
  console.error(error);
  $("error").textContent = page.labels.error || String(error);
  $("error").hidden = false;
}

// --- speech -------------------------------------------------------------------------
function speak(urls) {
  const voice = $("voice");
  page.queue = urls.filter(Boolean);
  voice.pause();
  playNext();
}

function playNext() {
  const voice = $("voice");
  const next = page.queue.shift();
  if (!next) return;
  voice.src = next;
  voice.play().catch(() => {}); // a browser may refuse sound before the first touch
}

// --- screens ------------------------------------------------------------------------
function applyLabels() {
  const l = page.labels;
  document.documentElement.lang = page.lang;
  document.title = l.title;
  $("title").textContent = l.title;
  $("lang-switch").textContent = l.switch;
  $("choose").textContent = l.choose;
  $("week-title").textContent = l.week_title;
  for (const e of ["yes", "no", "not_sure", "skip", "repeat", "rephrase", "stop"]) {
    $("btn-" + e).textContent = l[e];
  }
  $("btn-resume").textContent = l.resume;
  $("btn-home").textContent = l.home;
}

async function loadHome() {
  const home = await call("GET", "/api/home?lang=" + page.lang);
  page.labels = home.labels;
  page.people = home.participants;
  page.checkins = home.checkins;
  applyLabels();
  const people = $("people");
  people.replaceChildren();
  for (const p of page.people) {
    const b = document.createElement("button");
    b.className = "big primary person";
    b.type = "button";
    b.textContent = p.name;
    b.dataset.participant = p.participant_id;
    b.addEventListener("click", () => welcome(p.participant_id));
    people.append(b);
  }
  if (page.person) return welcome(page.person);
  if (page.people.length === 1) return welcome(page.people[0].participant_id);
  show("people-screen");
}

async function welcome(participantId) {
  $("error").hidden = true;
  const home = await call("GET", "/api/home?lang=" + page.lang);
  const p = home.participants.find((x) => x.participant_id === participantId);
  page.person = participantId;
  $("hello").textContent = fill(page.labels.hello, { name: p.name });
  const [main, ...more] = page.checkins.map((c) => c.instrument);
  $("start").textContent = p.in_progress.includes(main) ? page.labels.resume : page.labels.start;
  $("start").dataset.instrument = main;
  $("more-checkins").replaceChildren(...more.map((id) => {
    const b = document.createElement("button");
    b.id = "start-" + id;
    b.className = "big secondary";
    b.type = "button";
    b.textContent = p.in_progress.includes(id)
      ? page.labels["resume_" + id] || page.labels.resume
      : page.labels["start_" + id] || id;
    b.addEventListener("click", () => begin(id));
    return b;
  }));
  $("waiting-upload").textContent = page.labels.waiting_upload;
  $("waiting-upload").hidden = !p.waiting_upload;
  show("welcome-screen");
  const week = $("week");
  week.replaceChildren(line(page.labels.week_loading));
  try {
    const summary = await call(
      "GET", `/api/participants/${encodeURIComponent(participantId)}/week?lang=${page.lang}`);
    week.replaceChildren(...summary.lines.map(line));
  } catch (error) {
    week.replaceChildren();
    problem(error);
  }
}

function line(text) {
  const li = document.createElement("li");
  li.textContent = text;
  return li;
}

function render(turn) {
  const says = turn.say;
  speak(says.map((s) => s.audio));
  if (turn.phase === "asking") {
    const asked = says.filter((s) => s.kind === "item" || s.kind === "rephrase");
    const before = says.filter((s) => s.kind !== "item" && s.kind !== "rephrase");
    $("progress").textContent = fill(page.labels.progress, { n: turn.item, total: turn.total });
    $("lead-in").textContent = before.map((s) => s.text).join(" ");
    $("lead-in").hidden = before.length === 0;
    if (asked.length) $("prompt").textContent = asked[asked.length - 1].text;
    $("prompt").dataset.item = String(turn.item);
    show("checkin-screen");
    return;
  }
  $("message").textContent = says.map((s) => s.text).join(" ");
  $("end-screen").dataset.phase = turn.phase;
  $("btn-resume").hidden = turn.phase !== "stopped";
  show("end-screen");
}

async function act(work) {
  if (page.busy) return; // a double tap must not answer two questions
  page.busy = true;
  document.querySelectorAll("button").forEach((b) => (b.disabled = true));
  $("error").hidden = true;
  try {
    await work();
  } catch (error) {
    problem(error);
  } finally {
    page.busy = false;
    document.querySelectorAll("button").forEach((b) => (b.disabled = false));
  }
}

function begin(instrument) {
  return act(async () => {
    page.instrument = instrument;
    const id = encodeURIComponent(page.person);
    render(await call("POST", `/api/participants/${id}/checkin/start`,
      { instrument, lang: page.lang }));
  });
}

function send(event) {
  return act(async () => {
    const id = encodeURIComponent(page.person);
    render(await call("POST", `/api/participants/${id}/checkin/event`,
      { instrument: page.instrument, event, lang: page.lang }));
  });
}

document.addEventListener("DOMContentLoaded", () => {
  $("voice").addEventListener("ended", playNext);
  $("start").addEventListener("click", () => begin($("start").dataset.instrument));
  $("btn-resume").addEventListener("click", () => begin(page.instrument));
  $("btn-home").addEventListener("click", () => act(() => welcome(page.person)));
  document.querySelectorAll("[data-event]").forEach((b) =>
    b.addEventListener("click", () => send(b.dataset.event)));
  $("lang-switch").addEventListener("click", () =>
    act(async () => {
      page.lang = page.lang === "ko" ? "en" : "ko";
      localStorage.setItem("wearmon-home-lang", page.lang);
      const onQuestion = !$("checkin-screen").hidden;
      await loadHome();
      if (onQuestion) {
        const id = encodeURIComponent(page.person);
        render(await call("POST", `/api/participants/${id}/checkin/event`,
          { instrument: page.instrument, event: "repeat", lang: page.lang }));
      }
    }));
  act(loadHome);
});
