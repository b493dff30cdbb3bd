import { nuid } from "../nuid.js";
import { argumentTypeError } from "../errors.js";
import { checkInboxPrefix } from "../protocol/validate.js";

/** A unique subject for replies: `<prefix>.<nuid>` (prefix `_INBOX` by default). */
export function createInbox(prefix: string | null = ""): string {
  // null, as "", means the default prefix (3.4 takes any falsy prefix for it)
  if (prefix === null) prefix = "";
  if (typeof prefix !== "string") {
    throw argumentTypeError("prefix must be a string");
  }
  prefix = prefix || "_INBOX";
  checkInboxPrefix(prefix);
  return `${prefix}.${nuid.next()}`;
}
