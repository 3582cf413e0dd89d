// Batch print progress (templates/pdf/pages/batch_job.html): polls the status URL while
// the job is queued or running. A static file, because the pages' CSP runs no inline script.
(function () {
  var box = document.getElementById('job');
  if (!box) return;
  var url = box.getAttribute('data-status-url');
  function show(s) {
    document.getElementById('bar').value = s.percent;
    document.getElementById('state').textContent = s.state_title;
    document.getElementById('count').textContent = s.done + ' / ' + s.total;
    document.getElementById('message').textContent = s.message || '';
    document.getElementById('ready').hidden = s.state !== 'done';
  }
  function poll() {
    fetch(url, {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
      .then(function (r) { return r.json(); })
      .then(function (s) { show(s); if (s.state === 'queued' || s.state === 'running') setTimeout(poll, 1500); })
      .catch(function () { setTimeout(poll, 5000); });
  }
  if (box.hasAttribute('data-polling')) poll();
})();
