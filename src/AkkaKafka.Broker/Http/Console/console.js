// The broker's web console: polls the JSON API of the broker that served it and renders plain tables and an SVG
// chart. No libraries, no external assets (brokers often run on machines without internet access).
"use strict";

const pollMs = 2000;
const history = [];          // { t, in, out } samples of this broker's record counters
const historyLength = 60;
let admin = false;

const $ = (selector) => document.querySelector(selector);

function cell(text, cls, field) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "—" : String(text);
  if (cls) td.className = cls;
  if (field) td.dataset.field = field;
  return td;
}

function fillTable(id, rows) {
  const body = $(`#${id} tbody`);
  body.replaceChildren(...rows);
}

function bytes(n) {
  if (n === null || n === undefined) return null;
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

function retention(topic) {
  const time = topic.retentionMs < 0 ? "forever" : `${(topic.retentionMs / 3600000).toFixed(topic.retentionMs % 3600000 ? 2 : 0)} h`;
  return topic.retentionBytes < 0 ? time : `${time}, ${bytes(topic.retentionBytes)}`;
}

async function getJson(path) {
  const response = await fetch(path, { cache: "no-store" });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

function renderCluster(cluster) {
  admin = cluster.admin;
  $("#self").textContent = `broker ${cluster.self}`;
  $("#create-topic").hidden = !admin;
  fillTable("cluster", cluster.members.map((m) => {
    const tr = document.createElement("tr");
    tr.dataset.broker = m.id;
    const roles = [m.controller ? "controller" : null, m.leader ? "leader" : null, m.self ? "this broker" : null].filter(Boolean).join(", ");
    const http = document.createElement("td");
    if (m.httpEndpoint) {
      const a = document.createElement("a");
      a.href = `${location.protocol}//${m.httpEndpoint}/`; // every broker serves HTTPS or none does (one certificate)
      a.textContent = m.httpEndpoint;
      http.append(a);
    } else http.textContent = "—";
    tr.append(cell(m.id), cell(m.nodeId, "num"), cell(m.reachable ? m.status : `${m.status} (unreachable)`, m.reachable && m.status === "Up" ? "good" : "bad"),
      cell(roles), cell(m.kafkaEndpoint), http);
    return tr;
  }));
}

function renderTopics(topics) {
  const rows = [];
  for (const topic of topics) {
    for (const p of topic.partitions) {
      const tr = document.createElement("tr");
      tr.dataset.topic = topic.name;
      tr.dataset.partition = p.partition;
      const owner = p.owner === null ? null : p.ownerNodeId === null ? p.owner : `${p.owner} (node ${p.ownerNodeId})`;
      const actions = document.createElement("td");
      if (admin && p.partition === 0) {
        const del = document.createElement("button");
        del.textContent = "Delete";
        del.onclick = () => deleteTopic(topic.name);
        actions.append(del);
      }
      tr.append(cell(topic.name, null, "topic"), cell(p.partition, "num", "partition"), cell(owner, null, "owner"),
        cell(p.logStartOffset, "num", "log-start-offset"), cell(p.logEndOffset, "num", "log-end-offset"),
        cell(bytes(p.sizeBytes), "num", "size"), cell(retention(topic), null, "retention"), actions);
      rows.push(tr);
    }
  }
  fillTable("topics", rows);
}

function renderGroups(groups) {
  const rows = [];
  for (const group of groups) {
    const partitions = group.partitions.length ? group.partitions : [null];
    for (const p of partitions) {
      const tr = document.createElement("tr");
      tr.dataset.group = group.group;
      if (p) { tr.dataset.topic = p.topic; tr.dataset.partition = p.partition; }
      tr.append(cell(group.group, null, "group"), cell(`${group.state} (${group.members.length} member${group.members.length === 1 ? "" : "s"})`, null, "state"),
        cell(p?.topic, null, "topic"), cell(p?.partition, "num", "partition"), cell(p?.committedOffset, "num", "committed-offset"),
        cell(p?.logEndOffset, "num", "log-end-offset"), cell(p?.lag, "num", "lag"), cell(p?.memberId, null, "member"));
      rows.push(tr);
    }
  }
  fillTable("groups", rows);
}

function renderChart() {
  const svg = $("#chart");
  const rates = [];
  for (let i = 1; i < history.length; i++) {
    const seconds = (history[i].t - history[i - 1].t) / 1000;
    if (seconds <= 0) continue;
    rates.push({ in: (history[i].in - history[i - 1].in) / seconds, out: (history[i].out - history[i - 1].out) / seconds });
  }
  const max = Math.max(1, ...rates.map((r) => Math.max(r.in, r.out)));
  const points = (key) => rates.map((r, i) => `${(i / Math.max(1, historyLength - 2)) * 600},${150 - (r[key] / max) * 140}`).join(" ");
  const ns = "http://www.w3.org/2000/svg";
  const line = (key, color) => {
    const l = document.createElementNS(ns, "polyline");
    l.setAttribute("points", points(key));
    l.setAttribute("fill", "none");
    l.setAttribute("stroke", color);
    l.setAttribute("stroke-width", "2");
    l.setAttribute("vector-effect", "non-scaling-stroke");
    return l;
  };
  svg.replaceChildren(line("in", "#2463eb"), line("out", "#e8590c"));
  $("#scale").textContent = `(top: ${Math.round(max)}/s)`;
  const last = rates[rates.length - 1];
  $("#rates").textContent = last ? `now: ${Math.round(last.in)} in/s, ${Math.round(last.out)} out/s` : "";
}

async function deleteTopic(name) {
  if (!confirm(`Delete topic ${name} and all its records?`)) return;
  const response = await fetch(`api/topics/${encodeURIComponent(name)}`, { method: "DELETE" });
  if (!response.ok) alert((await response.json()).message);
  refresh();
}

$("#create-topic").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  const response = await fetch("api/topics", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name: form.name.value, partitions: Number(form.partitions.value) }),
  });
  if (!response.ok) alert((await response.json()).message);
  else form.reset();
  refresh();
});

async function refresh() {
  try {
    const cluster = await getJson("api/cluster");
    renderCluster(cluster);
    history.push({ t: Date.now(), in: cluster.recordsIn, out: cluster.recordsOut });
    if (history.length > historyLength) history.shift();
    renderChart();
    const [topics, groups] = await Promise.all([getJson("api/topics"), getJson("api/groups")]);
    renderTopics(topics);
    renderGroups(groups);
    $("#status").textContent = `updated ${new Date().toLocaleTimeString()}`;
    $("#status").className = "muted";
  } catch (e) {
    $("#status").textContent = `cannot reach the broker: ${e.message}`;
    $("#status").className = "bad";
  }
}

refresh();
setInterval(refresh, pollMs);
