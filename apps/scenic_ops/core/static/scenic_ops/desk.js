// The desk's own script, on every desk page (served locally, no CDN):
// 1. frappe-charts draws its charts as <svg class="frappe-chart chart">, and Unfold's app.js, on
//    "load", calls getContext("2d") on every ".chart" element (its Chart.js canvases): the svg must
//    not carry that class when Unfold looks, nor after a redraw.
// 2. Dashboard cards (.scenic-chart[data-chart]) are drawn with frappe-charts; a card without
//    figures says so instead of drawing NaN-sized bars.
// 3. The counter sale screen (#counter-form): keyboard flow and ID-card reader input.
(function () {
  if (window.scenicDesk) return; // included twice on a page: once is enough
  var desk = (window.scenicDesk = {});

  function text(key, fallback) {
    var node = document.getElementById("scenic-desk-text");
    if (!node) return fallback;
    try {
      return JSON.parse(node.textContent)[key] || fallback;
    } catch (err) {
      return fallback;
    }
  }

  // --- 1. frappe's svg out of Unfold's way ---------------------------------------------------------
  function unclass(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("svg.frappe-chart.chart")) root.classList.remove("chart");
    root.querySelectorAll("svg.frappe-chart.chart").forEach(function (svg) {
      svg.classList.remove("chart");
    });
  }
  desk.unclass = unclass;
  unclass(document);
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      record.addedNodes.forEach(unclass);
    });
  }).observe(document.documentElement, { childList: true, subtree: true });

  /** new frappe.Chart(target, options), its svg kept out of Unfold's chart lookup. */
  desk.chart = function (target, options) {
    var el = typeof target === "string" ? document.querySelector(target) : target;
    var chart = new frappe.Chart(el, options);
    unclass(el);
    return chart;
  };

  // --- 2. dashboard cards --------------------------------------------------------------------------
  function hasFigures(card) {
    var values = [];
    (card.datasets || []).forEach(function (d) {
      values = values.concat(d.values || []);
    });
    if (!(card.labels || []).length || !values.length) return false;
    if (["pie", "percentage", "donut"].indexOf(card.chart_type) >= 0) {
      return values.reduce(function (a, b) {
        return a + (Number(b) || 0);
      }, 0) > 0;
    }
    return true;
  }

  function draw(el) {
    if (el.dataset.drawn) return;
    var card = JSON.parse(el.dataset.chart);
    if (!hasFigures(card)) {
      el.textContent = text("noData", "—");
      el.classList.add("text-base-500", "py-8", "text-center");
      el.dataset.drawn = "empty";
      return;
    }
    var options = {
      data: { labels: card.labels, datasets: card.datasets },
      type: card.chart_type || "bar",
      height: 220,
      truncateLegends: true,
      axisOptions: { xIsSeries: card.chart_type === "line" },
    };
    if (card.colors && card.colors.length) options.colors = card.colors;
    try {
      desk.chart(el, options);
      el.dataset.drawn = "1";
    } catch (err) {
      el.textContent = String(err);
      el.dataset.drawn = "error";
    }
  }

  function drawAll() {
    if (!window.frappe) return;
    document.querySelectorAll(".scenic-chart[data-chart]").forEach(draw);
  }

  desk.ready = function (fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  };
  desk.ready(drawAll);

  // --- 3. the counter sale -------------------------------------------------------------------------
  // Keyboard flow: product → slot → each visitor's name → ID number → next visitor … → payment →
  // sold as → phone → submit. Enter moves on like Tab; Enter in the phone field (the last) sells.
  // An ID-card reader acting as a keyboard types the number and Enter into the ID field: the next
  // visitor's row opens. A line "name,ID number" (typed, pasted or read) fills the row.
  var ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

  function residentIdValid(value) {
    if (!/^\d{17}[\dX]$/.test(value)) return false;
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += Number(value[i]) * ID_WEIGHTS[i];
    return "10X98765432"[sum % 11] === value[17];
  }

  /** "张三,3205…", "张三 3205…", "John Smith\tE1234567" → {name, id}; null when not such a line. */
  function splitLine(text) {
    var match = String(text)
      .trim()
      .match(/^(.*?\S)\s*[,，;；|\t]\s*(\S+)$|^(.*?\S)\s+((?=[0-9A-Za-z]*\d)[0-9A-Za-z]{5,20})$/);
    if (!match) return null;
    return { name: (match[1] || match[3]).trim(), id: (match[2] || match[4]).trim().toUpperCase() };
  }

  function counter(form) {
    var texts = {};
    try {
      texts = JSON.parse(form.dataset.texts || "{}");
    } catch (err) {}
    var tbody = form.querySelector("#counter-visitors tbody");
    var count = form.querySelector("#counter-visitor-count");
    var rows = function () {
      return Array.prototype.slice.call(tbody.querySelectorAll("tr[data-row]"));
    };
    var field = function (row, kind) {
      return row.querySelector('[data-counter="' + kind + '"]');
    };
    var isEmpty = function (row) {
      return !field(row, "name").value.trim() && !field(row, "id_number").value.trim();
    };
    var checked = function (name) {
      return form.querySelector('input[name="' + name + '"]:checked') || form.querySelector('input[name="' + name + '"]:not(:disabled)');
    };

    function renumber() {
      rows().forEach(function (row, n) {
        row.dataset.row = n;
        row.cells[0].textContent = n + 1;
        row.querySelectorAll("input, select").forEach(function (el) {
          el.name = el.name.replace(/_\d+$/, "_" + n);
          if (el.id) el.id = el.id.replace(/_\d+$/, "_" + n);
        });
      });
      count.value = rows().length;
    }

    function addRow() {
      var all = rows();
      var row = all[all.length - 1].cloneNode(true);
      row.querySelectorAll(".errorlist").forEach(function (el) {
        el.remove();
      });
      row.querySelectorAll("input, select").forEach(function (el) {
        if (el.tagName === "SELECT") el.selectedIndex = 0;
        else el.value = "";
        el.removeAttribute("aria-invalid");
        el.setCustomValidity("");
      });
      tbody.appendChild(row);
      renumber();
      return row;
    }

    function dropEmptyRows() {
      var all = rows();
      for (var i = all.length - 1; i > 0 && isEmpty(all[i]); i--) all[i].remove();
      renumber();
    }

    function nextRow(row) {
      var next = row.nextElementSibling || addRow();
      field(next, "name").focus();
    }

    function toPayment() {
      dropEmptyRows();
      var pay = checked("payment_method");
      if (pay) pay.focus();
    }

    function fill(row, line) {
      field(row, "name").value = line.name;
      field(row, "id_number").value = line.id;
    }

    function showIdError(input, message) {
      var note = input.parentNode.querySelector(".counter-id-error");
      if (!message) {
        if (note) note.remove();
        return;
      }
      if (!note) {
        note = document.createElement("p");
        note.className = "counter-id-error";
        note.setAttribute("role", "alert");
        input.parentNode.appendChild(note);
      }
      note.textContent = message;
    }

    function checkId(row) {
      var input = field(row, "id_number");
      var value = input.value.trim().toUpperCase();
      input.value = value;
      var bad = field(row, "id_type").value === "resident" && value.length === 18 && !residentIdValid(value);
      input.setCustomValidity(bad ? texts.badId || "!" : "");
      input.setAttribute("aria-invalid", bad ? "true" : "false");
      showIdError(input, bad ? texts.badId : "");
      if (bad) {
        input.reportValidity();
        input.select();
      }
      return !bad;
    }

    // Slot buttons follow the chosen product: its places left, sold out or closed, hidden where not sold.
    function refreshSlots() {
      var product = (checked("product") || {}).value;
      var keep = null;
      form.querySelectorAll(".counter-slot").forEach(function (cell) {
        var left = JSON.parse(cell.dataset.left || "{}");
        var input = cell.querySelector("input");
        var places = cell.querySelector(".counter-places");
        var sold = product in left;
        cell.hidden = !sold;
        var open = sold && cell.dataset.status === "open" && (left[product] === null || left[product] > 0);
        input.disabled = !open;
        if (places && sold) {
          places.textContent =
            cell.dataset.status === "closed"
              ? texts.closed
              : !open
              ? texts.soldOut
              : left[product] === null
              ? texts.unlimited
              : (texts.left || "%(n)s").replace("%(n)s", left[product]);
        }
        if (input.checked && !open) input.checked = false;
        if (input.checked) keep = input;
      });
      if (!keep) {
        var first = form.querySelector('.counter-slot input[name="slot"]:not(:disabled)');
        if (first) first.checked = true;
      }
    }

    form.addEventListener("change", function (event) {
      if (event.target.name === "product") refreshSlots();
      if (event.target.id === "counter-day") {
        var url = new URL(window.location.href);
        url.searchParams.set("date", event.target.value);
        url.searchParams.set("visitors", rows().length);
        window.location.href = url.toString();
      }
    });

    form.addEventListener("paste", function (event) {
      var kind = event.target.dataset && event.target.dataset.counter;
      if (kind !== "name" && kind !== "id_number") return;
      var text = (event.clipboardData || window.clipboardData).getData("text");
      var lines = text.split(/\r?\n/).map(splitLine).filter(Boolean);
      if (!lines.length) return;
      event.preventDefault();
      var row = event.target.closest("tr");
      lines.forEach(function (line, i) {
        if (i > 0) row = row.nextElementSibling || addRow();
        fill(row, line);
      });
      nextRow(row);
    });

    form.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.isComposing) return;
      var target = event.target;
      var kind = target.dataset && target.dataset.counter;
      var row = target.closest && target.closest("tr[data-row]");
      if (target.id === "counter-submit" || target.name === "contact_phone") return; // sells
      if (target.tagName === "A") return;
      event.preventDefault();
      if (target.name === "product") {
        (checked("slot") || form.querySelector("#counter-day")).focus();
      } else if (target.id === "counter-day") {
        (checked("slot") || field(rows()[0], "name")).focus();
      } else if (target.name === "slot") {
        field(rows()[0], "name").focus();
      } else if (kind === "name") {
        var line = splitLine(target.value);
        if (line && (line.id.length >= 6 || /\d/.test(line.id))) {
          fill(row, line);
          if (checkId(row)) nextRow(row);
        } else if (isEmpty(row) && row.dataset.row !== "0") {
          toPayment();
        } else if (/^[0-9A-Za-z]{8,20}$/.test(target.value.trim()) && /\d/.test(target.value)) {
          // the reader typed into the name field: the number goes where it belongs
          field(row, "id_number").value = target.value.trim();
          target.value = "";
          target.focus();
        } else if (target.value.trim() && field(row, "id_number").value.trim()) {
          if (checkId(row)) nextRow(row);
        } else {
          field(row, "id_number").focus();
        }
      } else if (kind === "id_number") {
        var typed = splitLine(target.value);
        if (typed && typed.id.length >= 5) fill(row, typed);
        if (isEmpty(row) && row.dataset.row !== "0") return toPayment();
        if (!target.value.trim()) return;
        if (!checkId(row)) return;
        if (!field(row, "name").value.trim()) return field(row, "name").focus();
        nextRow(row);
      } else if (kind === "category" || kind === "id_type") {
        nextRow(row);
      } else if (target.name === "payment_method") {
        checked("channel").focus();
      } else if (target.name === "channel") {
        form.querySelector('[name="contact_phone"]').focus();
      }
    });

    form.addEventListener("input", function (event) {
      if (event.target.dataset && event.target.dataset.counter === "id_number") {
        event.target.setCustomValidity("");
        event.target.removeAttribute("aria-invalid");
        showIdError(event.target, "");
      }
    });

    form.addEventListener("submit", dropEmptyRows);

    var more = form.querySelector("#counter-add-row");
    if (more)
      more.addEventListener("click", function (event) {
        event.preventDefault();
        field(addRow(), "name").focus();
      });

    refreshSlots();
    var first = checked("product");
    if (first) first.focus();
  }

  desk.counter = counter;
  desk.splitLine = splitLine;
  desk.ready(function () {
    var form = document.getElementById("counter-form");
    if (form) counter(form);
  });
})();
