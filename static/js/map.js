/* Map of structures and links (Leaflet + markercluster). Works without any tile server: the communes' areas and
   names (built from the imported data), QPV outlines, markers and link lines are drawn on a plain background. All user text goes through textContent. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("map-config").textContent);
  const text = JSON.parse(document.getElementById("map-text").textContent);
  const element = document.getElementById("map");
  const status = document.getElementById("map-status");
  const form = document.getElementById("filters");

  const map = L.map(element, { preferCanvas: true, zoomSnap: 0.5, maxZoom: 19, minZoom: 4 }).setView([46.6, 2.4], 6);
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution || "", maxZoom: 19 }).addTo(map);
  } else {
    element.classList.add("no-tiles");
  }
  // The base layer built from the imported data (see mapping/basemap.py): each commune's area and its name, so the
  // map reads without tiles. Not interactive: clicks go to the structures above it.
  const cityLayer = L.geoJSON(null, {
    interactive: false,
    style: { color: "#64748b", weight: 1, dashArray: "4 3", fillColor: "#e2e8f0", fillOpacity: 0.55 },
  }).addTo(map);
  const cityNames = L.layerGroup().addTo(map);
  const qpvLayer = L.geoJSON(null, {
    style: { color: "#c2410c", weight: 1.5, fillColor: "#fb923c", fillOpacity: 0.18 },
    onEachFeature: (feature, layer) => layer.bindTooltip(
      textBox(`${feature.properties.name} (${feature.properties.code})`)),
  }).addTo(map);
  const linkLayer = L.layerGroup().addTo(map);
  const clusters = L.markerClusterGroup({ disableClusteringAtZoom: 15, showCoverageOnHover: false,
    chunkedLoading: true, maxClusterRadius: 45 }).addTo(map);
  let firstLoad = true;
  const cross = crossNetworkLinks();

  /** Leaflet reads a string given to bindTooltip/bindPopup as HTML: user text goes in a node, as text. */
  function textBox(value) {
    const box = document.createElement("span");
    box.textContent = value;
    return box;
  }

  function labelOf(list, key) { return (config.options[list] || {})[key] || key; }

  function popup(props) {
    const box = document.createElement("div");
    const title = document.createElement("strong");
    title.textContent = props.name;
    const meta = document.createElement("div");
    meta.textContent = [labelOf("kinds", props.kind), props.city, props.priority, props.qpv ? text.inQpv : null]
      .filter(Boolean).join(" · ");
    const link = document.createElement("a");
    link.href = config.structureUrl.replace(/0$/, String(props.id));
    link.textContent = text.open;
    box.append(title, meta, link);
    return box;
  }

  function linkPopup(props, ends) {
    const box = document.createElement("div");
    const title = document.createElement("strong");
    title.textContent = ends.map((s) => (s ? s.name : "?")).join(" ↔ ");
    const meta = document.createElement("div");
    meta.textContent = `${labelOf("levels", props.level)} · ${labelOf("formalisations", props.formalisation)}`;
    box.append(title, meta);
    if (props.frameworks.length) {
      const fw = document.createElement("div");
      fw.textContent = props.frameworks.map((k) => labelOf("frameworks", k)).join(", ");
      box.append(fw);
    }
    return box;
  }

  function query() {
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (value) params.append(key, value);
    return params.toString();
  }

  function draw(data) {
    clusters.clearLayers();
    linkLayer.clearLayers();
    cross.reset();
    const byId = new Map();
    const markers = [];
    for (const feature of data.features) {
      if (feature.properties.type !== "structure") continue;
      const [lon, lat] = feature.geometry.coordinates;
      const props = feature.properties;
      byId.set(props.id, props);
      const marker = L.circleMarker([lat, lon], {
        radius: 7, color: "#fff", weight: 1.5, fillColor: config.kindColors[props.kind] || "#6b7280", fillOpacity: 0.95,
      });
      marker.bindPopup(() => popup(props));
      marker.bindTooltip(textBox(props.name));
      markers.push(marker);
    }
    clusters.addLayers(markers);
    let lines = 0;
    for (const feature of data.features) {
      if (feature.properties.type !== "link") continue;
      const props = feature.properties;
      const style = config.levelStyles[props.level] || config.levelStyles.unknown;
      const latlngs = feature.geometry.coordinates.map(([lon, lat]) => [lat, lon]);
      const line = L.polyline(latlngs, cross.style(props,
        { color: style.color, weight: style.weight, dashArray: style.dash || null, opacity: 0.85 }))
        .bindPopup(() => linkPopup(props, [byId.get(props.source), byId.get(props.target)]));
      cross.add(line, props);
      lines += 1;
    }
    cross.apply();
    element.dataset.markers = String(markers.length);
    element.dataset.links = String(lines);
    const notOnMap = data.meta.structures - data.meta.on_map;
    status.textContent = text.status.replace("{s}", markers.length).replace("{l}", lines)
      + (notOnMap ? ` — ${text.notOnMap.replace("{n}", notOnMap)}` : "");
    if (firstLoad && markers.length) {
      map.fitBounds(L.featureGroup(markers).getBounds(), { padding: [20, 20], maxZoom: 14 });
      firstLoad = false;
    }
    element.dataset.ready = "1";
  }

  async function load() {
    element.dataset.ready = "0";
    try {
      const response = await fetch(`${config.mapUrl}?${query()}`, { headers: { Accept: "application/json" } });
      const data = await response.json();
      if (!response.ok) throw new Error((data.error && data.error.message) || text.error);
      draw(data);
    } catch (error) {
      status.textContent = error.message || text.error;
    }
  }

  async function loadQpv() {
    try {
      const response = await fetch(config.qpvUrl);
      if (!response.ok) return;
      const data = await response.json();
      qpvLayer.addData(data);
      qpvLayer.bringToBack();
      cityLayer.bringToBack();
      element.dataset.qpv = String(data.features.length);
      if (firstLoad && data.features.length && !clusters.getLayers().length) map.fitBounds(qpvLayer.getBounds());
    } catch (error) { /* outlines are a bonus: the map works without them */ }
  }

  function cityLabel(props) {
    const [lon, lat] = props.label;
    return L.tooltip({ permanent: true, direction: "center", className: "city-label", interactive: false,
      weight: props.structures })
      .setLatLng([lat, lon]).setContent(textBox(props.name));
  }

  /** Names that would overlap at this zoom: the commune with more structures keeps its name, the other waits for
   *  a closer zoom (greedy, like map labels usually are). A name the map's edge would cut (a far-off commune on
   *  a 320 px phone) waits too, until a pan brings it inside. */
  function declutter() {
    const shown = [];
    const frame = element.getBoundingClientRect();
    const byWeight = cityNames.getLayers().sort((a, b) => b.options.weight - a.options.weight);
    for (const label of byWeight) {
      const node = label.getElement();
      if (!node) continue;
      node.style.visibility = "";
      const box = node.getBoundingClientRect();
      const cut = box.left < frame.left || box.right > frame.right || box.top < frame.top || box.bottom > frame.bottom;
      const hit = shown.some((o) => box.left < o.right && o.left < box.right && box.top < o.bottom && o.top < box.bottom);
      if (hit || cut) node.style.visibility = "hidden";
      else shown.push(box);
    }
  }

  async function loadCities() {
    try {
      const response = await fetch(config.citiesUrl);
      if (!response.ok) return;
      const data = await response.json();
      cityLayer.addData(data);
      cityLayer.bringToBack();
      for (const feature of data.features) cityNames.addLayer(cityLabel(feature.properties));
      element.dataset.cities = String(data.features.length);
      declutter();
    } catch (error) { /* the structures still show on the plain background */ }
  }

  function legend() {
    const kinds = document.querySelector(".legend-kinds");
    for (const key of config.kindOrder) {
      const label = config.options.kinds[key];
      const item = document.createElement("li");
      const dot = document.createElement("span");
      dot.className = "dot";
      dot.style.background = config.kindColors[key];
      item.append(dot, document.createTextNode(` ${label}`));
      kinds.append(item);
    }
    const levels = document.querySelector(".legend-levels");
    for (const key of config.levelOrder) {
      const label = config.options.levels[key];
      const style = config.levelStyles[key];
      const item = document.createElement("li");
      const line = document.createElement("span");
      line.className = "line";
      line.style.borderTop = `${style.weight}px ${style.dash ? "dashed" : "solid"} ${style.color}`;
      item.append(line, document.createTextNode(` ${label}`));
      levels.append(item);
    }
  }

  /** The layer "Pratiques essayées": a green ring on each structure where approved trials of published sheets
      happened (its own endpoint; the legend's checkbox shows or hides it). Titles and names go in as text. */
  async function trialsLayer() {
    if (!config.trialsUrl) return;
    const layer = L.layerGroup().addTo(map);
    const toggle = document.getElementById("trials-toggle");
    if (toggle) toggle.addEventListener("change", () => (toggle.checked ? layer.addTo(map) : layer.remove()));
    try {
      const response = await fetch(config.trialsUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const data = await response.json();
      for (const feature of data.features) {
        const [lon, lat] = feature.geometry.coordinates;
        const props = feature.properties;
        const box = document.createElement("div");
        const title = document.createElement("strong");
        title.textContent = props.name;
        const count = document.createElement("div");
        count.textContent = text.trialsHere.replace("{n}", props.count);
        const list = document.createElement("ul");
        for (const practice of props.practices) {
          const item = document.createElement("li");
          const link = document.createElement("a");
          link.href = config.practiceUrl.replace(/0$/, String(practice.id));
          link.textContent = practice.title;
          item.append(link);
          list.append(item);
        }
        box.append(title, count, list);
        L.circleMarker([lat, lon], { radius: 12, color: "#15803d", weight: 3, fill: false, className: "trial-ring" })
          .bindPopup(box).bindTooltip(textBox(`${props.name} — ${count.textContent}`)).addTo(layer);
      }
      element.dataset.trials = String(data.features.length);
    } catch (error) { /* a bonus layer: the map works without it */ }
  }

  /** Links joining a structure of one network to one of the other: drawn in their own colour, above the others,
      and the legend's box shows them alone. Kept apart from the rest of the map (other layers are added beside). */
  function crossNetworkLinks() {
    const only = document.getElementById("cross-only");
    let lines = [];
    const api = {
      reset() { lines = []; },
      style(props, base) {
        if (!props.cross) return base;
        return { ...base, color: config.crossStyle.color, weight: config.crossStyle.weight, dashArray: null, opacity: 1 };
      },
      add(line, props) { lines.push({ line, cross: Boolean(props.cross) }); },
      apply() {
        const alone = Boolean(only && only.checked);
        linkLayer.clearLayers();
        for (const { line, cross } of lines) if (cross || !alone) line.addTo(linkLayer);
        for (const { line, cross } of lines) if (cross) line.bringToFront();
        element.dataset.crossLinks = String(lines.filter((item) => item.cross).length);
        element.dataset.shownLinks = String(linkLayer.getLayers().length);
      },
    };
    if (only) {
      if (window.location.hash === "#liens-entre-reseaux") only.checked = true;
      only.addEventListener("change", () => api.apply());
    }
    return api;
  }

  /** Filters given in the address (/carte?network=2, as the department view links a network's structures). */
  function presetFilters() {
    for (const [key, value] of new URLSearchParams(window.location.search)) {
      const field = form.elements.namedItem(key);
      if (field && field.tagName === "SELECT" && [...field.options].some((o) => o.value === value)) field.value = value;
    }
  }

  presetFilters();
  map.on("zoomend moveend", declutter);
  form.addEventListener("change", load);
  form.addEventListener("reset", () => setTimeout(load, 0));
  legend();
  loadCities();
  loadQpv();
  load();
  trialsLayer();
  window.passerellesMap = map;
})();
