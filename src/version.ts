declare const __OTTERSTACK_VERSION__: string | undefined;

/** The package version, stamped into the bundle by scripts/bundle.sh ('dev' when run unbundled). */
export const VERSION: string = typeof __OTTERSTACK_VERSION__ === 'string' ? __OTTERSTACK_VERSION__ : 'dev';
