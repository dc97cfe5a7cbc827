import { paint } from './output';

/** What {@link askLine} needs: a readable input and a writable output. */
export interface PromptStreams {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * Asks `query` as Terraform's `UIInput.Input` does (`command/ui_input.go`): the query in bold, each
 * line of the description indented by two spaces, an empty line, then `  Enter a value: `. Reads one
 * line from the input whether or not it is a terminal, and returns it with trailing white space
 * removed. Rejects with `EOF` when the input ends before a newline (Go's `ReadString('\n')`).
 */
export function askLine(query: string, description: string, streams: PromptStreams): Promise<string> {
  const { input, output } = streams;
  const lines = description.split('\n').map((l) => `  ${l}\n`).join('');
  output.write(`${paint('bold', query, output)}\n${lines}\n  ${paint('bold', 'Enter a value:', output)} `);
  return new Promise((resolve, reject) => {
    let buffered = '';
    const done = (fn: () => void) => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', onError);
      input.pause();
      fn();
    };
    const onData = (chunk: Buffer | string) => {
      buffered += chunk.toString();
      const newline = buffered.indexOf('\n');
      if (newline >= 0) {
        output.write('\n');
        done(() => resolve(buffered.slice(0, newline).replace(/\s+$/u, '')));
      }
    };
    const onEnd = () => done(() => reject(new Error('EOF')));
    const onError = (e: Error) => done(() => reject(e));
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}
