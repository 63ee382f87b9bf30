/**
 * Progress of long work on stderr (stdout may be the output file): a bar redrawn in place
 * on a terminal, or a plain line at every tenth when stderr is a file or a pipe, so logs
 * stay readable.
 */
export function progressReporter(label: string, stream: NodeJS.WriteStream = process.stderr): { update: (done: number, total: number) => void; finish: () => void } {
  const width = 30;
  let reported = -1;
  let last = '';
  return {
    update(done, total) {
      const fraction = total > 0 ? Math.min(1, done / total) : 1;
      if (stream.isTTY) {
        const filled = Math.round(fraction * width);
        const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(fraction * 100)}% (${done} of ${total})`;
        if (line !== last) stream.write(`\r${line}`);
        last = line;
      } else {
        const tenth = Math.floor(fraction * 10);
        if (tenth > reported) {
          reported = tenth;
          stream.write(`${label}: ${tenth * 10}% (${done} of ${total})\n`);
        }
      }
    },
    finish() {
      if (stream.isTTY && last !== '') stream.write('\n');
    },
  };
}
