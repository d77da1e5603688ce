// The yaml package is CommonJS under Node: imported statically here, then this module is what the
// services import() lazily. (A dynamic import() of the package itself, split into a chunk by esbuild,
// exposes only `default`.)
export { parse, stringify } from 'yaml';
