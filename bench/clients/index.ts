/** Client name -> connect(). Each adapter imports its library lazily, so a child loads only its own. */
import { connectNats2 } from "./nats2.js";
import { connectOfficial } from "./official.js";
import { connectQuicknats, connectQuicknatsBaseline, connectQuicknatsOtel } from "./quicknats.js";
import { connectRaw } from "./raw.js";
import type { ClientName, Connect } from "./types.js";

export const connectors: Record<ClientName, Connect> = {
  quicknats: connectQuicknats,
  official: (url) => connectOfficial(url, false),
  "official-fast": (url) => connectOfficial(url, true),
  nats2: connectNats2,
  raw: connectRaw,
  "quicknats-otel": connectQuicknatsOtel,
  "quicknats-base": connectQuicknatsBaseline,
};
