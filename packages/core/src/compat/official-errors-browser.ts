/**
 * The error bridge of browser bundles: package.json's `browser` field puts
 * this in place of official-errors.ts, as a browser has no module cache to
 * find @nats-io/nats-core in (the bridge would do nothing there but weigh).
 */
import type { ModuleCache } from "./official-errors.js";

export function bridgeOfficialErrors(_cache?: ModuleCache): void {}
