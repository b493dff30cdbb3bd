import { nuid } from "../nuid.js";
import { checkInboxPrefix } from "../protocol/validate.js";

/** A unique subject for replies: `<prefix>.<nuid>` (prefix `_INBOX` by default). */
export function createInbox(prefix = ""): string {
  if (typeof prefix !== "string") {
    throw new TypeError("prefix must be a string");
  }
  prefix = prefix || "_INBOX";
  checkInboxPrefix(prefix);
  return `${prefix}.${nuid.next()}`;
}
