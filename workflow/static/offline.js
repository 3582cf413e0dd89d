// 外业采集 (templates/offline/page.html, docs/phone.md): the user's households and open
// cases kept in IndexedDB, the income survey filled in with no network and checked here
// against the same field definitions the server uses, drafts sent on reconnecting in the
// order they were saved, each with its own idempotency key and the case version it was
// based on. The server applies a draft once; a case that moved on sends it back.
(function () {
  "use strict";
  var app = document.getElementById("offline-app");
  if (!app || !window.indexedDB) return;
  var LIMIT = 1e12, state = { pkg: null, token: null, drafts: [], syncing: false, notes: {}, kinds: {} };
  var $ = function (id) { return document.getElementById(id); };

  // ---- IndexedDB: "package" (one record) and "drafts" (in saving order) ----
  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open("wf-offline", 1);
      req.onupgradeneeded = function () {
        req.result.createObjectStore("package");
        req.result.createObjectStore("drafts", { keyPath: "seq", autoIncrement: true });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function run(store, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(store, mode), req = work(t.objectStore(store));
        t.oncomplete = function () { db.close(); resolve(req ? req.result : undefined); };
        t.onerror = function () { db.close(); reject(t.error); };
      });
    });
  }
  var loadDrafts = function () { return run("drafts", "readonly", function (s) { return s.getAll(); }); };
  var putDraft = function (d) { return run("drafts", "readwrite", function (s) { return s.put(d); }); };
  var dropDraft = function (seq) { return run("drafts", "readwrite", function (s) { return s.delete(seq); }); };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, attrs[k]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ---- checks: the messages of workflow/engine/forms.py, word for word ----
  function check(form, values, forward, today) {
    var errors = {};
    form.fields.forEach(function (f) {
      var label = "「" + f.label + "」", v = values[f.name], add = function (m) {
        (errors[f.name] = errors[f.name] || []).push(m);
      };
      if (f.type === "boolean") {
        if (f.must_be !== undefined && forward && v !== f.must_be) add(label + "须为“" + (f.must_be ? "是" : "否") + "”方可通过");
        return;
      }
      if (v === "" || v === undefined) { if (f.required) add(label + "为必填项"); return; }
      if (f.type === "integer" || f.type === "decimal") {
        var ok = f.type === "integer" ? /^-?\d+$/.test(v) : /^-?\d+(\.\d+)?$/.test(v);
        if (!ok) { add(label + (f.type === "integer" ? "必须是整数" : "必须是数字")); return; }
        var low = f.bounds && f.bounds.min !== null ? f.bounds.min : -LIMIT;
        var high = f.bounds && f.bounds.max !== null ? f.bounds.max : LIMIT;
        if (Number(v) < low || Number(v) > high) add(label + "应在 " + low + " 至 " + high + " 之间");
      } else if (f.type === "date") {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) add(label + "必须是日期（年-月-日）");
        else if (!f.allow_future && v > today) add(label + "不能晚于今天（" + today + "）");
      } else {
        var max = f.max_length || (f.type === "text" ? 2000 : 200);
        if (v.length > max) add(label + "不能超过 " + max + " 个字");
        if (f.type === "choice" && !(f.choices || []).some(function (c) { return c.value === v; }))
          add(label + "必须从给定选项中选择");
      }
    });
    return errors;
  }

  // ---- the form, built from the package's field definitions ----
  var editing = null;
  function openForm(c, values) {
    editing = c;
    $("form-card").hidden = false;
    $("form-title").textContent = c.action_title + "（" + c.form.title + "）";
    $("form-subject").textContent = c.title + " · " + c.village +
      (c.start ? " · 新发起：联网后建立案件并办理本步" : " · 基于案件第 " + c.version + " 版");
    var box = $("draft-fields");
    box.textContent = "";
    c.form.fields.concat([{ name: "_opinion", label: "意见", type: "text", max_length: 2000 }]).forEach(function (f) {
      var id = "d-" + f.name, input, row = el("div", { "class": "field" + (f.type === "boolean" ? " check" : f.type === "text" ? " wide" : ""), id: id + "-row" });
      var label = el("label", { "for": id }, f.label);
      if (f.required && f.type !== "boolean") label.appendChild(el("span", { "class": "req" }, "*"));
      var v = values && values[f.name.replace(/^_/, "")];
      if (f.name === "_opinion") v = values && values.__opinion;
      if (f.type === "boolean") {
        input = el("input", { type: "checkbox", id: id });
        input.checked = v === true;
      } else if (f.type === "choice") {
        input = el("select", { id: id });
        input.appendChild(el("option", { value: "" }, "请选择"));
        (f.choices || []).forEach(function (o) { input.appendChild(el("option", { value: o.value }, o.label)); });
        input.value = v || "";
      } else if (f.type === "text") {
        input = el("textarea", { id: id, rows: 3, maxlength: f.max_length || 2000 });
        input.value = v || "";
      } else {
        var how = (c.form.inputs || {})[f.name] || {};
        input = el("input", { id: id, type: how.type || "text", inputmode: how.inputmode,
          step: f.type === "integer" ? "1" : f.type === "decimal" ? "0.01" : null });
        input.value = v === undefined || v === null ? "" : String(v);
      }
      var wrap = el("div");
      wrap.appendChild(input);
      row.appendChild(label);
      row.appendChild(wrap);
      var b = f.bounds || {};
      row.appendChild(el("div", { "class": "hint", id: id + "-msg" },
        b.min !== undefined && b.min !== null && b.max !== null ? b.min + " 至 " + b.max : ""));
      box.appendChild(row);
    });
    $("form-card").scrollIntoView();
  }

  function readForm(c) {
    var data = {};
    c.form.fields.forEach(function (f) {
      var input = $("d-" + f.name);
      data[f.name] = f.type === "boolean" ? input.checked : input.value.trim();
    });
    return data;
  }

  $("draft-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var c = editing, data = readForm(c), opinion = $("d-_opinion").value.trim();
    var errors = check(c.form, data, c.forward, state.pkg.today);
    if (opinion.length > 2000) errors._opinion = ["「意见」不能超过 2000 个字"];
    var first = null;
    c.form.fields.concat([{ name: "_opinion" }]).forEach(function (f) {
      var row = $("d-" + f.name + "-row"), msg = $("d-" + f.name + "-msg"), bad = errors[f.name];
      row.classList.toggle("has-error", !!bad);
      msg.className = bad ? "error" : "hint";
      msg.setAttribute("role", bad ? "alert" : "none");
      if (bad) { msg.textContent = bad.join("；"); first = first || $("d-" + f.name); }
    });
    if (first) { first.focus(); return; }
    Object.keys(data).forEach(function (k) { if (data[k] === "") delete data[k]; });
    var draft = { key: newKey(), user: state.pkg.user, case_id: c.id, action: c.action, version: c.version,
      title: c.title, action_title: c.action_title, data: data, opinion: opinion,
      saved_at: new Date().toISOString(), status: "waiting" };
    if (c.start) { draft.procedure = c.start.procedure; draft.subject_id = c.start.subject_id; }
    putDraft(draft).then(function () {
      $("form-card").hidden = true;
      editing = null;
      return refresh();
    }).then(sync);
  });
  $("cancel-draft").addEventListener("click", function () { $("form-card").hidden = true; editing = null; });

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // ---- what the page shows ----
  var STATUS = { waiting: "待发送", sent: "已发送", returned: "已退回", failed: "未通过" };
  function render() {
    var online = navigator.onLine, status = $("net-status");
    status.textContent = online ? "在线" : "离线：草稿保存在本机，联网后自动发送";
    status.className = "badge " + (online ? "badge-ok" : "badge-warn");
    var counts = { waiting: 0, sent: 0, returned: 0, failed: 0 }, list = $("queue-list");
    list.textContent = "";
    state.drafts.forEach(function (d) {
      counts[d.status] += 1;
      var li = el("li", { "class": "draft draft-" + d.status, "data-key": d.key });
      li.appendChild(el("span", { "class": "badge " + { waiting: "badge-warn", sent: "badge-ok", returned: "badge-danger", failed: "badge-danger" }[d.status] }, STATUS[d.status]));
      li.appendChild(document.createTextNode(" " + d.title + " · " + d.action_title + "（保存于 " + when(d.saved_at) + "）"));
      if (d.type === "photo") li.appendChild(el("div", { "class": "small muted" }, "拍摄于 " + when(d.captured_at) +
        (d.latitude !== null ? "，已记录拍摄位置" : "") + (d.size ? "，约 " + Math.ceil(d.size / 1024) + " KB" : "")));
      if (d.reason) li.appendChild(el("div", { "class": "reason" }, d.reason));
      if (d.status === "waiting" && state.pkg && d.user !== state.pkg.user)
        li.appendChild(el("div", { "class": "reason" }, "由 " + d.user + " 填写：须该用户登录后才会发送"));
      (d.changes || []).forEach(function (ch) {
        li.appendChild(el("div", { "class": "small muted" }, "此后：" + ch.at + " " + ch.actor + " " + ch.action));
      });
      if (d.status === "returned" || d.status === "failed") {
        var again = d.type === "photo" ? null : pkgCase(d.case_id);
        if (again) {
          var redo = el("button", { type: "button", "class": "btn btn-light redo" }, "按最新情况重新填写");
          redo.addEventListener("click", function () { openForm(again, Object.assign({ __opinion: d.opinion }, d.data)); });
          li.appendChild(redo);
        }
        var drop = el("button", { type: "button", "class": "btn btn-light drop" }, "删除草稿");
        drop.addEventListener("click", function () { dropDraft(d.seq).then(refresh); });
        li.appendChild(drop);
      }
      list.appendChild(li);
    });
    $("queue-summary").textContent = state.drafts.length ? "待发送 " + counts.waiting + " 份，已发送 " + counts.sent +
      " 份，已退回 " + counts.returned + " 份，未通过 " + counts.failed + " 份。" : "没有草稿。";
    var cases = $("case-list"), homes = $("household-list");
    cases.textContent = "";
    homes.textContent = "";
    if (!state.pkg) { $("package-status").textContent = "本机还没有案件资料：请联网打开本页一次。"; return; }
    $("package-status").textContent = "案件资料更新于 " + when(state.pkg.fetched_at) + "（" + state.pkg.user + "）";
    state.pkg.cases.forEach(function (c) {
      var li = el("li", { "class": "case", "data-case": c.id });
      li.appendChild(el("div", {}, c.title + "（" + c.state_title + "，" + c.village + "）"));
      if (c.household) li.appendChild(el("div", { "class": "small muted" }, c.household.masked_id + " · " + c.household.size + " 人"));
      var pending = state.drafts.some(function (d) { return d.case_id === c.id && d.status === "waiting"; });
      if (pending) li.appendChild(el("div", { "class": "small" }, "已有待发送的草稿"));
      var button = el("button", { type: "button", "class": "btn fill" }, "填写" + c.action_title);
      button.addEventListener("click", function () { openForm(c, null); });
      li.appendChild(button);
      cases.appendChild(li);
    });
    if (!state.pkg.cases.length) cases.appendChild(el("li", { "class": "muted" }, "没有等待您入户采集的案件。"));
    var photos = $("photo-list");
    photos.textContent = "";
    (state.pkg.photo_cases || []).forEach(function (c) {
      var li = el("li", { "class": "photo-case", "data-case": c.id });
      li.appendChild(el("div", {}, c.title + "（" + c.state_title + "，" + c.village + "）"));
      var kind = el("select", { id: "photo-kind-" + c.id, "aria-label": "照片种类" });
      Object.keys(c.kinds).forEach(function (k) { kind.appendChild(el("option", { value: k }, c.kinds[k])); });
      if (state.kinds[c.id]) kind.value = state.kinds[c.id];
      kind.addEventListener("change", function () { state.kinds[c.id] = kind.value; });
      // The phone's camera opens from the button; the file input itself stays unseen.
      var input = el("input", { type: "file", accept: "image/jpeg,image/png", capture: "environment",
        id: "photo-file-" + c.id, "class": "photo-input sr-only" });
      input.addEventListener("change", function () { takePhoto(c, input); });
      li.appendChild(kind);
      li.appendChild(input);
      li.appendChild(el("label", { "for": input.id, "class": "btn photo-take" }, "拍照"));
      var note = state.notes[c.id] || { cls: "hint", text: "" };
      li.appendChild(el("div", { "class": note.cls, id: "photo-msg-" + c.id }, note.text));
      photos.appendChild(li);
    });
    $("photo-card").hidden = !(state.pkg.photo_cases || []).length;
    state.pkg.households.forEach(function (h) {
      var li = el("li", { "class": "household", "data-household": h.id },
        h.head_name + " · " + h.masked_id + " · " + h.size + " 人 · " + h.village + " · " + h.status);
      (state.pkg.starts || []).forEach(function (s) {  // e.g. a monitoring alert: opens the case
        if ((h.startable || []).indexOf(s.procedure) < 0) return;
        var waiting = state.drafts.some(function (d) { return d.subject_id === h.id && d.procedure === s.procedure && d.status === "waiting"; });
        if (waiting) { li.appendChild(el("div", { "class": "small" }, "已有待发送的" + s.action_title)); return; }
        var start = el("button", { type: "button", "class": "btn btn-light start", "data-procedure": s.procedure }, s.action_title);
        start.addEventListener("click", function () {
          openForm({ id: null, start: { procedure: s.procedure, subject_id: h.id }, action: s.action, version: 0,
            title: s.title + "：" + h.head_name, village: h.village, action_title: s.action_title,
            form: s.form, forward: true }, null);
        });
        li.appendChild(start);
      });
      homes.appendChild(li);
    });
  }
  function when(iso) {  // the phone's own clock and time zone, as the helper reads it
    return new Date(iso).toLocaleString("zh-CN", { hour12: false, year: "numeric", month: "2-digit",
      day: "2-digit", hour: "2-digit", minute: "2-digit" });
  }
  function pkgCase(id) {
    return state.pkg && state.pkg.cases.filter(function (c) { return c.id === id; })[0];
  }

  function refresh() {
    return Promise.all([run("package", "readonly", function (s) { return s.get("current"); }), loadDrafts()])
      .then(function (r) { state.pkg = r[0] || null; state.drafts = r[1] || []; render(); });
  }

  // ---- network: the package, then each waiting draft in order ----
  function fetchPackage() {
    return fetch(app.dataset.package, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      if (response.status === 401) {
        // Signed out, timed out or deactivated: the households and cases kept here go
        // (personal data); the drafts stay until they are sent or the user logs out.
        return run("package", "readwrite", function (s) { return s.delete("current"); })
          .then(function () { return response.json(); })
          .then(function (b) { throw new Error(b.message); });
      }
      if (!response.ok || response.redirected) throw new Error("服务器暂时无法访问（HTTP " + response.status + "）");
      return response.json();
    }).then(function (body) {
      state.token = body.csrf_token;
      delete body.csrf_token;
      body.fetched_at = new Date().toISOString();
      return run("package", "readwrite", function (s) { return s.put(body, "current"); })
        .then(function () { return body.user; });
    });
  }

  // ---- photos: shrunk here (longest side PHOTO_SIDE, JPEG), kept as a Blob draft ----
  var PHOTO_SIDE = 1600;
  function shrink(file) {
    return createImageBitmap(file).then(function (image) {
      var scale = Math.min(1, PHOTO_SIDE / Math.max(image.width, image.height));
      var canvas = el("canvas", { width: Math.round(image.width * scale), height: Math.round(image.height * scale) });
      canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve, reject) {
        canvas.toBlob(function (blob) { blob ? resolve(blob) : reject(new Error("无法压缩照片")); }, "image/jpeg", 0.82);
      });
    });
  }
  function position() {  // only when the helper ticked 记录拍摄位置; never blocks saving
    if (!$("photo-position").checked || !navigator.geolocation) return Promise.resolve(null);
    return new Promise(function (resolve) {
      navigator.geolocation.getCurrentPosition(function (p) { resolve(p.coords); },
        function () { resolve(null); }, { timeout: 8000, maximumAge: 120000 });
    });
  }
  function takePhoto(c, input) {
    var file = input.files && input.files[0], kind = $("photo-kind-" + c.id).value, msg = $("photo-msg-" + c.id);
    if (!file) return;
    var captured = new Date(file.lastModified || Date.now()).toISOString();
    var note = function (cls, text) { state.notes[c.id] = { cls: cls, text: text }; msg.className = cls; msg.textContent = text; };
    note("hint", "正在压缩照片…");
    Promise.all([shrink(file), position()]).then(function (r) {
      var draft = { type: "photo", key: newKey(), user: state.pkg.user, case_id: c.id, kind: kind,
        title: c.title, action_title: "拍照：" + c.kinds[kind], blob: r[0], size: r[0].size,
        filename: kind + ".jpg", captured_at: captured, saved_at: new Date().toISOString(),
        latitude: r[1] ? r[1].latitude : null, longitude: r[1] ? r[1].longitude : null, status: "waiting" };
      return putDraft(draft).then(function () {
        input.value = "";
        note("hint", "已保存：" + c.kinds[kind] + "（约 " + Math.ceil(draft.size / 1024) + " KB，拍摄于 " + when(captured) + "）");
        return refresh();
      }).then(sync);
    }).catch(function () {
      msg.setAttribute("role", "alert");
      note("error", "无法读取这张照片，请重新拍摄（须为 JPEG 或 PNG 图片）");
    });
  }
  function sendPhoto(draft) {
    var body = new FormData();
    ["key", "case_id", "kind", "captured_at", "latitude", "longitude"].forEach(function (k) {
      if (draft[k] !== null && draft[k] !== undefined) body.append(k, String(draft[k]));
    });
    body.append("file", draft.blob, draft.filename);
    return fetch(app.dataset.photos, { method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": state.token }, body: body });
  }

  function send(draft) {
    if (draft.type === "photo") return sendPhoto(draft).then(function (response) { return answered(draft, response); });
    return fetch(app.dataset.drafts, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": state.token },
      body: JSON.stringify({ key: draft.key, case_id: draft.case_id, action: draft.action,
        version: draft.version, data: draft.data, opinion: draft.opinion,
        procedure: draft.procedure, subject_id: draft.subject_id }) })
      .then(function (response) { return answered(draft, response); });
  }
  function answered(draft, response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          var again = body.outcome === "duplicate" ? "（此前已收到，未重复办理）" : "";
          if (response.status === 200 && draft.type === "photo") {
            draft.status = "sent"; draft.reason = "已上传为证明材料" + again; draft.blob = null;
          } else if (response.status === 200) {
            draft.status = "sent"; draft.changes = [];
            draft.reason = (draft.procedure ? "已建立案件 " + body.case_id + "，" : "") + "已办理，案件进入第 " + body.version + " 版" + again;
          } else if (response.status === 409) {
            draft.status = "returned"; draft.changes = body.changes || [];
            draft.reason = body.message + (body.state_title ? "；案件现处于「" + body.state_title + "」" : "") + "，草稿未办理，内容仍保存在本机";
          }
          else if ([403, 404, 422].indexOf(response.status) >= 0) {
            var details = [];
            Object.keys(body.errors || {}).forEach(function (k) { details = details.concat(body.errors[k]); });
            draft.status = "failed";
            draft.reason = (body.message || "未通过") + (details.length ? "：" + details.join("；") : "");
          } else { throw new Error(body.message || "服务器暂时无法接收（HTTP " + response.status + "）"); }
          return putDraft(draft);
        });
  }

  function sync() {
    if (state.syncing || !navigator.onLine) return Promise.resolve();
    state.syncing = true;
    app.dataset.sync = "busy";  // read by tests and support: a sync is under way
    var user = null;
    return fetchPackage().then(function (who) { user = who; return loadDrafts(); }).then(function (drafts) {
      // Only the signed-in user's own drafts are sent under their session.
      var waiting = drafts.filter(function (d) { return d.status === "waiting" && d.user === user; })
        .sort(function (a, b) { return a.seq - b.seq; });
      return waiting.reduce(function (chain, d) { return chain.then(function () { return send(d); }); }, Promise.resolve());
    }).then(function () { return fetchPackage(); }).catch(function (error) {
      $("package-status").textContent = "发送中断：" + (error.message || "网络不可用") + "；待发送的草稿会在下次联网时发送。";
    }).then(function () {
      state.syncing = false;
      var note = $("package-status").textContent;
      return refresh().then(function () {
        if (note.indexOf("发送中断") === 0) $("package-status").textContent = note;
        app.dataset.sync = "idle";
      });
    });
  }

  $("sync-now").addEventListener("click", sync);
  window.addEventListener("online", sync);
  // A page left open (the phone in a pocket) refreshes its cases when the helper comes
  // back to it, and every few minutes while it is in view: cases move on at the township.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") sync();
  });
  setInterval(function () { if (document.visibilityState === "visible") sync(); }, 5 * 60 * 1000);
  window.addEventListener("offline", render);
  if (navigator.serviceWorker) {
    navigator.serviceWorker.register(app.dataset.worker, { scope: app.dataset.scope }).catch(function () {});
  }
  refresh().then(sync);
})();
