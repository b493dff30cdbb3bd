/**
 * The CLI's version. Kept in sync with package.json by a test: the package is
 * built as ESM and CommonJS from one source, so it cannot read its own
 * package.json through `import.meta`.
 */
export const VERSION = "0.1.0";
