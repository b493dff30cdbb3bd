/** quicknats command-line tool (work in progress). */
export async function main(argv: string[]): Promise<number> {
  process.stdout.write(`quicknats: no commands yet (${argv.length} args)\n`);
  return 0;
}
