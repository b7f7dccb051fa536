/* Relation graph (cytoscape.js): structures as nodes sized by betweenness (computed on the server), coloured by
   kind or by community, links as edges styled by level (those joining the two networks in their own colour);
   the same filters as the map. All user text goes through textContent. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("map-config").textContent);
  const text = JSON.parse(document.getElementById("map-text").textContent);
  const container = document.getElementById("graph");
  const status = document.getElementById("graph-status");
  const form = document.getElementById("filters");
  const bridges = document.getElementById("bridges");
  const details = document.getElementById("node-details");
  const colourBy = document.getElementById("colour-by");
  const crossOnly = document.getElementById("cross-only");
  // Colour-blind-safe qualitative palette (Okabe-Ito, then Tol): the largest communities; smaller ones stay grey.
  const COMMUNITY_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#882255",
    "#999933", "#332288", "#44AA99"];
  let cy = null;

  function nodeColour(node) {
    if (colourBy && colourBy.value === "community") return COMMUNITY_COLOURS[node.community - 1] || "#9ca3af";
    return config.kindColors[node.kind] || "#6b7280";
  }

  function restyle() {
    if (!cy) return;
    cy.batch(() => {
      cy.nodes().forEach((n) => { n.data("color", nodeColour(n.data("raw"))); });
      const alone = Boolean(crossOnly && crossOnly.checked);
      cy.edges().forEach((e) => { e.style("display", alone && !e.data("cross") ? "none" : "element"); });
    });
    container.dataset.colour = colourBy ? colourBy.value : "kind";
    container.dataset.shownEdges = String(cy.edges().filter((e) => e.style("display") !== "none").length);
  }

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
    const reach = document.createElement("p");
    reach.dataset.testid = "node-closeness";
    reach.textContent = `${text.closeness} ${node.closeness.toFixed(3)} · ${text.community} ${node.community}`;
    const link = document.createElement("a");
    link.href = structureUrl(node.id);
    link.textContent = text.open;
    details.append(title, meta, reach, link);
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
      ...data.nodes.map((n) => ({ data: { id: `s${n.id}`, label: n.name, color: nodeColour(n),
        size: 14 + 46 * (n.betweenness / maxB), raw: n } })),
      ...data.edges.map((e) => {
        const style = e.cross ? config.crossStyle : config.levelStyles[e.level] || config.levelStyles.unknown;
        return { data: { id: `l${e.id}`, source: `s${e.source}`, target: `s${e.target}`, color: style.color,
          width: style.weight, dashed: style.dash ? "dashed" : "solid", cross: Boolean(e.cross) } };
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
    window.passerellesGraph = cy;  // like window.passerellesMap: tests and embedding pages reach the graph
    restyle();
    listBridges(data.nodes);
    container.dataset.nodes = String(data.nodes.length);
    container.dataset.edges = String(data.edges.length);
    container.dataset.crossEdges = String(data.edges.filter((e) => e.cross).length);
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

  if (colourBy) colourBy.addEventListener("change", restyle);
  if (crossOnly) {
    if (window.location.hash === "#liens-entre-reseaux") crossOnly.checked = true;
    crossOnly.addEventListener("change", restyle);
  }
  form.addEventListener("change", load);
  form.addEventListener("reset", () => setTimeout(load, 0));
  load();
})();
