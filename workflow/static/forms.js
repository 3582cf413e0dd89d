// Choices that follow another field (e.g. 改造方式 follows 鉴定等级): only the allowed
// options stay enabled. The server checks the same rule; this only guides the clerk.
document.querySelectorAll("select[data-follows]").forEach(function (select) {
  var basis = document.getElementById(select.dataset.follows);
  var options = JSON.parse(select.dataset.options);
  if (!basis) return;
  function apply() {
    var allowed = options[basis.value];
    Array.prototype.forEach.call(select.options, function (opt) {
      if (!opt.value) return;
      opt.disabled = Array.isArray(allowed) && allowed.indexOf(opt.value) < 0;
      if (opt.disabled && opt.selected) select.value = "";
    });
  }
  basis.addEventListener("change", apply);
  apply();
});

// 返回上一页 on error pages: history.back() from here, since the CSP runs no javascript: URL.
document.querySelectorAll("a[data-back]").forEach(function (link) {
  link.addEventListener("click", function (event) {
    if (window.history.length > 1) { event.preventDefault(); window.history.back(); }
  });
});
