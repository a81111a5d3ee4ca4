// The crew app: today's work (kept in IndexedDB for reading offline), checklists with photos and GPS,
// repairs, problem reports. Everything the crew enters goes through an upload queue in IndexedDB:
// each entry has a client-generated id, sent as the Idempotency-Key (and as the submission/client id),
// so a retry after a lost answer never creates a second record.
(function () {
  "use strict";
  var S = JSON.parse(document.getElementById("crew-strings").textContent);
  var C = JSON.parse(document.getElementById("crew-config").textContent);
  var PRIORITIES = JSON.parse(S.priorities);
  var view = document.getElementById("view");
  var today = null;
  var fromCache = false;
  var syncing = false;

  // --- IndexedDB ---------------------------------------------------------------------------
  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var open = indexedDB.open("crew-" + C.user, 1);
        open.onupgradeneeded = function () {
          open.result.createObjectStore("data");
          open.result.createObjectStore("queue", { keyPath: "id" });
        };
        open.onsuccess = function () { resolve(open.result); };
        open.onerror = function () { reject(open.error); };
      });
    }
    return dbPromise;
  }
  function tx(store, mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(store, mode);
        var result;
        t.oncomplete = function () { resolve(result); };
        t.onerror = function () { reject(t.error); };
        result = work(t.objectStore(store));
      });
    });
  }
  function reqValue(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function getData(key) {
    return db().then(function (d) { return reqValue(d.transaction("data").objectStore("data").get(key)); });
  }
  function putData(key, value) { return tx("data", "readwrite", function (s) { s.put(value, key); }); }
  function queueAll() {
    return db().then(function (d) { return reqValue(d.transaction("queue").objectStore("queue").getAll()); })
      .then(function (rows) { return rows.sort(function (a, b) { return a.created < b.created ? -1 : 1; }); });
  }
  function queuePut(entry) { return tx("queue", "readwrite", function (s) { s.put(entry); }); }
  function queueDelete(id) { return tx("queue", "readwrite", function (s) { s.delete(id); }); }

  // --- helpers -------------------------------------------------------------------------------
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = (Math.random() * 16) | 0;
      return (c === "x" ? r : (r & 0x3) | 0x8).toString(16);
    });
  }
  function esc(text) {
    var d = document.createElement("div");
    d.textContent = text == null ? "" : String(text);
    return d.innerHTML;
  }
  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k] == null ? "" : values[k]; });
  }
  function hhmm(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }
  function flash(text, kind) {
    var el = document.getElementById("flash");
    el.textContent = text;
    el.dataset.kind = kind || "info";
    el.hidden = false;
    clearTimeout(flash.timer);
    flash.timer = setTimeout(function () { el.hidden = true; }, 6000);
  }
  function csrf() {
    var name = C.csrf_cookie || "csrftoken";
    var match = document.cookie.split("; ").filter(function (c) { return c.indexOf(name + "=") === 0; })[0];
    if (match) return decodeURIComponent(match.split("=")[1]);
    var any = document.cookie.match(/(?:^|; )[^=]*csrftoken=([^;]+)/);
    return any ? decodeURIComponent(any[1]) : "";
  }
  function locate() {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) return resolve(null);
      var done = false;
      var timer = setTimeout(function () { if (!done) { done = true; resolve(null); } }, 8000);
      navigator.geolocation.getCurrentPosition(
        function (p) {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve({ latitude: +p.coords.latitude.toFixed(6), longitude: +p.coords.longitude.toFixed(6), accuracy: Math.round(p.coords.accuracy || 0) });
        },
        function () { if (!done) { done = true; clearTimeout(timer); resolve(null); } },
        { enableHighAccuracy: true, timeout: 7000, maximumAge: 60000 }
      );
    });
  }
  // Phones take 4–12 MB pictures; send at most ~1600 px JPEG on a slow network.
  function shrink(file) {
    if (!file || file.size <= 1500000 || !window.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }

  // --- network ---------------------------------------------------------------------------------
  function setNet() {
    var el = document.getElementById("net");
    var online = navigator.onLine && !fromCache;
    el.dataset.state = online ? "online" : "offline";
    el.textContent = online ? S.online : S.offline;
  }
  function refresh() {
    return fetch(C.api + "crew/today", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (r.status === 401 || r.status === 403) { location.href = "/crew/login/?next=/crew/"; throw new Error("login"); }
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (data) {
        today = data;
        fromCache = false;
        return putData("today", data);
      })
      .catch(function () {
        return getData("today").then(function (saved) {
          if (saved) today = saved;
          fromCache = true;
        });
      })
      .then(function () { setNet(); return showQueue(); })
      .then(route);
  }

  // --- the upload queue ----------------------------------------------------------------------------
  function enqueue(entry) {
    entry.id = entry.id || uuid();
    entry.created = new Date().toISOString();
    entry.attempts = 0;
    return queuePut(entry).then(function () { showQueue(); sync(); return entry; });
  }
  function showQueue() {
    return queueAll().then(function (rows) {
      var el = document.getElementById("queue");
      var waiting = rows.filter(function (r) { return !r.failed; }).length;
      el.hidden = !waiting;
      el.textContent = fmt(S.queued, { n: waiting });
      el.dataset.count = String(waiting);
      return rows;
    });
  }
  function send(entry) {
    var body;
    var headers = { "X-CSRFToken": csrf(), "Idempotency-Key": entry.id, Accept: "application/json" };
    if (entry.files && entry.files.length) {
      body = new FormData();
      body.append("payload", JSON.stringify(entry.payload));
      entry.files.forEach(function (f) { body.append(f.field, f.blob, f.name || "photo.jpg"); });
    } else {
      body = JSON.stringify(entry.payload);
      headers["Content-Type"] = "application/json";
    }
    return fetch(C.api + entry.url, { method: "POST", credentials: "same-origin", headers: headers, body: body });
  }
  function sync() {
    if (syncing) return Promise.resolve();
    syncing = true;
    var uploaded = 0;
    return queueAll()
      .then(function (rows) {
        var pending = rows.filter(function (r) { return !r.failed; });
        var chain = Promise.resolve(true);
        pending.forEach(function (entry) {
          chain = chain.then(function (go) {
            if (!go) return false;
            return send(entry).then(function (response) {
              if (response.ok) { uploaded += 1; return queueDelete(entry.id).then(function () { return true; }); }
              if (response.status === 401) {
                flash(S.login_again, "error");
                return false;
              }
              if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429 && response.status !== 409) {
                return response.json().catch(function () { return {}; }).then(function (err) {
                  entry.failed = true;
                  entry.error = err.detail || String(response.status);
                  entry.code = err.code || "";
                  flash(fmt(S.sync_failed, { detail: entry.error }), "error");
                  return queuePut(entry).then(function () { return true; });
                });
              }
              if (response.status === 409) {
                return response.json().catch(function () { return {}; }).then(function (err) {
                  if (err.code === "idempotency_in_progress") return false; // try again shortly
                  entry.failed = true;
                  entry.error = err.detail || "409";
                  flash(fmt(S.sync_failed, { detail: entry.error }), "error");
                  return queuePut(entry).then(function () { return true; });
                });
              }
              return false; // server trouble: keep it and try later
            }, function () { return false; }); // no network
          });
        });
        return chain;
      })
      .then(function () {
        syncing = false;
        return showQueue();
      }, function () { syncing = false; })
      .then(function () {
        if (uploaded) { flash(S.synced, "ok"); return refresh(); }
      });
  }

  // --- views ---------------------------------------------------------------------------------------
  function route() {
    var hash = location.hash.replace(/^#/, "") || "today";
    var parts = hash.split("/");
    if (parts[0] === "task" && parts[1]) return renderTask(+parts[1]);
    if (parts[0] === "ticket" && parts[1]) return renderTicket(+parts[1]);
    if (parts[0] === "report") return renderReport(decodeURIComponent(parts[1] || ""));
    if (parts[0] === "scan") return renderScan();
    if (parts[0] === "asset" && parts[1]) return renderAsset(decodeURIComponent(parts[1]));
    return renderToday();
  }

  function pendingFor(rows, url) {
    return rows.some(function (r) { return r.url === url && !r.failed; });
  }

  function renderToday() {
    return queueAll().then(function (rows) {
      if (!today) { view.innerHTML = '<p class="muted">' + esc(S.not_found) + "</p>"; return; }
      var html = ['<h1 class="h">' + esc(S.today) + "</h1>"];
      var failed = rows.filter(function (r) { return r.failed; });
      failed.forEach(function (r) {
        html.push('<div class="card failed" data-queue-failed="' + esc(r.id) + '"><strong>' + esc(r.label || r.url) + "</strong><br>" + esc(r.error) +
          ' <button type="button" data-retry="' + esc(r.id) + '">' + esc(S.retry) + "</button></div>");
      });
      if (today.calls && today.calls.length) {
        html.push('<h2 class="h2">' + esc(S.calls) + "</h2>");
        today.calls.forEach(function (c) {
          html.push('<div class="card call" data-call="' + c.id + '"><strong>' + esc(c.subject) + "</strong>" +
            (c.distance_m != null ? " · " + c.distance_m + " m" : "") + (c.note ? "<br>" + esc(c.note) : "") +
            '<div class="row"><button type="button" class="primary" data-answer="1" data-call-id="' + c.id + '">' + esc(S.accept_call) +
            '</button><button type="button" data-answer="0" data-call-id="' + c.id + '">' + esc(S.decline_call) + "</button></div></div>");
        });
      }
      html.push('<h2 class="h2">' + esc(S.inspections) + "</h2>");
      if (!today.inspections.length) html.push('<p class="muted">' + esc(S.nothing) + "</p>");
      today.inspections.forEach(function (t) {
        var queued = pendingFor(rows, "crew/inspections/" + t.id + "/submit");
        var badge = queued ? '<span class="badge wait">' + esc(S.waiting) + "</span>"
          : t.state === "done" ? '<span class="badge ok">' + esc(S.done) + "</span>"
          : t.overdue ? '<span class="badge bad">' + esc(S.overdue) + "</span>" : "";
        var failedItems = t.failed_items ? ' <span class="badge bad">' + esc(fmt(S.failed_items, { n: t.failed_items })) + "</span>" : "";
        html.push('<a class="card task" href="#task/' + t.id + '" data-task="' + t.id + '"><strong>' + esc(t.plan) + "</strong> " + badge + failedItems +
          '<br><span class="muted">' + hhmm(t.starts_at) + " · " + esc(fmt(S.due, { time: hhmm(t.due_at) })) + " · " +
          esc(fmt(S.stops, { n: t.points.length })) + "</span></a>");
      });
      html.push('<h2 class="h2">' + esc(S.tickets) + "</h2>");
      if (!today.tickets.length) html.push('<p class="muted">' + esc(S.nothing) + "</p>");
      today.tickets.forEach(function (t) {
        var yours = actionsOf(t).length ? ' <span class="badge turn">' + esc(S.your_turn) + "</span>" : "";
        html.push('<a class="card ticket prio-' + esc(t.priority) + '" href="#ticket/' + t.id + '" data-ticket="' + t.id + '"><strong>' + esc(t.title) + "</strong>" +
          '<br><span class="badge">' + esc(t.priority_label) + '</span> <span class="badge state">' + esc(t.state_label || t.state) + "</span>" + yours + " " + esc(t.asset) +
          (t.resolution_due ? ' · <span class="' + (t.overdue ? "bad" : "") + '">' + esc(fmt(S.due, { time: t.resolution_due.slice(5, 10) + " " + hhmm(t.resolution_due) })) + "</span>" : "") +
          (t.mine === false ? '<br><span class="muted">' + esc(t.assignee ? fmt(S.assigned_to, { name: t.assignee }) : S.unassigned) + "</span>" : "") +
          "</a>");
      });
      view.innerHTML = html.join("");
      view.querySelectorAll("[data-answer]").forEach(function (b) {
        b.addEventListener("click", function () {
          var id = b.dataset.callId;
          enqueue({ url: "crew/calls/" + id + "/answer", payload: { accept: b.dataset.answer === "1" }, label: S.calls });
          b.closest(".card").remove();
        });
      });
      view.querySelectorAll("[data-retry]").forEach(function (b) {
        b.addEventListener("click", function () {
          queueAll().then(function (all) {
            var entry = all.filter(function (r) { return r.id === b.dataset.retry; })[0];
            if (!entry) return;
            entry.failed = false;
            queuePut(entry).then(sync);
          });
        });
      });
    });
  }

  function findTask(id) {
    return today && today.inspections.filter(function (t) { return t.id === id; })[0];
  }
  function findTicket(id) {
    return today && today.tickets.filter(function (t) { return t.id === id; })[0];
  }
  // The workflow's actions for this user, as the desk offers them (older saved data held verbs only).
  function actionsOf(ticket) {
    return (ticket.actions || []).map(function (a) {
      return typeof a === "string" ? { verb: a, action: a, label: S[a] || a, comment_required: a === "pause" } : a;
    });
  }

  function itemHtml(point, item) {
    var key = (point.id || 0) + "-" + item.id;
    var name = "v-" + key;
    var html = ['<div class="item" data-item="' + item.id + '" data-point="' + (point.id || "") + '" data-kind="' + item.kind + '">'];
    html.push('<div class="q">' + esc(item.label) + (item.required ? ' <span class="req">*</span>' : "") + "</div>");
    if (item.kind === "yes_no") {
      html.push('<div class="row"><label class="choice"><input type="radio" name="' + name + '" value="yes"> ' + esc(S.yes) +
        '</label><label class="choice"><input type="radio" name="' + name + '" value="no"> ' + esc(S.no) + "</label></div>");
    } else if (item.kind === "number") {
      var hint = [];
      if (item.min != null || item.max != null) hint.push(fmt(S.range, { low: item.min == null ? "" : item.min, high: item.max == null ? "" : item.max }));
      if (item.pass_min != null || item.pass_max != null) hint.push(fmt(S.normal_range, { low: item.pass_min == null ? "" : item.pass_min, high: item.pass_max == null ? "" : item.pass_max }));
      html.push('<input type="number" step="any" inputmode="decimal" name="' + name + '"' + (item.min != null ? ' min="' + item.min + '"' : "") +
        (item.max != null ? ' max="' + item.max + '"' : "") + "> " + esc(item.unit || "") + '<div class="hint">' + esc(hint.join(" · ")) + "</div>");
    } else if (item.kind === "choice") {
      html.push('<select name="' + name + '"><option value=""></option>' + item.choices.map(function (c) { return '<option value="' + esc(c) + '">' + esc(c) + "</option>"; }).join("") + "</select>");
    } else if (item.kind === "text") {
      html.push('<input type="text" name="' + name + '" maxlength="500">');
    } else if (item.kind === "signature") {
      html.push('<canvas class="sign" width="320" height="120" data-sign="' + key + '"></canvas><button type="button" data-clear="' + key + '">' + esc(S.clear) + "</button>");
    }
    var checkable = item.kind === "yes_no" || item.kind === "number" || item.kind === "choice";
    if (item.kind === "photo" || item.photo_required || checkable) {
      var needs = item.kind === "photo" || (item.photo_required && !item.photo_only_on_failure);
      html.push('<label class="photo">' + esc(S.photo) + (needs ? ' <span class="req">*</span>' : item.photo_required ? " (" + esc(S.photo_needed) + ")" : "") +
        ' <input type="file" accept="image/*" capture="environment" name="p-' + key + '"></label>');
    }
    if (checkable) {
      html.push('<input type="text" class="note" name="n-' + key + '" placeholder="' + esc(S.note) + '" maxlength="500">');
    }
    html.push("</div>");
    return html.join("");
  }

  function renderTask(id) {
    var task = findTask(id);
    if (!task) { view.innerHTML = '<p class="muted">' + esc(S.not_found) + '</p><a href="#today">' + esc(S.back) + "</a>"; return; }
    return queueAll().then(function (rows) {
      var queued = rows.filter(function (r) { return r.url === "crew/inspections/" + id + "/submit" && !r.failed; })[0];
      if (task.state === "done") return renderAnswers(task, task.results || [], false);
      if (queued) return renderAnswers(task, queuedResults(task, queued), true);
      renderChecklist(task);
    });
  }

  // What the phone sent and has not uploaded yet, shaped like the server's results.
  function queuedResults(task, entry) {
    var items = {};
    task.points.forEach(function (p) { p.items.forEach(function (i) { items[i.id] = i; }); });
    return (entry.payload.answers || []).map(function (a) {
      var item = items[a.item] || {};
      var value = a.value || "";
      if (item.kind === "yes_no" && value) value = value === "yes" ? S.yes : S.no;
      else if (item.kind === "signature" && value) value = S.signature;
      else if (item.kind === "number" && value) value = value + (item.unit || "");
      return { point: a.point, item: a.item, answer: value, passed: !(a.value && fails(item, a.value)), note: a.note || "", photo: !!a.photo };
    });
  }

  // A completed checklist opens read-only with its answers; nothing on it can be changed or sent again.
  function renderAnswers(task, results, waiting) {
    var byKey = {};
    results.forEach(function (r) { byKey[(r.point || 0) + "-" + r.item] = r; });
    var html = ['<a href="#today" class="back">‹ ' + esc(S.back) + '</a><h1 class="h">' + esc(task.plan) + "</h1>"];
    if (waiting) html.push('<p class="badge wait">' + esc(S.waiting) + "</p>");
    else {
      html.push('<p><span class="badge ok">' + esc(S.done) + "</span>" +
        (task.failed_items ? ' <span class="badge bad">' + esc(fmt(S.failed_items, { n: task.failed_items })) + "</span>" : "") + "</p>");
      if (task.completed_at) html.push('<p class="muted">' + esc(fmt(S.completed, { time: hhmm(task.completed_at), name: task.completed_by })) + "</p>");
    }
    html.push('<div id="answers" class="answers">');
    task.points.forEach(function (point, index) {
      html.push('<section class="point"><h2 class="legend">' + esc(fmt(S.point, { n: index + 1 })) + (point.name ? " · " + esc(point.name) : "") + "</h2>");
      point.items.forEach(function (item) {
        var r = byKey[(point.id || 0) + "-" + item.id] || { answer: "", passed: true, note: "", photo: false };
        html.push('<div class="item answered' + (r.passed ? "" : " failed") + '" data-item="' + item.id + '" data-point="' + (point.id || "") + '">' +
          '<div class="q">' + esc(item.label) + "</div>" +
          '<div class="a"><span class="value">' + esc(r.answer || "—") + "</span>" +
          (r.passed ? "" : ' <span class="badge bad">' + esc(S.failed) + "</span>") +
          (r.photo ? ' <span class="badge">' + esc(S.photo_attached) + "</span>" : "") + "</div>" +
          (r.note ? '<div class="hint">' + esc(S.note) + ": " + esc(r.note) + "</div>" : "") + "</div>");
      });
      html.push("</section>");
    });
    html.push("</div>");
    view.innerHTML = html.join("");
  }

  function renderChecklist(task) {
    var id = task.id;
    var html = ['<a href="#today" class="back">‹ ' + esc(S.back) + '</a><h1 class="h">' + esc(task.plan) + "</h1>",
      '<p class="muted">' + esc(fmt(S.due, { time: hhmm(task.due_at) })) + "</p>"];
    html.push('<form id="checklist" novalidate>');
    task.points.forEach(function (point, index) {
      html.push('<fieldset class="point"><legend>' + esc(fmt(S.point, { n: index + 1 })) + (point.name ? " · " + esc(point.name) : "") + "</legend>");
      point.items.forEach(function (item) { html.push(itemHtml(point, item)); });
      html.push("</fieldset>");
    });
    html.push('<div id="form-errors" class="error" role="alert" hidden></div>');
    html.push('<button type="submit" class="primary big" id="submit-checklist">' + esc(S.submit) + "</button></form>");
    view.innerHTML = html.join("");
    setupSignatures();
    if (task.state === "pending" && navigator.onLine) {
      fetch(C.api + "crew/inspections/" + id + "/start", { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf() } }).catch(function () {});
    }
    document.getElementById("checklist").addEventListener("submit", function (event) {
      event.preventDefault();
      submitChecklist(task, event.target);
    });
  }

  function setupSignatures() {
    view.querySelectorAll("canvas.sign").forEach(function (canvas) {
      var ctx = canvas.getContext("2d");
      var drawing = false;
      ctx.lineWidth = 2;
      function pos(e) {
        var r = canvas.getBoundingClientRect();
        return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
      }
      canvas.addEventListener("pointerdown", function (e) { drawing = true; var p = pos(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]); });
      canvas.addEventListener("pointermove", function (e) { if (!drawing) return; var p = pos(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); canvas.dataset.signed = "1"; });
      window.addEventListener("pointerup", function () { drawing = false; });
    });
    view.querySelectorAll("[data-clear]").forEach(function (b) {
      b.addEventListener("click", function () {
        var canvas = view.querySelector('canvas[data-sign="' + b.dataset.clear + '"]');
        canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
        delete canvas.dataset.signed;
      });
    });
  }

  function fails(item, value) {
    if (item.kind === "yes_no") return (value === "yes") !== item.expected_yes;
    if (item.kind === "number") {
      var n = parseFloat(value);
      return (item.pass_min != null && n < item.pass_min) || (item.pass_max != null && n > item.pass_max);
    }
    if (item.kind === "choice") return item.failing_choices.indexOf(value) >= 0;
    return false;
  }

  function submitChecklist(task, form) {
    var answers = [];
    var files = [];
    var problems = [];
    var now = new Date().toISOString();
    task.points.forEach(function (point) {
      point.items.forEach(function (item) {
        var key = (point.id || 0) + "-" + item.id;
        var value = "";
        if (item.kind === "yes_no") {
          var checked = form.querySelector('input[name="v-' + key + '"]:checked');
          value = checked ? checked.value : "";
        } else if (item.kind === "signature") {
          var canvas = form.querySelector('canvas[data-sign="' + key + '"]');
          value = canvas && canvas.dataset.signed ? canvas.toDataURL("image/png") : "";
        } else if (item.kind !== "photo") {
          var input = form.querySelector('[name="v-' + key + '"]');
          value = input ? input.value.trim() : "";
        }
        var photoInput = form.querySelector('input[name="p-' + key + '"]');
        var photo = photoInput && photoInput.files && photoInput.files[0];
        var noteInput = form.querySelector('input[name="n-' + key + '"]');
        if (item.required && item.kind !== "photo" && !value) problems.push(fmt(S.required, { item: item.label }));
        if (item.kind === "number" && value) {
          var n = parseFloat(value);
          if (isNaN(n) || (item.min != null && n < item.min) || (item.max != null && n > item.max)) {
            problems.push(fmt(S.out_of_range, { item: item.label, value: value, low: item.min, high: item.max }));
          }
        }
        var needsPhoto = item.kind === "photo" ? item.required : item.photo_required && (!item.photo_only_on_failure || (value && fails(item, value)));
        if (needsPhoto && !photo) problems.push(item.label + ": " + S.photo_needed);
        var answer = { point: point.id, item: item.id, value: value, note: noteInput ? noteInput.value.trim() : "", at: now };
        if (photo) {
          answer.photo = "p-" + key;
          files.push({ field: "p-" + key, blob: photo, name: photo.name || "photo.jpg" });
        }
        answers.push(answer);
      });
    });
    var errors = document.getElementById("form-errors");
    if (problems.length) {
      errors.innerHTML = problems.map(esc).join("<br>");
      errors.hidden = false;
      errors.scrollIntoView({ block: "center" });
      return;
    }
    errors.hidden = true;
    document.getElementById("submit-checklist").disabled = true;
    var id = uuid();
    Promise.all([locate(), Promise.all(files.map(function (f) { return shrink(f.blob).then(function (b) { f.blob = b; return f; }); }))])
      .then(function (results) {
        var where = results[0] || {};
        return enqueue({
          id: id,
          url: "crew/inspections/" + task.id + "/submit",
          label: task.plan,
          payload: { submission_id: id, answers: answers, latitude: where.latitude, longitude: where.longitude, accuracy: where.accuracy },
          files: results[1],
        });
      })
      .then(function () {
        flash(S.saved_offline, "ok");
        location.hash = "#today";
      });
  }

  function renderTicket(id) {
    var t = findTicket(id);
    if (!t) { view.innerHTML = '<p class="muted">' + esc(S.not_found) + '</p><a href="#today">' + esc(S.back) + "</a>"; return; }
    return queueAll().then(function (rows) {
      var queued = rows.some(function (r) { return r.url.indexOf("crew/tickets/" + id + "/") === 0 && !r.failed; });
      var actions = actionsOf(t);
      var html = ['<a href="#today" class="back">‹ ' + esc(S.back) + '</a><h1 class="h">' + esc(t.title) + "</h1>",
        '<p><span class="badge">' + esc(t.priority_label) + '</span> <span class="badge state" id="ticket-state">' + esc(t.state_label || t.state) + "</span> " + esc(t.asset) + " " + esc(t.zone) + "</p>",
        t.mine === false ? '<p class="muted">' + esc(t.assignee ? fmt(S.assigned_to, { name: t.assignee }) : S.unassigned) + "</p>" : "",
        t.resolution_due ? '<p class="' + (t.overdue ? "bad" : "muted") + '">' + esc(fmt(S.due, { time: t.resolution_due.slice(0, 10) + " " + hhmm(t.resolution_due) })) + "</p>" : "",
        '<p class="pre">' + esc(t.description) + "</p>"];
      if (queued) html.push('<p class="badge wait">' + esc(S.waiting) + "</p>");
      if (actions.length && !queued) {
        html.push('<form id="ticket-form"><textarea name="note" rows="2" placeholder="' + esc(S.reason) + '"></textarea>' +
          '<label class="photo">' + esc(S.photo) + ' <input type="file" accept="image/*" capture="environment" name="photos" multiple></label>');
        if (actions.some(function (a) { return a.verb === "finish"; })) html.push('<label>' + esc(S.cost) + ' <input type="number" step="0.01" min="0" name="estimated_cost" value="' + esc(t.estimated_cost) + '"></label>');
        html.push('<div class="row">' + actions.map(function (a) {
          return '<button type="button" class="primary" data-verb="' + esc(a.verb) + '"' + (a.comment_required ? ' data-comment="1"' : "") + ">" + esc(a.label) + "</button>";
        }).join("") + "</div></form>");
      }
      view.innerHTML = html.join("");
      view.querySelectorAll("[data-verb]").forEach(function (b) {
        b.addEventListener("click", function () {
          var form = document.getElementById("ticket-form");
          var verb = b.dataset.verb;
          var note = form.note.value.trim();
          if (b.dataset.comment && !note) { flash(S.reason_needed, "error"); form.note.focus(); return; }
          var photos = Array.prototype.slice.call(form.photos.files || []);
          var id2 = uuid();
          Promise.all([locate(), Promise.all(photos.map(shrink))]).then(function (results) {
            var where = results[0] || {};
            var payload = { client_id: id2, note: note, at: new Date().toISOString(), latitude: where.latitude, longitude: where.longitude };
            if (form.estimated_cost) payload.estimated_cost = form.estimated_cost.value;
            return enqueue({
              id: id2, url: "crew/tickets/" + id + "/" + verb, label: t.title, payload: payload,
              files: results[1].map(function (blob, i) { return { field: "photos", blob: blob, name: (photos[i] && photos[i].name) || "photo.jpg" }; }),
            });
          }).then(function () { flash(S.saved_offline, "ok"); location.hash = "#today"; });
        });
      });
    });
  }

  function renderReport(asset) {
    var options = ["normal", "high", "urgent", "low"].map(function (p) { return '<option value="' + p + '">' + esc(PRIORITIES[p]) + "</option>"; }).join("");
    view.innerHTML = '<a href="#today" class="back">‹ ' + esc(S.back) + '</a><h1 class="h">' + esc(S.report) + "</h1>" +
      '<form id="report-form"><label>' + esc(S.title) + ' <input name="title" required maxlength="120"></label>' +
      "<label>" + esc(S.description) + ' <textarea name="description" rows="3"></textarea></label>' +
      "<label>" + esc(S.asset_code) + ' <input name="asset" value="' + esc(asset) + '"></label>' +
      "<label>" + esc(S.priority) + ' <select name="priority">' + options + "</select></label>" +
      '<label class="photo">' + esc(S.photo) + ' <input type="file" accept="image/*" capture="environment" name="photos" multiple></label>' +
      '<button type="submit" class="primary big">' + esc(S.submit) + "</button></form>";
    document.getElementById("report-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var form = event.target;
      if (!form.title.value.trim()) { form.title.focus(); return; }
      var photos = Array.prototype.slice.call(form.photos.files || []);
      var id = uuid();
      Promise.all([locate(), Promise.all(photos.map(shrink))]).then(function (results) {
        var where = results[0] || {};
        return enqueue({
          id: id, url: "crew/reports", label: form.title.value.trim(),
          payload: { client_id: id, title: form.title.value.trim(), description: form.description.value.trim(), asset: form.asset.value.trim(),
            priority: form.priority.value, latitude: where.latitude, longitude: where.longitude },
          files: results[1].map(function (blob, i) { return { field: "photos", blob: blob, name: (photos[i] && photos[i].name) || "photo.jpg" }; }),
        });
      }).then(function () { flash(S.saved_offline, "ok"); location.hash = "#today"; });
    });
  }

  function tokenOf(text) {
    var match = String(text || "").match(/\/crew\/a\/([A-Za-z0-9_-]+)/);
    return match ? match[1] : String(text || "").trim();
  }

  function renderScan() {
    view.innerHTML = '<a href="#today" class="back">‹ ' + esc(S.back) + '</a><h1 class="h">' + esc(S.scan) + "</h1>" +
      '<p class="muted">' + esc(S.scan_hint) + "</p>" +
      '<label class="photo big">' + esc(S.scan) + ' <input type="file" accept="image/*" capture="environment" id="scan-photo"></label>' +
      '<form id="scan-form" class="row"><input name="code" placeholder="QR / code"><button type="submit">' + esc(S.find) + "</button></form>";
    document.getElementById("scan-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var token = tokenOf(event.target.code.value);
      if (token) location.hash = "#asset/" + encodeURIComponent(token);
    });
    document.getElementById("scan-photo").addEventListener("change", function (event) {
      var file = event.target.files[0];
      if (!file) return;
      createImageBitmap(file).then(decodeQr).then(function (text) {
        location.hash = "#asset/" + encodeURIComponent(tokenOf(text));
      }).catch(function () { flash(S.scan_failed, "error"); });
    });
  }

  // The phone's own QR decoder where the browser has one (Chrome on Android); elsewhere (Safari,
  // Firefox) jsQR, served with the app, reads the photo's pixels.
  function decodeQr(bitmap) {
    var viaJs = function () {
      if (!window.jsQR) throw new Error("no decoder");
      var scale = Math.min(1, 1280 / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      var ctx = canvas.getContext("2d");
      ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      var found = window.jsQR(ctx.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
      if (!found) throw new Error("none");
      return found.data;
    };
    if (!("BarcodeDetector" in window) || window.crewForceJsQr) return Promise.resolve().then(viaJs);
    return new window.BarcodeDetector({ formats: ["qr_code"] }).detect(bitmap).then(function (codes) {
      return codes.length ? codes[0].rawValue : viaJs();
    }, viaJs);
  }

  function renderAsset(token) {
    var show = function (a) {
      var html = ['<a href="#today" class="back">‹ ' + esc(S.back) + '</a><h1 class="h">' + esc(a.name) + "</h1>",
        '<p class="muted">' + esc(a.code) + " · " + esc(a.category) + " · " + esc(a.zone) + "</p>",
        "<p>" + esc(S.status) + ": <strong>" + esc(a.status) + "</strong></p>"];
      if (a.open_alarms.length) html.push("<h2 class=\"h2\">" + esc(S.open_alarms) + "</h2><ul>" + a.open_alarms.map(function (x) { return "<li>" + esc(x) + "</li>"; }).join("") + "</ul>");
      if (a.open_tickets.length) html.push("<h2 class=\"h2\">" + esc(S.open_tickets) + "</h2><ul>" + a.open_tickets.map(function (x) { return "<li>" + esc(x.title) + " · " + esc(x.priority_label) + "</li>"; }).join("") + "</ul>");
      html.push('<a class="button primary big" href="#report/' + encodeURIComponent(a.qr) + '">' + esc(S.report_here) + "</a>");
      view.innerHTML = html.join("");
    };
    return fetch(C.api + "crew/assets/" + encodeURIComponent(token), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (a) { putData("asset:" + token, a); show(a); })
      .catch(function () {
        return getData("asset:" + token).then(function (a) {
          if (a) return show(a);
          view.innerHTML = '<a href="#today" class="back">‹ ' + esc(S.back) + '</a><p class="muted">' + esc(S.not_found) + "</p>" +
            '<a class="button primary big" href="#report/' + encodeURIComponent(token) + '">' + esc(S.report_here) + "</a>";
        });
      });
  }

  // --- positions while on duty ----------------------------------------------------------------------
  var duty = document.getElementById("duty");
  function setDutyLabel() { document.getElementById("duty-label").textContent = duty.checked ? S.on_duty : S.off_duty; }
  getData("on_duty").then(function (value) { if (value === false) duty.checked = false; setDutyLabel(); });
  duty.addEventListener("change", function () {
    setDutyLabel();
    putData("on_duty", duty.checked);
    enqueue({ url: "crew/duty", payload: { on_duty: duty.checked }, label: duty.checked ? S.on_duty : S.off_duty });
  });
  function reportPosition() {
    if (!duty.checked || document.hidden || !navigator.onLine) return;
    locate().then(function (where) {
      if (!where) return;
      fetch(C.api + "positions", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify({ fixes: [{ at: new Date().toISOString(), latitude: where.latitude, longitude: where.longitude, accuracy: where.accuracy }] }),
      }).catch(function () {});
    });
  }

  // --- start ------------------------------------------------------------------------------------------
  window.addEventListener("hashchange", route);
  window.addEventListener("online", function () { setNet(); sync().then(refresh); });
  window.addEventListener("offline", setNet);
  if ("serviceWorker" in navigator && C.sw) {
    navigator.serviceWorker.register(C.sw, { scope: "/crew/" }).catch(function () {});
  }
  refresh().then(sync);
  setInterval(function () { if (navigator.onLine) sync(); }, 30000);
  setInterval(reportPosition, 60000);
  setTimeout(reportPosition, 3000);
  window.crewApp = { sync: sync, refresh: refresh, queue: queueAll };
})();
