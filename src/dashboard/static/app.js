// @ts-check
/* global window, document, ResizeObserver, Node, fetch, setTimeout */
// The dashboard page: polls /api/snapshot every 2 s and renders it. No framework, no build:
// plain JavaScript that `npm run typecheck` checks (`// @ts-check`, allowJs in tsconfig.json)
// against the API's own types in ../snapshot.ts.
// Data is only ever put into the page as text (textContent), never as HTML.
// Every collection the page keeps is bounded: it holds the last snapshot's rows, no history.
import {
  fmtAgo,
  fmtDate,
  fmtDateTime,
  fmtInt,
  fmtMoney,
  fmtMoneyShort,
  fmtRate,
  fmtClock,
  fmtSeconds,
  fmtTime,
} from './format.js';
import { DAY_INCRS, DAY_S, dailySeries, INTEGER_INCRS } from './series.js';

/**
 * @typedef {import('../snapshot.ts').Snapshot} Snapshot
 * @typedef {import('../snapshot.ts').Kpis} Kpis
 * @typedef {import('../snapshot.ts').Health} Health
 * @typedef {import('../snapshot.ts').Timeseries} Timeseries
 * @typedef {import('../snapshot.ts').CategorySales} CategorySales
 * @typedef {import('../snapshot.ts').SupplierMargin} SupplierMargin
 * @typedef {import('../snapshot.ts').Funnel} Funnel
 * @typedef {import('../snapshot.ts').Returns} Returns
 * @typedef {import('../snapshot.ts').SupplierDelivery} SupplierDelivery
 * @typedef {import('../snapshot.ts').Stock} Stock
 * @typedef {import('../snapshot.ts').ProductRank} ProductRank
 * @typedef {import('../snapshot.ts').RecentOrder} RecentOrder
 * @typedef {{ error?: string; hint?: string; empty?: boolean }} ErrorBody
 * @typedef {import('uplot')} UPlot
 * @typedef {import('uplot').Options} ChartOptions
 * @typedef {import('uplot').AlignedData} ChartData
 */

// uPlot's minified build is a classic script (loaded before this module) that sets window.uPlot.
const uPlot = /** @type {typeof import('uplot')} */ (
  /** @type {{ uPlot?: unknown }} */ (/** @type {unknown} */ (window)).uPlot
);
const REFRESH_MS = 2000;
/** Shown where the API has no figure (yet). */
const ABSENT = '—';

/** @param {string} id */
function $(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no element #${id}`);
  return node;
}

/**
 * Creates an element: el('div', 'class names', 'text' | [children]).
 * @param {string} tag
 * @param {string} [className]
 * @param {string | number | null | (Node | string | null | undefined | false)[]} [content]
 */
function el(tag, className, content) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (Array.isArray(content))
    node.append(
      .../** @type {(Node | string)[]} */ (
        content.filter((c) => c !== null && c !== undefined && c !== false)
      ),
    );
  else if (content !== undefined && content !== null) node.textContent = String(content);
  return node;
}

/**
 * Text where `backticked` parts become <code> (still text only, never parsed as HTML).
 * @param {string} text
 * @returns {Node[]}
 */
function rich(text) {
  return String(text)
    .split('`')
    .map((part, i) => (i % 2 === 1 ? el('code', '', part) : document.createTextNode(part)));
}

/**
 * @param {string} id
 * @param {string} text
 * @param {number} [value] the figure behind the text, kept in data-value for tests and tools
 */
function setText(id, text, value) {
  const node = $(id);
  if (node.textContent !== text) {
    if (node.textContent !== '–') {
      node.classList.remove('bump');
      void (/** @type {HTMLElement} */ (node).offsetWidth); // restart the highlight animation
      node.classList.add('bump');
    }
    node.textContent = text;
  }
  if (value !== undefined) node.dataset.value = String(value);
}

/**
 * @param {'live' | 'empty' | 'outage'} state
 * @param {string} statusText
 */
function setState(state, statusText) {
  document.body.dataset.state = state;
  $('status-text').textContent = statusText;
}

// ---- charts ---------------------------------------------------------------------------

const AXIS = {
  stroke: '#64748b',
  grid: { stroke: '#eef2f7', width: 1 },
  ticks: { stroke: '#e2e8f0', width: 1, size: 4 },
  font: '11px system-ui, sans-serif',
};
/** The page's two charts, made on the first snapshot with data. */
const charts = {
  /** @type {UPlot | null} */ daily: null,
  /** @type {UPlot | null} */ rate: null,
};

/**
 * @param {string} id
 * @param {Omit<ChartOptions, 'width' | 'height'>} options
 * @param {ChartData} data
 */
function makeChart(id, options, data) {
  const box = $(id);
  const chart = new uPlot(
    { ...options, width: Math.max(200, box.clientWidth), height: box.clientHeight || 240 },
    data,
    box,
  );
  new ResizeObserver(() =>
    chart.setSize({ width: Math.max(200, box.clientWidth), height: box.clientHeight || 240 }),
  ).observe(box);
  return chart;
}

/** uPlot's bar paths (its full build has them; the typings call them optional). */
const bars = /** @type {NonNullable<typeof uPlot.paths.bars>} */ (uPlot.paths.bars);

/** @param {ChartData} data */
function dailyChart(data) {
  const readout = $('daily-readout');
  return makeChart(
    'chart-daily',
    {
      padding: [10, 6, 0, 6],
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 7 } },
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      scales: {
        // Half a day either side, so the first and last days' bars are drawn whole.
        x: {
          time: true,
          range: (_u, min, max) => [min - DAY_S / 2, max + DAY_S / 2],
        },
        orders: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] },
        revenue: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] },
      },
      axes: [
        // Ticks on whole days only: one point is a day, an hour tick would mean nothing.
        { ...AXIS, grid: { show: false }, incrs: DAY_INCRS },
        {
          ...AXIS,
          scale: 'orders',
          size: 48,
          incrs: INTEGER_INCRS,
          values: (u, vals) => {
            // The ticks drawn, for tools and the browser test (the canvas has no text to read).
            u.root.parentElement?.setAttribute('data-order-ticks', vals.join(' '));
            return vals.map((v) => fmtInt(v));
          },
        },
        {
          ...AXIS,
          scale: 'revenue',
          side: 1,
          size: 64,
          grid: { show: false },
          values: (_u, vals) => vals.map((v) => fmtMoneyShort(v)),
        },
      ],
      series: [
        {},
        {
          label: 'Orders',
          scale: 'orders',
          fill: 'rgba(79, 70, 229, 0.30)',
          stroke: 'rgba(79, 70, 229, 0.55)',
          width: 1,
          paths: bars({ size: [0.85, 24] }),
          points: { show: false },
        },
        {
          label: 'Revenue',
          scale: 'revenue',
          stroke: '#0d9488',
          width: 2,
          points: { show: false },
        },
      ],
      hooks: {
        setCursor: [
          (u) => {
            const i = u.cursor.idx;
            const day = i === null || i === undefined ? undefined : u.data[0][i];
            readout.textContent =
              i === null || i === undefined || day === undefined
                ? ''
                : ` · ${fmtDate(new Date(day * 1000).toISOString())}: ${fmtInt(u.data[1]?.[i] ?? 0)} orders, ${fmtMoney(u.data[2]?.[i] ?? 0)}`;
          },
        ],
      },
    },
    data,
  );
}

/** @param {ChartData} data */
function rateChart(data) {
  return makeChart(
    'chart-rate',
    {
      // Room on the right for the last time label, which uPlot centres on its tick.
      padding: [10, 28, 0, 6],
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: {
        // Always show the whole window (5 min live, 1 h from the warehouse), filling from the right.
        x: {
          time: true,
          range: (_u, min, max) => [Math.min(min ?? max, max - rateWindowSeconds), max],
        },
        y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.15] },
      },
      axes: [
        {
          ...AXIS,
          grid: { show: false },
          space: 70,
          values: (_u, vals) => vals.map((v) => fmtClock(new Date(v * 1000))),
        },
        { ...AXIS, size: 52, values: (_u, vals) => vals.map((v) => fmtRate(v)) },
      ],
      series: [
        {},
        {
          label: 'events/s',
          stroke: '#0ea5e9',
          width: 2,
          fill: 'rgba(14, 165, 233, 0.14)',
          points: { show: false },
        },
      ],
    },
    data,
  );
}

let rateWindowSeconds = 300;

/** @param {Timeseries} timeseries */
function renderCharts(timeseries) {
  rateWindowSeconds = timeseries.ingest_rate.source === 'live' ? 300 : 3600;
  const daily = dailySeries(timeseries.daily);
  const points = timeseries.ingest_rate.points;
  /** @type {ChartData} */
  const rate = [points.map((p) => Date.parse(p.t) / 1000), points.map((p) => p.rate)];
  if (!charts.daily) charts.daily = dailyChart(daily);
  else charts.daily.setData(daily);
  $('chart-daily').dataset.days = String(daily[0].length);
  if (!charts.rate) charts.rate = rateChart(rate);
  else charts.rate.setData(rate);
  const last = points.at(-1);
  $('rate-caption').textContent =
    (timeseries.ingest_rate.source === 'live'
      ? 'events/s into RAW, last 5 min'
      : 'events/s into RAW, per minute, last hour') +
    (last ? ` · now ${fmtRate(last.rate)}/s` : '');
}

// ---- lists ----------------------------------------------------------------------------

/** @param {string} text */
function placeholder(text) {
  return el('li', 'placeholder', text);
}

/** @param {CategorySales[]} categories */
function renderCategories(categories) {
  const max = Math.max(1, ...categories.map((c) => c.revenue));
  const total = categories.reduce((sum, c) => sum + c.revenue, 0) || 1;
  $('categories').replaceChildren(
    ...(categories.length === 0
      ? [placeholder('No sales yet')]
      : categories.map((c) => {
          const fill = el('div', 'bar-fill');
          fill.style.width = `${(100 * c.revenue) / max}%`;
          return el('li', 'bar-row', [
            el('span', 'bar-label', [
              c.category,
              el(
                'span',
                'bar-meta',
                `${fmtInt(c.orders)} orders · ${Math.round((100 * c.revenue) / total)} %`,
              ),
            ]),
            el('span', 'bar-value', fmtMoney(c.revenue)),
            el('div', 'bar-track', [fill]),
          ]);
        })),
  );
}

/** @param {number | null} rate 0.42 → "42.0 %" */
const fmtPercent = (rate) => (rate === null ? ABSENT : `${fmtRate(rate * 100)} %`);

/** @param {SupplierMargin[]} suppliers */
function renderSuppliers(suppliers) {
  const max = Math.max(1, ...suppliers.map((s) => Math.abs(s.gross_margin)));
  $('suppliers').replaceChildren(
    ...(suppliers.length === 0
      ? [placeholder('No sales with known supplier costs yet')]
      : suppliers.map((s) => {
          const fill = el('div', 'bar-fill');
          fill.style.width = `${(100 * Math.abs(s.gross_margin)) / max}%`;
          return el('li', 'bar-row', [
            el('span', 'bar-label', [
              `${s.supplier_name ?? s.supplier_id} (${s.supplier_country ?? 'unknown country'})`,
              el(
                'span',
                'bar-meta',
                `${fmtInt(s.orders)} orders · revenue ${fmtMoney(s.revenue)} · margin ${fmtPercent(s.margin_rate)}`,
              ),
            ]),
            el('span', 'bar-value', fmtMoney(s.gross_margin)),
            el('div', 'bar-track', [fill]),
          ]);
        })),
  );
}

/** The order funnel: each step's orders as a share of all created. @param {Funnel} f */
function renderFunnel(f) {
  /** @type {[string, number][]} */
  const steps = [
    ['created', f.created],
    ['paid', f.paid],
    ['shipped', f.shipped],
    ['delivered', f.delivered],
    ['cancelled', f.cancelled],
    ['returned', f.returned],
  ];
  const all = Math.max(1, f.created);
  $('funnel').replaceChildren(
    ...steps.map(([name, n]) => {
      const fill = el('div', 'bar-fill');
      fill.style.width = `${(100 * n) / all}%`;
      return el('li', 'bar-row', [
        el('span', 'bar-label', [
          name,
          el('span', 'bar-meta', `${fmtRate((100 * n) / all)} % of orders`),
        ]),
        el('span', 'bar-value', fmtInt(n)),
        el('div', 'bar-track', [fill]),
      ]);
    }),
  );
  $('funnel-caption').textContent =
    `orders that reached each step · return rate ${fmtPercent(f.return_rate)} of delivered · revenue net of cancellations and returns ${fmtMoney(f.net_revenue)}`;
}

/**
 * One bar: a label with its details, the figure, and a fill of `fraction` (0–1) of the track.
 * @param {string} label
 * @param {string} meta
 * @param {string} value
 * @param {number} fraction
 */
function barRow(label, meta, value, fraction) {
  const fill = el('div', 'bar-fill');
  fill.style.width = `${Math.max(0, Math.min(1, fraction)) * 100}%`;
  return el('li', 'bar-row', [
    el('span', 'bar-label', [label, el('span', 'bar-meta', meta)]),
    el('span', 'bar-value', value),
    el('div', 'bar-track', [fill]),
  ]);
}

/** Return rates by category and by reason. @param {Returns} r */
function renderReturns(r) {
  const maxRate = Math.max(0.0001, ...r.by_category.map((c) => c.return_rate));
  $('returns-category').replaceChildren(
    ...(r.by_category.length === 0
      ? [placeholder('No delivered orders yet')]
      : r.by_category.map((c) =>
          barRow(
            c.category,
            `${fmtInt(c.returned)} of ${fmtInt(c.delivered)} delivered · ${fmtMoney(c.returned_revenue)} returned`,
            fmtPercent(c.return_rate),
            c.return_rate / maxRate,
          ),
        )),
  );
  $('returns-reason').replaceChildren(
    ...(r.by_reason.length === 0
      ? [placeholder('No returns yet')]
      : r.by_reason.map((x) =>
          barRow(
            x.reason.replaceAll('_', ' '),
            `${fmtInt(x.returned)} returns · ${fmtPercent(x.return_rate)} of delivered orders`,
            fmtPercent(x.share_of_returns),
            x.share_of_returns,
          ),
        )),
  );
}

/** @param {number} d days → "12.4 d" */
const fmtDays = (d) => `${fmtRate(d)} d`;

/** Delivery time by supplier: the bar is the p90, the figure the median. @param {SupplierDelivery[]} suppliers */
function renderDelivery(suppliers) {
  const max = Math.max(1, ...suppliers.map((s) => s.p90_days));
  $('delivery').replaceChildren(
    ...(suppliers.length === 0
      ? [placeholder('No delivered orders yet')]
      : suppliers.map((s) =>
          barRow(
            `${s.supplier_name ?? s.supplier_id} (${s.supplier_country ?? 'unknown country'})`,
            `${fmtInt(s.delivered)} delivered · p90 ${fmtDays(s.p90_days)} · carrier median ${fmtDays(s.median_transit_days)}` +
              (s.typical_days === null ? '' : ` · typical ${fmtInt(s.typical_days)} d`),
            `${fmtDays(s.median_days)} · ${fmtDays(s.p90_days)}`,
            s.p90_days / max,
          ),
        )),
  );
}

/** Stock-outs, low stock and the products to reorder. @param {Stock} st */
function renderStock(st) {
  $('stock-caption').textContent =
    `PROD inventory · low stock = 1 to ${fmtInt(st.low_stock_threshold)} units left`;
  $('stock-tiles').replaceChildren(
    tile(
      'Out of stock',
      fmtInt(st.out_of_stock),
      `products with no unit left, of ${fmtInt(st.products)}`,
      st.out_of_stock === 0 ? 'ok' : 'bad',
    ),
    tile(
      'Low stock',
      fmtInt(st.low_stock),
      `products with 1 to ${fmtInt(st.low_stock_threshold)} units`,
      st.low_stock === 0 ? 'ok' : 'warn',
    ),
    tile('Units in stock', fmtInt(st.units), 'over all products'),
  );
  $('stock-lowest').replaceChildren(
    ...(st.lowest.length === 0
      ? [
          el('tr', '', [
            Object.assign(el('td', 'placeholder', 'No product is low on stock'), { colSpan: 4 }),
          ]),
        ]
      : st.lowest.map((p) =>
          el('tr', p.stock_quantity <= 0 ? 'stock-out' : '', [
            el('td', '', [
              el('span', '', p.product_name ?? p.product_id),
              el('span', 'cell-sub', `${p.product_id} · ${p.category ?? ''}`),
            ]),
            el('td', '', p.supplier_name ?? ABSENT),
            el('td', 'num', fmtInt(p.stock_quantity)),
            el('td', 'num', fmtInt(p.units_sold)),
          ]),
        )),
  );
}

/** The margin cards; "unknown" when no order has known costs (an inventory without them). */
/** @param {Kpis} k */
function renderMargin(k) {
  const unknown = k.gross_margin === null;
  setText(
    'kpi-gross-margin',
    unknown ? ABSENT : fmtMoney(k.gross_margin ?? 0),
    k.gross_margin ?? undefined,
  );
  setText('kpi-margin-rate', fmtPercent(k.margin_rate), k.margin_rate ?? undefined);
  const cost = unknown ? null : (k.supplier_cost ?? 0) + (k.shipping_cost ?? 0);
  setText('kpi-cost-of-sales', cost === null ? ABSENT : fmtMoney(cost), cost ?? undefined);
  const left = k.orders_without_cost
    ? ` · ${fmtInt(k.orders_without_cost)} orders without known cost not counted`
    : '';
  $('kpi-gross-margin-sub').textContent = unknown
    ? k.total_orders
      ? 'unknown: the inventory has no supplier costs (loaded from a file without them)'
      : 'revenue − supplier cost − shipping'
    : `revenue − supplier cost − shipping${left}`;
  $('kpi-margin-rate-sub').textContent = `gross margin ÷ revenue${left}`;
  setText(
    'kpi-net-margin',
    unknown || k.net_margin === null ? ABSENT : fmtMoney(k.net_margin),
    k.net_margin ?? undefined,
  );
  // The rate is over the kept orders' revenue, not all revenue (domain/margin.ts).
  $('kpi-net-margin-sub').textContent =
    k.net_margin_rate === null
      ? 'after cancellations and returns (their shipping lost)'
      : `${fmtPercent(k.net_margin_rate)} of kept revenue · after cancellations and returns (their shipping lost)${left}`;
  $('kpi-cost-of-sales-sub').textContent = unknown
    ? 'supplier cost + shipping, per unit sold'
    : `supplier ${fmtMoney(k.supplier_cost ?? 0)} · shipping ${fmtMoney(k.shipping_cost ?? 0)}`;
}

/**
 * @param {string} id
 * @param {ProductRank[]} products
 * @param {(p: ProductRank) => string} value
 */
function renderRanking(id, products, value) {
  $(id).replaceChildren(
    ...(products.length === 0
      ? [placeholder('No sales yet')]
      : products.map((p, i) =>
          el('li', 'rank', [
            el('span', 'rank-n', i + 1),
            el('span', 'rank-name', p.product_name ?? p.product_id),
            el('span', 'rank-value', value(p)),
            el(
              'span',
              'rank-meta',
              `${p.category ?? 'unknown category'} · ${p.product_id} · ${fmtInt(p.orders)} orders`,
            ),
          ]),
        )),
  );
}

/** Ids of the orders shown by the previous refresh (at most 20): new rows are highlighted. */
let shownOrders = /** @type {Set<string> | null} */ (null);
/** @param {RecentOrder[]} orders */
function renderRecent(orders) {
  const previous = shownOrders;
  $('recent').replaceChildren(
    ...orders.map((o) => {
      const row = el('tr', previous && !previous.has(o.id) ? 'fresh' : '', [
        el('td', 'id', o.id),
        el('td', '', [
          el('span', '', o.product_name ?? o.product_id),
          el('span', 'cell-sub', o.category ?? ''),
        ]),
        el('td', '', [
          el('span', '', o.customer_name ?? o.customer_id),
          el('span', 'cell-sub', [o.city, o.country].filter(Boolean).join(', ')),
        ]),
        el('td', 'num', fmtInt(o.quantity)),
        el('td', 'num', fmtMoney(o.amount)),
        el('td', '', fmtDateTime(o.sold_at)),
        el('td', '', fmtAgo(o.ingested_at)),
      ]);
      return row;
    }),
  );
  shownOrders = new Set(orders.map((o) => o.id));
}

// ---- health ---------------------------------------------------------------------------

/**
 * @param {string} title
 * @param {string | Node} value
 * @param {string} [sub]
 * @param {string} [tone]
 * @param {Node | null} [extra]
 */
function tile(title, value, sub, tone, extra) {
  return el('div', `tile ${tone ?? ''}`, [
    el('h3', '', title),
    value instanceof Node ? value : el('div', 'tile-value', value),
    sub ? el('div', 'tile-sub', rich(sub)) : null,
    extra ?? null,
  ]);
}

/**
 * @param {string} text
 * @param {string} tone
 */
function pill(text, tone) {
  return el('span', `pill ${tone}`, text);
}

/** @type {Record<string, string | undefined>} */
const STATE_TONE = {
  SUCCEEDED: 'ok',
  PASS: 'ok',
  FAILED: 'bad',
  FAIL: 'bad',
  WARN: 'warn',
};

/** @param {Health} h */
function renderHealth(h) {
  const run = h.last_task_run;
  const runs = h.task_runs;
  const runCounts = `${fmtInt(runs.SUCCEEDED ?? 0)} succeeded · ${fmtInt(runs.FAILED ?? 0)} failed · ${fmtInt(runs.SKIPPED ?? 0)} skipped`;
  const runTile = run
    ? tile(
        'Last task run',
        el('div', 'tile-value', [pill(run.state, STATE_TONE[run.state] ?? 'neutral')]),
        // Snowflake's TASK_HISTORY records no row counts (null): only the run is shown then.
        `#${run.runId} · ${run.trigger} · ${fmtAgo(run.completedTime ?? run.scheduledTime)}` +
          (run.rowsInserted === null || run.rowsUpdated === null
            ? ''
            : ` · ${fmtInt(run.rowsInserted)} inserted, ${fmtInt(run.rowsUpdated)} updated`),
        run.state === 'FAILED' ? 'bad' : run.state === 'SUCCEEDED' ? 'ok' : '',
        el('div', 'tile-sub', run.errorMessage ? `error: ${run.errorMessage}` : runCounts),
      )
    : tile('Last task run', '–', 'the task has not run yet', '', el('div', 'tile-sub', runCounts));

  const dl = h.dead_letters;
  const reasons = el(
    'ul',
    '',
    dl.top_reasons.map((r) =>
      el('li', '', [el('span', '', `${r.reason} (${r.stage})`), el('span', '', fmtInt(r.count))]),
    ),
  );
  const fresh = h.freshness;
  const v = h.validation;

  $('health').replaceChildren(
    tile('RAW rows', fmtInt(h.raw_rows), 'events stored in orders_events'),
    tile('PROD orders', fmtInt(h.prod_orders), 'orders merged into orders'),
    tile(
      'Backlog',
      fmtInt(h.backlog),
      h.backlog === 0 ? 'RAW is fully merged' : 'RAW rows waiting for the next task run',
      h.backlog === 0 ? 'ok' : '',
    ),
    tile(
      'Consumer lag',
      h.consumer_lag === null ? 'n/a' : fmtInt(h.consumer_lag),
      h.consumer_lag === null
        ? 'not known here: the in-process bus lives inside `dropship run`; with Kafka set, `dropship monitor` reads it from the broker'
        : 'records on the bus not yet ingested',
    ),
    runTile,
    tile(
      'Dead letters',
      fmtInt(dl.total),
      dl.total === 0 ? 'no rejected events' : 'rejected events kept in orders_quarantine',
      dl.total === 0 ? 'ok' : 'warn',
      dl.total ? reasons : null,
    ),
    tile(
      'Data freshness',
      fresh.age_seconds === null ? '–' : fmtSeconds(fresh.age_seconds),
      fresh.last_ingested_at
        ? `newest RAW row ${fmtDateTime(fresh.last_ingested_at)}${fresh.stale ? ` · older than ${fmtSeconds(fresh.threshold_seconds)}` : ''}`
        : 'nothing ingested yet',
      fresh.age_seconds === null ? '' : fresh.stale ? 'warn' : 'ok',
    ),
    v
      ? tile(
          'Last validation',
          el('div', 'tile-value', [pill(v.status, STATE_TONE[v.status] ?? 'neutral')]),
          `${v.generated_at ? fmtAgo(v.generated_at) : ''} · ${v.file}`,
          STATE_TONE[v.status] ?? '',
        )
      : tile(
          'Last validation',
          el('div', 'tile-value', [pill('NOT RUN', 'neutral')]),
          "no report of this warehouse's current data set: run `npx dropship validate`",
        ),
  );
}

// ---- refresh loop ---------------------------------------------------------------------

/** @type {Date | null} */
let lastGood = null;

/**
 * An optional count: the figure, or "—" while the API does not send it.
 * @param {number | undefined} n
 */
const optionalInt = (n) => (n === undefined || n === null ? ABSENT : fmtInt(n));

/** @param {Snapshot} s */
function render(s) {
  const k = s.kpis;
  const h = s.health;
  $('warehouse-name').textContent = h.warehouse;
  const empty = k.total_orders === 0 && h.raw_rows === 0;
  $('empty').hidden = !empty;
  if (empty) {
    $('empty-title').textContent = 'Waiting for the first orders';
    $('empty-text').replaceChildren(
      ...rich(
        'Nothing has reached the warehouse yet. Start the pipeline with `npm start` (or `npx dropship run`) and this page fills in by itself within a few seconds.',
      ),
    );
  }

  setText('kpi-total-orders', fmtInt(k.total_orders), k.total_orders);
  setText('kpi-total-revenue', fmtMoney(k.total_revenue), k.total_revenue);
  setText('kpi-orders-24h', fmtInt(k.orders_last_24h), k.orders_last_24h);
  setText(
    'kpi-orders-24h-sale',
    fmtInt(k.orders_last_24h_by_sale_time),
    k.orders_last_24h_by_sale_time,
  );
  setText('kpi-buyers', optionalInt(k.buyers), k.buyers);
  setText('kpi-products-sold', optionalInt(k.products_sold), k.products_sold);
  $('kpi-total-orders-sub').textContent = k.first_sale_at
    ? `merged into PROD · sold since ${fmtDate(k.first_sale_at)}`
    : 'merged into PROD';
  $('kpi-buyers-sub').textContent =
    `customers who ordered, of ${fmtInt(k.customers)} in the customer table`;
  $('kpi-products-sold-sub').textContent =
    `products ordered at least once, of ${fmtInt(k.products)} in the catalogue`;
  $('kpi-total-revenue-sub').textContent = k.total_orders
    ? `average order ${fmtMoney(k.average_order_value)}`
    : 'quantity × unit price';
  $('kpi-orders-24h-sub').textContent =
    `by ingestion time (when the pipeline got them) · ${fmtMoney(k.revenue_last_24h)}`;
  $('kpi-orders-24h-sale-sub').textContent =
    `by sale time (when customers ordered) · latest sale ${k.last_sale_at ? fmtDate(k.last_sale_at) : '–'}`;

  renderMargin(k);
  renderHealth(h);
  if (!empty) {
    renderFunnel(s.funnel);
    renderReturns(s.returns);
    renderDelivery(s.delivery);
    renderStock(s.stock);
    renderSuppliers(s.suppliers);
    renderCharts(s.timeseries);
    renderCategories(s.categories);
    renderRanking('top-volume', s.top_products.by_volume, (p) => `${fmtInt(p.units)} units`);
    renderRanking('top-revenue', s.top_products.by_revenue, (p) => fmtMoney(p.revenue));
    renderRecent(s.recent_orders);
  }
  $('banner').hidden = true;
  setState(empty ? 'empty' : 'live', `Live · updated ${fmtTime(new Date())}`);
}

/** @param {ErrorBody} body */
function showNotSetUp(body) {
  $('banner').hidden = true;
  $('empty').hidden = false;
  $('empty-title').textContent = 'The warehouse is not set up yet';
  $('warehouse-name').textContent = 'warehouse not set up';
  $('health').replaceChildren(
    el('p', 'placeholder', 'Health figures appear once the warehouse objects exist.'),
  );
  $('empty-text').replaceChildren(
    ...rich(
      `${String(body.error).replace(/[.!\s]+$/, '')}. ${body.hint ? `Fix: ${body.hint}.` : ''} This page fills in by itself once data arrives.`,
    ),
  );
  setState('empty', `Waiting · checked ${fmtTime(new Date())}`);
}

/** @type {Date | null} */
let outageSince = null;
/**
 * @param {string} message
 * @param {boolean} serverDown
 */
function showOutage(message, serverDown) {
  outageSince ??= new Date();
  $('banner-title').textContent = serverDown
    ? 'Dashboard server unreachable'
    : 'Warehouse unavailable';
  $('banner-text').textContent = message;
  $('banner-retry').textContent = lastGood
    ? `Retrying every ${REFRESH_MS / 1000} s; the numbers below are from ${fmtTime(lastGood)}.`
    : `Retrying every ${REFRESH_MS / 1000} s.`;
  $('banner').hidden = false;
  setState('outage', `Unavailable since ${fmtTime(outageSince)}`);
}

async function refresh() {
  /** @type {Response} */
  let response;
  /** @type {unknown} */
  let body;
  try {
    response = await fetch('/api/snapshot', {
      cache: 'no-store',
      headers: { Accept: 'application/json' },
    });
    body = await response.json().catch(() => ({}));
  } catch {
    showOutage(
      'the page cannot reach the dashboard server (is `dropship run` or `dropship monitor` still running?)',
      true,
    );
    setTimeout(refresh, REFRESH_MS);
    return;
  }
  setTimeout(refresh, REFRESH_MS);
  if (response.ok) {
    render(/** @type {Snapshot} */ (body));
    lastGood = new Date();
    outageSince = null;
    return;
  }
  const failure = /** @type {ErrorBody} */ (body);
  if (response.status === 503 && failure.empty) showNotSetUp(failure);
  else showOutage(failure.error ?? `HTTP ${response.status}`, false);
}

void refresh();
