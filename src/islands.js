// Loads the WASM module and hydrates the page's islands: leptos'
// `island_script.js` (leptos 0.8, MIT), with two changes. It is the only
// way the module is fetched: no `<link rel="preload">` beside it, so a
// browser without JavaScript downloads nothing it cannot run. And once
// every island has hydrated, `<html data-hydrated="true">` says so (the
// stylesheet shows copy buttons then; browser tests wait for it).
((pkg_path, output_name, wasm_output_name) => {
  const MOST_RECENT_CHILDREN_CB = [];
  async function hydrateIslands(rootNode, mod) {
    async function traverse(node) {
      if (node.nodeType !== Node.ELEMENT_NODE) return;
      const tag = node.tagName.toLowerCase();
      if (tag === "leptos-island") {
        await hydrateIsland(node, node.dataset.component || null, mod);
        for (const child of node.children) await traverse(child);
      } else if (tag === "leptos-children") {
        MOST_RECENT_CHILDREN_CB.push(node.$$on_hydrate);
        for (const child of node.children) await traverse(child);
        MOST_RECENT_CHILDREN_CB.pop();
      } else {
        for (const child of node.children) await traverse(child);
      }
    }
    await traverse(rootNode);
  }
  async function hydrateIsland(el, id, mod) {
    const islandFn = mod[id];
    if (!islandFn) {
      console.warn(`Could not find WASM function for the island ${id}.`);
      return;
    }
    const childrenCb = MOST_RECENT_CHILDREN_CB[MOST_RECENT_CHILDREN_CB.length - 1];
    if (childrenCb) childrenCb();
    const res = islandFn(el);
    if (res && res.then) await res;
  }
  import(`/${pkg_path}/${output_name}.js`).then(async (mod) => {
    await mod.default({ module_or_path: `/${pkg_path}/${wasm_output_name}.wasm` });
    mod.hydrate();
    await hydrateIslands(document.body, mod);
    document.documentElement.setAttribute("data-hydrated", "true");
  });
})
