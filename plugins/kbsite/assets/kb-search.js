/* Help-center search: reads the static index written by kbsite.sites.client_search.
 *
 * The index is split so a query fetches little: meta.json (segments, filters, synonyms), one
 * vocabulary bucket per first letter of a query word (surface forms -> terms, so no stemmer
 * is needed here; short postings inline), postings files of the terms found, and the display
 * records of the results. Matching follows rep search (search/service.py): an exact id first,
 * then ever wider tiers -- every word exactly (terms, synonyms, derived words), word
 * beginnings (languages without a stemmer), typos (1 edit from 5 letters, 2 from 6), any
 * word -- stopping at the first tier that finds 5 pages. Scores are Whoosh's BM25F: the
 * writer stores each posting's field-weighted term weight, this multiplies it by the idf.
 */
(() => {
  "use strict";

  const ZWNJ = "\u200c";
  const ID = /^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)+$/;
  const FOLDABLE = /^[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{N}\p{M}]+$/u;
  const WORD_START = /^[\p{L}\p{N}]/u;
  const SCALE = 16;
  const LIMIT = 50; // pages ranked
  const PAGE = 5; // results shown at once (their records are fetched then)
  const MAX_WORDS = 32;
  const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

  /* -- analysis: the browser side of search/analysis.py ------------------------------ */

  function fold(word) {
    let w = word.toLowerCase().replace(/ß/g, "ss").replace(/ς/g, "σ").replace(/ſ/g, "s");
    if (FOLDABLE.test(w)) w = w.normalize("NFD").replace(/\p{Mn}+/gu, "").normalize("NFC");
    return w;
  }

  /** Words of any script: runs of whole grapheme clusters starting with a letter or digit. */
  function words(text) {
    const out = [];
    let current = "";
    for (const { segment } of graphemes.segment(text.normalize("NFC"))) {
      if (WORD_START.test(segment)) current += segment;
      else if (current) {
        out.push(current);
        current = "";
      }
    }
    if (current) out.push(current);
    return out;
  }

  /** How many characters (code points) a word has, as Python's ``len``. */
  const size = (w) => Array.from(w).length;

  /** ``word`` and what it may be without an inflection (search/derivation.py ``lemmas``). */
  function lemmas(word, table) {
    const out = [word];
    for (const [ending, instead] of table.inflections) {
      if (word.endsWith(ending) && !word.endsWith("ss") && size(word) - size(ending) >= 3) {
        const base = word.slice(0, word.length - ending.length) + instead;
        if (!out.includes(base)) out.push(base);
        const chars = Array.from(base);
        if (!instead && chars.length > 3 && chars.at(-1) === chars.at(-2)) {
          const shorter = chars.slice(0, -1).join("");
          if (!out.includes(shorter)) out.push(shorter);
        }
      }
    }
    return out;
  }

  /** The words derived from ``word`` that Snowball keeps apart (``pay``: ``payment``), from
   * the language's tables in meta.json, as search/derivation.py ``related`` finds them. */
  function related(word, table) {
    if (!table) return [];
    const own = lemmas(word, table);
    const unrelated = new Set(table.unrelated.map((pair) => [...pair].sort().join(" ")));
    const out = [];
    for (const lemma of own) {
      if (size(lemma) < 3) continue;
      for (const [root, derived] of table.endings) {
        for (const [have, other] of [[derived, root], [root, derived]]) {
          if (lemma.endsWith(have) && size(lemma) > size(have)) {
            const candidate = lemma.slice(0, lemma.length - have.length) + other;
            if (
              size(candidate) >= 3 &&
              !own.includes(candidate) &&
              !unrelated.has([lemma, candidate].sort().join(" ")) &&
              !out.includes(candidate)
            ) {
              out.push(candidate);
            }
          }
        }
      }
    }
    return out;
  }

  function osa(a, b, max) {
    const n = a.length;
    const m = b.length;
    if (Math.abs(n - m) > max) return max + 1;
    let before = null;
    let prev = Array.from({ length: m + 1 }, (_, j) => j);
    for (let i = 1; i <= n; i++) {
      const row = [i];
      let least = i;
      for (let j = 1; j <= m; j++) {
        let v = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
          v = Math.min(v, before[j - 2] + 1);
        }
        row[j] = v;
        if (v < least) least = v;
      }
      if (least > max) return max + 1;
      before = prev;
      prev = row;
    }
    return prev[m];
  }

  /* -- the index ---------------------------------------------------------------------- */

  class Index {
    constructor(base) {
      this.base = base;
      this.files = new Map();
      this.packs = new Map(); // a small segment's folder -> the path of its one file
      this.manifest = null;
    }

    /** A file of a packed segment (a delta of a few pages: all its files in one). */
    async unpack(pack, path, inner) {
      const files = await this.get(pack);
      if (!Object.prototype.hasOwnProperty.call(files, inner)) {
        throw new Error(`${path}: not in ${pack}`);
      }
      return files[inner];
    }

    get(path) {
      const slash = path.indexOf("/");
      const pack = this.packs.get(path.slice(0, slash));
      if (pack) return this.unpack(pack, path, path.slice(slash + 1));
      if (!this.files.has(path)) {
        const request = fetch(new URL(path, this.base)).then((r) => {
          if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
          return r.json();
        });
        request.catch(() => this.files.delete(path));
        this.files.set(path, request);
      }
      return this.files.get(path);
    }

    load() {
      if (!this.manifest) {
        this.manifest = fetch(new URL("meta.json", this.base), { cache: "no-cache" })
          .then((r) => {
            if (!r.ok) throw new Error(`meta.json: HTTP ${r.status}`);
            return r.json();
          })
          .then((meta) => {
            let offset = 0;
            meta.segs = meta.segments.map((s) => {
              const seg = {
                dir: s.dir,
                docs: s.docs,
                offset,
                buckets: new Set(s.buckets),
                lengths: s.lengths,
                dead: new Set(s.dead),
              };
              offset += s.docs;
              if (s.pack) this.packs.set(s.dir, `${s.dir}.json`);
              return seg;
            });
            meta.synonymsOf = new Map();
            for (const group of meta.synonyms) {
              for (const member of group) {
                const others = group.filter((m) => m !== member).map((m) => m.t);
                meta.synonymsOf.set(member.w, (meta.synonymsOf.get(member.w) || []).concat(others));
              }
            }
            return meta;
          });
        this.manifest.catch(() => (this.manifest = null));
      }
      return this.manifest;
    }

    static key(word) {
      return Array.from(word).slice(0, 2).join("");
    }

    static fileKey(key) {
      return Array.from(key, (c) => c.codePointAt(0).toString(16)).join("-");
    }

    /** The vocabulary bucket of a word in one segment (null when the segment has none). */
    async bucket(seg, word) {
      const key = Index.key(word);
      if (!seg.buckets.has(key)) return null;
      const data = await this.get(`${seg.dir}/v/${Index.fileKey(key)}.json`);
      if (!data.index) data.index = new Map(data.t.map((t, i) => [t, i]));
      return data;
    }

    /** Prefetch the buckets a partly typed query will need. */
    async warm(query) {
      const meta = await this.load();
      for (const word of words(query).slice(0, MAX_WORDS)) {
        for (const seg of meta.segs) this.bucket(seg, fold(word)).catch(() => {});
      }
    }

    /** Every term and surface form of one segment with this first letter and length. */
    async wordList(seg, letter, length) {
      if (!(seg.lengths[letter] || []).includes(length)) return [];
      return this.get(`${seg.dir}/w/${Index.fileKey(letter)}-${length}.json`);
    }

    /** Postings of a term in one segment as [[globalDoc, packed], ...], live docs only. */
    async postings(seg, data, term) {
      const i = data.index.get(term);
      if (i === undefined) return [];
      let gaps = data.p[i];
      if (!Array.isArray(gaps)) gaps = (await this.get(`${seg.dir}/p/${gaps}.json`))[term] || [];
      const out = [];
      let doc = 0;
      for (let k = 0; k < gaps.length; k += 2) {
        doc += gaps[k];
        if (!seg.dead.has(doc)) out.push([seg.offset + doc, gaps[k + 1]]);
      }
      return out;
    }

    async filterSet(meta, kind, value) {
      const docs = new Set();
      for (const seg of meta.segs) {
        const data = await this.get(`${seg.dir}/f/${kind}.json`);
        let doc = 0;
        for (const gap of Object.hasOwn(data, value) ? data[value] : []) {
          doc += gap;
          if (!seg.dead.has(doc)) docs.add(seg.offset + doc);
        }
      }
      return docs;
    }

    async records(meta, docs) {
      return Promise.all(
        docs.map(async (doc) => {
          const seg = meta.segs.findLast((s) => s.offset <= doc);
          const local = doc - seg.offset;
          const shard = await this.get(`${seg.dir}/d/${Math.floor(local / meta.shard)}.json`);
          const [url, title, type, products, note, excerpt, sections, id] = shard[local % meta.shard];
          return { doc, url, title, type, products, note, excerpt, sections, id };
        }),
      );
    }
  }

  /* -- matching ----------------------------------------------------------------------- */

  /** One alternative of a query word: terms that must all be in a page (several for a
   * phrase synonym), scored by BM25F times boost, or, when ``constant``, a fixed boost per
   * field that has any of them (Whoosh's prefix and typo expansions). */
  function alternative(terms, boost, constant = false) {
    return { terms, boost, constant };
  }

  /** What the index knows of a query word exactly: its terms (and word beginnings). */
  async function lookup(index, meta, word) {
    const found = { exact: new Set(), prefix: new Set(), known: false };
    const zwnj = word.includes(ZWNJ) ? word.split(ZWNJ, 1)[0] : null;
    const chars = Array.from(word);
    for (const seg of meta.segs) {
      const data = await index.bucket(seg, word);
      if (data && Object.hasOwn(data.f, word)) {
        found.known = true;
        for (const t of data.f[word]) found.exact.add(t);
      } else if (data && data.index.has(word)) {
        found.known = true;
        found.exact.add(word);
      }
    }
    if (!found.exact.size) {
      found.exact.add(word);
      if (zwnj) found.exact.add(zwnj); // a Telugu word's stem before its case ending
    }
    for (const seg of meta.segs) {
      const data = await index.bucket(seg, word);
      if (!data) continue;
      if (!found.known && meta.stemmed) {
        // An inflection no page uses: the longest indexed stem it starts with, short of an
        // ending of at most 3 letters, stands in for the stem Snowball would give.
        let best = "";
        for (const t of data.t) {
          const n = Array.from(t).length;
          if (n > best.length && n >= 3 && n >= chars.length - 3 && word.startsWith(t)) best = t;
        }
        if (best) found.exact.add(best);
      }
      if (!meta.stemmed && chars.length >= 3) {
        for (const t of data.t) if (t.startsWith(word)) found.prefix.add(t);
      }
    }
    return found;
  }

  /** The terms of the index's words that are, or inflect, a word derived from ``word``
   * (``related``; ``deliveries`` for ``delivery`` of ``deliver``), less the word's own. */
  async function derivedTerms(index, meta, word, own) {
    const found = new Set();
    const table = meta.derive;
    for (const other of related(word, table)) {
      const head = other.slice(0, -1); // every inflection of a word begins so
      const inflects = (w) => w.startsWith(head) && lemmas(w, table).includes(other);
      for (const seg of meta.segs) {
        const data = await index.bucket(seg, other);
        if (!data) continue;
        for (const [form, terms] of Object.entries(data.f)) {
          if (inflects(form)) for (const t of terms) found.add(t);
        }
        for (const t of data.t) if (!Object.hasOwn(data.f, t) && inflects(t)) found.add(t);
      }
    }
    for (const t of own) found.delete(t);
    return found;
  }

  /** Terms within 1 edit (5 letters) or 2 (6 and more) of the word or of its terms, with the
   * same first letter (Whoosh's FuzzyTerm with prefixlength 1), found in the word lists of
   * the lengths that can be that close; surface forms stand for their terms. */
  async function typos(index, meta, word, stems) {
    const found = new Set();
    const chars = Array.from(word);
    const distance = chars.length >= 6 ? 2 : chars.length >= 5 ? 1 : 0;
    if (!distance) return found;
    const targets = [chars, ...[...stems].map((s) => Array.from(s))].filter((t) => t[0] === chars[0]);
    const lengths = new Set();
    for (const t of targets) for (let n = t.length - distance; n <= t.length + distance; n++) lengths.add(n);
    const candidates = new Set();
    for (const seg of meta.segs) {
      const lists = await Promise.all([...lengths].map((n) => index.wordList(seg, chars[0], n)));
      for (const list of lists) {
        for (const w of list) {
          const wc = Array.from(w);
          if (targets.some((t) => osa(t, wc, distance) <= distance)) candidates.add(w);
        }
      }
    }
    await Promise.all(
      [...candidates].map(async (w) => {
        for (const seg of meta.segs) {
          const data = await index.bucket(seg, w);
          if (!data) continue;
          if (Object.hasOwn(data.f, w)) for (const t of data.f[w]) found.add(t);
          else if (data.index.has(w)) found.add(w);
        }
      }),
    );
    return found;
  }

  async function search(index, query, filters = {}) {
    const meta = await index.load();
    const text = query.normalize("NFC").slice(0, 2000);
    let allowed = null;
    for (const [kind, value] of Object.entries(filters)) {
      if (!value) continue;
      const docs = await index.filterSet(meta, kind, value);
      allowed = allowed ? new Set([...allowed].filter((d) => docs.has(d))) : docs;
    }
    const ok = (doc) => !allowed || allowed.has(doc);

    // An id names its page.
    const candidate = text.trim();
    if (ID.test(candidate)) {
      const key = fold(candidate);
      const docs = [];
      for (const seg of meta.segs) {
        const data = await index.bucket(seg, key);
        const local = data ? data.i[key] : undefined;
        if (Number.isInteger(local) && !seg.dead.has(local) && ok(seg.offset + local)) {
          docs.push(seg.offset + local);
        }
      }
      if (docs.length) return finish(index, meta, [[docs[docs.length - 1], 1e6]], 1, [key]);
    }

    const typed = words(text.replace(/"/g, " ")).slice(0, MAX_WORDS).map(fold);
    if (!typed.length) return { total: 0, results: [], words: [] };
    const found = await Promise.all(typed.map((w) => lookup(index, meta, w)));
    const derived = await Promise.all(typed.map((w, i) => derivedTerms(index, meta, w, found[i].exact)));
    const exact = found.map((f, i) => {
      const alts = [...f.exact].map((t) => alternative([t], 1));
      for (const terms of meta.synonymsOf.get(typed[i]) || []) alts.push(alternative(terms, 0.8));
      for (const t of derived[i]) alts.push(alternative([t], 0.8));
      return alts;
    });
    const wide = found.map((f, i) =>
      f.prefix.size ? exact[i].concat([alternative([...f.prefix], 0.7, true)]) : exact[i],
    );
    const typoTier = async () => {
      const near = await Promise.all(typed.map((w, i) => typos(index, meta, w, found[i].exact)));
      return near.map((terms, i) =>
        terms.size ? wide[i].concat([alternative([...terms], 0.5, true)]) : wide[i],
      );
    };
    const tiers = [async () => [exact, true]];
    if (!meta.stemmed) tiers.push(async () => [wide, true]);
    let typo = null;
    tiers.push(async () => [(typo = await typoTier()), true]);
    if (typed.length > 1) tiers.push(async () => [typo || (await typoTier()), false]);

    const best = new Map();
    let total = 0;
    const marked = new Set(typed);
    for (const tier of tiers) {
      const [alternatives, every] = await tier();
      const scores = await run(index, meta, alternatives, every, ok);
      for (const [doc, score] of scores) if (!(best.get(doc) >= score)) best.set(doc, score);
      total = Math.max(total, scores.size, best.size);
      for (const alts of alternatives) for (const a of alts) for (const t of a.terms) marked.add(t);
      if (scores.size >= 5) break;
    }
    const ranked = [...best].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    return finish(index, meta, ranked.slice(0, LIMIT), total, [...marked]);
  }

  /** Scores of one tier: every word (``every``) or any word must match one alternative. */
  async function run(index, meta, alternatives, every, ok) {
    const need = new Set(alternatives.flatMap((alts) => alts.flatMap((a) => a.terms)));
    const postings = new Map();
    const df = new Map();
    await Promise.all(
      [...need].map(async (term) => {
        const lists = await Promise.all(
          meta.segs.map(async (seg) => {
            const data = await index.bucket(seg, term);
            if (!data || !data.index.has(term)) return [];
            df.set(term, (df.get(term) || 0) + data.n[data.index.get(term)]);
            return index.postings(seg, data, term);
          }),
        );
        postings.set(term, lists.flat());
      }),
    );
    const idf = (term) => Math.log(meta.n / ((df.get(term) || 0) + 1)) + 1;
    let result = null;
    const optional = [];
    for (const alts of alternatives) {
      const scores = new Map();
      // A term in most pages serves only its best postings, so a word one of whose terms is
      // that common cannot be required: it adds its score where it is found.
      const common = alts.some((alt) => alt.terms.some((t) => (df.get(t) || 0) > meta.common));
      for (const alt of alts) {
        const perDoc = new Map();
        for (const term of alt.terms) {
          for (const [doc, packed] of postings.get(term) || []) {
            const entry = perDoc.get(doc) || { score: 0, mask: 0, count: 0 };
            entry.score += idf(term) * Math.floor(packed / 8) / SCALE;
            entry.mask |= packed & 7;
            entry.count += 1;
            perDoc.set(doc, entry);
          }
        }
        const single = alt.constant && alt.terms.length === 1;
        for (const [doc, entry] of perDoc) {
          if (!alt.constant && entry.count < alt.terms.length) continue; // a phrase: all terms
          const fields = (entry.mask & 1) + ((entry.mask >> 1) & 1) + ((entry.mask >> 2) & 1);
          const score = alt.constant && !single ? alt.boost * fields : alt.boost * entry.score;
          scores.set(doc, (scores.get(doc) || 0) + score);
        }
      }
      if (every && common && alternatives.length > 1) {
        optional.push(scores);
        continue;
      }
      if (!every) {
        if (result === null) result = new Map();
        for (const [doc, s] of scores) if (ok(doc)) result.set(doc, (result.get(doc) || 0) + s);
      } else if (result === null) {
        result = new Map([...scores].filter(([doc]) => ok(doc)));
      } else {
        const next = new Map();
        for (const [doc, s] of result) if (scores.has(doc)) next.set(doc, s + scores.get(doc));
        result = next;
      }
    }
    if (result === null) {
      result = new Map();
      for (const scores of optional) for (const [doc, s] of scores) if (ok(doc)) result.set(doc, (result.get(doc) || 0) + s);
      return result;
    }
    for (const scores of optional) {
      for (const [doc, s] of scores) if (result.has(doc)) result.set(doc, result.get(doc) + s);
    }
    return result;
  }

  async function finish(index, meta, ranked, total, marked) {
    const answer = { total, results: [], words: marked, ranked };
    /** Fetch the records of the next page of results; returns them. */
    answer.more = async () => {
      const next = ranked.slice(answer.results.length, answer.results.length + PAGE);
      const records = await index.records(meta, next.map(([doc]) => doc));
      records.forEach((r, i) => (r.score = next[i][1]));
      answer.results.push(...records);
      return records;
    };
    await answer.more();
    return answer;
  }

  /* -- the search box ----------------------------------------------------------------- */

  function escape(text) {
    return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  }

  /** HTML-escaped text with the words whose folded form starts with a marked term in <mark>. */
  function highlight(text, marked) {
    let out = "";
    let current = "";
    const flush = () => {
      if (!current) return;
      const f = fold(current);
      const hit = marked.some((m) => m.length >= 2 && (f === m || (m.length >= 3 && f.startsWith(m))));
      out += hit ? `<mark>${escape(current)}</mark>` : escape(current);
      current = "";
    };
    for (const { segment } of graphemes.segment(text)) {
      if (WORD_START.test(segment)) current += segment;
      else {
        flush();
        out += escape(segment);
      }
    }
    flush();
    return out;
  }

  function mount(root) {
    const base = new URL(root.dataset.kbSearch, document.baseURI);
    const siteRoot = new URL(root.dataset.kbRoot || "./", document.baseURI);
    const labels = JSON.parse(root.dataset.kbLabels || "{}");
    const index = new Index(base);
    const input = root.querySelector("input[name=q]");
    const list = root.querySelector(".md-search-result__list");
    const status = root.querySelector(".md-search-result__meta");
    const form = root.querySelector("form");
    const toggle = document.getElementById("__search");
    const selects = [...root.querySelectorAll("select[data-kb-filter]")];
    let sequence = 0;
    let timer = 0;
    let active = -1;

    const open = () => {
      if (toggle && !toggle.checked) {
        toggle.checked = true;
        toggle.dispatchEvent(new Event("change"));
      }
      index.load().then(fillFilters, () => (status.textContent = labels.error || "Search is unavailable."));
    };
    const close = () => {
      if (toggle && toggle.checked) {
        toggle.checked = false;
        toggle.dispatchEvent(new Event("change"));
      }
      input.blur();
    };

    let filled = false;
    function fillFilters(meta) {
      if (filled) return;
      filled = true;
      for (const select of selects) {
        const values = meta[select.dataset.kbFilter === "type" ? "types" : "products"] || {};
        const names = Object.keys(values);
        if (names.length < 2) continue;
        for (const name of names) {
          const option = document.createElement("option");
          option.value = name;
          option.textContent = (labels.types && labels.types[name]) || name;
          select.append(option);
        }
        select.hidden = false;
      }
    }

    function setActive(i) {
      const items = list.querySelectorAll(".md-search-result__item");
      items.forEach((el, k) => el.classList.toggle("kb-search-active", k === i));
      active = items.length ? Math.max(0, Math.min(i, items.length - 1)) : -1;
      if (active >= 0) items[active].scrollIntoView({ block: "nearest" });
    }

    function item(r, answer) {
      const section = r.sections.find(([h]) => words(h).some((w) => answer.words.includes(fold(w))));
      const href = new URL(r.url, siteRoot).href + (section ? `#${section[1]}` : "");
      const type = (labels.types && labels.types[r.type]) || r.type;
      const products = r.products.length ? ` · ${escape(r.products.join(", "))}` : "";
      const note = r.note ? `<p class="kb-search-note">${escape(r.note)}</p>` : "";
      const where = section ? `<p class="kb-search-section">§ ${highlight(section[0], answer.words)}</p>` : "";
      const li = document.createElement("li");
      li.className = "md-search-result__item";
      li.dataset.kbUrl = r.url;
      li.dataset.kbId = r.id || "";
      li.innerHTML =
        `<a href="${escape(href)}" class="md-search-result__link" tabindex="-1">` +
        `<article class="md-search-result__article md-typeset">` +
        `<h1>${highlight(r.title, answer.words)}</h1>` +
        `<p class="kb-search-kind"><span class="kb-search-type" data-kb-type="${escape(r.type)}">${escape(type)}</span>${products}</p>` +
        note + where +
        `<p>${highlight(r.excerpt, answer.words)}</p></article></a>`;
      return li;
    }

    function render(answer) {
      list.innerHTML = "";
      if (!answer.results.length) {
        status.textContent = labels.none || "No matching pages";
        return;
      }
      status.textContent = (answer.total === 1 ? labels.one || "1 matching page" : labels.other || "# matching pages").replace("#", answer.total);
      for (const r of answer.results) list.append(item(r, answer));
      addMore(answer);
      setActive(0);
    }

    function addMore(answer) {
      if (answer.ranked.length <= answer.results.length) return;
      const li = document.createElement("li");
      li.className = "kb-search-more";
      const button = document.createElement("button");
      button.type = "button";
      button.className = "md-button";
      button.textContent = labels.more || "More results";
      button.addEventListener("click", async () => {
        button.disabled = true;
        const mine = sequence;
        const records = await answer.more();
        if (mine !== sequence) return;
        li.remove();
        for (const r of records) list.append(item(r, answer));
        addMore(answer);
        root.dispatchEvent(new CustomEvent("kb-search-more", { detail: { answer } }));
      });
      li.append(button);
      list.append(li);
    }

    async function update() {
      const query = input.value;
      const mine = ++sequence;
      const filters = {};
      for (const s of selects) if (s.value) filters[s.dataset.kbFilter] = s.value;
      if (!query.trim()) {
        list.innerHTML = "";
        status.textContent = labels.placeholder || "Type to start searching";
        root.dataset.kbState = "idle";
        return;
      }
      root.dataset.kbState = "busy";
      try {
        const answer = await search(index, query, filters);
        if (mine !== sequence) return;
        render(answer);
        root.dataset.kbState = "done";
        root.dispatchEvent(new CustomEvent("kb-search-results", { detail: { query, answer }, bubbles: true }));
      } catch (error) {
        if (mine !== sequence) return;
        status.textContent = labels.error || "Search is unavailable.";
        root.dataset.kbState = "error";
        console.error(error);
      }
    }

    input.addEventListener("focus", open);
    input.addEventListener("input", () => {
      index.warm(input.value).catch(() => {});
      clearTimeout(timer);
      timer = setTimeout(update, 150);
    });
    for (const s of selects) s.addEventListener("change", update);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const link = list.querySelectorAll(".md-search-result__link")[Math.max(active, 0)];
      if (link) location.href = link.href;
    });
    form.addEventListener("reset", () => {
      setTimeout(update);
      close();
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        setActive(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Escape") {
        close();
      }
    });
    if (toggle) toggle.addEventListener("change", () => toggle.checked && input.focus());
    document.addEventListener("keydown", (event) => {
      const target = event.target;
      if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
      if (["/", "s", "f"].includes(event.key) && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        open();
        input.focus();
      }
    });
    const params = new URLSearchParams(location.search);
    if (params.get("q")) {
      input.value = params.get("q");
      open();
      update();
    }
    window.kbSearch = { search: (q, f) => search(index, q, f), index, fold, words, related };
  }

  const start = () => document.querySelectorAll("[data-kb-search]").forEach(mount);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
