// The console page: renders the key store list or one cluster's HSMs from the
// JSON endpoints of the same server. Every value from the server is set with
// textContent, never as HTML, because key store names are user input.
"use strict";

(function () {
  const API_PATH = "/moto-api/cloudhsm-ks/console/";
  const PREFERENCES_KEY = "moto-cloudhsm-ks.console.preferences";
  const COLUMNS = ["name", "id", "cluster", "hsms", "state"];
  const PAGE_SIZES = [5, 10, 25, 50];
  const DEFAULT_PREFERENCES = { hiddenColumns: [], pageSize: 10 };
  // The words the KMS console uses for each ConnectionState.
  const STATE_LABELS = {
    CONNECTED: "Connected",
    CONNECTING: "Connecting",
    DISCONNECTED: "Disconnected",
    DISCONNECTING: "Disconnecting",
    FAILED: "Failed",
  };

  const query = new URLSearchParams(window.location.search);
  // The account and Region of the data on the page, once it has loaded.
  let scope = { account: query.get("account") || "", region: query.get("region") || "" };
  let preferences = loadPreferences();
  let keyStores = [];
  let pageIndex = 0;

  function byId(id) {
    return document.getElementById(id);
  }

  // Preferences (the gear), kept in localStorage

  function loadPreferences() {
    let saved = null;
    try {
      saved = JSON.parse(window.localStorage.getItem(PREFERENCES_KEY) || "null");
    } catch (error) {
      saved = null;
    }
    if (saved === null || typeof saved !== "object") {
      return { ...DEFAULT_PREFERENCES };
    }
    const hidden = Array.isArray(saved.hiddenColumns)
      ? saved.hiddenColumns.filter((column) => COLUMNS.includes(column))
      : [];
    const pageSize = PAGE_SIZES.includes(saved.pageSize)
      ? saved.pageSize
      : DEFAULT_PREFERENCES.pageSize;
    if (hidden.length === COLUMNS.length) {
      return { ...DEFAULT_PREFERENCES };
    }
    return { hiddenColumns: hidden, pageSize: pageSize };
  }

  function savePreferences() {
    try {
      window.localStorage.setItem(PREFERENCES_KEY, JSON.stringify(preferences));
    } catch (error) {
      showError("The browser did not store the preferences: " + error.message);
    }
  }

  function openSettings() {
    const form = byId("settings-form");
    for (const input of form.querySelectorAll("input[name=page-size]")) {
      input.checked = Number(input.value) === preferences.pageSize;
    }
    for (const input of form.querySelectorAll("input[name=column]")) {
      input.checked = !preferences.hiddenColumns.includes(input.value);
    }
    updateSettingsHint();
    const dialog = byId("settings-dialog");
    // Escape closes the dialog without a new returnValue, so clear the last one.
    dialog.returnValue = "";
    dialog.showModal();
  }

  function checkedColumns() {
    const inputs = byId("settings-form").querySelectorAll("input[name=column]");
    return Array.from(inputs)
      .filter((input) => input.checked)
      .map((input) => input.value);
  }

  function updateSettingsHint() {
    const none = checkedColumns().length === 0;
    byId("settings-hint").hidden = !none;
    byId("settings-confirm").disabled = none;
  }

  function closeSettings() {
    const dialog = byId("settings-dialog");
    if (dialog.returnValue !== "confirm") {
      return;
    }
    const visible = checkedColumns();
    const size = byId("settings-form").querySelector("input[name=page-size]:checked");
    preferences = {
      hiddenColumns: COLUMNS.filter((column) => !visible.includes(column)),
      pageSize: size ? Number(size.value) : preferences.pageSize,
    };
    savePreferences();
    pageIndex = 0;
    renderKeyStores();
  }

  // Navigation: the account, Region and cluster live in the query string

  function scopeQuery(extra) {
    const params = new URLSearchParams();
    for (const name of ["account", "region"]) {
      if (scope[name]) {
        params.set(name, scope[name]);
      }
    }
    for (const [name, value] of Object.entries(extra || {})) {
      params.set(name, value);
    }
    return params;
  }

  function navigate(account, region) {
    window.location.search = new URLSearchParams({ account, region }).toString();
  }

  function fillSelector(select, values, selected, label) {
    select.replaceChildren();
    for (const value of values) {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = label(value);
      option.selected = value === selected;
      select.append(option);
    }
  }

  function renderSelectors(data) {
    scope = { account: data.Account, region: data.Region };
    fillSelector(byId("account-selector"), data.Accounts, data.Account, (id) => id);
    const counts = new Map(data.Regions.map((r) => [r.RegionName, r.KeyStoreCount]));
    fillSelector(
      byId("region-selector"),
      data.Regions.map((region) => region.RegionName),
      data.Region,
      (name) => (counts.get(name) ? name + " (" + counts.get(name) + ")" : name),
    );
    byId("key-stores-link").href = "?" + scopeQuery().toString();
  }

  // Loading

  async function fetchJson(endpoint, params) {
    const response = await fetch(API_PATH + endpoint + "?" + params.toString(), {
      cache: "no-store",
    });
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      throw new Error("The server sent a response that is not JSON (HTTP " +
        response.status + ").");
    }
    if (!response.ok) {
      throw new Error(body.error || "The server returned HTTP " + response.status + ".");
    }
    return body;
  }

  function showError(message) {
    const element = byId("error-message");
    element.textContent = message;
    element.hidden = false;
  }

  function markRendered(status) {
    const main = byId("console");
    main.dataset.status = status;
    main.dataset.renderCount = String(Number(main.dataset.renderCount) + 1);
  }

  async function loadKeyStores() {
    byId("console").dataset.status = "loading";
    try {
      const data = await fetchJson("key-stores.json", scopeQuery());
      renderSelectors(data);
      keyStores = data.CustomKeyStores;
      byId("error-message").hidden = true;
      byId("key-stores-view").hidden = false;
      byId("updated-at").textContent =
        "Account " + data.Account + " in " + data.Region +
        ", read at " + new Date().toLocaleTimeString();
      renderKeyStores();
      markRendered("ready");
    } catch (error) {
      showError(error.message);
      markRendered("error");
    }
  }

  async function loadCluster(clusterId) {
    byId("console").dataset.status = "loading";
    try {
      const [stores, cluster] = await Promise.all([
        fetchJson("key-stores.json", scopeQuery()),
        fetchJson("cluster-hsms.json", scopeQuery({ "cluster-id": clusterId })),
      ]);
      renderSelectors(stores);
      byId("error-message").hidden = true;
      byId("cluster-view").hidden = false;
      renderCluster(cluster);
      markRendered("ready");
    } catch (error) {
      showError(error.message);
      markRendered("error");
    }
  }

  // The key store table

  function cell(column) {
    const element = document.createElement("td");
    element.dataset.column = column;
    element.hidden = preferences.hiddenColumns.includes(column);
    return element;
  }

  function clusterCell(store) {
    const element = cell("cluster");
    if (store.HsmCount === null) {
      element.textContent = store.CloudHsmClusterId;
      return element;
    }
    const link = document.createElement("a");
    link.href = "?" + scopeQuery({ "cluster-id": store.CloudHsmClusterId }).toString();
    link.textContent = store.CloudHsmClusterId;
    element.append(link);
    return element;
  }

  function hsmCountCell(store) {
    const element = cell("hsms");
    element.textContent =
      store.HsmCount === null ? "Cluster not found" : String(store.HsmCount);
    return element;
  }

  function stateCell(store) {
    const element = cell("state");
    const badge = document.createElement("span");
    badge.className = "state state-" + store.ConnectionState.toLowerCase();
    badge.dataset.state = store.ConnectionState;
    badge.textContent = STATE_LABELS[store.ConnectionState] || store.ConnectionState;
    element.append(badge);
    if (store.ConnectionErrorCode) {
      const code = document.createElement("div");
      code.className = "error-code";
      code.textContent = "ConnectionErrorCode: " + store.ConnectionErrorCode;
      element.append(code);
    }
    if (store.ConnectionStateHelp) {
      const help = document.createElement("p");
      help.className = "help";
      help.textContent = store.ConnectionStateHelp;
      element.append(help);
    }
    return element;
  }

  function storeRow(store) {
    const row = document.createElement("tr");
    row.dataset.customKeyStoreId = store.CustomKeyStoreId;
    const name = cell("name");
    name.textContent = store.CustomKeyStoreName;
    const id = cell("id");
    id.textContent = store.CustomKeyStoreId;
    row.append(name, id, clusterCell(store), hsmCountCell(store), stateCell(store));
    return row;
  }

  function renderKeyStores() {
    const pageCount = Math.max(1, Math.ceil(keyStores.length / preferences.pageSize));
    pageIndex = Math.min(pageIndex, pageCount - 1);
    const start = pageIndex * preferences.pageSize;
    const page = keyStores.slice(start, start + preferences.pageSize);
    byId("key-stores-table").querySelector("tbody").replaceChildren(...page.map(storeRow));
    for (const header of byId("key-stores-table").querySelectorAll("th")) {
      header.hidden = preferences.hiddenColumns.includes(header.dataset.column);
    }
    byId("store-count").textContent = "(" + keyStores.length + ")";
    byId("empty-message").hidden = keyStores.length > 0;
    byId("page-status").textContent = "Page " + (pageIndex + 1) + " of " + pageCount;
    byId("previous-page").disabled = pageIndex === 0;
    byId("next-page").disabled = pageIndex >= pageCount - 1;
  }

  function turnPage(step) {
    pageIndex += step;
    renderKeyStores();
  }

  // The HSMs of one cluster

  function hsmRow(hsm) {
    const row = document.createElement("tr");
    row.dataset.hsmId = hsm.HsmId;
    const values = [hsm.HsmId, hsm.AvailabilityZone, hsm.SubnetId, hsm.EniIp, hsm.State];
    for (const value of values) {
      const element = document.createElement("td");
      element.textContent = value;
      row.append(element);
    }
    return row;
  }

  function renderCluster(cluster) {
    byId("cluster-title").textContent = cluster.ClusterId;
    const breadcrumb = byId("cluster-breadcrumb");
    breadcrumb.textContent = "\u203a " + cluster.ClusterId;
    breadcrumb.hidden = false;
    byId("cluster-summary").textContent =
      "Cluster state " + cluster.ClusterState + ", VPC " + cluster.VpcId +
      ", read at " + new Date().toLocaleTimeString();
    byId("hsms-table").querySelector("tbody").replaceChildren(...cluster.Hsms.map(hsmRow));
    byId("no-hsms-message").hidden = cluster.Hsms.length > 0;
  }

  // Wiring

  function start() {
    byId("account-selector").addEventListener("change", (event) => {
      navigate(event.target.value, byId("region-selector").value);
    });
    byId("region-selector").addEventListener("change", (event) => {
      navigate(byId("account-selector").value, event.target.value);
    });
    byId("settings-button").addEventListener("click", openSettings);
    byId("settings-form").addEventListener("change", updateSettingsHint);
    byId("settings-dialog").addEventListener("close", closeSettings);
    byId("previous-page").addEventListener("click", () => turnPage(-1));
    byId("next-page").addEventListener("click", () => turnPage(1));
    const clusterId = query.get("cluster-id");
    if (clusterId) {
      byId("cluster-refresh-button").addEventListener("click", () => loadCluster(clusterId));
      loadCluster(clusterId);
    } else {
      byId("refresh-button").addEventListener("click", loadKeyStores);
      loadKeyStores();
    }
  }

  start();
})();
