// 我的任务 (templates/jobs/list.html): polls /api/v1/jobs while a job is queued or running
// and updates each row's bar, count, state, message and download link in place.
(function () {
  var box = document.getElementById('jobs');
  if (!box) return;
  var url = box.getAttribute('data-list-url');
  function show(job) {
    var row = box.querySelector('tr[data-job="' + job.id + '"]');
    if (!row) return;
    row.querySelector('progress').value = job.percent;
    row.querySelector('.count').textContent = job.done + ' / ' + job.total;
    row.querySelector('.state').textContent = job.status_title;
    row.querySelector('.message').textContent = job.error || job.message || '';
    var link = row.querySelector('.download');
    if (job.file) { link.href = job.file.url; link.hidden = false; }
    if (job.status !== 'queued' && job.status !== 'running') {
      var form = row.querySelector('form.cancel');
      if (form) form.remove();
    }
  }
  function poll() {
    fetch(url, {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        data.jobs.forEach(show);
        var busy = data.jobs.some(function (j) { return j.status === 'queued' || j.status === 'running'; });
        if (busy) setTimeout(poll, 1500);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  if (box.hasAttribute('data-polling')) poll();
})();
