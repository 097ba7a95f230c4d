/**
 * Kernel module dependencies from modules.dep (written by depmod): which .ko files an
 * initramfs needs for a set of modules, in an order insmod accepts (dependencies first).
 */

/** modules.dep text -> map from module name to { path, deps (names) }. */
export function parseModulesDep(text: string): Map<string, { path: string; deps: string[] }> {
  const nameOf = (path: string) => (path.split('/').pop() ?? path).replace(/\.ko(\.[a-z]+)?$/, '').replace(/-/g, '_');
  const map = new Map<string, { path: string; deps: string[] }>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const path = line.slice(0, colon).trim();
    const deps = line.slice(colon + 1).trim().split(/\s+/).filter(Boolean).map(nameOf);
    map.set(nameOf(path), { path, deps });
  }
  return map;
}

/** The modules to insmod for `wanted`, each after all of its dependencies. */
export function moduleLoadOrder(dep: Map<string, { path: string; deps: string[] }>, wanted: string[]): Array<{ name: string; path: string }> {
  const order: Array<{ name: string; path: string }> = [];
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (raw: string) => {
    const name = raw.replace(/-/g, '_');
    if (done.has(name)) return;
    const entry = dep.get(name);
    if (!entry) throw new Error(`kernel module ${name} is not in modules.dep (built in, or missing from this kernel?)`);
    if (visiting.has(name)) throw new Error(`kernel module dependency cycle at ${name}`);
    visiting.add(name);
    for (const d of entry.deps) visit(d);
    visiting.delete(name);
    done.add(name);
    order.push({ name, path: entry.path });
  };
  for (const name of wanted) visit(name);
  return order;
}
