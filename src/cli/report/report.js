"use strict";
/* The program of rnnsearch's HTML report (src/html.h describes the data it reads). Builds the page with DOM
 * calls and textContent only: no text of the data is ever parsed as HTML. */
(function () {
  const VIRIDIS = [0x440154, 0x482878, 0x3e4989, 0x31688e, 0x26828e,
                   0x1f9e89, 0x35b779, 0x6ece58, 0xb5de2b, 0xfde725];
  const NEGATIVE = [0x21, 0x66, 0xac], MIDDLE = [0xf7, 0xf7, 0xf7], POSITIVE = [0xb2, 0x18, 0x2b];
  const FAINT = 0.1;
  const MAX_CELLS = 40000; /* a larger heatmap (a 200-token line) is not drawn: it would stall the page */
  const EAGER = 20; /* cards built before the page shows; the others as they come near the window */ /* a chip whose value is below this share of the scale keeps its plain background */

  const data = JSON.parse(document.getElementById("rs-data").textContent);
  const state = { method: data.methods.length ? data.methods[0].name : "", rowScale: false };
  const cards = [];

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function rgb(hex) { return [(hex >> 16) & 255, (hex >> 8) & 255, hex & 255]; }
  function mix(a, b, t) { return a.map((c, k) => Math.round(c + (b[k] - c) * t)); }

  /* viridis for 0..1 (as src/heatmap.c draws the SVG), a blue-white-red scale for -1..1 */
  function colour(x, signed) {
    if (Number.isNaN(x)) return [0x99, 0x99, 0x99];
    if (signed) {
      const v = Math.max(-1, Math.min(1, x));
      return v < 0 ? mix(MIDDLE, NEGATIVE, -v) : mix(MIDDLE, POSITIVE, v);
    }
    const position = Math.max(0, Math.min(1, x)) * 9, low = Math.floor(position);
    if (low >= 9) return rgb(VIRIDIS[9]);
    return mix(rgb(VIRIDIS[low]), rgb(VIRIDIS[low + 1]), position - low);
  }
  function css(c) { return "rgb(" + c.join(",") + ")"; }
  function ink(c) { return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2] < 140 ? "#ffffff" : "#222222"; }

  function methodOf(name) { return data.methods.find((m) => m.name === name); }

  function formatValue(value, method) {
    if (Number.isNaN(value)) return "n/a";
    const text = method.range === "unit" ? value.toFixed(3) : value.toPrecision(3);
    return text.replace(/^-/, "\u2212");
  }

  /* The decoded matrix of a method for a card: values, row maxima of |v| and the sentence's maximum. */
  function matrixOf(card, name) {
    if (card.decoded[name]) return card.decoded[name];
    const stored = card.s.matrices[name];
    if (!stored) return null;
    const rows = card.s.target.length, columns = card.s.source.length;
    const values = new Float64Array(rows * columns), rowMax = new Float64Array(rows);
    let max = 0;
    for (let t = 0; t < rows; t++) {
      for (let j = 0; j < columns; j++) {
        const v = stored.values[t * columns + j];
        const value = v === null ? NaN : v * stored.scales[t];
        values[t * columns + j] = value;
        if (Math.abs(value) > rowMax[t]) rowMax[t] = Math.abs(value);
      }
      max = Math.max(max, rowMax[t]);
    }
    card.decoded[name] = { values, rowMax, max };
    return card.decoded[name];
  }

  /* A cell's position on the colour scale (0..1, or -1..1 for signed methods) under the current settings. */
  function shade(matrix, method, t, j, columns) {
    const value = matrix.values[t * columns + j];
    let divisor = method.range === "unit" ? 1 : matrix.max;
    if (state.rowScale) divisor = matrix.rowMax[t];
    return divisor > 0 ? value / divisor : 0;
  }

  function paintChip(chip, x, signed) {
    if (Number.isNaN(x) || Math.abs(x) < FAINT) {
      chip.style.backgroundColor = "";
      chip.style.color = "";
      return;
    }
    const c = colour(x, signed);
    chip.style.backgroundColor = css(c);
    chip.style.color = ink(c);
  }

  function clearFocus(card) {
    for (const chip of card.sourceChips.concat(card.targetChips)) {
      chip.classList.remove("active");
      paintChip(chip, NaN, false);
    }
    for (const th of card.rowLabels.concat(card.columnLabels)) th.classList.remove("active");
    for (const cell of card.lit) cell.classList.remove("lit", "here");
    card.lit = [];
    card.readout.textContent = "Hover a word or a cell to see what it draws on.";
  }

  function light(card, t, j, here) {
    const cell = card.cells.length ? card.cells[t][j] : null; /* none when the map is too large to draw */
    if (!cell) return;
    cell.classList.add(here ? "here" : "lit");
    card.lit.push(cell);
  }

  /* The readout: a lead token, an arrow, then the strongest counterparts with their values. */
  function describe(card, lead, arrow, entries, method) {
    const readout = card.readout;
    readout.textContent = "";
    readout.appendChild(element("b", "", lead));
    readout.appendChild(document.createTextNode(" " + arrow + " "));
    entries.sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
    entries.slice(0, 3).forEach((entry, k) => {
      if (k) readout.appendChild(document.createTextNode(" \u00b7 "));
      readout.appendChild(element("b", "", entry.token));
      readout.appendChild(document.createTextNode(" " + formatValue(entry.value, method)));
    });
    readout.appendChild(document.createTextNode(" (" + method.label.toLowerCase() + ")"));
  }

  /* Starts a new focus on a token (its chip and label outlined): the current method and matrix. */
  function focus(card, chip, label) {
    clearFocus(card);
    chip.classList.add("active");
    if (label) label.classList.add("active");
    return { method: methodOf(state.method), matrix: matrixOf(card, state.method), columns: card.s.source.length };
  }

  /* Target token t: its row, and the source tokens coloured by their share of it. */
  function focusTarget(card, t, column) {
    const { method, matrix, columns } = focus(card, card.targetChips[t], card.rowLabels[t]);
    if (!matrix) return;
    const entries = [];
    for (let j = 0; j < columns; j++) {
      paintChip(card.sourceChips[j], shade(matrix, method, t, j, columns), method.range === "signed");
      light(card, t, j, j === column);
      entries.push({ token: card.s.source[j], value: matrix.values[t * columns + j] });
    }
    if (column === undefined) {
      describe(card, card.s.target[t], "\u2190", entries, method);
    } else {
      card.sourceChips[column].classList.add("active");
      if (card.columnLabels.length) card.columnLabels[column].classList.add("active");
      describe(card, card.s.target[t], "\u2190", [entries[column]], method);
    }
  }

  /* Source token j: its column, and the target tokens coloured by how much of each one's row it takes. */
  function focusSource(card, j) {
    const { method, matrix, columns } = focus(card, card.sourceChips[j], card.columnLabels[j]);
    if (!matrix) return;
    const entries = [];
    for (let t = 0; t < card.s.target.length; t++) {
      paintChip(card.targetChips[t], shade(matrix, method, t, j, columns), method.range === "signed");
      light(card, t, j, false);
      entries.push({ token: card.s.target[t], value: matrix.values[t * columns + j] });
    }
    describe(card, card.s.source[j], "\u2192", entries, method);
  }

  function hoverable(node, card, onEnter) {
    node.tabIndex = 0;
    node.addEventListener("mouseenter", onEnter);
    node.addEventListener("focus", onEnter);
    node.addEventListener("mouseleave", () => clearFocus(card));
    node.addEventListener("blur", () => clearFocus(card));
  }

  function chipRow(card, side, tokens, rtl, onEnter) {
    const row = element("div", "tokens");
    row.appendChild(element("span", "side", side));
    const chips = element("div", "chips");
    chips.dir = rtl ? "rtl" : "ltr";
    const list = tokens.map((token, k) => {
      const chip = element("span", "chip " + side, token);
      chip.dir = "auto"; /* each token its own direction: "</s>" stays itself in a right-to-left line */
      chip.dataset.index = String(k);
      hoverable(chip, card, () => onEnter(k));
      chips.appendChild(chip);
      return chip;
    });
    row.appendChild(chips);
    return { row, list };
  }

  /* Cells shrink from 22 to 11 pixels as sentences grow from 20 to 100 tokens (as the SVG heatmaps do). */
  function cellSize(tokens) {
    return tokens <= 20 ? 22 : tokens >= 100 ? 11 : 22 - ((tokens - 20) * 11) / 80;
  }

  function buildTable(card) {
    const s = card.s, table = element("table", "heatmap");
    table.style.setProperty("--cell", cellSize(Math.max(s.source.length, s.target.length)).toFixed(1) + "px");
    table.dir = s.source_rtl ? "rtl" : "ltr";
    const head = table.createTHead().insertRow();
    head.appendChild(element("th", "corner"));
    card.columnLabels = s.source.map((token, j) => {
      const th = element("th", "col");
      const label = element("span", "", token);
      label.dir = "auto";
      label.title = token;
      th.appendChild(label);
      hoverable(th, card, () => focusSource(card, j));
      head.appendChild(th);
      return th;
    });
    const body = table.createTBody();
    card.rowLabels = [];
    card.cells = s.target.map((token, t) => {
      const tr = body.insertRow();
      const th = element("th", "row", token);
      th.dir = "auto";
      th.title = token;
      hoverable(th, card, () => focusTarget(card, t));
      tr.appendChild(th);
      card.rowLabels.push(th);
      return s.source.map((unused, j) => {
        const td = tr.insertCell();
        td.className = "cell";
        return td;
      });
    });
    /* one listener for all cells: the row and column are the cell's place in the table */
    body.addEventListener("mouseover", (event) => {
      const td = event.target.closest("td.cell");
      if (td) focusTarget(card, td.parentNode.sectionRowIndex, td.cellIndex - 1);
    });
    body.addEventListener("mouseleave", () => clearFocus(card));
    return table;
  }

  function buildLegend(card) {
    card.legend = element("div", "legend");
    card.legendTitle = element("div", "title");
    card.legendBar = element("div", "bar");
    card.legendEnds = element("div", "ends");
    card.legend.append(card.legendTitle, card.legendBar, card.legendEnds);
    return card.legend;
  }

  function buildHead(s) {
    const head = element("div", "head");
    head.appendChild(element("span", "id", "line " + s.id));
    if (s.rank !== undefined) head.appendChild(element("span", "rank", "hypothesis " + s.rank));
    if (s.score !== null && s.target.length)
      head.appendChild(element("span", "score", "log-probability " + s.score.toFixed(3).replace(/^-/, "\u2212")));
    return head;
  }

  function buildCard(s) {
    const card = { s, decoded: {}, lit: [], sourceChips: [], targetChips: [], rowLabels: [], columnLabels: [],
                   cells: [] };
    const section = element("section", "sentence");
    section.id = s.rank === undefined ? "line-" + s.id : "line-" + s.id + "-" + s.rank;
    section.appendChild(buildHead(s));
    const translation = element("p", "translation", s.translation);
    translation.dir = s.target_rtl ? "rtl" : "auto";
    const source = element("p", "source-text", s.source_text);
    source.dir = s.source_rtl ? "rtl" : "auto";
    section.append(translation, source);
    card.section = section;
    if (!s.source.length) {
      section.appendChild(element("p", "empty", "No words on this line: nothing was translated."));
      return card;
    }
    /* The tokens and the heatmap are built when the card comes near the window (see below): a report of
     * thousands of sentences opens at once. Until then a placeholder of about their height keeps the page's. */
    card.placeholder = element("div", "placeholder");
    const size = Math.max(s.source.length, s.target.length);
    const rows = s.source.length * s.target.length <= MAX_CELLS ? s.target.length : 2;
    card.placeholder.style.height = Math.round(150 + rows * cellSize(size)) + "px";
    section.appendChild(card.placeholder);
    return card;
  }

  function buildBody(card) {
    const s = card.s, section = card.section;
    const sourceRow = chipRow(card, "source", s.source, s.source_rtl, (j) => focusSource(card, j));
    const targetRow = chipRow(card, "target", s.target, s.target_rtl, (t) => focusTarget(card, t));
    card.sourceChips = sourceRow.list;
    card.targetChips = targetRow.list;
    card.readout = element("div", "readout");
    card.missing = element("p", "empty");
    const map = element("div", "map");
    const cells = s.source.length * s.target.length;
    card.table = cells <= MAX_CELLS ? buildTable(card)
      : element("p", "empty", s.target.length + " \u00d7 " + s.source.length + " cells are too many to draw: " +
                "hover the tokens above to see the weights.");
    map.append(card.table, buildLegend(card));
    card.placeholder.replaceWith(sourceRow.row, targetRow.row, card.readout, card.missing, map);
    card.map = map;
    section.dataset.built = "true";
    paintCard(card);
  }

  /* Colours every cell and the legend of a card for the current method and scale. */
  function paintCard(card) {
    if (!card.map) return;
    const method = methodOf(state.method), matrix = matrixOf(card, state.method);
    card.map.hidden = !matrix;
    card.missing.hidden = !!matrix;
    card.missing.textContent = matrix ? "" : "No " + method.label.toLowerCase() + " for this sentence.";
    clearFocus(card);
    if (!matrix) return;
    const columns = card.s.source.length, signed = method.range === "signed";
    card.table.classList.toggle("signed", signed);
    card.cells.forEach((row, t) => row.forEach((td, j) => {
      td.style.backgroundColor = css(colour(shade(matrix, method, t, j, columns), signed));
    }));
    const stops = [];
    for (let k = 0; k <= 10; k++) stops.push(css(colour(signed ? k / 5 - 1 : k / 10, signed)));
    card.legendBar.style.backgroundImage = "linear-gradient(to right, " + stops.join(", ") + ")";
    let high = method.range === "unit" ? "1" : formatValue(matrix.max, method);
    if (state.rowScale) high = "row max";
    card.legendTitle.textContent = method.label + (state.rowScale ? ", each row to its maximum" : "");
    card.legendEnds.textContent = "";
    const ends = signed ? ["\u2212" + high, "0", "+" + high] : ["0", high];
    for (const text of ends) card.legendEnds.appendChild(element("span", "", text));
  }

  function buildBar() {
    const bar = element("header", "bar");
    bar.appendChild(element("h1", "", "rnnsearch report"));
    const lines = new Set(data.sentences.map((s) => s.id)).size, count = data.sentences.length;
    let summary = lines + (lines === 1 ? " line" : " lines");
    if (count !== lines) summary += ", " + count + " hypotheses";
    bar.appendChild(element("span", "count", summary));
    const methods = element("div", "methods");
    methods.setAttribute("role", "group");
    methods.setAttribute("aria-label", "Method");
    const about = element("p", "about");
    const buttons = data.methods.map((method) => {
      const button = element("button", "", method.label);
      button.type = "button";
      button.dataset.method = method.name;
      button.disabled = data.methods.length === 1;
      button.addEventListener("click", () => select(method.name));
      methods.appendChild(button);
      return button;
    });
    const toggle = element("input");
    toggle.type = "checkbox";
    toggle.id = "row-scale";
    toggle.addEventListener("change", () => { state.rowScale = toggle.checked; cards.forEach(paintCard); });
    const label = element("label");
    label.append(toggle, document.createTextNode(" Scale each row to its maximum"));
    bar.append(methods, label, about);
    function select(name) {
      state.method = name;
      for (const button of buttons) button.setAttribute("aria-pressed", String(button.dataset.method === name));
      about.textContent = methodOf(name).about;
      cards.forEach(paintCard);
    }
    return { bar, select };
  }

  const bar = buildBar();
  const main = element("main");
  const near = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      near.unobserve(entry.target);
      buildBody(cards[Number(entry.target.dataset.card)]);
    }
  }, { rootMargin: "1200px 0px" });
  for (const s of data.sentences) {
    const card = buildCard(s);
    card.section.dataset.card = String(cards.length);
    cards.push(card);
    main.appendChild(card.section);
    if (card.placeholder && cards.length <= EAGER) buildBody(card);
    else if (card.placeholder) near.observe(card.section);
  }
  document.body.append(bar.bar, main);
  if (state.method) bar.select(state.method);
  document.body.dataset.ready = "true";
})();
