/* Fast order entry: everything from the keyboard (or a barcode scanner, which types and presses Enter). */
(function () {
  "use strict";
  var form = document.getElementById("bo-entry");
  var T = JSON.parse(document.getElementById("bo-entry-texts").textContent);
  var customerInput = document.getElementById("bo-customer"), chosen = document.getElementById("bo-customer-chosen");
  var customerHits = document.getElementById("bo-customer-hits");
  var scan = document.getElementById("bo-scan"), productHits = document.getElementById("bo-product-hits");
  var body = document.querySelector("#bo-entry-lines tbody"), errorBox = document.getElementById("bo-entry-error");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var lines = [];  // {sku, name, quantity, price, currency, available, stocked}
  var customer = null;

  function get(url, params) {
    var q = new URLSearchParams(params).toString();
    return fetch(url + "?" + q, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json(); });
  }
  function debounce(fn, ms) {
    var t = null;
    return function () { var a = arguments; clearTimeout(t); t = setTimeout(function () { fn.apply(null, a); }, ms); };
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function showError(message) { errorBox.textContent = message || ""; }

  /* A suggestion list driven by the arrow keys. */
  function suggestions(list, render, onPick) {
    var items = [], active = -1;
    function paint() {
      list.innerHTML = "";
      items.forEach(function (item, i) {
        var li = el("li", {role: "option", "class": i === active ? "active" : ""});
        render(li, item);
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); onPick(item); clear(); });
        list.appendChild(li);
      });
    }
    function clear() { items = []; active = -1; paint(); }
    return {
      set: function (found) { items = found; active = found.length ? 0 : -1; paint(); },
      clear: clear,
      move: function (d) { if (items.length) { active = (active + d + items.length) % items.length; paint(); } },
      current: function () { return active >= 0 ? items[active] : null; },
      size: function () { return items.length; }
    };
  }

  /* ---- customer ---- */
  var customerList = suggestions(customerHits, function (li, c) {
    li.textContent = c.name + " (" + c.code + ")" + (c.email ? " · " + c.email : "") + " · " + c.currency;
  }, pickCustomer);
  function pickCustomer(c) {
    customer = c;
    chosen.dataset.code = c.code;
    chosen.textContent = c.name + " (" + c.code + ") · " + c.currency;
    customerInput.value = c.code;
    customerList.clear();
    lines.forEach(function (line) { refresh(line); });
    scan.focus();
  }
  var findCustomers = debounce(function (q) {
    if (!q) { customerList.clear(); return; }
    get(form.dataset.customers, {q: q}).then(function (data) {
      if (customerInput.value.trim() === q) { customerList.set(data.results || []); }
    });
  }, 120);
  customerInput.addEventListener("input", function () { findCustomers(customerInput.value.trim()); });
  customerInput.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") { ev.preventDefault(); customerList.move(ev.key === "ArrowDown" ? 1 : -1); }
    else if (ev.key === "Enter" && !ev.ctrlKey) {
      ev.preventDefault();
      var c = customerList.current();
      if (c) { pickCustomer(c); return; }
      var q = customerInput.value.trim();
      if (q) {
        get(form.dataset.customers, {q: q}).then(function (data) {
          if (data.results && data.results.length) { pickCustomer(data.results[0]); } else { showError(T.no_customer); }
        });
      }
    } else if (ev.key === "Escape") { customerList.clear(); }
  });

  /* ---- lines ---- */
  function fmt(n) { return Number(n).toLocaleString(undefined, {minimumFractionDigits: 2, maximumFractionDigits: 2}); }
  function render() {
    body.innerHTML = "";
    var total = 0;
    lines.forEach(function (line, i) {
      var tr = el("tr", {"data-sku": line.sku});
      tr.appendChild(el("td", {}, line.sku));
      tr.appendChild(el("td", {}, line.name));
      var qtyCell = el("td", {"class": "num"}), qty = el("input", {value: line.quantity, size: "6", "aria-label": T.quantity, "class": "bo-qty"});
      qty.addEventListener("change", function () { line.quantity = qty.value.trim(); render(); });
      qty.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" && !ev.ctrlKey) { ev.preventDefault(); line.quantity = qty.value.trim(); render(); scan.focus(); }
        if (ev.key === "Delete") { ev.preventDefault(); lines.splice(i, 1); render(); scan.focus(); }
      });
      qtyCell.appendChild(qty);
      tr.appendChild(qtyCell);
      tr.appendChild(el("td", {"class": "num"}, line.price === null ? T.no_price : fmt(line.price) + " " + line.currency));
      var short = line.stocked && Number(line.available) < Number(line.quantity);
      tr.appendChild(el("td", {"class": "num" + (short ? " bo-short" : "")}, line.stocked ? line.available : T.not_stocked));
      var amount = line.price === null ? 0 : Number(line.price) * Number(line.quantity || 0);
      total += amount;
      tr.appendChild(el("td", {"class": "num"}, fmt(amount)));
      var rm = el("button", {type: "button", "class": "button", "aria-label": T.remove}, "×");
      rm.addEventListener("click", function () { lines.splice(i, 1); render(); scan.focus(); });
      var td = el("td"); td.appendChild(rm); tr.appendChild(td);
      body.appendChild(tr);
    });
    document.getElementById("bo-entry-total").textContent = fmt(total) + (customer ? " " + customer.currency : "");
  }
  function addLine(hit, quantity) {
    var existing = lines.filter(function (l) { return l.sku === hit.sku; })[0];
    if (existing) { existing.quantity = String(Number(existing.quantity) + Number(quantity)); }
    else {
      lines.push({sku: hit.sku, name: hit.name, quantity: String(quantity), price: hit.price, currency: hit.currency,
                  available: hit.available, stocked: hit.stocked});
    }
    showError("");
    render();
  }
  function refresh(line) {
    get(form.dataset.products, {q: line.sku, customer: customer ? customer.code : ""}).then(function (data) {
      var hit = (data.results || []).filter(function (h) { return h.sku === line.sku; })[0];
      if (hit) { line.price = hit.price; line.currency = hit.currency; line.available = hit.available; render(); }
    });
  }
  function parse(text) {  /* "3*SKU" or "3 x SKU" adds three (a SKU like "2X4-BOARD" stays a SKU) */
    var m = /^(\d+(?:[.,]\d+)?)\s*(?:\*|\s[xX]\s)\s*(.+)$/.exec(text);
    return m ? {quantity: m[1].replace(",", "."), q: m[2].trim()} : {quantity: "1", q: text};
  }
  var productList = suggestions(productHits, function (li, h) {
    li.textContent = h.sku + " · " + h.name + " · " + (h.price === null ? T.no_price : h.price + " " + h.currency) +
      " · " + (h.stocked ? T.available + " " + h.available : T.not_stocked);
  }, function (h) { addLine(h, parse(scan.value.trim()).quantity); scan.value = ""; });
  var findProducts = debounce(function (text) {
    var p = parse(text);
    if (!p.q) { productList.clear(); return; }
    get(form.dataset.products, {q: p.q, customer: customer ? customer.code : ""}).then(function (data) {
      if (scan.value.trim() === text) { productList.set(data.results || []); }
    });
  }, 120);
  scan.addEventListener("input", function () { findProducts(scan.value.trim()); });
  scan.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") { ev.preventDefault(); productList.move(ev.key === "ArrowDown" ? 1 : -1); return; }
    if (ev.key === "Escape") { productList.clear(); return; }
    if (ev.key !== "Enter" || ev.ctrlKey) { return; }
    ev.preventDefault();
    var text = scan.value.trim(), p = parse(text);
    if (!p.q) { return; }
    get(form.dataset.products, {q: p.q, customer: customer ? customer.code : ""}).then(function (data) {
      var results = data.results || [];
      var exact = results.filter(function (h) { return h.exact; })[0];
      var picked = exact || (results.length === 1 ? results[0] : productList.current());
      if (picked) { addLine(picked, p.quantity); scan.value = ""; productList.clear(); }
      else { showError(T.unknown_product + " " + p.q); }
    });
  });

  /* ---- create ---- */
  function submit() {
    if (!customer) { showError(T.no_customer); customerInput.focus(); return; }
    if (!lines.length) { showError(T.no_lines); scan.focus(); return; }
    var button = document.getElementById("bo-create");
    button.disabled = true;
    fetch(form.dataset.create, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify({customer: customer.code, confirm: document.getElementById("bo-confirm").checked,
                            notes: document.getElementById("bo-notes").value,
                            lines: lines.map(function (l) { return {sku: l.sku, quantity: l.quantity}; })})
    }).then(function (r) { return r.json().then(function (data) { return {status: r.status, data: data}; }); })
      .then(function (res) {
        if (res.status === 201) { window.location.href = res.data.url; return; }
        button.disabled = false;
        var e = res.data.error || {};
        showError((e.field ? e.field + ": " : "") + (e.message || T.failed));
      }).catch(function () { button.disabled = false; showError(T.failed); });
  }
  form.addEventListener("submit", function (ev) { ev.preventDefault(); submit(); });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); submit(); }
  });
})();
