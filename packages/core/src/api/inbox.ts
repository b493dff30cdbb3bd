import { InvalidArgumentError } from "../errors.js";
import { nuid } from "../nuid.js";
import { validateSubject } from "../protocol/validate.js";

/** A unique subject for replies: `<prefix>.<nuid>` (prefix `_INBOX` by default). */
export function createInbox(prefix = ""): string {
  if (typeof prefix !== "string") {
    throw new TypeError("prefix must be a string");
  }
  prefix = prefix || "_INBOX";
  if (validateSubject(prefix, false) !== null) {
    throw InvalidArgumentError.format("prefix", `'${prefix}' is not a valid inbox prefix: it must be a subject without wildcards`);
  }
  return `${prefix}.${nuid.next()}`;
}
