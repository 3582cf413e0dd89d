// Phone-sized pages (docs/phone.md). The 菜单 link opens and closes the folded top bar in
// place; without this script it still opens it by jumping to #topnav (CSS :target).
(function () {
  var toggle = document.getElementById("nav-toggle");
  var bar = toggle && toggle.closest(".topbar");
  if (toggle && bar) {
    toggle.addEventListener("click", function (event) {
      event.preventDefault();
      var open = !bar.classList.contains("open");
      bar.classList.toggle("open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  // Tables of three columns or more become cards on a phone (app.css, .cards): each cell
  // is labelled with its column's heading (data-label, shown by CSS before the value).
  // Cells a template labelled keep theirs.
  document.querySelectorAll("table.grid:not(.board)").forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    if (heads.length < 3) return;
    table.classList.add("cards");
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, i) {
        if (!cell.hasAttribute("data-label") && heads[i]) cell.setAttribute("data-label", heads[i]);
      });
    });
  });
  // 退出: what 外业采集 kept on this phone (households, cases, drafts, the stored page)
  // is deleted before the logout is sent, so the next user of the phone sees none of it.
  var logout = document.querySelector("form[action$='/logout']");
  if (logout && window.indexedDB) {
    logout.addEventListener("submit", function (event) {
      event.preventDefault();
      var sent = false, done = function () { if (!sent) { sent = true; logout.submit(); } };
      var jobs = [new Promise(function (resolve) {
        var req = indexedDB.deleteDatabase("wf-offline");
        req.onsuccess = req.onerror = req.onblocked = resolve;
      })];
      if (window.caches) jobs.push(caches.delete("wf-offline-v1"));
      Promise.all(jobs).then(done, done);
      setTimeout(done, 2000);
    });
  }
})();
