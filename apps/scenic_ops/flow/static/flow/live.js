// Live figures for the public pages: the status embedded in the page, then every change
// pushed by the server-sent-events stream (falls back to polling the JSON API).
(function () {
  var STREAM = "/api/v1/flow/public/stream";
  var STATUS = "/api/v1/flow/public/status";

  function poll(render) {
    function once() {
      fetch(STATUS, { cache: "no-cache" })
        .then(function (r) { return r.json(); })
        .then(function (s) { document.body.dataset.version = s.version; render(s); })
        .catch(function () {});
    }
    setInterval(once, 5000);
  }

  function connect(render) {
    if (!window.EventSource) return poll(render);
    var source = new EventSource(STREAM);
    source.addEventListener("open", function () { document.body.dataset.stream = "open"; });
    source.addEventListener("status", function (event) {
      var status = JSON.parse(event.data);
      document.body.dataset.stream = "open";
      document.body.dataset.events = String(Number(document.body.dataset.events || 0) + 1);
      document.body.dataset.version = status.version;
      render(status);
    });
    source.addEventListener("error", function () { document.body.dataset.stream = "retrying"; });
  }

  window.FlowLive = {
    start: function (render) {
      var initial = JSON.parse(document.getElementById("flow-status").textContent);
      var i18n = JSON.parse(document.getElementById("flow-i18n").textContent);
      var lang = document.body.dataset.lang || "zh";
      var wrapped = function (status) { render(status, i18n, lang); };
      document.body.dataset.version = initial.version;
      wrapped(initial);
      connect(wrapped);
    },
    name: function (item, lang) { return lang === "en" ? item.name_en || item.name : item.name; },
    text: function (pair, lang) { return pair ? (lang === "en" ? pair.en || pair.zh : pair.zh) : ""; },
    number: function (n) { return n === null || n === undefined ? "—" : Number(n).toLocaleString(); },
    time: function (iso) {
      if (!iso) return "";
      var d = new Date(iso);
      return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
    },
    el: function (tag, cls, text) {
      var e = document.createElement(tag);
      if (cls) e.className = cls;
      if (text !== undefined) e.textContent = text;
      return e;
    },
  };
})();
