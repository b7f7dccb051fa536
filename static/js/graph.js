/* Relation graph (cytoscape.js): structures as nodes sized by betweenness (computed on the server), links as
   edges styled by level; the same filters as the map. All user text goes through textContent. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("map-config").textContent);
  const text = JSON.parse(document.getElementById("map-text").textContent);
  const container = document.getElementById("graph");
  const status = document.getElementById("graph-status");
  const form = document.getElementById("filters");
  const bridges = document.getElementById("bridges");
  const details = document.getElementById("node-details");
  let cy = null;

  function query() {
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (value) params.append(key, value);
    return params.toString();
  }

  function structureUrl(id) { return config.structureUrl.replace(/0$/, String(id)); }

  function showNode(node) {
    details.replaceChildren();
    const title = document.createElement("strong");
    title.textContent = node.name;
    const meta = document.createElement("p");
    meta.textContent = `${config.options.kinds[node.kind] || node.kind} · ${node.city || ""} · `
      + `${node.degree} ${text.degree} · ${text.betweenness} ${node.betweenness.toFixed(3)}`;
    const link = document.createElement("a");
    link.href = structureUrl(node.id);
    link.textContent = text.open;
    details.append(title, meta, link);
  }

  function listBridges(nodes) {
    bridges.replaceChildren();
    const top = [...nodes].sort((a, b) => b.betweenness - a.betweenness || b.degree - a.degree).slice(0, 10);
    for (const node of top) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = structureUrl(node.id);
      link.textContent = node.name;
      item.append(link, document.createTextNode(` (${node.city || "?"}) — ${node.degree} ${text.degree}, ${node.betweenness.toFixed(3)}`));
      bridges.append(item);
    }
  }

  function draw(data) {
    const maxB = Math.max(0.0001, ...data.nodes.map((n) => n.betweenness));
    const elements = [
      ...data.nodes.map((n) => ({ data: { id: `s${n.id}`, label: n.name, color: config.kindColors[n.kind] || "#6b7280",
        size: 14 + 46 * (n.betweenness / maxB), raw: n } })),
      ...data.edges.map((e) => {
        const style = config.levelStyles[e.level] || config.levelStyles.unknown;
        return { data: { id: `l${e.id}`, source: `s${e.source}`, target: `s${e.target}`, color: style.color,
          width: style.weight, dashed: style.dash ? "dashed" : "solid" } };
      }),
    ];
    if (cy) cy.destroy();
    const big = data.nodes.length > 400;
    cy = cytoscape({
      container, elements, minZoom: 0.05, maxZoom: 4, wheelSensitivity: 0.3,
      style: [
        { selector: "node", style: { "background-color": "data(color)", width: "data(size)", height: "data(size)",
          label: big ? "" : "data(label)", "font-size": 9, "text-valign": "bottom", "text-margin-y": 3,
          "border-width": 1, "border-color": "#fff" } },
        { selector: "edge", style: { "line-color": "data(color)", width: "data(width)", "line-style": "data(dashed)",
          "curve-style": "haystack", opacity: 0.8 } },
        { selector: "node:selected", style: { "border-width": 3, "border-color": "#111827" } },
      ],
      layout: big ? { name: "concentric", concentric: (n) => n.data("size"), levelWidth: () => 4, animate: false }
        : { name: "cose", animate: false, randomize: true, nodeRepulsion: () => 9000, idealEdgeLength: () => 60 },
    });
    cy.on("tap", "node", (event) => showNode(event.target.data("raw")));
    listBridges(data.nodes);
    container.dataset.nodes = String(data.nodes.length);
    container.dataset.edges = String(data.edges.length);
    status.textContent = text.status.replace("{n}", data.nodes.length).replace("{e}", data.edges.length);
    container.dataset.ready = "1";
  }

  async function load() {
    container.dataset.ready = "0";
    try {
      const response = await fetch(`${config.graphUrl}?${query()}`, { headers: { Accept: "application/json" } });
      const data = await response.json();
      if (!response.ok) throw new Error((data.error && data.error.message) || text.error);
      draw(data);
    } catch (error) {
      status.textContent = error.message || text.error;
    }
  }

  form.addEventListener("change", load);
  form.addEventListener("reset", () => setTimeout(load, 0));
  load();
})();
