/** The label proxy (a stand-in for Traefik) for tests; shared with the benchmark, which lives in bench/. */
export { LABEL_PROXY_IMAGE, startLabelProxy, type LabelProxy } from '../../bench/stand-in/start.js';
